"""Danish by default, English available (issue 17): the language's sources in their order, the
catalogs complete and compiled, Danish labels, numbers, dates and plurals, and the Danish names
of codes accepted as input."""

from __future__ import annotations

import ast
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from kui_cli import danish
from kui_cli.app import app
from kui_cli.domain import codes, profile
from kui_cli.domain.law import assessments
from kui_cli.errors import KuiError
from kui_cli.render import i18n, labels
from tests.conftest import KuiRunner, ok

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ("LC_ALL", "LC_MESSAGES", "LANG", "KUI_LANG")
BAD_STATUS = ("youth", "list", "--status", "skole")


@pytest.fixture
def no_language(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No KUI_LANG and no locale: what decides is the profile or kui's default."""
    for name in LOCALES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def error_line(kui: KuiRunner, *args: str, user: str = "AB") -> str:
    result = kui(*args, user=user)
    assert result.exit_code == 1, result.output
    return result.stderr.strip()


def test_english_with_kui_lang(ready: KuiRunner) -> None:
    assert error_line(ready, *BAD_STATUS).startswith("Error: unknown status 'skole'")


def test_danish_by_default(ready: KuiRunner, no_language: pytest.MonkeyPatch) -> None:
    assert error_line(ready, *BAD_STATUS).startswith("Fejl: ukendt status 'skole'")
    no_language.setenv("LANG", "C.UTF-8")  # a locale of neither language: Danish still
    assert error_line(ready, *BAD_STATUS).startswith("Fejl: ")


def test_an_access_refusal_in_danish(ready: KuiRunner, no_language: pytest.MonkeyPatch) -> None:
    """The refusal of the access rule, assembled in the domain, reads as one Danish line."""
    ok(ready("youth", "add", "--cpr", "150310-4321", "--name", "Ida Jensen"))
    ok(ready("staff", "add", "--initials", "CD", "--name", "Vejleder CD", "--role", "uu",
             "--department", "UU"))  # fmt: skip
    line = error_line(ready, "youth", "show", "1", user="CD")
    assert line.startswith("Fejl: adgang nægtet: CD arbejder ikke med ung 1: en medarbejder ser "
                           "kun de unge, vedkommende arbejder med"), line  # fmt: skip
    assert "\n" not in line and "access refused" not in line


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"LANG": "da_DK.UTF-8"}, "da"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LC_ALL": "da_DK.UTF-8", "LANG": "en_US.UTF-8"}, "da"),  # LC_ALL before LANG
        ({"KUI_LANG": "da", "LC_ALL": "en_US.UTF-8"}, "da"),  # KUI_LANG before the locale
        ({"KUI_LANG": "en", "LANG": "da_DK.UTF-8"}, "en"),
        ({"KUI_LANG": "fr", "LANG": "en_US.UTF-8"}, "en"),  # a language kui lacks: the next
        ({}, "da"),
    ],
)
def test_the_language_sources_in_order(
    no_language: pytest.MonkeyPatch, environment: dict[str, str], expected: str
) -> None:
    for name, value in environment.items():
        no_language.setenv(name, value)
    assert i18n.language() == expected


def test_a_refused_import_line_and_profile_error_are_danish(
    ready: KuiRunner, tmp_path: Path, no_language: pytest.MonkeyPatch
) -> None:
    """The domain's own refusals, each line of an import and the profile's, speak Danish too:
    translated where they are made, with the values put in after translation."""
    rows = tmp_path / "unge.csv"
    rows.write_text("cpr,name\n150310-4321,Ida Jensen\n310209-4001,Forkert Dato\n", "utf-8")
    result = ready("youth", "import", str(rows))
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines()[-1] == (
        "Fejl: 1 fejlbehæftet række, intet er importeret: linje 3: ugyldigt CPR-nummer "
        "'310209-4001': 310209 er ikke en gyldig fødselsdato"
    )
    bad = english_profile(tmp_path).read_text("utf-8").replace("upper_age = ", "upper_age = 9")
    (tmp_path / "bad.toml").write_text(bad, encoding="utf-8")
    with pytest.raises(KuiError, match=r"bad\.toml: nøglen 'upper_age' skal være mellem 19 og 35"):
        profile.read_profile(str(tmp_path / "bad.toml"))


