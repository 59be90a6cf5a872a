"""INSERT many new rows with one prepared statement.

``bulk_create`` builds one INSERT per batch, and on SQLite a batch holds at most
999 // fields rows (about 90 rows for a product): compiling those statements costs as
much as running them. One statement run with ``executemany`` lets the driver loop in C.
Values go through each field's own database conversion, so they are stored exactly as
``save()`` would store them; ``auto_now`` and ``auto_now_add`` fields get one timestamp
per call, converted once.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone


def insert_objects(model: type[models.Model], objects: list[models.Model]) -> None:
    """Insert unsaved ``objects`` (their primary keys are not read back)."""
    if objects:
        _insert(model, (obj.__dict__ for obj in objects), fill_defaults=False)


def insert_records(model: type[models.Model], records: list[Mapping[str, Any]]) -> None:
    """Insert rows given as ``{attname: value}``, without building model instances.

    A field a record lacks, or holds None for, gets the field's default, as
    ``Model(**record_without_nones)`` would give it.
    """
    if records:
        _insert(model, records, fill_defaults=True)


def _insert(
    model: type[models.Model], records: Iterable[Mapping[str, Any]], *, fill_defaults: bool
) -> None:
    db = connections[DEFAULT_DB_ALIAS]  # not the thread-local proxy, once per value
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    plan = [_column_plan(field, db, now, fill_defaults) for field in fields]
    values = [[column(record) for column in plan] for record in records]
    quote = db.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with db.cursor() as cursor:
        cursor.executemany(sql, values)


def _column_plan(
    field: models.Field, db, now, fill_defaults: bool
) -> Callable[[Mapping[str, Any]], Any]:
    """The function giving this field's database value from one record."""
    prep = _prep_for(field, db)
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        stamp = prep(now)
        return lambda record: stamp
    attname = field.attname
    if not fill_defaults:
        if prep is _same:
            return lambda record: record[attname]
        return lambda record: prep(record[attname])
    has_callable_default = field.has_default() and callable(field.default)
    fixed_default = None if has_callable_default else prep(field.get_default())

    def value(record: Mapping[str, Any]) -> Any:
        found = record.get(attname)
        if found is not None:
            return prep(found)
        return prep(field.get_default()) if has_callable_default else fixed_default

    return value


def _prep_for(field: models.Field, db) -> Callable[[Any], Any]:
    """The field's own conversion to a database value, minus the work that changes nothing."""
    if isinstance(field, models.CharField | models.TextField | models.BooleanField):
        return _same  # converters made them str and bool already
    if isinstance(field, models.IntegerField | models.ForeignKey):
        return _same  # ints, or None
    if isinstance(field, models.DecimalField):
        adapt = db.ops.adapt_decimalfield_value
        return lambda value: adapt(value, field.max_digits, field.decimal_places)
    if isinstance(field, models.DateTimeField):
        return db.ops.adapt_datetimefield_value
    return lambda value: field.get_db_prep_save(value, db)


def _same(value: Any) -> Any:
    return value
