"""Municipality profiles: the settings that differ between municipalities, as TOML files.

The shipped profiles live in `data/profiles/` (installed as `kui_cli/profiles/`); a user may pass
the path of their own copy. Every key is checked against `SPEC`, so a typo is an error that names
the key rather than a setting that silently does nothing. The loaded profile is kept in the
database as JSON, so every later command reads the same settings without the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from sqlmodel import Session

from kui_cli.domain import codes, settings, staff
from kui_cli.domain.law import calendar
from kui_cli.domain.meetings import recurrence
from kui_cli.domain.protection import audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import cpr
from kui_cli.errors import KuiError
from kui_cli.render.i18n import _

DEFAULT_PROFILE = "soenderborg"
PROFILE_KEY = "profile"

# key -> (type, default); a dict value is a section with its own keys; a list default of
# tables (teams, meetings) is validated by the code that uses it.
SPEC: dict[str, Any] = {
    "name": (str, None),
    "slug": (str, None),
    "upper_age": (int, 30),
    "coordinator_title": (str, "uddannelseskoordinator"),
    # The language kui speaks (da or en) where KUI_LANG does not say; without it, the locale's.
    "language": (str, None),
    # The youngest age the register takes (`youth add` and `youth import`); the oldest is one
    # below `upper_age`. 12: the youngest pupils in 7th grade, where UU's guidance and KUI's
    # follow-up of pupils start (group 1); a 6-year-old is no KUI youth.
    "register": {
        "min_age": (int, 12),
    },
    "calendar": {
        "extra_closing_days": (list, []),
    },
    "duty": {
        "contact_working_days": (int, 5),
        "offer_calendar_days": (int, 30),
        "offer_from": (str, "out"),
        "job_hours_threshold": (float, 20.0),
    },
    "privacy": {
        "see_all_roles": (list, ["leader"]),
        "reveal_roles": (list, ["leader"]),
        # Who administers (access.ADMINISTRATION): loads the profile, registers and
        # (de)activates staff, sets team membership, schedules, cancels and moves meetings.
        "admin_roles": (list, ["leader"]),
        "audit_keep_months": (int, 6),
        "retention_age": (int, 30),
        "retention_mode": (str, "delete"),
        # Lookups by CPR number per user and real day (a join by CPR, a duplicate registration):
        # beyond it kui and the database refuse them until tomorrow (`protection/lookups.py`).
        # 20: a social worker joins a case or mistypes a registration a few times a day; a
        # guesser is stopped after 20 of the millions of possible numbers.
        "cpr_lookups_per_day": (int, 20),
    },
    # The follow-up of every youth (opsøgende indsats, issue 16): a youth not reached for this
    # many days is `no-contact` on the agenda, in `youth list --no-contact-days` and `kui today`.
    "followup": {
        "no_contact_days": (int, 30),
    },
    "agenda": {
        "handover_days": (int, 90),
        # Who may write the agendas circulated to the teams (`agenda generate`, the cron job).
        "generate_roles": (list, ["leader", "system"]),
    },
    # The status feed (`kui feed apply`, issue 18): who may apply one, and how the education
    # or activity an event names maps to kui's status codes (added to FEED_STATUSES, which a
    # profile's `[feed.statuses]` extends or overrides; names are matched in upper case). And the
    # municipality's reporting to the national youth database (`kui feed report`): it holds
    # every reported youth's CPR number, so it is for `report_roles` only, each a see-all role.
    "feed": {
        "apply_roles": (list, ["leader", "system"]),
        "statuses": (dict, {}),
        "report_roles": (list, ["leader"]),
    },
    # Who may run `youth import --update`, which matches a file against every registered CPR
    # number (`register/reimport.py`): the see-all roles and the nightly job's account.
    "import": {
        "update_roles": (list, ["leader", "system"]),
    },
    # The digests sent by `kui digest --smtp` (issue 16): STARTTLS before anything is sent, and
    # the SMTP login's user name (its password comes from the environment, KUI_SMTP_PASSWORD,
    # never from the profile, which every staff member may read).
    "digest": {
        "starttls": (bool, False),
        "login_user": (str, None),
    },
    # The operating-system accounts that may act for any staff member with `--user` (the cron
    # account, a shared service account), although they are some member's login (issue 15).
    "access": {
        "act_for_others": (list, []),
    },
    "teams": (list, []),
}


def default(path: str) -> Any:
    """The default of a setting by dotted path: the one place a default is written, so a rule
    that needs a setting without a profile (`DutyRules()`) reads the same value."""
    node: Any = SPEC
    for part in path.split("."):
        node = node[part]
    return node[1]


# What Ungedatabasen (STIL) names an education or activity, as kui's status codes.
FEED_STATUSES = {
    "GRUNDSKOLE": "primary-school",
    "10KL": "10th-grade",
    "10. KLASSE": "10th-grade",
    "EFTERSKOLE": "10th-grade",
    "STX": "gymnasium",
    "HHX": "gymnasium",
    "HTX": "gymnasium",
    "HF": "gymnasium",
    "IB": "gymnasium",
    "EUD": "vocational",
    "EUX": "vocational",
    "FGU": "fgu",
    "STU": "stu",
    "KVU": "higher-education",
    "MVU": "higher-education",
    "LVU": "higher-education",
    "JOB": "job",
    "UDDANNELSESPARAT": "benefit-education-ready",
    "AKTIVITETSPARAT": "benefit-activity-ready",
    "RESSOURCEFORLOEB": "resource-programme",
    "JOBAFKLARING": "job-clarification",
}

# From 10 (a municipality that follows pupils from 4th grade) to 18 (only the adults).
MIN_AGE_RANGE = (10, 18)
# At least one join by CPR a day; beyond a few hundred the limit stops no guesser.
CPR_LOOKUPS_RANGE = (1, 500)

CHOICES = {
    "language": ("da", "en"),
    "duty.offer_from": ("out", "contact"),
    "privacy.retention_mode": ("delete", "anonymise"),
}


@dataclass(frozen=True)
class Profile:
    """A validated profile with every default filled in."""

    data: dict[str, Any]

    def value(self, path: str) -> Any:
        """A setting by dotted path, e.g. `duty.offer_calendar_days`."""
        node: Any = self.data
        for part in path.split("."):
            node = node[part]
        return node

    @property
    def upper_age(self) -> int:
        return int(self.data["upper_age"])

    @property
    def min_age(self) -> int:
        return int(self.data["register"]["min_age"])

    @property
    def slug(self) -> str:
        return str(self.data["slug"])


def shipped_profiles() -> list[str]:
    """The names of the profiles that come with kui."""
    folder = resources.files("kui_cli") / "profiles"
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def read_profile(name_or_path: str) -> Profile:
    """A shipped profile by name, or a TOML file by path."""
    path = Path(name_or_path)
    if name_or_path.endswith(".toml") or path.exists():
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise KuiError(
                _("cannot read profile {path}: {reason}").format(path=path, reason=exc.strerror)
            ) from None
        except UnicodeDecodeError:
            raise KuiError(_("profile {path} is not UTF-8 text").format(path=path)) from None
    else:
        source = name_or_path
        resource = resources.files("kui_cli") / "profiles" / f"{name_or_path}.toml"
        if not resource.is_file():
            known = ", ".join(shipped_profiles())
            raise KuiError(
                _("unknown profile {name}: choose one of {known} or a .toml file").format(
                    name=repr(name_or_path), known=known
                )
            )
        text = resource.read_text(encoding="utf-8")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise KuiError(
            _("profile {source} is not valid TOML: {error}").format(source=source, error=exc)
        ) from None
    data = validate(raw, source)
    _refuse_cpr_numbers(data, source, "")
    return Profile(data)


def _refuse_cpr_numbers(value: Any, source: str, path: str) -> None:
    """A profile's texts go on agendas and calendars (team names, places, fixed items, member
    titles, organisers): like every free text, none may hold a CPR number."""
    if isinstance(value, str):
        cpr.refuse_in_text(value, _("{source}: key '{key}'").format(source=source, key=path))
    elif isinstance(value, dict):
        for key, inner in value.items():
            _refuse_cpr_numbers(inner, source, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            _refuse_cpr_numbers(inner, source, f"{path}[{index}]")


def validate(raw: dict[str, Any], source: str = "profile") -> dict[str, Any]:
    """Check every key and type against SPEC and fill in the defaults."""
    data = _validate_section(raw, SPEC, source, prefix="")
    if not data.get("name"):
        raise KuiError(_required(source, "name"))
    data["slug"] = data.get("slug") or Path(source).stem
    ranges = {
        "upper_age": (19, 35),
        "register.min_age": MIN_AGE_RANGE,
        "privacy.cpr_lookups_per_day": CPR_LOOKUPS_RANGE,
    }
    _check_ranges(data, source, ranges)
    _check_law_settings(data, source)
    roles = data["agenda"]["generate_roles"]
    _each(roles, str, source, "agenda.generate_roles", tuple(codes.ROLES))
    updaters = data["import"]["update_roles"]
    _each(updaters, str, source, "import.update_roles", tuple(codes.ROLES))
    admins = data["privacy"]["admin_roles"]
    _each(admins, str, source, "privacy.admin_roles", tuple(codes.ROLES))
    if not admins:  # nobody could load a profile or register staff again
        raise KuiError(
            _("{source}: key 'privacy.admin_roles' must name at least one role").format(
                source=source
            )
        )
    why = _("the national report covers every youth")
    _check_wide_roles(data, source, "feed.report_roles", why)
    for account in data["access"]["act_for_others"]:
        if not isinstance(account, str) or not staff.LOGIN.match(account):
            raise KuiError(
                _(
                    "{source}: key 'access.act_for_others' must list operating-system user "
                    "names, got {value}"
                ).format(source=source, value=repr(account))
            )
    # The feed writes about any youth, and its dry run reads back what it would change: only a
    # role that sees all, or the scheduled job's account (which reads nothing else back).
    why = _("a feed writes about every youth it names")
    _check_wide_roles(data, source, "feed.apply_roles", why, also=("system",))
    data["feed"]["statuses"] = _feed_statuses(data["feed"]["statuses"], source)
    data["teams"] = _validated_teams(data["teams"], source)
    return data


def _check_wide_roles(
    data: dict[str, Any], source: str, key: str, why: str, also: tuple[str, ...] = ()
) -> None:
    """`key` names roles, each one that sees all (or is in `also`): a command that covers every
    youth (the national report must be complete: a youth left out would read as one never
    contacted; the feed writes about whoever it names) is no door for a role that sees less."""
    section, name = key.split(".")
    roles = data[section][name]
    _each(roles, str, source, key, tuple(codes.ROLES))
    partial = sorted(set(roles) - set(data["privacy"]["see_all_roles"]) - set(also))
    if partial:
        raise KuiError(
            _(
                "{source}: key '{key}' names {role}, which is not in privacy.see_all_roles: {why}"
            ).format(source=source, key=key, role=repr(partial[0]), why=why)
        )


def _feed_statuses(given: dict[str, Any], source: str) -> dict[str, str]:
    """The feed's table of educations: the defaults, extended or overridden by the profile's
    `[feed.statuses]`, every name in upper case and every value a status code."""
    table = dict(FEED_STATUSES)
    for name, status in given.items():
        if status not in codes.STATUSES:
            raise KuiError(
                _(
                    "{source}: key 'feed.statuses.{name}' must be a status code ({codes}), "
                    "got {value}"
                ).format(
                    source=source, name=name, codes=", ".join(codes.STATUSES), value=repr(status)
                )
            )
        table[name.strip().upper()] = status
    return table


# The law's clock (issue 5): the working-day calendar and the education obligation's settings.
LAW_RANGES = {
    "duty.contact_working_days": (1, 60),
    "duty.offer_calendar_days": (1, 365),
    "duty.job_hours_threshold": (0, 80),
    # Not the law's, but a deadline like them: a day to a year without a reached contact.
    "followup.no_contact_days": (1, 365),
}
MAX_YEARLY_CLOSING_DAYS = 50


def _check_law_settings(data: dict[str, Any], source: str) -> None:
    """Closing days must parse (MM-DD or YYYY-MM-DD) and leave working days; numbers in range."""
    try:
        closing = calendar.closing_days(data["calendar"]["extra_closing_days"])
    except KuiError as exc:
        raise KuiError(_bad_key(source, "calendar.extra_closing_days", exc)) from None
    if len(closing.yearly) > MAX_YEARLY_CLOSING_DAYS:
        raise KuiError(
            _(
                "{source}: key 'calendar.extra_closing_days' has more than {n} yearly closing days"
            ).format(source=source, n=MAX_YEARLY_CLOSING_DAYS)
        )
    _check_ranges(data, source, LAW_RANGES)


def _check_ranges(data: dict[str, Any], source: str, ranges: dict[str, tuple[int, int]]) -> None:
    """Each setting (a dotted path) within its range, both ends included."""
    for path, (low, high) in ranges.items():
        if not low <= Profile(data).value(path) <= high:
            raise KuiError(
                _("{source}: key '{key}' must be between {low} and {high}").format(
                    source=source, key=path, low=low, high=high
                )
            )


def _required(source: str, key: str) -> str:
    return _("{source}: key '{key}' is required").format(source=source, key=key)


def _bad_key(source: str, key: str, error: KuiError) -> str:
    """A setting's own error (a closing day, a meeting rule) with the key it is in."""
    return _("{source}: key '{key}': {error}").format(source=source, key=key, error=error)


