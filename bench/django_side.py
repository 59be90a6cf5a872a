"""What every Django-side bench process shares: setting Django up, answering the driver."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

MARK = "BENCH-JSON "
USERNAME = "bench"
PASSWORD = "bench-Pass-2026!"


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms_test.settings")
    import django

    django.setup()


def self_peak_mb() -> float:
    """This process's own peak RSS (VmHWM), in MB.

    Not ``getrusage().ru_maxrss``: on Linux that survives ``execve`` and so starts at the
    size of the parent that forked this process.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def emit(result: dict[str, Any]) -> None:
    """The one line the driver reads back from this process's stdout."""
    sys.stdout.write(MARK + json.dumps(result, default=str) + "\n")
    sys.stdout.flush()
