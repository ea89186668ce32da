"""The status feed (`kui feed apply`, issue 18): what Ungedatabasen reports, taken in by itself.

Every event goes through the rules of a hand-typed change (`youths.apply_changes`,
`youths.register`, `duty`, `coordinators.end`, `plans.end_effort`), with the feed's source as
the author of the history rows and the event as their reason, so the plan owner's inbox, the
education obligation and the history see a feed's change like anyone else's:

- `started`, `dropped-out` (status `none`), `completed`, `job`, `benefit` set the status from the
  event's date (the education named by the event, mapped by the profile's `feed.statuses`);
- `at-risk` marks the youth at risk of dropping out (`youth.at_risk_since`) until a newer status;
- `moved-away` ends kui's part: the coordinator, the active efforts and an open
  education-obligation episode end (kui has no status for a youth who lives elsewhere);
- `moved-in` records the move, with the status of the education named, if any;
- a youth the register does not know is registered when the event has a name (and its CPR
  number is valid), and the line is refused otherwise.

A file is one transaction, all or nothing: every bad line is named and nothing is applied. It is
idempotent: an event is known by (source, event id), or by a keyed hash of its content when it has
no id (`feed_event`), and an event already taken in is not applied again. Events apply in the
order of their dates; one older than the youth's current status (what kui knows already) changes
nothing and is counted `superseded`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from operator import attrgetter, itemgetter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlmodel import Session

from kui_cli.domain import bulk as bulk_writes
from kui_cli.domain import codes, settings
from kui_cli.domain import profile as profiles
from kui_cli.domain.law import duty
from kui_cli.domain.plan import changes, coordinators, owners, plans
from kui_cli.domain.progress import CHECKING, SILENT, WRITING, Progress, count_lines
from kui_cli.domain.protection import audit, lookups
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import cpr, feed_lines, history, importer, registration, youths
from kui_cli.domain.register.feed_lines import Event, parse, read_lines
from kui_cli.domain.register.registration import NewYouth
from kui_cli.errors import KuiError
from kui_cli.models import ChangeLog, DutyEpisode, Effort, FeedEvent, Youth
from kui_cli.phrase import Phrase
from kui_cli.render.i18n import _, mark, n_

APPLIED, KNOWN, SUPERSEDED, SKIPPED = "applied", "already-known", "superseded", "skipped"
# The status an event sets, where it sets one regardless of the education it names: read from
# the status table, as every rule does (a drop-out is no activity, a completion holds a youth
# education, a job has weekly hours).
FIXED_STATUS = {
    "dropped-out": codes.NOT_ACTIVITY[0],
    "completed": codes.COMPLETED[0],
    "job": codes.WEEKLY_HOURS[0],
}
# A benefit: outside education and job, yet an activity (not an exemption); the first of them,
# uddannelseshjælp for the education-ready, unless the event names another.
BENEFITS = codes.statuses_where(lambda s: s.neet and s.activity and not s.exempted)
BATCH = 2_000  # values of one IN list (`EXPANDED`)
# The list of a batch: one statement compiled once, its values expanded per batch.
EXPANDED = bindparam("ids", expanding=True)
PAGE_CACHE_MIB = 64  # SQLite's page cache while a feed applies (`bulk.page_cache`)
PROGRESS_STEP = 1_000  # lines between two reports to the progress bar
SUMMARY_COLUMNS = ["field", "value"]
CHANGE_COLUMNS = ["youth", "what"]


@dataclass(frozen=True)
class BadLine:
    line: int
    reason: str


class FeedRejected(KuiError):
    """The feed has bad lines; `bad` holds every one of them, the message a summary."""

    def __init__(self, bad: list[BadLine]) -> None:
        self.bad = sorted(bad, key=lambda b: b.line)
        shown = importer.first_bad_lines(self.bad)
        if len(bad) > importer.SHOWN_BAD:
            summary = _("{n} bad lines, nothing applied: {lines} (and {more} more)")
        else:
            summary = n_(
                "{n} bad line, nothing applied: {lines}",
                "{n} bad lines, nothing applied: {lines}",
                len(bad),
            )
        super().__init__(
            summary.format(n=len(bad), lines=shown, more=len(bad) - importer.SHOWN_BAD)
        )


@dataclass
class Summary:
    """What a feed did (or, dry, would do)."""

    file: str
    dry_run: bool
    events: int = 0
    applied: int = 0
    already_known: int = 0
    superseded: list[int] = field(default_factory=list)  # their line numbers
    skipped: int = 0
    new_youths: int = 0
    changes: list[dict[str, Any]] = field(default_factory=list)  # dry run: the history rows
    sources: list[str] = field(default_factory=list)  # of the events, for the audit entries

    def as_record(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "dry_run": self.dry_run,
            "events": self.events,
            "applied": self.applied,
            "already_known": self.already_known,
            "superseded": len(self.superseded),
            "superseded_lines": self.superseded,
            "skipped": self.skipped,
            "refused": 0,
            "new_youths": self.new_youths,
            "changes": self.changes,
        }


@dataclass(frozen=True)
class Keyed:
    """An event with the key it is known by and the keyed hash of what it says."""

    event: Event
    status: str | None
    key: str
    content: str


# --- what an event means --------------------------------------------------------------------


def status_for(event: Event, table: dict[str, str]) -> str | None:
    """The status code an event sets (None: it sets none), or a KuiError for an education that
    the profile's table does not know."""
    kind = event.kind
    if kind in FIXED_STATUS:
        return FIXED_STATUS[kind]
    named = table.get(event.education.upper()) if event.education else None
    if event.education and named is None and kind in ("started", "moved-in"):
        raise KuiError(
            _(
                "education {education} is not in the profile's feed.statuses (known: {known})"
            ).format(education=repr(event.education), known=", ".join(sorted(table)))
        )
    if kind == "started":
        if named is None:
            raise KuiError(_("a started event names the education (the education field)"))
        return named
    if kind == "benefit":
        return named if named in BENEFITS else BENEFITS[0]
    return named if kind == "moved-in" else None


