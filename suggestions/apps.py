from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class SuggestionsConfig(AppConfig):
    name = "suggestions"
    verbose_name = _("Suggestions")

    def ready(self):
        from .search import register_sqlite_function

        # The SQLite search triggers call the tokenizer (suggestions/search.py).
        connection_created.connect(register_sqlite_function, dispatch_uid="portal_search_tokens")
