"""How the dashboard reads: figures with their labels and links, tables, chart data.

Every number carries the link to the desk list of the suggestions behind it. Chart data goes
to the page through ``json_script`` and is drawn by ``static/js/dashboard.js``; the table
beside each chart holds the same numbers for screen readers and pages without JavaScript.
"""

import datetime
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext

from suggestions.models import State

from .links import desk_base, with_query
from .periods import add_months
from .selectors import Breakdown, Dashboard, Figures

HANDLED_STATES = [State.REPLIED, State.CLOSED]


@dataclass
class Cell:
    value: object
    url: str = ""
    numeric: bool = True

    @property
    def display(self) -> str:
        return display(self.value)


@dataclass
class Figure:
    code: str
    label: str
    value: object
    url: str = ""
    note: str = ""
    percent: bool = False

    @property
    def display(self) -> str:
        return display(self.value, percent=self.percent)


@dataclass
class Table:
    id: str
    title: str
    columns: list[str]
    rows: list[tuple[Cell, list[Cell]]] = field(default_factory=list)
    chart: dict | None = None
    chart_label: str = ""
    note: str = ""
    row_label: str = ""

    @property
    def json_id(self) -> str:
        return f"chart-data-{self.id}"


def display(value, *, percent: bool = False) -> str:
    if value is None:
        return "—"
    if percent:
        return f"{value:g}%"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def percent_cell(value, url="") -> Cell:
    return Cell(None if value is None else f"{value:g}%", url)


class Links:
    """The desk list of one set of suggestions: the period and scope, plus what is asked."""

    def __init__(self, dashboard: Dashboard):
        self.desk = desk_base()  # reversed once per page, not once per number
        self.base = {
            "submitted_after": dashboard.period.start.isoformat(),
            "submitted_before": dashboard.period.end.isoformat(),
            **dashboard.scope.link_params,
        }

    def __call__(self, **params) -> str:
        return with_query(self.desk, {**self.base, **params})

    def month(self, month, **params) -> str:
        last_day = add_months(month, 1) - datetime.timedelta(days=1)
        return self(
            submitted_after=month.isoformat(), submitted_before=last_day.isoformat(), **params
        )


def key_figures(dashboard: Dashboard, ledger_url: str) -> list[Figure]:
    t, link = dashboard.totals, Links(dashboard)
    figures = [
        Figure("received", gettext("Suggestions received"), t.received, link()),
        Figure(
            "submitted",
            gettext("Waiting for a delegate"),
            t.submitted,
            link(state=State.SUBMITTED),
        ),
        Figure(
            "accepted",
            gettext("Taken, to be dispatched"),
            t.accepted,
            link(state=State.ACCEPTED),
        ),
        Figure(
            "dispatched",
            gettext("Dispatched, not yet acknowledged"),
            t.dispatched,
            link(state=State.DISPATCHED),
        ),
        Figure(
            "in_progress",
            gettext("In progress at the unit"),
            t.in_progress,
            link(state=State.IN_PROGRESS),
        ),
        Figure(
            "unit_replied",
            gettext("Unit's reply under review"),
            t.unit_replied,
            link(state=State.UNIT_REPLIED),
        ),
        Figure("replied", gettext("Replied"), t.replied, link(state=State.REPLIED)),
        Figure("closed", gettext("Closed"), t.closed, link(state=State.CLOSED)),
        Figure(
            "handled_rate",
            gettext("Handled rate"),
            t.handled_rate,
            link(state=HANDLED_STATES),
            gettext("Replied or closed, of those received (duplicates left out)"),
            percent=True,
        ),
        Figure("overdue", gettext("Overdue now"), dashboard.overdue, link(overdue=True)),
        Figure(
            "average_reply_days",
            gettext("Average days to reply"),
            t.average_reply_days,
            link(state=HANDLED_STATES),
            gettext("From submission to the reply to the resident"),
        ),
        Figure("reopened", gettext("Reopened"), t.reopened, link(reopened=True)),
        Figure("merged", gettext("Merged as duplicates"), t.merged, link(state=State.MERGED)),
        Figure(
            "supports",
            gettext("Supports from residents"),
            t.values["supports"],
            "",
            gettext("Residents who have the same problem, merged duplicates included"),
        ),
        Figure(
            "satisfaction",
            gettext("Residents' satisfaction"),
            t.satisfaction,
            link(state=HANDLED_STATES),
            gettext("Satisfied or basically satisfied, of %(n)s ratings") % {"n": t.ratings},
            percent=True,
        ),
        Figure(
            "ballot_satisfaction",
            gettext("Satisfaction at rating meetings"),
            dashboard.ballots.satisfaction,
            "",
            gettext("Of %(n)s secret-ballot votes") % {"n": dashboard.ballots.total},
            percent=True,
        ),
        Figure(
            "satisfaction_together",
            gettext("Satisfaction, residents and meetings together"),
            dashboard.satisfaction_together,
            "",
            percent=True,
        ),
    ]
    if dashboard.visitors is not None:
        figures.append(
            Figure(
                "visitors",
                gettext("Residents received at reception days"),
                dashboard.visitors,
                ledger_url,
                gettext("From the reception logs (Excel ledger)"),
            )
        )
    return figures


