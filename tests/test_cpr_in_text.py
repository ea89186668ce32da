"""Issue 15, hole 8: no CPR number in free text, however it is written.

Free text (a reason, an outcome, a place, a name...) is printed on agendas, minutes, calendars
and the young person's plan, which are circulated. `cpr.in_text` reads the text as a reader does
(NFKC, invisible characters dropped, every dash a dash) and every input point refuses what it
finds with one line that names the field, not the number, and leaves the database unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine, text
from stdnum.dk import cpr as stdnum_cpr

from kui_cli.domain.register import cpr
from tests.conftest import TODAY, KuiRunner, add_youth, cpr_for, ok, snapshot

NUMBER = "150310-4321"  # the issue's example: born 15 March 2010 (7th digit 4: the 2000s)
VARIANTS = {
    "en dash": "150310\u20134321",
    "em dash": "150310\u20144321",
    "minus sign": "150310\u22124321",
    "spaced dash": "150310 - 4321",
    "dotted date": "15.03.10-4321",
    "pairs": "15 03 10 43 21",
    "slash": "150310/4321",
    "underscore": "150310_4321",
    "zero-width space": "1503\u200b10-4321",
    "soft hyphen": "150310\u00ad4321",
    "soft hyphen in the date": "1503\u00ad10-4321",
    "word joiner": "150310-43\u20602\u20601",
    "fullwidth digits": "\uff11\uff15\uff10\uff13\uff11\uff10-\uff14\uff13\uff12\uff11",
    "no separator": "1503104321",
    "plain": NUMBER,
}


def test_the_issues_number_is_a_valid_cpr_number() -> None:
    assert stdnum_cpr.validate(NUMBER) == "1503104321"
    assert stdnum_cpr.get_birth_date("1503104321") == dt.date(2010, 3, 15)


@pytest.mark.parametrize("variant", VARIANTS.values(), ids=VARIANTS.keys())
def test_every_variant_of_the_issue_is_found_and_blanked(variant: str) -> None:
    text = f"Ring til mor ({variant}) i morgen"
    assert cpr.in_text(text)
    assert cpr.blanked(text) == f"Ring til mor ({cpr.REMOVED}) i morgen"


ORDINARY = [
    "Ring på 12345678 eller 20 30 40 50",
    "Mors telefon: +45 31 12 12 34, fars: +4520304050, 0045 22334455",
    "Tlf. 20 11 12 34 / 30 40 50 60",
    "Møde 15.03.2027 14.30 og 16.03.2027 kl. 9.00",
    "Opfølgning 15.03.27 kl. 14.30",
    "Praktik 01.02.26-15.03.26, 01.02.26 - 15.03.26",
    "Bevilget 12.500 kr., i alt 1.500.000 kr.",
    "Journalnr. 27.12.04-G01-1-26, sag 2026-123456",
    "Reference 15031043210 og 0150310-4321",  # digits inside longer runs
    "Score 31 of 40, uge 10-12",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_numbers_a_coordinator_writes_are_no_cpr_number(text: str) -> None:
    assert not cpr.in_text(text)
    assert cpr.blanked(text) == text


# --- every formatting of a valid CPR number is found ---

# What may stand between the groups (an invisible character is no separator: it is dropped).
SEPARATORS = [" ", "  ", "-", " - ", ".", "/", "_", "\u2013", "\u2014", "\u2212", "\u2010",
              "\u00a0", "\u202f", "\t", " \u2013 "]  # fmt: skip
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff", "\u200e", "\u0301"]
FULLWIDTH = str.maketrans("0123456789", "".join(chr(0xFF10 + d) for d in range(10)))
NOT_DIGITS = st.text(st.sampled_from("abcæøå ABCÆØÅ:;()!?"), max_size=12)


@st.composite
def valid_numbers(draw: st.DrawFn) -> str:
    """A valid CPR number: a real birth date 1900-2025 and a serial whose first digit gives
    that century (stdnum agrees)."""
    born = draw(st.dates(dt.date(1900, 1, 1), dt.date(2025, 12, 31)))
    first = draw(st.sampled_from("0123" if born.year < 2000 else "4"))
    serial = first + draw(st.text(st.sampled_from("0123456789"), min_size=3, max_size=3))
    number = born.strftime("%d%m%y") + serial
    assert stdnum_cpr.get_birth_date(number) == born
    return number


def _grouped(draw: st.DrawFn, digits: str) -> str:
    """The digits in pairs with a separator, or nothing, between each pair."""
    pairs = [digits[i : i + 2] for i in range(0, len(digits), 2)]
    gaps = [draw(st.sampled_from(["", *SEPARATORS])) for _ in pairs[1:]]
    return pairs[0] + "".join(gap + pair for gap, pair in zip(gaps, pairs[1:], strict=True))


@st.composite
def written(draw: st.DrawFn, number: str) -> str:
    """The number as someone might write it: compact, or the date and serial (each whole or in
    pairs) with a separator between; with invisible characters anywhere and perhaps fullwidth
    digits; inside text without digits."""
    if draw(st.booleans()):
        text = number
    else:
        date = _grouped(draw, number[:6])
        serial = _grouped(draw, number[6:])
        text = date + draw(st.sampled_from(SEPARATORS)) + serial
    if draw(st.booleans()):
        text = text.translate(FULLWIDTH)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(INVISIBLE)) + text[at:]
    return draw(NOT_DIGITS) + " " + text + " " + draw(NOT_DIGITS)


@given(st.data())
def test_every_formatting_of_a_valid_cpr_number_is_found(data: st.DataObject) -> None:
    number = data.draw(valid_numbers())
    text = data.draw(written(number))
    assert cpr.in_text(text), repr(text)
    assert number not in "".join(ch for ch in cpr.blanked(text) or "" if ch.isdigit())


@given(st.text())
def test_text_with_fewer_than_ten_digits_is_never_refused(text: str) -> None:
    digits = sum(ch.isdigit() for ch in unicodedata.normalize("NFKC", text))
    if digits < 10:
        assert not cpr.in_text(text)


@given(st.text(st.sampled_from("0123456789 -./_abc\u2013\u200b"), max_size=40))
def test_digit_heavy_text_with_fewer_than_ten_digits_is_never_refused(text: str) -> None:
    if sum(ch.isdigit() for ch in text) < 10:
        assert not cpr.in_text(text)


FIELD_TEXT = st.text(st.sampled_from("0123456789 -./_abcæ\u2013\u200b\n\u00b9"), max_size=24)


@given(st.lists(FIELD_TEXT | st.none() | st.text(max_size=24), max_size=6))
def test_texts_cleared_at_once_are_each_cleared(texts: list[str | None]) -> None:
    """`none_in_texts` (the feed's one test of a line's free text) clears only texts that
    `in_text` clears one by one."""
    if cpr.none_in_texts(texts):
        assert not any(cpr.in_text(t) for t in texts), texts


def test_texts_with_ten_digits_in_one_field_are_not_cleared_at_once() -> None:
    assert cpr.none_in_texts(["ungedata", "UD-0006386", "FGU", "850609", None])
    assert not cpr.none_in_texts(["ungedata", "UD-0006386", "1503012345"])
    assert not cpr.none_in_texts(["ungedata", "Ida\u00b9"])  # not ASCII: asked field by field


@st.composite
def phone_numbers(draw: st.DrawFn) -> str:
    """A Danish phone number (8 digits, the first 2-9) as people write it."""
    digits = draw(st.sampled_from("23456789")) + draw(
        st.text(st.sampled_from("0123456789"), min_size=7, max_size=7)
    )
    separator = draw(st.sampled_from(["", " ", "-", "."]))
    form = draw(st.sampled_from(["whole", "pairs", "fours"]))
    if form == "pairs":
        digits = separator.join(digits[i : i + 2] for i in range(0, 8, 2))
    elif form == "fours":
        digits = digits[:4] + separator + digits[4:]
    return draw(st.sampled_from(["", "+45 ", "+45", "0045 ", "(+45) ", "tlf. "])) + digits


@given(phone_numbers(), st.sampled_from([", ", " eller ", " / ", "; "]), phone_numbers())
def test_phone_numbers_are_never_refused(first: str, joined: str, second: str) -> None:
    assert not cpr.in_text(first)
    assert not cpr.in_text(f"Ring {first}{joined}{second}.")


# --- every input point refuses it ---

BORN = dt.date(2010, 6, 1)  # the youth the commands are about: 16, out of activity
NEW_CPR = cpr_for(dt.date(2011, 2, 3))


@dataclass
class World:
    """A database with what every command below needs: a youth with a referral, a coordinator,
    an effort, a goal and an agreement, a second youth not referred, a future meeting."""

    kui: KuiRunner
    url: str
    folder: Path
    youth: int
    other: int
    item: int
    meeting: int
    effort: int
    goal: int
    agreement: int


@pytest.fixture
def world(ready: KuiRunner, db_url: str, tmp_path: Path) -> World:
    youth = add_youth(ready, BORN, "Ida Jensen")
    other = add_youth(ready, dt.date(2010, 7, 1), "Bo Lund")
    referred = ok(ready("agenda", "add", str(youth), "--team", "team-2", "--reason", "Ingen"))
    ok(ready("staff", "add", "--initials", "CD", "--name", "Carl Dam", "--role", "uu",
             "--department", "UU"))  # fmt: skip
    ok(ready("coordinator", "assign", str(youth), "CD", "--consent", "accepted"))
    effort = ok(ready("plan", "effort", "add", str(youth), "--title", "Mentor", "--department",
                      "Jobcenter", "--legislation", "lab", "--responsible", "CD", "--reason",
                      "Aftalt"))  # fmt: skip
    goal = ok(ready("plan", "goal", "add", str(youth), "Tømrer", "--reason", "Samtale"))
    agreement = ok(ready("plan", "agreement", "add", str(youth), "Ringe", "--responsible", "CD",
                         "--due", "2026-12-04", "--reason", "Aftalt"))  # fmt: skip
    ok(ready("meeting", "generate"))
    meetings = ok(ready("meeting", "list", "--team", "team-3", "-f", "json")).stdout
    return World(
        ready,
        db_url,
        tmp_path,
        youth,
        other,
        int(referred.stdout.strip()),
        json.loads(meetings)[0]["id"],
        int(effort.stdout.strip()),
        int(goal.stdout.strip()),
        int(agreement.stdout.strip()),
    )


def _import_file(world: World, name: str) -> str:
    path = world.folder / "youths.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["cpr", "name"], [NEW_CPR, name]])
    return str(path)


def _profile(world: World, text: str) -> str:
    from importlib import resources

    shipped = (resources.files("kui_cli") / "profiles" / "soenderborg.toml").read_text("utf-8")
    assert shipped.count('name = "Team 2"') == 1
    path = world.folder / "profile.toml"
    named = shipped.replace('name = "Team 2"', f"name = {json.dumps(text)}")  # a TOML string
    path.write_text(named, encoding="utf-8")
    return str(path)


Args = Callable[[World, str], list[str]]
STAFF = ["staff", "add", "--initials", "ZZ", "--role", "uu"]
SCHEDULE = ["meeting", "schedule", "team-2", "--rule", "FREQ=WEEKLY;BYDAY=FR", "--start",
            "2026-12-04T10:00"]  # fmt: skip
ADD_YOUTH = ["youth", "add", "--cpr", NEW_CPR]
EFFORT = ["--legislation", "lab", "--responsible", "CD", "--reason", "Aftalt"]
AGREEMENT = ["--responsible", "CD", "--due", "2026-12-04", "--reason", "Aftalt"]
# field -> the command with the text in that field (run on TODAY, a decision on the meeting day)
INPUTS: dict[str, Args] = {
    "agenda add --reason": lambda w, t: [
        "agenda", "add", str(w.other), "--team", "team-2", "--reason", t
    ],
    "agenda decide --outcome": lambda w, t: ["agenda", "decide", str(w.item), "--outcome", t],
    "meeting schedule --place": lambda w, t: [*SCHEDULE, "--place", t],
    "meeting cancel --reason": lambda w, t: ["meeting", "cancel", str(w.meeting), "--reason", t],
    "staff add --name": lambda w, t: [*STAFF, "--name", t, "--department", "UU"],
    "staff add --department": lambda w, t: [*STAFF, "--name", "Zia Z", "--department", t],
    "staff add --phone": lambda w, t: [*STAFF, "--name", "Z", "--department", "U", "--phone", t],
    "youth add --name": lambda w, t: [*ADD_YOUTH, "--name", t],
    "youth import name": lambda w, t: ["youth", "import", _import_file(w, t)],
    "youth update --name": lambda w, t: [
        "youth", "update", str(w.youth), "--name", t, "--reason", "Stavefejl"
    ],
    "youth update --reason": lambda w, t: [
        "youth", "update", str(w.youth), "--need", "B", "--reason", t
    ],
    "youth guardian add --name": lambda w, t: [
        "youth", "guardian", "add", str(w.youth), "--name", t
    ],
    "youth assess --note": lambda w, t: [
        "youth", "assess", str(w.youth), "--grade", "9", "--result", "ready", "--note", t
    ],
    "plan goal add TEXT": lambda w, t: [
        "plan", "goal", "add", str(w.youth), t, "--reason", "Samtale"
    ],
    "plan goal add --reason": lambda w, t: [
        "plan", "goal", "add", str(w.youth), "Tømrer", "--reason", t
    ],
    "plan effort add --title": lambda w, t: [
        "plan", "effort", "add", str(w.youth), "--title", t, "--department", "JC", *EFFORT
    ],
    "plan effort add --department": lambda w, t: [
        "plan", "effort", "add", str(w.youth), "--title", "M", "--department", t, *EFFORT
    ],
    "plan effort end --reason": lambda w, t: [
        "plan", "effort", "end", str(w.effort), "--reason", t
    ],
    "plan goal update --text": lambda w, t: [
        "plan", "goal", "update", str(w.goal), "--text", t, "--reason", "Samtale"
    ],
    "plan goal update --reason": lambda w, t: [
        "plan", "goal", "update", str(w.goal), "--text", "Snedker", "--reason", t
    ],
    "plan goal achieve --reason": lambda w, t: [
        "plan", "goal", "achieve", str(w.goal), "--reason", t
    ],
    "plan goal drop --reason": lambda w, t: ["plan", "goal", "drop", str(w.goal), "--reason", t],
    "plan agreement add TEXT": lambda w, t: [
        "plan", "agreement", "add", str(w.youth), t, *AGREEMENT
    ],
    "plan agreement add --reason": lambda w, t: [
        "plan", "agreement", "add", str(w.youth), "Ringe", *AGREEMENT[:-1], t
    ],
    "plan agreement done --reason": lambda w, t: [
        "plan", "agreement", "done", str(w.agreement), "--reason", t
    ],
    "plan agreement drop --reason": lambda w, t: [
        "plan", "agreement", "drop", str(w.agreement), "--reason", t
    ],
    "coordinator assign --note": lambda w, t: [
        "coordinator", "assign", str(w.other), "CD", "--consent", "pending", "--note", t
    ],
    "coordinator end --reason": lambda w, t: ["coordinator", "end", str(w.youth), "--reason", t],
    "coordinator handover --reason": lambda w, t: [
        "coordinator", "handover", "CD", "AB", "--reason", t
    ],
    "plan effort update --title": lambda w, t: [
        "plan", "effort", "update", str(w.effort), "--title", t, "--reason", "Ny titel"
    ],
    "plan effort update --reason": lambda w, t: [
        "plan", "effort", "update", str(w.effort), "--title", "Ny", "--reason", t
    ],
    "agenda withdraw --reason": lambda w, t: ["agenda", "withdraw", str(w.item), "--reason", t],
    "staff update --name": lambda w, t: ["staff", "update", "CD", "--name", t],
    "staff update --phone": lambda w, t: ["staff", "update", "CD", "--phone", t],
    "duty offer --activity": lambda w, t: ["duty", "offer", str(w.youth), "--activity", t],
    "duty fgu-assessment --result": lambda w, t: [
        "duty", "fgu-assessment", str(w.youth), "--result", t
    ],
    "duty exempt --reason": lambda w, t: ["duty", "exempt", str(w.youth), "--reason", t],
    "init --profile (a team's name)": lambda w, t: ["init", "--profile", _profile(w, t)],
}  # fmt: skip
ON_THE_MEETING_DAY = {"agenda decide --outcome": "2026-11-25"}
CLEAN = "Ring til mor i morgen kl. 9"


def _echoes(output: str) -> bool:
    """Whether an output shows the number, or its date or serial, in any of the variants."""
    shown = "".join(ch for ch in unicodedata.normalize("NFKC", output) if ch.isprintable())
    return re.search(r"15\D{0,3}03\D{0,3}10|43\D{0,3}21", shown) is not None


@pytest.mark.parametrize("field", INPUTS)
def test_each_field_refuses_every_variant_and_changes_nothing(world: World, field: str) -> None:
    args, today = INPUTS[field], ON_THE_MEETING_DAY.get(field, TODAY)
    before = snapshot(world.url)
    for name, variant in VARIANTS.items():
        result = world.kui(*args(world, f"Ring til mor {variant} i morgen"), today=today)
        assert result.exit_code == 1, f"{field}, {name}: {result.output}"
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1 and "looks like a CPR number" in errors[0], (name, result.stderr)
        assert "Traceback" not in result.output
        assert not _echoes(result.output), (field, name, result.output)
    assert snapshot(world.url) == before
    # The same command with text free of a CPR number goes through: the number was the refusal.
    ok(world.kui(*args(world, CLEAN), today=today))
    assert snapshot(world.url) != before


def test_the_error_names_the_field(world: World) -> None:
    result = world.kui("meeting", "cancel", str(world.meeting), "--reason", "Se 150310 - 4321")
    assert result.stderr.startswith("Error: --reason contains what looks like a CPR number")
    imported = world.kui("youth", "import", _import_file(world, "Ida 15.03.10-4321"))
    assert ": line 2: name contains what looks like a CPR number" in imported.stderr
    profile = world.kui("init", "--profile", _profile(world, "Team 15 03 10 43 21"))
    assert "key 'teams[1].name' contains what looks like a CPR number" in profile.stderr


# --- what got into the database another way is blanked on every printed document ---


def _sql(url: str, *statements: str) -> object:
    """Run the statements in one transaction; the first value of the last one's result."""
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in statements:
            result = conn.execute(text(statement))
        value = result.scalar() if result.returns_rows else None
    engine.dispose()
    return value


