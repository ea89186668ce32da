"""The Danish labels of the keys a person reads as words: column headers of tables and markdown,
the measures of the reports (`need_c_without_coordinator`), and the codes in a table's cells
(`primary-school` is "i grundskolen").

A key stays the key in JSON and csv (the stable contract for scripts) and in the English
output (where a header is the name `--columns` and `--fields` take); in Danish it is translated
through the catalog with the context `column` or `measure`. A key that is not in these tables
is shown as itself: a new column is readable before it is translated, and the catalog test
(tests/test_i18n.py) names it once it is marked here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from kui_cli.render.i18n import language, mark, p_

COLUMN = "column"
MEASURE = "measure"
CODE = "code"
NOUN = "noun"

COLUMNS = frozenset(
    {
        mark("column", "id"),
        mark("column", "access"),
        mark("column", "already_known"),
        mark("column", "changes"),
        mark("column", "dry_run"),
        mark("column", "duration_min"),
        mark("column", "encoding"),
        mark("column", "events"),
        mark("column", "file"),
        mark("column", "new_youths"),
        mark("column", "on_record"),
        mark("column", "referral_needs_consulted"),
        mark("column", "referral_needs_leader"),
        mark("column", "refused"),
        mark("column", "roles"),
        mark("column", "rule"),
        mark("column", "seed_2019"),
        mark("column", "series"),
        mark("column", "skipped"),
        mark("column", "start"),
        mark("column", "superseded"),
        mark("column", "takes_referrals"),
        mark("column", "title"),
        mark("column", "unchanged"),
        mark("column", "updated"),
        mark("column", "youth_id"),
        mark("column", "youth"),
        mark("column", "name"),
        mark("column", "cpr"),
        mark("column", "birth_date"),
        mark("column", "born"),
        mark("column", "age"),
        mark("column", "age_group"),
        mark("column", "status"),
        mark("column", "status_since"),
        mark("column", "need"),
        mark("column", "registered_on"),
        mark("column", "coordinator"),
        mark("column", "plan_owner"),
        mark("column", "team"),
        mark("column", "from_team"),
        mark("column", "to_team"),
        mark("column", "staff"),
        mark("column", "initials"),
        mark("column", "role"),
        mark("column", "department"),
        mark("column", "login"),
        mark("column", "active"),
        mark("column", "capacity"),
        mark("column", "caseload"),
        mark("column", "over_capacity"),
        mark("column", "phone"),
        mark("column", "email"),
        mark("column", "state"),
        mark("column", "consent"),
        mark("column", "consent_by"),
        mark("column", "proposed_on"),
        mark("column", "start_on"),
        mark("column", "end_on"),
        mark("column", "end_reason"),
        mark("column", "due"),
        # the nested tables of `youth show` and their columns
        mark("column", "guardians"),
        mark("column", "assessments"),
        mark("column", "deadlines"),
        mark("column", "deadline"),
        mark("column", "done_on"),
        mark("column", "assessed_on"),
        mark("column", "result"),
        mark("column", "coordinator_since"),
        mark("column", "pending_coordinator"),
        mark("column", "plan_owner_name"),
        mark("column", "plan_owner_note"),
        mark("column", "plan_owner_since"),
        mark("column", "created_by"),
        mark("column", "created_on"),
        mark("column", "legislation"),
        mark("column", "level"),
        mark("column", "responsible_name"),
        mark("column", "responsible_role"),
        mark("column", "schedule"),
        mark("column", "date"),
        mark("column", "kind"),
        mark("column", "at"),
        mark("column", "by"),
        mark("column", "what"),
        mark("column", "why"),
        mark("column", "effective_on"),
        mark("column", "acknowledged_at"),
        mark("column", "acknowledged_by"),
        mark("column", "recorded_by"),
        mark("column", "old"),
        mark("column", "new"),
        mark("column", "note"),
        mark("column", "field"),
        mark("column", "value"),
        mark("column", "figure"),
        mark("column", "user"),
        mark("column", "action"),
        mark("column", "command"),
        mark("column", "subject_key"),
        mark("column", "filter"),
        mark("column", "rows"),
        mark("column", "out_since"),
        mark("column", "contact_deadline"),
        mark("column", "offer_deadline"),
        mark("column", "contacted_on"),
        mark("column", "offered_on"),
        mark("column", "overdue"),
        mark("column", "starts_at"),
        mark("column", "ends_at"),
        mark("column", "place"),
        mark("column", "holiday"),
        mark("column", "organiser"),
        mark("column", "slug"),
        mark("column", "members"),
        mark("column", "youths"),
        mark("column", "total"),
        mark("column", "label"),
        mark("column", "percent"),
        mark("column", "count"),
        mark("column", "target"),
        mark("column", "month"),
        mark("column", "year"),
        mark("column", "pending"),
        mark("column", "accepted"),
        mark("column", "declined"),
        mark("column", "referrals"),
        mark("column", "item"),
        mark("column", "text"),
        mark("column", "responsible"),
        mark("column", "school"),
        mark("column", "grade"),
        mark("column", "group"),
        mark("column", "load_percent"),
        mark("column", "registered"),
        mark("column", "reason"),
        mark("column", "when"),
        mark("column", "channel"),
        mark("column", "reached"),
        mark("column", "efforts"),
        mark("column", "agreement"),
        mark("column", "goal"),
        mark("column", "achieved"),
        mark("column", "closed_on"),
        mark("column", "last_contact"),
        mark("column", "days_without_contact"),
        mark("column", "contacts"),
        mark("column", "hours"),
        mark("column", "applied"),
        mark("column", "completed_on"),
        mark("column", "at_risk"),
        mark("column", "duty_out_since"),
        mark("column", "next_transition"),
        mark("column", "next_transition_on"),
        mark("column", "last_contact_channel"),
        mark("column", "last_contact_reached"),
        mark("column", "last_reached_contact"),
        mark("column", "no_contact"),
        mark("column", "professionals"),
        mark("column", "history"),
        mark("column", "task"),
        mark("column", "since"),
        mark("column", "until"),
        mark("column", "group_1"),
        mark("column", "group_2"),
        mark("column", "group_3"),
        mark("column", "group_4"),
        mark("column", "received"),
        mark("column", "handled"),
        mark("column", "open"),
        mark("column", "as_of"),
        mark("column", "goals"),
        mark("column", "description"),
        mark("column", "milestone_2025"),
        mark("column", "met_2025"),
        mark("column", "target_2030"),
        mark("column", "met_2030"),
        mark("column", "education"),
        mark("column", "applicants"),
    }
)

# The figures of `report overview` (the deadlines_* and plan_changes_* keys are its sections'
# keys with their prefix).
MEASURES = frozenset(
    {
        mark("measure", "kui_youths"),
        mark("measure", "need_c_without_coordinator"),
        mark("measure", "without_plan_owner"),
        mark("measure", "deadlines_met"),
        mark("measure", "deadlines_missed"),
        mark("measure", "deadlines_met_percent"),
        mark("measure", "deadlines_contacts"),
        mark("measure", "deadlines_median_days_to_contact"),
        mark("measure", "plan_changes_changes"),
        mark("measure", "plan_changes_acknowledged"),
        mark("measure", "plan_changes_median_days_to_acknowledge"),
        mark("measure", "goals_achieved_need_c"),
    }
)


def label(column: str) -> str:
    """A column's header for a person: "Ung" for `youth_id` in Danish, the key in English."""
    return p_(COLUMN, column)


