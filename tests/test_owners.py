"""The plan owner rule (pure and in SQL), the youth list filters, and listing without N+1."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event

from kui_cli import db
from kui_cli.domain.plan import owners
from kui_cli.domain.register import ages
from kui_cli.models import Staff
from tests.casework import BORN_16, add_effort, add_staff, as_json, assign, shown
from tests.conftest import KuiRunner, add_youth, cpr_for, ok, snapshot

TODAY = dt.date(2026, 11, 22)
ROLE_CODES = ["uu", "jobcenter", "social", "mentor"]

pytestmark = pytest.mark.own_staff  # casework with own staff roles (conftest `ready`)


def person(pid: int, role: str, active: bool = True) -> Staff:
    return Staff(
        id=pid,
        initials=f"S{pid}",
        name="x",
        role=role,
        department="d",
        active=active,
        added_on=TODAY,
    )


on_case = st.builds(
    lambda pid, role, active, kind, since: owners.OnCase(
        person(pid, role, active), kind, kind, TODAY - dt.timedelta(days=since), None, pid
    ),
    st.integers(1, 6),
    st.sampled_from(ROLE_CODES),
    st.booleans(),
    st.sampled_from([owners.COORDINATOR, owners.PENDING, owners.EFFORT]),
    st.integers(0, 3000),
)


@given(
    born=st.dates(dt.date(1997, 1, 1), dt.date(2012, 12, 31)),
    people=st.lists(on_case, max_size=6).filter(
        lambda ps: sum(p.kind == owners.COORDINATOR for p in ps) <= 1
    ),
)
def test_owner_rule(born: dt.date, people: list[owners.OnCase]) -> None:
    owner = owners.plan_owner(born, TODAY, people)
    role = "uu" if ages.age_on(born, TODAY) < 18 else "jobcenter"
    fitting = [
        p for p in people if p.kind != owners.PENDING and p.staff.active and p.staff.role == role
    ]
    assert (owner is None) == (not fitting)
    if owner is None:
        return
    assert owner.staff.role == role and owner.staff.active
    coordinator = [p for p in fitting if p.kind == owners.COORDINATOR]
    if coordinator:
        assert owner.staff is coordinator[0].staff
    if role == "jobcenter":
        assert owner.since >= ages.birthday(born, 18)
    assert owner.since <= TODAY


def test_owner_since_is_the_later_of_start_and_18th_birthday() -> None:
    adviser = person(1, "jobcenter")
    task = owners.OnCase(adviser, owners.EFFORT, "Mentor", dt.date(2026, 1, 1), None, 1)
    assert owners.plan_owner(BORN_16, dt.date(2028, 3, 15), [task]) == owners.Owner(
        adviser, dt.date(2028, 3, 15)
    )
    assert owners.plan_owner(BORN_16, dt.date(2028, 3, 14), [task]) is None
    early = owners.OnCase(person(2, "jobcenter"), owners.EFFORT, "x", dt.date(2025, 1, 1), None, 2)
    chosen = owners.plan_owner(BORN_16, dt.date(2029, 1, 1), [task, early])
    assert chosen is not None and chosen.staff.id == 2  # the longest on the case


@pytest.fixture
def crowd(ready: KuiRunner) -> tuple[KuiRunner, dict[str, int]]:
    """Youths under and over 18 with every mix of coordinator and effort roles."""
    for initials, role in [("AB", "uu"), ("CD", "social"), ("EF", "jobcenter"), ("XX", "uu")]:
        add_staff(ready, initials, role)
    ids: dict[str, int] = {}
    births = {"minor": BORN_16, "adult": dt.date(2004, 6, 1)}
    serial = itertools.count(1000)
    for (age, born), coordinator, effort in itertools.product(
        births.items(), [None, "AB", "CD", "EF", "XX"], [None, "AB", "EF", "XX"]
    ):
        key = f"{age}-{coordinator}-{effort}"
        number = cpr_for(born, str(next(serial)))
        youth = int(ok(ready("youth", "add", "--cpr", number, "--name", key)).stdout)
        if coordinator:
            ok(assign(ready, youth, coordinator))
        if effort:
            add_effort(ready, youth, effort)
        ids[key] = youth
    ok(ready("staff", "deactivate", "XX"))
    return ready, ids


def test_sql_and_python_agree_on_who_has_an_owner(crowd: tuple[KuiRunner, dict]) -> None:
    kui, _ = crowd
    for day in ("2026-11-22", "2028-03-15"):
        listed = as_json(kui, "youth", "list", today=day)
        without = {r["id"] for r in as_json(kui, "youth", "list", "--no-plan-owner", today=day)}
        assert without == {r["id"] for r in listed if r["plan_owner"] is None}
        assert 0 < len(without) < len(listed)
    listed = {r["name"]: r for r in as_json(kui, "youth", "list")}
    assert listed["minor-CD-AB"]["plan_owner"] == "AB"
    assert listed["minor-EF-AB"]["plan_owner"] == "AB"
    assert listed["minor-AB-EF"]["plan_owner"] == "AB"
    assert listed["adult-AB-EF"]["plan_owner"] == "EF"
    assert listed["adult-EF-None"]["plan_owner"] == "EF"
    assert listed["minor-XX-None"]["plan_owner"] is None  # inactive
    assert listed["adult-CD-AB"]["plan_owner"] is None


def test_coordinator_filters(crowd: tuple[KuiRunner, dict], db_url: str) -> None:
    kui, ids = crowd
    by_ab = {r["name"] for r in as_json(kui, "youth", "list", "--coordinator", "ab")}
    assert by_ab == {k for k in ids if k.split("-")[1] == "AB"}
    none = {r["name"] for r in as_json(kui, "youth", "list", "--no-coordinator")}
    assert none == {k for k in ids if k.split("-")[1] == "None"}
    before = snapshot(db_url)
    for args, message in [
        (("--coordinator", "QQ"), "unknown staff member"),
        (("--coordinator", "AB", "--no-coordinator"), "exclude each other"),
    ]:
        result = kui("youth", "list", *args)
        assert result.exit_code == 1 and message in result.stderr
    assert snapshot(db_url) == before


def test_listing_asks_the_same_number_of_queries_for_few_and_many(
    ready: KuiRunner, db_url: str
) -> None:
    add_staff(ready, "AB", "uu")
    add_staff(ready, "CD", "social")

    def queries_for_listing() -> int:
        db.dispose_engines()
        engine = db.get_engine(db_url)
        seen: list[str] = []
        event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
        ok(ready("youth", "list", "--kui", "--format", "json"))
        db.dispose_engines()
        return len(seen)

    def add_cases(first: int, count: int) -> None:
        for n in range(first, first + count):
            youth = add_youth(ready, dt.date(2010, 1, 1) + dt.timedelta(days=n), f"Y{n}")
            ok(assign(ready, youth, "AB"))
            add_effort(ready, youth, "CD")

    add_cases(0, 2)
    few = queries_for_listing()
    add_cases(2, 12)
    assert queries_for_listing() == few
    assert len(as_json(ready, "youth", "list", "--kui")) == 14


def test_youth_show_names_the_professionals(ready: KuiRunner) -> None:
    add_staff(ready, "AB", "uu")
    ida = add_youth(ready, BORN_16)
    assert shown(ready, ida)["professionals"] == []
    ok(assign(ready, ida, "AB"))
    [person_] = shown(ready, ida)["professionals"]
    assert (person_["initials"], person_["task"], person_["since"], person_["plan_owner"]) == (
        "AB",
        "coordinator",
        "2026-11-22",
        True,
    )
    assert "professionals" in ok(ready("youth", "show", str(ida))).stdout


def test_the_plan_owner_in_sql_agrees_with_each_youths_case(
    crowd: tuple[KuiRunner, dict], db_url: str
) -> None:
    """`plan_owner_initials` (the export asks the database) must choose exactly as `cases` does
    in Python with everyone on the case, down to the longest-serving of two advisers (started
    later but added first; started the same day), and `plan_owner_since` must give the day they
    became responsible (an adviser's 18th birthday, 2028-03-15, at the earliest)."""
    from sqlalchemy import select
    from sqlmodel import Session

    from kui_cli.models import Youth

    kui, _ids = crowd
    add_staff(kui, "GH", "jobcenter")
    for number, starts in (("2001", ("2026-05-01", "2026-03-01")), ("2002", ("2026-04-01",) * 2)):
        youth = ok(
            kui("youth", "add", "--cpr", cpr_for(dt.date(2004, 6, 1), number), "--name", number)
        )
        for adviser, start in zip(("EF", "GH"), starts, strict=True):
            add_effort(kui, int(youth.stdout), adviser, "--start", start, today="2026-06-01")
    engine = db.get_engine(db_url)
    with Session(engine) as session:
        youths = list(session.execute(select(Youth)).scalars())
        for day in (dt.date(2026, 11, 22), dt.date(2028, 3, 15)):
            expected = {
                i: c.owner.staff.initials
                for i, c in owners.cases(session, youths, day).items()
                if c.owner
            }
            query = select(Youth.id, owners.plan_owner_initials(day), owners.plan_owner_since(day))
            answered = session.execute(query).all()
            found = {i: initials for i, initials, _ in answered if initials}
            assert found == expected
            since = {
                i: c.owner.since if c.owner else None
                for i, c in owners.cases(session, youths, day).items()
            }
            assert {i: since_day for i, _, since_day in answered} == since  # the inbox's window
            assert (dt.date(2028, 3, 15) in since.values()) == (day.year == 2028)
            assert 0 < len(expected) < len(youths)
            assert {found[y.id] for y in youths if y.name in ("2001", "2002")} == {"GH", "EF"}
