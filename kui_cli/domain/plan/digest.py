"""`kui digest` (issue 16): every active staff member's `kui today`, for them alone.

Each digest is made from `today.items_of` for that member (their own youths by the need-to-know
rule), whoever runs the job, and goes only to its member: into a private file named by their
initials, or by SMTP to their own e-mail address. Every digest written or sent is audited, one
entry per recipient, in a transaction of its own as soon as it is out (what was sent stays
recorded if a later one fails). Who may run it is `access.DIGEST`'s rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session

from kui_cli.domain.plan import today
from kui_cli.domain.profile import Profile
from kui_cli.domain.protection import audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.models import Staff

# Initials name a file: anything else (a separator, a dot) is not part of a file name.
SAFE_NAME = re.compile(r"[^\w-]+")


@dataclass(frozen=True)
class Digest:
    """One staff member's worklist, to be formatted for them."""

    initials: str
    email: str | None
    worklist: today.Worklist

    @property
    def file_name(self) -> str:
        return f"{SAFE_NAME.sub('_', self.initials)}.md"


def compose(session: Session, actor: Actor, profile: Profile, days: int) -> list[Digest]:
    """The digest of every active staff member (not a scheduled job's account), in initials
    order. Reads only; `record` audits each as it goes out."""
    today.check_days(days)
    found = []
    for member in today.active_staff(session):
        items = today.items_of(session, member, actor.today, days, profile)
        labels = today.labels(session, today.named(items), actor.today)
        worklist = today.Worklist(actor.today, days, items, labels, member.initials)
        found.append(Digest(member.initials, _address(member), worklist))
    return found


def _address(member: Staff) -> str | None:
    return member.email.strip() if member.email and member.email.strip() else None


def record(session: Session, actor: Actor, digest: Digest, action: str, where: str) -> None:
    """The audit entry of one digest written (`print`, `where` the file) or sent (`send`, by
    SMTP to the member's address), with its number of items; committed at once."""
    filters = {"digest": digest.initials, "to": where, "days": digest.worklist.days}
    audit.record(session, actor, action, filters=filters, rows=len(digest.worklist.items))
    session.commit()


def sendable(found: list[Digest]) -> list[Digest]:
    """The digests whose member has an e-mail address: nobody else is sent anything."""
    return [digest for digest in found if digest.email is not None]
