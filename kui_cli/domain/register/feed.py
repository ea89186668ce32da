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
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlmodel import Session

from kui_cli.domain import codes, settings
from kui_cli.domain import profile as profiles
from kui_cli.domain.law import duty
from kui_cli.domain.plan import changes, coordinators, owners, plans
from kui_cli.domain.protection import audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import cpr, youths
from kui_cli.domain.register.feed_lines import Event, parse, read_lines
from kui_cli.domain.register.registration import NewYouth
from kui_cli.errors import KuiError
from kui_cli.models import ChangeLog, Effort, FeedEvent, Youth

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
BATCH = 500
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
        shown = "; ".join(f"line {b.line}: {b.reason}" for b in self.bad[:3])
        more = f" (and {len(bad) - 3} more)" if len(bad) > 3 else ""
        super().__init__(f"{len(bad)} bad lines, nothing applied: {shown}{more}")


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
            f"education {event.education!r} is not in the profile's feed.statuses "
            f"(known: {', '.join(sorted(table))})"
        )
    if kind == "started":
        if named is None:
            raise KuiError("a started event names the education (the education field)")
        return named
    if kind == "benefit":
        return named if named in BENEFITS else BENEFITS[0]
    return named if kind == "moved-in" else None


def reason_text(event: Event) -> str:
    """The event as the reason of the history rows it causes."""
    said = [f"{event.source} event {event.event_id or '(no id)'}: {event.kind}"]
    said += [
        f"{label} {value}"
        for label, value in (
            ("education", event.education),
            ("institution", event.institution),
            ("reason", event.reason),
        )
        if value
    ]
    return ", ".join(said) + f", on {event.event_date}"


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
    path: Path, source: str | None, today: dt.date, table: dict[str, str], bad: list[BadLine]
) -> list[tuple[Event, str | None]]:
    """Every line of the file as an event with the status it sets; bad lines go to `bad`."""
    found: list[tuple[Event, str | None]] = []
    for line, fields in read_lines(path):
        if isinstance(fields, str):
            bad.append(BadLine(line, fields))
            continue
        try:
            event = parse(fields, line, source, today)
            found.append((event, status_for(event, table)))
        except KuiError as exc:
            bad.append(BadLine(line, str(exc)))
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
    for source, keys in by_source.items():
        unique = sorted(set(keys))
        for start in range(0, len(unique), BATCH):
            query = select(FeedEvent.event_key, FeedEvent.content).where(
                FeedEvent.source == source, FeedEvent.event_key.in_(unique[start : start + BATCH])
            )
            found.update(((source, key), content) for key, content in session.execute(query))
    return found


def youths_by_cpr(session: Session, numbers: Iterable[str]) -> dict[str, Youth]:
    """The registered youths of these numbers, one query per batch (never one per event)."""
    wanted = sorted(set(numbers))
    found: dict[str, Youth] = {}
    for start in range(0, len(wanted), BATCH):
        query = select(Youth).where(Youth.cpr.in_(wanted[start : start + BATCH]))
        found.update((y.cpr, y) for y in session.execute(query).scalars())
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
                where = f"line {first.event.line}" if first is not None else "an earlier feed"
                bad.append(
                    BadLine(
                        item.event.line,
                        f"event_id {item.key!r} of source {pair[0]} came with other content "
                        f"in {where}",
                    )
                )
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
) -> Summary:
    """Apply a feed in the session's transaction (the caller's, all or nothing); a dry run
    applies it inside a savepoint, gathers the history rows it made and rolls them back."""
    prof = profiles.current(session)
    bad: list[BadLine] = []
    summary = Summary(path.name, dry_run)
    events = checked_events(path, source, actor.today, prof.value("feed.statuses"), bad)
    summary.events = len(events) + len(bad)
    items = keyed(events, settings.new_youth_keyer(session))
    fresh = new_events(items, known_contents(session, items), bad, summary)
    if bad:
        raise FeedRejected(bad)
    known = youths_by_cpr(session, (item.event.cpr for item in fresh))
    fresh.sort(key=lambda item: (item.event.event_date, item.event.line))
    keys = {number: youth.subject_key for number, youth in known.items()}
    if not dry_run:
        touched = _apply_all(session, actor, fresh, known, summary)
        _store(session, fresh, touched.outcomes, known)
        _audit(session, actor, summary, touched, keys)
        return summary
    savepoint = session.begin_nested()
    try:
        before = session.execute(select(func.coalesce(func.max(ChangeLog.id), 0))).scalar()
        touched = _apply_all(session, actor, fresh, known, summary)
        summary.changes = _changes_since(session, before or 0, touched)
    finally:
        savepoint.rollback()
    _audit(session, actor, summary, touched, keys)
    return summary