def test_the_locale_is_honoured_by_a_command(
    kui: KuiRunner, tmp_path: Path, no_language: pytest.MonkeyPatch
) -> None:
    """A profile that names no language leaves it to the locale; the shipped ones say Danish."""
    silent = english_profile(tmp_path).read_text("utf-8").replace('language = "en"\n', "")
    (tmp_path / "silent.toml").write_text(silent, encoding="utf-8")
    ok(kui("init", "--profile", str(tmp_path / "silent.toml")))
    ok(kui("staff", "add", "--initials", "AB", "--name", "Leder AB", "--role", "leader",
           "--department", "KUI"))  # fmt: skip
    no_language.setenv("LANG", "da_DK.UTF-8")
    assert error_line(kui, *BAD_STATUS).startswith("Fejl: ")
    no_language.setenv("LANG", "en_DK.UTF-8")
    assert error_line(kui, *BAD_STATUS).startswith("Error: ")


def test_the_shipped_profile_speaks_danish_whatever_the_locale(
    ready: KuiRunner, no_language: pytest.MonkeyPatch
) -> None:
    no_language.setenv("LANG", "en_US.UTF-8")
    ok(ready("youth", "list"))  # the command's session reads the profile's language
    assert error_line(ready, *BAD_STATUS).startswith("Fejl: ")


def english_profile(folder: Path) -> Path:
    text = (ROOT / "kui_cli" / "profiles" / "soenderborg.toml").read_text("utf-8")
    assert 'language = "da"' in text, "the shipped profile speaks Danish"
    path = folder / "english.toml"
    path.write_text(text.replace('language = "da"', 'language = "en"'), encoding="utf-8")
    return path


def test_the_profile_language_is_honoured(
    kui: KuiRunner, tmp_path: Path, no_language: pytest.MonkeyPatch
) -> None:
    """Read where the command's session is open: the headers a command prints are in the
    profile's language, over the locale's, and KUI_LANG still decides over both."""
    no_language.setenv("LANG", "da_DK.UTF-8")
    ok(kui("init", "--profile", str(english_profile(tmp_path))))
    ok(kui("staff", "add", "--initials", "AB", "--name", "Leder AB", "--role", "leader",
           "--department", "KUI"))  # fmt: skip
    listed = ok(kui("staff", "list", "-f", "markdown")).stdout
    assert "| initials" in listed and "Initialer" not in listed
    i18n.use_profile_language(None)
    no_language.setenv("KUI_LANG", "da")
    assert "| Initialer" in ok(kui("staff", "list", "-f", "markdown")).stdout


def test_help_follows_the_stored_profiles_language_on_sqlite(
    tmp_path: Path, no_language: pytest.MonkeyPatch
) -> None:
    """Help opens no session: the profile's language is read from the SQLite file of `--db`
    or KUI_DB with sqlite3 alone; a missing file is not created, KUI_LANG decides over it."""
    database = str(tmp_path / "kui.db")
    runner = CliRunner()
    init = ["--db", database, "init", "--profile", str(english_profile(tmp_path))]
    assert runner.invoke(app, init).exit_code == 0
    i18n.use_profile_language(None)  # as in a new process
    assert runner.invoke(app, ["--db", database, "youth", "--help"]).output.startswith("Usage:")
    i18n.use_profile_language(None)
    no_language.setenv("KUI_DB", database)
    assert runner.invoke(app, ["youth"]).output.startswith("Usage: kui youth")
    no_language.setenv("KUI_LANG", "da")
    assert runner.invoke(app, ["youth", "--help"]).output.startswith("Brug: kui youth")
    no_language.delenv("KUI_LANG")
    i18n.use_profile_language(None)
    missing = tmp_path / "missing.db"
    assert runner.invoke(app, ["--db", str(missing), "youth", "--help"]).output.startswith("Brug:")
    assert not missing.exists()


def test_the_shipped_profiles_speak_danish_and_a_bad_language_is_refused(
    tmp_path: Path,
) -> None:
    for name in profile.shipped_profiles():
        assert profile.read_profile(name).value("language") == "da"
    bad = english_profile(tmp_path).read_text("utf-8").replace('"en"', '"de"')
    (tmp_path / "german.toml").write_text(bad, encoding="utf-8")
    with pytest.raises(KuiError, match="key 'language' must be one of da, en"):
        profile.read_profile(str(tmp_path / "german.toml"))


