"""The Celery app ``oms_test``: configured from Django settings (namespace CELERY)."""

import gc
import os

from celery import Celery
from celery.signals import setup_logging, worker_init, worker_ready
from kombu.transport import TRANSPORT_ALIASES
from loguru import logger

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms_test.settings")
# RabbitMQ URLs get py-amqp minus a way to hang a publisher (utils/amqp_broker.py), under
# their own scheme, so that banners and logs still say amqp://.
TRANSPORT_ALIASES.update(
    amqp="utils.amqp_broker:Transport",
    pyamqp="utils.amqp_broker:Transport",
    amqps="utils.amqp_broker:SSLTransport",
)

app = Celery("oms_test")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["basic.filejobs"])  # the engine's tasks, in a package of the app
app.steps["worker"].add("oms_test.worker_memory:MemoryCap")


@setup_logging.connect
def _use_loguru(**kwargs):
    """Workers and beat log through loguru into logs/celery/, not Celery's own handlers."""
    from django.conf import settings

    from oms_conf import oms_log

    oms_log.configure(
        "celery",
        log_dir=settings.LOG_DIR,
        level=settings.LOG_LEVEL,
        retention_days=settings.LOG_RETENTION_DAYS,
    )


@worker_init.connect
def _freeze_before_fork(**kwargs):
    """Keep what the main process loaded shared with the pool children it forks.

    The collector writes into every object it visits; in a forked child that copies the
    page (copy-on-write), so the pages of Django and the apps, shared at first, would
    slowly become private to each process. Frozen objects are never visited.
    """
    gc.collect()
    gc.freeze()


@worker_ready.connect
def _remove_abandoned_scratch(**kwargs):
    """A worker killed on this host left the temporary files of its jobs: delete them."""
    from basic.filejobs.scratch import remove_abandoned

    remove_abandoned()


@app.task(bind=True, ignore_result=False)
def debug_task(self):
    """Log the request and say where it ran: the simplest proof that a worker is alive."""
    from basic.filejobs.host import host_ip

    logger.info("debug_task request: {!r}", self.request)
    return {
        "task_id": self.request.id,
        "hostname": self.request.hostname,
        "ip": host_ip(),
    }
