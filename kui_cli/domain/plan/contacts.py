"""Contacts with a young person (kontakt, opsøgende indsats; issue 16): their rules, in one place.

A contact is a call, a text, a visit or a letter, reached or not (`codes.CONTACT_CHANNELS`),
written by someone who works on the youth's case, on a day that has happened (`--on`, default
`--today`). Its note follows the agenda's privacy rules: no CPR number (`cpr.refuse_in_text`).

- A contact is in the youth's change log (kind `contact`, `changes.NOT_PLAN_CHANGES`): it is
  casework, not a change of the plan, so it never reaches the plan owner's inbox (a coordinator
  who phones every week would otherwise bury the changes that matter). The note stays in the
  contact itself, never in the log.
- A reached contact with a 15-17-year-old in an open education-obligation episode is that
  episode's contact step (`duty.contact_step`); `duty contact` (`duty_contact`) and the contact
  that `duty offer` implies write the same record as a contact (`write`), so the step and the
  contact log are one record, never two that disagree.
- No contact: the day a youth's contact counts from is their last *reached* contact (an attempt
  that did not reach them is no contact), or their registration day (`youth.registered_on`) when
  they were never reached. They have had no contact for N days on `today` when
  `(today - that day).days >= N` (`days_without`; SQL twin `without_contact_since`, held
  together by tests/test_sql_twins.py). The profile's `followup.no_contact_days` is the limit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, func, select
from sqlmodel import Session

from kui_cli.domain import codes, periods
from kui_cli.domain.law import duty
from kui_cli.domain.plan import changes
from kui_cli.domain.protection import access, audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import cpr, youths
from kui_cli.errors import KuiError
from kui_cli.models import Contact, DutyEpisode, Youth
from kui_cli.phrase import Phrase
from kui_cli.render.i18n import _, mark

KIND = "contact"
DUTY_CHANNEL = "other"  # `duty contact` names no channel
COLUMNS = ["id", "youth_id", "contacted_on", "channel", "reached", "by", "note"]


# --- the rule of "no contact", each form beside its SQL twin ---


def days_without(last: dt.date | None, registered_on: dt.date, today: dt.date) -> int:
    """Days on `today` since the last reached contact, or since the registration when the youth
    was never reached."""
    return (today - (last or registered_on)).days


def is_without_contact(
    last: dt.date | None, registered_on: dt.date, today: dt.date, days: int
) -> bool:
    """No contact for `days` days on `today` (the limit day itself counts as over)."""
    return days_without(last, registered_on, today) >= days


def last_reached_day(until: dt.date | None = None) -> ScalarSelect[dt.date]:
    """SQL on `youth`: the day of the last reached contact (up to `until`), null if none. One
    lookup in `ix_contact_youth_reached_on` per youth."""
    query = select(func.max(Contact.contacted_on)).where(
        Contact.youth_id == Youth.id, Contact.reached.is_(True)
    )
    if until is not None:
        query = query.where(Contact.contacted_on <= until)
    return query.correlate(Youth).scalar_subquery()


def counted_from(until: dt.date | None = None) -> ColumnElement[dt.date]:
    """SQL on `youth`: the day `days_without` counts from."""
    return func.coalesce(last_reached_day(until), Youth.registered_on)


def days_without_sql(today: dt.date) -> ColumnElement[int]:
    """SQL on `youth`: `days_without` on `today` (contacts after `today` do not count yet)."""
    return periods.days_between(counted_from(today), today)


def without_contact_since(today: dt.date, days: int) -> ColumnElement[bool]:
    """SQL on `youth`: `is_without_contact` on `today`, as a filter (`youth list`, the agenda,
    `kui today`): the day counted from is on or before `today - days`."""
    return counted_from(today) <= today - dt.timedelta(days=days)


def made_during(start: dt.date, end: dt.date) -> ScalarSelect[int]:
    """SQL on `youth`: the number of contacts (reached or not) on the days start..end."""
    query = select(func.count(Contact.id)).where(
        Contact.youth_id == Youth.id, Contact.contacted_on >= start, Contact.contacted_on <= end
    )
    return query.correlate(Youth).scalar_subquery()


def last_reached(
    session: Session, youth_ids: list[int], until: dt.date | None = None
) -> dict[int, dt.date]:
    """The last reached contact (up to `until`) of each youth that has one, in one query."""
    if not youth_ids:
        return {}
    query = (
        select(Contact.youth_id, func.max(Contact.contacted_on))
        .where(Contact.youth_id.in_(youth_ids), Contact.reached.is_(True))
        .group_by(Contact.youth_id)
    )
    if until is not None:
        query = query.where(Contact.contacted_on <= until)
    return {youth_id: day for youth_id, day in session.execute(query)}


def limit(profile: Any) -> int:
    """The profile's `followup.no_contact_days`."""
    return int(profile.value("followup.no_contact_days"))


