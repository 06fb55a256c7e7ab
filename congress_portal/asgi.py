import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "congress_portal.settings.base")

application = get_asgi_application()

from congress_portal.checks import require_secret_key  # noqa: E402

require_secret_key()