def _validate_section(raw: dict[str, Any], spec: dict[str, Any], source: str, prefix: str) -> dict:
    unknown = sorted(set(raw) - set(spec))
    if unknown:
        raise KuiError(
            _("{source}: unknown key '{key}'").format(source=source, key=prefix + unknown[0])
        )
    result: dict[str, Any] = {}
    for key, rule in spec.items():
        path = f"{prefix}{key}"
        if isinstance(rule, dict):
            section = raw.get(key, {})
            if not isinstance(section, dict):
                raise KuiError(
                    _("{source}: key '{key}' must be a table [{key}]").format(
                        source=source, key=path
                    )
                )
            result[key] = _validate_section(section, rule, source, prefix=f"{path}.")
            continue
        kind, default = rule
        value = raw.get(key, default)
        result[key] = _checked(value, kind, source, path)
    return result


def _checked(value: Any, kind: type, source: str, path: str) -> Any:
    if value is None:
        return None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise KuiError(
            _("{source}: key '{key}' must be {type}, got {value}").format(
                source=source, key=path, type=kind.__name__, value=repr(value)
            )
        )
    if path in CHOICES and value not in CHOICES[path]:
        raise KuiError(_one_of(source, path, CHOICES[path]))
    return value


# --- Teams and meeting rules (issue 6): `[[teams]]`, `[teams.target]`, `[[teams.meetings]]`. ---
TEAM_SPEC: dict[str, Any] = {
    "slug": (str, None),
    "name": (str, None),
    "place": (str, None),
    "target": {"age_groups": (list, []), "needs": (list, []), "statuses": (list, [])},
    "members": (list, []),
    "fixed_items": (list, []),
    "organisers": (list, []),
    "referrals": {"allowed": (bool, True), "leader": (bool, False), "consulted": (bool, False)},
    "meetings": (list, []),
}
MEMBER_SPEC: dict[str, Any] = {"role": (str, None), "title": (str, None)}
MEETING_SPEC: dict[str, Any] = {
    "rule": (str, None),
    "start": (str, None),
    "duration": (int, 90),
    "place": (str, None),
}
TEAM_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def _validated_teams(raw: list[Any], source: str) -> list[dict[str, Any]]:
    """Every team table, with every key checked and named in the error (`teams[1].meetings[0]`)."""
    teams = [_validated_team(team, source, f"teams[{i}]") for i, team in enumerate(raw)]
    slugs = [team["slug"] for team in teams]
    duplicate = next((slug for slug in slugs if slugs.count(slug) > 1), None)
    if duplicate:
        raise KuiError(
            _("{source}: team slug {slug} is used twice").format(
                source=source, slug=repr(duplicate)
            )
        )
    return teams


