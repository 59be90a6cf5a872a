"""Job files through the one named storage: never a local path from another process."""

import hashlib
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from django.core.files import File
from django.core.files.storage import storages
from django.utils import timezone
from django.utils.http import content_disposition_header

from basic.filejobs.errors import StorageUnavailable
from basic.filejobs.scratch import process_dir

CHUNK_BYTES = 1024 * 1024


def storage_errors() -> tuple[type[Exception], ...]:
    """What the job storage raises when it cannot store: a full disk, an unreachable bucket.

    botocore is loaded by the S3 storage only (it adds about 15 MB to every process).
    """
    boto = sys.modules.get("botocore.exceptions")
    if boto is None:
        return (OSError,)
    return (OSError, boto.BotoCoreError, boto.ClientError)


def job_storage():
    return storages["jobs"]


def new_name(folder: str, extension: str) -> str:
    """A generated storage name: users' file names never become paths."""
    return f"{folder}/{timezone.now():%Y/%m/%d}/{uuid.uuid4().hex}.{extension}"


def sha256_of(file) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(CHUNK_BYTES), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def save(name: str, file) -> str:
    """Store ``file`` under ``name`` (streamed); returns the name the storage chose.

    If storing fails half-way (disk full), the partial file is removed before the error
    goes on: no half file is ever left under a job's name. Any storage failure is a
    ``StorageUnavailable`` (an ``OSError``) for the callers, whatever the storage.
    """
    file.seek(0)
    storage = job_storage()
    errors = storage_errors()
    try:
        return storage.save(name, File(file, name=Path(name).name))
    except errors as exc:
        with suppress(*errors):
            storage.delete(name)
        code = getattr(exc, "errno", None)
        raise StorageUnavailable(code, getattr(exc, "strerror", None) or str(exc)) from exc


def save_path(name: str, path: Path) -> str:
    with path.open("rb") as file:
        return save(name, file)


@contextmanager
def local_copy(name: str) -> Iterator[Path]:
    """A seekable file on this host for a reader that needs one.

    The file system storage hands out its own path; any other storage (S3) is copied to
    a temporary file that is deleted whatever way the block ends.
    """
    storage = job_storage()
    try:
        own_path = storage.path(name)
    except NotImplementedError:
        own_path = None
    if own_path:
        yield Path(own_path)
        return
    suffix = Path(name).suffix
    with tempfile.NamedTemporaryFile(prefix="upload-", suffix=suffix, dir=process_dir()) as temp:
        with storage.open(name, "rb") as source:
            shutil.copyfileobj(source, temp, CHUNK_BYTES)
        temp.flush()
        yield Path(temp.name)


def signed_url(name: str, filename: str) -> str:
    """A short-lived URL of the bucket's object, saved by the browser as ``filename``."""
    disposition = content_disposition_header(as_attachment=True, filename=filename)
    return job_storage().url(name, parameters={"ResponseContentDisposition": disposition})


def delete(name: str) -> None:
    if name:
        job_storage().delete(name)


def delete_folder(folder: str) -> int:
    """Delete the files of a storage folder (not its subfolders); how many there were."""
    storage = job_storage()
    try:
        _folders, files = storage.listdir(folder)
    except FileNotFoundError:  # the file system storage has no such folder
        return 0
    for name in files:
        storage.delete(f"{folder}/{name}")
    return len(files)
