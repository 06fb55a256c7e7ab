from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from stations.models import ReceptionDay
from stations.selectors import station_public_list
from suggestions.models import Category

from .clock import today


class PrivacyView(TemplateView):
    """The privacy notice in full (PIPL art. 17): who, why, what, who sees it, how long, rights."""

    template_name = "privacy.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["retention_days"] = settings.PORTAL_CONTACT_RETENTION_DAYS
        context["audit_days"] = settings.PORTAL_AUDIT_RETENTION_DAYS
        return context


class HomeView(TemplateView):
    """The resident's front door: submit, track, find a delegate or a station.

    Three small queries (categories, a station count, the next reception days); nothing that
    grows with the number of suggestions.
    """

    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["categories"] = Category.objects.filter(is_active=True)[:8]
        context["stations_count"] = station_public_list().count()
        # Ordered by the date alone, the index's order: the scan stops at the fourth day. With
        # a tie-break in SQL (time, station name) PostgreSQL sorts every day of the first date
        # first, and with the common "10th of the month" rule that is every station's (5,000
        # rows, 36 ms at province scale). The four are then put in order here.
        days = (
            ReceptionDay.objects.filter(
                date__gte=today(),
                status=ReceptionDay.Status.SCHEDULED,
                station__is_active=True,
            )
            .select_related("station")
            .order_by("date")[:4]
        )
        context["next_reception_days"] = sorted(
            days, key=lambda day: (day.date, day.start_time, day.station.name)
        )
        context["contact_retention_days"] = settings.PORTAL_CONTACT_RETENTION_DAYS
        return context


@never_cache
@require_GET
def healthz(request):
    """200 with {"status": "ok"} after a database round trip; 503 when the database is away."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
