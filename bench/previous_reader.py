"""The xlsx reader as it was before the expat one (byte patterns), for the raw read rows.

Taken from the project's own history (``git show``) into ``bench/data/`` the first time it
is asked for, so that both readers are timed in one run on one machine. Bench only: the
product never imports it.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from bench.data import DATA_DIR

COMMIT = "c95956a"  # the last commit with utils/excel_read.py as one byte-pattern module
SOURCE = "utils/excel_read.py"
BASE_DIR = Path(__file__).resolve().parent.parent


def load() -> ModuleType:
    """The previous reader module (needs the project's git history)."""
    path = DATA_DIR / f"previous_excel_read_{COMMIT}.py"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        text = subprocess.run(
            ["git", "show", f"{COMMIT}:{SOURCE}"],
            cwd=BASE_DIR, check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        path.write_text(text)
    spec = importlib.util.spec_from_file_location("previous_excel_read", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module
