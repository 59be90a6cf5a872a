from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from basic.filejobs.models import ImportMode
from basic.filejobs.requests import RequestRefused, import_job_create
from basic.management.job_commands import report_queued, wait_until_succeeded


class Command(BaseCommand):
    help = "Import an Excel or CSV file as USER, through the same job a browser upload creates."

    def add_arguments(self, parser):
        parser.add_argument("kind", help="store, order, product, warehouse, logistics or user")
        parser.add_argument("file", type=Path)
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
        **options,
    ):
        try:
            owner = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"no user named {user!r}") from exc
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
        if not wait:
            return
        wait_until_succeeded(self, job, timeout, allow_rejected=allow_rejected)
