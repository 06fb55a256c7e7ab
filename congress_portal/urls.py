from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import bench, picker_views, views

admin.site.site_header = _("Liaison Station Portal administration")
admin.site.site_title = _("Liaison Station Portal")
admin.site.index_title = _("Configuration and records")

core_patterns = (
    [
        path("", views.HomeView.as_view(), name="home"),
        path("privacy/", views.PrivacyView.as_view(), name="privacy"),
    ],
    "core",
)

picker_patterns = (
    [path("<slug:name>/", picker_views.pick, name="pick")],
    "pickers",
)

urlpatterns = [
    path("", include(core_patterns)),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("pick/", include(picker_patterns)),
    path("accounts/", include("accounts.urls")),
    path("stations/", include("stations.urls")),
    path("delegates/", include("delegates.urls")),
    path("meetings/", include("meetings.urls")),
    path("imports/", include("imports.urls")),
    path("", include("dashboard.urls")),
    path("", include("suggestions.urls")),
    path("admin/", admin.site.urls),
]

if settings.PORTAL_BENCH:
    # `make bench`'s bare page, the yardstick every page is timed against (scripts/bench.py).
    urlpatterns.append(path("_bench/bare/", bench.bare, name="bench_bare"))

handler404 = "congress_portal.errors.page_not_found"
handler500 = "congress_portal.errors.server_error"
handler403 = "congress_portal.errors.permission_denied"
handler400 = "congress_portal.errors.bad_request"
