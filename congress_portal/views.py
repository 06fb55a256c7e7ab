from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from stations.selectors import station_public_list
from suggestions.models import Category


class HomeView(TemplateView):
    """The resident's front door: submit, track, find a delegate or a station."""

    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["categories"] = Category.objects.filter(is_active=True)[:8]
        context["stations_count"] = station_public_list().count()
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
