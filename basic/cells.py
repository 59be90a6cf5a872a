"""Turning one cell into one value of its column, with a sentence when it cannot be done."""

import functools
from collections.abc import Callable
from datetime import tzinfo
from typing import Any

from django.utils.translation import gettext as _

from utils import excel_values as v

from .specs import Column

LIST_SEPARATORS = (",", "，", "、", ";", "；")


def problem_message(problem: v.ValueProblem, value: Any) -> str:
    """The user's-language sentence for a converter's problem code."""
    params = problem.params
    shown = "" if value is None else str(value)
    if len(shown) > 50:
        shown = shown[:50] + "…"
    messages = {
        "not_a_number": _("“%(value)s” is not a number") % {"value": shown},
        "not_an_integer": _("“%(value)s” is not a whole number") % {"value": shown},
        "not_a_date": _("“%(value)s” is not a date (e.g. 2026-11-24)") % {"value": shown},
        "not_a_datetime": _("“%(value)s” is not a date and time (e.g. 2026-11-24 10:30)")
        % {"value": shown},
        "not_a_boolean": _("“%(value)s” is not yes/no (是/否)") % {"value": shown},
        "not_a_choice": _("“%(value)s” is not one of: %(choices)s")
        % {"value": shown, "choices": "、".join(map(str, params.get("choices", [])))},
        "too_long": _("too long: %(length)s characters, at most %(max_length)s")
        % {"length": params.get("length", ""), "max_length": params.get("max_length", "")},
        "negative": _("must not be negative"),
        "too_many_decimals": _("at most %(places)s decimal places")
        % {"places": params.get("places", 2)},
        "error_cell": _("the cell holds the spreadsheet error %(text)s")
        % {"text": params.get("text", "")},
        "out_of_range": _("“%(value)s” is out of range") % {"value": shown},
    }
    return messages.get(problem.code, _("“%(value)s” is not valid") % {"value": shown})


def split_list(value: Any) -> list[str]:
    text = v.to_text(value)
    if not text:
        return []
    for separator in LIST_SEPARATORS[1:]:
        text = text.replace(separator, LIST_SEPARATORS[0])
    return [part.strip() for part in text.split(",") if part.strip()]


def converter_for(column: Column, tz: tzinfo) -> Callable[[Any], Any]:
    """One function per column, built once per job: the hot path calls only this."""
    t = column.type
    if t == "text":
        return functools.partial(v.to_text, max_length=column.max_length)
    if t == "code":
        return functools.partial(v.to_code, max_length=column.max_length)
    if t == "int":
        return functools.partial(v.to_int, minimum=column.minimum)
    if t == "decimal":
        return functools.partial(v.to_decimal, places=column.places, minimum=column.minimum)
    if t == "datetime":
        return functools.partial(v.to_datetime, tz=tz)
    if t == "date":
        return v.to_date
    if t == "bool":
        return v.to_bool
    if t == "choice":
        return v.choice_converter(column.choice_labels())
    if t == "list":
        return split_list
    raise ValueError(f"no converter for column type {t!r}")
