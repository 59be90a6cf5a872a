"""Loaded with ``-p tests.environment`` before Django reads its settings.

Keeps every test file away from the checkout's var/, logs/ and files/; subprocesses get
their own paths from the ``process_env`` fixture.
"""

import os
import tempfile
from pathlib import Path

SESSION_DIR = Path(tempfile.mkdtemp(prefix="oms-tests-"))
for name, sub in (("OMS_VAR_DIR", "var"), ("OMS_LOG_DIR", "logs"), ("OMS_FILES_ROOT", "files")):
    os.environ[name] = str(SESSION_DIR / sub)
for name in ("OMS_REDIS_URL", "OMS_BROKER_URL", "OMS_HOST_IP", "OMS_DEBUG", "OMS_SECRET_KEY"):
    os.environ.pop(name, None)
# Many tests start dozens of jobs as one user within seconds; the per-user hourly limit
# is proved by tests/security/test_quotas.py, which sets it, and is off elsewhere.
os.environ["OMS_MAX_JOBS_PER_HOUR"] = "0"
