"""The floor that `kui youth import` is measured against: the same work in plain Python.

    python bench/floor_import.py youths.csv target.db

csv module, python-stdnum's CPR validation and birth date of every row, a table with a unique
index on the CPR, one history row per youth, sqlite3 `executemany` in one transaction. No ORM, no
SQLAlchemy, no checks of status or need codes: what a careful one-off script would do.
"""

from __future__ import annotations

import csv
import sqlite3
import sys

from stdnum.dk import cpr


def main(source: str, target: str) -> int:
    rows = []
    with open(source, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for number, name, status, since, need, school, grade in reader:
            compact = cpr.validate(number)
            born = cpr.get_birth_date(compact)
            rows.append(
                (
                    compact,
                    name,
                    born.isoformat(),
                    status,
                    since,
                    need,
                    school or None,
                    int(grade) if grade else None,
                )
            )
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute(
        "CREATE TABLE youth (id INTEGER PRIMARY KEY, cpr TEXT NOT NULL, name TEXT NOT NULL, "
        "birth_date TEXT NOT NULL, status TEXT NOT NULL, status_since TEXT NOT NULL, "
        "need TEXT NOT NULL, school TEXT, grade INTEGER)"
    )
    conn.execute("CREATE UNIQUE INDEX ix_youth_cpr ON youth (cpr)")
    conn.execute(
        "CREATE TABLE history (id INTEGER PRIMARY KEY, youth_id INTEGER NOT NULL "
        "REFERENCES youth (id), what TEXT NOT NULL)"
    )
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO youth (cpr, name, birth_date, status, status_since, need, school, grade) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute("INSERT INTO history (youth_id, what) SELECT id, 'registered' FROM youth")
    conn.execute("COMMIT")
    conn.close()
    return len(rows)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
