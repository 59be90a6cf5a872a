"""Import templates: the header, one example row, and a sheet that explains every column."""

import io

import xlsxwriter
import xlwt
from django.utils.translation import gettext as _

from utils.excel_config import set_excel_style
from utils.excel_write import display_width

from .specs import ImportSpec


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
                column.shown_header(),
                column.key,
                _("Yes") if column.required else _("No"),
                " ".join(filter(None, [_(column.type.label), limits])),
                allowed,
                "、".join(column.other_headers()),
            ]
        )
    return rows


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
        sheet.write_string(0, position, column.shown_header(), head)
        sheet.set_column(position, position, _width(column.shown_header()))
        if column.example is not None and column.example != "":
            sheet.write(1, position, column.example)
    sheet.freeze_panes(1, 0)
    notes = book.add_worksheet(_("Columns")[:31])
    for r, row in enumerate(_explanations(spec)):
        for c, text in enumerate(row):
            notes.write_string(r, c, str(text), head if r == 0 else None)
    notes.set_column(0, 5, 22)
    book.close()
    return buffer.getvalue()


def _xls(spec: ImportSpec) -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    head = set_excel_style(color="gray25", bold=True)
    body = set_excel_style(horz=xlwt.Alignment.HORZ_LEFT)
    sheet = book.add_sheet(str(spec.label)[:31])
    for position, column in enumerate(spec.columns):
        sheet.write(0, position, column.shown_header(), head)
        sheet.col(position).width = 256 * _width(column.shown_header())
        if column.example is not None and column.example != "":
            sheet.write(1, position, column.example, body)
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
