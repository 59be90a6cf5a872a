"""The rejected rows of an import grouped by reason, as the job page shows them.

A row may have several problems; it counts once under each kind of problem it has.
Rows held back only because another line of their order is bad form a group of their
own, shown last: the bad lines come first, with their counts.
"""

from collections import Counter

from .models import FileJob
from .specs import get_spec

GROUP_SAMPLES = 10  # rows listed under each reason; the error report has them all
SCANNED_ERRORS = 2000  # rejected rows read for the samples (and for a running job's counts)


def _group_key(problem: dict) -> tuple[str, str, bool]:
    reason = problem.get("reason") or problem["message"]
    return reason, problem.get("header", ""), bool(problem.get("held_back"))


def _ordered(counts: Counter) -> list[list]:
    """Most frequent first, the held-back rows last."""
    ranked = sorted(counts.items(), key=lambda item: (item[0][2], -item[1], item[0][:2]))
    return [[*key, count] for key, count in ranked]


def reason_counts(job: FileJob, limit: int | None = None) -> list[list]:
    """[reason, column header, held back, rows] for every kind of problem the job's
    rejected rows have (the first ``limit`` rows only, if given)."""
    counts: Counter = Counter()
    errors = job.row_errors.values_list("problems", flat=True)
    if limit is not None:
        errors = errors[:limit]
    for problems in errors.iterator(chunk_size=2000):
        counts.update({_group_key(problem) for problem in problems})
    return _ordered(counts)


def _order_of(cells: list, positions: dict, keys) -> str:
    """The row's order as the file names it ("A001 / TB123"), from its original cells."""
    values = []
    for key in keys:
        position = positions.get(key)
        if position is not None and position < len(cells) and cells[position] not in (None, ""):
            values.append(str(cells[position]))
    return " / ".join(values)


def rejection_groups(job: FileJob) -> dict:
    """The error table: counts of bad and held-back rows, and per reason its count and
    its first rows. A finished import's counts cover every rejected row (counted when
    it ended); a running or cancelled one's, the first SCANNED_ERRORS."""
    saved = (job.options or {}).get("reasons")
    counted = saved if saved is not None else reason_counts(job, SCANNED_ERRORS)
    groups = {
        (reason, header, held): {
            "reason": reason,
            "header": header,
            "held_back": held,
            "count": count,
            "rows": [],
        }
        for reason, header, held, count in counted
    }
    spec = get_spec(job.kind)
    positions = (job.options or {}).get("columns") or {}
    errors = job.row_errors.values_list("row_number", "cells", "problems")[:SCANNED_ERRORS]
    for row_number, cells, problems in errors.iterator(chunk_size=500):
        order = _order_of(cells, positions, spec.group_by)
        for problem in problems:
            group = groups.get(_group_key(problem))
            if group is not None and len(group["rows"]) < GROUP_SAMPLES:
                group["rows"].append({"row": row_number, "order": order, **problem})
    return {
        "groups": list(groups.values()),
        "grouped_kind": bool(spec.group_by),
        "complete": saved is not None or job.failed <= SCANNED_ERRORS,
        "bad": job.failed - job.held_back,
        "held_back": job.held_back,
    }
