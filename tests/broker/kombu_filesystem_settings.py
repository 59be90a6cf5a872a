"""The project's settings on kombu's own filesystem transport, which the embedded broker
replaces (utils/filesystem_broker.py): the stress test shows what it loses."""

from oms_test.settings import *  # noqa: F403
from oms_test.settings import BROKER_DIR

CELERY_BROKER_TRANSPORT = "kombu.transport.filesystem:Transport"
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "data_folder_in": str(BROKER_DIR / "queue"),
    "data_folder_out": str(BROKER_DIR / "queue"),
    "control_folder": str(BROKER_DIR / "control"),
    "polling_interval": 0.1,
}
for _sub in ("queue", "control"):
    (BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
