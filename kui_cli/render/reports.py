"""The management reports for a person: the overview's sections, the application shares and the
2030 targets as tables or markdown, titled in the reader's language. JSON is the domain's data as
it is (the contract for scripts).

`--columns` picks among the columns of a report's tables; the overview has tables of different
columns, so each shows the picked columns it has, and a table with none of them is left out; a
name no table has is refused, as for a listing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kui_cli import render
from kui_cli.render import labels, prose
from kui_cli.render.i18n import _


def overview(data: dict[str, Any], fmt: str, view: render.View) -> None:
    """The month's figures, then one table per section."""
    figures = {
        "kui_youths": data["kui_youths"],
        "need_c_without_coordinator": data["need_c_without_coordinator"],
        "without_plan_owner": data["without_plan_owner"],
        **{f"deadlines_{k}": v for k, v in data["deadlines"].items()},
        **{f"plan_changes_{k}": v for k, v in data["plan_changes"].items()},
    }
    if data["so_far"]:
        heading = _("Overview {month} (so far, to {date})").format(
            month=data["month"], date=data["to"]
        )
    else:
        heading = _("Overview {month}").format(month=data["month"])
    sections = [
        (heading, [{"figure": labels.measure(k), "value": v} for k, v in figures.items()]),
        (_("Youths by age group"), data["age_groups"]),
        (_("Youths by need and age group"), data["needs"]),
        (_("Youths by status and age group"), [r for r in data["statuses"] if r["total"]]),
        (_("Coordinators' caseloads"), data["caseloads"]),
        (_("Referrals per team"), data["referrals"]),
        (_("Outside education and job, month ends"), data["out_of_activity_trend"]),
        (_("Goals achieved by need-C youths, per month"), data["goals_achieved_need_c"]),
    ]
    _tables(sections, fmt, view)


def application_warnings(data: dict[str, Any]) -> None:
    """On stderr, whatever the format: no applications, or vocational under 10 %."""
    year = data["year"]
    if data["applicants"] == 0:
        render.warning(
            _("no applications recorded in {year} (youth update --applied)").format(year=year)
        )
    elif data["action_plan_required"]:
        render.warning(
            _(
                "under 10 % applied to vocational education (erhvervsuddannelse): the "
                "municipality must make an action plan (handlingsplan)"
            )
        )


def applications(data: dict[str, Any], fmt: str, view: render.View) -> None:
    """The shares: a list in markdown (as the municipality publishes them), else a table."""
    title = _("Applications {year}").format(year=data["year"])
    if fmt == "markdown" and view.columns is None:
        print(f"## {title}\n")
        for share in data["shares"]:
            shown = "–" if share["percent"] is None else share["percent"]
            print(f"- {shown} % {share['label']}")
        return
    _tables([(title, data["shares"])], fmt, view)


def targets(data: dict[str, Any], fmt: str, view: render.View) -> None:
    title = _("2030 targets on {date}").format(date=prose.date(data["date"]))
    _tables([(title, data["targets"])], fmt, view)


def _tables(
    sections: Sequence[tuple[str, list[dict[str, Any]]]], fmt: str, view: render.View
) -> None:
    """Each section as a table, or one line when it is empty; with `--columns`, the picked
    columns each has."""
    render.no_fields(view)
    if view.columns is not None:
        sections = _picked(sections, view.columns)
    for index, (title, rows) in enumerate(sections):
        if index:
            print()
        if not rows:
            print(_("{title}: none").format(title=title))
            continue
        cols = None
        if view.columns is not None:
            cols = [c for c in view.columns if c in rows[0]]
        shown = render.View(wide=view.wide, columns=tuple(cols) if cols else None)
        render.listing(rows, fmt, columns=cols, title=title, view=shown)


def _picked(
    sections: Sequence[tuple[str, list[dict[str, Any]]]], asked: Sequence[str]
) -> list[tuple[str, list[dict[str, Any]]]]:
    """The sections that have any of the asked columns; every name must be some table's."""
    every = list(dict.fromkeys(key for _title, rows in sections for row in rows[:1] for key in row))
    render.pick_names(asked, every, "column")
    return [(t, rows) for t, rows in sections if rows and any(c in rows[0] for c in asked)]
