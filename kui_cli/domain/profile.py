"""Municipality profiles: the settings that differ between municipalities, as TOML files.

The shipped profiles live in `data/profiles/` (installed as `kui_cli/profiles/`); a user may pass
the path of their own copy. Every key is checked against `SPEC`, so a typo is an error that names
the key rather than a setting that silently does nothing. The loaded profile is kept in the
database as JSON, so every later command reads the same settings without the file.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sqlmodel import Session

from kui_cli.domain import settings
from kui_cli.errors import KuiError

DEFAULT_PROFILE = "soenderborg"
PROFILE_KEY = "profile"

# key -> (type, default); a dict value is a section with its own keys; a list default of
# tables (teams, meetings) is validated by the code that uses it.
SPEC: dict[str, Any] = {
    "name": (str, None),
    "slug": (str, None),
    "upper_age": (int, 30),
    "coordinator_title": (str, "uddannelseskoordinator"),
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
        "audit_keep_months": (int, 6),
        "retention_age": (int, 30),
        "retention_mode": (str, "delete"),
    },
    "agenda": {
        "handover_days": (int, 90),
    },
    "teams": (list, []),
}

CHOICES = {
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
            raise KuiError(f"cannot read profile {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise KuiError(f"profile {path} is not UTF-8 text") from None
    else:
        source = name_or_path
        resource = resources.files("kui_cli") / "profiles" / f"{name_or_path}.toml"
        if not resource.is_file():
            known = ", ".join(shipped_profiles())
            raise KuiError(
                f"unknown profile {name_or_path!r}: choose one of {known} or a .toml file"
            )
        text = resource.read_text(encoding="utf-8")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise KuiError(f"profile {source} is not valid TOML: {exc}") from None
    return Profile(validate(raw, source))


def validate(raw: dict[str, Any], source: str = "profile") -> dict[str, Any]:
    """Check every key and type against SPEC and fill in the defaults."""
    data = _validate_section(raw, SPEC, source, prefix="")
    if not data.get("name"):
        raise KuiError(f"{source}: key 'name' is required")
    data["slug"] = data.get("slug") or Path(source).stem
    if not 18 < data["upper_age"] <= 35:
        raise KuiError(f"{source}: key 'upper_age' must be between 19 and 35")
    return data


def _validate_section(raw: dict[str, Any], spec: dict[str, Any], source: str, prefix: str) -> dict:
    unknown = sorted(set(raw) - set(spec))
    if unknown:
        raise KuiError(f"{source}: unknown key '{prefix}{unknown[0]}'")
    result: dict[str, Any] = {}
    for key, rule in spec.items():
        path = f"{prefix}{key}"
        if isinstance(rule, dict):
            section = raw.get(key, {})
            if not isinstance(section, dict):
                raise KuiError(f"{source}: key '{path}' must be a table [{path}]")
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
        raise KuiError(f"{source}: key '{path}' must be {kind.__name__}, got {value!r}")
    if path in CHOICES and value not in CHOICES[path]:
        raise KuiError(f"{source}: key '{path}' must be one of {', '.join(CHOICES[path])}")
    return value


def save(session: Session, profile: Profile) -> None:
    """Store the profile in the database, where every command reads it."""
    settings.put(session, PROFILE_KEY, json.dumps(profile.data, ensure_ascii=False))


def current(session: Session) -> Profile:
    """The profile loaded at `kui init`, with defaults for keys added since."""
    stored = settings.get(session, PROFILE_KEY)
    if stored is None:
        raise KuiError("no municipality profile loaded: run `kui init --profile NAME`")
    return Profile(validate(json.loads(stored), "stored profile"))
