from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import reverse
from django.views.generic import TemplateView

from . import presenters
from .links import with_query
from .periods import DEFAULT_PERIOD, PERIOD_CHOICES, parse_month, period_for
from .scopes import scope_for
from .selectors import cached_dashboard_for, delegates_behind


def _echo(value: str, limit: int = 10) -> str:
    """A GET value written back into the form: short, without control characters."""
    return "".join(ch for ch in (value or "")[:limit] if ch.isprintable())


class DashboardView(LoginRequiredMixin, TemplateView):
    """The office's dashboard; station staff, delegates and units see it for their scope."""

    template_name = "dashboard/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        scope = scope_for(
            self.request.user, station=params.get("station", ""), region=params.get("region", "")
        )
        kind = params.get("period", DEFAULT_PERIOD)
        if kind not in dict(PERIOD_CHOICES):
            kind = DEFAULT_PERIOD
        start, end = params.get("from", ""), params.get("to", "")
        period, period_error = period_for(kind, start, end)
        dashboard = cached_dashboard_for(scope, period)
        ledger_url = presenters.reception_ledger_url(dashboard)
        drill = _drill_links(params)
        tables = [
            presenters.trend_table(dashboard),
            presenters.category_table(dashboard),
        ]
        if dashboard.by_area:
            tables.append(presenters.area_table(dashboard, drill))
        if dashboard.by_station:
            tables.append(presenters.station_table(dashboard))
        tables += [
            presenters.unit_table(dashboard),
            presenters.channel_table(dashboard),
            presenters.satisfaction_table(dashboard),
        ]
        links = presenters.Links(dashboard)
        context.update(
            dashboard=dashboard,
            scope=scope,
            period=period,
            period_kind=period.kind if not period_error else kind,
            period_choices=PERIOD_CHOICES,
            period_error=period_error,
            month_from=_echo(start) if start else f"{period.first_month:%Y-%m}",
            month_to=_echo(end) if end else f"{period.last_month:%Y-%m}",
            month_from_valid=not start or parse_month(start) is not None,
            figures=presenters.key_figures(dashboard, ledger_url),
            tables=tables,
            overdue_rows=[(item, links(q=item.tracking_code)) for item in dashboard.overdue_list],
            overdue_more=dashboard.overdue > len(dashboard.overdue_list),
            overdue_url=links(overdue=True),
            behind=delegates_behind(scope, period.last_month.year),
            suggestion_ledger_url=with_query(reverse("dashboard:ledger_suggestions"), links.base),
            behind_year=period.last_month.year,
            behind_url=_behind_url(scope, period.last_month.year),
            national_url=drill(),
            breadcrumb=[(area, drill(region=area.pk)) for area in scope.breadcrumb],
        )
        return context


def _behind_url(scope, year: int) -> str:
    """The performance list of the delegates behind target for ``year``, paginated: of the
    one station when the scope is one station (the list filters by station, not by area)."""
    params = {"year": year, "status": "behind"}  # delegates.performance.Status.BEHIND
    if scope.station_ids is not None and len(scope.station_ids) == 1:
        params["station"] = next(iter(scope.station_ids))
    return with_query(reverse("delegates:performance_list"), params)


def _drill_links(params):
    """The dashboard of another area (or of everything) for the same period."""
    base = reverse("dashboard:dashboard")
    kept = {key: _echo(params.get(key, "")) for key in ("period", "from", "to")}

    def url(**scope_params):
        return with_query(base, {**kept, **scope_params})

    return url
