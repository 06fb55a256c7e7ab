"""五公开: the public board shows consented suggestions only, and nothing personal."""

import re

import pytest
from django.urls import reverse

from congress_portal.clock import frozen_at
from suggestions import services
from suggestions.models import State, Suggestion

from .conftest import TODAY

URL = "/public/"
PHONE = re.compile(r"1[3-9]\d{9}")


def page(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_url_name():
    assert reverse("dashboard:public") == URL


@pytest.mark.django_db
def test_only_consented_suggestions_and_never_personal_data(client, district, today_frozen):
    html = page(client)
    shown = Suggestion.objects.filter(consent_disclosure=True).exclude(state=State.MERGED)
    hidden = Suggestion.objects.exclude(pk__in=shown)
    assert shown.exists() and hidden.exists()
    for s in Suggestion.objects.all():
        assert s.submitter_name not in html
        assert s.address not in html
        assert s.tracking_code not in html
    for s in shown[:20]:
        assert s.title in html
    for s in hidden:
        assert f">{s.title}<" not in html
    assert not PHONE.search(html)
    assert "139****5678" in html  # the number typed into the text, masked


@pytest.mark.django_db
def test_reply_is_published_only_once_replied(client, district, today_frozen):
    with frozen_at(TODAY):
        s = services.suggestion_submit(
            title="独特的标题一号",
            content="内容",
            category=district.cat1,
            station=district.a,
            consent_disclosure=True,
        )
        s = services.suggestion_accept(suggestion=s, actor=district.delegate_ab.user)
        s = services.suggestion_dispatch(
            suggestion=s, actor=district.delegate_ab.user, unit=district.unit1
        )
        s = services.suggestion_acknowledge(suggestion=s, actor=district.unit1_user)
        s = services.suggestion_unit_reply(
            suggestion=s, actor=district.unit1_user, text="内部答复草稿，尚未审核"
        )
    html = page(client, q="独特的标题一号")
    assert "独特的标题一号" in html
    assert "内部答复草稿" not in html
    with frozen_at(TODAY):
        services.suggestion_publish(
            suggestion=s, actor=district.delegate_ab.user, feedback_channel="phone"
        )
    assert "内部答复草稿" in page(client, q="独特的标题一号")


@pytest.mark.django_db
def test_text_is_escaped_as_written(client, district, today_frozen):
    with frozen_at(TODAY):
        services.suggestion_submit(
            title="<script>alert(1)</script>{{7*7}}",
            content="<b>粗体</b>",
            category=district.cat1,
            station=district.a,
            consent_disclosure=True,
        )
    html = page(client)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{7*7}}" in html
    assert "&lt;b&gt;粗体&lt;/b&gt;" in html
    assert "<script>alert(1)" not in html


@pytest.mark.django_db
def test_filters_and_search(client, district, today_frozen):
    html = page(client, station=district.c.pk)
    consented_c = Suggestion.objects.filter(consent_disclosure=True, station=district.c).exclude(
        state=State.MERGED
    )
    consented_a = Suggestion.objects.filter(consent_disclosure=True, station=district.a)
    for s in consented_c:
        assert s.title in html
    for s in consented_a:
        assert f">{s.title}<" not in html
    assert page(client, status="closed", year=2026, category=district.cat1.pk)
    # Bad input is a form error, never a 500.
    assert client.get(URL, {"station": "abc", "year": "x", "q": "a\x00b"}).status_code == 200


@pytest.mark.django_db
def test_pagination_without_counting_the_table(client, district, today_frozen):
    with frozen_at(TODAY):
        for n in range(25):
            services.suggestion_submit(
                title=f"分页测试{n:02d}",
                content="内容",
                category=district.cat1,
                station=district.b,
                consent_disclosure=True,
            )
    first = page(client, q="分页测试")
    second = page(client, q="分页测试", page=2)
    assert 'rel="next"' in first
    assert "分页测试24" in first and "分页测试00" not in first
    assert "分页测试00" in second and 'rel="next"' not in second
    assert page(client, page="abc")


@pytest.mark.django_db
def test_station_figures_match_the_year(client, district, today_frozen):
    html = page(client, station=district.a.pk, year=2026)
    received = Suggestion.objects.filter(station=district.a).exclude(state=State.MERGED).count()
    assert f'<td class="text-end">{received}</td>' in html
    assert '<td class="text-end">36</td>' in html  # 11 + 12 + 13 residents received


@pytest.mark.django_db
def test_the_board_drills_down_from_the_areas_to_their_stations(client, district, today_frozen):
    d = district
    top = page(client, year=2026)
    # The district's streets, each linking to its own board.
    for street in (d.street1, d.street2):
        assert f'href="/public/?year=2026&amp;area={street.pk}">{street.name}</a>' in top
    in_street = Suggestion.objects.filter(station__in=[d.a, d.b]).exclude(state=State.MERGED)

    street = page(client, year=2026, area=d.street1.pk)

    for station in (d.a, d.b):
        row = re.search(rf'station={station.pk}">{station.name}</a></th>(.*?)</tr>', street)
        received = re.findall(r">(\d+)</td>", row.group(1))[1]  # visitors, received, …
        assert int(received) == in_street.filter(station=station).count()
    assert d.c.name not in street.split('id="public-stations-title"')[1].split("</section>")[0]
    # Its suggestions only.
    titles = set(re.findall(r'class="public-item-title"[^>]*>([^<]+)<', street))
    expected = {s.title for s in in_street.filter(consent_disclosure=True)}
    assert titles == expected


@pytest.mark.django_db
def test_a_province_of_stations_is_never_one_list(client, district, today_frozen):
    from stations.models import Station

    Station.objects.bulk_create(
        Station(name=f"测试联络站{n:03d}", kind="liaison", region=d_region, address="路")
        for n, d_region in enumerate([district.street2] * 150)
    )

    top = page(client)
    street2 = page(client, area=district.street2.pk)
    street1 = page(client, area=district.street1.pk)

    assert "测试联络站" not in top
    assert "测试联络站" not in street2  # 151 stations: drill down, search, or a station's link
    assert f'<option value="{district.a.pk}">{district.a.name}</option>' in street1
    assert len(street2.encode()) < 300_000
    assert page(client, area="abc") and page(client, area="99999999")
