"""The education obligation (uddannelsespligt, § 2 a): a 15-17-year-old out of activity.

An *episode* is one period out of activity, with the law's deadlines stored on it:
- It opens when a status change (registration, import, `youth update`) leaves a youth who is 15-17
  on the status date out of activity (`is_out_of_activity`): a status that is no activity (`none`,
  see `codes.STATUS_TABLE`), or a `job` with fewer weekly hours than the profile's
  `duty.job_hours_threshold` (a job without recorded hours counts as an activity). While
  the youth stays out of activity the open episode is kept: the clock runs from the first drop-out.
- Its deadlines are computed once and stored, so reading them needs no holiday calendar: contact by
  the Nth working day after the drop-out (`duty.contact_working_days`), a new activity offered N
  calendar days (`duty.offer_calendar_days`) after the drop-out or, with `duty.offer_from =
  "contact"`, after the contact; until the contact is recorded that offer deadline is provisional
  (the contact deadline + N days). `kui init` recomputes the deadlines of open episodes when the
  profile's calendar or duty settings change.
- It closes on a status that is an activity ("activity", on the status date), on `duty exempt`
  ("exempted") and on the 18th birthday ("turned-18", on the birthday).

The 18th birthday closes an episode lazily but deterministically: every reader (`duty check`,
`youth show`, the KUI-youth rule) treats the episode of a youth who is 18 on `--today` as closed,
and the next write about that youth (a status change) records it, with the birthday as `closed_on`
and a change-log row. So what is stored never depends on when it was written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlmodel import Session

from kui_cli.domain import bulk, codes, periods, profile
from kui_cli.domain.law import calendar
from kui_cli.domain.plan import changes
from kui_cli.domain.profile import Profile
from kui_cli.domain.protection import access, audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import ages, cpr
from kui_cli.errors import KuiError
from kui_cli.models import DutyEpisode, Youth
from kui_cli.phrase import Phrase
from kui_cli.render.i18n import _, mark

KIND = "duty"
FIRST_AGE, END_AGE = 15, 18
ACTIVITY, EXEMPTED, TURNED_18 = "activity", "exempted", "turned-18"
MOVED_AWAY = "moved-away"  # another municipality's obligation from the day of the move
CHECK_COLUMNS = [
    "youth_id",
    "name",
    "out_since",
    "contact_deadline",
    "offer_deadline",
    "contacted_on",
    "offered_on",
    "overdue",
]


@dataclass(frozen=True)
class DutyRules:
    """The profile's settings for the education obligation, and the deadlines they give."""

    contact_working_days: int = profile.default("duty.contact_working_days")
    offer_calendar_days: int = profile.default("duty.offer_calendar_days")
    offer_from: str = profile.default("duty.offer_from")
    job_hours_threshold: float = profile.default("duty.job_hours_threshold")
    extra_closing_days: tuple[str, ...] = ()

    @classmethod
    def of(cls, prof: Profile) -> DutyRules:
        return cls(
            contact_working_days=prof.value("duty.contact_working_days"),
            offer_calendar_days=prof.value("duty.offer_calendar_days"),
            offer_from=prof.value("duty.offer_from"),
            job_hours_threshold=prof.value("duty.job_hours_threshold"),
            extra_closing_days=tuple(prof.value("calendar.extra_closing_days")),
        )

    def is_out_of_activity(self, status: str, hours: float | None) -> bool:
        """`is_out_of_activity` under this profile's hours threshold."""
        return is_out_of_activity(status, hours, self.job_hours_threshold)

    def contact_deadline(self, out_since: dt.date) -> dt.date:
        """Contact within N working days after the drop-out."""
        return calendar.nth_working_day_after(
            out_since, self.contact_working_days, self.extra_closing_days
        )

    def offer_deadline(
        self, out_since: dt.date, contact_deadline: dt.date, contacted_on: dt.date | None
    ) -> dt.date:
        """A new activity within N calendar days (no shift off a holiday) of the drop-out or the
        contact; before the contact, the latest date it can be (from the contact deadline)."""
        start = out_since
        if self.offer_from == "contact":
            start = contacted_on or contact_deadline
        return start + dt.timedelta(days=self.offer_calendar_days)


# --- out of activity: each rule beside its SQL twin (tests/test_sql_twins.py holds them together)


