"""The rejected rows of an import grouped by reason, as the job page shows them.

A row may have several problems; it counts once under each kind of problem it has.
Rows held back only because another line of their order is bad form a group of their
own, shown last: the bad lines come first, with their counts.
"""

from collections import Counter

from basic.filejobs.models import FileJob
from basic.filejobs.sheets.specs import get_spec

GROUP_SAMPLES = 10  # rows listed under each reason; the error report has them all
SCANNED_ERRORS = 2000  # rejected rows read for the samples (and for a running job's counts)


def _group_key(problem: dict) -> tuple[str, str, bool]:
    reason = problem.get("reason") or problem["message"]
    return reason, problem.get("header", ""), bool(problem.get("held_back"))


def _ordered(counts: Counter) -> list[list]:
    """Most frequent first, the held-back rows last."""
    ranked = sorted(counts.items(), key=lambda item: (item[0][2], -item[1], item[0][:2]))
    return [[*key, count] for key, count in ranked]


def _count(counts: Counter, problems: list[dict]) -> None:
    counts.update({_group_key(problem) for problem in problems})  # a row once per kind


def reason_counts(job: FileJob) -> list[list]:
    """[reason, column header, held back, rows] for every kind of problem the job's
    rejected rows have; one pass over them."""
    counts: Counter = Counter()
    for problems in job.row_errors.values_list("problems", flat=True).iterator(chunk_size=2000):
        _count(counts, problems)
    return _ordered(counts)


def _order_of(cells: list, positions: dict, keys) -> str:
    """The row's order as the file names it ("A001 / TB123"), from its original cells."""
    values = []
    for key in keys:
        position = positions.get(key)
        if position is not None and position < len(cells) and cells[position] not in (None, ""):
            values.append(str(cells[position]))
    return " / ".join(values)


def rejection_groups(job: FileJob) -> dict | None:
    """The error table (None for a job that rejected nothing): counts of bad and held-back
    rows, and per reason its count and its first rows. A finished import's counts cover
    every rejected row (counted when it ended); a running or cancelled one's, the first
    SCANNED_ERRORS, counted in the pass that picks the rows shown."""
    if not job.failed:
        return None
    spec = get_spec(job.kind)
    positions = (job.options or {}).get("columns") or {}
    saved = (job.options or {}).get("reasons")
    counts: Counter = Counter()
    samples: dict[tuple, list[dict]] = {}
    errors = job.row_errors.values_list("row_number", "cells", "problems")[:SCANNED_ERRORS]
    for row_number, cells, problems in errors.iterator(chunk_size=500):
        if saved is None:
            _count(counts, problems)
        order = _order_of(cells, positions, spec.group_by)
        for problem in problems:
            shown = samples.setdefault(_group_key(problem), [])
            if len(shown) < GROUP_SAMPLES:
                shown.append({"row": row_number, "order": order, **problem})
    groups = [
        {
            "reason": reason,
            "header": header,
            "held_back": held,
            "count": count,
            "rows": samples.get((reason, header, held), []),
        }
        for reason, header, held, count in (saved if saved is not None else _ordered(counts))
    ]
    return {
        "groups": groups,
        "grouped_kind": bool(spec.group_by),
        "complete": saved is not None or job.failed <= SCANNED_ERRORS,
        "bad": job.failed - job.held_back,
        "held_back": job.held_back,
    }
