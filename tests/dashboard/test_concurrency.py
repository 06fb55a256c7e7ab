"""Two transitions at once never lose a count: the rollup rows are changed with
``UPDATE … SET n = n + 1`` after an insert that ignores a concurrent insert of the same key."""

import threading

import pytest
from django.db import connection

from dashboard.models import SuggestionRollup
from suggestions import services
from suggestions.models import Suggestion
from tests.accounts.factories import DelegateUserFactory
from tests.delegates.factories import DelegateFactory

THREADS = 8


def run_at_once(target, args_list):
    barrier = threading.Barrier(len(args_list))
    errors = []

    def run(*args):
        try:
            barrier.wait()
            target(*args)
        except Exception as error:  # reported below: a lost thread must fail the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=args) for args in args_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_and_accepts_lose_no_count(station, category):
    # Submissions racing to create the same, not yet existing rollup row.
    run_at_once(
        lambda n: services.suggestion_submit(
            title=f"并发{n}", content="同时提交", category=category, station=station
        ),
        [(n,) for n in range(THREADS)],
    )
    row = SuggestionRollup.objects.get()
    assert row.received == THREADS
    assert row.now_submitted == THREADS

    # Delegates taking different suggestions of the same row at once.
    users = []
    for n in range(THREADS):
        delegate = DelegateFactory(user=DelegateUserFactory(), name=f"代表{n}")
        delegate.stations.add(station)
        users.append(delegate.user)
    suggestions = list(Suggestion.objects.order_by("pk"))
    run_at_once(
        lambda s, user: services.suggestion_accept(suggestion=s, actor=user),
        list(zip(suggestions, users, strict=True)),
    )
    row.refresh_from_db()
    assert row.now_submitted == 0
    assert row.now_accepted == THREADS
    assert row.received == THREADS
