"""Education readiness assessments (uddannelsesparathedsvurdering) in 8th and 9th grade.

A pupil assessed not ready ("ikke-uddannelsesparat"; since 1 October 2022 "parat til andre
uddannelsesaktiviteter m.v. end gymnasiale uddannelser og erhvervsuddannelser") gets at least a
single-discipline effort from UU: need A is raised to B, with its own change-log row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, insert, literal, select
from sqlmodel import Session

from kui_cli.domain import codes
from kui_cli.domain.plan import changes
from kui_cli.domain.protection import audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import cpr
from kui_cli.errors import KuiError
from kui_cli.models import Assessment, Youth
from kui_cli.phrase import Phrase
from kui_cli.render.i18n import _, mark

GRADES = (8, 9)
NOT_READY = "not-ready"
RESULTS = {
    "ready": "uddannelsesparat",
    NOT_READY: "parat til andre uddannelsesaktiviteter m.v. end gymnasiale uddannelser og "
    "erhvervsuddannelser",
}
NOT_READY_NEED = "B"


def assess(
    session: Session, actor: Actor, youth: Youth, grade: int, result: str, note: str | None = None
) -> Assessment:
    """Record an assessment; a not-ready result lifts need A to B."""
    if grade not in GRADES:
        raise KuiError(
            _("--grade must be 8 or 9 (the readiness assessment's grades), got {grade}").format(
                grade=grade
            )
        )
    outcome = codes.checked((result or "").strip().lower(), RESULTS, "assessment result")
    assert youth.id is not None
    row = Assessment(
        youth_id=youth.id,
        grade=grade,
        result=outcome,
        note=cpr.refuse_in_text((note or "").strip(), "--note") or None,
        assessed_on=actor.today,
        assessed_by=actor.user,
    )
    session.add(row)
    what = Phrase(
        mark("history", "readiness assessment (uddannelsesparathedsvurdering), grade {grade}: "
             "{result}"), {"grade": grade, "result": outcome})  # fmt: skip
    changes.record(session, actor, youth.id, "assessment", what, new=outcome, why=row.note)
    if outcome == NOT_READY and youth.need == "A":
        youth.need = NOT_READY_NEED
        session.add(youth)
        why = Phrase(
            mark("history", "assessed {result} in grade {grade}: at least a single-discipline "
                 "effort from UU"), {"result": outcome, "grade": grade})  # fmt: skip
        what = Phrase(mark("history", "need: {need}"), {"need": NOT_READY_NEED})
        changes.record(session, actor, youth.id, "need", what, old="A", new="B", why=why)
    session.flush()
    audit.record(session, actor, "update", subject=youth.subject_key)
    return row


def for_youth(session: Session, youth_id: int | None) -> list[dict[str, Any]]:
    """The youth's assessments, oldest first, for `youth show`."""
    query = (
        select(Assessment)
        .where(Assessment.youth_id == youth_id)
        .order_by(Assessment.assessed_on, Assessment.id)
    )
    return [
        {
            "grade": a.grade,
            "result": a.result,
            "assessed_on": a.assessed_on,
            "by": a.assessed_by,
            "note": a.note,
        }
        for a in session.execute(query).scalars()
    ]


def assess_demo_pupils(session: Session, actor: Actor) -> None:
    """Demo data: every 8th and 9th grader assessed as the demo's need implies (need A ready,
    otherwise not ready), in one INSERT ... SELECT."""
    result = case((Youth.need == "A", literal("ready")), else_=literal(NOT_READY))
    source = select(Youth.id, Youth.grade, result, literal(actor.today), literal(actor.user)).where(
        Youth.status.in_(codes.PRIMARY_SCHOOL), Youth.grade.in_(GRADES)
    )
    columns = ["youth_id", "grade", "result", "assessed_on", "assessed_by"]
    session.execute(insert(Assessment).from_select(columns, source))
