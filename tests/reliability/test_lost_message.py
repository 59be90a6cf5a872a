"""A job whose message the broker lost holds no one back, and is sent again within a minute.

Real worker and beat on Redis. The message of a user's first import is deleted from the
broker before any worker takes it (as a broker restarted without its data would lose
it): the user's next import must start at once, not wait behind it for a quarter of an
hour, the first one must be sent again within a minute, and no message may go round in
a loop meanwhile.
"""

import re
import time
from datetime import timedelta

import pytest
import redis
from django.conf import settings

from basic.filejobs.models import FileJob, JobStatus
from tests.job_helpers import SKUS, job_id_from, wait_for
from tests.order_files import order_sheet, write_csv
from tests.processes import BeatProcess, WorkerProcess, manage

pytestmark = [pytest.mark.integration, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _import(env, user, path) -> int:
    queued = manage("excel_import", "order", str(path), "--user", user.username, env=env)
    assert queued.returncode == 0, queued.stdout + queued.stderr
    return job_id_from(queued.stdout)


def test_a_lost_message_blocks_nobody_and_is_sent_again_within_a_minute(
    operator, redis_env, redis_url, tmp_path
):
    files = [
        write_csv(
            tmp_path / f"{n}.csv", order_sheet(200, stores=["A001"], skus=SKUS, prefix=f"L{n}").rows
        )
        for n in range(2)
    ]
    first = _import(redis_env, operator, files[0])
    assert redis.Redis.from_url(redis_url).delete("imports") == 1  # the broker lost it
    sent_at = FileJob.objects.get(pk=first).enqueued_at
    assert sent_at is not None
    # long enough that no worker could still be about to claim it
    time.sleep(settings.JOB_IN_FLIGHT_SECONDS + 1)

    worker = WorkerProcess(redis_env, "--concurrency", "1")
    beat = BeatProcess(redis_env)
    try:
        worker.wait_ready()
        beat.wait_ready()
        second = wait_for(_import(redis_env, operator, files[1]), timeout=120)
        lost = FileJob.objects.get(pk=first)
        assert second.status == JobStatus.SUCCEEDED, second.message
        assert lost.status == JobStatus.QUEUED  # the next job did not wait for it
        assert "turn" not in second.message and "slot" not in second.message

        recovered = wait_for(first, timeout=120)
    finally:
        beat.stop()
        worker.stop()

    assert recovered.status == JobStatus.SUCCEEDED, recovered.message
    assert recovered.enqueued_at - sent_at < timedelta(minutes=1)  # when it was sent again
    assert recovered.started_at > second.started_at
    received = re.findall(r"run_file_job\[[^\]]+\] received", worker.text)
    assert len(received) == 2, worker.text  # the second job, and the first sent again
