"""`kui digest` (issue 16): one private file per staff member, and by SMTP to each member with
an e-mail only their own digest, against a real local SMTP server (aiosmtpd); who may run it."""

from __future__ import annotations

import datetime as dt
import json
import socket
import stat
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.casework import add_staff, assign
from tests.conftest import KuiRunner, cpr_for, ok, snapshot

BORN_16 = dt.date(2010, 3, 15)
NAMES = {"CD": "Ida Marie Jensen", "EF": "Bo Emil Hansen", "GH": "Sara Holm"}


class Inbox:
    """What the test's SMTP server received: envelope recipients and the message."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[str, Inbox]]:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    # aiosmtpd 1.4 checks the server by connecting to the port it was given: not 0, a free one.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"127.0.0.1:{port}", inbox
    finally:
        controller.stop()


@pytest.fixture
def town(ready: KuiRunner) -> tuple[KuiRunner, dict[str, tuple[int, str]]]:
    """AB a leader; CD and EF counsellors with e-mail, GH without; CRON the scheduled job.
    Each counsellor coordinates one youth out of activity (a duty item) whose CPR is known."""
    add_staff(ready, "CD", "uu", "--email", "cd@kommune.dk")
    add_staff(ready, "EF", "uu", "--email", "ef@kommune.dk")
    add_staff(ready, "GH", "uu")
    add_staff(ready, "CRON", "system")
    youths = {}
    for serial, (staff, name) in enumerate(NAMES.items(), start=1):
        number = cpr_for(BORN_16, f"{serial + 3}234")
        result = ok(ready("youth", "add", "--cpr", number, "--name", name, "--status", "none",
                          "--since", "2026-11-20"))  # fmt: skip
        youth = int(result.stdout)
        ok(assign(ready, youth, staff))
        youths[staff] = (youth, number)
    return ready, youths


def private_texts(folder: Path) -> dict[str, str]:
    found = {}
    for path in sorted(folder.iterdir()):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        found[path.stem] = path.read_text("utf-8")
    return found


def secrets(youths: dict[str, tuple[int, str]]) -> list[str]:
    """What no digest may hold: each youth's CPR number (both spellings), and their names."""
    found = []
    for _youth, number in youths.values():
        found += [number, number.replace("-", "")]
    return found + [part for name in NAMES.values() for part in name.split()]


def test_one_private_file_per_active_staff_member_with_only_their_youths(
    town: tuple[KuiRunner, dict[str, tuple[int, str]]], tmp_path: Path
) -> None:
    kui, youths = town
    out = tmp_path / "digests"
    out.mkdir()
    ok(kui("digest", "--out", str(out), user="CRON"))
    texts = private_texts(out)
    assert sorted(texts) == ["AB", "CD", "EF", "GH"]  # not the job's own account
    for staff, (youth, _) in youths.items():
        assert f"nr. {youth})" in texts[staff]
        for other, (theirs, _) in youths.items():
            if other != staff:
                assert f"nr. {theirs})" not in texts[staff]
    assert texts["CD"].startswith("# Din dag i KUI: CD\n")
    assert f"`kui duty contact {youths['CD'][0]}`" in texts["CD"]
    for body in texts.values():
        assert not [secret for secret in secrets(youths) if secret in body]


def test_smtp_sends_each_member_with_an_email_only_their_own_digest(
    town: tuple[KuiRunner, dict[str, tuple[int, str]]], smtp_server: tuple[str, Inbox]
) -> None:
    kui, youths = town
    address, inbox = smtp_server
    ok(kui("digest", "--smtp", address, "--from", "kui@kommune.dk", user="CRON"))
    by_recipient = {tuple(rcpt): msg for rcpt, msg in inbox.received}
    assert sorted(by_recipient) == [("cd@kommune.dk",), ("ef@kommune.dk",)]
    for staff in ("CD", "EF"):
        msg = by_recipient[(f"{staff.lower()}@kommune.dk",)]
        assert msg["To"] == f"{staff.lower()}@kommune.dk" and msg["From"] == "kui@kommune.dk"
        body = msg.get_payload(decode=True).decode("utf-8")
        assert f"nr. {youths[staff][0]})" in body
        assert all(f"nr. {youths[o][0]})" not in body for o in youths if o != staff)
        raw = msg.as_string() + body
        assert not [secret for secret in secrets(youths) if secret in raw]


def test_every_digest_written_or_sent_is_audited_per_recipient(
    town: tuple[KuiRunner, dict[str, tuple[int, str]]],
    smtp_server: tuple[str, Inbox],
    tmp_path: Path,
    db_url: str,
) -> None:
    kui, _ = town
    address, _inbox = smtp_server
    ok(kui("digest", "--out", str(tmp_path), "--smtp", address, "--from", "k@k.dk", user="CRON"))
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT action, filter FROM audit_log WHERE command = 'kui digest' ORDER BY id")
        ).all()
    engine.dispose()
    entries = [(action, json.loads(filters)["digest"]) for action, filters in rows]
    written = [("print", who) for who in ("AB", "CD", "EF", "GH")]
    assert entries == [*written, ("send", "CD"), ("send", "EF")]


def test_an_administrator_may_run_it(
    town: tuple[KuiRunner, dict[str, tuple[int, str]]], tmp_path: Path
) -> None:
    kui, youths = town
    ok(kui("digest", "--out", str(tmp_path), user="AB"))
    assert f"nr. {youths['GH'][0]})" in (tmp_path / "GH.md").read_text("utf-8")


def test_a_counsellor_may_not_make_everyones_digest(
    town: tuple[KuiRunner, dict[str, tuple[int, str]]],
    smtp_server: tuple[str, Inbox],
    tmp_path: Path,
    db_url: str,
) -> None:
    """Attack: a counsellor runs the digest to read (or mail themselves) everyone's day."""
    kui, _ = town
    address, inbox = smtp_server
    out = tmp_path / "digests"
    out.mkdir()
    before = snapshot(db_url)
    result = kui("digest", "--out", str(out), "--smtp", address, "--from", "x@x.dk",
                 user="CD")  # fmt: skip
    assert result.exit_code == 1 and "admin_roles" in result.output
    assert list(out.iterdir()) == [] and inbox.received == []
    after = snapshot(db_url)
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"
    }
    added = after["audit_log"][len(before["audit_log"]) :]
    assert len(added) == 1 and "digest-roles-only" in str(added[0])


def test_starttls_and_login_follow_the_profile_and_need_the_password(
    town: tuple[KuiRunner, dict[str, tuple[int, str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kui_cli.domain import mail

    monkeypatch.delenv(mail.PASSWORD_ENV, raising=False)
    with pytest.raises(Exception, match="KUI_SMTP_PASSWORD"):
        mail.server("mail.example:587", True, "kui-job")
    monkeypatch.setenv(mail.PASSWORD_ENV, "secret")
    assert mail.server("mail.example:587", True, "kui-job") == mail.Server(
        "mail.example", 587, True, "kui-job"
    )
    assert mail.server("mail.example", False, None).port == 25


def test_give_out_or_smtp(town: tuple[KuiRunner, dict[str, tuple[int, str]]]) -> None:
    kui, _ = town
    assert kui("digest", user="CRON").exit_code == 2
    assert kui("digest", "--smtp", "127.0.0.1:1", user="CRON").exit_code == 2
