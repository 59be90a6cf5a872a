"""A task for the broker stress test: it appends its number to a log, once per run."""

import os

from celery import shared_task


@shared_task(name="tests.broker.record_run")
def record_run(number: int, log_path: str, padding: str = "") -> None:
    # One write with O_APPEND: lines of concurrent pool processes never interleave.
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, f"{number}\n".encode())
    finally:
        os.close(fd)