def _validated_team(raw: Any, source: str, path: str) -> dict[str, Any]:
    team = _validate_section(_table(raw, source, path), TEAM_SPEC, source, prefix=f"{path}.")
    for key in ("slug", "name"):
        if not team[key]:
            raise KuiError(_required(source, f"{path}.{key}"))
    if not TEAM_SLUG.match(team["slug"]):
        raise KuiError(
            _("{source}: key '{key}' must be lower-case letters, digits and -").format(
                source=source, key=f"{path}.slug"
            )
        )
    target = team["target"]
    _each(target["age_groups"], int, source, f"{path}.target.age_groups", (1, 2, 3, 4))
    _each(target["needs"], str, source, f"{path}.target.needs", tuple(codes.NEEDS))
    _each(target["statuses"], str, source, f"{path}.target.statuses", tuple(codes.STATUSES))
    _each(team["fixed_items"], str, source, f"{path}.fixed_items")
    _each(team["organisers"], str, source, f"{path}.organisers")
    team["members"] = [
        _validated_member(member, source, f"{path}.members[{i}]")
        for i, member in enumerate(team["members"])
    ]
    team["meetings"] = [
        _validated_meeting(meeting, source, f"{path}.meetings[{i}]")
        for i, meeting in enumerate(team["meetings"])
    ]
    return team


