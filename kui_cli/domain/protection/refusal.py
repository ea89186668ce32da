"""A refusal by the access rule, raised by the rule in Python (access.py) and by what the
database enforces on PostgreSQL (row_security.py): a module of its own, so that both import it
and neither imports the other for it."""

from __future__ import annotations

from kui_cli.errors import KuiError
from kui_cli.render.i18n import _


class Refused(KuiError):
    """A refusal by the access rule: rolled back, then logged on its own (`invocation.session`)."""

    def __init__(
        self,
        message: str,
        rule: str,
        subject: str | None = None,
        *,
        looked_up: tuple[str, ...] = (),
        purpose: str = "",
        plain: bool = False,
    ) -> None:
        super().__init__(message if plain else _("access refused: {reason}").format(reason=message))
        self.rule = rule
        self.subject = subject
        # The CPR numbers a refused lookup asked about (`lookups.py`): recorded and audited by
        # their keys, with the lookup's purpose.
        self.looked_up = looked_up
        self.purpose = purpose
