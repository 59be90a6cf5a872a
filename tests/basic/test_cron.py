"""django-crontab against the system's real `crontab`, and cron jobs that fail loudly."""

import hashlib
import json
import re
import shutil
import subprocess
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import skip_unless_required
from tests.processes import manage

pytestmark = pytest.mark.integration

UNRELATED = "0 4 * * * /bin/true # someone else's job\n"


def _crontab_lines() -> list[str]:
    done = subprocess.run(["crontab", "-l"], capture_output=True, text=True)
    return done.stdout.splitlines() if done.returncode == 0 else []


@pytest.fixture
def system_crontab():
    """This user's real crontab, restored whatever the test did."""
    if shutil.which("crontab") is None:
        skip_unless_required("the crontab binary (Debian package cron) is not installed")
    saved = subprocess.run(["crontab", "-l"], capture_output=True, text=True)
    subprocess.run(["crontab", "-"], input=UNRELATED, text=True, check=True)
    yield
    if saved.returncode == 0:
        subprocess.run(["crontab", "-"], input=saved.stdout, text=True, check=True)
    else:
        subprocess.run(["crontab", "-r"], capture_output=True)


def test_crontab_add_show_run_remove_with_the_real_crontab(system_crontab, process_env, tmp_path):
    added = manage("crontab", "add", env=process_env)
    assert added.returncode == 0, added.stderr
    ours = [line for line in _crontab_lines() if line.endswith("# oms-back-office")]
    from django.conf import settings

    assert len(ours) == len(settings.CRONJOBS)
    assert UNRELATED.strip() in _crontab_lines()
    heartbeat = next(line for line in ours if line.startswith("* * * * *"))
    assert re.search(r"crontab run [0-9a-f]{32}", heartbeat)
    assert f"OMS_LOG_DIR={tmp_path / 'logs'}" in heartbeat and "cron-output.log 2>&1" in heartbeat

    shown = manage("crontab", "show", env=process_env)
    assert shown.stdout.count("basic.filejobs.cron.") == len(settings.CRONJOBS)

    # Run the line as cron would: its command alone, in an empty environment.
    command = heartbeat.split(" ", 5)[5].rsplit(" # ", 1)[0]
    ran = subprocess.run(
        ["env", "-i", "/bin/sh", "-c", command], capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    log = (tmp_path / "logs" / "crontab" / f"crontab_{date.today().isoformat()}.log").read_text()
    assert "cron heartbeat host=" in log

    removed = manage("crontab", "remove", env=process_env)
    assert removed.returncode == 0
    assert not [line for line in _crontab_lines() if "oms-back-office" in line]
    assert _crontab_lines() == [UNRELATED.strip()]


def explode():
    raise RuntimeError("disk on fire")


FAILING_JOB = ("* * * * *", "tests.basic.test_cron.explode")


def _hash(job) -> str:
    return hashlib.md5(json.JSONEncoder(sort_keys=True).encode(job).encode()).hexdigest()


def test_a_failing_job_logs_its_traceback_exits_non_zero_and_runs_again(settings, tmp_path):
    settings.CRONJOBS = [FAILING_JOB]
    log = settings.LOG_DIR / "crontab" / f"crontab_{date.today().isoformat()}.log"
    before = log.read_text().count("RuntimeError: disk on fire") if log.exists() else 0
    for _ in range(2):  # the lock is released: the next run happens
        with pytest.raises(CommandError, match="disk on fire"):
            call_command("crontab", "run", _hash(FAILING_JOB))
    text = log.read_text()
    assert text.count("RuntimeError: disk on fire") - before >= 2
    assert "Traceback" in text
