"""The kinds of sheet: registered at start-up, their columns as their model fields say."""

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone, translation

from basic.filejobs.sheets.specs import all_specs
from utils.excel_values import ValueProblem, normalize_header


def test_every_kind_is_registered_when_the_apps_are_ready():
    assert {spec.kind for spec in all_specs()} == {
        "store", "order", "product", "warehouse", "logistics", "user",
    }  # fmt: skip


def _model_field(spec, column):
    for model in spec.field_models or (spec.model,):
        try:
            return model._meta.get_field(column.key)
        except FieldDoesNotExist:
            continue
    if column.source:
        model, name = column.source
        return model._meta.get_field(name)
    return None


@pytest.mark.parametrize("spec", all_specs(), ids=lambda spec: spec.kind)
def test_text_longer_than_its_database_column_is_refused_by_the_import(spec):
    """A value the database could not hold is a rejected cell, never a failed chunk."""
    checked = 0
    for column in spec.columns:
        field = _model_field(spec, column)
        if not getattr(field, "max_length", None) or not column.type.has_length:
            continue
        convert = column.converter(timezone.get_current_timezone())
        assert convert("x" * field.max_length) == "x" * field.max_length
        with pytest.raises(ValueProblem) as refused:
            convert("x" * (field.max_length + 1))
        assert refused.value.code == "too_long"
        checked += 1
    assert checked


@pytest.mark.parametrize("spec", all_specs(), ids=lambda spec: spec.kind)
def test_a_column_the_database_requires_is_required_in_the_sheet(spec):
    for column in spec.columns:
        field = _model_field(spec, column)
        own = field is not None and column.source is None
        if own and not field.blank and not field.has_default():
            assert column.required, f"{spec.kind}.{column.key}"


@pytest.mark.parametrize("spec", all_specs(), ids=lambda spec: spec.kind)
def test_a_column_is_headed_by_its_label_in_english_and_answers_to_it_in_every_language(spec):
    for column in spec.columns:
        with translation.override("en"):
            english = column.shown_header()
        with translation.override("zh-hans"):
            assert column.shown_header() == column.header
            chinese_label = str(column.label)
        assert english and english[0].isupper() and english != column.key, column.key
        names = column.header_names()
        assert {normalize_header(english), normalize_header(chinese_label)} <= names


@pytest.mark.parametrize("spec", all_specs(), ids=lambda spec: spec.kind)
def test_no_header_name_belongs_to_two_columns_of_a_kind(spec):
    owners: dict[str, str] = {}
    for column in spec.columns:
        for name in column.header_names():
            assert owners.setdefault(name, column.key) == column.key, (name, column.key)


def test_a_column_may_name_its_label_where_the_field_does_not_say_it():
    user = next(spec for spec in all_specs() if spec.kind == "user")
    with translation.override("en"):
        assert user.columns_by_key["groups"].shown_header() == "Roles"  # the field says Groups
    assert normalize_header("角色") in user.columns_by_key["groups"].header_names()
