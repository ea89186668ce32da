"""`kui plan print`: the young person's own copy in plain Danish, private files, audited."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gettext
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from kui_cli import danish
from kui_cli.domain.plan import plan_print
from kui_cli.errors import KuiError
from kui_cli.render import i18n, plan_document
from tests.casework import BORN_16, add_effort, add_staff, as_json, assign
from tests.conftest import KuiRunner, add_youth, cpr_for, ok, snapshot
from tests.test_tour import Untranslated

ADULT = dt.date(2004, 6, 1)
AB = plan_print.Person("Person AB", "uu", "Afdeling uu", "24 68 10 12", "ab@kommune.dk")
CD = plan_print.Person("Person CD", "social", "Familieafdelingen")
PLAN = plan_print.PlanPrint(
    name="Ida Jensen",
    first_name="Ida",
    printed_on=dt.date(2026, 11, 22),
    coordinator_title="uddannelseskoordinator",
    coordinator=AB,
    owner=CD,
    goals=[
        plan_print.Goal(0, "Jeg vil være tømrer", "open", dt.date(2027, 8, 1), None),
        plan_print.Goal(1, "Møde op hver dag", "achieved", None, dt.date(2026, 11, 20)),
    ],
    efforts=[plan_print.Effort(CD, "Støtte-kontaktperson", "planned", dt.date(2026, 12, 1), None)],
    agreements=[
        plan_print.Agreement(CD, "Ringe til Tech College.", "open", dt.date(2026, 12, 4), None)
    ],
    turns_18=dt.date(2028, 3, 15),
    guardians=["Mette Jensen", "Jens Jensen"],
)


@pytest.fixture
def plan(ready: KuiRunner) -> tuple[KuiRunner, int]:
    """Ida (16) with a coordinator, goals, an effort, a custody holder; Bo is someone else."""
    add_staff(ready, "AB", "uu", "--phone", "24 68 10 12", "--email", "ab@kommune.dk")
    add_staff(ready, "CD", "social")
    ida = add_youth(ready, BORN_16, "Ida Jensen")
    bo = add_youth(ready, dt.date(2010, 5, 5), "Bo Secret")
    ok(assign(ready, ida, "AB"))
    ok(assign(ready, bo, "AB"))
    ok(ready("youth", "guardian", "add", str(ida), "--name", "Mette Jensen"))
    ok(
        ready(
            "plan",
            "goal",
            "add",
            str(ida),
            "Jeg vil være tømrer",
            "--due",
            "2027-08-01",
            "--reason",
            "internal reason text",
        )
    )
    ok(
        ready(
            "plan",
            "goal",
            "add",
            str(ida),
            "Møde op hver dag",
            "--parent",
            "1",
            "--reason",
            "internal reason text",
        )
    )
    ok(ready("plan", "goal", "add", str(bo), "Bos hemmelige mål", "--reason", "r"))
    add_effort(ready, ida, "CD", "--end", "2027-06-30", title="Støtte-kontaktperson")
    return ready, ida


@pytest.mark.own_staff
def test_the_youths_copy_in_plain_danish(plan: tuple[KuiRunner, int]) -> None:
    kui, ida = plan
    copy = ok(kui("plan", "print", str(ida))).stdout
    assert copy.startswith("# Din plan\n")
    assert "Ida Jensen. Udskrevet 22. november 2026." in copy
    assert "- Jeg vil være tømrer (inden 1. august 2027)\n  - Møde op hver dag" in copy
    assert "Person AB er din uddannelseskoordinator." in copy
    assert "Telefon: 24 68 10 12" in copy and "E-mail: ab@kommune.dk" in copy
    assert (
        "Person CD (socialrådgiver, Familieafdelingen): Støtte-kontaktperson, "
        "fra 22. november 2026, slutter 30. juni 2027." in copy
    )


@pytest.mark.own_staff
def test_no_cpr_codes_change_log_or_other_youths(plan: tuple[KuiRunner, int]) -> None:
    kui, ida = plan
    copy = ok(kui("plan", "print", str(ida))).stdout
    for forbidden in (
        cpr_for(BORN_16),
        "150310",
        "internal reason text",
        "serviceloven",
        "social ",
        " uu",
        "Bo Secret",
        "Bos hemmelige",
        "accepted",
    ):
        assert forbidden not in copy, forbidden


@pytest.mark.own_staff
def test_a_minor_gets_a_copy_for_the_custody_holders(plan: tuple[KuiRunner, int]) -> None:
    kui, ida = plan
    copy = ok(kui("plan", "print", str(ida))).stdout
    youth_part, guardians_part = copy.split("\n---\n")
    assert "Kopi" not in youth_part
    assert "# Ida Jensens plan: kopi til forældremyndighedsindehaverne" in guardians_part
    assert "Til Mette Jensen." in guardians_part
    assert "Indtil Ida fylder 18 år den 15. marts 2028" in guardians_part
    assert "## Idas mål" in guardians_part and "Person AB er Idas uddannelseskoordinator." in (
        guardians_part
    )
    adult = ok(kui("plan", "print", str(ida), today="2028-03-15")).stdout
    assert "---" not in adult and "Kopi" not in adult


@pytest.mark.own_staff
def test_html_file_is_private_and_whole(plan: tuple[KuiRunner, int], tmp_path: Path) -> None:
    kui, ida = plan
    out = tmp_path / "ida.html"
    out.write_text("old, world-readable")
    os.chmod(out, 0o644)
    ok(kui("plan", "print", str(ida), "--out", str(out)))
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="da">' in page
    assert page.count("<section>") == 2 and "page-break-before" in page
    assert (
        "<li>Jeg vil være tømrer (inden 1. august 2027)<ul><li>Møde op hver dag</li></ul>" in page
    )
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".ida")) == []
    md = tmp_path / "ida.md"
    ok(kui("plan", "print", str(ida), "--out", str(md)))
    assert md.read_text(encoding="utf-8").startswith("# Din plan")


def test_html_escapes_what_people_wrote(ready: KuiRunner, tmp_path: Path) -> None:
    ida = add_youth(ready, ADULT, "Ida <b>Jensen</b>")
    out = tmp_path / "x.html"
    assert f"Wrote {out}" in ok(ready("plan", "print", str(ida), "--out", str(out))).stderr
    html = out.read_text(encoding="utf-8")
    assert "<b>" not in html and "Ida &lt;b&gt;Jensen&lt;/b&gt;" in html


@pytest.mark.own_staff
def test_printing_is_audited_and_bad_out_changes_nothing(
    plan: tuple[KuiRunner, int], db_url: str, tmp_path: Path
) -> None:
    kui, ida = plan
    before = snapshot(db_url)
    for name in ("ida.txt", "ida"):
        result = kui("plan", "print", str(ida), "--out", str(tmp_path / name))
        assert result.exit_code == 1 and "--out must end in .html or .md" in result.stderr
    missing = kui("plan", "print", str(ida), "--out", str(tmp_path / "nope" / "ida.html"))
    assert missing.exit_code == 1 and missing.stderr.startswith("Error:")
    assert snapshot(db_url) == before
    ok(kui("plan", "print", str(ida)))
    engine = create_engine(db_url)
    with engine.connect() as conn:
        last = conn.execute(text("SELECT action, command FROM audit_log ORDER BY id DESC")).first()
    engine.dispose()
    assert tuple(last) == ("print", "kui plan print")


def test_without_contact_person_or_efforts(ready: KuiRunner) -> None:
    carl = add_youth(ready, ADULT, "Carl Hansen")
    copy = ok(ready("plan", "print", str(carl))).stdout
    assert "Du har ikke en fast kontaktperson endnu." in copy
    assert "Der står ingen mål i planen endnu." in copy
    assert "Der er ingen indsatser i gang for dig lige nu." in copy


def test_danish_words() -> None:
    assert danish.date(dt.date(2027, 2, 1)) == "1. februar 2027"
    with i18n.speaking("da"):
        possessive = [plan_document.possessive(n) for n in ("Ida", "Mads", "Felix")]
    assert possessive == ["Idas", "Mads'", "Felix'"]
    assert plan_document.format_for(None) == "markdown"
    assert plan_document.format_for(Path("a.HTML")) == "html"
    with pytest.raises(KuiError):
        plan_document.format_for(Path("a.pdf"))


@pytest.mark.own_staff
def test_achieved_goals_are_marked_and_dropped_ones_left_out(
    plan: tuple[KuiRunner, int],
) -> None:
    kui, ida = plan
    reason = ("--reason", "internal reason text")
    ok(kui("plan", "goal", "achieve", "2", *reason, today="2026-12-01"))
    dropped = ok(kui("plan", "goal", "add", str(ida), "Blive frisør", *reason)).stdout.strip()
    under = ok(kui("plan", "goal", "add", str(ida), "Finde en salon", "--parent", dropped, *reason))
    ok(kui("plan", "goal", "achieve", under.stdout.strip()))
    ok(kui("plan", "goal", "drop", dropped, *reason))
    copy = ok(kui("plan", "print", str(ida), today="2026-12-02")).stdout
    tree = "- Jeg vil være tømrer (inden 1. august 2027)\n  - Møde op hver dag (nået 1. december"
    assert f"{tree} 2026)\n" in copy
    assert "frisør" not in copy and "salon" not in copy
    assert [g["status"] for g in as_json(kui, "plan", "show", str(ida))["goals"]] == [
        "open",
        "achieved",
        "dropped",
        "achieved",
    ]


@pytest.mark.own_staff
def test_what_we_agreed_in_plain_danish(plan: tuple[KuiRunner, int]) -> None:
    kui, ida = plan
    base = ("--reason", "internal reason text", "--responsible")
    for words, who, due in [
        ("Ringe til Tech College om praktik.", "CD", "2026-12-04"),
        ("Tage med til samtalen", "AB", "2026-12-10"),
        ("Hjemmebesøg", "CD", "2026-12-11"),
    ]:
        ok(kui("plan", "agreement", "add", str(ida), words, *base, who, "--due", due))
    ok(kui("plan", "agreement", "done", "2", today="2026-12-03"))
    ok(kui("plan", "agreement", "drop", "3", "--reason", "internal reason text"))
    copy = ok(kui("plan", "print", str(ida), today="2026-12-03")).stdout
    youth_part, guardians_part = copy.split("\n---\n")
    for part in (youth_part, guardians_part):
        assert (
            "## Det har vi aftalt\n\n"
            "- Person CD (socialrådgiver, Afdeling social): Ringe til Tech College om praktik. "
            "Senest 4. december 2026.\n"
            "- Person AB (UU-vejleder, Afdeling uu): Tage med til samtalen. "
            "Klaret 3. december 2026.\n\n"
        ) in part
    assert "Hjemmebesøg" not in copy and "internal reason text" not in copy
    assert cpr_for(BORN_16) not in copy and "CD:" not in copy


def test_a_plan_without_agreements_says_so(ready: KuiRunner) -> None:
    carl = add_youth(ready, ADULT, "Carl Hansen")
    copy = ok(ready("plan", "print", str(carl))).stdout
    assert "## Det har vi aftalt\n\nDer står ingen aftaler i planen lige nu." in copy


@st.composite
def goal_trees(draw: st.DrawFn) -> list[dict]:
    """Goals in the plan's depth-first order (`plans.goals_of`), each open, achieved or
    dropped: a goal's level is at most one deeper than the one before it."""
    goals: list[dict] = []
    for index in range(draw(st.integers(0, 12))):
        level = draw(st.integers(0, goals[-1]["level"] + 1)) if goals else 0
        status = draw(st.sampled_from(["open", "achieved", "dropped"]))
        closed = dt.date(2026, 11, 1) if status != "open" else None
        goals.append({"id": index + 1, "level": level, "text": f"mål {index + 1}",
                      "due": None, "status": status, "closed_on": closed})  # fmt: skip
    return goals


