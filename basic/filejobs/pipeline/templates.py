"""Import templates: the header alone, and a sheet that explains every column.

The example values sit in the explanations, never under the header: a template uploaded
unchanged imports nothing (the job says the file has no data rows).

An xlsx template also guides the typing: each column shows its help when a cell is
selected, and a column whose values the import limits (choices, yes/no, the codes of
the user's stores, of warehouses and carriers) offers them in a drop-down list, from a
hidden sheet, refusing anything else. The lists hold exactly what the import accepts
from this user, so a value picked from one always imports. xlwt writes no validations:
an xls template has the header and the explanations only.
"""

import io

import xlwt
from django.utils.translation import gettext as _

from basic.filejobs.sheets.columns import Column
from basic.filejobs.sheets.specs import ImportSpec
from utils.excel_config import set_excel_style
from utils.excel_write import XLSX_FONT, XLSX_FONT_SIZE, XLSX_HEADER_STYLE, display_width
from utils.xlsx_stream import Validation, XlsxStream, column_letters, sheet_range, xml_text

REQUIRED_MARK = " *"  # the importer ignores a leading or trailing '*' of a header
LAST_ROW = 1_048_576  # a template's validations cover its columns down to Excel's last row


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


def _type_text(column: Column) -> str:
    limits = _("at most %(n)s characters") % {"n": column.max_length} if column.max_length else ""
    return " ".join(filter(None, [_(column.type.label), limits]))


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
        rows.append(
            [
                _template_header(column),
                column.key,
                _("Yes") if column.required else _("No"),
                _type_text(column),
                allowed,
                "、".join(column.other_headers()),
                "" if column.example is None else str(column.example),
            ]
        )
    return [*rows, [], *([note] for note in _notes())]


def _xlsx_cells(texts: list[str], style: int) -> list[tuple[str, int, str, str]]:
    """A row of text cells for XlsxStream, an empty text included."""
    return [
        (column_letters(position), style, "s", xml_text(str(text)))
        for position, text in enumerate(texts)
    ]


def _xlsx(spec: ImportSpec, user) -> bytes:
    buffer = io.BytesIO()
    book = XlsxStream(buffer, font_name=XLSX_FONT, font_size=XLSX_FONT_SIZE)
    head = book.style(XLSX_HEADER_STYLE)
    headers = [_template_header(column) for column in spec.columns]
    book.add_sheet(str(spec.label)[:31], [_width(header) for header in headers])
    book.write_row(1, _xlsx_cells(headers, head))
    lists_title = _("Lists")[:31]
    lists: list[list[str]] = []
    for position, (column, header) in enumerate(zip(spec.columns, headers, strict=True)):
        values = spec.offered_values(column, user) or []
        letters = column_letters(position)
        values_ref = ""
        if values:
            lists_column = column_letters(len(lists))
            values_ref = sheet_range(lists_title, f"{lists_column}1:{lists_column}{len(values)}")
            lists.append(values)
        help_text = str(column.help) or _type_text(column)
        book.validate(
            Validation(
                f"{letters}2:{letters}{LAST_ROW}",
                values_ref=values_ref,
                prompt_title=header,
                prompt=help_text,
                error=_("Pick one of the values in the list."),
            )
        )
    explanations = _explanations(spec)
    book.add_sheet(_("Columns")[:31], [22] * len(explanations[0]), frozen_rows=0)
    for number, row in enumerate(explanations, start=1):
        if row:
            book.write_row(number, _xlsx_cells(row, head if number == 1 else 0))
    if lists:
        book.add_sheet(lists_title, [22] * len(lists), frozen_rows=0, hidden=True)
        for number in range(1, max(map(len, lists)) + 1):
            cells = [
                (column_letters(position), 0, "s", xml_text(values[number - 1]))
                for position, values in enumerate(lists)
                if number <= len(values)
            ]
            book.write_row(number, cells)
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


def template_build(*, spec: ImportSpec, file_format: str, user) -> bytes:
    """The kind's template in the active language; ``user``'s own lists in an xlsx."""
    return _xls(spec) if file_format == "xls" else _xlsx(spec, user)