def is_short_job(status: str, hours: float | None, threshold: float) -> bool:
    """A job with fewer recorded weekly hours than the threshold: not labour-market attachment
    (a job without recorded hours counts as one)."""
    return codes.STATUS_TABLE[status].weekly_hours and hours is not None and hours < threshold


def short_job(
    status: ColumnElement[str], hours: ColumnElement[float | None], threshold: float
) -> ColumnElement[bool]:
    """SQL: `is_short_job`, never null."""
    return and_(status.in_(codes.WEEKLY_HOURS), hours.is_not(None), hours < threshold)


def is_out_of_activity(status: str, hours: float | None, threshold: float) -> bool:
    """Out of activity for the education obligation: a status that is no activity, or a short
    job."""
    return not codes.STATUS_TABLE[status].activity or is_short_job(status, hours, threshold)


def out_of_activity(
    status: ColumnElement[str], hours: ColumnElement[float | None], threshold: float
) -> ColumnElement[bool]:
    """SQL: `is_out_of_activity`, never null."""
    return or_(status.in_(codes.NOT_ACTIVITY), short_job(status, hours, threshold))


def rules(session: Session) -> DutyRules:
    return DutyRules.of(profile.current(session))


def is_obliged(born: dt.date, on: dt.date) -> bool:
    """The obligation applies to a youth aged 15-17 on the day they drop out."""
    return FIRST_AGE <= ages.age_on(born, on) < END_AGE


def ends_on(born: dt.date) -> dt.date:
    """The 18th birthday, when the obligation ends."""
    return ages.birthday(born, END_AGE)


class Steps(Protocol):
    """What `overdue` reads: an episode, or a row with the same columns."""

    contact_deadline: dt.date
    offer_deadline: dt.date
    contacted_on: dt.date | None
    offered_on: dt.date | None


def overdue(episode: Steps, today: dt.date) -> list[str]:
    """The steps not recorded by their deadline, on `today` (the deadline day itself is in time)."""
    late = []
    if episode.contacted_on is None and today > episode.contact_deadline:
        late.append("contact")
    if episode.offered_on is None and today > episode.offer_deadline:
        late.append("offer")
    return late


def is_overdue(today: dt.date) -> ColumnElement[bool]:
    """SQL on `duty_episode`: `overdue` finds a late step on `today`, so a reader that wants only
    the late episodes (the agenda) never reads, nor checks access to, the others."""
    return or_(
        and_(DutyEpisode.contacted_on.is_(None), DutyEpisode.contact_deadline < today),
        and_(DutyEpisode.offered_on.is_(None), DutyEpisode.offer_deadline < today),
    )


def step_met(due: ColumnElement[dt.date], done: ColumnElement[dt.date]) -> ColumnElement[bool]:
    """SQL: a step (contact, offer) recorded on or before its deadline (the day itself is in
    time, as for `overdue`)."""
    return done <= due


def step_missed(
    due: ColumnElement[dt.date],
    done: ColumnElement[dt.date],
    closed: ColumnElement[dt.date],
    over: ColumnElement[bool],
) -> ColumnElement[bool]:
    """SQL: a step whose deadline day is `over` came late or not at all, unless the episode
    closed first (the youth went back to an activity, turned 18 or was exempted). The monthly
    export's counts and the national report's `in_time` both read this."""
    not_closed_first = or_(closed.is_(None), closed > due)
    return and_(over, or_(done > due, and_(done.is_(None), not_closed_first)))


def active_during(start: dt.date, end: dt.date) -> list[ColumnElement[bool]]:
    """SQL over `duty_episode` joined to `youth`: the episodes open on some day start..end, as
    every reader sees them (`open_conditions`: a youth of 18 on `start` has none open)."""
    return [
        periods.open_during(DutyEpisode.out_since, DutyEpisode.closed_on, start, end),
        under_18(start),
    ]


def next_deadline(episode: Steps) -> dt.date:
    """The nearest deadline of a step not yet recorded (date.max when both are recorded)."""
    pending = [
        due
        for due, done in (
            (episode.contact_deadline, episode.contacted_on),
            (episode.offer_deadline, episode.offered_on),
        )
        if done is None
    ]
    return min(pending, default=dt.date.max)


# --- what readers see: an episode is open while stored open and the youth is under 18 ---


def under_18(today: dt.date) -> ColumnElement[bool]:
    return Youth.birth_date > ages.latest_birth_date_for_age(END_AGE, today)