def _chart(kind, labels, series, *, horizontal=False, percent=False) -> dict:
    return {
        "kind": kind,
        "horizontal": horizontal,
        "percent": percent,
        "labels": [str(label) for label in labels],
        "series": [{"label": str(label), "data": data} for label, data in series],
    }


def _sets_columns() -> list[str]:
    return [
        gettext("Received"),
        gettext("Handled"),
        gettext("Open"),
        gettext("Overdue now"),
        gettext("Handled rate"),
        gettext("Average days to reply"),
        gettext("Satisfaction"),
    ]


def _set_cells(f: Figures, overdue: int | None, link) -> list[Cell]:
    return [
        Cell(f.received, link()),
        Cell(f.handled, link(state=HANDLED_STATES)),
        Cell(f.open),
        Cell(overdue, link(overdue=True)) if overdue is not None else Cell(None),
        percent_cell(f.handled_rate),
        Cell(f.average_reply_days),
        percent_cell(f.satisfaction),
    ]


def trend_table(dashboard: Dashboard) -> Table:
    link = Links(dashboard)
    from .selectors import trend_months

    first, last = trend_months(dashboard.period)
    found = {item.key: item.figures for item in dashboard.by_month}
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    table = Table(
        "trend",
        gettext("Trend by month"),
        [
            gettext("Received"),
            gettext("Handled"),
            gettext("Reopened"),
            gettext("Handled rate"),
            gettext("Satisfaction"),
        ],
        note=gettext("Suggestions by the month they were received, as they stand now."),
        row_label=gettext("Month"),
    )
    received, handled = [], []
    for month in months:
        f = found.get(month) or Figures()

        def month_link(_month=month, **params):
            return link.month(_month, **params)

        table.rows.append(
            (
                Cell(f"{month:%Y-%m}", numeric=False),
                [
                    Cell(f.received, month_link()),
                    Cell(f.handled, month_link(state=HANDLED_STATES)),
                    Cell(f.reopened, month_link(reopened=True)),
                    percent_cell(f.handled_rate),
                    percent_cell(f.satisfaction),
                ],
            )
        )
        received.append(f.received)
        handled.append(f.handled)
    table.chart = _chart(
        "bar",
        [f"{m:%Y-%m}" for m in months],
        [(gettext("Received"), received), (gettext("Handled"), handled)],
    )
    table.chart_label = gettext("Bar chart: suggestions received and handled by month.")
    return table


def _breakdown_table(
    dashboard,
    items: list[Breakdown],
    *,
    id,
    title,
    param,
    chart_label,
    row_label,
    show_overdue=True,
    head_url=None,
) -> Table:
    link = Links(dashboard)
    table = Table(id, title, _sets_columns(), row_label=row_label)
    items = sorted(items, key=lambda item: (-item.figures.received, item.label))
    for item in items:

        def item_link(_key=item.key, **params):
            return link(**{param: _key}, **params)

        table.rows.append(
            (
                Cell(item.label or "—", head_url(item) if head_url else "", numeric=False),
                _set_cells(item.figures, item.overdue if show_overdue else None, item_link),
            )
        )
    top = items[:15]
    table.chart = _chart(
        "bar",
        [item.label for item in top],
        [
            (gettext("Received"), [item.figures.received for item in top]),
            (gettext("Handled"), [item.figures.handled for item in top]),
        ],
        horizontal=True,
    )
    table.chart_label = chart_label
    if len(items) > len(top):
        table.note = gettext("The chart shows the %(n)s with the most suggestions.") % {
            "n": len(top)
        }
    return table


def category_table(dashboard: Dashboard) -> Table:
    return _breakdown_table(
        dashboard,
        dashboard.by_category,
        id="category",
        title=gettext("By category"),
        param="category",
        row_label=gettext("Category"),
        chart_label=gettext("Bar chart: suggestions received and handled by category."),
        show_overdue=False,
    )


def area_table(dashboard: Dashboard, drill_url) -> Table:
    """The areas one level down; each name opens that area's own dashboard."""
    return _breakdown_table(
        dashboard,
        dashboard.by_area,
        id="area",
        title=gettext("By area"),
        param="region",
        row_label=gettext("Area"),
        chart_label=gettext("Bar chart: suggestions received and handled by area."),
        head_url=lambda item: drill_url(region=item.key),
    )


def station_table(dashboard: Dashboard) -> Table:
    return _breakdown_table(
        dashboard,
        dashboard.by_station,
        id="station",
        title=gettext("By station"),
        param="station",
        row_label=gettext("Station"),
        chart_label=gettext("Bar chart: suggestions received and handled by station."),
    )


