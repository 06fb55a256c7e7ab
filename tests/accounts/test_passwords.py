import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tests.accounts.factories import StationStaffUserFactory
from tests.stations.factories import StationFactory

pytestmark = pytest.mark.django_db


def _refusal_codes(password, user=None):
    with pytest.raises(ValidationError) as excinfo:
        validate_password(password, user)
    return {error.code for error in excinfo.value.error_list}


def test_a_twelve_character_password_of_three_classes_is_accepted():
    validate_password("Qmzvtrk7Xwpa", StationStaffUserFactory(username="zhangwei"))


def test_a_password_shorter_than_twelve_characters_is_refused():
    assert "password_too_short" in _refusal_codes("Qmzvtrk7Xwp")


@pytest.mark.parametrize(
    "password",
    ["qmzvtrkxwpab7", "QMZVTRKXWPAB7", "qmzvtrkXWPABh", "qmzvtrkx-wpab!"],
)
def test_a_password_of_two_character_classes_is_refused(password):
    assert "password_too_simple" in _refusal_codes(password)


@pytest.mark.parametrize("password", ["Qm7zvt人大rkXw", "Qm7-Renda-Xwpz", "Qm7-npcX-wpzt"])
def test_a_password_with_the_name_of_the_congress_is_refused(password):
    assert "password_context_word" in _refusal_codes(password)


def test_a_password_containing_the_user_name_is_refused():
    user = StationStaffUserFactory(username="liuyang")

    assert "password_context_word" in _refusal_codes("Xq7-LiuYang-2026", user)


def test_a_password_containing_a_station_name_or_its_place_is_refused():
    StationFactory(name="东南街道代表之家")

    assert "password_context_word" in _refusal_codes("Kq7!东南街道代表之家x")
    assert "password_context_word" in _refusal_codes("Kq7!东南街道-2026x")


def test_an_expired_password_must_be_changed_before_anything_else(client, settings):
    import datetime

    from django.urls import reverse

    from congress_portal.clock import frozen_at, now

    settings.PASSWORD_MAX_AGE_DAYS = 90
    user = StationStaffUserFactory()
    user.set_password("Qmzvtrk7Xwpa")
    user.save()
    client.force_login(user)
    assert client.get(reverse("accounts:home")).status_code == 200
    with frozen_at(now() + datetime.timedelta(days=91)):
        response = client.get(reverse("accounts:home"))
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:password_change")
        assert client.get(reverse("accounts:password_change")).status_code == 200
        client.post(
            reverse("accounts:password_change"),
            {
                "old_password": "Qmzvtrk7Xwpa",
                "new_password1": "Vbnq8rtxWmpz",
                "new_password2": "Vbnq8rtxWmpz",
            },
        )
        assert client.get(reverse("accounts:home")).status_code == 200


def test_rotation_can_be_turned_off(client, settings):
    import datetime

    from django.urls import reverse

    from congress_portal.clock import frozen_at, now

    settings.PASSWORD_MAX_AGE_DAYS = 0
    user = StationStaffUserFactory()
    client.force_login(user)
    with frozen_at(now() + datetime.timedelta(days=400)):
        assert client.get(reverse("accounts:home")).status_code == 200
