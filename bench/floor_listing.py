"""The floor that a see-all `kui youth list --search TERM` is measured against.

    python bench/floor_listing.py database.db TERM json|table > out

What `sqlite-utils query DB SQL` (json) and `sqlite-utils query DB SQL --table` do with the
same rows, in plain Python and without sqlite-utils' own start-up (the bench runs the real one
beside it when the `bench` extra is installed): the youths whose name holds TERM (any case),
every column of `youth`, in id order, through the sqlite3 module; as a JSON list of objects
(json.dumps per row, streamed), or as one tabulate table (its default per-cell type detection,
as sqlite-utils calls it).
"""

from __future__ import annotations

import json
import sqlite3
import sys

SQL = "SELECT * FROM youth WHERE lower(name) LIKE ? ORDER BY id"


def main(database: str, term: str, fmt: str) -> None:
    conn = sqlite3.connect(database)
    cursor = conn.execute(SQL, (f"%{term.lower()}%",))
    columns = [column[0] for column in cursor.description]
    out = sys.stdout
    if fmt == "table":
        from tabulate import tabulate

        out.write(tabulate(cursor.fetchall(), headers=columns) + "\n")
    else:
        separator = "[\n  "
        while rows := cursor.fetchmany(1000):
            for row in rows:
                out.write(separator + json.dumps(dict(zip(columns, row, strict=True))))
                separator = ",\n  "
        out.write("[]\n" if separator.startswith("[") else "\n]\n")
    conn.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
