"""The tables. Every schema change goes through a migration in `kui_cli/migrations/versions/`.

Conventions: dates that a command records take `--today` (effective dates); `at` timestamps are the
real clock, timezone-aware UTC (evidence, for the audit and the change log); meeting times are
naive local wall-clock times in Europe/Copenhagen, as people plan them. A youth is named
outside this database only by `subject_key`, a keyed hash of the CPR.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, DateTime, Index, MetaData, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel
from sqlmodel.main import SQLModelConfig

# Stable constraint names, so that migrations (batch mode on SQLite) can refer to them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


class Table(SQLModel):
    """The base of kui's tables: pydantic builds a model's validator and serializer when they
    are first used, not when the class is made. A table model is never validated (SQLModel
    sets a table row's attributes as given), and only the audit entry is serialised
    (`model_dump`), so building them all for every command cost about 20 ms of each start-up
    for nothing."""

    model_config = SQLModelConfig(defer_build=True)


class Setting(Table, table=True):
    """Key/value settings: the loaded profile, the audit secret, the demo mark."""

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(sa_column=Column(Text, nullable=False))


class Youth(Table, table=True):
    """A young person (ung). Age and age group are derived on `--today`, never stored.

    CPR and subject key are unique indexes rather than constraints, so that a bulk import into a
    (nearly) empty table on SQLite can drop every index and build it once after the insert.
    `ix_youth_status_need_born` holds every column the register's counts read (reports.py), so a
    count over a million youths reads the index, not the table.
    """

    __table_args__ = (
        Index("ix_youth_status_need_born", "status", "need", "birth_date", "known_from", "hours"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cpr: str = Field(max_length=10, unique=True, index=True)
    subject_key: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    birth_date: dt.date = Field(index=True)
    status: str = Field(max_length=32)
    status_since: dt.date
    hours: float | None = None
    need: str = Field(max_length=1, index=True)
    school: str | None = Field(default=None, max_length=200)
    grade: int | None = None
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)
    registered_on: dt.date
    # The first day the register has a status for the youth: the registration, the start of the
    # status registered with, or an earlier back-dated status (domain/register/history.py keeps it).
    known_from: dt.date | None = None
    applied: str | None = Field(default=None, max_length=16)
    applied_on: dt.date | None = None
    completed_on: dt.date | None = None
    # Reported at risk of dropping out (the status feed's `at-risk`, issue 18) since this day;
    # cleared by the next status that starts on or after it (`youths.apply_changes`).
    at_risk_since: dt.date | None = None


class Guardian(Table, table=True):
    """A custody holder of a minor: until 18 the plan is revised together with them."""

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = Field(foreign_key="youth.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)


class ChangeLog(Table, table=True):
    """One row per change to a youth's record or plan: who, when, what (old and new), why."""

    __tablename__ = "change_log"
    __table_args__ = (
        Index("ix_change_log_youth_at", "youth_id", "at"),
        Index("ix_change_log_effective_on", "effective_on"),
        Index("ix_change_log_by_kind", "by", "kind", "youth_id"),  # access.works_on
    )

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = Field(foreign_key="youth.id", ondelete="CASCADE")
    at: dt.datetime
    by: str = Field(max_length=40)
    kind: str = Field(max_length=32)
    what: str = Field(sa_column=Column(Text, nullable=False))
    # The values of `what`'s placeholders, as JSON (`kui_cli.phrase`); null: `what` is finished
    # text, written before migration 0014.
    what_args: str | None = Field(default=None, sa_column=Column(Text))
    old_value: str | None = Field(default=None, sa_column=Column(Text))
    new_value: str | None = Field(default=None, sa_column=Column(Text))
    why: str | None = Field(default=None, sa_column=Column(Text))
    # The values of `why`'s placeholders when kui wrote the reason (`kui_cli.phrase`); null:
    # `why` is the user's reason as typed, or written before migration 0015 (shown as stored).
    why_args: str | None = Field(default=None, sa_column=Column(Text))
    effective_on: dt.date
    acknowledged_at: dt.datetime | None = None
    acknowledged_by: str | None = Field(default=None, max_length=40)


class HistoryPeriod(Table, table=True):
    """A status or need a youth had before the current one, from `valid_from` (null: from before
    the first change) to the day before `valid_to`.

    Derived from the change log by `domain/register/history.py` whenever a status or need change is
    recorded, so that reports count a past month without replaying the log per youth.
    """

    __tablename__ = "history_period"
    # In youth order and covering: a report reads the periods and joins each youth in the order
    # of the table, page after page, instead of jumping around a large file.
    __table_args__ = (
        Index("ix_history_period_youth", "kind", "youth_id", "valid_to", "valid_from", "value"),
    )

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = Field(foreign_key="youth.id", ondelete="CASCADE")
    kind: str = Field(max_length=8)
    value: str = Field(max_length=32)
    valid_from: dt.date | None = None
    valid_to: dt.date


class Staff(Table, table=True):
    """A professional (fagperson): UU counsellor, jobcentre adviser, social worker, leader..."""

    id: int | None = Field(default=None, primary_key=True)
    initials: str = Field(max_length=20, unique=True)
    name: str = Field(max_length=200)
    role: str = Field(max_length=16)
    department: str = Field(max_length=200)
    capacity: int | None = None
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)
    active: bool = True
    added_on: dt.date
    # The operating-system account the member uses (issue 15): kui run by it acts as them. Not
    # named `login`: the PostgreSQL functions of 0003/0004 have a parameter of that name, and in
    # their queries on `staff` a column of the same name would win.
    os_login: str | None = Field(default=None, max_length=32, unique=True, index=True)


