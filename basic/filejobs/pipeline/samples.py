"""What a preview shows of its rows: the first of each outcome, and what would change."""

from django.utils.translation import gettext as _

from basic.filejobs.models import FileJob, ImportMode, ImportSample


def _labels() -> dict[str, str]:
    return {
        "created": _("Would be created"),
        "updated": _("Would be updated"),
        "unchanged": _("Would stay unchanged"),
    }


def preview_rows(job: FileJob) -> list[dict] | None:
    """The previewed rows of a validation by outcome (None for any other job): each with
    its row number, its key and, for a row that would update, every change."""
    if job.mode != ImportMode.VALIDATE_ONLY:
        return None
    samples = ImportSample.objects.filter(job=job).order_by("row_number")
    grouped: dict[str, list[dict]] = {}
    for sample in samples:
        grouped.setdefault(sample.outcome, []).append(
            {
                "row": sample.row_number,
                "key": sample.key,
                "changes": [
                    {"column": column, "old": old, "new": new}
                    for column, old, new in sample.changes
                ],
            }
        )
    return [
        {"outcome": outcome, "label": label, "rows": grouped[outcome]}
        for outcome, label in _labels().items()
        if outcome in grouped
    ]
