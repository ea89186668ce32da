"""The overview as one self-contained HTML page in Danish, with inline SVG charts.

No scripts, fonts, style sheets or images from elsewhere: the page is one file that can be mailed
or put on an intranet and still renders the same. Every text is escaped. Bars show the
distributions, lines the monthly trends of youths outside education and job and of goals achieved
by the youths with need C.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape
from typing import Any

from kui_cli import danish
from kui_cli.domain import codes

WIDTH = 680
LABEL_WIDTH = 250
BAR_WIDTH = 330
ROW = 24

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #1d2733; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2.2rem; }
table { border-collapse: collapse; margin: .6rem 0 1rem; }
th, td { border-bottom: 1px solid #d5dbe1; padding: .25rem .6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
svg text { font-size: 12px; fill: #1d2733; } svg .bar { fill: #2f6f9f; }
svg .over { fill: #b8462f; } svg .line { fill: none; stroke: #2f6f9f; stroke-width: 2.5; }
svg .dot { fill: #2f6f9f; } svg .grid { stroke: #d5dbe1; }
.note { color: #56616d; }
"""


def month_da(month: str) -> str:
    """`2026-11` as `november 2026`."""
    year, number = month.split("-")
    return f"{danish.MONTHS[int(number) - 1]} {year}"


def number_da(value: Any, unit: str = "") -> str:
    """Danish number format: 1.905 and 85,3; a dash for a figure that cannot be computed."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, int):
        text = f"{value:,}".replace(",", ".")
    else:
        text = f"{value:,.1f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return f"{text}{unit}"


def bar_chart(title: str, bars: Sequence[tuple[str, float, bool]], unit: str = "") -> str:
    """Horizontal bars (label, value, highlighted), scaled to the largest value."""
    if not bars:
        return '<p class="note">Ingen at vise.</p>'
    height = ROW * len(bars) + 10
    largest = max((value for _, value, _ in bars), default=0) or 1
    parts = [
        f'<svg class="chart bars" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value, highlight) in enumerate(bars):
        y = 5 + index * ROW
        length = round(BAR_WIDTH * value / largest, 1)
        css = "bar over" if highlight else "bar"
        parts += [
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end">{escape(label)}</text>',
            f'<rect class="{css}" x="{LABEL_WIDTH}" y="{y + 3}" width="{length}" '
            f'height="{ROW - 6}">'
            f"<title>{escape(label)}: {escape(number_da(value, unit))}</title></rect>",
            f'<text x="{LABEL_WIDTH + length + 6}" y="{y + 16}">{escape(number_da(value, unit))}'
            "</text>",
        ]
    parts.append("</svg>")
    return "\n".join(parts)


def line_chart(title: str, points: Sequence[tuple[str, int | None]]) -> str:
    """A line through the values (label, value) from left to right, with a zero baseline."""
    height, left, top, bottom = 240, 60, 20, 40
    inner_w, inner_h = WIDTH - left - 20, height - top - bottom
    largest = max((v for _, v in points if v is not None), default=0) or 1
    step = inner_w / max(len(points) - 1, 1)

    def xy(index: int, value: float) -> tuple[float, float]:
        return round(left + index * step, 1), round(top + inner_h * (1 - value / largest), 1)

    parts = [
        f'<svg class="chart line-chart" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}">',
        f"<title>{escape(title)}</title>",
    ]
    for value in (0, largest):
        _, y = xy(0, value)
        parts += [
            f'<line class="grid" x1="{left}" y1="{y}" x2="{WIDTH - 20}" y2="{y}"/>',
            f'<text x="{left - 8}" y="{y + 4}" text-anchor="end">{number_da(value)}</text>',
        ]
    known = [(i, v) for i, (_, v) in enumerate(points) if v is not None]
    path = " ".join(f"{x},{y}" for x, y in (xy(i, v) for i, v in known))
    parts.append(f'<polyline class="line" points="{path}"/>')
    for index, (label, value) in enumerate(points):
        x, _ = xy(index, 0)
        parts.append(f'<text x="{x}" y="{height - 14}" text-anchor="middle">{escape(label)}</text>')
        if value is not None:
            cx, cy = xy(index, value)
            parts.append(
                f'<circle class="dot" cx="{cx}" cy="{cy}" r="3.5">'
                f"<title>{escape(label)}: {number_da(value)}</title></circle>"
            )
    parts.append("</svg>")
    return "\n".join(parts)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """An HTML table; numbers in Danish format, every text escaped."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(_cell(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any) -> str:
    return value if isinstance(value, str) else number_da(value)


def group_labels(upper_age: int) -> dict[int, str]:
    return {
        1: "1: i grundskolen",
        2: "2: under 18 år",
        3: "3: 18-24 år",
        4: f"4: 25-{upper_age - 1} år",
    }


