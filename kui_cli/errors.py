"""The one error type that every rule raises when it says no.

Commands never print errors themselves: the root group catches `KuiError` and prints one line,
so the message format and exit code are the same everywhere.
"""

import re


class KuiError(Exception):
    """Bad input or a rule that refuses: printed as `Error: <message>`, exit code 1."""


class Terminated(BaseException):
    """SIGTERM arrived while kui wrote a file: unwinds like Ctrl-C so the temporary file is
    removed and the transaction rolled back; printed as one `Error:` line, exit code 143."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


ECHO_LIMIT = 60


def shown(value: object, limit: int = ECHO_LIMIT) -> str:
    """A value a person gave, quoted for a message and cut at `limit` characters: an argument of
    100,000 characters is not echoed back in full."""
    text = str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text)


# Quoted values longer than ECHO_LIMIT; compiled when an error is printed, not at start-up.
_LONG_QUOTED = f"'[^']{{{ECHO_LIMIT + 1},}}'|\"[^\"]{{{ECHO_LIMIT + 1},}}\""
LINE_LIMIT = 400


def capped(line: str) -> str:
    """An error line with every quoted value longer than ECHO_LIMIT cut (`shown`), and the line
    itself cut at LINE_LIMIT: the one place every echoed value passes before it is printed."""
    line = re.sub(_LONG_QUOTED, lambda found: shown(found.group(0)[1:-1]), line)
    return line if len(line) <= LINE_LIMIT else line[: LINE_LIMIT - 1] + "…"
