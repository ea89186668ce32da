"""A sentence kui writes into a youth's history, kept so that it is read in the reader's
language: its English template (a catalog message in the context `history`, marked where it is
written with `mark("history", ...)`) and the values of its placeholders.

The change log stores the two apart (`change_log.what` and the JSON of `what_args`), the
domain hands the pair on, and `render.history.text` writes the sentence a person reads.
`str()` is the English sentence, the one JSON and csv have always carried in `what`. A row
written before the sentences were kept so (no arguments) is its finished text, shown as it
was stored.

A reason kui writes itself (a status feed's event, an assessment's consequence) is a phrase
too, kept in `change_log.why` and `why_args` (migration 0015); the reason a user types is
finished text, never formatted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# One encoder for every row (the status feed writes thousands): `json.dumps` with options
# builds a new one per call.
_encode = json.JSONEncoder(ensure_ascii=False, default=str).encode


@dataclass(frozen=True, slots=True)
class Phrase:
    """A history sentence: `template` with `args` (None: `template` is finished text)."""

    template: str
    args: Mapping[str, Any] | None = None

    def __str__(self) -> str:
        return self.template if self.args is None else self.template.format_map(self.args)

    def stored_args(self) -> str | None:
        """`args` as `change_log.what_args` keeps them: a JSON object (a date as ISO text)."""
        return None if self.args is None else _encode(self.args)

    @classmethod
    def stored(cls, what: str, what_args: str | None) -> Phrase:
        """The phrase of a change-log row's `what` and `what_args`."""
        return cls(what, None if what_args is None else json.loads(what_args))
