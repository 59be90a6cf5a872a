"""INSERT many new rows with one prepared statement.

``bulk_create`` builds one INSERT per batch, and on SQLite a batch holds at most
999 // fields rows (about 90 rows for a product): compiling those statements costs as
much as running them. One statement run with ``executemany`` lets the driver loop in C.
Values go through each field's own ``get_db_prep_save``, so they are stored exactly as
``save()`` would store them.
"""

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone


def insert_objects(model: type[models.Model], objects: list[models.Model]) -> None:
    """Insert unsaved ``objects`` (their primary keys are not read back)."""
    if not objects:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objects:
                setattr(obj, field.attname, now)
    db = connections[DEFAULT_DB_ALIAS]  # not the thread-local proxy, once per value
    preps = [_prep_for(field, db) for field in fields]
    attnames = [field.attname for field in fields]
    values = [
        [prep(getattr(obj, attname)) for prep, attname in zip(preps, attnames, strict=True)]
        for obj in objects
    ]
    quote = db.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with db.cursor() as cursor:
        cursor.executemany(sql, values)


def _prep_for(field: models.Field, db):
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


def _same(value):
    return value