# The reason of the history rows an event causes, by which of the event's optional details
# (education, institution, the source's reason code) it gives: a sentence each, so each is one
# catalog message (`render.history`).
REASONS = {
    (False, False, False): mark("history", "{source} event {event_id}: {event_kind}, on {on}"),
    (True, False, False): mark(
        "history", "{source} event {event_id}: {event_kind}, education {education}, on {on}"
    ),
    (False, True, False): mark(
        "history", "{source} event {event_id}: {event_kind}, institution {institution}, on {on}"
    ),
    (False, False, True): mark(
        "history", "{source} event {event_id}: {event_kind}, reason {reason}, on {on}"
    ),
    (True, True, False): mark(
        "history",
        "{source} event {event_id}: {event_kind}, education {education}, "
        "institution {institution}, on {on}",
    ),
    (True, False, True): mark(
        "history",
        "{source} event {event_id}: {event_kind}, education {education}, reason {reason}, on {on}",
    ),
    (False, True, True): mark(
        "history",
        "{source} event {event_id}: {event_kind}, institution {institution}, "
        "reason {reason}, on {on}",
    ),
    (True, True, True): mark(
        "history",
        "{source} event {event_id}: {event_kind}, education {education}, "
        "institution {institution}, reason {reason}, on {on}",
    ),
}
# An event without an id, as the reason names it (`render.history` translates it).
NO_ID = mark("history", "(no id)")


def reason_text(event: Event) -> Phrase:
    """The event as the reason of the history rows it causes, in the reader's language."""
    details = {
        "education": event.education,
        "institution": event.institution,
        "reason": event.reason,
    }
    given = {name: value for name, value in details.items() if value}
    args = {"source": event.source, "event_id": event.event_id or NO_ID}
    args |= {"event_kind": event.kind, **given, "on": event.event_date}
    return Phrase(REASONS[tuple(bool(value) for value in details.values())], args)


