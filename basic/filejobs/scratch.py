"""Scratch space of this host: temporary files of the jobs a process is running.

Every process that writes job files (an export, an error report, the parts of a split)
works in a folder of its own under ``SCRATCH_DIR`` and holds an exclusive lock on it
while it lives. A worker killed half-way leaves its folder behind; the next worker that
starts on the host deletes the folders whose lock nobody holds any more, instead of
leaving megabytes in /tmp until the hourly cron.
"""

import fcntl
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from loguru import logger

LOCK_NAME = ".owner.lock"
# (pid, scratch root) → (the process's folder, its locked descriptor)
_held: dict[tuple[int, str], tuple[Path, int]] = {}


def process_dir() -> Path:
    """This process's folder, created and locked on first use (a forked child gets its own)."""
    pid, root = os.getpid(), Path(settings.SCRATCH_DIR)
    key = (pid, str(root))
    if key not in _held:
        root.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=f"{pid}-", dir=root))
        descriptor = os.open(folder / LOCK_NAME, os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        _held[key] = (folder, descriptor)
    return _held[key][0]


@contextmanager
def temporary_folder(prefix: str):
    """A folder for one job step, in this process's scratch space, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix, dir=process_dir()) as folder:
        yield Path(folder)


def remove_abandoned() -> int:
    """Delete the scratch folders of processes that are gone; how many were deleted."""
    root = Path(settings.SCRATCH_DIR)
    removed = 0
    for folder in root.glob("*") if root.is_dir() else ():
        if not folder.is_dir() or _locked_by_someone(folder):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        logger.bind(concern="file").info("removed the scratch folder {} of a dead process", folder)
        removed += 1
    return removed


def _locked_by_someone(folder: Path) -> bool:
    try:
        descriptor = os.open(folder / LOCK_NAME, os.O_RDWR)
    except FileNotFoundError:  # not a scratch folder, or one still being made
        return (folder / LOCK_NAME).exists() or _young(folder)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)  # closing drops the lock we may have taken
    return False


def _young(folder: Path) -> bool:
    """A folder made a moment ago, whose owner has not locked it yet."""
    return time.time() - folder.stat().st_mtime < 60