@dataclass
class Touched:
    """The outcome of each event by line, and the youths each outcome concerns."""

    outcomes: dict[int, str] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)  # CPR numbers of youths changed
    read: set[str] = field(default_factory=set)  # of youths only looked at
    registered: dict[str, int] = field(default_factory=dict)  # CPR -> the new youth's id


def _apply_all(
    session: Session, actor: Actor, fresh: list[Keyed], known: dict[str, Youth], summary: Summary
) -> Touched:
    """Every new event in date order; a line a rule refuses is named, and then none applies."""
    touched = Touched()
    bad: list[BadLine] = []
    for item in fresh:
        event = item.event
        by_source = replace(actor, user=event.source)
        try:
            outcome = _apply_one(session, by_source, item, known, touched)
        except KuiError as exc:
            bad.append(BadLine(event.line, str(exc)))
            continue
        touched.outcomes[event.line] = outcome
        if outcome == APPLIED:
            summary.applied += 1
            touched.changed.add(event.cpr)
        elif outcome == SUPERSEDED:
            summary.superseded.append(event.line)
        elif outcome == KNOWN:
            summary.already_known += 1
        else:
            summary.skipped += 1
        if outcome != APPLIED and event.cpr in known:
            touched.read.add(event.cpr)
    if bad:
        raise FeedRejected(bad)
    summary.new_youths = len(touched.registered)
    summary.superseded.sort()
    return touched


def _apply_one(
    session: Session, actor: Actor, item: Keyed, known: dict[str, Youth], touched: Touched
) -> str:
    event = item.event
    youth = known.get(event.cpr)
    if youth is None:
        if event.kind == "moved-away":
            return SKIPPED  # not in the register, and now not the municipality's either
        youth = _register(session, actor, item)
        known[event.cpr] = youth
        touched.registered[event.cpr] = youth.id or 0
        _apply_to(session, actor, youth, item)
        return APPLIED
    return _apply_to(session, actor, youth, item)


def _register(session: Session, actor: Actor, item: Keyed) -> Youth:
    """An unknown youth, registered by the rules of `youth add` when the event has a name."""
    event = item.event
    if not event.name:
        raise KuiError(
            f"no youth with CPR {cpr.masked(event.cpr)} is registered, and the event has no name "
            "to register them with"
        )
    new = NewYouth(event.cpr, event.name, item.status or "none", since=event.event_date)
    return youths.register(session, actor, new)


def _apply_to(session: Session, actor: Actor, youth: Youth, item: Keyed) -> str:
    """One event about a registered youth; its outcome."""
    event = item.event
    if event.event_date < youth.status_since:
        return SUPERSEDED  # kui knows a newer status: the older fact does not overwrite it
    why = reason_text(event)
    if event.kind == "at-risk":
        return _at_risk(session, actor, youth, event, why)
    if event.kind == "moved-away":
        return _moved_away(session, actor, youth, event, why)
    if event.kind == "moved-in":
        what = f"moved into the municipality on {event.event_date}"
        changes.record(session, actor, youth.id, "moved", what, new="moved-in", why=why,
                       effective_on=event.event_date)  # fmt: skip
        _set_status(session, actor, youth, event, item.status, why)
        return APPLIED
    return APPLIED if _set_status(session, actor, youth, event, item.status, why) else KNOWN


def _set_status(
    session: Session, actor: Actor, youth: Youth, event: Event, status: str | None, why: str
) -> bool:
    """The status (and for `completed` the completion date) as `youth update` sets them; the
    same status is a fact kui knows already (its start is not moved)."""
    upd = youths.YouthUpdate(reason=why)
    if status is not None and status != youth.status:
        upd.status, upd.since = status, event.event_date
    completes = status is not None and codes.STATUS_TABLE[status].completed
    if completes and youth.completed_on != event.event_date:
        upd.completed_on = event.event_date
    if upd.status is None and upd.completed_on is None:
        return False
    return bool(youths.apply_changes(session, actor, youth, upd).changed)


