"""Import templates: the header alone, and a sheet that explains every column.

The example values sit in the explanations, never under the header: a template uploaded
unchanged imports nothing (the job says the file has no data rows).
"""

import io

import xlsxwriter
import xlwt
from django.utils.translation import gettext as _

from basic.filejobs.sheets.specs import Column, ImportSpec
from utils.excel_config import set_excel_style
from utils.excel_write import display_width

REQUIRED_MARK = " *"  # the importer ignores a leading or trailing '*' of a header


def _template_header(column: Column) -> str:
    """The column's header in the user's language, marked if the column is required."""
    return column.shown_header() + (REQUIRED_MARK if column.required else "")


def _notes() -> list[str]:
    return [
        _(
            "A column whose name ends in * is required: keep it in the header and fill it in "
            "on every row."
        ),
        _("The examples are not imported: type your rows under the header of the first sheet."),
    ]


def _width(header: str) -> int:
    """Characters of a template column: its header and some room to type."""
    return max(12, display_width(header) + 4)


def _explanations(spec: ImportSpec) -> list[list[str]]:
    rows = [
        [
            _("Column"),
            _("Key"),
            _("Required"),
            _("Type"),
            _("Allowed values"),
            _("Also accepted as"),
            _("Example"),
        ]
    ]
    for column in spec.columns:
        allowed = (
            "、".join(labels[0] for _code, labels in column.choice_labels())
            if column.choices
            else ""
        )
        limits = (
            _("at most %(n)s characters") % {"n": column.max_length} if column.max_length else ""
        )
        rows.append(
            [
                _template_header(column),
                column.key,
                _("Yes") if column.required else _("No"),
                " ".join(filter(None, [_(column.type.label), limits])),
                allowed,
                "、".join(column.other_headers()),
                "" if column.example is None else str(column.example),
            ]
        )
    return [*rows, [], *([note] for note in _notes())]


def _xlsx(spec: ImportSpec) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
    )
    head = book.add_format(
        {"bold": True, "bg_color": "#C0C0C0", "border": 1, "font_name": "宋体", "align": "center"}
    )
    sheet = book.add_worksheet(str(spec.label)[:31])
    for position, column in enumerate(spec.columns):
        header = _template_header(column)
        sheet.write_string(0, position, header, head)
        sheet.set_column(position, position, _width(header))
    sheet.freeze_panes(1, 0)
    notes = book.add_worksheet(_("Columns")[:31])
    for r, row in enumerate(_explanations(spec)):
        for c, text in enumerate(row):
            notes.write_string(r, c, str(text), head if r == 0 else None)
    notes.set_column(0, 6, 22)
    book.close()
    return buffer.getvalue()


def _xls(spec: ImportSpec) -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    head = set_excel_style(color="gray25", bold=True)
    body = set_excel_style(horz=xlwt.Alignment.HORZ_LEFT)
    sheet = book.add_sheet(str(spec.label)[:31])
    for position, column in enumerate(spec.columns):
        header = _template_header(column)
        sheet.write(0, position, header, head)
        sheet.col(position).width = 256 * _width(header)
    sheet.set_panes_frozen(True)
    sheet.set_horz_split_pos(1)
    notes = book.add_sheet(_("Columns")[:31])
    for r, row in enumerate(_explanations(spec)):
        for c, text in enumerate(row):
            notes.write(r, c, str(text), head if r == 0 else body)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template_build(*, spec: ImportSpec, file_format: str) -> bytes:
    return _xls(spec) if file_format == "xls" else _xlsx(spec)
