from django.core.management.base import CommandError
from django_crontab.management.commands.crontab import Command as DjangoCrontabCommand

from basic.filejobs.cron_runner import cron_job_run
from basic.filejobs.errors import CronJobFailed


class Command(DjangoCrontabCommand):
    help = (
        "Add, show or remove this project's CRONJOBS in the system crontab "
        "(django-crontab); `run HASH` runs one and exits non-zero when it fails."
    )

    def handle(self, *args, **options):
        if options["subcommand"] != "run":
            return super().handle(*args, **options)
        try:
            cron_job_run(options["jobhash"])
        except CronJobFailed as exc:
            raise CommandError(str(exc)) from exc