def test_danish_column_labels_but_stable_json_and_csv_keys(
    ready: KuiRunner, no_language: pytest.MonkeyPatch
) -> None:
    ok(ready("youth", "add", "--cpr", "150310-4321", "--name", "Ida Jensen"))
    table = ok(ready("youth", "list")).stdout
    header = table.splitlines()[0].split()
    assert header[:4] == ["Id", "CPR-nr.", "Navn", "Født"] and "Aldersgruppe" in header
    # A column drawn only when asked for (it is empty): its label too.
    picked = ok(ready("youth", "list", "--columns", "id,coordinator")).stdout
    assert picked.splitlines()[0].split() == ["Id", "Koordinator"]
    assert ok(ready("youth", "list", "-f", "markdown")).stdout.startswith("|   Id | CPR-nr.")
    assert json.loads(ok(ready("youth", "list", "-f", "json")).stdout)[0]["birth_date"]
    assert ok(ready("youth", "list", "-f", "csv")).stdout.startswith("id,cpr,name,birth_date")
    shown = ok(ready("youth", "show", "1")).stdout
    assert "Felt" in shown and "Værdi" in shown


def test_report_measures_are_named_in_danish(
    ready: KuiRunner, no_language: pytest.MonkeyPatch
) -> None:
    overview = ok(ready("report", "overview")).stdout
    assert "Behov C uden koordinator" in overview and "need_c_without_coordinator" not in overview
    figures = json.loads(ok(ready("report", "overview", "-f", "json")).stdout)
    assert "need_c_without_coordinator" in figures  # the JSON contract keeps its keys


def test_every_report_measure_and_column_has_a_danish_label(
    no_language: pytest.MonkeyPatch,
) -> None:
    for key in labels.MEASURES:
        assert labels.measure(key) != key
    for column in labels.COLUMNS - {"status", "team", "login", "filter", "note"}:
        assert labels.label(column) != column, column  # same word in both languages: the five
    no_language.setenv("KUI_LANG", "en")
    assert labels.label("youth_id") == "youth_id"  # English headers are the keys themselves


def test_a_command_speaks_danish_from_init_to_a_refusal(
    kui: KuiRunner, no_language: pytest.MonkeyPatch
) -> None:
    """What the commands themselves say (issue 17): init's summary, a confirmation with its
    plural, a refusal of the command's own and a rule's refusal behind the Danish prefix."""
    no_language.setenv("KUI_LANG", "da")
    made = ok(kui("init")).stderr
    assert re.search(r"^Databasen .+ er oprettet \(skema \w+\); profil soenderborg\.$", made, re.M)
    assert re.search(r"^Teams: oprettet \d+, opdateret 0, fjernet 0\.$", made, re.M), made
    again = ok(kui("init")).stderr
    assert " er allerede ajour (skema " in again and "Databasen" in again
    ok(kui("staff", "add", "--initials", "AB", "--name", "Leder AB", "--role", "leader",
           "--department", "KUI"))  # fmt: skip
    added = ok(kui("youth", "add", "--cpr", "150310-4321", "--name", "Ida Jensen")).stderr
    assert added == "Ung 1 er registreret.\n"
    assert error_line(kui, "youth", "show", "999").startswith("Fejl: ")
    assert error_line(kui, "contact", "list") == (
        "Fejl: angiv en ung (YOUTH), eller --mine for dine egne kontakter"
    )
    assert error_line(kui, "--today", "2026-13-01", "youth", "list") == (
        "Fejl: --today skal være en dato som ÅÅÅÅ-MM-DD, ikke '2026-13-01'"
    )


def test_danish_plurals_and_field_names_in_confirmations(
    ready: KuiRunner, no_language: pytest.MonkeyPatch
) -> None:
    """A count in a sentence takes its Danish singular or plural; a field named in a sentence
    is its label in lower case, and English keeps the key."""
    ok(ready("youth", "add", "--cpr", "150310-4321", "--name", "Ida Jensen", "--need", "B"))
    no_language.setenv("KUI_LANG", "da")
    nothing = ok(ready("youth", "update", "1", "--need", "B", "--reason", "r")).stderr
    assert nothing == "Intet er ændret for ung 1: behov er allerede B.\n"
    dry = ok(ready("retention", "purge", "--dry-run")).stderr
    assert dry.endswith("0 unge ville blive fjernet.\n"), dry
    no_language.setenv("KUI_LANG", "en")
    nothing = ok(ready("youth", "update", "1", "--need", "B", "--reason", "r")).stderr
    assert nothing == "Nothing changed for youth 1: need is already B.\n"