def _validated_member(raw: Any, source: str, path: str) -> dict[str, Any]:
    member = _validate_section(_table(raw, source, path), MEMBER_SPEC, source, prefix=f"{path}.")
    if member["role"] not in codes.ROLES:
        raise KuiError(_one_of(source, f"{path}.role", tuple(codes.ROLES)))
    member["title"] = member["title"] or codes.ROLES[member["role"]]
    return member


def _validated_meeting(raw: Any, source: str, path: str) -> dict[str, Any]:
    table = dict(_table(raw, source, path))
    if isinstance(table.get("start"), dt.datetime):  # a TOML local date-time
        table["start"] = table["start"].isoformat(timespec="minutes")
    meeting = _validate_section(table, MEETING_SPEC, source, prefix=f"{path}.")
    for key in ("rule", "start"):
        if not meeting[key]:
            raise KuiError(_required(source, f"{path}.{key}"))
    if not 5 <= meeting["duration"] <= 24 * 60:
        raise KuiError(
            _("{source}: key '{key}' must be 5-1440 minutes").format(
                source=source, key=f"{path}.duration"
            )
        )
    try:
        start = recurrence.parse_start(meeting["start"], "start")
        recurrence.parse(meeting["rule"], start)
    except KuiError as exc:
        raise KuiError(_bad_key(source, path, exc)) from None
    meeting["rule"] = recurrence.normalised(meeting["rule"])
    meeting["start"] = start.isoformat(timespec="minutes")
    return meeting


