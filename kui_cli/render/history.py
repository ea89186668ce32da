"""The sentences of a youth's history (`change_log.what`, and `why` where kui wrote the reason)
in the reader's language.

kui keeps each sentence as its English template and the values it names (`kui_cli.phrase`),
so one function writes it for whoever reads it: `text`, used by every table, markdown and
message that shows a change. In Danish the template is the catalog's translation (context
`history`), a code among the values is its Danish label (`labels.coder`: a status, a need) and
a date is written as a Danish sentence writes one ("3. december 2026"); in English it is the
sentence as kui has always written it, the one JSON and csv carry (`str(phrase)`). A row
written before migration 0014 (a reason before 0015), and a reason the user typed, is finished
text, shown as stored: never formatted, braces and all.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from kui_cli.phrase import Phrase
from kui_cli.render import labels, prose
from kui_cli.render.i18n import SOURCE, language, p_

HISTORY = "history"
ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")
# A placeholder for a code's value before or after the change is labelled as the code's column.
PREFIXES = ("old_", "new_")
# Placeholders whose values are kui's own English words, marked in the context `history` where
# they are defined (`codes.CONSENT_BY`); a feed event's id is the source's, or kui's "(no id)"
# (`feed.NO_ID`), and a source's id is no catalog message, so it is shown as it is.
WORDS = frozenset({"consenting", "event_id"})


def text(phrase: Phrase) -> str:
    """The sentence in the current language."""
    if phrase.args is None or language() == SOURCE:
        return str(phrase)
    lang = language()
    shown = {name: _shown(lang, name, value) for name, value in phrase.args.items()}
    try:
        return p_(HISTORY, phrase.template).format_map(shown)
    except (KeyError, IndexError, ValueError):  # a translation naming a placeholder wrongly
        return phrase.template.format_map(shown)


def _shown(lang: str, name: str, value: Any) -> Any:
    """A value as the sentence writes it: a code by its label, an ISO date in prose, kui's
    own words translated."""
    if name in WORDS:
        return p_(HISTORY, value)
    label = _coder(lang, name)
    if label is not None:
        return label(value)
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        return prose.date(dt.date.fromisoformat(value))
    return value


@lru_cache(maxsize=64)
def _coder(lang: str, name: str) -> Callable[[Any], Any] | None:
    """`labels.coder` of the placeholder's column, once per language and name (a listing may
    have thousands of rows); `lang` keys the cache only."""
    del lang
    for prefix in PREFIXES:
        name = name.removeprefix(prefix)
    return labels.coder(name)
