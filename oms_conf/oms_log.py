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
import sys
from pathlib import Path

from loguru import logger

CONCERNS = ("web", "celery", "crontab", "file")
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


def log_path(log_dir: Path, concern: str) -> Path:
    """The file of ``concern`` under ``log_dir``, by day: ``web/web_2026-12-02.log``."""
    return Path(log_dir) / concern / f"{concern}_{{time:YYYY-MM-DD}}.log"


def configure(
    default_concern: str, *, log_dir: Path, level: str = "INFO", retention_days: int = 30
) -> None:
    """Install the sinks once per process (``configure_django`` with the OMS_LOG_* values
    of settings.py); calling again with another default concern switches it."""
    global _configured_concern
    if _configured_concern == default_concern:
        return
    logger.remove()
    logger.configure(extra={"concern": default_concern})
    # diagnose=False: tracebacks must not print variable values (passwords, personal data).
    logger.add(sys.stderr, level=level, format=FORMAT, diagnose=False)
    for concern in CONCERNS:
        logger.add(
            str(log_path(log_dir, concern)),
            level=level,
            format=FORMAT,
            filter=_only(concern),
            rotation="00:00",
            retention=f"{retention_days} days",
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


def configure_django(logging_settings: dict) -> None:
    """Django's LOGGING_CONFIG: the web's sinks, unless this process already chose its own
    (a Celery worker configures "celery" whichever of the two comes first)."""
    if _configured_concern is None:
        configure("web", **logging_settings)