def content_key(event: Event, subject_key: str) -> str:
    """A hash of what the event says, with the youth by their pseudonymous key (never the CPR
    number, which a plain hash would let anyone recover by trying the few possible ones)."""
    parts = (
        subject_key,
        event.event_date.isoformat(),
        event.kind,
        event.education or "",
        event.institution or "",
        event.reason or "",
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def event_key(event: Event, content: str) -> str:
    """The source's event id, else `#` and the content's hash (an id never begins with `#`, so
    a crafted id cannot pass for another event's content)."""
    return event.event_id or f"#{content}"


# --- reading and checking the whole file ----------------------------------------------------


def checked_events(
    path: Path,
    source: str | None,
    today: dt.date,
    table: dict[str, str],
    bad: list[BadLine],
    encoding: str | None = None,
    progress: Progress = SILENT,
) -> list[tuple[Event, str | None]]:
    """Every line of the file as an event with the status it sets; bad lines go to `bad`.
    `progress` is told every PROGRESS_STEP lines."""
    found: list[tuple[Event, str | None]] = []
    count = 0
    for count, (line, fields) in enumerate(read_lines(path, encoding), start=1):
        if not count % PROGRESS_STEP:
            progress.advance(PROGRESS_STEP)
        if isinstance(fields, str):
            bad.append(BadLine(line, fields))
            continue
        try:
            event = parse(fields, line, source, today)
            found.append((event, status_for(event, table)))
        except KuiError as exc:
            bad.append(BadLine(line, str(exc)))
    progress.advance(count % PROGRESS_STEP)
    return found


def keyed(events: list[tuple[Event, str | None]], key_of: Callable[[str], str]) -> list[Keyed]:
    result = []
    for event, status in events:
        content = content_key(event, key_of(event.cpr))
        result.append(Keyed(event, status, event_key(event, content), content))
    return result


def known_contents(session: Session, events: Iterable[Keyed]) -> dict[tuple[str, str], str]:
    """The content hash of every event of the file already taken in, by (source, key): one
    query per source and batch of keys."""
    by_source: dict[str, list[str]] = {}
    for item in events:
        by_source.setdefault(item.event.source, []).append(item.key)
    found: dict[tuple[str, str], str] = {}
    connection = session.connection()
    query = select(FeedEvent.event_key, FeedEvent.content).where(
        FeedEvent.source == bindparam("source"), FeedEvent.event_key.in_(EXPANDED)
    )
    for source, keys in by_source.items():
        unique = sorted(set(keys))
        for start in range(0, len(unique), BATCH):
            chunk = {"source": source, "ids": unique[start : start + BATCH]}
            rows = connection.execute(query, chunk).all()
            found.update(((source, key), content) for key, content in rows)
    return found


def new_events(
    items: list[Keyed], known: dict[tuple[str, str], str], bad: list[BadLine], summary: Summary
) -> list[Keyed]:
    """The events not taken in before (nor earlier in the file); an event id seen before with
    other content is a bad line (an id is the source's promise of one event)."""
    seen: dict[tuple[str, str], Keyed] = {}
    fresh = []
    for item in items:
        pair = (item.event.source, item.key)
        first = seen.get(pair)
        before = known.get(pair)
        if first is not None or before is not None:
            if (first.content if first is not None else before) != item.content:
                if first is not None:
                    clash = _(
                        "event_id {event_id} of source {source} came with other content in line "
                        "{line}"
                    )
                else:
                    clash = _(
                        "event_id {event_id} of source {source} came with other content in an "
                        "earlier feed"
                    )
                said = clash.format(
                    event_id=repr(item.key),
                    source=pair[0],
                    line=first.event.line if first is not None else None,
                )
                bad.append(BadLine(item.event.line, said))
            else:
                summary.already_known += 1
            continue
        seen[pair] = item
        fresh.append(item)
    return fresh


# --- applying -------------------------------------------------------------------------------


def apply_file(
    session: Session,
    actor: Actor,
    path: Path,
    *,
    source: str | None = None,
    dry_run: bool = False,
    encoding: str | None = None,
    progress: Progress = SILENT,
) -> Summary:
    """Apply a feed in the session's transaction (the caller's, all or nothing); a dry run
    applies it inside a savepoint, gathers the history rows it made and rolls them back.
    `progress` is told the phases: reading, checking every line, writing the new events.
    SQLite gets a page cache the size of what a large feed touches (`PAGE_CACHE_MIB`), and the
    cyclic garbage collector pauses (`importer.collector_paused`): the events, the youths' rows
    and the change rows live until the end and hold no cycles, yet the collector walked them
    hundreds of times (a twentieth of the feed's time)."""
    with bulk_writes.page_cache(session, PAGE_CACHE_MIB), importer.collector_paused():
        return _apply_file(session, actor, path, source, dry_run, encoding, progress)


def _apply_file(
    session: Session,
    actor: Actor,
    path: Path,
    source: str | None,
    dry_run: bool,
    encoding: str | None,
    progress: Progress,
) -> Summary:
    prof = profiles.current(session)
    bad: list[BadLine] = []
    summary = Summary(path.name, dry_run)
    progress.phase(CHECKING, count_lines(path, progress))
    events = checked_events(
        path, source, actor.today, prof.value("feed.statuses"), bad, encoding, progress
    )
    summary.events = len(events) + len(bad)
    summary.sources = sorted({event.source for event, _status in events})
    items = keyed(events, settings.new_youth_keyer(session))
    fresh = new_events(items, known_contents(session, items), bad, summary)
    if bad:
        raise FeedRejected(bad)
    fresh.sort(key=lambda item: (item.event.event_date, item.event.line))
    facts = rows_by_cpr(session, (item.event.cpr for item in fresh))
    progress.phase(WRITING, len(fresh))
    if not dry_run:
        touched = _apply_all(session, actor, fresh, facts, summary, progress)
        _store(session, fresh, facts, touched)
        _audit(session, actor, summary, touched, facts)
        return summary
    savepoint = session.begin_nested()
    try:
        before = session.execute(select(func.coalesce(func.max(ChangeLog.id), 0))).scalar()
        touched = _apply_all(session, actor, fresh, facts, summary, progress)
        summary.changes = _changes_since(session, before or 0, touched)
    finally:
        savepoint.rollback()
    _audit(session, actor, summary, touched, facts)
    return summary


@dataclass
class Touched:
    """The outcome of each event by line, and the youths each outcome concerns."""

    outcomes: dict[int, str] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)  # CPR numbers of youths changed
    read: set[str] = field(default_factory=set)  # of youths only looked at
    registered: dict[str, int] = field(default_factory=dict)  # CPR -> the new youth's id
    bad: list[BadLine] = field(default_factory=list)

    def count(self, summary: Summary, event: Event, outcome: str) -> None:
        self.outcomes[event.line] = outcome
        if outcome == APPLIED:
            summary.applied += 1
            self.changed.add(event.cpr)
        elif outcome == SUPERSEDED:
            summary.superseded.append(event.line)
        elif outcome == KNOWN:
            summary.already_known += 1
        else:
            summary.skipped += 1
        if outcome != APPLIED:
            self.read.add(event.cpr)


