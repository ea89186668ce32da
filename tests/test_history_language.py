"""The history a person reads is in their language (issue 17): a status change, an import's
registration and a status feed's event read in Danish by default and in English with
KUI_LANG=en, in `youth show`, `plan log` and `plan inbox`; JSON and csv keep the English
sentence in `what`, as scripts have always read it. So do the reasons kui writes itself
(`why`); a reason the user typed is shown as typed in either language."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import text

from kui_cli import db
from kui_cli.migrations import HEAD_REVISION
from kui_cli.phrase import Phrase
from kui_cli.render import history
from kui_cli.render.i18n import speaking
from tests.casework import add_staff, as_json, assign
from tests.conftest import KuiRunner, add_youth, cpr_for, migrate, ok
from tests.test_agenda import BORN_16
from tests.test_import import write as write_csv

pytestmark = pytest.mark.own_staff  # casework with own staff roles (conftest `ready`)

IDA = cpr_for(BORN_16)
IMPORTED = "cpr,name,status,need\n010108-4001,Bo Lund,vocational,A\n"
FEED = "source,event_id,cpr,event_date,kind,education,institution,reason,name\n"

STATUS_EN = "status: job since 2026-09-15 (was vocational)"
STATUS_DA = "status: i job siden 15. september 2026 (før: erhvervsuddannelse)"
FEED_EN = "status: none since 2026-10-05 (was job)"
FEED_DA = "status: ingen aktivitet siden 5. oktober 2026 (før: i job)"
IMPORT_EN = "registered by import of youths.csv"
IMPORT_DA = "registreret ved import af youths.csv"


@pytest.fixture
def casework(ready: KuiRunner, tmp_path: Path) -> tuple[int, int]:
    """Ida (status by hand, then by the feed; UU her plan owner) and Bo (imported)."""
    add_staff(ready, "AB", "leader")
    add_staff(ready, "UU", "uu")
    ida = add_youth(ready, BORN_16, "Ida Jensen", "--status", "vocational", today="2026-08-01")
    ok(assign(ready, ida, "UU", today="2026-09-01"))
    ok(ready("youth", "update", str(ida), "--status", "job", "--since", "2026-09-15",
             "--reason", "Fik job", today="2026-09-20"))  # fmt: skip
    feed = tmp_path / "feed.csv"
    feed.write_text(FEED + f"ungedata,1,{IDA},2026-10-05,dropped-out,EUD,,,\n", encoding="utf-8")
    ok(ready("feed", "apply", str(feed)))
    ok(ready("youth", "import", write_csv(tmp_path, IMPORTED)))
    [bo] = [r["id"] for r in as_json(ready, "youth", "list") if r["name"] == "Bo Lund"]
    return ida, bo


@pytest.mark.parametrize(
    ("lang", "status", "fed", "imported"),
    [("da", STATUS_DA, FEED_DA, IMPORT_DA), ("en", STATUS_EN, FEED_EN, IMPORT_EN)],
)
def test_the_history_reads_in_the_readers_language(
    ready: KuiRunner,
    casework: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
    status: str,
    fed: str,
    imported: str,
) -> None:
    ida, bo = casework
    monkeypatch.setenv("KUI_LANG", lang)
    monkeypatch.setenv("COLUMNS", "300")
    shown = ok(ready("youth", "show", str(ida))).stdout
    assert status in shown and fed in shown
    assert imported in ok(ready("youth", "show", str(bo))).stdout
    logged = ok(ready("plan", "log", str(ida), "-f", "markdown")).stdout
    assert status in logged and fed in logged
    inbox = ok(ready("plan", "inbox", "--owner", "UU", "-f", "markdown", user="UU")).stdout
    assert status in inbox and fed in inbox
    other = {STATUS_EN: STATUS_DA, STATUS_DA: STATUS_EN}[status]
    assert other not in shown + logged + inbox


def test_json_and_csv_keep_the_english_sentence(
    ready: KuiRunner, casework: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    ida, bo = casework
    monkeypatch.setenv("KUI_LANG", "da")
    whats = [h["what"] for h in as_json(ready, "youth", "show", str(ida))["history"]]
    assert STATUS_EN in whats and FEED_EN in whats
    assert as_json(ready, "youth", "show", str(bo))["history"][0]["what"] == IMPORT_EN
    inbox = as_json(ready, "plan", "inbox", "--owner", "UU", user="UU")
    assert {STATUS_EN, FEED_EN} <= {row["what"] for row in inbox}
    csv = ok(ready("plan", "log", str(ida), "-f", "csv")).stdout
    assert STATUS_EN in csv and STATUS_DA not in csv
    assert json.loads(ok(ready("plan", "log", str(ida), "-f", "json")).stdout)


def test_a_feed_dry_run_lists_its_changes_in_danish(
    ready: KuiRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_staff(ready, "AB", "leader")
    add_youth(ready, BORN_16, "Ida Jensen", "--status", "fgu", "--since", "2026-08-01")
    feed = tmp_path / "feed.csv"
    feed.write_text(FEED + f"ungedata,1,{IDA},2026-10-20,at-risk,FGU,280101,FRAVAER,\n", "utf-8")
    monkeypatch.setenv("KUI_LANG", "da")
    monkeypatch.setenv("COLUMNS", "300")
    dry = ok(ready("feed", "apply", str(feed), "--dry-run")).stdout
    assert "i risiko for frafald siden 20. oktober 2026" in dry


def test_an_old_row_is_shown_as_stored_and_a_placeholder_of_a_code_by_its_label() -> None:
    old = Phrase("status: job since 2026-09-15 (was {weird})")  # finished text, braces and all
    changed = Phrase("need: {need}", {"need": "C"})
    with speaking("da"):
        assert history.text(old) == old.template
        assert history.text(changed) == "behov: C (flerfaglig indsats)"
    with speaking("en"):
        assert history.text(changed) == str(changed) == "need: C"


def stored(url: str) -> list[dict]:
    engine = db.get_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM change_log ORDER BY id")).mappings().all()
    db.dispose_engines()
    return [dict(r) for r in rows]


def test_migration_0014_keeps_old_texts_and_converts_the_known_ones(
    ready: KuiRunner, db_url: str, casework: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Down to 0013 every row is its finished sentence again; up to 0014 the registrations
    and status lines are template and values, any other row stays as stored, and every row
    reads as before, in English and in Danish."""
    ida, bo = casework
    ok(ready("plan", "goal", "add", str(ida), "Tilbage i skole {snart}", "--reason", "samtale"))
    before = [str(Phrase.stored(r["what"], r["what_args"])) for r in stored(db_url)]
    migrate(db_url, "0013", down=True)
    db.dispose_engines()
    assert [r["what"] for r in stored(db_url)] == before
    assert db.upgrade(db_url) == ("0013", HEAD_REVISION)
    rows = stored(db_url)
    assert [str(Phrase.stored(r["what"], r["what_args"])) for r in rows] == before
    kinds = {r["kind"] for r in rows if r["what_args"] is not None}
    assert kinds == {"registered", "status"}
    assert all(r["what_args"] is not None for r in rows if r["kind"] in kinds)
    imported = [r for r in rows if r["youth_id"] == bo and r["kind"] == "registered"]
    assert [r["what"] for r in imported] == ["registered by import of {file}"]
    [goal] = [r for r in rows if r["kind"] == "goal"]
    assert goal["what"] == "goal 1 added: Tilbage i skole {snart}" and goal["what_args"] is None
    monkeypatch.setenv("KUI_LANG", "da")
    monkeypatch.setenv("COLUMNS", "300")
    shown = ok(ready("youth", "show", str(ida))).stdout
    assert STATUS_DA in shown and "goal 1 added: Tilbage i skole {snart}" in shown