@given(goal_trees())
def test_the_print_leaves_out_exactly_the_dropped_goals_and_what_is_under_them(
    goals: list[dict],
) -> None:
    shown = plan_print.shown_goals(goals)
    with i18n.speaking("da"):
        [_, *body] = plan_document.goals(shown, plan_document.youth_voice(PLAN))
    printed = body[0][1] if body[0][0] == "ul" else []
    ancestors: list[dict] = []
    expected = []
    for goal in goals:
        ancestors = [*ancestors[: goal["level"]], goal]
        if all(g["status"] != "dropped" for g in ancestors):
            note = " (nået 1. november 2026)" if goal["status"] == "achieved" else ""
            expected.append((goal["level"], goal["text"] + note))
    assert printed == expected


# --- the render layer on a small structure ---


def test_the_render_words_the_facts_in_danish_whatever_the_readers_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The conftest reads English; the copy is still the Danish document, every word of it
    from the Danish catalog (no English msgid asked for and missed)."""
    danish_catalog = Untranslated(i18n.translations("da"))
    english = gettext.NullTranslations()
    monkeypatch.setattr(
        i18n, "translations", lambda lang: danish_catalog if lang == "da" else english
    )
    copy = plan_document.markdown(PLAN)
    page = plan_document.to_html(PLAN)
    assert not danish_catalog.missed, sorted(danish_catalog.missed)
    youth_part, guardians_part = copy.split("\n---\n\n")
    assert youth_part.startswith("# Din plan\n\nIda Jensen. Udskrevet 22. november 2026.\n")
    for heading in ("Dine mål", "Din kontaktperson", "Hvem gør hvad", "Det har vi aftalt"):
        assert f"## {heading}\n" in youth_part
    assert (
        "- Jeg vil være tømrer (inden 1. august 2027)\n  - Møde op hver dag (nået 20. november "
        "2026)\n" in youth_part
    )
    assert "Person AB er din uddannelseskoordinator.\n\n- Telefon: 24 68 10 12\n" in youth_part
    assert "Person CD (socialrådgiver, Familieafdelingen) har ansvaret for planen." in copy
    assert "- Afdeling: Familieafdelingen" in copy
    assert (
        "- Person CD (socialrådgiver, Familieafdelingen): Støtte-kontaktperson, starter "
        "1. december 2026." in copy
    )
    assert "Ringe til Tech College. Senest 4. december 2026." in copy
    assert guardians_part.startswith(
        "# Ida Jensens plan: kopi til forældremyndighedsindehaverne\n\n"
        "Til Mette Jensen, Jens Jensen. Udskrevet 22. november 2026.\n"
    )
    assert "Indtil Ida fylder 18 år den 15. marts 2028" in guardians_part
    assert "## Idas mål" in guardians_part and "Alle, der arbejder med Ida, skal" in guardians_part
    assert page.count("<section>") == 2 and "<title>Din plan</title>" in page
    for english_word in ("Your", "Printed", "Who does", "agreed", "goals"):
        assert english_word not in copy and english_word not in page


def test_an_adults_copy_without_anyone_or_anything_yet() -> None:
    adult = dataclasses.replace(
        PLAN, coordinator=None, owner=None, goals=[], efforts=[], agreements=[], turns_18=None
    )
    copy = plan_document.markdown(adult)
    assert "---" not in copy
    assert "Du har ikke en fast kontaktperson endnu." in copy
    assert "Kontakt kommunens ungeindsats, hvis der er brug for hjælp." in copy
    assert "Der er ingen indsatser i gang for dig lige nu." in copy
    assert "## Det har vi aftalt\n\nDer står ingen aftaler i planen lige nu." in copy


def test_html_escapes_every_value_of_the_structure() -> None:
    """Attack: names, a goal, an agreement and an e-mail address that carry markup."""
    script = "<script>alert(1)</script>"
    hostile = dataclasses.replace(
        PLAN,
        name=f"Ida {script}",
        goals=[plan_print.Goal(0, f"Mål {script}", "open", None, None)],
        coordinator=dataclasses.replace(AB, name=f"AB {script}", email='"a"@b.dk'),
        guardians=[f"Mor {script}"],
        agreements=[dataclasses.replace(PLAN.agreements[0], text=f"Aftale {script}")],
    )
    page = plan_document.to_html(hostile)
    assert "<script" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 9
    assert "&quot;a&quot;@b.dk" in page


@pytest.mark.own_staff
def test_the_copy_is_the_same_danish_document_for_a_danish_reader(
    plan: tuple[KuiRunner, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    kui, ida = plan
    english_reader = ok(kui("plan", "print", str(ida))).stdout
    monkeypatch.setenv("KUI_LANG", "da")
    danish_reader = ok(kui("plan", "print", str(ida))).stdout
    assert danish_reader == english_reader
    for heading in ("# Din plan", "## Dine mål", "## Hvem gør hvad", "## Hvis noget ændrer sig"):
        assert f"{heading}\n" in danish_reader
