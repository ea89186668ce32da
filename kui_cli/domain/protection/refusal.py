"""A refusal by the access rule, raised by the rule in Python (access.py) and by what the
database enforces on PostgreSQL (row_security.py): a module of its own, so that both import it
and neither imports the other for it."""

from __future__ import annotations

from kui_cli.errors import KuiError


class Refused(KuiError):
    """A refusal by the access rule: rolled back, then logged on its own (`invocation.session`)."""

    def __init__(self, message: str, rule: str, subject: str | None = None) -> None:
        super().__init__(f"access refused: {message}")
        self.rule = rule
        self.subject = subject
