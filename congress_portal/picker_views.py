"""The JSON side of the pickers: ``/pick/<name>/?q=…`` (see ``congress_portal.pickers``).

Not rate-limited: an answer is one bounded query (LIMIT 21 over the picker's scope) and the
request carries no personal data, so limiting would cost more (a cache write per keystroke
where no Redis is configured) than it protects. Stations, areas, constituencies and serving
delegates are public already (the station and delegate pages list them); everything scoped to
a user, and the handling units, needs a login.
"""

from django.http import Http404, JsonResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from .pickers import BadParameter, clean_query, get_picker

PUBLIC_MAX_AGE = 300
PRIVATE_MAX_AGE = 60


@require_GET
def pick(request, name):
    try:
        picker = get_picker(name)
    except LookupError:
        raise Http404("no such picker") from None
    user = request.user
    if not picker.public and not (user.is_authenticated and user.is_active):
        response = JsonResponse({"error": gettext("Please log in to search here.")}, status=403)
        response["Cache-Control"] = "no-store"
        return response
    query = clean_query(request.GET.get("q"))
    params = {key: request.GET[key] for key in picker.narrowers if request.GET.get(key)}
    if query is None:
        results, more = [], False
    else:
        try:
            results, more = picker.results(user, query, params)
        except BadParameter:
            response = JsonResponse(
                {"error": gettext("This search has a parameter that is not valid.")}, status=400
            )
            response["Cache-Control"] = "no-store"
            return response
    # UTF-8 rather than \u escapes: Chinese labels at half the bytes.
    response = JsonResponse(
        {"results": results, "more": more}, json_dumps_params={"ensure_ascii": False}
    )
    if picker.public:
        response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
        # Some labels are translated (a constituency's level): one cached copy per language.
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
    else:
        # The answer depends on who asks: never in a shared cache.
        response["Cache-Control"] = f"private, max-age={PRIVATE_MAX_AGE}"
    return response
