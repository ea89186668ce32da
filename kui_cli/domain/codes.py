"""The codes of the command map (CLI.md) with their Danish labels for what is printed in Danish."""

from __future__ import annotations

from kui_cli.errors import KuiError

NEEDS = {
    "A": "ingen indsats",
    "B": "enkeltfaglig indsats",
    "C": "flerfaglig indsats",
}

STATUSES = {
    "primary-school": "i grundskolen",
    "10th-grade": "10. klasse",
    "gymnasium": "gymnasial uddannelse",
    "vocational": "erhvervsuddannelse",
    "fgu": "FGU",
    "stu": "STU",
    "higher-education": "videregående uddannelse",
    "job": "i job",
    "benefit-education-ready": "uddannelseshjælp, uddannelsesparat",
    "benefit-activity-ready": "uddannelseshjælp, aktivitetsparat",
    "resource-programme": "ressourceforløb",
    "job-clarification": "jobafklaringsforløb",
    "exempted": "fritaget",
    "completed": "har gennemført en ungdomsuddannelse",
    "none": "ingen aktivitet",
}

ROLES = {
    "uu": "UU-vejleder",
    "jobcenter": "jobrådgiver",
    "social": "socialrådgiver",
    "ppr": "PPR",
    "health": "sundhed",
    "mentor": "mentor",
    "leader": "leder",
    "other": "anden fagperson",
    # Not a person: the account of a scheduled job (cron's `agenda generate`), which sees no
    # youth's case of its own and gets only what the profile grants the role.
    "system": "systemkonto",
}

LEGISLATIONS = {
    "serviceloven": "Serviceloven",
    "kui": "KUI-loven",
    "lab": "LAB-loven",
    "other": "anden lovgivning",
}

APPLIED = {
    "vocational": "erhvervsuddannelse (EUD/EUX)",
    "gymnasium": "gymnasial uddannelse",
    "other": "andet",
}


def checked(value: str, codes: dict[str, str], what: str) -> str:
    """The code itself when it is known; otherwise an error that lists the valid codes."""
    if value in codes:
        return value
    raise KuiError(f"unknown {what} {value!r}: use one of {', '.join(codes)}")


def need(value: str) -> str:
    return checked(value.strip().upper(), NEEDS, "need")


def status(value: str) -> str:
    return checked(value.strip().lower(), STATUSES, "status")


MAX_ID_DIGITS = 18


def parse_id(text: str) -> int | None:
    """A row id typed by a person (ASCII digits that fit the database), or None when it is not
    one: `str.isdigit` also accepts '²' and '١', which `int` refuses or reads differently."""
    ref = text.strip()
    if ref.isascii() and ref.isdigit() and len(ref) <= MAX_ID_DIGITS:
        return int(ref)
    return None
