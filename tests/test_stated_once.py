"""Rules stated once, checked over the source: what a status means is read from the status table
(`codes.STATUS_TABLE`), the job-hours default is the profile's, and a change-log row is made by
`changes.row` alone. Each scan reads the syntax tree, so a docstring or a message that names a
status is no finding; a comparison with one, or an SQL text that quotes one, is."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import kui_cli
from kui_cli.domain import codes, profile
from kui_cli.domain.law.duty import DutyRules
from kui_cli.domain.profile import Profile

PACKAGE = Path(kui_cli.__file__).parent
# The table itself, and the demo's synthetic municipality, whose recipe names statuses as data.
STATUS_TABLE_READERS_EXEMPT = {"domain/codes.py", "domain/demo.py"}
# Codes of their own that share a status's word: an episode closed by an exemption, the status
# feed's kinds of event (`completed`, `job`: what happened, not a status).
OTHER_CODES = {("domain/law/duty.py", "EXEMPTED"), ("domain/register/feed_lines.py", "KINDS")}
SQL_QUOTED = re.compile("'(" + "|".join(map(re.escape, codes.STATUSES)) + ")'")


def modules(root: Path = PACKAGE) -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(root.rglob("*.py")):
        yield path.relative_to(root).as_posix(), ast.parse(path.read_text("utf-8"))


def status_codes_in(node: ast.AST) -> list[str]:
    """Status codes written as literals in `node`: alone or in a tuple, list or set."""
    if isinstance(node, ast.Constant) and node.value in codes.STATUSES:
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [code for item in node.elts for code in status_codes_in(item)]
    return []


def hard_coded_statuses(tree: ast.Module, name: str = "") -> list[tuple[int, str]]:
    """Where a module decides by a status code it names: a comparison (==, in, ...), an SQL
    `.in_()`/`.not_in()`, an SQL text that quotes the code, or a module constant that holds
    codes (a set of its own, such as a list of NEET statuses)."""
    found = [
        (node.lineno, code)
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        and node.value is not None
        and not any((name, n.id) in OTHER_CODES for n in ast.walk(node) if isinstance(n, ast.Name))
        for code in status_codes_in(node.value)
    ]
    for node in ast.walk(tree):
        operands: list[ast.AST] = []
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("in_", "not_in"):
                operands = list(node.args)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found += [(node.lineno, m) for m in SQL_QUOTED.findall(node.value)]
        found += [(node.lineno, code) for op in operands for code in status_codes_in(op)]
    return found


def test_no_module_decides_by_a_status_code_it_names() -> None:
    """Duty, reports, charts, assessments, ages and the register read the status table's
    properties, so a new status is one row in it."""
    found = {
        name: hits
        for name, tree in modules()
        if name not in STATUS_TABLE_READERS_EXEMPT and (hits := hard_coded_statuses(tree, name))
    }
    assert found == {}


def test_the_scan_finds_a_hard_coded_status() -> None:
    tree = ast.parse(
        'a = s == "none"\nb = Youth.status.in_(("job", "fgu"))\nc = text("status = \'stu\'")\n'
        'd = s == "nothing"\nNEET = ("none", "exempted")\n'
    )
    found = [(1, "none"), (2, "fgu"), (2, "job"), (3, "stu"), (5, "exempted"), (5, "none")]
    assert sorted(hard_coded_statuses(tree)) == found


def test_the_job_hours_default_is_written_once() -> None:
    """The profile's SPEC holds the default (and every other duty default); DutyRules() and a
    profile without a [duty] table give the same rules, and no module names hours as a number."""
    assert DutyRules() == DutyRules.of(Profile(profile.validate({"name": "Uden pligt"})))
    assert profile.default("duty.job_hours_threshold") == 20.0
    numbers = [
        (name, node.lineno)
        for name, tree in modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign | ast.AnnAssign)
        and isinstance(node.value, ast.Constant)
        and type(node.value.value) in (int, float)
        and "hours"
        in ast.unparse(node.targets[0] if isinstance(node, ast.Assign) else node.target).lower()
    ]
    assert numbers == []


def change_log_writes(tree: ast.Module) -> list[int]:
    """Lines that build a change-log row: `ChangeLog(...)` or an `insert(ChangeLog ...)`."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        called = ast.unparse(node.func)
        first = ast.unparse(node.args[0]) if node.args else ""
        if called == "ChangeLog" or (called.endswith("insert") and first.startswith("ChangeLog")):
            found.append(node.lineno)
    return found


@pytest.mark.parametrize(
    "text", ["ChangeLog(by='x')", "insert(ChangeLog)", "sa.insert(ChangeLog.__table__)"]
)
def test_the_change_log_scan_finds_a_row(text: str) -> None:
    assert change_log_writes(ast.parse(text)) == [1]


def test_change_log_rows_are_made_in_one_module() -> None:
    """`changes.row` makes every row; the bulk paths (import, demo, the education obligation's
    bulk opening) hand rows or a query to `changes.record_many`/`record_selected`."""
    found = {name: lines for name, tree in modules() if (lines := change_log_writes(tree))}
    assert set(found) == {"domain/plan/changes.py"}
