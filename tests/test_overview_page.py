"""The overview's HTML page (`render.overview_page`) on a small structure: Danish whatever the
reader's language, every word from the catalog, Danish numbers and months, every value escaped."""

from __future__ import annotations

import datetime as dt
import gettext
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from kui_cli.domain import codes
from kui_cli.domain.register import cpr
from kui_cli.render import i18n, overview_page
from tests.test_tour import Untranslated

SCRIPT = "<script>alert(1)</script>"


def overview(**changed: Any) -> dict[str, Any]:
    """The data of `reports.overview` for November 2026 so far, in a town of 12,845 youths."""
    trend = [
        {"month": f"{2025 + (m < 12)}-{(m % 12) + 1:02d}", "youths": 100 + m, "goals": m or None}
        for m in range(12)
    ]
    data = {
        "to": dt.date(2026, 11, 22),
        "month": "2026-11",
        "so_far": True,
        "municipality": f"Kommune {SCRIPT}",
        "upper_age": 25,
        "age_groups": [{"age_group": g, "youths": 1905 * g} for g in (1, 2, 3, 4)],
        "needs": [
            {"need": need, "total": total, **{f"group_{g}": total for g in (1, 2, 3, 4)}}
            for need, total in zip(codes.NEEDS, (5, 3, 2), strict=True)
        ],
        "statuses": [
            {"status": status, "total": 1, **{f"group_{g}": 1 for g in (1, 2, 3, 4)}}
            for status in codes.STATUSES
        ],
        "kui_youths": 12845,
        "need_c_without_coordinator": 3,
        "without_plan_owner": 0,
        "caseloads": [
            {
                "coordinator": "AB",
                "active": 30,
                "pending": 2,
                "capacity": 25,
                "load_percent": 128.0,
                "over_capacity": True,
            },
            {
                "coordinator": f"C{SCRIPT}",
                "active": 3,
                "pending": 0,
                "capacity": None,
                "load_percent": None,
                "over_capacity": False,
            },
        ],
        "deadlines": {
            "met": 10,
            "missed": 2,
            "met_percent": 83.3,
            "contacts": 1234,
            "median_days_to_contact": 4.5,
        },
        "plan_changes": {"changes": 7, "acknowledged": 5, "median_days_to_acknowledge": None},
        "referrals": [{"team": f"Team {SCRIPT}", "received": 4, "handled": 3, "open": 1}],
        "out_of_activity_trend": trend,
        "goals_achieved_need_c": trend,
    }
    return {**data, **changed}


def test_the_page_is_danish_whatever_the_readers_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """The conftest reads English; every word of the page is asked of the Danish catalog and
    found there (the recording of tests/test_tour.py)."""
    danish = Untranslated(i18n.translations("da"))
    english = gettext.NullTranslations()
    monkeypatch.setattr(i18n, "translations", lambda lang: danish if lang == "da" else english)
    page = overview_page.overview_page(overview())
    assert not danish.missed, sorted(danish.missed)
    assert '<html lang="da">' in page
    assert (
        "<h1>Ungeindsatsen (KUI): overblik for november 2026, foreløbigt til og med "
        "22. november 2026</h1>" in page
    )
    for heading in (
        "Unge fordelt på aldersgruppe",
        "Behov for indsats",
        "Status (aktivitet)",
        "Én plan, én kontaktperson",
        "Koordinatorernes sagsantal og kapacitet",
        "Uddannelsespligt: frister overholdt",
        "Ændringer i planerne",
        "Indstillinger pr. team",
        "Unge uden for uddannelse og job, de seneste 12 måneder",
    ):
        assert f"<h2>{heading}</h2>" in page, heading
    assert "<th>1: i grundskolen</th>" in page and "<th>4: 25-24 år</th>" in page
    assert "<td>Unge i KUI i måneden</td><td>12.845</td>" in page
    assert "<td>Andel overholdt, %</td><td>83,3</td>" in page
    assert "<td>Median dage til den planansvarlige har set ændringen</td><td>–</td>" in page
    assert "under timegrænsen" in page and ">nov 26</text>" in page
    for english_word in ("Youths", "overview", "Deadlines", "month's end", "total"):
        assert english_word not in page, english_word


def test_every_value_is_escaped_and_the_svgs_are_well_formed() -> None:
    """Attack: a municipality, a coordinator and a team that carry markup."""
    page = overview_page.overview_page(overview(so_far=False))
    assert "<script" not in page
    # the note; each bar's label and tooltip and its table row: the caseloads', the referrals'
    assert page.count("&lt;script&gt;") == 7
    assert "<h1>Ungeindsatsen (KUI): overblik for november 2026</h1>" in page
    svgs = [ET.fromstring(s) for s in re.findall(r"<svg.*?</svg>", page, flags=re.S)]
    assert len(svgs) == 7
    assert not cpr.spans_in_text(page)


def test_a_chart_without_bars_says_so_in_danish() -> None:
    page = overview_page.overview_page(overview(referrals=[]))
    assert '<p class="note">Ingen at vise.</p>' in page


def test_a_danish_reader_gets_the_same_page(monkeypatch: pytest.MonkeyPatch) -> None:
    english_reader = overview_page.overview_page(overview())
    monkeypatch.setenv("KUI_LANG", "da")
    assert overview_page.overview_page(overview()) == english_reader
