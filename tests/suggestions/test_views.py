import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from suggestions.models import State, Suggestion

pytestmark = pytest.mark.django_db

PHONE_RE = re.compile(rb"1[3-9]\d{9}")


def _form_data(client, station, category, **extra):
    page = client.get(reverse("suggestions:new"))
    key = re.search(rb'name="submission_key" value="([^"]+)"', page.content).group(1).decode()
    data = {
        "submission_key": key,
        "station": station.pk,
        "category": category.pk,
        "title": "新民路路灯不亮",
        "content": "小区门口的路灯坏了一个月。",
        "submitter_phone": "+86 138-0013-8000",
        "privacy": "on",
    }
    data.update(extra)
    return data


def _jpeg_with_gps():
    image = Image.new("RGB", (64, 48), "red")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0)}  # GPSInfo
    exif[0x010F] = "PhoneMaker"
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_resident_submits_and_lands_on_a_page_showing_the_tracking_code(client, station, category):
    response = client.post(reverse("suggestions:new"), _form_data(client, station, category))
    assert response.status_code == 302
    page = client.get(response["Location"])
    suggestion = Suggestion.objects.get()
    assert suggestion.formatted_code.encode() in page.content
    assert suggestion.submitter_phone == "13800138000"
    assert suggestion.channel == "online"


def test_posting_the_same_form_twice_creates_one_suggestion(client, station, category):
    data = _form_data(client, station, category)
    client.post(reverse("suggestions:new"), data)
    client.post(reverse("suggestions:new"), data)
    assert Suggestion.objects.count() == 1


def test_errors_keep_what_was_typed_and_save_nothing(client, station, category):
    data = _form_data(client, station, category, title="", content="我写的内容不会丢")
    response = client.post(reverse("suggestions:new"), data)
    assert response.status_code == 200
    assert "我写的内容不会丢" in response.content.decode()
    assert Suggestion.objects.count() == 0


@pytest.mark.parametrize(
    "field,value",
    [("content", "空字节\x00在这里"), ("title", "x" * 101), ("submitter_phone", "２０２５-02-30")],
)
def test_bad_input_is_a_form_error_not_a_500(client, station, category, field, value):
    response = client.post(
        reverse("suggestions:new"), _form_data(client, station, category, **{field: value})
    )
    assert response.status_code == 200
    assert Suggestion.objects.count() == 0


def test_photos_are_re_encoded_without_gps(client, station, category):
    upload = SimpleUploadedFile("photo.jpg", _jpeg_with_gps(), content_type="image/jpeg")
    data = _form_data(client, station, category, photos=upload)
    assert client.post(reverse("suggestions:new"), data).status_code == 302
    attachment = Suggestion.objects.get().attachments.get()
    with attachment.file.open("rb") as stored:
        image = Image.open(stored)
        assert image.format == "JPEG"
        assert not image.getexif()
    assert "photo" not in attachment.file.name


@pytest.mark.parametrize(
    "name,content",
    [
        ("x.jpg", b"<html><script>alert(1)</script></html>"),
        ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("x.pdf", b"%PDF-1.4 fake"),
    ],
)
def test_files_pretending_to_be_photos_are_refused(client, station, category, name, content):
    upload = SimpleUploadedFile(name, content, content_type="image/jpeg")
    response = client.post(
        reverse("suggestions:new"), _form_data(client, station, category, photos=upload)
    )
    assert response.status_code == 200
    assert Suggestion.objects.count() == 0


def test_a_decompression_bomb_is_refused(client, station, category, settings):
    settings.PORTAL_MAX_IMAGE_PIXELS = 1000
    buffer = io.BytesIO()
    Image.new("L", (200, 200)).save(buffer, format="PNG")
    upload = SimpleUploadedFile("big.png", buffer.getvalue(), content_type="image/png")
    response = client.post(
        reverse("suggestions:new"), _form_data(client, station, category, photos=upload)
    )
    assert response.status_code == 200
    assert Suggestion.objects.count() == 0


def test_tracking_page_masks_the_phone_and_hides_internal_notes(
    client, walk_to, unit_staff_user, delegate_user
):
    from suggestions import services

    suggestion = walk_to(State.DISPATCHED)
    services.suggestion_urge(suggestion=suggestion, actor=delegate_user, note="内部催办说明")
    response = client.get(reverse("suggestions:track_detail", args=[suggestion.tracking_code]))
    assert response.status_code == 200
    assert PHONE_RE.search(response.content) is None
    assert "138****8000" in response.content.decode()
    assert "内部催办说明" not in response.content.decode()


def test_codes_are_found_however_they_are_typed(client, walk_to):
    code = walk_to(State.SUBMITTED).tracking_code
    typed = f" {code[:4].lower()}-{code[4:8]} {code[8:]} "
    response = client.get(reverse("suggestions:track"), {"code": typed})
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200


def test_every_wrong_code_gets_the_same_answer(client, walk_to):
    walk_to(State.SUBMITTED)
    first = client.get(reverse("suggestions:track_detail", args=["AAAAAAAAAAAA"]))
    second = client.get(reverse("suggestions:track_detail", args=["ZZZZ"]))
    assert first.status_code == second.status_code == 404

    def main(response):  # the page body, without the echo of what was typed
        body = re.search(rb"<main.*</main>", response.content, re.S).group(0)
        return re.sub(rb'value="[^"]*"', b"", body)

    assert main(first) == main(second)


def test_code_lookups_are_rate_limited(client):
    statuses = [
        client.get(reverse("suggestions:track_detail", args=[f"AAAA{n:08d}"])).status_code
        for n in range(35)
    ]
    assert statuses[0] == 404
    assert statuses[-1] == 429


def test_resident_rates_unsatisfied_and_the_suggestion_reopens(client, walk_to):
    suggestion = walk_to(State.REPLIED)
    response = client.post(
        reverse("suggestions:rate", args=[suggestion.tracking_code]),
        {"value": "unsatisfied", "comment": "灯还是不亮"},
    )
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.state == State.ACCEPTED and suggestion.reopen_count == 1


def test_rating_twice_does_not_rate_twice(client, walk_to):
    suggestion = walk_to(State.REPLIED)
    url = reverse("suggestions:rate", args=[suggestion.tracking_code])
    client.post(url, {"value": "satisfied"})
    client.post(url, {"value": "unsatisfied"})
    suggestion.refresh_from_db()
    assert suggestion.state == State.CLOSED
    assert suggestion.ratings.count() == 1


def test_rating_without_csrf_token_is_refused(walk_to):
    from django.test import Client

    suggestion = walk_to(State.REPLIED)
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        reverse("suggestions:rate", args=[suggestion.tracking_code]), {"value": "satisfied"}
    )
    assert response.status_code == 403
    suggestion.refresh_from_db()
    assert suggestion.state == State.REPLIED