class CoordinatorAssignment(Table, table=True):
    """A coordinator proposal or assignment; active when consent is accepted and not ended."""

    __tablename__ = "coordinator_assignment"

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = Field(foreign_key="youth.id", index=True, ondelete="CASCADE")
    staff_id: int = Field(foreign_key="staff.id", index=True)
    consent: str = Field(max_length=16)
    consent_by: str | None = Field(default=None, max_length=16)
    note: str | None = Field(default=None, sa_column=Column(Text))
    proposed_on: dt.date
    start_on: dt.date | None = None
    end_on: dt.date | None = None
    end_reason: str | None = Field(default=None, sa_column=Column(Text))
    recorded_by: str = Field(max_length=40)


class Goal(Table, table=True):
    """A goal (mål) or sub-goal (delmål) of the plan, in the young person's own words."""

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = Field(foreign_key="youth.id", index=True, ondelete="CASCADE")
    parent_id: int | None = Field(default=None, foreign_key="goal.id", ondelete="CASCADE")
    text: str = Field(sa_column=Column(Text, nullable=False))
    due: dt.date | None = None
    created_on: dt.date
    created_by: str = Field(max_length=40)
    # open, achieved or dropped (`codes.GOAL_STATES`, issue 16); achieved and dropped since
    # `closed_on`, an effective date (`--today`), so the overview counts goals achieved per month.
    status: str = Field(default="open", max_length=16)
    closed_on: dt.date | None = None


class Agreement(Table, table=True):
    """An agreement (aftale): who does what by when, across departments (issue 16). Open until
    done or dropped; its responsible staff member sees it in `kui today`."""

    # The responsible person's open agreements by due date (`kui today`).
    __table_args__ = (Index("ix_agreement_staff_status_due", "staff_id", "status", "due"),)

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = Field(foreign_key="youth.id", index=True, ondelete="CASCADE")
    text: str = Field(sa_column=Column(Text, nullable=False))
    staff_id: int = Field(foreign_key="staff.id")
    due: dt.date
    status: str = Field(default="open", max_length=16)  # open, done, dropped
    created_on: dt.date
    created_by: str = Field(max_length=40)
    closed_on: dt.date | None = None
    closed_by: str | None = Field(default=None, max_length=40)


class Contact(Table, table=True):
    """A contact with a youth, or an attempt at one (kontakt, opsøgende indsats; issue 16): the
    channel, whether the youth was reached, and a note that follows the agenda's privacy rules
    (no CPR number)."""

    # A youth's last (reached) contact, and every youth's for `no-contact` (`kui today`).
    __table_args__ = (Index("ix_contact_youth_reached_on", "youth_id", "reached", "contacted_on"),)

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = Field(foreign_key="youth.id", ondelete="CASCADE")
    channel: str = Field(max_length=16)
    reached: bool
    contacted_on: dt.date
    note: str | None = Field(default=None, sa_column=Column(Text))
    by: str = Field(max_length=40, index=True)
    at: dt.datetime


