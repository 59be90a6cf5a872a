"""The engine's layers (pyproject.toml, [tool.importlinter]) and its one import cycle.

Checked on the real tree, and on a copy with one import added, to show that the checks
catch what they are there to catch. Function-level imports count: they are imports too.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.processes import BASE_DIR

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
# dispatch sends the tasks it imports; a task imports its service (runner, sweeper,
# cleanup) in its body: the Celery pattern, the one cycle the engine may have.
ALLOWED_EDGE = ("basic.filejobs.dispatch", "basic.filejobs.tasks")
CYCLES = """
import grimp, json
graph = grimp.build_graph("basic", exclude_type_checking_imports=True)
engine = sorted(m for m in graph.modules if m.startswith("basic.filejobs"))
edges = {m: sorted(d for d in graph.find_modules_directly_imported_by(m) if d in engine)
         for m in engine}
print(json.dumps(edges))
"""


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=300
    )


def import_edges(root: Path) -> dict[str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", CYCLES], cwd=root, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def cycles(edges: dict[str, list[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in edges[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in edges:
        if module not in index:
            visit(module)
    return found


def without_allowed(edges: dict[str, list[str]]) -> dict[str, list[str]]:
    source, target = ALLOWED_EDGE
    return {m: [d for d in deps if (m, d) != (source, target)] for m, deps in edges.items()}


def tree_copy(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    shutil.copytree(BASE_DIR / "basic", root / "basic", ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(BASE_DIR / "pyproject.toml", root / "pyproject.toml")
    return root


def add_import_in_a_function(module: Path, statement: str) -> None:
    module.write_text(module.read_text() + f"\n\ndef _added():\n    {statement}  # noqa\n")


def test_the_engine_keeps_its_layers():
    done = lint_imports(BASE_DIR)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 3 kept, 0 broken" in done.stdout


def test_a_pipeline_step_importing_the_runner_breaks_the_layers(tmp_path):
    root = tree_copy(tmp_path)
    step = root / "basic" / "filejobs" / "pipeline" / "export.py"
    add_import_in_a_function(step, "from basic.filejobs import runner")

    done = lint_imports(root)
    assert done.returncode != 0
    assert "basic.filejobs.pipeline is not allowed to import basic.filejobs.runner" in done.stdout
    assert "basic.filejobs.pipeline.export -> basic.filejobs.runner" in done.stdout


def test_the_engine_has_no_import_cycle_but_the_celery_one():
    edges = import_edges(BASE_DIR)
    assert ALLOWED_EDGE[1] in edges[ALLOWED_EDGE[0]]  # the scan sees the allowed edge
    assert "basic.filejobs.runner" in edges["basic.filejobs.tasks"]  # in a task's body
    assert cycles(without_allowed(edges)) == []


def test_a_function_level_import_that_closes_a_cycle_is_found(tmp_path):
    root = tree_copy(tmp_path)
    imports = root / "basic" / "filejobs" / "pipeline" / "imports.py"
    add_import_in_a_function(imports, "from basic.filejobs.pipeline import parts")

    found = cycles(without_allowed(import_edges(root)))
    assert found == [["basic.filejobs.pipeline.imports", "basic.filejobs.pipeline.parts"]]