def test_plurals_in_both_languages(ready: KuiRunner, no_language: pytest.MonkeyPatch) -> None:
    forms = ("{n} new meeting up to {date}.", "{n} new meetings up to {date}.")
    no_language.setenv("KUI_LANG", "da")
    assert [i18n.n_(*forms, n) for n in (0, 1, 2)] == [
        "{n} nye møder frem til {date}.",
        "{n} nyt møde frem til {date}.",
        "{n} nye møder frem til {date}.",
    ]
    made = ok(ready("meeting", "generate", "--until", "2026-12-31")).stderr
    assert re.fullmatch(r"([02-9]|\d\d+) nye møder frem til 2026-12-31\.\n", made), made
    no_language.setenv("KUI_LANG", "en")
    assert i18n.n_(*forms, 1) == forms[0] and i18n.n_(*forms, 2) == forms[1]


def test_danish_numbers_and_dates() -> None:
    assert danish.number(1905) == "1.905"
    assert danish.number(1234567) == "1.234.567"
    assert danish.number(12.5, 1) == "12,5"
    assert danish.number(-1905.25, 2) == "-1.905,25"
    assert danish.long_date(dt.date(2026, 12, 3)) == "torsdag den 3. december 2026"


def test_the_catalog_is_read_only_when_help_is_shown(no_language: pytest.MonkeyPatch) -> None:
    """Lazy: building the command tree translates nothing and opens no catalog; `kui --help`
    opens the Danish one when it prints (the start-up budget: tests/test_startup.py)."""
    import typer.main

    i18n.translations.cache_clear()
    typer.main.get_command(app)
    assert i18n.translations.cache_info().currsize == 0
    assert CliRunner().invoke(app, ["--help"]).output.startswith("Brug: kui [OPTIONS]")
    assert i18n.translations.cache_info().currsize == 1
    assert i18n._("yes") == "ja" and i18n.translations.cache_info().currsize == 1


# --- The catalogs ---


def catalog(language: str):
    path = ROOT / "kui_cli" / "locale" / language / "LC_MESSAGES" / "kui.po"
    with path.open("rb") as po:
        return read_po(po, locale=language)