def open_conditions(today: dt.date) -> list[ColumnElement[bool]]:
    """SQL for the episodes open on `today`, over `duty_episode` joined to `youth`."""
    return [DutyEpisode.closed_on.is_(None), under_18(today)]


def open_episode_exists(today: dt.date) -> ColumnElement[bool]:
    """SQL on `youth`: the youth has an education-obligation episode open on `today`."""
    stored_open = (
        exists()
        .where(DutyEpisode.youth_id == Youth.id, DutyEpisode.closed_on.is_(None))
        .correlate(Youth)
    )
    return and_(under_18(today), stored_open)


def check(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """`duty check`: every open episode with its deadlines and what is overdue, nearest first."""
    query = (
        select(
            DutyEpisode.youth_id,
            Youth.name,
            DutyEpisode.out_since,
            DutyEpisode.contact_deadline,
            DutyEpisode.offer_deadline,
            DutyEpisode.contacted_on,
            DutyEpisode.offered_on,
        )
        .join(Youth, Youth.id == DutyEpisode.youth_id)
        .where(*open_conditions(actor.today), access.condition(session))
    )
    found = sorted(session.execute(query), key=lambda r: (next_deadline(r), r.youth_id))
    rows = [dict(r._mapping, overdue=overdue(r, actor.today)) for r in found]
    audit.record(session, actor, "list", filters={"duty": "open episodes"}, rows=len(rows))
    return rows


def show_fields(session: Session, youth: Youth, today: dt.date) -> dict[str, Any]:
    """For `youth show`: since when the youth is out of activity, and the open deadlines."""
    episode = stored_open(session, youth.id) if ends_on(youth.birth_date) > today else None
    if episode is None:
        return {"duty_out_since": None, "deadlines": []}
    late = overdue(episode, today)
    steps = [
        ("contact", episode.contact_deadline, episode.contacted_on),
        ("offer", episode.offer_deadline, episode.offered_on),
    ]
    deadlines = [
        {"deadline": step, "due": due, "done_on": done, "overdue": step in late}
        for step, due, done in steps
    ]
    return {"duty_out_since": episode.out_since, "deadlines": deadlines}


# --- opening and closing ---


def stored_open(session: Session, youth_id: int | None) -> DutyEpisode | None:
    """The youth's episode that is not recorded as closed (there is at most one)."""
    query = (
        select(DutyEpisode)
        .where(DutyEpisode.youth_id == youth_id, DutyEpisode.closed_on.is_(None))
        .order_by(DutyEpisode.id.desc())
    )
    return session.execute(query).scalars().first()


def new_episode(
    youth_id: int, born: dt.date, out_since: dt.date, today: dt.date, law: DutyRules
) -> dict[str, Any]:
    """The column values of a new episode; already closed when the youth is 18 on `today`."""
    contact = law.contact_deadline(out_since)
    values: dict[str, Any] = {
        "youth_id": youth_id,
        "out_since": out_since,
        "contact_deadline": contact,
        "offer_deadline": law.offer_deadline(out_since, contact, None),
        "closed_on": None,
        "close_reason": None,
    }
    if ends_on(born) <= today:
        values.update(closed_on=ends_on(born), close_reason=TURNED_18)
    return values


def turned_18_text(birthday: dt.date) -> Phrase:
    template = mark("history", "education obligation ended: turned 18 on {day}")
    return Phrase(template, {"day": birthday})


def opening_history(values: dict[str, Any], status: str) -> list[tuple[Phrase, str]]:
    """The change-log rows (what, new value) of a new episode, as `new_episode` gave it."""
    opened = Phrase(
        mark("history", "education obligation (uddannelsespligt): out of activity since {since}; "
             "contact by {contact_by}, new activity offered by {offer_by}"),
        {"since": values["out_since"], "contact_by": values["contact_deadline"],
         "offer_by": values["offer_deadline"]},
    )  # fmt: skip
    history = [(opened, status)]
    if values["closed_on"] is not None:
        history.append((turned_18_text(values["closed_on"]), TURNED_18))
    return history


class Facts(Protocol):
    """What the rule reads of a youth: a `Youth`, or the status feed's row of one."""

    id: int | None
    birth_date: dt.date
    status: str
    status_since: dt.date
    hours: float | None


class Episode(Protocol):
    """What the rule reads and sets of an open episode: a `DutyEpisode`, or the feed's row."""

    youth_id: int
    out_since: dt.date
    closed_on: dt.date | None
    close_reason: str | None


def status_changed(session: Session, actor: Actor, youth: Youth, why: str | None = None) -> None:
    """After a registration or status change: open, keep or close the youth's episode; `why`
    (the status change's reason) goes with the episode's change-log row."""
    episode = stored_open(session, youth.id)
    opened, rows = transition(actor, youth, episode, rules(session), why)
    if episode is not None:
        session.add(episode)
    if opened is not None:
        session.add(DutyEpisode(**opened))
    for row in rows:
        changes.add(session, row)


def transition(
    actor: Actor,
    youth: Facts,
    episode: Episode | None,
    law: DutyRules,
    why: str | Phrase | None = None,
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The rule of `status_changed` without a session (the status feed applies it to thousands
    of youths at once): the open episode (if any) is settled and closed on an activity, and the
    values of a new episode are returned when the youth drops out; with the change-log rows
    (`changes.row`) that record it, in order."""
    episode, rows = settled(actor, youth, episode)
    out = law.is_out_of_activity(youth.status, youth.hours)
    if episode is None and out and is_obliged(youth.birth_date, youth.status_since):
        assert youth.id is not None
        values = new_episode(youth.id, youth.birth_date, youth.status_since, actor.today, law)
        for what, new in opening_history(values, youth.status):
            rows.append(changes.row(actor, youth.id, KIND, what, new=new, why=why))
        return values, rows
    if episode is not None and not out:
        reason = EXEMPTED if youth.status in codes.EXEMPTED else ACTIVITY
        on = max(youth.status_since, episode.out_since)
        what = Phrase(
            mark("history", "education obligation: episode closed, {status} since {since}"),
            {"status": youth.status, "since": on},
        )
        rows.append(_closing(actor, episode, on, reason, what, why=why))
    return None, rows


def settled(
    actor: Actor, youth: Facts, episode: Episode | None
) -> tuple[Episode | None, list[dict[str, Any]]]:
    """The open episode, unless the youth is 18 on `--today`: then it is closed on the 18th
    birthday (the lazy close), with its change-log row, and None is returned."""
    if episode is not None and ends_on(youth.birth_date) <= actor.today:
        birthday = ends_on(youth.birth_date)
        row = _closing(actor, episode, birthday, TURNED_18, turned_18_text(birthday))
        return None, [row]
    return episode, []


def settle(session: Session, actor: Actor, youth: Youth) -> DutyEpisode | None:
    """The youth's open episode; one whose youth is 18 on `--today` is recorded as closed on the
    18th birthday (the lazy close) and None is returned."""
    episode = stored_open(session, youth.id)
    found, rows = settled(actor, youth, episode)
    if rows and episode is not None:
        session.add(episode)
        changes.add(session, rows[0])
    return episode if found is not None else None


def _closing(
    actor: Actor,
    episode: Episode,
    on: dt.date,
    reason: str,
    what: Phrase,
    why: str | Phrase | None = None,
) -> dict[str, Any]:
    """Close the episode on `on`; the change-log row that records it."""
    episode.closed_on, episode.close_reason = on, reason
    return changes.row(actor, episode.youth_id, KIND, what, new=reason, why=why)


def _close(
    session: Session,
    actor: Actor,
    episode: DutyEpisode,
    on: dt.date,
    reason: str,
    what: Phrase,
    why: str | Phrase | None = None,
) -> None:
    row = _closing(actor, episode, on, reason, what, why)
    session.add(episode)
    changes.add(session, row)


def moved_away(
    actor: Actor, youth: Facts, episode: Episode | None, on: dt.date, why: str | Phrase
) -> list[dict[str, Any]]:
    """The youth has moved away: their open episode (`settled` first) closes on the day of the
    move, the obligation is the new municipality's. The change-log rows that record it; none
    when no episode was open. Without a session: the status feed applies it in bulk."""
    episode, rows = settled(actor, youth, episode)
    if episode is None:
        return rows
    day = max(on, episode.out_since)
    what = Phrase(
        mark("history", "education obligation: episode closed, moved away on {day}"), {"day": day}
    )
    return [*rows, _closing(actor, episode, day, MOVED_AWAY, what, why=why)]


def open_for_new_youths(session: Session, actor: Actor, after_id: int) -> int:
    """Bulk (import, demo): open the episodes of the youths registered after `after_id` who are
    out of activity (an import has no hours, so a job is an activity). Two executemany inserts,
    no ORM objects; returns the number opened."""
    law = rules(session)
    query = (
        select(Youth.id, Youth.birth_date, Youth.status_since, Youth.status)
        .where(
            Youth.id > after_id,
            out_of_activity(Youth.status, Youth.hours, law.job_hours_threshold),
            Youth.birth_date <= ages.latest_birth_date_for_age(FIRST_AGE, actor.today),
        )
        .order_by(Youth.id)  # episodes in registration order, whichever index the query uses
    )
    opened = [
        (new_episode(youth_id, born, since, actor.today, law), status)
        for youth_id, born, since, status in session.execute(query)
        if is_obliged(born, since)
    ]
    if not opened:
        return 0
    now = dt.datetime.now(dt.UTC)
    history = [
        changes.row(actor, e["youth_id"], KIND, what, new=new, at=now)
        for e, status in opened
        for what, new in opening_history(e, status)
    ]
    bulk.insert_many(session, DutyEpisode, [e for e, _status in opened])
    changes.record_many(session, history)
    return len(opened)


def recompute_deadlines(session: Session, actor: Actor, prof: Profile) -> int:
    """Deadlines of open episodes under a (re)loaded profile; returns how many moved."""
    law = DutyRules.of(prof)
    moved = 0
    for episode in session.execute(
        select(DutyEpisode).where(DutyEpisode.closed_on.is_(None))
    ).scalars():
        contact = law.contact_deadline(episode.out_since)
        offer = law.offer_deadline(episode.out_since, contact, episode.contacted_on)
        if (contact, offer) != (episode.contact_deadline, episode.offer_deadline):
            episode.contact_deadline, episode.offer_deadline = contact, offer
            moved += 1
    if moved:
        session.flush()
        audit.record(session, actor, "update", filters={"recomputed": "duty deadlines"}, rows=moved)
    return moved


# --- the steps: contact, offer, FGU assessment, exemption ---


def _episode_for_step(session: Session, youth: Youth, today: dt.date) -> DutyEpisode:
    episode = stored_open(session, youth.id)
    if episode is None:
        raise KuiError(
            _(
                "youth {id} has no open education-obligation episode (uddannelsespligt): "
                "one opens when a 15-17-year-old gets status none"
            ).format(id=youth.id)
        )
    if ends_on(youth.birth_date) <= today:
        raise KuiError(
            _("youth {id} turned 18 on {date}: the education obligation has ended").format(
                id=youth.id, date=ends_on(youth.birth_date)
            )
        )
    return episode


def _step_date(on: dt.date | None, episode: DutyEpisode, today: dt.date) -> dt.date:
    day = on or today
    if day < episode.out_since:
        raise KuiError(
            _("--on {day} is before the drop-out on {date}").format(day=day, date=episode.out_since)
        )
    if day > today:
        raise KuiError(
            _("--on {day} is after --today {today}: record what has happened").format(
                day=day, today=today
            )
        )
    return day


# The history's sentences of the steps: by whether the step was late (and for the contact,
# whether the offer's deadline runs from it, `offer_from`).
CONTACTED = {
    (False, False): mark("history", "education obligation: contact on {day} (deadline {due}, "
                         "in time)"),
    (True, False): mark("history", "education obligation: contact on {day} (deadline {due}, "
                        "{late} days late)"),
    (False, True): mark("history", "education obligation: contact on {day} (deadline {due}, "
                        "in time); new activity offered by {offer_by}"),
    (True, True): mark("history", "education obligation: contact on {day} (deadline {due}, "
                       "{late} days late); new activity offered by {offer_by}"),
}  # fmt: skip
OFFERED = {
    False: mark("history", "education obligation: offered {activity} on {day} (deadline {due}, "
                "in time)"),
    True: mark("history", "education obligation: offered {activity} on {day} (deadline {due}, "
               "{late} days late)"),
}  # fmt: skip


def _timing(day: dt.date, due: dt.date) -> dict[str, Any]:
    """A step's deadline and, when it was late, by how many days (`late`)."""
    return {"day": day, "due": due} | ({} if day <= due else {"late": (day - due).days})


def _contact(
    session: Session, actor: Actor, episode: DutyEpisode, day: dt.date, law: DutyRules
) -> None:
    episode.contacted_on = day
    episode.offer_deadline = law.offer_deadline(
        episode.out_since, episode.contact_deadline, episode.contacted_on
    )
    args = {**_timing(day, episode.contact_deadline), "offer_by": episode.offer_deadline}
    what = Phrase(CONTACTED["late" in args, law.offer_from == "contact"], args)
    session.add(episode)
    changes.record(session, actor, episode.youth_id, KIND, what, new=day)


def contact_step_day(session: Session, youth: Youth, on: dt.date | None, today: dt.date) -> dt.date:
    """`duty contact`'s checks (an open episode whose contact is not yet recorded, a day in it
    that has happened): the day of the step. The step itself is a reached contact
    (`contacts.duty_contact`), which records it through `contact_step`."""
    episode = _episode_for_step(session, youth, today)
    if episode.contacted_on is not None:
        raise KuiError(
            _("contact with youth {id} is already recorded on {date}").format(
                id=youth.id, date=episode.contacted_on
            )
        )
    return _step_date(on, episode, today)


def contact_step(session: Session, actor: Actor, youth: Youth, day: dt.date) -> DutyEpisode | None:
    """A reached contact on `day` (every one goes through `contacts.add` or `duty contact`) is
    the contact step of the youth's episode open on `--today` when the step is not yet recorded
    and `day` is in the episode (on or after the drop-out): the first contact in it counts.
    Returns the episode whose step it recorded, if any."""
    if ends_on(youth.birth_date) <= actor.today:
        return None  # 18: the episode is closed for every reader
    episode = stored_open(session, youth.id)
    if episode is None or episode.contacted_on is not None or day < episode.out_since:
        return None
    _contact(session, actor, episode, day, rules(session))
    return episode


def record_offer(
    session: Session, actor: Actor, youth: Youth, activity: str, on: dt.date | None = None
) -> DutyEpisode:
    """`duty offer`: a new activity offered. An offer is made to the young person, so it also
    records a reached contact on the same day (the contact step) when none is recorded yet."""
    text = cpr.refuse_in_text((activity or "").strip(), "--activity")
    if not text:
        raise KuiError(_("--activity is required: say which activity was offered"))
    episode = _episode_for_step(session, youth, actor.today)
    if episode.offered_on is not None:
        raise KuiError(
            _("an offer to youth {id} is already recorded on {date}").format(
                id=youth.id, date=episode.offered_on
            )
        )
    day = _step_date(on, episode, actor.today)
    if episode.contacted_on is None:
        from kui_cli.domain.plan import contacts  # which records contacts, and imports this

        contacts.write(session, actor, youth, contacts.DUTY_CHANNEL, True, day, None)
    episode.offered_on, episode.activity = day, text
    session.add(episode)
    args = {"activity": text, **_timing(day, episode.offer_deadline)}
    what = Phrase(OFFERED["late" in args], args)
    changes.record(session, actor, youth.id, KIND, what, new=text)
    audit.record(session, actor, "update", subject=youth.subject_key)
    return episode


def record_fgu_assessment(session: Session, actor: Actor, youth: Youth, result: str) -> DutyEpisode:
    """`duty fgu-assessment`: the FGU target-group assessment (målgruppevurdering) every
    15-17-year-old out of activity must get."""
    text = cpr.refuse_in_text((result or "").strip(), "--result")
    if not text:
        raise KuiError(_("--result is required: the outcome of the FGU target-group assessment"))
    episode = _episode_for_step(session, youth, actor.today)
    old = episode.fgu_result
    episode.fgu_result, episode.fgu_on = text, actor.today
    session.add(episode)
    what = Phrase(
        mark("history", "education obligation: FGU target-group assessment "
             "(målgruppevurdering): {result}"), {"result": text})  # fmt: skip
    changes.record(session, actor, youth.id, KIND, what, old=old, new=text)
    audit.record(session, actor, "update", subject=youth.subject_key)
    return episode


def exempt(session: Session, actor: Actor, youth: Youth, reason: str) -> DutyEpisode:
    """`duty exempt`: exemption for illness, disability or serious social problems closes the
    episode on `--today`. The status is left as recorded (`youth update --status exempted`)."""
    text = cpr.refuse_in_text((reason or "").strip(), "--reason")
    if not text:
        raise KuiError(_("--reason is required: illness, disability or serious social problems"))
    episode = _episode_for_step(session, youth, actor.today)
    episode.exempt_reason = text
    what = Phrase(mark("history", "education obligation: exempted ({reason})"), {"reason": text})
    _close(session, actor, episode, actor.today, EXEMPTED, what)
    audit.record(session, actor, "update", subject=youth.subject_key)
    return episode
