"""`youth import`: all or nothing, every bad row with its line number, duplicates rejected."""

import json
from pathlib import Path

from tests.conftest import KuiRunner, ok, snapshot, without_trail

GOOD = """cpr,name,status,need,school,grade
150310-4321,Ida Jensen,primary-school,B,Ulkebøl Skole,9
010108-4001,Bo Lund,vocational,A,,
020207-4002,Carl Hansen,none,C,,
"""


def write(tmp_path: Path, text: str, name: str = "youths.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_good_file_is_imported_with_history(ready: KuiRunner, tmp_path: Path) -> None:
    ok(ready("youth", "import", write(tmp_path, GOOD)))
    rows = json.loads(ok(ready("youth", "list", "-f", "json")).stdout)
    assert [r["name"] for r in rows] == ["Ida Jensen", "Bo Lund", "Carl Hansen"]
    assert [r["need"] for r in rows] == ["B", "A", "C"]
    shown = json.loads(ok(ready("youth", "show", str(rows[0]["id"]), "-f", "json")).stdout)
    assert shown["grade"] == 9 and shown["school"] == "Ulkebøl Skole"
    assert shown["history"][0]["what"] == "registered by import of youths.csv"


def test_semicolons_and_bom_from_excel_are_accepted(ready: KuiRunner, tmp_path: Path) -> None:
    text = "\ufeffcpr;name\n150310-4321;Ida Jensen\n"
    ok(ready("youth", "import", write(tmp_path, text)))
    assert len(json.loads(ok(ready("youth", "list", "-f", "json")).stdout)) == 1


def test_bad_rows_are_all_reported_and_nothing_is_imported(
    ready: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    text = GOOD + "310209-4001,Bad Date,,,,\n150310-4321,Again,,,,\n\n010109-4003,,,,,\n"
    text += "010109-4004,Status,dancing,,,\n010109-4005,Need,,Q,,\n"
    before = snapshot(db_url)
    result = ready("youth", "import", write(tmp_path, text))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[-1].startswith("Error: 5 bad rows, nothing imported")
    reported = "\n".join(lines[:-1])
    assert "line 5: invalid CPR '310209-4001'" in reported
    assert "line 6: CPR 150310-xxxx repeats line 2" in reported
    assert "line 8: name is empty" in reported
    assert "line 9: unknown status 'dancing'" in reported
    assert "line 10: unknown need 'Q'" in reported
    assert snapshot(db_url) == before


def test_duplicates_against_the_database_are_rejected(
    ready: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    ok(ready("youth", "add", "--cpr", "010108-4001", "--name", "Bo Lund"))
    before = snapshot(db_url)
    result = ready("youth", "import", write(tmp_path, GOOD))
    assert result.exit_code == 1
    assert "line 3: CPR 010108-xxxx is already registered" in result.stderr
    assert without_trail(snapshot(db_url)) == without_trail(before)  # the lookup is recorded


def test_header_problems_name_the_column(ready: KuiRunner, tmp_path: Path) -> None:
    cases = {
        "name\nIda\n": "lacks column 'cpr'",
        "cpr,name,shoe_size\n150310-4321,Ida,42\n": "unknown column 'shoe_size'",
        "": "is empty",
        "cpr,name\n": "no rows",
    }
    for text, message in cases.items():
        result = ready("youth", "import", write(tmp_path, text))
        assert result.exit_code == 1 and message in result.stderr, result.stderr


def test_a_row_with_too_many_fields_is_bad(ready: KuiRunner, tmp_path: Path) -> None:
    result = ready("youth", "import", write(tmp_path, "cpr,name\n150310-4321,Ida,extra\n"))
    assert result.exit_code == 1 and "line 2: more fields" in result.stderr


def test_binary_file_is_a_clear_error(ready: KuiRunner, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xff\xfe\x00\x81garbage")
    result = ready("youth", "import", str(path))
    assert result.exit_code == 1 and "not UTF-8" in result.stderr


def _rows(count: int) -> str:
    lines = ["cpr,name,status,need"]
    for i in range(count):
        lines.append(f"{(i % 28) + 1:02d}{(i // 28) % 12 + 1:02d}08-4{i // 336:03d},Ung {i},none,A")
    return "\n".join(lines) + "\n"


def schema_diff(db_url: str) -> list:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from kui_cli.models import metadata

    engine = create_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    return diff


def test_bulk_import_leaves_exactly_the_schema(
    ready: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    """A load bigger than the table builds the indexes after the rows (SQLite): the same ones."""
    ok(ready("youth", "import", write(tmp_path, _rows(400))))
    assert schema_diff(db_url) == []
    rows = json.loads(ok(ready("youth", "list", "-f", "json")).stdout)
    assert len(rows) == 400 and rows[0]["name"] == "Ung 0" and rows[-1]["name"] == "Ung 399"


def test_rejected_bulk_import_keeps_the_indexes(
    ready: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    """A duplicate found when the unique index is built rolls back the rows and the rebuild."""
    ok(ready("youth", "add", "--cpr", "010108-4000", "--name", "First"))
    before = snapshot(db_url)
    result = ready("youth", "import", write(tmp_path, _rows(50)))
    assert result.exit_code == 1
    assert "line 2: CPR 010108-xxxx is already registered" in result.stderr
    assert without_trail(snapshot(db_url)) == without_trail(before)
    assert schema_diff(db_url) == []


def test_lines_of_separators_only_are_skipped(ready: KuiRunner, tmp_path: Path) -> None:
    ok(ready("youth", "import", write(tmp_path, GOOD + ",,,,,\n , ,\n\n")))
    assert len(json.loads(ok(ready("youth", "list", "-f", "json")).stdout)) == 3


def test_progress_is_told_in_steps_and_at_the_end(tmp_path: Path) -> None:
    import datetime as dt

    from kui_cli.domain.protection import audit
    from kui_cli.domain.register import importer
    from kui_cli.domain.register.registration import AgeWindow
    from tests.test_progress import Told

    told = Told()
    path = Path(write(tmp_path, _rows(25)))
    window = AgeWindow.between(12, 30, dt.date(2026, 11, 22))
    importer.validate_file(path, window, audit.subject_keyer(b"k" * 32), progress=told)
    assert told.phases == ["reading", "checking"]
    assert told.done["checking"] == told.totals["checking"] == 25
