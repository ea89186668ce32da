"""The overview (`report overview --html`) as one self-contained HTML page with inline SVG charts.

No scripts, fonts, style sheets or images from elsewhere: the page is one file that can be mailed
or put on an intranet and still renders the same. It gets the data of `domain.reports.reports.
overview` (the same as the JSON) and only words and draws it. Every text is escaped. Bars show
the distributions, lines the monthly trends of youths outside education and job and of goals
achieved by the youths with need C.

The page is for management in a Danish municipality and is Danish whatever the reader's language
(`agenda.danish_document`); its wording is English in the code and Danish in the catalog, with
the context `chart` where a word of it is worded otherwise in the terminal's tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape
from typing import Any

from kui_cli.render import prose
from kui_cli.render.agenda import danish_document
from kui_cli.render.i18n import _, language, p_

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


def number(value: float | None) -> str:
    """A figure in the page's language: 1.905 and 85,3; a dash for one that cannot be computed."""
    if value is None:
        return "–"
    return prose.number(value, 0 if isinstance(value, int) else 1)


def bar_chart(title: str, bars: Sequence[tuple[str, float, bool]]) -> str:
    """Horizontal bars (label, value, highlighted), scaled to the largest value."""
    if not bars:
        return _note(_("Nothing to show."))
    height = ROW * len(bars) + 10
    largest = max((value for _label, value, _high in bars), default=0) or 1
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
            f"<title>{escape(label)}: {escape(number(value))}</title></rect>",
            f'<text x="{LABEL_WIDTH + length + 6}" y="{y + 16}">{escape(number(value))}</text>',
        ]
    parts.append("</svg>")
    return "\n".join(parts)