def channel_table(dashboard: Dashboard) -> Table:
    link = Links(dashboard)
    table = Table(
        "channel",
        gettext("By channel"),
        [gettext("Received"), gettext("Handled"), gettext("Handled rate")],
        row_label=gettext("Channel"),
    )
    items = sorted(dashboard.by_channel, key=lambda item: -item.figures.received)
    for item in items:
        table.rows.append(
            (
                Cell(item.label, numeric=False),
                [
                    Cell(item.figures.received, link(channel=item.key)),
                    Cell(item.figures.handled, link(channel=item.key, state=HANDLED_STATES)),
                    percent_cell(item.figures.handled_rate),
                ],
            )
        )
    table.chart = _chart(
        "doughnut",
        [item.label for item in items],
        [(gettext("Received"), [item.figures.received for item in items])],
    )
    table.chart_label = gettext("Doughnut chart: the channels suggestions came through.")
    return table


def unit_table(dashboard: Dashboard) -> Table:
    link = Links(dashboard)
    table = Table(
        "unit",
        gettext("By handling unit"),
        [
            gettext("With the unit now"),
            gettext("Overdue now"),
            gettext("Unit replies"),
            gettext("On-time rate"),
            gettext("Average days to reply"),
            gettext("Satisfaction"),
        ],
        note=gettext(
            "Suggestions count for the unit they are with now. On-time rate: replies within "
            "the deadline out of replies made and suggestions overdue without a reply; days "
            "are counted from dispatch to the unit's reply."
        ),
        row_label=gettext("Handling unit"),
    )
    if dashboard.units_in_all > len(dashboard.by_unit):
        table.note += " " + gettext(
            "%(shown)s of %(all)s units: those with the most suggestions with them now."
        ) % {"shown": len(dashboard.by_unit), "all": dashboard.units_in_all}
    items = sorted(dashboard.by_unit, key=lambda item: (-item.figures.with_unit, item.label))
    for item in items:
        f = item.figures
        table.rows.append(
            (
                Cell(item.label, numeric=False),
                [
                    Cell(f.with_unit, link(unit=item.key)),
                    Cell(item.overdue, link(unit=item.key, overdue=True)),
                    Cell(f.unit_replies, link(unit=item.key)),
                    percent_cell(f.on_time_rate),
                    Cell(f.average_unit_days),
                    percent_cell(f.satisfaction),
                ],
            )
        )
    top = items[:15]
    table.chart = _chart(
        "bar",
        [item.label for item in top],
        [
            (gettext("With the unit now"), [item.figures.with_unit for item in top]),
            (gettext("Overdue now"), [item.overdue for item in top]),
        ],
        horizontal=True,
    )
    table.chart_label = gettext("Bar chart: each unit's load and overdue suggestions.")
    return table


def satisfaction_table(dashboard: Dashboard) -> Table:
    t, b = dashboard.totals, dashboard.ballots
    table = Table(
        "satisfaction",
        gettext("Satisfaction"),
        [
            gettext("Satisfied"),
            gettext("Basically satisfied"),
            gettext("Unsatisfied"),
            gettext("Satisfaction"),
        ],
        note=gettext(
            "Residents rate each reply; voters rate suggestions by secret ballot at rating "
            "meetings (closed sessions held in the period)."
        ),
        row_label=gettext("Rated by"),
    )
    table.rows.append(
        (
            Cell(gettext("Residents' ratings"), numeric=False),
            [
                Cell(t.rated_satisfied),
                Cell(t.rated_basic),
                Cell(t.rated_unsatisfied),
                percent_cell(t.satisfaction),
            ],
        )
    )
    table.rows.append(
        (
            Cell(gettext("Rating meetings"), numeric=False),
            [Cell(b.satisfied), Cell(b.basic), Cell(b.unsatisfied), percent_cell(b.satisfaction)],
        )
    )
    table.rows.append(
        (
            Cell(gettext("Together"), numeric=False),
            [
                Cell(t.rated_satisfied + b.satisfied),
                Cell(t.rated_basic + b.basic),
                Cell(t.rated_unsatisfied + b.unsatisfied),
                percent_cell(dashboard.satisfaction_together),
            ],
        )
    )
    table.chart = _chart(
        "bar",
        [gettext("Satisfied"), gettext("Basically satisfied"), gettext("Unsatisfied")],
        [
            (
                gettext("Residents' ratings"),
                [t.rated_satisfied, t.rated_basic, t.rated_unsatisfied],
            ),
            (gettext("Rating meetings"), [b.satisfied, b.basic, b.unsatisfied]),
        ],
    )
    table.chart_label = gettext("Bar chart: ratings by residents and at rating meetings.")
    return table


def reception_ledger_url(dashboard: Dashboard) -> str:
    params = {
        "date_from": dashboard.period.start.isoformat(),
        "date_to": dashboard.period.end.isoformat(),
        **dashboard.scope.link_params,
    }
    return with_query(reverse("dashboard:ledger_receptions"), params)
