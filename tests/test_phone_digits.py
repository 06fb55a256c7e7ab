"""Phone numbers typed with other digits (full-width, Arabic-Indic, …) are stored as ASCII."""

import pytest
from django.urls import reverse

from congress_portal.masking import mask_phone, normalise_phone
from suggestions.models import Suggestion


@pytest.mark.parametrize(
    "typed",
    [
        "１３８００１３８０００",  # full-width
        "١٣٨٠٠١٣٨٠٠٠",  # Arabic-Indic
        "۱۳۸۰۰۱۳۸۰۰۰",  # Extended Arabic-Indic (Persian)
        "१३८००१३८०००",  # Devanagari
        "+86 138-0013-8000",
        "138 0013 8000",
    ],
)
def test_every_decimal_digit_is_folded_to_ascii(typed):
    assert normalise_phone(typed) == "13800138000"
    assert mask_phone(typed) == "138****8000"


def test_no_other_character_survives():
    assert normalise_phone("①②③ tel: (010) 6123-4567") == "01061234567"
    assert normalise_phone("") == ""


@pytest.mark.django_db
def test_a_resident_phone_in_arabic_indic_digits_is_stored_in_ascii(client, station, category):
    from tests.suggestions.test_views import _form_data

    data = _form_data(client, station, category, submitter_phone="١٣٨٠٠١٣٨٠٠٠")
    response = client.post(reverse("suggestions:new"), data)
    assert response.status_code == 302
    assert Suggestion.objects.get().submitter_phone == "13800138000"
