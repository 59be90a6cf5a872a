"""Faults of the machine that stop a run, told apart from bugs and said in the user's words.

A full disk is not a lost database and not an unexpected error: the user can do
something about it (free space, then retry), and retrying before that cannot help.
"""

import errno

from django.utils.translation import gettext as _

from basic.filejobs.errors import StorageUnavailable

# Errors of a file system that cannot take more: full, over quota, read-only, failing.
STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO}
# MySQL/MariaDB: ER_DISK_FULL, ER_RECORD_FILE_FULL ("The table is full"), ER_ERROR_ON_WRITE.
MYSQL_FULL_CODES = {1021, 1114, 3}


def is_storage_fault(exc: BaseException) -> bool:
    return isinstance(exc, StorageUnavailable) or (
        isinstance(exc, OSError) and exc.errno in STORAGE_ERRNOS
    )


def is_database_full(exc: BaseException) -> bool:
    """SQLite's SQLITE_FULL (its file's disk, or its temporary directory, is full; or
    max_page_count is reached) and MySQL's disk-full and table-full errors."""
    if "database or disk is full" in str(exc):
        return True
    code = exc.args[0] if exc.args else None
    return isinstance(code, int) and code in MYSQL_FULL_CODES


def storage_full_message(exc: BaseException) -> str:
    return _(
        "The job stopped: there is no space left to write its files, or the file storage "
        "cannot be reached (%(error)s). Retry it once there is space again; an import "
        "keeps the rows it committed and resumes after them."
    ) % {"error": exc.strerror or exc}


def database_full_message() -> str:
    return _(
        "The job stopped: the database has no space left (its disk or its temporary "
        "folder is full). The rows committed before that are kept; free some space on the "
        "database server, then retry the job."
    )
