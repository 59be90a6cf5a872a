"""Loguru configuration: the log base path, one file per concern, stdlib logging routed in.

Every module just does ``from loguru import logger``. A record goes to the file of its
concern: the process default (``web`` for Django, ``celery`` for workers and beat) or
the one bound explicitly (``logger.bind(concern="file")`` for file-job events,
``concern="crontab"`` in cron jobs). Several processes may append to the same file, so
files are named by day and never renamed: each process switches to the next day's file
on its own.
"""

import inspect
import logging
import os
import sys
from pathlib import Path

from loguru import logger

BASE_DIR = Path(__file__).resolve().parent.parent
_log_dir = Path(os.environ.get("OMS_LOG_DIR", "logs"))
LOG_DIR = _log_dir if _log_dir.is_absolute() else BASE_DIR / _log_dir

CONCERNS = ("web", "celery", "crontab", "file")
web_log = LOG_DIR / "web" / "web_{time:YYYY-MM-DD}.log"
celery_log = LOG_DIR / "celery" / "celery_{time:YYYY-MM-DD}.log"
crontab_log = LOG_DIR / "crontab" / "crontab_{time:YYYY-MM-DD}.log"
file_log = LOG_DIR / "file" / "file_{time:YYYY-MM-DD}.log"
LOG_PATHS = {"web": web_log, "celery": celery_log, "crontab": crontab_log, "file": file_log}

RETENTION_DAYS = int(os.environ.get("OMS_LOG_RETENTION_DAYS", "30"))
LEVEL = os.environ.get("OMS_LOG_LEVEL", "INFO")
FORMAT = (
    "{time:YYYY-MM-DD HH:mm:ss.SSS} | {level: <8} | {process} | {extra[concern]} | "
    "{name}:{function}:{line} - {message}"
)

_configured_concern: str | None = None


class InterceptHandler(logging.Handler):
    """Send standard-library records (Django, Celery, kombu) to loguru."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        frame, depth = inspect.currentframe(), 0
        while frame and (depth == 0 or frame.f_code.co_filename == logging.__file__):
            frame, depth = frame.f_back, depth + 1
        logger.opt(depth=depth, exception=record.exc_info).log(level, record.getMessage())


def _only(concern: str):
    return lambda record: record["extra"].get("concern") == concern


def configure(default_concern: str = "web") -> None:
    """Install the sinks once per process; calling again with another default switches it."""
    global _configured_concern
    if _configured_concern == default_concern:
        return
    logger.remove()
    logger.configure(extra={"concern": default_concern})
    # diagnose=False: tracebacks must not print variable values (passwords, personal data).
    logger.add(sys.stderr, level=LEVEL, format=FORMAT, diagnose=False)
    for concern, path in LOG_PATHS.items():
        logger.add(
            str(path),
            level=LEVEL,
            format=FORMAT,
            filter=_only(concern),
            rotation="00:00",
            retention=f"{RETENTION_DAYS} days",
            encoding="utf-8",
            diagnose=False,
        )
    logging.basicConfig(handlers=[InterceptHandler()], level=logging.INFO, force=True)
    for name in ("django", "celery", "kombu"):
        std = logging.getLogger(name)
        std.handlers = [InterceptHandler()]
        std.propagate = False
    logging.getLogger("axes").setLevel(logging.WARNING)  # a line per login is noise
    _configured_concern = default_concern