def _apply_all(
    session: Session,
    actor: Actor,
    fresh: list[Keyed],
    facts: dict[str, Facts],
    summary: Summary,
    progress: Progress = SILENT,
) -> Touched:
    """Every new event in date order, by the rules of a hand-typed change applied to rows (a
    feed names tens of thousands of youths: no ORM object per youth, and one statement per
    table and batch); a line a rule refuses is named, and then none applies.

    The young people the register does not know are registered first, in bulk, as `youth
    import` registers them (`_register_new`); the event that registers a youth then applies to
    them like any other."""
    touched = Touched()
    registering = _register_new(session, actor, fresh, facts, touched, summary.file)
    if touched.bad:
        raise FeedRejected(touched.bad)
    ids = sorted({facts[i.event.cpr].id for i in fresh if i.event.cpr in facts})
    away = sorted({facts[i.event.cpr].id for i in fresh
                   if i.event.kind == "moved-away" and i.event.cpr in facts})  # fmt: skip
    state = Bulk(
        episodes=_open_episodes(session, ids),
        assignments=coordinators.assignments_of(session, away),
        efforts=_active_efforts(session, away, actor.today),
        law=duty.rules(session),
    )
    pending = set(registering)  # new youths whose registering event is still to come
    authors = {name: replace(actor, user=feed_lines.author(name)) for name in summary.sources}
    for item in fresh:
        progress.advance(1)
        event = item.event
        youth = facts.get(event.cpr)
        if youth is None or (event.cpr in pending and registering[event.cpr] != event.line):
            # Not in the register (before their registration, or never): moved away, and
            # not the municipality's either.
            touched.count(summary, event, SKIPPED)
            continue
        try:
            outcome = _apply_to(session, authors[event.source], youth, item, state)
        except KuiError as exc:
            touched.bad.append(BadLine(event.line, str(exc)))
            continue
        if event.cpr in pending:  # the event that registered the youth
            pending.discard(event.cpr)
            outcome = APPLIED
        touched.count(summary, event, outcome)
    if touched.bad:
        raise FeedRejected(touched.bad)
    _write_bulk(session, list(facts.values()), state)
    summary.new_youths = len(touched.registered)
    summary.superseded.sort()
    return touched


