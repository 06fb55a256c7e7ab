from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SuggestionsConfig(AppConfig):
    name = "suggestions"
    verbose_name = _("Suggestions")

    def ready(self):
        from .search import ensure_sqlite_triggers, register_sqlite_function

        # The SQLite search triggers call the tokenizer, and a table rebuild by a later
        # migration drops them (suggestions/search.py).
        connection_created.connect(register_sqlite_function, dispatch_uid="portal_search_tokens")
        post_migrate.connect(ensure_sqlite_triggers, sender=self, dispatch_uid="search_triggers")
