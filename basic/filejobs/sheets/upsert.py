"""Upsert of flat kinds (one row, one object, one natural-key column) in bulk."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from basic.filejobs.models import ImportMode
from basic.filejobs.sheets.fast_insert import insert_records
from basic.filejobs.sheets.specs import ImportSpec, Row


def empty_value(field: models.Field):
    """What a blank cell means for ``field``: cleared when it may be empty, else unchanged."""
    if field.null:
        return None
    if field.blank and isinstance(field, models.CharField | models.TextField):
        return ""
    return models.NOT_PROVIDED


class FlatModelSpec(ImportSpec):
    """A kind whose rows map one-to-one to ``model`` objects by a unique ``key`` field.

    Only the columns present in the file are written: a file of SKU codes and prices
    updates prices and nothing else.
    """

    def field_names(self, ctx) -> list[str]:
        """Model fields the file provides (column key == field name for flat kinds)."""
        concrete = {f.name for f in self.model._meta.concrete_fields}
        return [key for key in ctx.present if key in concrete and key not in self.key]

    def existing(self, rows: list[Row]) -> dict:
        key = self.key[0]
        values = [row.values[key] for row in rows]
        return {
            getattr(obj, key): obj for obj in self.model.objects.filter(**{f"{key}__in": values})
        }

    def record(self, row: Row, fields: list[str]) -> dict:
        """The new object's field values; the fields the file lacks get their defaults."""
        values = row.values
        return {name: values.get(name) for name in (self.key[0], *fields)}

    def apply(self, obj, row: Row, fields: list[str]) -> bool:
        """Copy the row onto ``obj``; True when something changed."""
        changed = False
        for name in fields:
            value = row.values.get(name)
            if value is None:
                value = empty_value(self.model._meta.get_field(name))
                if value is models.NOT_PROVIDED:
                    continue
            if getattr(obj, name) != value:
                row.changes[name] = (getattr(obj, name), value)
                setattr(obj, name, value)
                changed = True
        return changed

    def write(self, rows: list[Row], ctx) -> None:
        if not rows:
            return
        fields = self.field_names(ctx)
        existing = self.existing(rows)
        key_column = self.columns_by_key[self.key[0]]
        to_create, to_update = [], []
        for row in rows:
            obj = existing.get(row.values[self.key[0]])
            if obj is None:
                to_create.append(self.record(row, fields))
                row.outcome = "created"
            elif ctx.mode == ImportMode.CREATE_ONLY:
                row.reject(key_column, _("already exists"), row.values[self.key[0]])
            elif self.apply(obj, row, fields):
                to_update.append(obj)
                row.outcome = "updated"
            else:
                row.outcome = "unchanged"
        if ctx.dry_run:
            return
        insert_records(self.model, to_create)
        if to_update:
            now = timezone.now()  # bulk_update does not run auto_now
            for obj in to_update:
                obj.updated_at = now
            self.model.objects.bulk_update(to_update, [*fields, "updated_at"])
        self.after_write(created=to_create, updated=to_update, ctx=ctx)

    def after_write(self, *, created: list[dict], updated: list, ctx) -> None:
        """Hook for what else a kind must write in the same transaction (``created``:
        the new rows' field values, ``updated``: the changed objects)."""
