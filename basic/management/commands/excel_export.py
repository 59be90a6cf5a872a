import shutil
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from basic.filejobs import job_files
from basic.filejobs.pipeline.export import FORMATS
from basic.filejobs.requests import RequestRefused, export_job_create
from basic.management.job_commands import report_queued, wait_until_succeeded


def _filter(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ValueError(text)
    return key, value


class Command(BaseCommand):
    help = (
        "Export what USER sees of KIND, filtered like its admin list "
        "(e.g. --filter status__exact=paid --filter q=ZHANG), "
        "through the same job the browser creates."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", help="store, order, product, warehouse, logistics or user")
        parser.add_argument("--user", required=True, help="username the job runs as")
        parser.add_argument(
            "--filter",
            dest="filters",
            action="append",
            type=_filter,
            default=[],
            metavar="KEY=VALUE",
            help="an admin list parameter; repeat for more",
        )
        parser.add_argument("--format", dest="file_format", choices=FORMATS, default="xlsx")
        parser.add_argument(
            "--wait", action="store_true", help="wait for the job and print its summary"
        )
        parser.add_argument("--output", type=Path, help="with --wait: copy the result file here")
        parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait at most")

    def handle(self, *args, kind, user, filters, file_format, wait, output, timeout, **options):
        User = get_user_model()
        try:
            owner = User.objects.get(username=user)
        except User.DoesNotExist as exc:
            raise CommandError(f"no user named {user!r}") from exc
        try:
            job, created = export_job_create(
                user=owner, kind=kind, file_format=file_format, filters=dict(filters), quota=False
            )
        except RequestRefused as refused:
            raise CommandError(refused.message) from refused
        report_queued(self, job, created)
        if not (wait or output):
            return
        job = wait_until_succeeded(self, job, timeout)
        if output:
            with (
                job_files.job_storage().open(job.result_name, "rb") as source,
                output.open("wb") as target,
            ):
                shutil.copyfileobj(source, target)
            self.stdout.write(f"written to {output}")
