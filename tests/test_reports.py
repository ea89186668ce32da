"""`kui report`: the overview, application shares and 2030 targets on hand-computed figures."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from kui_cli.domain import profile as profiles
from kui_cli.domain.plan import owners
from kui_cli.domain.profile import read_profile
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import cpr, history
from kui_cli.domain.register.kui import kui_youth_during
from kui_cli.domain.reports import months, reports
from kui_cli.errors import KuiError
from kui_cli.models import ChangeLog, Youth, metadata
from tests import municipality
from tests.conftest import KuiRunner, add_youth, migrate, ok, snapshot

D = dt.date
OCTOBER_TREND = [0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 3, 4]

# The town is run by its own staff (AB is a UU counsellor): they see all in these profiles.
SEE_ALL = '[privacy]\nsee_all_roles = ["uu", "leader"]\nadmin_roles = ["uu", "leader"]\n'


@pytest.fixture
def town(ready: KuiRunner, db_url: str) -> dict[str, int]:
    return municipality.build(ready, db_url)


def overview_json(kui: KuiRunner, *args: str) -> dict:
    return json.loads(ok(kui("report", "overview", *args, "-f", "json")).stdout)


@pytest.mark.own_staff
def test_overview_of_a_month_has_the_hand_computed_figures(
    ready: KuiRunner, town: dict[str, int]
) -> None:
    data = overview_json(ready, "--month", "2026-10")
    assert (data["month"], data["from"], data["to"], data["so_far"]) == (
        "2026-10",
        "2026-10-01",
        "2026-10-31",
        False,
    )
    assert [g["youths"] for g in data["age_groups"]] == [1, 3, 3, 3]
    needs = {r["need"]: [r[f"group_{g}"] for g in (1, 2, 3, 4)] for r in data["needs"]}
    assert needs == {"A": [0, 1, 1, 3], "B": [1, 1, 1, 0], "C": [0, 1, 1, 0]}
    statuses = {r["status"]: r["total"] for r in data["statuses"] if r["total"]}
    assert statuses == {
        "primary-school": 1,
        "none": 2,
        "vocational": 2,
        "job": 2,
        "completed": 1,
        "benefit-education-ready": 1,
        "gymnasium": 1,
    }
    assert data["kui_youths"] == 8
    assert data["need_c_without_coordinator"] == 1
    assert data["without_plan_owner"] == 8 - len(municipality.PLAN_OWNERS)
    assert data["caseloads"] == [
        {"coordinator": "AB", "role": "uu", "active": 2, "pending": 0, "capacity": 1,
         "load_percent": 200.0, "over_capacity": True},
        {"coordinator": "CD", "role": "jobcenter", "active": 0, "pending": 1, "capacity": 1,
         "load_percent": 100.0, "over_capacity": False},
    ]  # fmt: skip
    assert data["deadlines"] == {
        "met": 1,
        "missed": 1,
        "met_percent": 50.0,
        "contacts": 2,
        "median_days_to_contact": 7.5,
    }
    assert data["plan_changes"] == {
        "changes": 12,
        "acknowledged": 3,
        "median_days_to_acknowledge": 3.0,
    }
    handled = {r["team"]: (r["received"], r["handled"], r["open"]) for r in data["referrals"]}
    assert handled == {  # every team of the profile, also those without referrals
        "team-1": (0, 0, 0),
        "team-2": (1, 1, 0),
        "team-3": (1, 0, 1),
        "youth-conference": (0, 0, 0),
    }
    trend = data["out_of_activity_trend"]
    assert [p["month"] for p in trend][0::11] == ["2025-11", "2026-10"]
    assert [p["youths"] for p in trend] == OCTOBER_TREND


@pytest.mark.own_staff
def test_overview_so_far_counts_up_to_today(ready: KuiRunner, town: dict[str, int]) -> None:
    data = overview_json(ready)
    assert (data["month"], data["to"], data["so_far"]) == ("2026-11", "2026-11-22", True)
    # Lars is registered in November; Dina left KUI with her episode in October.
    assert data["kui_youths"] == 8
    assert data["deadlines"] == {
        "met": 1,
        "missed": 1,
        "met_percent": 50.0,
        "contacts": 1,
        "median_days_to_contact": 2.0,
    }
    statuses = {r["status"]: r["total"] for r in data["statuses"] if r["total"]}
    assert statuses["job"] == 3 and statuses["none"] == 3  # Jens in a job; Lars out
    assert [p["youths"] for p in data["out_of_activity_trend"]][-2:] == [4, 4]


@pytest.mark.own_staff
def test_youths_without_a_plan_owner_are_counted_by_the_plan_owner_rule(
    ready: KuiRunner, town: dict[str, int], db_url: str
) -> None:
    """The overview counts in SQL (`owners.has_plan_owner`); the rule itself is `plan_owner` in
    Python (`plan show`): both must find the same youths without an owner."""
    engine = create_engine(db_url)
    with Session(engine) as session:
        actor = Actor("AB", "test", dt.date(2026, 11, 22))
        for month in ("2026-10", "2026-11"):
            period = months.parse_month(month, actor.today)
            data = reports.overview(session, actor, profiles.current(session), period)
            during = select(Youth.id).where(
                kui_youth_during(period.start, period.as_of), history.known_on(period.as_of)
            )
            youths = list(session.execute(select(Youth).where(Youth.id.in_(during))).scalars())
            ids = [y.id for y in youths]
            owned = [c for c in owners.cases(session, youths, period.as_of).values() if c.owner]
            assert data["kui_youths"] == len(ids)
            assert data["without_plan_owner"] == len(ids) - len(owned) > 0
    engine.dispose()


@pytest.mark.own_staff
def test_overview_prints_tables_and_markdown(ready: KuiRunner, town: dict[str, int]) -> None:
    table = ok(ready("report", "overview", "--month", "2026-10")).stdout
    assert "Youths by age group" in table and "need_c_without_coordinator" in table
    assert "\x1b[" not in table
    markdown = ok(ready("report", "overview", "--month", "2026-10", "-f", "markdown")).stdout
    assert "## Coordinators' caseloads" in markdown and "| AB " in markdown


@pytest.mark.own_staff
def test_html_report_is_one_page_with_its_svg_charts(
    ready: KuiRunner, town: dict[str, int], tmp_path: Path, db_url: str
) -> None:
    profile = tmp_path / "special.toml"
    profile.write_text('name = "Test <b>&amp; Kommune"\n' + SEE_ALL, encoding="utf-8")
    ok(ready("init", "--profile", str(profile)))
    page_path = tmp_path / "overblik.html"
    result = ok(ready("report", "overview", "--month", "2026-10", "--html", str(page_path)))
    assert json.loads(ok(ready("report", "overview", "--month", "2026-10", "-f", "json")).stdout)
    assert "overblik.html" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".html") == ["overblik.html"]
    assert page_path.stat().st_mode & 0o777 == 0o600
    page = page_path.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and '<html lang="da">' in page
    for heading in ("Unge fordelt på aldersgruppe", "Behov for indsats", "Indstillinger pr. team"):
        assert f"<h2>{heading}</h2>" in page
    assert "overblik for oktober 2026" in page
    assert "Test &lt;b&gt;&amp;amp; Kommune" in page and "<b>" not in page
    for forbidden in ("<script", "<link", "<img", "src=", "href=", "@import", "url("):
        assert forbidden not in page
    assert not cpr.spans_in_text(page)  # counts, initials and teams: never a CPR number
    svgs = [ET.fromstring(s) for s in re.findall(r"<svg.*?</svg>", page, flags=re.S)]
    assert len(svgs) == 7  # the seventh: goals achieved by need C (test_goals_report.py)
    bars = {s.get("aria-label"): s.findall("rect") for s in svgs}
    assert len(bars["Unge fordelt på aldersgruppe"]) == 4
    assert [r.find("title").text for r in bars["Unge fordelt på behov"]] == [
        "ingen indsats: 5",
        "enkeltfaglig indsats: 3",
        "flerfaglig indsats: 2",
    ]
    caseload = bars["Sager pr. koordinator (aktive og foreslåede)"]
    assert [r.get("class") for r in caseload] == ["bar over", "bar"]
    line = next(s for s in svgs if "line-chart" in s.get("class"))
    points = line.find("polyline").get("points").split()
    assert len(points) == 12
    heights = [float(p.split(",")[1]) for p in points]
    assert heights[0] == heights[1] > heights[2] and heights[-1] == min(heights)
    assert [c.find("title").text for c in line.findall("circle")][-1] == "okt 26: 4"


def test_report_month_is_checked(ready: KuiRunner, db_url: str) -> None:
    before = snapshot(db_url)
    for month, message in (
        ("2026-12", "has not begun"),
        ("2026-13", "YYYY-MM"),
        ("2026/10", "YYYY-MM"),
    ):
        result = ready("report", "overview", "--month", month)
        assert result.exit_code == 1 and result.stderr.startswith("Error:"), result.output
        assert message in result.stderr and len(result.stderr.splitlines()) == 1
    assert snapshot(db_url) == before


@pytest.mark.own_staff
def test_targets_on_1_october(ready: KuiRunner, town: dict[str, int]) -> None:
    data = json.loads(ok(ready("report", "targets", "-f", "json")).stdout)
    assert data["date"] == "2026-10-01"
    completed, neet = data["targets"]
    assert completed == {
        "target": "completed",
        "description": "25-årige med en gennemført ungdomsuddannelse",
        "youths": 3,
        "count": 2,
        "percent": 66.7,
        "milestone_2025": 85.0,
        "met_2025": False,
        "target_2030": 90.0,
        "met_2030": False,
    }
    assert (neet["youths"], neet["count"], neet["percent"]) == (6, 2, 33.3)
    assert (neet["milestone_2025"], neet["target_2030"], neet["met_2025"]) == (5.0, 3.5, False)
    table = ok(ready("report", "targets")).stdout
    assert "66.7" in table and "33.3" in table


def test_targets_year_defaults_to_the_last_1_october_and_refuses_the_future(
    ready: KuiRunner,
) -> None:
    assert reports.measurement_day(None, dt.date(2026, 9, 30)) == dt.date(2025, 10, 1)
    assert reports.measurement_day(None, dt.date(2026, 10, 1)) == dt.date(2026, 10, 1)
    result = ready("report", "targets", "--year", "2027")
    assert result.exit_code == 1 and "1 October 2027 has not come yet" in result.stderr
    empty = json.loads(ok(ready("report", "targets", "-f", "json")).stdout)
    assert [t["percent"] for t in empty["targets"]] == [None, None]


@pytest.mark.own_staff
def test_a_short_job_is_neet_with_the_profiles_threshold(
    ready: KuiRunner, town: dict[str, int], tmp_path: Path
) -> None:
    profile = tmp_path / "eighteen.toml"
    profile.write_text('name = "Atten"\n[duty]\njob_hours_threshold = 15\n' + SEE_ALL, "utf-8")
    ok(ready("init", "--profile", str(profile)))
    neet = json.loads(ok(ready("report", "targets", "-f", "json")).stdout)["targets"][1]
    assert neet["count"] == 1  # Emil's 15 hours are no longer under the threshold
    assert reports.job_hours_threshold(read_profile("soenderborg")) == 20.0


def test_applications_as_lejre_publishes_them(
    ready: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    rows = ["cpr,name"] + [
        f"{(dt.date(2010, 1, 1) + dt.timedelta(days=i)):%d%m%y}-4{i:03d},Elev {i}"
        for i in range(101)
    ]
    (tmp_path / "pupils.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    ok(ready("youth", "import", str(tmp_path / "pupils.csv")))
    engine = create_engine(db_url)
    with engine.begin() as conn:
        for applied, first, last in (
            ("vocational", 1, 23),
            ("gymnasium", 24, 96),
            ("other", 97, 100),
        ):
            conn.execute(
                text("UPDATE youth SET applied = :a, applied_on = :on WHERE id BETWEEN :f AND :l"),
                {"a": applied, "on": dt.date(2026, 3, 1), "f": first, "l": last},
            )
        conn.execute(
            text("UPDATE youth SET applied = 'vocational', applied_on = :on WHERE id = 101"),
            {"on": dt.date(2025, 12, 31)},
        )
    engine.dispose()
    data = json.loads(ok(ready("report", "applications", "--year", "2026", "-f", "json")).stdout)
    assert data["applicants"] == 100 and data["action_plan_required"] is False
    assert [(s["education"], s["percent"]) for s in data["shares"]] == [
        ("vocational", 23),
        ("gymnasium", 73),
        ("other", 4),
    ]
    markdown = ok(ready("report", "applications", "--year", "2026", "-f", "markdown"))
    assert (
        "- 23 % Erhvervsuddannelser\n- 73 % Gymnasiale uddannelser\n- 4 % øvrige" in markdown.stdout
    )
    assert "Warning" not in markdown.stderr


def test_applications_below_10_percent_vocational_require_an_action_plan(
    ready: KuiRunner, db_url: str
) -> None:
    ids = []
    for index, applied in enumerate(["vocational"] + ["gymnasium"] * 10):
        born = dt.date(2011, 1, 1) + dt.timedelta(days=index)
        ids.append(add_youth(ready, born, "Elev Elevsen"))
        ok(ready("youth", "update", str(ids[-1]), "--applied", applied, "--reason", "søgning"))
    result = ok(ready("report", "applications", "--year", "2026", "-f", "json"))
    data = json.loads(result.stdout)
    assert data["action_plan_required"] is True
    assert [s["percent"] for s in data["shares"]] == [9, 91, 0]
    assert "action plan" in result.stderr and "10 %" in result.stderr
    assert ready("report", "applications", "--year", "2027").exit_code == 1
    none = ok(ready("report", "applications", "--year", "2025", "-f", "json"))
    assert "no applications recorded in 2025" in none.stderr
    assert [s["percent"] for s in json.loads(none.stdout)["shares"]] == [None, None, None]


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=6))
def test_whole_percents_add_up_to_100(counts: list[int]) -> None:
    if not sum(counts):
        return
    shares = reports.whole_percents(counts)
    assert sum(shares) == 100
    for n, share in zip(counts, shares, strict=True):
        assert abs(share - 100 * n / sum(counts)) < 1


@pytest.mark.own_staff
def test_status_on_rebuilds_past_statuses(
    ready: KuiRunner, town: dict[str, int], db_url: str
) -> None:
    lars = town["Lars"]
    for status, since in (("job", "2026-11-20"), ("fgu", "2026-11-20")):  # then a correction
        options = ("--status", status, "--since", since, "--reason", "story")
        ok(ready("youth", "update", str(lars), *options))
    engine = create_engine(db_url)
    with Session(engine) as session:

        def status(name: str, day: dt.date) -> str:
            return history.status_on(session, [town[name]], day)[town[name]]

        jens = [status("Jens", D(2026, m, d)) for m, d in ((9, 30), (10, 31), (11, 22))]
        assert jens == ["vocational", "benefit-education-ready", "job"]
        assert status("Dina", D(2026, 10, 12)) == "none"
        # The later-recorded correction wins from its own day on.
        assert [status("Lars", D(2026, 11, d)) for d in (19, 20, 21)] == ["none", "fgu", "fgu"]
        assert status("Freja", D(2020, 1, 1)) == "completed"  # before registration: as registered
        everyone = history.status_on(session, select(Youth.id), D(2026, 9, 30))
        assert everyone[town["Bo"]] == "gymnasium" and len(everyone) == len(town)
        for day in (D(2026, 1, 1), D(2026, 9, 30), D(2026, 10, 12), D(2026, 11, 19)):
            assert history.status_on(session, town.values(), day) == naive_statuses(session, day)
    engine.dispose()


def naive_statuses(session: Session, day: dt.date) -> dict[int, str]:
    """The history rule written out plainly in Python, row by row, to check the SQL."""
    rows = session.execute(
        select(ChangeLog).where(ChangeLog.kind.in_(("registered", "status"))).order_by(ChangeLog.id)
    ).scalars()
    by_youth: dict[int, list[ChangeLog]] = {}
    for row in rows:
        by_youth.setdefault(row.youth_id, []).append(row)
    result = {}
    for youth in session.execute(select(Youth)).scalars():
        changes = by_youth.get(youth.id, [])
        in_effect = [c.new_value for c in changes if c.effective_on <= day]
        before = [c.old_value or c.new_value for c in changes[:1]]
        result[youth.id] = (in_effect[-1:] or before or [youth.status])[0]
    return result


def test_demo_overview_prints_the_seed_figures(kui: KuiRunner, db_url: str) -> None:
    ok(kui("demo", "-f", "json"))
    engine = create_engine(db_url)
    with engine.connect() as conn:
        demo_day = conn.execute(text("SELECT value FROM setting WHERE key = 'demo'")).scalar()
    engine.dispose()
    data = json.loads(ok(kui("report", "overview", "-f", "json", today=demo_day)).stdout)
    assert {g["age_group"]: g["youths"] for g in data["age_groups"]} == {
        1: 1905,
        2: 1451,
        3: 5795,
        4: 3694,
    }
    statuses = {r["status"]: r for r in data["statuses"]}
    seed = {
        "benefit-education-ready": (274, 98),
        "benefit-activity-ready": (153, 81),
        "resource-programme": (51, 106),
        "job-clarification": (10, 28),
    }
    for status, (group_3, group_4) in seed.items():
        assert (statuses[status]["group_3"], statuses[status]["group_4"]) == (group_3, group_4)
    assert (statuses["10th-grade"]["group_2"], statuses["exempted"]["group_2"]) == (264, 10)
    table = ok(kui("report", "overview", today=demo_day)).stdout
    for figure in ("1905", "1451", "5795", "3694", "274", "153", "106", "28"):
        assert re.search(rf"\b{figure}\b", table), figure


@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2040, 12, 31)), st.integers(0, 400))
def test_a_month_is_its_calendar_month_and_so_far_until_it_ends(day: dt.date, later: int) -> None:
    today = day + dt.timedelta(days=later)
    period = months.parse_month(f"{day:%Y-%m}", today)
    assert period.start == day.replace(day=1) and period.end.month == day.month
    assert (period.end + dt.timedelta(days=1)).day == 1
    assert period.so_far == (today <= period.end)
    assert period.as_of == min(today, period.end)
    assert months.last_months(period, 12)[-1] == period
    assert len({p.month for p in months.last_months(period, 12)}) == 12


@given(st.text(max_size=10))
def test_anything_but_a_month_is_refused(text_: str) -> None:
    if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text_.strip()):
        return
    with pytest.raises(KuiError, match="YYYY-MM"):
        months.parse_month(text_, D(2026, 11, 22))


# ---------------------------------------------------------------------------------------------
# Kept figures (issue 19): never older than the data


def _engine_and_tables(db_url: str) -> tuple[Any, list[str]]:
    """The counted tables but `setting`: another setting's value in the profile's breaks kui
    (a change of the profile is in the kept figures' key, and counted too)."""
    engine = create_engine(db_url)
    counted = kept_counted(engine) - {"setting"}
    return engine, [t.name for t in metadata.sorted_tables if t.name in counted]


def kept_counted(engine: Any) -> set[str]:
    """The tables whose changes the data version follows (migration 0013's triggers)."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            query = "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?"
            return set(conn.exec_driver_sql(query, ("%_counted_update",)).scalars())
        query = (
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = c.relname || '_counted'"
        )
        return set(conn.exec_driver_sql(query).scalars())


# The logs no figure is counted from, and the data version's own tables.
NOT_COUNTED = {"audit_log", "audit_head", "cpr_lookup", "feed_event", "alembic_version"}
NOT_COUNTED |= {"data_version", "data_change", "kept_figures"}


def test_every_table_a_figure_is_counted_from_changes_the_data_version(
    ready: KuiRunner, db_url: str
) -> None:
    engine = create_engine(db_url)
    try:
        counted = kept_counted(engine)
    finally:
        engine.dispose()
    assert counted == {t.name for t in metadata.sorted_tables} - NOT_COUNTED


def _tamper(engine: Any, kui_youths: int) -> None:
    """Make the kept figures recognisable: a wrong count that only a kept row can show."""
    with engine.begin() as conn:
        for key, figures in conn.execute(text("SELECT key, figures FROM kept_figures")).all():
            changed = json.loads(figures) | {"kui_youths": kui_youths}
            conn.execute(
                text("UPDATE kept_figures SET figures = :f WHERE key = :k"),
                {"f": json.dumps(changed), "k": key},
            )


@pytest.mark.own_staff
@pytest.mark.parametrize(
    "change",
    [
        "UPDATE youth SET need = 'C' WHERE need = 'A'",
        "DELETE FROM referral",
        "INSERT INTO team (slug, name, target, rules) VALUES ('team-x', 'Team X', '{}', '{}')",
    ],
)
def test_kept_figures_are_used_until_the_data_changes(
    ready: KuiRunner, town: dict[str, int], db_url: str, change: str
) -> None:
    first = overview_json(ready, "--month", "2026-10")
    engine = create_engine(db_url)
    try:
        _tamper(engine, 999)
        assert overview_json(ready, "--month", "2026-10")["kui_youths"] == 999  # kept, not counted
        with engine.begin() as conn:
            conn.execute(text(change))
    finally:
        engine.dispose()
    again = overview_json(ready, "--month", "2026-10")
    assert again["kui_youths"] != 999
    if change.startswith("INSERT"):
        new_team = {"team": "team-x", "received": 0, "handled": 0, "open": 0}
        assert again["referrals"] == sorted(
            [*first["referrals"], new_team], key=lambda t: t["team"]
        )


# Statements that change no row, among them what the weekly `meeting generate` does when the
# meetings exist already (schema 0016).
NO_CHANGE = [
    "UPDATE youth SET need = 'C' WHERE id < 0",
    "DELETE FROM referral WHERE id < 0",
    "INSERT INTO team (slug, name, target, rules) SELECT slug, name, target, rules FROM team "
    "WHERE id < 0",
    "INSERT INTO meeting (team_id, series_id, occurrence, starts_at, ends_at, status) SELECT "
    "team_id, series_id, occurrence, starts_at, ends_at, status FROM meeting "
    "WHERE series_id IS NOT NULL ON CONFLICT DO NOTHING",
]


@pytest.mark.own_staff
@pytest.mark.parametrize("change", NO_CHANGE)
def test_a_statement_that_changes_no_row_keeps_the_figures(
    ready: KuiRunner, town: dict[str, int], db_url: str, change: str
) -> None:
    overview_json(ready, "--month", "2026-10")
    engine = create_engine(db_url)
    try:
        _tamper(engine, 999)
        with engine.begin() as conn:
            assert conn.execute(text(change)).rowcount in (0, -1)
        assert overview_json(ready, "--month", "2026-10")["kui_youths"] == 999  # still kept
    finally:
        engine.dispose()


@pytest.mark.own_staff
def test_migration_0016_down_and_up_keeps_the_data_version_counting(
    ready: KuiRunner, town: dict[str, int], db_url: str
) -> None:
    """Down to 0015 every counted table has 0013's one trigger again (any statement counts),
    up to 0016 its triggers per event; on both a change that touches a row is counted."""

    from kui_cli import db

    migrate(db_url, "0015", down=True)
    db.dispose_engines()
    check = create_engine(db_url)
    try:
        assert kept_counted(check) == {t.name for t in metadata.sorted_tables} - NOT_COUNTED
        assert db.upgrade(db_url)[1] == "0016"
        assert kept_counted(check) == {t.name for t in metadata.sorted_tables} - NOT_COUNTED
        overview_json(ready, "--month", "2026-10")
        _tamper(check, 999)
        with check.begin() as conn:
            conn.execute(text("UPDATE youth SET need = 'C' WHERE need = 'A'"))
    finally:
        check.dispose()
    assert overview_json(ready, "--month", "2026-10")["kui_youths"] != 999


# A change to any row of a counted table: a column set to another row's value, a row deleted
# (where nothing refers to it), or a row copied under a new id.
CHANGES = st.lists(
    st.tuples(
        st.sampled_from(["update", "delete", "copy"]),
        st.integers(0, 50),
        st.integers(0, 1000),
        st.integers(0, 1000),
    ),
    min_size=1,
    max_size=4,
)


def _change(engine: Any, tables: list[str], step: tuple[str, int, int, int]) -> None:
    kind, table_at, row_at, other_at = step
    table = metadata.tables[tables[table_at % len(tables)]]
    with engine.connect() as conn:
        rows = conn.execute(select(table)).mappings().all()
    if not rows:
        return
    row, other = rows[row_at % len(rows)], rows[other_at % len(rows)]
    if table.name == "staff" and "AB" in (row["initials"], other["initials"]):
        return  # the leader reading the figures stays who they are in every example
    key = [c == row[c.name] for c in table.primary_key.columns]
    values = [c.name for c in table.columns if not c.primary_key]
    if kind == "update" and values:
        name = values[other_at % len(values)]
        statement: Any = table.update().where(*key).values({name: other[name]})
    elif kind == "delete":
        statement = table.delete().where(*key)
    elif kind == "copy" and [c.name for c in table.primary_key.columns] == ["id"]:
        statement = table.insert().values({n: row[n] for n in values})
    else:
        return
    try:
        with engine.begin() as conn:
            conn.execute(statement)
    except IntegrityError:
        pass  # a rule of the schema refused it: nothing changed


@pytest.mark.own_staff
@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=CHANGES, month=st.sampled_from(["2026-10", "2026-11"]))
def test_kept_figures_equal_figures_counted_afresh_after_any_change(
    ready: KuiRunner,
    town: dict[str, int],
    db_url: str,
    steps: list[tuple[str, int, int, int]],
    month: str,
) -> None:
    overview_json(ready, "--month", month)  # kept (or used again)
    engine, tables = _engine_and_tables(db_url)
    try:
        for step in steps:
            _change(engine, tables, step)
        kept_now = overview_json(ready, "--month", month)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM kept_figures"))
        assert kept_now == overview_json(ready, "--month", month)
    finally:
        engine.dispose()