# --- registering the youths the register does not know ----------------------------------------


def _register_new(
    session: Session,
    actor: Actor,
    fresh: list[Keyed],
    facts: dict[str, Facts],
    touched: Touched,
    file: str,
) -> dict[str, int]:
    """Register each unknown youth by their first event that is not a move away, when it has a
    name: validated by the one validator of `youth add` and inserted by `youth import`'s bulk
    path (`importer.registration_row`, `importer.register_rows`: history, education
    obligation), with the feed's source as the author. Their rows join `facts`; returns the
    line of each registering event by CPR number (bad lines go to `touched.bad`)."""
    first: dict[str, Keyed] = {}
    for item in fresh:
        if item.event.cpr not in facts and item.event.kind != "moved-away":
            first.setdefault(item.event.cpr, item)
    if not first:
        return {}
    lookups.require_allowance(session, actor, None, lookups.REGISTER)
    window = registration.AgeWindow.of(profiles.current(session), actor.today)
    key_of = settings.new_youth_keyer(session)
    groups: dict[tuple[str, str, str], list[tuple[Any, ...]]] = {}
    for number, item in first.items():
        event = item.event
        try:
            if not event.name:
                raise KuiError(
                    _(
                        "no youth with CPR {cpr} is registered, and the event has no name to "
                        "register them with"
                    ).format(cpr=cpr.masked(number))
                )
            new = NewYouth(number, event.name, item.status or "none", since=event.event_date)
            row = importer.registration_row(new, window, key_of)
        except KuiError as exc:
            touched.bad.append(BadLine(event.line, str(exc)))
            continue
        groups.setdefault((event.source, row[4], row[6]), []).append(row)  # status, need
    if touched.bad:
        return {}
    for (source, status, need), rows in groups.items():
        by_source = replace(actor, user=feed_lines.author(source))
        line_of = {row[0]: first[row[0]].event.line for row in rows}
        checked = importer.Validated(rows, line_of)
        what = registration.registered_text(status, need)
        importer.register_rows(session, by_source, Path(file), checked, rows, what=what)
    new_facts = rows_by_cpr(session, first)
    facts.update(new_facts)
    touched.registered.update((number, fact.id) for number, fact in new_facts.items())
    return {number: first[number].event.line for number in new_facts}


# --- the rules on rows, written with one statement per table and batch ------------------------

# The columns the rules set (written back by `_write_bulk`), and the positions of the dates.
BULK_COLUMNS = ("status", "status_since", "hours", "completed_on", "at_risk_since")
BULK_DATES = [1, 3, 4]
FACT_COLUMNS = (
    Youth.id,
    Youth.cpr,
    Youth.subject_key,
    Youth.birth_date,
    *(getattr(Youth, name) for name in BULK_COLUMNS),
)
SET_FROM = len(FACT_COLUMNS) - len(BULK_COLUMNS)  # where the columns the rules set begin


