from django.core.management.base import BaseCommand

from basic.filejobs.sweeper import jobs_sweep


class Command(BaseCommand):
    help = (
        "Enqueue queued jobs whose message was lost and re-queue jobs whose worker died "
        "(what Celery beat runs every minute; safe to run by hand or on several hosts)."
    )

    def handle(self, *args, **options):
        done = jobs_sweep()
        self.stdout.write(
            f"enqueued {done['enqueued']}, re-queued {done['requeued']}, failed {done['failed']}"
        )
