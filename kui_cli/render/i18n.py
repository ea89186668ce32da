"""The language a person reads: Danish by default, English available, with stdlib gettext.

English is the source language: every message is written in English in the code and marked
with `_()` (a plural with `n_()`, a word whose meaning needs a context with `p_()`); the Danish
translation is in `kui_cli/locale/da/LC_MESSAGES/kui.po`, compiled to the `kui.mo` beside it
(shipped in the package). The language is, in this order: `KUI_LANG` (`da` or `en`), else the
stored profile's `language` (set by `invocation.session` once a command has opened its
session: never a database opened for it), else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`
starting with `da` or `en`), else Danish, the language of the people kui is for.

Nothing is loaded at import. The first translated string reads the catalog of its language
(once per process and language): `kui --help` reads it only when it prints the help, which is
translated as it is shown (`kui_cli/help.py`), never when the command tree is built.

Marking, extracting, translating and compiling (Babel, the `dev` and `test` extras), from the
repository's root (Babel's `update` of some versions lacks `--no-location`: leave it out there):

    pybabel extract -F babel.cfg --no-default-keywords -k _ -k n_:1,2 -k p_:1c,2 -k mark:1c,2 \
        --project kui --copyright-holder kui --no-location --sort-output \
        -o kui_cli/locale/kui.pot . && pybabel update -i kui_cli/locale/kui.pot \
        -d kui_cli/locale -D kui --no-location --width 100 \
        && pybabel compile -d kui_cli/locale -D kui

`extract` collects the marked messages and, by the extraction method babel.cfg names for
`kui_cli/help.py` (`kui_cli.help.extract`, which imports kui and walks its command tree), every
help text a person reads in `--help`: each paragraph of a command's docstring and each option's
and argument's `help=`, which Babel's Python extractor cannot see. `update` adds the new ones
to each language's `.po` (translate them there, in `msgstr`; clear any `fuzzy` guess),
`compile` writes the `.mo` files that are shipped. tests/test_i18n.py and tests/test_help.py
fail while a message or a help text has no Danish translation.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gettext import NullTranslations

DOMAIN = "kui"
LANGUAGES = ("da", "en")
DEFAULT = "da"
SOURCE = "en"  # the language of the msgids: no catalog is needed to read it
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
# Babel's keyword specification of the markers below (tests/test_i18n.py extracts with it).
KEYWORDS = {"_": None, "n_": (1, 2), "p_": ((1, "c"), 2), "mark": ((1, "c"), 2)}

_profile_language: str | None = None
_document_language: str | None = None


def language() -> str:
    """The language to speak now (read each time: a test or a command may change it)."""
    chosen = _document_language or _known(os.environ.get("KUI_LANG")) or _profile_language
    if chosen:
        return chosen
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:  # the first one set decides, as for the C library
            return _known(value) or DEFAULT
    return DEFAULT


def _known(value: str | None) -> str | None:
    """`da`, `da_DK.UTF-8` -> "da"; `en_GB` -> "en"; anything else (C, POSIX, fr) -> None."""
    prefix = (value or "").strip().lower()[:2]
    return prefix if prefix in LANGUAGES else None


def use_profile_language(value: str | None) -> None:
    """The stored profile's `language` (None: the profile leaves it to the locale)."""
    global _profile_language
    _profile_language = _known(value)


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Every message in `lang` within, whatever the reader's language: for the documents kui
    writes in Danish only (the agenda and minutes for circulation, the staff digest), whose
    wording is still kept in the catalog."""
    global _document_language
    before, _document_language = _document_language, lang
    try:
        yield
    finally:
        _document_language = before


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> NullTranslations:
    """The compiled catalog of a language; the source language (or a missing catalog) reads
    the msgids themselves."""
    import gettext

    if lang == SOURCE:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def _(message: str) -> str:
    """The message in the current language (itself when the catalog has no translation)."""
    return translations(language()).gettext(message)


def n_(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n` in the current language: "{n} møde", "{n} møder"."""
    return translations(language()).ngettext(singular, plural, n)


def p_(context: str, message: str) -> str:
    """A message in a context (`column`, `measure`): the same English word may need two Danish
    ones, and a key such as a column name is translated only where it is shown to a person."""
    return translations(language()).pgettext(context, message)


def mark(context: str, message: str) -> str:
    """Marks a message for extraction without translating it now (a table of keys translated
    later with `p_`)."""
    del context
    return message