def _at_risk(session: Session, actor: Actor, youth: Youth, event: Event, why: str) -> str:
    if youth.at_risk_since is not None and youth.at_risk_since <= event.event_date:
        return KNOWN
    old, youth.at_risk_since = youth.at_risk_since, event.event_date
    session.add(youth)
    what = f"at risk of dropping out since {event.event_date}"
    changes.record(session, actor, youth.id, "at-risk", what, old=old, new=event.event_date,
                   why=why, effective_on=event.event_date)  # fmt: skip
    return APPLIED


def _moved_away(session: Session, actor: Actor, youth: Youth, event: Event, why: str) -> str:
    """kui's part ends as it ends by hand: the coordinator (`coordinator end`), the active
    efforts (`plan effort end`) and an open education-obligation episode (closed on the day)."""
    assert youth.id is not None
    if coordinators.open_assignments(session, youth.id, actor.today):
        coordinators.end(session, actor, str(youth.id), why)
    efforts = select(Effort.id).where(
        Effort.youth_id == youth.id, owners.active_effort(actor.today)
    )
    for effort_id in list(session.execute(efforts).scalars()):
        plans.end_effort(session, actor, effort_id, why)
    duty.moved_away(session, actor, youth, event.event_date, why)
    what = f"moved away from the municipality on {event.event_date}: kui's part ends"
    changes.record(session, actor, youth.id, "moved", what, new="moved-away", why=why,
                   effective_on=event.event_date)  # fmt: skip
    return APPLIED


# --- recording ------------------------------------------------------------------------------


def _store(
    session: Session, fresh: list[Keyed], outcomes: dict[int, str], known: dict[str, Youth]
) -> None:
    """The events taken in, in one executemany insert: applied, known, superseded or skipped,
    each is known from now on."""
    now = dt.datetime.now(dt.UTC)
    rows = [
        {
            "source": item.event.source,
            "event_key": item.key,
            "content": item.content,
            "youth_id": known[item.event.cpr].id if item.event.cpr in known else None,
            "kind": item.event.kind,
            "event_date": item.event.event_date,
            "outcome": outcomes[item.event.line],
            "applied_at": now,
        }
        for item in fresh
    ]
    if rows:
        session.execute(insert(FeedEvent), rows)


def _changes_since(session: Session, before: int, touched: Touched) -> list[dict[str, Any]]:
    """The history rows the (dry) run wrote, per young person: exactly what would change. A
    youth registered by the run is named by the masked CPR number (their id is not kept)."""
    new_ids = {youth_id: number for number, youth_id in touched.registered.items()}
    query = (
        select(ChangeLog.youth_id, ChangeLog.what)
        .where(ChangeLog.id > before)
        .order_by(ChangeLog.youth_id, ChangeLog.id)
    )
    rows = []
    for youth_id, what in session.execute(query):
        number = new_ids.get(youth_id)
        who = f"new {cpr.masked(number)}" if number else str(youth_id)
        rows.append({"youth": who, "what": what})
    return rows


def _audit(
    session: Session,
    actor: Actor,
    summary: Summary,
    touched: Touched,
    keys: dict[str, str],
) -> None:
    """One entry for the feed, and one per youth it changed (update) or only read, by the
    youth's key (`keys`: CPR -> key of the youths registered before the feed; the feed's new
    youths were audited as created by their registration)."""
    changed = sorted(keys[n] for n in touched.changed if n in keys and n not in touched.registered)
    read = sorted(keys[n] for n in touched.read - touched.changed if n in keys)
    filters = {"feed": summary.file, "dry_run": summary.dry_run or None}
    filters = {k: v for k, v in filters.items() if v is not None}
    if summary.dry_run:
        read, changed = sorted({*read, *changed}), []
    audit.record_many(session, actor, "update", changed, filters)
    audit.record_many(session, actor, "read", read, filters)
    counts = {
        "applied": summary.applied,
        "already_known": summary.already_known,
        "superseded": len(summary.superseded),
        "new_youths": summary.new_youths,
    }
    audit.record(session, actor, "import", filters={**filters, **counts}, rows=summary.events)
