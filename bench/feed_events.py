"""A realistic status feed against a generated town: what Ungedatabasen hands kui in a month.

    python bench/feed_events.py 1000000 [--events 100000]   # prints the path of the cached feed

Events about the town's own youths of 15-24 (their CPR numbers, read from the generated database)
in the shares a month of national reporting has: starts and drop-outs, completions, jobs and
benefits, at-risk reports, moves away, and moves in, some of them of youths the register does not
know yet (with a name, so kui registers them). Dates fall in the last two months before the
generator's day, after the youth's current status, so nearly every event changes something (a
few older ones are superseded, as in real feeds). Cached beside the database under N, the event
count and `VERSION`.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402

VERSION = 1
EVENTS = 100_000
SOURCE = "ungedata"
SEED = 18
# (kind, share, educations it may name)
KINDS = (
    ("started", 0.26, ("EUD", "EUX", "STX", "HHX", "HTX", "HF", "FGU")),
    ("dropped-out", 0.18, ("EUD", "STX", "HF", "FGU")),
    ("completed", 0.12, ("EUD", "STX", "HHX", "HF")),
    ("job", 0.10, ()),
    ("benefit", 0.08, ()),
    ("at-risk", 0.12, ("EUD", "STX", "FGU")),
    ("moved-away", 0.06, ()),
    ("moved-in", 0.08, ("EUD", "STX", "FGU", "")),
)
NEW_YOUTHS = 0.03  # of all events: moves in of youths the register does not know
REASONS = ("FRAVAER", "SKIFT", "FAGLIGT", "PERSONLIGT", "")
WINDOW = 60  # days before the generator's day in which events fall
COLUMNS = ["source", "event_id", "cpr", "event_date", "kind", "education", "institution",
           "reason", "name", "birth_date"]  # fmt: skip


def feed_path(n: int, events: int = EVENTS) -> Path:
    return generate.CACHE / f"feed-{n}-{events}-v{VERSION}.csv"


def ensure(database: Path, n: int, events: int = EVENTS) -> Path:
    """The cached feed of `events` events against the generated database of N youths."""
    path = feed_path(n, events)
    if not path.exists():
        write(database, path, events)
    return path


def write(database: Path, path: Path, events: int) -> None:
    rng = random.Random(SEED)
    today = generate.TODAY
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        youngest = today.replace(year=today.year - 15).isoformat()
        oldest = today.replace(year=today.year - 25).isoformat()
        candidates = conn.execute(
            "SELECT cpr, birth_date, status_since FROM youth WHERE birth_date <= ? "
            "AND birth_date > ? ORDER BY id",
            (youngest, oldest),
        ).fetchall()
        taken = {row[0] for row in conn.execute("SELECT cpr FROM youth")}
    finally:
        conn.close()
    new = round(events * NEW_YOUTHS)
    chosen = rng.sample(candidates, min(events - new, len(candidates)))
    rows = [_known(rng, youth, today, number) for number, youth in enumerate(chosen)]
    rows += [_newcomer(rng, taken, today, len(rows) + i) for i in range(new)]
    rng.shuffle(rows)  # a feed comes in the order the source sends it, not by youth
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    partial.replace(path)


def _kind(rng: random.Random) -> tuple[str, tuple[str, ...]]:
    pick, total = rng.random(), 0.0
    for kind, share, educations in KINDS:
        total += share
        if pick < total:
            return kind, educations
    return KINDS[-1][0], KINDS[-1][2]


def _known(rng: random.Random, youth: tuple[str, str, str], today: dt.date, i: int) -> list:
    number, _born, since = youth
    kind, educations = _kind(rng)
    first = max(dt.date.fromisoformat(since) + dt.timedelta(days=1), today - dt.timedelta(WINDOW))
    if rng.random() < 0.02 or first >= today:  # older than what kui knows: superseded
        first = today - dt.timedelta(days=WINDOW * 3)
    day = first + dt.timedelta(days=rng.randrange(max(1, (today - first).days)))
    education = rng.choice(educations) if educations else ""
    reason = rng.choice(REASONS) if kind == "dropped-out" else ""
    institution = f"{rng.randrange(100000, 999999)}" if education else ""
    cpr = f"{number[:6]}-{number[6:]}"
    return [SOURCE, f"UD-{i:07d}", cpr, day.isoformat(), kind, education, institution, reason,
            "", ""]  # fmt: skip


def _newcomer(rng: random.Random, taken: set[str], today: dt.date, i: int) -> list:
    """A youth moving in whom the register does not know: a new valid CPR number and a name."""
    while True:
        born = dt.date(2002, 1, 1) + dt.timedelta(days=rng.randrange(365 * 9))
        number = born.strftime("%d%m%y") + f"{rng.randrange(5000, 9000)}"  # 2000s: 5-8
        if number not in taken:
            taken.add(number)
            break
    day = today - dt.timedelta(days=rng.randrange(1, WINDOW))
    education = rng.choice(("EUD", "STX", "FGU", ""))
    return [SOURCE, f"UD-{i:07d}", f"{number[:6]}-{number[6:]}", day.isoformat(), "moved-in",
            education, "", "", f"Tilflytter {i}", born.isoformat()]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="youths in the generated town")
    parser.add_argument("--events", type=int, default=EVENTS, help="events (default 100,000)")
    args = parser.parse_args(argv)
    database, _source, _meta = generate.ensure(args.n, log=lambda m: print(m, file=sys.stderr))
    print(ensure(database, args.n, args.events))


if __name__ == "__main__":
    main()