def line_chart(title: str, points: Sequence[tuple[str, int | None]]) -> str:
    """A line through the values (label, value) from left to right, with a zero baseline."""
    height, left, top, bottom = 240, 60, 20, 40
    inner_w, inner_h = WIDTH - left - 20, height - top - bottom
    largest = max((v for _label, v in points if v is not None), default=0) or 1
    step = inner_w / max(len(points) - 1, 1)

    def xy(index: int, value: float) -> tuple[float, float]:
        return round(left + index * step, 1), round(top + inner_h * (1 - value / largest), 1)

    parts = [
        f'<svg class="chart line-chart" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}">',
        f"<title>{escape(title)}</title>",
    ]
    for value in (0, largest):
        _x, y = xy(0, value)
        parts += [
            f'<line class="grid" x1="{left}" y1="{y}" x2="{WIDTH - 20}" y2="{y}"/>',
            f'<text x="{left - 8}" y="{y + 4}" text-anchor="end">{escape(number(value))}</text>',
        ]
    known = [(i, v) for i, (_label, v) in enumerate(points) if v is not None]
    path = " ".join(f"{x},{y}" for x, y in (xy(i, v) for i, v in known))
    parts.append(f'<polyline class="line" points="{path}"/>')
    for index, (label, value) in enumerate(points):
        x, _y = xy(index, 0)
        parts.append(f'<text x="{x}" y="{height - 14}" text-anchor="middle">{escape(label)}</text>')
        if value is not None:
            cx, cy = xy(index, value)
            parts.append(
                f'<circle class="dot" cx="{cx}" cy="{cy}" r="3.5">'
                f"<title>{escape(label)}: {escape(number(value))}</title></circle>"
            )
    parts.append("</svg>")
    return "\n".join(parts)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """An HTML table; numbers in the page's format, every text escaped."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(_cell(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any) -> str:
    return value if isinstance(value, str) else number(value)


def group_labels(upper_age: int) -> dict[int, str]:
    """The age groups by number, as the page names them."""
    return {
        1: _("1: in primary school"),
        2: _("2: under 18"),
        3: _("3: 18-24 years"),
        4: _("4: 25-{age} years").format(age=upper_age - 1),
    }


@danish_document
def neet_statuses_text() -> str:
    """What counts as outside education and job, from the status table."""
    from kui_cli.domain import codes

    statuses = [codes.STATUSES[code] for code in codes.NEET]
    statuses += [
        _("{status} below the hours limit").format(status=codes.STATUSES[code])
        for code in codes.WEEKLY_HOURS
    ]
    return "; ".join(statuses)


@danish_document
def overview_page(data: dict[str, Any]) -> str:
    """The whole page of `report overview --html`."""
    as_of: dt.date = data["to"]
    heading = _("The youth effort (KUI): overview for {month}").format(
        month=prose.month(data["month"])
    )
    if data["so_far"]:
        heading = _("{heading}, provisionally up to and including {date}").format(
            heading=heading, date=prose.date(as_of)
        )
    note = _("{place} · figures as of {date} · youths without CPR number and name: counts only.")
    body = [
        f"<h1>{escape(heading)}</h1>",
        '<p class="note">'
        + escape(note.format(place=data.get("municipality") or "", date=prose.date(as_of)))
        + "</p>",
        *_distribution_sections(data),
        *_effort_sections(data),
        *_trend_sections(data),
    ]
    return (
        f'<!doctype html>\n<html lang="{language()}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(heading)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _h2(text: str) -> str:
    return f"<h2>{escape(text)}</h2>"


def _note(text: str) -> str:
    return f'<p class="note">{escape(text)}</p>'


def _distribution_sections(data: dict[str, Any]) -> list[str]:
    from kui_cli.domain import codes

    labels = group_labels(data["upper_age"])
    groups = [(labels[r["age_group"]], r["youths"], False) for r in data["age_groups"]]
    group_heads = ["", *(labels[g] for g in (1, 2, 3, 4)), p_("chart", "total")]

    def across(rows: list[dict[str, Any]], key: str, names: dict[str, str]) -> list[list[Any]]:
        return [
            [names[r[key]], *(r[f"group_{g}"] for g in (1, 2, 3, 4)), r["total"]]
            for r in rows
            if r["total"]
        ]

    needs = [(codes.NEEDS[r["need"]], r["total"], r["need"] == "C") for r in data["needs"]]
    statuses = [(codes.STATUSES[r["status"]], r["total"], False) for r in data["statuses"]]
    by_group = p_("chart", "Youths by age group")
    return [
        _h2(by_group),
        bar_chart(by_group, groups),
        _h2(_("Need for an effort")),
        bar_chart(p_("chart", "Youths by need"), needs),
        table(group_heads, across(data["needs"], "need", codes.NEEDS)),
        _h2(_("Status (activity)")),
        bar_chart(p_("chart", "Youths by status"), [s for s in statuses if s[1]]),
        table(group_heads, across(data["statuses"], "status", codes.STATUSES)),
    ]


def _effort_sections(data: dict[str, Any]) -> list[str]:
    loads = data["caseloads"]
    deadlines, changes = data["deadlines"], data["plan_changes"]
    count = ["", p_("chart", "count")]
    key_figures = [
        [_("Youths in KUI in the month"), data["kui_youths"]],
        [
            _("Multidisciplinary effort (need C) without a coordinator"),
            data["need_c_without_coordinator"],
        ],
        [_("KUI youths without a plan owner"), data["without_plan_owner"]],
    ]
    return [
        _h2(_("One plan, one contact person")),
        table(count, key_figures),
        _h2(_("The coordinators' caseloads and capacity")),
        bar_chart(
            _("Cases per coordinator (active and proposed)"),
            [(r["coordinator"], r["active"] + r["pending"], r["over_capacity"]) for r in loads],
        ),
        table(
            [
                p_("chart", "coordinator"),
                p_("chart", "active"),
                p_("chart", "proposed"),
                p_("chart", "capacity"),
                p_("chart", "load %"),
            ],
            [
                [r["coordinator"], r["active"], r["pending"], r["capacity"], r["load_percent"]]
                for r in loads
            ],
        ),
        _h2(_("Education obligation: deadlines met")),
        table(
            count,
            [
                [_("Deadlines met"), deadlines["met"]],
                [_("Deadlines missed"), deadlines["missed"]],
                [_("Share met, %"), deadlines["met_percent"]],
                [_("Contacts in the month"), deadlines["contacts"]],
                [_("Median days from drop-out to contact"), deadlines["median_days_to_contact"]],
            ],
        ),
        _h2(_("Changes in the plans")),
        table(
            count,
            [
                [_("Changes in the month"), changes["changes"]],
                [_("Of these seen by the plan owner"), changes["acknowledged"]],
                [
                    _("Median days until the plan owner has seen the change"),
                    changes["median_days_to_acknowledge"],
                ],
            ],
        ),
        _h2(p_("chart", "Referrals per team")),
        bar_chart(
            _("Referrals handled per team"),
            [(r["team"], r["handled"], False) for r in data["referrals"]],
        ),
        table(
            [
                p_("chart", "team"),
                p_("chart", "received"),
                p_("chart", "handled"),
                p_("chart", "open at the month's end"),
            ],
            [[r["team"], r["received"], r["handled"], r["open"]] for r in data["referrals"]],
        ),
    ]


def _trend_sections(data: dict[str, Any]) -> list[str]:
    """The 12-month lines: youths outside education and job, goals achieved with need C."""

    def points(trend: list[dict[str, Any]], key: str) -> list[tuple[str, int | None]]:
        return [(prose.month(p["month"], short=True), p[key]) for p in trend]

    return [
        _h2(_("Youths outside education and job, the last 12 months")),
        line_chart(
            _("Youths outside education and job at the month's end"),
            points(data["out_of_activity_trend"], "youths"),
        ),
        _note(
            _(
                "Status: {statuses}. All youths of KUI age; the status on earlier dates is "
                "rebuilt from the change log."
            ).format(statuses=neet_statuses_text())
        ),
        _h2(
            _(
                "Goals achieved by youths with a multidisciplinary effort (need C), the last 12 "
                "months"
            )
        ),
        line_chart(
            _("Goals achieved in the month by youths with need C"),
            points(data["goals_achieved_need_c"], "goals"),
        ),
        _note(
            _(
                "Youths of KUI age with need C at the month's end; the need on earlier dates is "
                "rebuilt from the change log."
            )
        ),
    ]
