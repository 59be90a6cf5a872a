"""What the running application imports: spreadsheet libraries that only the tests and the
bench use (openpyxl, XlsxWriter) stay out of its code and of requirements.txt."""

import grimp

from tests.processes import BASE_DIR

RUNTIME_PACKAGES = ("basic", "store", "user", "utils", "oms_test", "oms_conf")
TEST_ONLY = {"openpyxl", "xlsxwriter"}


def runtime_imports() -> set[str]:
    """The top-level names of the outside packages the runtime code imports (function-level
    imports included)."""
    graph = grimp.build_graph(*RUNTIME_PACKAGES, include_external_packages=True)
    return {module.split(".")[0] for module in graph.modules} - set(RUNTIME_PACKAGES)


def test_runtime_code_imports_no_test_only_spreadsheet_library():
    imported = runtime_imports()
    assert {"django", "xlwt", "xlrd", "python_calamine"} <= imported  # the scan sees them
    assert imported & TEST_ONLY == set()


def test_test_only_spreadsheet_libraries_are_no_runtime_requirement():
    lines = (BASE_DIR / "requirements.txt").read_text().lower().splitlines()
    pinned = {line.split("==")[0].strip() for line in lines if "==" in line}
    assert pinned & TEST_ONLY == set()
    dev = (BASE_DIR / "requirements-dev.txt").read_text().lower()
    assert all(f"{name}==" in dev for name in TEST_ONLY)  # the tests still get them