def measure(key: str) -> str:
    """A report measure's name for a person ("Behov C uden koordinator")."""
    return p_(MEASURE, key)


def word(key: str) -> str:
    """A field's name inside a sentence ("telefon er allerede ..."): its column label in lower
    case in Danish, the key itself in English."""
    return label(key).lower()


# What a listing lists, as its empty line names it ("No youths match.": `render.empty`).
NOUNS = frozenset(
    {
        mark("noun", "youths"),
        mark("noun", "staff members"),
        mark("noun", "open episodes"),
        mark("noun", "meetings"),
        mark("noun", "coordinator assignments"),
        mark("noun", "plan changes"),
        mark("noun", "teams"),
        mark("noun", "transitions"),
        mark("noun", "audit entries"),
    }
)


def noun(what: str) -> str:
    """What a listing lists, for a person ("unge")."""
    return p_(NOUN, what)


# The codes a cell may hold that the command map's lists (`codes`) do not name: their Danish
# labels are in the catalog, with the context `code`.
CODES = frozenset(
    {
        # the kinds of `kui today`'s items, of agenda items and of transitions
        mark("code", "unacknowledged"),
        mark("code", "duty"),
        mark("code", "consent"),
        mark("code", "goal"),
        mark("code", "agreement"),
        mark("code", "effort-ending"),
        mark("code", "transition"),
        mark("code", "no-contact"),
        mark("code", "at-risk"),
        mark("code", "meeting"),
        mark("code", "fixed"),
        mark("code", "referral"),
        mark("code", "handover"),
        mark("code", "overdue"),
        mark("code", "carried-over"),
        mark("code", "turns-18"),
        mark("code", "turns-25"),
        mark("code", "leaves-kui"),
        # the kinds of change in a youth's history (`plan log`) not named above
        mark("code", "registered"),
        mark("code", "status"),
        mark("code", "need"),
        mark("code", "applied"),
        mark("code", "completed_on"),
        mark("code", "guardian"),
        mark("code", "effort"),
        mark("code", "decision"),
        mark("code", "assessment"),
        mark("code", "name"),
        mark("code", "phone"),
        mark("code", "email"),
        mark("code", "school"),
        mark("code", "grade"),
        # the groups of urgency of `kui today`
        mark("code", "today"),
        mark("code", "upcoming"),
        # the states of a coordinator's assignment and of an effort, of a meeting
        mark("code", "active"),
        mark("code", "pending"),
        mark("code", "planned"),
        mark("code", "ended"),
        mark("code", "cancelled"),
        mark("code", "moved"),
        # the states of a goal or an agreement of the plan (`status`)
        mark("code", "open"),
        mark("code", "achieved"),
        mark("code", "done"),
        mark("code", "dropped"),
        # a professional's task on a case (`youth show`)
        mark("code", "coordinator"),
        # the steps of the education obligation (`duty check`'s `overdue`)
        mark("code", "contact"),
        mark("code", "offer"),
        # the demo's row of an age group's total over every status
        mark("code", "(all)"),
    }
)
# The columns whose cells hold codes from the catalog's `code` list.
CODED = frozenset(
    {"kind", "state", "status", "when", "overdue", "next_transition", "task", "deadline"}
)


