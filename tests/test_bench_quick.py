"""`python -m bench --quick` (what `make bench-quick` runs) works end to end.

It starts real Celery workers, a web server and the reference processes on small data.
No timing is asserted: benchmarks live in bench/, not in timed tests.
"""

import os
import subprocess
import sys

import pytest

from tests.processes import BASE_DIR

pytestmark = pytest.mark.integration

TABLE_HEADER = "| case | database | rows | seconds | runs | wall s | rows/s | peak MB | idle MB |"


def test_bench_quick_runs_every_case_and_prints_the_table():
    env = {k: v for k, v in os.environ.items() if k != "OMS_BENCH_MYSQL_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--mysql", ""],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert TABLE_HEADER in done.stdout
    expected = (
        "import orders xlsx",
        "import products xlsx",
        "export orders xlsx",
        "POST /api",
        "raw read: orders xlsx, the previous reader",
    )
    for case in expected:
        assert case in done.stdout
    assert "FAILED" not in done.stdout