TEAM_2 = "(SELECT id FROM team WHERE slug = 'team-2')"


def test_stored_cpr_numbers_are_blanked_on_agendas_calendars_and_the_plan(world: World) -> None:
    """Text written before the input checks (or by SQL): every document shows [CPR fjernet]."""
    hidden = {
        "team": VARIANTS["en dash"],
        "place": VARIANTS["pairs"],
        "note": VARIANTS["zero-width space"],
        "staff": VARIANTS["dotted date"],
        "youth": VARIANTS["soft hyphen"],
        "goal": VARIANTS["slash"],
    }
    ok(world.kui("plan", "goal", "add", str(world.youth), "Tømrer", "--reason", "Samtale"))
    _sql(
        world.url,
        f"UPDATE team SET name = 'Team {hidden['team']}' WHERE slug = 'team-2'",
        f"UPDATE meeting SET place = 'Lok. {hidden['place']}', status = 'cancelled', "
        f"note = 'Syg {hidden['note']}' WHERE team_id = {TEAM_2}",
        f"UPDATE meeting_series SET place = 'Lok. {hidden['place']}'",
        f"UPDATE staff SET name = 'Carl {hidden['staff']}' WHERE initials = 'CD'",
        f"UPDATE youth SET name = 'Ida {hidden['youth']}' WHERE id = {world.youth}",
        f"UPDATE goal SET text = 'Tømrer {hidden['goal']}'",
    )
    ok(world.kui("team", "member", "add", "team-2", "CD"))
    meeting = _sql(world.url, f"SELECT min(id) FROM meeting WHERE team_id = {TEAM_2}")
    outputs = [
        ok(world.kui("agenda", *command, str(meeting), "-f", fmt, *names)).stdout
        for command in (("show", "--meeting"), ("minutes",))
        for fmt in ("table", "markdown", "html", "json")
        for names in ((), ("--names",))
    ]
    outputs.append(ok(world.kui("meeting", "ics", "team-2")).stdout)
    outputs.append(ok(world.kui("plan", "print", str(world.youth))).stdout)
    for output in outputs:
        assert not _echoes(output), output
    assert all(cpr.REMOVED in output for output in outputs)
    ics = outputs[-2].replace("\r\n ", "")
    assert f"LOCATION:Lok. {cpr.REMOVED}" in ics and f"SUMMARY:Team {cpr.REMOVED}" in ics