@dataclass
class Facts:
    """A registered youth as the rules read and set them (`duty.Facts`), without an ORM object
    (a feed names tens of thousands)."""

    id: int
    cpr: str
    subject_key: str
    birth_date: dt.date
    status: str
    status_since: dt.date
    hours: float | None
    completed_on: dt.date | None
    at_risk_since: dt.date | None
    read: tuple[Any, ...]  # the BULK_COLUMNS as read: only those the rules change are written


set_now = attrgetter(*BULK_COLUMNS)  # a youth's BULK_COLUMNS as the rules have set them


def rows_by_cpr(session: Session, numbers: Iterable[str]) -> dict[str, Facts]:
    """The registered youths of these numbers, one query per batch (never one per event)."""
    wanted = sorted(set(numbers))
    found: dict[str, Facts] = {}
    connection = session.connection()  # Core rows: the ORM's result machinery is not needed
    query = select(*FACT_COLUMNS).where(Youth.cpr.in_(EXPANDED))
    for start in range(0, len(wanted), BATCH):
        rows = connection.execute(query, {"ids": wanted[start : start + BATCH]}).all()
        found.update((row[1], Facts(*row, read=tuple(row[SET_FROM:]))) for row in rows)
    return found


def _open_episodes(session: Session, youth_ids: list[int]) -> dict[int, SimpleNamespace]:
    """The open episode of each of these youths (`duty.Episode`), one query per batch."""
    found: dict[int, SimpleNamespace] = {}
    columns = (DutyEpisode.id, DutyEpisode.youth_id, DutyEpisode.out_since)
    connection = session.connection()
    query = select(*columns).where(
        DutyEpisode.youth_id.in_(EXPANDED), DutyEpisode.closed_on.is_(None)
    )
    for start in range(0, len(youth_ids), BATCH):
        for row in connection.execute(query, {"ids": youth_ids[start : start + BATCH]}).all():
            found[row.youth_id] = SimpleNamespace(**row._mapping, closed_on=None, close_reason=None)
    return found


def _active_efforts(session: Session, youth_ids: list[int], today: dt.date) -> dict[int, list]:
    """The active efforts of the youths who move away, by youth (one query per batch)."""
    found: dict[int, list[Effort]] = {}
    for start in range(0, len(youth_ids), BATCH):
        chunk = youth_ids[start : start + BATCH]
        query = select(Effort).where(Effort.youth_id.in_(chunk), owners.active_effort(today))
        for effort in session.execute(query.order_by(Effort.id)).scalars():
            found.setdefault(effort.youth_id, []).append(effort)
    return found


@dataclass
class Bulk:
    """What the run reads once (open episodes, the coordinators and efforts of youths who move
    away, the law's rules) and writes at the end: change rows in order, episodes opened and
    closed (the assignments and efforts ended are the session's objects)."""

    episodes: dict[int, SimpleNamespace]
    assignments: dict[int, list[Any]]
    efforts: dict[int, list[Effort]]
    law: duty.DutyRules
    rows: list[dict[str, Any]] = field(default_factory=list)
    opened: list[SimpleNamespace] = field(default_factory=list)
    closed: list[SimpleNamespace] = field(default_factory=list)
    earliest: dict[int, dt.date] = field(default_factory=dict)  # first status change per youth

    def settle(self, youth_id: int, episode: SimpleNamespace | None) -> None:
        """An episode a rule closed is written closed (a new one: inserted so)."""
        if episode is not None and episode.closed_on is not None:
            del self.episodes[youth_id]
            if getattr(episode, "id", None) is not None:
                self.closed.append(episode)