class Effort(Table, table=True):
    """An effort (indsats) of one department under one legislation, with one responsible person."""

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = Field(foreign_key="youth.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=300)
    department: str = Field(max_length=200)
    legislation: str = Field(max_length=16)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    start_on: dt.date
    end_on: dt.date | None = None
    end_reason: str | None = Field(default=None, sa_column=Column(Text))
    created_by: str = Field(max_length=40)


class DutyEpisode(Table, table=True):
    """A 15-17-year-old out of activity: the education obligation's deadlines and steps."""

    __tablename__ = "duty_episode"

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = Field(foreign_key="youth.id", index=True, ondelete="CASCADE")
    out_since: dt.date
    contact_deadline: dt.date
    offer_deadline: dt.date
    contacted_on: dt.date | None = None
    offered_on: dt.date | None = None
    activity: str | None = Field(default=None, sa_column=Column(Text))
    fgu_result: str | None = Field(default=None, sa_column=Column(Text))
    fgu_on: dt.date | None = None
    exempt_reason: str | None = Field(default=None, sa_column=Column(Text))
    closed_on: dt.date | None = Field(default=None, index=True)
    close_reason: str | None = Field(default=None, max_length=64)


class Assessment(Table, table=True):
    """An education readiness assessment (uddannelsesparathedsvurdering) in 8th or 9th grade."""

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = Field(foreign_key="youth.id", index=True, ondelete="CASCADE")
    grade: int
    result: str = Field(max_length=16)
    note: str | None = Field(default=None, sa_column=Column(Text))
    assessed_on: dt.date
    assessed_by: str = Field(max_length=40)


class Team(Table, table=True):
    """A KUI team or forum (team-2, leader-sparring...), loaded from the municipality profile."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    place: str | None = Field(default=None, max_length=200)
    target: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    rules: str = Field(default="{}", sa_column=Column(Text, nullable=False))


class TeamMember(Table, table=True):
    """A fixed or ad hoc member of a team."""

    __tablename__ = "team_member"
    __table_args__ = (UniqueConstraint("team_id", "staff_id", name="uq_team_member_team_staff"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True, ondelete="CASCADE")
    staff_id: int = Field(foreign_key="staff.id", index=True)
    ad_hoc: bool = False


class MeetingSeries(Table, table=True):
    """A recurring meeting of a team as an RFC 5545 rule."""

    __tablename__ = "meeting_series"

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True, ondelete="CASCADE")
    rule: str = Field(sa_column=Column(Text, nullable=False))
    dtstart: dt.datetime = Field(sa_column=Column(DateTime, nullable=False))
    duration_min: int = 90
    place: str | None = Field(default=None, max_length=200)


class Meeting(Table, table=True):
    """One meeting; `occurrence` is its slot in the series, so generation is idempotent."""

    __table_args__ = (
        UniqueConstraint("series_id", "occurrence", name="uq_meeting_series_occurrence"),
        Index("ix_meeting_team_starts", "team_id", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", ondelete="CASCADE")
    series_id: int | None = Field(default=None, foreign_key="meeting_series.id")
    occurrence: dt.datetime | None = Field(default=None, sa_column=Column(DateTime))
    starts_at: dt.datetime = Field(sa_column=Column(DateTime, nullable=False))
    ends_at: dt.datetime = Field(sa_column=Column(DateTime, nullable=False))
    place: str | None = Field(default=None, max_length=200)
    status: str = Field(default="planned", max_length=16)
    note: str | None = Field(default=None, sa_column=Column(Text))


class Referral(Table, table=True):
    """A referral (indstilling) of a youth to a team's meeting, and the team's decision."""

    # A team's open referrals (access.referred_ids, the agenda): decided_on IS NULL per team.
    __table_args__ = (Index("ix_referral_team_decided", "team_id", "decided_on", "youth_id"),)

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = Field(foreign_key="youth.id", index=True, ondelete="CASCADE")
    team_id: int = Field(foreign_key="team.id", index=True)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    referred_by: str = Field(max_length=40)
    referred_on: dt.date
    leader_id: int | None = Field(default=None, foreign_key="staff.id")
    consulted: bool = False
    outcome: str | None = Field(default=None, sa_column=Column(Text))
    decided_on: dt.date | None = None
    decided_by: str | None = Field(default=None, max_length=40)


class AuditLog(Table, table=True):
    """Every read or write of personal data. Names a youth only by `subject_key`.

    Append-only; `hash` chains each entry to the previous one so an edit or removal shows.
    `hash_version` says which payload the hash covers (`audit.entry_hash`): None for the
    entries before migration 0009, 2 since (it covers the id too, and ids are contiguous).
    On PostgreSQL the database sets id, prev_hash, hash and hash_version (a trigger), whatever
    the inserting login supplies.
    """

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(index=True)
    user: str = Field(max_length=40, index=True)
    action: str = Field(max_length=16)
    command: str = Field(max_length=100)
    subject_key: str | None = Field(default=None, max_length=32, index=True)
    filter: str | None = Field(default=None, sa_column=Column(Text))
    rows: int | None = None
    prev_hash: str = Field(sa_column=Column(String(64), nullable=False))
    hash: str = Field(sa_column=Column(String(64), nullable=False))
    hash_version: int | None = None


class CprLookup(Table, table=True):
    """Every lookup of a youth by CPR number that answers whether they are registered: a join
    by CPR, a duplicate registration, a key asked of the database (issue 15, hole 5).

    Append-only, written by kui (SQLite, the service account) or by the database's own functions
    (a PostgreSQL staff login, which cannot write it directly, migration 0008). `day` is the
    real Danish date, on which the daily limit counts (`lookups.py`); `found` is null when the
    lookup was refused or not asked (a key); the number itself is kept only as its key.
    """

    __tablename__ = "cpr_lookup"
    __table_args__ = (Index("ix_cpr_lookup_user_day", "user", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime
    day: dt.date
    user: str = Field(max_length=40)
    purpose: str = Field(max_length=16)
    subject_key: str = Field(max_length=32)
    found: bool | None = None
    refused: bool = False


class FeedEvent(Table, table=True):
    """An event of the status feed that kui has taken in (`kui feed apply`, issue 18): known by
    its source and the source's event id, or a keyed hash of its content when it has none, so
    the same event applied again changes nothing. The youth by id only, never a CPR number;
    `content` is a keyed hash of what the event said, so an event id reused for another event
    is told apart from the event itself."""

    __tablename__ = "feed_event"
    __table_args__ = (UniqueConstraint("source", "event_key", name="uq_feed_event_source_key"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=40)
    event_key: str = Field(max_length=80)
    content: str = Field(max_length=32)
    youth_id: int | None = Field(
        default=None, foreign_key="youth.id", index=True, ondelete="CASCADE"
    )
    kind: str = Field(max_length=16)
    event_date: dt.date
    outcome: str = Field(max_length=16)
    applied_at: dt.datetime


class AuditHead(Table, table=True):
    """The lock of the audit chain's end on PostgreSQL: one row, locked by the chain trigger of
    migration 0009 before it reads the last entry. No staff login has any privilege on it, so
    only the service account's definer function can take that lock (any login can take an
    advisory lock). Unused on SQLite, where kui holds the write lock while it chains."""

    __tablename__ = "audit_head"

    id: int = Field(primary_key=True)


class DataVersion(Table, table=True):
    """One row whose `n` the triggers of migration 0013 raise with every change to a table that
    kept figures are counted from (`domain/reports/kept.py`): on SQLite every updated or deleted
    row (an insert raises the table's highest id instead), on PostgreSQL every transaction that
    changed such a table, at its commit."""

    __tablename__ = "data_version"

    id: int = Field(primary_key=True)
    n: int


class DataChange(Table, table=True):
    """PostgreSQL: the transactions that have changed a counted table and not yet committed, one
    row each, so that `data_version` is raised once per transaction and only at its commit (a
    lock on it taken at the first change would queue every writer behind the slowest).
    Always empty on SQLite."""

    __tablename__ = "data_change"

    xact: str = Field(primary_key=True, max_length=24)


class KeptFigures(Table, table=True):
    """Figures of a report kept for the data they were counted from (`domain/reports/kept.py`):
    counts and medians only, never a youth, a CPR number or a staff member."""

    __tablename__ = "kept_figures"

    key: str = Field(primary_key=True, max_length=64)
    fingerprint: str = Field(sa_column=Column(Text, nullable=False))
    figures: str = Field(sa_column=Column(Text, nullable=False))
