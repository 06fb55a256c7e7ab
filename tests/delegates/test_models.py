import datetime

import pytest

from delegates.models import Level, Mandate, Term
from tests.constraints import refused_by_database
from tests.delegates.factories import DelegateFactory, MandateFactory, TermFactory

pytestmark = pytest.mark.django_db


def test_a_term_without_an_end_date_is_accepted():
    term = TermFactory(end_date=None)

    assert Term.objects.filter(pk=term.pk, end_date__isnull=True).exists()


@pytest.mark.parametrize("end_date", [datetime.date(2022, 1, 1), datetime.date(2021, 12, 31)])
def test_a_term_must_end_after_it_starts(end_date):
    with refused_by_database("term_ends_after_start"):
        TermFactory(start_date=datetime.date(2022, 1, 1), end_date=end_date)


def test_a_level_has_one_term_of_each_number():
    TermFactory(level=Level.COUNTY, number=6)
    TermFactory(level=Level.CITY, number=6)

    with refused_by_database():
        TermFactory(level=Level.COUNTY, number=6)


def test_a_delegate_holds_one_mandate_per_level_and_term():
    mandate = MandateFactory()

    with refused_by_database():
        Mandate.objects.create(delegate=mandate.delegate, level=mandate.level, term=mandate.term)


def test_a_delegate_can_hold_a_city_and_a_county_mandate_at_once():
    delegate = DelegateFactory()
    MandateFactory(delegate=delegate, term=TermFactory(level=Level.CITY))
    MandateFactory(delegate=delegate, term=TermFactory(level=Level.COUNTY))

    assert sorted(delegate.mandates.values_list("level", flat=True)) == [
        Level.CITY,
        Level.COUNTY,
    ]


def test_a_delegate_can_hold_mandates_in_successive_terms():
    delegate = DelegateFactory()
    MandateFactory(delegate=delegate, term=TermFactory(level=Level.COUNTY, number=5))
    MandateFactory(delegate=delegate, term=TermFactory(level=Level.COUNTY, number=6))

    assert delegate.mandates.count() == 2


def test_a_mandate_must_have_its_terms_level(db):
    from django.core.exceptions import ValidationError

    from delegates.models import Level, Mandate
    from tests.delegates.factories import DelegateFactory, TermFactory

    county_term = TermFactory(level=Level.COUNTY)
    mandate = Mandate(delegate=DelegateFactory(), level=Level.CITY, term=county_term)
    with pytest.raises(ValidationError):
        mandate.full_clean()