PUPIL = cpr_for(dt.date(2012, 2, 1))
FED_WHY_EN = "ungedata event E1: at-risk, institution 280123, reason 07, on 2026-09-01"
FED_WHY_DA = (
    "hændelse E1 fra ungedata: at-risk, institution 280123, årsag 07, den 1. september 2026"
)
ASSESSED_EN = "assessed not-ready in grade 8: at least a single-discipline effort from UU"
ASSESSED_DA = (
    "vurderet i 8. klasse: parat til andre uddannelsesaktiviteter m.v. end gymnasiale "
    "uddannelser og erhvervsuddannelser; mindst en enkeltfaglig indsats fra UU"
)
CONSENT_EN, CONSENT_DA = "consent accepted", "samtykke: givet"
TYPED = "Aftalt {x} med {den unge}"  # a user's reason: shown as typed, never formatted


@pytest.fixture
def reasons(ready: KuiRunner, tmp_path: Path) -> int:
    """A pupil whose history has every kind of reason kui writes itself (a coordinator's consent,
    a feed's event, an assessment's consequence) and one the user typed, braces and all."""
    add_staff(ready, "AB", "leader")
    add_staff(ready, "UU", "uu")
    pupil = add_youth(ready, dt.date(2012, 2, 1), "Ida", "--status", "primary-school",
                      "--grade", "8", today="2026-08-01")  # fmt: skip
    ok(assign(ready, pupil, "UU", today="2026-08-15"))
    feed = tmp_path / "feed.csv"
    feed.write_text(FEED + f"ungedata,E1,{PUPIL},2026-09-01,at-risk,,280123,07,\n", "utf-8")
    ok(ready("feed", "apply", str(feed)))
    ok(ready("youth", "assess", str(pupil), "--grade", "8", "--result", "not-ready"))
    ok(ready("youth", "update", str(pupil), "--need", "C", "--reason", TYPED))
    return pupil


