"""A column of a kind's sheet: its key and headers, its type, what its model field says."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise

from basic.filejobs.sheets.cell_types import TEXT, CellType
from utils.excel_values import normalize_header


@dataclass(frozen=True)
class Column:
    """One column of a kind's sheet.

    ``required`` and ``max_length`` (of text and codes) come from the model field of the
    same name in the spec's ``field_models`` unless the column says otherwise; a column
    that names another model's value (a store code on an order) takes its length from
    ``source``, a (model, field name) pair. Its ``label``, the header in every language
    but Chinese, is that field's verbose name unless the column names one.
    """

    key: str  # the English column key: the contract of the file format
    header: str  # the Chinese header written in templates and exports
    type: CellType = TEXT
    required: bool | None = None
    max_length: int | None = None
    choices: Any = None  # a TextChoices class
    source: tuple[Any, str] | None = None  # (model, field name)
    aliases: tuple[str, ...] = ()
    minimum: Any = None
    places: int = 2
    example: Any = None
    help: str | Promise = ""
    label: str | Promise = ""  # translatable (gettext_lazy)

    def converter(self, tz) -> Callable[[Any], Any]:
        """Reads one cell of this column into its value (``ValueProblem`` if it cannot)."""
        return self.type.converter(self, tz)

    def formatter(self, tz) -> Callable[[Any], Any]:
        """Writes one stored value of this column as the import reads it back."""
        return self.type.formatter(self, tz)

    def shown_header(self) -> str:
        """The header a user reads: the Chinese ``header`` in zh-hans, else the label."""
        if translation.get_language() == "zh-hans":
            return self.header
        return str(self.label or self.key)

    def labels(self) -> list[str]:
        """The label in every language of the site."""
        texts = []
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                texts.append(str(self.label or self.key))
        return list(dict.fromkeys(texts))

    def other_headers(self) -> list[str]:
        """What a file may name this column besides its shown header and its key: the
        Chinese header, the label in every language, the aliases."""
        names = dict.fromkeys([self.header, *self.labels(), *self.aliases])
        return [name for name in names if name not in (self.shown_header(), self.key)]

    def header_names(self) -> set[str]:
        """Every header this column answers to, normalized for matching: its key, Chinese
        header, label in every language of the site and aliases."""
        names = {self.key, self.header, *self.labels(), *self.aliases}
        return {normalize_header(name) for name in names}

    def choice_labels(self) -> list[tuple[str, list[str]]]:
        """(code, labels) pairs: the label in the active language first (the one an error
        message names), then the label in every other language and the code itself."""
        from django.utils import translation

        pairs = []
        for value, label in self.choices.choices:
            labels = [str(label)]
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    labels.append(str(label))
            pairs.append((value, list(dict.fromkeys([*labels, value]))))
        return pairs