def overview_page(data: dict[str, Any]) -> str:
    """The whole page of `report overview --html`."""
    as_of: dt.date = data["to"]
    heading = f"Ungeindsatsen (KUI): overblik for {month_da(data['month'])}"
    if data["so_far"]:
        heading += f", foreløbigt til og med {danish.date(as_of)}"
    place = escape(data.get("municipality") or "")
    body = [
        f"<h1>{escape(heading)}</h1>",
        f'<p class="note">{place} · tal pr. {escape(danish.date(as_of))} · '
        "unge uden CPR-nummer og navn: kun optællinger.</p>",
        *_distribution_sections(data),
        *_effort_sections(data),
        "<h2>Unge uden for uddannelse og job, de seneste 12 måneder</h2>",
        line_chart(
            "Unge uden for uddannelse og job ved månedens udgang",
            [(_short_month(p["month"]), p["youths"]) for p in data["out_of_activity_trend"]],
        ),
        f'<p class="note">Status: {escape(neet_statuses_text())}. Alle unge i KUI-alderen;'
        " status på tidligere datoer er genskabt fra ændringsloggen.</p>",
        "<h2>Mål nået af unge med flerfaglig indsats (behov C), de seneste 12 måneder</h2>",
        line_chart(
            "Mål nået i måneden af unge med behov C",
            [(_short_month(p["month"]), p["goals"]) for p in data["goals_achieved_need_c"]],
        ),
        '<p class="note">Unge i KUI-alderen med behov C ved månedens udgang; behovet på '
        "tidligere datoer er genskabt fra ændringsloggen.</p>",
    ]
    return (
        '<!doctype html>\n<html lang="da">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(heading)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def neet_statuses_text() -> str:
    """What counts as outside education and job, in Danish, from the status table."""
    statuses = [codes.STATUSES[code] for code in codes.NEET]
    statuses += [f"{codes.STATUSES[code]} under timegrænsen" for code in codes.WEEKLY_HOURS]
    return "; ".join(statuses)


def _short_month(month: str) -> str:
    year, number = month.split("-")
    return f"{danish.MONTHS[int(number) - 1][:3]} {year[2:]}"


def _distribution_sections(data: dict[str, Any]) -> list[str]:
    labels = group_labels(data["upper_age"])
    groups = [(labels[r["age_group"]], r["youths"], False) for r in data["age_groups"]]
    group_heads = ["", *(labels[g] for g in (1, 2, 3, 4)), "i alt"]

    def across(rows: list[dict[str, Any]], key: str, names: dict[str, str]) -> list[list[Any]]:
        return [
            [names[r[key]], *(r[f"group_{g}"] for g in (1, 2, 3, 4)), r["total"]]
            for r in rows
            if r["total"]
        ]

    needs = [(codes.NEEDS[r["need"]], r["total"], r["need"] == "C") for r in data["needs"]]
    statuses = [(codes.STATUSES[r["status"]], r["total"], False) for r in data["statuses"]]
    return [
        "<h2>Unge fordelt på aldersgruppe</h2>",
        bar_chart("Unge fordelt på aldersgruppe", groups),
        "<h2>Behov for indsats</h2>",
        bar_chart("Unge fordelt på behov", needs),
        table(group_heads, across(data["needs"], "need", codes.NEEDS)),
        "<h2>Status (aktivitet)</h2>",
        bar_chart("Unge fordelt på status", [s for s in statuses if s[1]]),
        table(group_heads, across(data["statuses"], "status", codes.STATUSES)),
    ]


def _effort_sections(data: dict[str, Any]) -> list[str]:
    loads = data["caseloads"]
    deadlines, changes = data["deadlines"], data["plan_changes"]
    key_figures = [
        ["Unge i KUI i måneden", data["kui_youths"]],
        ["Flerfaglig indsats (behov C) uden koordinator", data["need_c_without_coordinator"]],
        ["KUI-unge uden planansvarlig", data["without_plan_owner"]],
    ]
    return [
        "<h2>Én plan, én kontaktperson</h2>",
        table(["", "antal"], key_figures),
        "<h2>Koordinatorernes sagsantal og kapacitet</h2>",
        bar_chart(
            "Sager pr. koordinator (aktive og foreslåede)",
            [(r["coordinator"], r["active"] + r["pending"], r["over_capacity"]) for r in loads],
        ),
        table(
            ["koordinator", "aktive", "foreslåede", "kapacitet", "belastning %"],
            [
                [r["coordinator"], r["active"], r["pending"], r["capacity"], r["load_percent"]]
                for r in loads
            ],
        ),
        "<h2>Uddannelsespligt: frister overholdt</h2>",
        table(
            ["", "antal"],
            [
                ["Frister overholdt", deadlines["met"]],
                ["Frister overskredet", deadlines["missed"]],
                ["Andel overholdt, %", deadlines["met_percent"]],
                ["Kontakter i måneden", deadlines["contacts"]],
                ["Median dage fra frafald til kontakt", deadlines["median_days_to_contact"]],
            ],
        ),
        "<h2>Ændringer i planerne</h2>",
        table(
            ["", "antal"],
            [
                ["Ændringer i måneden", changes["changes"]],
                ["Heraf set af den planansvarlige", changes["acknowledged"]],
                [
                    "Median dage til den planansvarlige har set ændringen",
                    changes["median_days_to_acknowledge"],
                ],
            ],
        ),
        "<h2>Indstillinger pr. team</h2>",
        bar_chart(
            "Indstillinger behandlet pr. team",
            [(r["team"], r["handled"], False) for r in data["referrals"]],
        ),
        table(
            ["team", "modtaget", "behandlet", "åbne ved månedens udgang"],
            [[r["team"], r["received"], r["handled"], r["open"]] for r in data["referrals"]],
        ),
    ]