def _apply_to(session: Session, actor: Actor, youth: Facts, item: Keyed, bulk: Bulk) -> str:
    """One event about a registered youth by the rules of a hand-typed change, on the youth's
    row; the rows it makes go to `bulk`. Its outcome."""
    event, day = item.event, item.event.event_date
    if day < youth.status_since:
        return SUPERSEDED  # kui knows a newer status: the older fact does not overwrite it
    why = reason_text(event)
    made: list[dict[str, Any]] = []
    if event.kind == "at-risk":
        if youth.at_risk_since is not None and youth.at_risk_since <= day:
            return KNOWN
        old, youth.at_risk_since = youth.at_risk_since, day
        what = Phrase(mark("history", "at risk of dropping out since {day}"), {"day": day})
        made.append(changes.row(actor, youth.id, "at-risk", what, old=old, new=day, why=why,
                                effective_on=day))  # fmt: skip
    elif event.kind == "moved-away":
        made += _moved_away(session, actor, youth, day, why, bulk)
    else:
        if event.kind == "moved-in":
            what = Phrase(mark("history", "moved into the municipality on {day}"), {"day": day})
            made.append(changes.row(actor, youth.id, "moved", what, new="moved-in", why=why,
                                    effective_on=day))  # fmt: skip
        made += _status(actor, youth, item, why, bulk)
    if not made:
        return KNOWN
    bulk.rows += made
    return APPLIED


def _status(
    actor: Actor, youth: Facts, item: Keyed, why: Phrase, bulk: Bulk
) -> list[dict[str, Any]]:
    """The status (and for `completed` the completion date) as `youth update` sets them
    (`youths.set_status`, `duty.transition`, `youths.set_field`); the same status is a fact kui
    knows already (its start is not moved)."""
    made: list[dict[str, Any]] = []
    day = item.event.event_date
    if item.status is not None and item.status != youth.status:
        made.append(youths.set_status(actor, youth, item.status, day, None, why))
        bulk.earliest.setdefault(youth.id, day)
        episode = bulk.episodes.get(youth.id)
        opened, rows = duty.transition(actor, youth, episode, bulk.law, why)
        made += rows
        bulk.settle(youth.id, episode)
        if opened is not None:
            bulk.episodes[youth.id] = SimpleNamespace(**opened)
            bulk.opened.append(bulk.episodes[youth.id])
    completes = item.status is not None and codes.STATUS_TABLE[item.status].completed
    if completes and youth.completed_on != day:
        made.append(youths.set_field(actor, youth, "completed_on", day, why))
    return made


def _moved_away(
    session: Session, actor: Actor, youth: Facts, day: dt.date, why: Phrase, bulk: Bulk
) -> list[dict[str, Any]]:
    """kui's part ends as it ends by hand: the coordinator (`coordinators.ending`, the rule of
    `coordinator end`), the active efforts (`plans.effort_ending`, of `plan effort end`) and an
    open education-obligation episode (`duty.moved_away`, closed on the day)."""
    # The rules of `coordinator end` and `plan effort end` ask for a reason: the event's, as
    # the hand-typed one is checked (the coordinator's and effort's own end reason columns
    # keep it as English text; the history rows keep the phrase).
    changes.required_reason(str(why), _("kui's part ends"))
    made: list[dict[str, Any]] = []
    open_rows = coordinators.open_among(bulk.assignments.get(youth.id, []), youth.id, actor.today)
    if open_rows:
        made.append(coordinators.ending(session, actor, youth.id, open_rows, why))
    made += [plans.effort_ending(actor, e, why) for e in bulk.efforts.pop(youth.id, [])]
    episode = bulk.episodes.get(youth.id)
    made += duty.moved_away(actor, youth, episode, day, why)
    bulk.settle(youth.id, episode)
    what = Phrase(mark("history", "moved away from the municipality on {day}: kui's part ends"),
                  {"day": day})  # fmt: skip
    made.append(changes.row(actor, youth.id, "moved", what, new="moved-away", why=why,
                            effective_on=day))  # fmt: skip
    return made