def show_fields(session: Session, youth: Youth, today: dt.date, days: int) -> dict[str, Any]:
    """For `youth show`: the last contact (reached or not), the last reached one, and whether the
    youth is over the profile's limit."""
    assert youth.id is not None
    query = (
        select(Contact)
        .where(Contact.youth_id == youth.id, Contact.contacted_on <= today)
        .order_by(Contact.contacted_on.desc(), Contact.id.desc())
    )
    last = session.execute(query).scalars().first()
    reached = last_reached(session, [youth.id], today).get(youth.id)
    without = days_without(reached, youth.registered_on, today)
    return {
        "last_contact": last.contacted_on if last else None,
        "last_contact_channel": last.channel if last else None,
        "last_contact_reached": last.reached if last else None,
        "last_reached_contact": reached,
        "days_without_contact": without,
        "no_contact": is_without_contact(reached, youth.registered_on, today, days),
    }


# --- writing ---


@dataclass(frozen=True)
class Recorded:
    """A contact written, and the education-obligation episode whose contact step it recorded."""

    contact: Contact
    episode: DutyEpisode | None


def add(
    session: Session,
    actor: Actor,
    youth_ref: str,
    channel: str,
    reached: bool,
    on: dt.date | None = None,
    note: str | None = None,
) -> Recorded:
    """`contact add`: a contact with the youth, or an attempt at one (audited)."""
    code = codes.contact_channel(channel)
    text = cpr.refuse_in_text((note or "").strip(), "--note") or None
    day = on or actor.today
    if day > actor.today:
        raise KuiError(
            _("--on {day} is after --today {today}: record a contact once made").format(
                day=day, today=actor.today
            )
        )
    youth = youths.find(session, youth_ref)  # checked input first: a refusal is all that is left
    done = write(session, actor, youth, code, reached, day, text)
    audit.record(session, actor, "update", subject=youth.subject_key)
    return done


def duty_contact(
    session: Session, actor: Actor, youth_ref: str, on: dt.date | None = None
) -> Recorded:
    """`duty contact`: the education obligation's contact step, written as a reached contact
    (the same record as `contact add --reached yes`). Refused unless the step is open."""
    youth = youths.find(session, youth_ref)
    day = duty.contact_step_day(session, youth, on, actor.today)
    done = write(session, actor, youth, DUTY_CHANNEL, True, day, None)
    audit.record(session, actor, "update", subject=youth.subject_key)
    return done


def write(
    session: Session,
    actor: Actor,
    youth: Youth,
    channel: str,
    reached: bool,
    day: dt.date,
    note: str | None,
) -> Recorded:
    """A contact with a youth the caller may write, already checked, and the education
    obligation's contact step it is; not audited (the caller audits its command)."""
    assert youth.id is not None
    contact = Contact(
        youth_id=youth.id,
        channel=channel,
        reached=reached,
        contacted_on=day,
        note=note,
        by=actor.user,
        at=dt.datetime.now(dt.UTC),
    )
    session.add(contact)
    session.flush()
    outcome = "reached" if reached else "not reached"
    what = Phrase(
        mark("history", "contact {id} by {channel} on {day}: reached")
        if reached
        else mark("history", "contact {id} by {channel} on {day}: not reached"),
        {"id": contact.id, "channel": channel, "day": day},
    )
    changes.record(session, actor, youth.id, KIND, what, new=outcome, effective_on=day)
    episode = duty.contact_step(session, actor, youth, day) if reached else None
    return Recorded(contact, episode)


# --- reading ---


def _row(contact: Contact) -> dict[str, Any]:
    return {name: getattr(contact, name) for name in COLUMNS}


def _filtered(query: Any, actor: Actor, mine: bool, since: dt.date | None) -> Any:
    if mine:
        query = query.where(Contact.by == actor.user)
    if since is not None:
        query = query.where(Contact.contacted_on >= since)
    return query.order_by(Contact.contacted_on.desc(), Contact.id.desc())


def for_youth(
    session: Session,
    actor: Actor,
    youth_ref: str,
    *,
    mine: bool = False,
    since: dt.date | None = None,
) -> list[dict[str, Any]]:
    """`contact list YOUTH`: the youth's contacts, newest first (an audited read)."""
    youth = youths.find(session, youth_ref)
    query = _filtered(select(Contact).where(Contact.youth_id == youth.id), actor, mine, since)
    rows = [_row(contact) for contact in session.execute(query).scalars()]
    audit.record(session, actor, "read", subject=youth.subject_key, filters=_form(mine, since))
    return rows


def of_actor(session: Session, actor: Actor, since: dt.date | None = None) -> list[dict[str, Any]]:
    """`contact list --mine`: the acting user's contacts with the youths they may still see
    (need to know in the query), newest first; audited as a listing with its row count."""
    query = select(Contact).where(Contact.youth_id.in_(access.youth_ids(session)))
    rows = [_row(c) for c in session.execute(_filtered(query, actor, True, since)).scalars()]
    audit.record(session, actor, "list", filters={"contacts": "mine", **_form(False, since)},
                 rows=len(rows))  # fmt: skip
    return rows


def _form(mine: bool, since: dt.date | None) -> dict[str, Any]:
    form: dict[str, Any] = {"mine": True} if mine else {}
    return form | ({"since": since.isoformat()} if since else {})
