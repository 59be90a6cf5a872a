"""How a kind of sheet is described: its columns, its natural key, who may use it.

Each app declares its kinds in its ``excel.py``, imported by its ``AppConfig.ready``,
and registers them here; the engine (``pipeline.imports``, ``pipeline.export``) works
from these declarations and never names a kind. A spec's ``write`` is the only
kind-specific code on the import path.

``ExportSpec`` is what an export needs of a kind (its columns, its list, who may export
it); ``ImportSpec`` adds what an import needs (natural key, validation, the write).
Every kind today is both, so each subclasses ``ImportSpec``.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.text import capfirst

from basic.filejobs.sheets.columns import Column

SHOWN_VALUE_LENGTH = 200
# A template's drop-down list holds every value the import accepts, or is left out: beyond
# this many values it would be too long to pick from (and to write into every template).
OFFERED_VALUES_MAX = 2000


@dataclass
class Row:
    """One data row of a sheet on its way through validation."""

    number: int  # 1-based row number in the sheet, as the user sees it in Excel
    cells: list  # the original values, as read
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[dict] = field(default_factory=list)
    outcome: str = ""  # created | updated | unchanged, once written
    # of a row that updates: column key → (stored value, the row's value), as written
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def held_back(self) -> bool:
        """Rejected only for another line of its order: nothing wrong with the row itself."""
        return bool(self.problems) and all(p.get("held_back") for p in self.problems)

    def reject(
        self,
        column: "Column | None",
        message: str,
        value: Any = None,
        *,
        reason: str = "",
        held_back: bool = False,
    ) -> None:
        """Record a problem. ``reason`` names its kind without the value ("unknown SKU
        code"): the error table groups by it; by default it is the message itself."""
        shown = "" if value is None else str(value)
        if len(shown) > SHOWN_VALUE_LENGTH:  # the report keeps the whole cell
            shown = shown[:SHOWN_VALUE_LENGTH] + "…"
        problem = {
            "key": column.key if column else "",
            "header": column.shown_header() if column else "",
            "value": shown,
            "message": str(message),
            "reason": str(reason or message),
        }
        if held_back:
            problem["held_back"] = True
        self.problems.append(problem)


class ExportSpec:
    """What an export needs of a kind. Subclasses set the class attributes."""

    kind: ClassVar[str]
    label: ClassVar[str | Promise]
    description: ClassVar[str | Promise] = ""
    model: ClassVar[type[models.Model]]
    columns: ClassVar[Sequence[Column]]
    export_permissions: ClassVar[Sequence[str]] = ()
    export_paths: ClassVar[dict[str, str]] = {}  # column key → values_list path, if not the key
    # models whose fields the columns are (default: ``model``), for required and max_length
    field_models: ClassVar[Sequence[type[models.Model]]] = ()

    def __init__(self):
        self.columns = tuple(self._bound(column) for column in self.columns)
        self.columns_by_key = {column.key: column for column in self.columns}

    def _bound(self, column: Column) -> Column:
        """The column with what its model field says filled in (see ``Column``)."""
        own = next(
            (
                model._meta.get_field(column.key)
                for model in self.field_models or (self.model,)
                if _has_field(model, column.key)
            ),
            None,
        )
        source = column.source
        model_field = own or (source and source[0]._meta.get_field(source[1]))
        required = column.required
        if required is None:
            required = bool(own and not own.blank and not own.has_default())
        max_length = column.max_length
        if max_length is None and model_field and column.type.has_length:
            max_length = model_field.max_length
        label = column.label or capfirst(
            model_field.verbose_name if model_field else column.key.replace("_", " ")
        )
        return replace(column, required=required, max_length=max_length, label=label)

    def export_count(self, listed: QuerySet) -> int:
        """How many rows the export of the listed objects has (one per object here)."""
        return listed.count()

    def export_values(self, listed: QuerySet, size: int) -> Iterator[list[tuple]]:
        """Raw column values of the listed objects in batches, by ascending primary key.

        Keyset pagination (pk > last): every batch is one indexed query, so memory stays
        flat and time linear, on MySQL too.
        """
        paths = [self.export_paths.get(column.key, column.key) for column in self.columns]
        for batch in keyset_batches(listed, size, *paths):
            yield [values[1:] for values in batch]


class ImportSpec(ExportSpec):
    """What an import needs of a kind besides its columns. Subclasses implement ``write``."""

    key: ClassVar[Sequence[str]]  # column keys of the natural key
    import_permissions: ClassVar[Sequence[str]] = ()
    group_by: ClassVar[Sequence[str]] = ()  # rows sharing these values are written together

    def offered_values(self, column: Column, user) -> list[str] | None:
        """What a template offers ``user`` in ``column``'s drop-down list: every value the
        import accepts there (the type's own, or the codes of the model the column names),
        or None for no list. A kind whose references depend on the user overrides it."""
        values = column.type.offered(column)
        if values is None and column.source and not column.type.several:
            model, name = column.source
            values = list_of_values(model.objects.all(), name)
        return values

    def change_label(self, key: str) -> str:
        """How a preview names a change of ``key`` (a column's key, or a kind's own)."""
        column = self.columns_by_key.get(key)
        return column.shown_header() if column else key

    def shown_value(self, key: str, value: Any, tz) -> str:
        """A stored or new value of ``key`` as a preview shows it: as an export writes it."""
        column = self.columns_by_key.get(key)
        if column is not None and value is not None:
            value = column.formatter(tz)(value)
        if value is None:
            return ""
        if isinstance(value, list | tuple):
            return "、".join(map(str, value))
        return str(value)

    def prepare(self, ctx) -> None:
        """Called once per job before the first chunk (load caches, check the file)."""

    def validate(self, rows: list[Row], ctx) -> None:
        """Check what needs the database (references, access); reject rows in place."""

    def write(self, rows: list[Row], ctx) -> None:
        """Upsert the valid rows (set ``row.outcome``), or only decide outcomes if dry run."""
        raise NotImplementedError

    def written(self, rows: list[Row], ctx) -> None:
        """Called in a chunk's transaction with the rows it wrote (or, in a dry run, would
        have written): remember in ``ctx.memory`` what later chunks depend on."""

    def key_of(self, row: Row) -> tuple:
        return tuple(row.values.get(key) for key in self.key)

    def group_of(self, row: Row) -> tuple | None:
        return tuple(row.values.get(key) for key in self.group_by) if self.group_by else None


def _has_field(model: type[models.Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


_REGISTRY: dict[str, ImportSpec] = {}


def register(spec_class: type[ImportSpec]) -> type[ImportSpec]:
    _REGISTRY[spec_class.kind] = spec_class()
    return spec_class


def get_spec(kind: str) -> ImportSpec | None:
    return _REGISTRY.get(kind)


def all_specs() -> list[ImportSpec]:
    """Every kind, registered by its app's ``excel`` module in ``AppConfig.ready``."""
    return list(_REGISTRY.values())


def list_of_values(queryset: QuerySet, name: str) -> list[str] | None:
    """The distinct non-empty values of field ``name``, ordered; None past OFFERED_VALUES_MAX."""
    values = queryset.exclude(**{name: ""}).order_by(name).values_list(name, flat=True)
    values = list(dict.fromkeys(values[: OFFERED_VALUES_MAX + 1]))
    return values if len(values) <= OFFERED_VALUES_MAX else None


def user_may(user, permissions: Iterable[str]) -> bool:
    return bool(user.is_active and user.has_perms(list(permissions)))


def keyset_batches(queryset: QuerySet, size: int, *fields: str) -> Iterator[list[tuple]]:
    """``values_list("pk", *fields)`` of ``queryset`` in batches of ``size``, by pk."""
    ordered = queryset.order_by("pk")
    last = 0
    while True:
        batch = list(ordered.filter(pk__gt=last).values_list("pk", *fields)[:size])
        if not batch:
            return
        last = batch[-1][0]
        yield batch