def _table(raw: Any, source: str, path: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise KuiError(_("{source}: key '{key}' must be a table").format(source=source, key=path))
    return raw


def _each(values: list[Any], kind: type, source: str, path: str, allowed: tuple = ()) -> None:
    for value in values:
        if (
            not isinstance(value, kind)
            or isinstance(value, bool)
            or (allowed and value not in allowed)
        ):
            if allowed:
                message = _("{source}: key '{key}' must list one of {choices}, got {value}")
            else:
                message = _("{source}: key '{key}' must list {type}, got {value}")
            choices = ", ".join(map(str, allowed))
            raise KuiError(
                message.format(
                    source=source, key=path, choices=choices, type=kind.__name__, value=repr(value)
                )
            )


def _one_of(source: str, key: str, choices: tuple[str, ...]) -> str:
    return _("{source}: key '{key}' must be one of {choices}").format(
        source=source, key=key, choices=", ".join(choices)
    )


# --- end of teams ---


def save(session: Session, actor: Actor, profile: Profile) -> None:
    """Store the profile in the database, where every command reads it. Audited with what
    decides access (the roles) and the stored text's SHA-256, so any other change shows too."""
    staff.require_administrator(session, profile.value("privacy.admin_roles"))
    stored = json.dumps(profile.data, ensure_ascii=False)
    settings.put(session, PROFILE_KEY, stored)
    privacy = profile.data["privacy"]
    audit.administered(
        session,
        actor,
        profile=profile.data["name"],
        slug=profile.slug,
        sha256=hashlib.sha256(stored.encode("utf-8")).hexdigest(),
        **{key: privacy[key] for key in ("see_all_roles", "reveal_roles", "admin_roles")},
        generate_roles=profile.data["agenda"]["generate_roles"],
        update_roles=profile.data["import"]["update_roles"],
    )


def current(session: Session) -> Profile:
    """The profile loaded at `kui init`, with defaults for keys added since."""
    stored = settings.get(session, PROFILE_KEY)
    if stored is None:
        raise KuiError(_("no municipality profile loaded: run `kui init --profile NAME`"))
    return _stored(stored)


def language(session: Session) -> str | None:
    """The stored profile's `language`, or None when it names none or no profile is loaded yet
    (`kui init` itself): the presentation layer then follows the locale."""
    stored = settings.get(session, PROFILE_KEY)
    return None if stored is None else _stored(stored).data.get("language")


@lru_cache(maxsize=4)
def _stored(text: str) -> Profile:
    """A stored profile validated once per text: a rule that reads a setting per youth (the
    status feed's thousands of status changes) would otherwise validate it again each time."""
    return Profile(validate(json.loads(text), _("stored profile")))
