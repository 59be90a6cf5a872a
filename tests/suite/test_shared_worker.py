"""One crash of the shared worker fails one test; the next runs on a fresh worker."""

import json
import os
import subprocess
import sys

import pytest

from tests.processes import BASE_DIR

pytestmark = pytest.mark.integration


def test_a_killed_shared_worker_fails_its_test_and_the_next_test_gets_a_new_one(tmp_path):
    pids = tmp_path / "pids.jsonl"
    env = {k: v for k, v in os.environ.items() if k != "OMS_DATABASE_URL"}
    env["OMS_TEST_SHARED_WORKER_PIDS"] = str(pids)
    cases = BASE_DIR / "tests" / "suite" / "shared_worker_cases.py"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", str(cases), "-p", "no:cacheprovider", "-rA"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = run.stdout

    assert "2 passed, 1 error" in report, report
    assert "ERROR at teardown of test_that_kills_the_worker" in report, report
    assert "exited with -9" in report and "last lines:" in report, report
    assert "PASSED tests/suite/shared_worker_cases.py::test_after_the_crash" in report, report
    first, second = (json.loads(line) for line in pids.read_text().splitlines())
    assert first["pid"] != second["pid"]
