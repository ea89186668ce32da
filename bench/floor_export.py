"""The floor that `kui export monthly` is measured against: a plain Python csv writer.

    python bench/floor_export.py statements.json database.db > out.csv

Replays the SELECT statements that `kui export monthly` executed (captured by bench/inproc.py,
with their parameters) through the sqlite3 module and writes every row with csv.writer: the
same queries, and nothing else.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import sys


def main(statements_file: str, database: str) -> None:
    with open(statements_file, encoding="utf-8") as handle:
        statements = json.load(handle)
    conn = sqlite3.connect(database)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    for sql, parameters in statements:
        cursor = conn.execute(sql, parameters or ())
        writer.writerow([column[0] for column in cursor.description])
        while rows := cursor.fetchmany(10_000):
            writer.writerows(rows)
    conn.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