def marked() -> set[tuple[str | tuple[str, ...], str | None]]:
    """Every message marked in kui_cli's code and every help text, as (msgid, context), by
    Babel's extractors with babel.cfg and kui's keywords (the command in kui_cli/render/i18n.py)."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = extract_from_dir(
        str(ROOT),
        method_map=method_map,
        options_map=options_map,
        keywords=i18n.KEYWORDS,
        comment_tags=(),
        strip_comment_tags=True,
    )
    return {(message, context) for _file, _line, message, _comments, context in found}


def test_every_marked_message_has_a_danish_translation() -> None:
    """Fails when a string marked with `_()`, `n_()`, `p_()` or `mark()` is not in the Danish
    catalog, or is there untranslated or fuzzy: run the command in kui_cli/render/i18n.py and
    translate it."""
    danish_catalog = catalog("da")
    missing = []
    for message, context in sorted(marked(), key=str):
        key = message[0] if isinstance(message, tuple) else message
        entry = danish_catalog.get(key, context=context)
        strings = entry.string if entry is not None else ""
        translated = all(strings) if isinstance(strings, tuple) else bool(strings)
        if entry is None or entry.fuzzy or not translated:
            missing.append((context, message))
    assert not missing, f"not translated to Danish: {missing}"


def test_the_catalogs_hold_only_marked_messages_with_their_placeholders() -> None:
    wanted = {(m[0] if isinstance(m, tuple) else m, c) for m, c in marked()}
    for language in i18n.LANGUAGES:
        held = catalog(language)
        assert {(m.id[0] if isinstance(m.id, tuple) else m.id, m.context)
                for m in held if m.id} == wanted  # fmt: skip
        assert not any(errors for *_message, errors in held.check()), language


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_the_shipped_mo_files_are_compiled_from_the_po_files(language: str) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, catalog(language))
    shipped = ROOT / "kui_cli" / "locale" / language / "LC_MESSAGES" / "kui.mo"
    assert shipped.read_bytes() == compiled.getvalue(), "run `pybabel compile` (i18n.py)"


def test_the_compiled_catalogs_are_package_data() -> None:
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    assert '"locale/*/LC_MESSAGES/*.mo"' in text


# --- Codes typed in Danish ---

CODE_LISTS = {
    "status": codes.STATUSES,
    "need": codes.NEEDS,
    "role": codes.ROLES,
    "legislation": codes.LEGISLATIONS,
    "application": codes.APPLIED,
    "assessment result": assessments.RESULTS,
    "--consent": codes.CONSENTS,
    "--consent-by": codes.CONSENT_BY,
}


def typed_forms(what: str, code: str) -> list[str]:
    labels_of = CODE_LISTS[what]
    forms = [code, labels_of[code]]
    name = codes.TYPED_NAMES.get(what, {}).get(code)
    return [*forms, name] if name else forms


@given(
    st.sampled_from(sorted(CODE_LISTS)).flatmap(
        lambda what: st.tuples(st.just(what), st.sampled_from(sorted(CODE_LISTS[what])))
    ),
    st.sampled_from([str, str.upper, str.lower, lambda t: f"  {t.replace('-', ' ')} "]),
)
def test_a_label_or_name_typed_in_any_case_is_its_code(
    pick: tuple[str, str], spelled: object
) -> None:
    what, code = pick
    for form in typed_forms(what, code):
        typed = spelled(form)  # type: ignore[operator]
        assert codes.checked(typed, CODE_LISTS[what], what) == code
        assert (
            CODE_LISTS[what][codes.checked(typed, CODE_LISTS[what], what)] == CODE_LISTS[what][code]
        )  # label -> code -> the same label


@pytest.mark.parametrize("what", sorted(CODE_LISTS))
def test_no_two_codes_share_a_label_or_name(what: str) -> None:
    seen: dict[str, str] = {}
    for code in CODE_LISTS[what]:
        for form in {codes.folded(f) for f in typed_forms(what, code)}:
            assert seen.setdefault(form, code) == code, f"{what}: {form!r} names two codes"


@pytest.mark.parametrize("typed", ["skole", "", " ", "-", "i", "uddannelse"])
def test_unknown_words_are_still_refused(typed: str) -> None:
    """Neither a word that is no code's label or name nor an empty one (which a list's missing
    Danish name must not match) is read as a code."""
    with pytest.raises(KuiError, match="unknown status"):
        codes.status(typed)
    with pytest.raises(KuiError, match="unknown need"):
        codes.need(typed)


def test_danish_labels_are_accepted_on_the_command_line(ready: KuiRunner) -> None:
    ok(ready("youth", "add", "--cpr", "150310-4321", "--name", "Ida Jensen",
             "--status", "grundskole"))  # fmt: skip
    ok(ready("staff", "add", "--initials", "CD", "--name", "Vejleder CD", "--role", "UU-vejleder",
             "--department", "UU"))  # fmt: skip
    youth = json.loads(ok(ready("youth", "show", "1", "-f", "json")).stdout)
    assert youth["status"] == "primary-school"
    found = json.loads(ok(ready("youth", "list", "--status", "i grundskolen", "-f", "json")).stdout)
    assert [y["id"] for y in found] == [1]
    member = [m for m in json.loads(ok(ready("staff", "list", "-f", "json")).stdout)
              if m["initials"] == "CD"]  # fmt: skip
    assert member[0]["role"] == "uu"


# What a person reads passes through the catalog: a literal or an f-string handed straight to
# one of these is English in every language (the sweep of issue 17). `_()`, `n_()`, `p_()`
# wrap the literal; the value of a variable is marked where it was made.
READ_BY_A_PERSON = {"KuiError", "message", "warning", "echo", "BadParameter", "confirm", "prompt"}


def _unmarked(tree: ast.AST) -> Iterator[int]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name in READ_BY_A_PERSON and _is_text(node.args[0]):
            yield node.lineno


def _is_text(node: ast.expr) -> bool:
    """A literal with a letter in it, an f-string, or a concatenation of them."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and any(ch.isalpha() for ch in node.value)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _is_text(node.left) or _is_text(node.right)
    return False


def test_every_message_a_person_reads_is_marked() -> None:
    """Fails on `KuiError("...")`, `render.message(f"...")` and the like: mark the text with
    `_()` (placeholders filled by `.format` after translation) and translate it."""
    package = ROOT / "kui_cli"
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted(package.rglob("*.py"))
        if "migrations" not in path.parts
        for line in _unmarked(ast.parse(path.read_text("utf-8")))
    ]
    assert not found, f"unmarked messages: {found}"
