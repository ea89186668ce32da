"""The codes of the command map (CLI.md) with their Danish labels for what is printed in Danish,
and the Danish words a person may type for them (`--status grundskole`, `--role uu-vejleder`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from kui_cli.errors import KuiError
from kui_cli.render.i18n import _, mark, p_

NEEDS = {
    "A": "ingen indsats",
    "B": "enkeltfaglig indsats",
    "C": "flerfaglig indsats",
}


@dataclass(frozen=True)
class Status:
    """What an activity status means, for every rule that reads it. Adding a status is one row
    in `STATUS_TABLE`: duty, reports, charts, assessments and profiles read these properties."""

    label: str  # Danish, for what is printed in Danish
    name: str  # Danish, short, for typing: `--status grundskole`
    activity: bool = True  # counts as an activity for the education obligation (§ 2 a)
    neet: bool = False  # outside education and job for the 2030 target (NEET)
    primary_school: bool = False  # a primary-school pupil: age group 1 at any age
    weekly_hours: bool = False  # a job: its weekly hours are recorded, and below the profile's
    # `duty.job_hours_threshold` it is neither an activity nor a job for the NEET target
    completed: bool = False  # holds a youth education (the 2030 completion target)
    exempted: bool = False  # exempted from the education obligation (closes its episode so)


STATUS_TABLE = {
    "primary-school": Status("i grundskolen", "grundskole", primary_school=True),
    "10th-grade": Status("10. klasse", "10-klasse"),
    "gymnasium": Status("gymnasial uddannelse", "gymnasial"),
    "vocational": Status("erhvervsuddannelse", "eud"),
    "fgu": Status("FGU", "fgu"),
    "stu": Status("STU", "stu"),
    "higher-education": Status("videregående uddannelse", "videregående"),
    "job": Status("i job", "job", weekly_hours=True),
    "benefit-education-ready": Status(
        "uddannelseshjælp, uddannelsesparat", "uddannelsesparat", neet=True
    ),
    "benefit-activity-ready": Status(
        "uddannelseshjælp, aktivitetsparat", "aktivitetsparat", neet=True
    ),
    "resource-programme": Status("ressourceforløb", "ressourceforløb", neet=True),
    "job-clarification": Status("jobafklaringsforløb", "jobafklaring", neet=True),
    "exempted": Status("fritaget", "fritaget", neet=True, exempted=True),
    "completed": Status("har gennemført en ungdomsuddannelse", "gennemført", completed=True),
    "none": Status("ingen aktivitet", "ingen", activity=False, neet=True),
}


def statuses_where(prop: Callable[[Status], bool]) -> tuple[str, ...]:
    """The status codes with a property, in the table's order (for SQL `IN` and for prose)."""
    return tuple(code for code, meaning in STATUS_TABLE.items() if prop(meaning))


STATUSES = {code: meaning.label for code, meaning in STATUS_TABLE.items()}
NOT_ACTIVITY = statuses_where(lambda s: not s.activity)
NEET = statuses_where(lambda s: s.neet)
PRIMARY_SCHOOL = statuses_where(lambda s: s.primary_school)
WEEKLY_HOURS = statuses_where(lambda s: s.weekly_hours)
COMPLETED = statuses_where(lambda s: s.completed)
EXEMPTED = statuses_where(lambda s: s.exempted)

ROLES = {
    "uu": "UU-vejleder",
    "jobcenter": "jobrådgiver",
    "social": "socialrådgiver",
    "ppr": "PPR",
    "health": "sundhed",
    "mentor": "mentor",
    "leader": "leder",
    "other": "anden fagperson",
    # Not a person: the account of a scheduled job (cron's `agenda generate`), which runs the
    # scheduled jobs only (access.SCHEDULED) and gets only what the profile grants the role.
    "system": "systemkonto",
}
SYSTEM_ROLE = "system"

LEGISLATIONS = {
    "serviceloven": "Serviceloven",
    "kui": "KUI-loven",
    "lab": "LAB-loven",
    "other": "anden lovgivning",
}

