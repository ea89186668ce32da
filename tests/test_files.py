"""Files kui writes: private (0600) whatever the umask, complete or absent, never overwritten."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kui_cli.domain import files
from kui_cli.errors import KuiError


def test_a_private_file_is_0600_even_with_a_permissive_umask(tmp_path: Path) -> None:
    target = tmp_path / "export.jsonl"
    old = os.umask(0)
    try:
        with files.private_text(target) as handle:
            handle.write("æøå\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text(encoding="utf-8") == "æøå\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.jsonl"]


def test_a_failure_while_writing_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "export.jsonl"
    with pytest.raises(OSError), files.private_text(target) as handle:
        handle.write("half")
        raise OSError(28, "No space left on device")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "message"),
    [("exists.txt", "exists already"), ("missing/x.txt", "does not exist"), (".", "is a folder")],
)
def test_bad_targets_are_refused_before_any_work(tmp_path: Path, name: str, message: str) -> None:
    (tmp_path / "exists.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(KuiError, match=message), files.private_target(tmp_path / name):
        pytest.fail("the block must not run")
    assert (tmp_path / "exists.txt").read_text(encoding="utf-8") == "keep"


def test_overwrite_replaces_atomically(tmp_path: Path) -> None:
    target = tmp_path / "agenda.md"
    target.write_text("old", encoding="utf-8")
    with files.private_text(target, overwrite=True) as handle:
        handle.write("new")
    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