@pytest.mark.parametrize(
    ("lang", "said"),
    [("da", (FED_WHY_DA, ASSESSED_DA, CONSENT_DA)), ("en", (FED_WHY_EN, ASSESSED_EN, CONSENT_EN))],
)
def test_kuis_own_reasons_read_in_the_readers_language_a_typed_one_as_typed(
    ready: KuiRunner,
    reasons: int,
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
    said: tuple[str, str, str],
) -> None:
    monkeypatch.setenv("KUI_LANG", lang)
    monkeypatch.setenv("COLUMNS", "400")
    shown = ok(ready("youth", "show", str(reasons))).stdout
    inbox = ok(ready("plan", "inbox", "--owner", "UU", "-f", "markdown", user="UU")).stdout
    logged = ok(ready("plan", "log", str(reasons), "-f", "markdown")).stdout
    for text_ in (shown, inbox, logged):
        assert all(reason in text_ for reason in said[:2]) and TYPED in text_
    assert said[2] in shown + logged
    english, danish = (FED_WHY_EN, ASSESSED_EN, CONSENT_EN), (FED_WHY_DA, ASSESSED_DA, CONSENT_DA)
    other = english if lang == "da" else danish
    assert not any(reason in shown + inbox + logged for reason in other)


def test_json_and_csv_keep_kuis_reasons_in_english(
    ready: KuiRunner, reasons: int, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUI_LANG", "da")
    whys = [h["why"] for h in as_json(ready, "youth", "show", str(reasons))["history"]]
    assert {FED_WHY_EN, ASSESSED_EN, CONSENT_EN, TYPED} <= set(whys)
    inbox = as_json(ready, "plan", "inbox", "--owner", "UU", user="UU")
    assert {FED_WHY_EN, ASSESSED_EN, TYPED} <= {row["why"] for row in inbox}
    csv = ok(ready("plan", "log", str(reasons), "-f", "csv")).stdout
    assert FED_WHY_EN in csv and TYPED in csv and FED_WHY_DA not in csv
    [typed] = [r for r in stored(db_url) if r["why"] == TYPED]
    assert typed["why_args"] is None


def test_migration_0015_writes_kuis_reasons_back_as_english_text(
    ready: KuiRunner, db_url: str, reasons: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Down to 0014 every reason is its finished English text (a typed one as typed); up to
    0015 they stay so (not converted) and read as before."""
    before = [
        None if r["why"] is None else str(Phrase.stored(r["why"], r["why_args"]))
        for r in stored(db_url)
    ]
    assert FED_WHY_EN in before and TYPED in before
    migrate(db_url, "0014", down=True)
    db.dispose_engines()
    rows = stored(db_url)
    assert [r["why"] for r in rows] == before and "why_args" not in rows[0]
    assert db.upgrade(db_url) == ("0014", HEAD_REVISION)
    rows = stored(db_url)
    assert [r["why"] for r in rows] == before
    assert all(r["why_args"] is None for r in rows)
    monkeypatch.setenv("KUI_LANG", "da")
    monkeypatch.setenv("COLUMNS", "400")
    shown = ok(ready("youth", "show", str(reasons))).stdout
    assert FED_WHY_EN in shown and TYPED in shown