# How a contact with a youth was made or tried (`kui contact add --channel`, issue 16).
CONTACT_CHANNELS = {
    "phone": "telefon",
    "sms": "sms",
    "mail": "mail",
    "meeting": "møde",
    "home-visit": "hjemmebesøg",
    "letter": "brev",
    "other": "andet",
}
# A goal of the plan is open until the young person reaches it or it is given up (issue 16).
GOAL_STATES = {
    "open": "åbent",
    "achieved": "nået",
    "dropped": "opgivet",
}
# An agreement (aftale) is open until its responsible person has done it or it is dropped.
AGREEMENT_STATES = {
    "open": "åben",
    "done": "klaret",
    "dropped": "opgivet",
}
OPEN = "open"
# A coordinator's assignment: the youth's consent, and who gave it (samtykke).
CONSENTS = {"accepted": "accepted", "declined": "declined", "pending": "pending"}
# Who gave it, as the history's sentence names them (`render.history` translates them there).
CONSENT_BY = {
    "youth": mark("history", "the youth"),
    "guardian": mark("history", "the custody holders"),
    "both": mark("history", "the youth and the custody holders"),
}

APPLIED = {
    "vocational": "erhvervsuddannelse (EUD/EUX)",
    "gymnasium": "gymnasial uddannelse",
    "other": "andet",
}


# The Danish words a person may type for a code besides the code and its label, by the name of
# the code list as `checked` is given it (the name its error message uses).
TYPED_NAMES: dict[str, dict[str, str]] = {
    "status": {code: meaning.name for code, meaning in STATUS_TABLE.items()},
    "--consent": {"accepted": "givet", "declined": "afslået", "pending": "afventer"},
    "--consent-by": {"youth": "den unge", "guardian": "forældremyndighed", "both": "begge"},
}


def checked(value: str, codes: dict[str, str], what: str) -> str:
    """The code itself when it is known, or the code whose label (or Danish name,
    `TYPED_NAMES`) it is, in any case and with spaces, hyphens and points alike ("UU-vejleder",
    "uu vejleder", "10. klasse"); otherwise an error that lists the valid codes."""
    if value in codes:
        return value
    wanted, names = folded(value), TYPED_NAMES.get(what, {})
    for code, label in codes.items():
        if wanted and wanted in (folded(code), folded(label), folded(names.get(code))):
            return code
    raise KuiError(
        _("unknown {what} {value}: use one of {codes}").format(
            what=_list_name(what), value=repr(value), codes=", ".join(codes)
        )
    )


def _list_name(what: str) -> str:
    """The name of a code list as an error names it, in the reader's language (an option
    such as `--consent` is its own name); `what` itself stays the key of `TYPED_NAMES`."""
    names = {
        "need": p_("code list", "need"),
        "status": p_("code list", "status"),
        "role": p_("code list", "role"),
        "channel": p_("code list", "channel"),
        "legislation": p_("code list", "legislation"),
        "application": p_("code list", "application"),
        "assessment result": p_("code list", "assessment result"),
    }
    return names.get(what, what)


def folded(text: str | None) -> str:
    """A code, label or name as it is compared with what a person typed."""
    return _SEPARATORS.sub("-", (text or "").strip().casefold()).strip("-")


_SEPARATORS = re.compile(r"[\s\-_.,]+")


def need(value: str) -> str:
    return checked(value.strip().upper(), NEEDS, "need")


def status(value: str) -> str:
    return checked(value.strip().lower(), STATUSES, "status")


# An address's shape only (one @, a dot in the domain, no spaces): whether it reaches anyone is
# for the mail server to say, but a phone number typed into --email is caught here.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def email(value: str | None, what: str = "--email") -> str | None:
    """An e-mail address as stored (None when blank), or an error when it has no address's
    shape."""
    text = (value or "").strip()
    if text and not EMAIL.match(text):
        raise KuiError(
            _("{what} is not an e-mail address: {value}").format(what=what, value=repr(value))
        )
    return text or None


def contact_channel(value: str) -> str:
    return checked(value.strip().lower(), CONTACT_CHANNELS, "channel")


MAX_ID_DIGITS = 18


def parse_id(text: str) -> int | None:
    """A row id typed by a person (ASCII digits that fit the database), or None when it is not
    one: `str.isdigit` also accepts '²' and '١', which `int` refuses or reads differently."""
    ref = text.strip()
    if ref.isascii() and ref.isdigit() and len(ref) <= MAX_ID_DIGITS:
        return int(ref)
    return None
