"""The one error type that every rule raises when it says no.

Commands never print errors themselves: the root group catches `KuiError` and prints one line,
so the message format and exit code are the same everywhere.
"""


class KuiError(Exception):
    """Bad input or a rule that refuses: printed as `Error: <message>`, exit code 1."""
