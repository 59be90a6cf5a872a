"""Small xlsx packages written part by part, for tests of what the reader does with XML."""

import zipfile
from pathlib import Path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
DATE_STYLES = (
    f'<styleSheet xmlns="{MAIN}"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/>'
    "</cellXfs></styleSheet>"
)  # style 1 shows dates (built-in format 14)


def sheet_xml(rows: str, *, head: str = "") -> str:
    return f'{head}<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'


def workbook_xml(*, pr: str = "", ext: str = "") -> str:
    return (
        f'<workbook xmlns="{MAIN}" xmlns:r="{REL}">{pr}<sheets>'
        f'<sheet name="S1" sheetId="1" r:id="rId1"/></sheets>{ext}</workbook>'
    )


def build(
    path: Path,
    sheet: str,
    *,
    workbook: str | None = None,
    styles: str | None = None,
    shared: str | None = None,
) -> Path:
    """An xlsx with one worksheet (XML as given) and, when given, styles and shared strings."""
    rels = [f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>']
    parts = {"xl/worksheets/sheet1.xml": sheet, "xl/workbook.xml": workbook or workbook_xml()}
    if styles is not None:
        rels.append(f'<Relationship Id="rId2" Type="{REL}/styles" Target="styles.xml"/>')
        parts["xl/styles.xml"] = styles
    if shared is not None:
        rels.append(
            f'<Relationship Id="rId3" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
        )
        parts["xl/sharedStrings.xml"] = shared
    parts["xl/_rels/workbook.xml.rels"] = (
        f'<Relationships xmlns="{PKG}">{"".join(rels)}</Relationships>'
    )
    parts["_rels/.rels"] = (
        f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
        f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
    return path
