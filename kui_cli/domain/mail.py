"""Sending e-mail by SMTP (the digests, issue 16), with the standard library only.

One connection for a run; STARTTLS and a login when the profile says so (`digest.starttls`,
`digest.login_user`), the password from the environment (`KUI_SMTP_PASSWORD`), never from the
profile or the command line (both are visible to others). Each message goes to exactly one
recipient, named in its envelope and its `To:`.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage

from kui_cli.errors import KuiError
from kui_cli.render.i18n import _

PASSWORD_ENV = "KUI_SMTP_PASSWORD"
DEFAULT_PORT = 25
TIMEOUT = 30  # seconds: a server that does not answer stops the job instead of hanging it


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    starttls: bool = False
    login_user: str | None = None


def server(value: str, starttls: bool, login_user: str | None) -> Server:
    """`HOST[:PORT]` with the profile's settings; a login needs its password in the
    environment, checked before anything is sent."""
    given = value.strip()
    host, _colon, port = given.rpartition(":") if ":" in given else (given, "", "")
    bad = _("--smtp must be HOST[:PORT], got {value}").format(value=repr(value))
    if not host:
        raise KuiError(bad)
    try:
        number = int(port) if port else DEFAULT_PORT
    except ValueError:
        raise KuiError(bad) from None
    if not 0 < number < 65536:
        raise KuiError(_("--smtp port must be 1-65535, got {port}").format(port=number))
    if login_user and not os.environ.get(PASSWORD_ENV):
        raise KuiError(
            _("digest.login_user is set: give the SMTP password in {variable}").format(
                variable=PASSWORD_ENV
            )
        )
    return Server(host, number, starttls, login_user or None)


def message(sender: str, recipient: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, recipient, subject
    msg.set_content(body)
    return msg


@contextmanager
def connection(found: Server) -> Iterator[smtplib.SMTP]:
    """An SMTP connection, secured and logged in as the settings say."""
    try:
        smtp = smtplib.SMTP(found.host, found.port, timeout=TIMEOUT)
    except OSError as exc:
        raise KuiError(
            _("cannot reach the SMTP server {host}:{port}: {error}").format(
                host=found.host, port=found.port, error=exc
            )
        ) from None
    with smtp:
        if found.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if found.login_user:
            smtp.login(found.login_user, os.environ[PASSWORD_ENV])
        yield smtp


def send(smtp: smtplib.SMTP, msg: EmailMessage) -> None:
    """Send one message to its one recipient; a refusal by the server is an error."""
    try:
        smtp.send_message(msg, to_addrs=[str(msg["To"])])
    except smtplib.SMTPException as exc:
        raise KuiError(
            _("the SMTP server refused the digest to {recipient}: {error}").format(
                recipient=msg["To"], error=exc
            )
        ) from None