def _write_bulk(session: Session, facts: list[Facts], bulk: Bulk) -> None:
    """Youths (those the rules changed), change log, periods and episodes, each in executemany
    statements of plain tuples (`bulk_writes.execute_many`); the coordinators and efforts ended
    by the session's flush."""
    session.flush()
    mark = bulk_writes.mark(session)
    # One statement per set of columns changed: a youth's row with only the columns the rules
    # changed (an at-risk mark leaves the status index alone).
    by_columns: dict[tuple[int, ...], list[tuple[Any, ...]]] = {}
    for fact in facts:
        now = set_now(fact)
        if now != fact.read:
            changed = tuple(i for i, value in enumerate(now) if value != fact.read[i])
            by_columns.setdefault(changed, []).append((*(now[i] for i in changed), fact.id))
    for changed, rows in by_columns.items():
        new_values = ", ".join(f"{BULK_COLUMNS[i]} = {mark}" for i in changed)
        # In the order of the table (by id): a feed's youths are scattered over it, and
        # updating them in CPR order made SQLite read the same pages in and out of its cache.
        bulk_writes.execute_many(
            session,
            f"UPDATE youth SET {new_values} WHERE id = {mark}",
            sorted(rows, key=itemgetter(-1)),
            [at for at, i in enumerate(changed) if i in BULK_DATES],
        )
    changes.record_many(session, bulk.rows)
    history.refresh_many(session, bulk.earliest)
    if bulk.opened:
        bulk_writes.insert_many(session, DutyEpisode, [vars(e) for e in bulk.opened])
    bulk_writes.execute_many(
        session,
        f"UPDATE duty_episode SET closed_on = {mark}, close_reason = {mark} WHERE id = {mark}",
        [(e.closed_on, e.close_reason, e.id) for e in bulk.closed],
        [0],
    )


# --- recording ------------------------------------------------------------------------------


def _store(session: Session, fresh: list[Keyed], facts: dict[str, Facts], touched: Touched) -> None:
    """The events taken in, in one executemany insert: applied, known, superseded or skipped,
    each is known from now on (with the youth's id, as the run read or registered them)."""
    now = dt.datetime.now(dt.UTC)
    rows = [
        {
            "source": item.event.source,
            "event_key": item.key,
            "content": item.content,
            "youth_id": facts[item.event.cpr].id if item.event.cpr in facts else None,
            "kind": item.event.kind,
            "event_date": item.event.event_date,
            "outcome": touched.outcomes[item.event.line],
            "applied_at": now,
        }
        for item in fresh
    ]
    bulk_writes.insert_many(session, FeedEvent, rows)


def _changes_since(session: Session, before: int, touched: Touched) -> list[dict[str, Any]]:
    """The history rows the (dry) run wrote, per young person: exactly what would change. A
    youth registered by the run is named by the masked CPR number (their id is not kept)."""
    new_ids = {youth_id: number for number, youth_id in touched.registered.items()}
    query = (
        select(ChangeLog.youth_id, ChangeLog.what, ChangeLog.what_args)
        .where(ChangeLog.id > before)
        .order_by(ChangeLog.youth_id, ChangeLog.id)
    )
    rows = []
    for youth_id, what, args in session.execute(query):
        number = new_ids.get(youth_id)
        who = f"new {cpr.masked(number)}" if number else str(youth_id)
        rows.append({"youth": who, "what": Phrase.stored(what, args)})
    return rows


def _audit(
    session: Session,
    actor: Actor,
    summary: Summary,
    touched: Touched,
    facts: dict[str, Facts],
) -> None:
    """One entry for the feed, and one per youth it registered (create), changed (update) or
    only read, by the youth's key: all by the acting user (the feed's sources are in the
    entries' filter; the history names them as the authors)."""
    keys = {number: fact.subject_key for number, fact in facts.items()}
    created = sorted(keys[n] for n in touched.registered if n in keys)
    changed = sorted(keys[n] for n in touched.changed if n in keys and n not in touched.registered)
    read = sorted(keys[n] for n in touched.read - touched.changed if n in keys)
    filters = {"feed": summary.file, "sources": summary.sources, "dry_run": summary.dry_run or None}
    filters = {k: v for k, v in filters.items() if v}
    if summary.dry_run:
        read, changed, created = sorted({*read, *changed}), [], []
    audit.record_many(session, actor, "create", created, filters)
    audit.record_many(session, actor, "update", changed, filters)
    audit.record_many(session, actor, "read", read, filters)
    counts = {
        "applied": summary.applied,
        "already_known": summary.already_known,
        "superseded": len(summary.superseded),
        "new_youths": summary.new_youths,
    }
    audit.record(session, actor, "import", filters={**filters, **counts}, rows=summary.events)
