"""The sentence a user reads when a cell cannot become a value of its column."""

from typing import Any

from django.utils.translation import gettext as _

from utils import excel_values as v


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


def problem_reason(problem: v.ValueProblem) -> str:
    """The kind of a converter's problem without its value: what the error table groups by."""
    reasons = {
        "not_a_number": _("not a number"),
        "not_an_integer": _("not a whole number"),
        "not_a_date": _("not a date"),
        "not_a_datetime": _("not a date and time"),
        "not_a_boolean": _("not yes/no"),
        "not_a_choice": _("not one of the allowed values"),
        "too_long": _("too long"),
        "negative": _("must not be negative"),
        "too_many_decimals": _("too many decimal places"),
        "error_cell": _("a spreadsheet error in the cell"),
        "out_of_range": _("out of range"),
    }
    return reasons.get(problem.code, _("not valid"))
