"""What a column holds: one class per type, with everything the engine does with its cells.

A type says how a cell is read into a value (``converter``), how a stored value is
written back so that the import reads it again (``formatter``), which kind of cell the
writers make of it (``writer_kind``), and how templates describe it (``label``). Adding
a type is adding a class here; the importer, the exporter and the templates only call
these methods.
"""

import functools
from collections.abc import Callable
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from utils import excel_values as v

if TYPE_CHECKING:
    from basic.filejobs.sheets.columns import Column

LIST_SEPARATORS = (",", "，", "、", ";", "；")


def _same(value: Any) -> Any:
    return value


class CellType:
    name: str
    label: str  # gettext_noop: translated when a template is built, in the user's language
    writer_kind = "text"  # the kind of cell utils.excel_write makes of the values
    has_length = False  # limited by its model field's max_length
    several = False  # one value per cell (a List holds several)

    def converter(self, column: "Column", tz: tzinfo) -> Callable[[Any], Any]:
        """One function per column and job, called for every cell of the column."""
        raise NotImplementedError

    def formatter(self, column: "Column", tz: tzinfo) -> Callable[[Any], Any]:
        """A stored value as the export writes it (and the import reads it back)."""
        return _same

    def offered(self, column: "Column") -> list[str] | None:
        """Every value a template offers in a drop-down list, in the user's language; None
        when the type itself does not limit what a cell holds."""
        return None

    def __repr__(self) -> str:
        return f"<{self.name}>"


class Text(CellType):
    name, label, has_length = "text", gettext_noop("Text"), True

    def converter(self, column, tz):
        return functools.partial(v.to_text, max_length=column.max_length)


class Code(CellType):
    """Codes, phone and order numbers: kept as typed, never as numbers (13800138000.0)."""

    name, label, has_length = "code", gettext_noop("Code (kept as text)"), True

    def converter(self, column, tz):
        return functools.partial(v.to_code, max_length=column.max_length)


class Int(CellType):
    name, label, writer_kind = "int", gettext_noop("Whole number"), "int"

    def converter(self, column, tz):
        return functools.partial(v.to_int, minimum=column.minimum)


class Decimal(CellType):
    name, label, writer_kind = "decimal", gettext_noop("Number"), "decimal"

    def converter(self, column, tz):
        return functools.partial(v.to_decimal, places=column.places, minimum=column.minimum)


class DateTime(CellType):
    name, writer_kind = "datetime", "datetime"
    label = gettext_noop("Date and time, e.g. 2026-11-24 10:30")

    def converter(self, column, tz):
        return functools.partial(v.to_datetime, tz=tz)

    def formatter(self, column, tz):
        return lambda value: timezone.localtime(value, tz).replace(tzinfo=None) if value else None


class Date(CellType):
    name, label, writer_kind = "date", gettext_noop("Date, e.g. 2026-11-24"), "date"

    def converter(self, column, tz):
        return v.to_date


class Bool(CellType):
    name, label = "bool", gettext_noop("Yes/No (是/否)")

    def converter(self, column, tz):
        return v.to_bool

    def formatter(self, column, tz):
        yes, no = _("Yes"), _("No")
        return lambda value: None if value is None else (yes if value else no)

    def offered(self, column):
        return [_("Yes"), _("No")]


class Choice(CellType):
    """One of the column's ``choices`` (a TextChoices), by its label in any language or code."""

    name, label = "choice", gettext_noop("One of the allowed values")

    def converter(self, column, tz):
        return v.choice_converter(column.choice_labels())

    def formatter(self, column, tz):
        labels = {value: str(label) for value, label in column.choices.choices}
        return lambda value: labels.get(value, value)

    def offered(self, column):
        return [labels[0] for _code, labels in column.choice_labels()]


class List(CellType):
    name, label = "list", gettext_noop("List separated by , ， 、 or ;")
    several = True  # a cell names several values: no drop-down list offers them

    def converter(self, column, tz):
        return split_list

    def formatter(self, column, tz):
        return lambda value: "、".join(value or ())


def split_list(value: Any) -> list[str]:
    text = v.to_text(value)
    if not text:
        return []
    for separator in LIST_SEPARATORS[1:]:
        text = text.replace(separator, LIST_SEPARATORS[0])
    return [part.strip() for part in text.split(",") if part.strip()]


TEXT, CODE, INT, DECIMAL = Text(), Code(), Int(), Decimal()
DATETIME, DATE, BOOL, CHOICE, LIST = DateTime(), Date(), Bool(), Choice(), List()
