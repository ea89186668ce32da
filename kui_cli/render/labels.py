"""The Danish labels of the keys a person reads as words: column headers of tables and markdown,
and the measures of the reports (`need_c_without_coordinator`).

A key stays the key in JSON and csv (the stable contract for scripts) and in the English
output (where a header is the name `--columns` and `--fields` take); in Danish it is translated
through the catalog with the context `column` or `measure`. A key that is not in these tables
is shown as itself: a new column is readable before it is translated, and the catalog test
(tests/test_i18n.py) names it once it is marked here.
"""

from __future__ import annotations

from kui_cli.render.i18n import mark, p_

COLUMN = "column"
MEASURE = "measure"

COLUMNS = frozenset(
    {
        mark("column", "id"),
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
