"""The one error type that every rule raises when it says no.

Commands never print errors themselves: the root group catches `KuiError` and prints one line,
so the message format and exit code are the same everywhere.
"""


class KuiError(Exception):
    """Bad input or a rule that refuses: printed as `Error: <message>`, exit code 1."""


class Terminated(BaseException):
    """SIGTERM arrived while kui wrote a file: unwinds like Ctrl-C so the temporary file is
    removed and the transaction rolled back; printed as one `Error:` line, exit code 143."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