@lru_cache(maxsize=1)
def _listed() -> dict[str, Mapping[str, str]]:
    """The Danish labels of the command map's code lists (`codes`), by the column holding them."""
    from kui_cli.domain import codes
    from kui_cli.domain.law import assessments

    return {
        "status": codes.STATUSES,
        "need": {code: f"{code} ({label})" for code, label in codes.NEEDS.items()},
        "role": codes.ROLES,
        "consent": codes.TYPED_NAMES["--consent"],
        "consent_by": codes.TYPED_NAMES["--consent-by"],
        "channel": codes.CONTACT_CHANNELS,
        "legislation": codes.LEGISLATIONS,
        "last_contact_channel": codes.CONTACT_CHANNELS,
        "applied": codes.APPLIED,
        "result": assessments.RESULTS,
    }


def coder(column: str) -> Callable[[Any], Any] | None:
    """How a column's codes are shown to a person, or None when they are shown as they are: in
    Danish a code is its Danish label ("i grundskolen", "UU-vejleder", "C (flerfaglig
    indsats)"), in English the code itself (the word `--status` takes). JSON and csv keep the
    codes, whatever the language. Asked once per column, not per cell: a listing may have
    33,000 rows."""
    if language() != "da":
        return None
    listed = _listed().get(column)
    if listed is None and column not in CODED:
        return None
    labels = dict(listed or {})
    if column in CODED:
        labels.update({code: p_(CODE, code) for code in CODES if code not in labels})
    return lambda code: _labelled(code, labels)


def _labelled(code: Any, labels: Mapping[str, str]) -> Any:
    if isinstance(code, list | tuple):
        return [_labelled(each, labels) for each in code]
    return labels.get(code, code) if isinstance(code, str) else code


def value(column: str, code: Any) -> Any:
    """One code of a column as `coder` shows it."""
    label = coder(column)
    return code if label is None else label(code)
