from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from basic.filejobs.models import ImportMode
from basic.filejobs.requests import RequestRefused, import_commit_create, import_job_create
from basic.filejobs.selectors import job_list
from basic.management.job_commands import report_queued, wait_until_succeeded


class Command(BaseCommand):
    help = (
        "Import an Excel or CSV file as USER, through the same job a browser upload creates; "
        "or, with --commit JOB_ID, import the rows of a finished validation (a preview)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "kind", nargs="?", help="store, order, product, warehouse, logistics or user"
        )
        parser.add_argument("file", type=Path, nargs="?")
        parser.add_argument(
            "--commit",
            type=int,
            metavar="JOB_ID",
            help="import the file of this validate-only job for real (no kind, no file)",
        )
        parser.add_argument("--user", required=True, help="username the job runs as")
        parser.add_argument(
            "--mode", choices=ImportMode.values, default=ImportMode.CREATE_OR_UPDATE
        )
        parser.add_argument(
            "--encoding",
            default="",
            help="a csv's encoding (utf-8, gbk, cp1252, ...) instead of detecting it",
        )
        parser.add_argument(
            "--wait", action="store_true", help="wait for the job and print its summary"
        )
        parser.add_argument(
            "--allow-rejected",
            action="store_true",
            help="with --wait: exit 0 even when rows were rejected (else exit 3)",
        )
        parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait at most")

    def handle(
        self,
        *args,
        kind,
        file: Path,
        user,
        mode,
        encoding,
        wait,
        timeout,
        allow_rejected,
        commit,
        **options,
    ):
        try:
            owner = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"no user named {user!r}") from exc
        if commit is not None:
            if kind or file:
                raise CommandError("--commit takes no kind and no file: the job has them")
            job = self._commit(owner, commit, mode)
            report_queued(self, job, True)
        else:
            job = self._upload(owner, kind, file, mode, encoding)
        if not wait:
            return
        wait_until_succeeded(self, job, timeout, allow_rejected=allow_rejected)

    def _commit(self, owner, job_id: int, mode: str):
        preview = job_list(user=owner).filter(pk=job_id).first()
        if preview is None:
            raise CommandError(f"no job {job_id} of {owner.get_username()}")
        try:
            return import_commit_create(user=owner, preview=preview, mode=mode, quota=False)
        except RequestRefused as refused:
            raise CommandError(refused.message) from refused

    def _upload(self, owner, kind, file: Path | None, mode: str, encoding: str):
        if not kind or file is None:
            raise CommandError("give a kind and a file (or --commit JOB_ID)")
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        with file.open("rb") as handle:
            uploaded = File(handle, name=file.name)
            try:
                job, created = import_job_create(
                    user=owner,
                    kind=kind,
                    uploaded=uploaded,
                    mode=mode,
                    encoding=encoding,
                    quota=False,
                )
            except RequestRefused as refused:
                raise CommandError(refused.message) from refused
        report_queued(self, job, created)
        return job
