"""The delegates' pages as their users meet them: records, diary, files, export, scoping."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditEvent
from delegates.models import Activity, AnnualReport, DiaryEntry, YearlyTarget
from delegates.performance import LABELS, performance_for
from delegates.services import activity_record, diary_entry_create
from suggestions.models import Channel, State, Suggestion
from tests.delegates.factories import ActivityFactory, DelegateFactory
from tests.stations.factories import StationFactory

pytestmark = pytest.mark.django_db

M = YearlyTarget.Metric


def _activity_form(**overrides):
    data = {
        "kind": Activity.Kind.VISIT,
        "date": "2026-07-01",
        "title": "走访困难群众",
        "place": "新民社区",
        "station": "",
        "residents_contacted": "6",
        "notes": "了解到老旧小区加装电梯的诉求。",
    }
    data.update(overrides)
    return data


# --- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, args",
    [
        ("delegates:activity_list", []),
        ("delegates:activity_create", []),
        ("delegates:diary", []),
        ("delegates:contacts", []),
        ("delegates:performance_list", []),
        ("delegates:performance_export", []),
        ("delegates:my_performance", []),
        ("delegates:targets", [2026]),
    ],
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_delegate_cannot_edit_or_delete_another_delegates_activity(
    client, delegate_user, other_delegate, frozen
):
    theirs = activity_record(
        actor=other_delegate.user,
        delegate=other_delegate,
        kind=Activity.Kind.VISIT,
        date=datetime.date(2026, 7, 1),
    )
    client.force_login(delegate_user)
    for name in (
        "delegates:activity_edit",
        "delegates:activity_delete",
        "delegates:activity_detail",
    ):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
    assert client.post(reverse("delegates:activity_delete", args=[theirs.pk])).status_code == 404
    post = client.post(reverse("delegates:activity_edit", args=[theirs.pk]), _activity_form())
    assert post.status_code == 404
    assert Activity.objects.get(pk=theirs.pk).title == theirs.title


def test_an_activity_recorded_by_another_that_includes_me_is_shown_read_only(
    client, delegate, delegate_user, other_delegate, frozen
):
    theirs = activity_record(
        actor=other_delegate.user,
        delegate=other_delegate,
        kind=Activity.Kind.INSPECTION,
        date=datetime.date(2026, 7, 1),
        title="视察农贸市场",
        participants=[delegate],
    )
    client.force_login(delegate_user)
    invitation = theirs.invitations.get(delegate=delegate)
    client.post(
        reverse("delegates:activity_invitation", args=[invitation.pk]), {"answer": "confirm"}
    )
    listing = client.get(reverse("delegates:activity_list")).content.decode()
    assert "视察农贸市场" in listing
    assert reverse("delegates:activity_edit", args=[theirs.pk]) not in listing
    detail = client.get(reverse("delegates:activity_detail", args=[theirs.pk]))
    assert detail.status_code == 200
    assert reverse("delegates:activity_edit", args=[theirs.pk]) not in detail.content.decode()
    assert client.get(reverse("delegates:activity_edit", args=[theirs.pk])).status_code == 404


@pytest.mark.parametrize("fixture", ["station_staff_user", "unit_staff_user"])
def test_other_roles_do_not_reach_the_delegates_records(client, request, fixture):
    client.force_login(request.getfixturevalue(fixture))
    assert client.get(reverse("delegates:activity_list")).status_code == 404
    assert client.get(reverse("delegates:diary")).status_code == 404
    assert client.get(reverse("delegates:targets", args=[2026])).status_code == 404


def test_a_delegate_sees_only_their_own_file(
    client, delegate, delegate_user, other_delegate, frozen
):
    client.force_login(delegate_user)
    mine = client.get(reverse("delegates:performance_file", args=[delegate.pk, 2026]))
    assert mine.status_code == 200
    other = client.get(reverse("delegates:performance_file", args=[other_delegate.pk, 2026]))
    assert other.status_code == 404
    # The list leads a delegate to their own file; the export is not theirs to take.
    response = client.get(reverse("delegates:performance_list"))
    assert response["Location"] == reverse("delegates:performance_file", args=[delegate.pk, 2026])
    assert client.get(reverse("delegates:performance_export")).status_code == 404


# --- activities -----------------------------------------------------------------------------


def test_a_group_activity_counts_for_the_others_once_they_confirm(
    client, delegate, delegate_user, other_delegate, frozen
):
    # A delegate cannot write into another delegate's performance file (issue 13, item 15):
    # the others named are asked, and it counts for each of them once they confirm.
    third = DelegateFactory()
    client.force_login(delegate_user)
    response = client.post(
        reverse("delegates:activity_create"),
        _activity_form(participants=[other_delegate.pk, third.pk]),
    )
    activity = Activity.objects.get()
    assert response["Location"] == reverse("delegates:activity_detail", args=[activity.pk])
    assert set(activity.participants.all()) == {delegate}
    assert activity.created_by == delegate_user
    assert performance_for([delegate, other_delegate, third], 2026)[1].item(M.VISITS).count == 0

    client.force_login(other_delegate.user)
    listing = client.get(reverse("delegates:activity_list"))
    invitation = listing.context["invitations"][0]
    assert invitation.activity == activity
    client.post(
        reverse("delegates:activity_invitation", args=[invitation.pk]), {"answer": "confirm"}
    )
    assert set(activity.participants.all()) == {delegate, other_delegate}
    rows = performance_for([delegate, other_delegate, third], 2026)
    assert [row.item(M.VISITS).count for row in rows] == [1, 1, 0]
    assert AuditEvent.objects.filter(action="activity.confirm", actor=other_delegate.user).exists()
    # Answered once only; nobody else may answer it.
    again = client.post(
        reverse("delegates:activity_invitation", args=[invitation.pk]), {"answer": "decline"}
    )
    assert again.status_code == 302
    assert set(activity.participants.all()) == {delegate, other_delegate}
    client.force_login(delegate_user)
    third_invitation = activity.invitations.get(delegate=third)
    assert (
        client.post(
            reverse("delegates:activity_invitation", args=[third_invitation.pk]),
            {"answer": "confirm"},
        ).status_code
        == 404
    )
    assert third not in activity.participants.all()


def test_a_delegate_records_activities_only_at_their_own_stations(
    client, delegate, delegate_user, frozen
):
    from tests.stations.factories import StationFactory

    elsewhere = StationFactory()
    client.force_login(delegate_user)
    response = client.post(
        reverse("delegates:activity_create"), _activity_form(station=elsewhere.pk)
    )
    assert response.status_code == 200
    assert not Activity.objects.exists()
    own = delegate.stations.first()
    client.post(reverse("delegates:activity_create"), _activity_form(station=own.pk))
    assert Activity.objects.get().station == own


def test_the_office_records_a_group_activity_directly(
    client, office_user, delegate, other_delegate, frozen
):
    client.force_login(office_user)
    client.post(
        reverse("delegates:activity_create"),
        _activity_form(delegate=delegate.pk, participants=[other_delegate.pk]),
    )
    assert set(Activity.objects.get().participants.all()) == {delegate, other_delegate}


def test_the_activity_form_saved_with_its_defaults_records_nothing(
    client, delegate, delegate_user, frozen
):
    # Issue 14: the untouched form recorded a 进站接待 with 0 residents and no title, and it
    # counted toward 月进站.
    client.force_login(delegate_user)
    page = client.get(reverse("delegates:activity_create"))
    form = page.context["form"]
    defaults = {
        "submission_key": form["submission_key"].value(),
        "kind": form["kind"].value() or Activity.Kind.choices[0][0],
        "date": form["date"].value().isoformat(),
        "title": "",
        "place": "",
        "station": "",
        "residents_contacted": form["residents_contacted"].value(),
        "notes": "",
    }
    assert defaults["kind"] == Activity.Kind.RECEPTION
    response = client.post(reverse("delegates:activity_create"), defaults)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "residents_contacted" in errors and "station" in errors
    assert not Activity.objects.exists()
    assert performance_for([delegate], 2026)[0].item(M.STATION_MONTHS).count == 0

    own = delegate.stations.first()
    done = client.post(
        reverse("delegates:activity_create"),
        {**defaults, "station": own.pk, "residents_contacted": "3"},
    )
    assert done.status_code == 302
    assert Activity.objects.get().title  # the kind of activity stands in for the title


@pytest.mark.parametrize(
    ("kind", "title", "residents", "field"),
    [
        (Activity.Kind.VISIT, "走访困难群众", "0", "residents_contacted"),
        (Activity.Kind.TRAINING, "", "0", "title"),
        (Activity.Kind.RESEARCH, "", "", "title"),
        (Activity.Kind.TRAINING, "代表履职培训", "0", None),
        (Activity.Kind.CONSTITUENCY, "", "25", None),
    ],
)
def test_each_kind_of_activity_needs_what_makes_it_real(
    client, delegate_user, frozen, kind, title, residents, field
):
    client.force_login(delegate_user)
    response = client.post(
        reverse("delegates:activity_create"),
        _activity_form(kind=kind, title=title, residents_contacted=residents),
    )
    if field is None:
        assert response.status_code == 302
        assert Activity.objects.count() == 1
    else:
        assert response.status_code == 200
        assert field in response.context["form"].errors
        assert not Activity.objects.exists()


def test_a_bad_activity_form_keeps_what_was_typed_and_saves_nothing(client, delegate_user, frozen):
    client.force_login(delegate_user)
    response = client.post(
        reverse("delegates:activity_create"),
        _activity_form(date="2026-02-30", notes="加装电梯\x00"),
    )
    assert response.status_code == 200
    assert "走访困难群众" in response.content.decode()
    assert not Activity.objects.exists()
    future = client.post(reverse("delegates:activity_create"), _activity_form(date="2026-08-01"))
    assert future.status_code == 200
    assert not Activity.objects.exists()


def test_a_delegate_changes_and_deletes_their_own_activity(client, delegate, delegate_user, frozen):
    client.force_login(delegate_user)
    client.post(reverse("delegates:activity_create"), _activity_form())
    activity = Activity.objects.get()
    client.post(
        reverse("delegates:activity_edit", args=[activity.pk]),
        _activity_form(kind=Activity.Kind.CONSTITUENCY, title="回选区听取意见"),
    )
    activity.refresh_from_db()
    assert (activity.kind, activity.title) == (Activity.Kind.CONSTITUENCY, "回选区听取意见")
    assert list(activity.participants.all()) == [delegate]
    client.post(reverse("delegates:activity_delete", args=[activity.pk]))
    assert not Activity.objects.exists()
    assert AuditEvent.objects.filter(action="activity.delete").count() == 1


def test_the_office_records_an_activity_for_any_delegate(client, office_user, delegate, frozen):
    client.force_login(office_user)
    client.post(reverse("delegates:activity_create"), _activity_form(delegate=delegate.pk))
    assert list(Activity.objects.get().participants.all()) == [delegate]


# --- field diary ------------------------------------------------------------------------------


def test_a_diary_note_becomes_one_suggestion_and_shows_its_tracking_code(
    client, delegate, delegate_user, station, category, frozen
):
    client.force_login(delegate_user)
    client.post(
        reverse("delegates:diary"),
        {"text": "村口的桥栏杆松动，孩子上学不安全。", "place": "王庄村"},
    )
    entry = DiaryEntry.objects.get()
    url = reverse("delegates:diary_suggest", args=[entry.pk])
    form = {
        "station": station.pk,
        "category": category.pk,
        "title": "村口桥栏杆松动",
        "content": entry.text,
        "take": "on",
    }
    assert client.post(url, form)["Location"] == reverse("delegates:diary")
    suggestion = Suggestion.objects.get()
    assert suggestion.diary_entry == entry
    assert suggestion.channel == Channel.DIARY
    assert suggestion.state == State.ACCEPTED
    assert suggestion.delegate == delegate
    diary = client.get(reverse("delegates:diary"))
    # One format everywhere: the code in groups of four, as staff read it out.
    assert suggestion.formatted_code in diary.content.decode()
    assert f">{suggestion.tracking_code}<" not in diary.content.decode()
    assert suggestion.formatted_code in " ".join(str(m) for m in diary.context["messages"])
    # A second turn (double click, back button) makes no second suggestion.
    again = client.post(url, form, follow=True)
    assert Suggestion.objects.count() == 1
    assert suggestion.formatted_code in " ".join(str(m) for m in again.context["messages"])


def test_a_note_goes_only_to_a_station_the_delegate_is_stationed_at(
    client, delegate, delegate_user, category, frozen
):
    entry = diary_entry_create(actor=delegate_user, delegate=delegate, text="路灯不亮")
    elsewhere = StationFactory()
    client.force_login(delegate_user)
    response = client.post(
        reverse("delegates:diary_suggest", args=[entry.pk]),
        {"station": elsewhere.pk, "category": category.pk, "title": "路灯", "content": "路灯不亮"},
    )
    assert response.status_code == 200
    assert not Suggestion.objects.exists()


def test_a_delegate_cannot_read_or_turn_another_delegates_diary(
    client, delegate_user, other_delegate, frozen
):
    entry = diary_entry_create(actor=other_delegate.user, delegate=other_delegate, text="私人笔记")
    client.force_login(delegate_user)
    assert "私人笔记" not in client.get(reverse("delegates:diary")).content.decode()
    assert client.get(reverse("delegates:diary_suggest", args=[entry.pk])).status_code == 404
    assert client.post(reverse("delegates:diary_delete", args=[entry.pk])).status_code == 404


# --- office: list, export, targets, annual report ----------------------------------------------


def test_the_office_list_filters_behind_only_and_highlights_them(
    client, office_user, delegate, other_delegate, frozen
):
    for month in range(1, 8):
        ActivityFactory(
            kind=Activity.Kind.RECEPTION,
            date=datetime.date(2026, month, 2),
            participants=[delegate],
        )
    client.force_login(office_user)
    page = client.get(reverse("delegates:performance_list"), {"year": 2026})
    html = page.content.decode()
    assert delegate.name in html and other_delegate.name in html
    assert 'class="is-behind"' in html
    behind = client.get(
        reverse("delegates:performance_list"), {"year": 2026, "status": "behind"}
    ).content.decode()
    assert other_delegate.name in behind
    sorted_page = client.get(
        reverse("delegates:performance_list"), {"year": 2026, "sort": "-station_months"}
    )
    rows = [row.delegate for row in sorted_page.context["rows"]]
    assert rows[0] == delegate


def test_the_excel_export_has_the_rows_no_formulas_and_is_audited(
    client, office_user, delegate, frozen
):
    evil = DelegateFactory(name='=HYPERLINK("http://evil.example","x")')
    ActivityFactory(date=datetime.date(2026, 3, 3), participants=[delegate])
    client.force_login(office_user)

    response = client.get(reverse("delegates:performance_export"), {"year": 2026})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.active
    assert sheet.freeze_panes == "B2"
    assert sheet.column_dimensions["A"].width > 10
    header = [cell.value for cell in sheet[1]]
    names = [sheet.cell(row=r, column=1).value for r in range(2, 4)]
    assert sorted(names) == sorted([delegate.name, evil.name])
    visits_column = header.index(str(LABELS[M.VISITS])) + 1
    row_of = {sheet.cell(row=r, column=1).value: r for r in range(2, 4)}
    assert sheet.cell(row=row_of[delegate.name], column=visits_column).value == 1
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"
    footer = sheet.cell(row=5, column=1).value
    assert office_user.display_name in footer
    event = AuditEvent.objects.get(action="performance.export")
    assert event.detail["rows"] == 2
    assert event.actor == office_user


def test_the_office_sets_a_years_targets_per_level(client, office_user, frozen):
    client.force_login(office_user)
    page = client.get(reverse("delegates:targets", args=[2027]))
    assert page.context["form"].initial[M.VISITS] == 10  # the seeds' number
    values = {metric: "3" for metric in M.values}
    values[M.STATION_MONTHS] = "10"
    values[M.CONSTITUENCY_QUARTERS] = "4"
    client.post(reverse("delegates:targets", args=[2027]), values)
    assert YearlyTarget.objects.get(year=2027, level="", metric=M.VISITS).value == 3
    client.post(
        reverse("delegates:targets", args=[2027]) + "?level=township",
        {"level": "township", M.VISITS: "15"},
    )
    assert YearlyTarget.objects.get(year=2027, level="township", metric=M.VISITS).value == 15
    assert not YearlyTarget.objects.filter(
        year=2027, level="township", metric=M.SUGGESTIONS
    ).exists()


def test_the_office_records_an_annual_report_rated_by_voters(client, office_user, delegate, frozen):
    client.force_login(office_user)
    url = reverse("delegates:annual_report", args=[delegate.pk, 2026])
    response = client.post(
        url,
        {
            "date": "2026-07-10",
            "place": "新民社区居委会",
            "summary": "向选民报告上半年履职情况。",
            "satisfied": "45",
            "basically_satisfied": "3",
            "unsatisfied": "2",
        },
    )
    assert response["Location"] == reverse("delegates:performance_file", args=[delegate.pk, 2026])
    report = AnnualReport.objects.get()
    assert report.satisfaction == pytest.approx(0.96)
    page = client.get(response["Location"]).content.decode()
    assert "96%" in page
    bad = client.post(
        url,
        {
            "date": "2026-07-10",
            "place": "x",
            "summary": "y",
            "satisfied": "-1",
            "basically_satisfied": "0",
            "unsatisfied": "0",
        },
    )
    assert bad.status_code == 200
    assert AnnualReport.objects.get().satisfied == 45


# --- public -------------------------------------------------------------------------------------


def test_the_public_page_shows_the_files_counts_but_no_private_notes(client, delegate, frozen):
    ActivityFactory(
        date=datetime.date(2026, 3, 3),
        participants=[delegate],
        notes="居民张某反映的私人情况",
    )
    diary_entry_create(actor=delegate.user, delegate=delegate, text="日记里的私人笔记")
    response = client.get(delegate.get_absolute_url())
    html = response.content.decode()
    visits = response.context["performance"].item(M.VISITS)
    assert (visits.count, visits.target) == (1, 10)
    assert str(LABELS[M.VISITS]) in html
    assert "居民张某反映的私人情况" not in html
    assert "日记里的私人笔记" not in html


def test_public_contacts_only_with_consent(client, delegate):
    delegate.phone = "13800138000"
    delegate.save()
    assert "13800138000" not in client.get(delegate.get_absolute_url()).content.decode()
    delegate.consent_public_contact = True
    delegate.save()
    assert "13800138000" in client.get(delegate.get_absolute_url()).content.decode()


def test_every_page_renders_for_the_delegate_and_the_office(
    client, delegate, delegate_user, office_user, frozen
):
    activity = activity_record(
        actor=delegate_user, delegate=delegate, kind=Activity.Kind.VISIT, date=frozen.date()
    )
    entry = diary_entry_create(actor=delegate_user, delegate=delegate, text="笔记")
    pages = [
        reverse("delegates:activity_list"),
        reverse("delegates:activity_create"),
        reverse("delegates:activity_detail", args=[activity.pk]),
        reverse("delegates:activity_edit", args=[activity.pk]),
        reverse("delegates:activity_delete", args=[activity.pk]),
        reverse("delegates:diary"),
        reverse("delegates:diary_suggest", args=[entry.pk]),
        reverse("delegates:performance_file", args=[delegate.pk, 2026]),
        reverse("delegates:performance_file", args=[delegate.pk, 2025]),
    ]
    client.force_login(delegate_user)
    for url in [*pages, reverse("delegates:contacts")]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content.decode().count("<h1") == 1, url
    client.force_login(office_user)
    office_pages = [
        reverse("delegates:contacts") + f"?delegate={delegate.pk}",
        reverse("delegates:performance_list"),
        reverse("delegates:targets", args=[2026]),
        reverse("delegates:targets", args=[2026]) + "?level=city",
        reverse("delegates:annual_report", args=[delegate.pk, 2026]),
        reverse("delegates:activity_list") + f"?delegate={delegate.pk}",
    ]
    for url in [*pages, *office_pages]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content.decode().count("<h1") == 1, url


def test_a_delegate_keeps_fixed_contacts_that_count_in_the_file(
    client, delegate, delegate_user, frozen
):
    client.force_login(delegate_user)
    for name in ("王大妈", "李大爷"):
        client.post(reverse("delegates:contacts"), {"name": name, "place": "新民社区"})
    # The name is encrypted at rest: the database cannot match it, Python can.
    contact = next(c for c in delegate.fixed_contacts.all() if c.name == "李大爷")
    client.post(reverse("delegates:contacts"), {"end": contact.pk})
    contact.refresh_from_db()
    assert contact.until == frozen.date()
    page = client.get(reverse("delegates:performance_file", args=[delegate.pk, 2026]))
    assert page.context["row"].item(M.FIXED_CONTACTS).count == 2


@pytest.mark.parametrize("pk", ["abc", "99999999999999999999"])
def test_odd_ids_are_not_found_not_a_500(client, office_user, pk):
    client.force_login(office_user)
    assert client.get(f"/delegates/activities/{pk}/").status_code == 404
    assert client.get(f"/delegates/performance/{pk}/2026/").status_code == 404
    assert client.get("/delegates/performance/", {"year": pk, "station": pk}).status_code == 200


def test_the_same_activity_or_note_posted_twice_is_recorded_once(client, delegate_user, frozen):
    import re as _re

    from delegates.models import DiaryEntry

    client.force_login(delegate_user)
    page = client.get(reverse("delegates:activity_create")).content.decode()
    key = _re.search(r'name="submission_key" value="([^"]+)"', page).group(1)
    for _ in range(2):
        client.post(reverse("delegates:activity_create"), _activity_form(submission_key=key))
    assert Activity.objects.count() == 1

    page = client.get(reverse("delegates:diary")).content.decode()
    key = _re.search(r'name="submission_key" value="([^"]+)"', page).group(1)
    for _ in range(2):
        client.post(reverse("delegates:diary"), {"submission_key": key, "text": "路灯坏了"})
    assert DiaryEntry.objects.count() == 1


@pytest.mark.parametrize("fixture", ["office_user", "station_staff_user", "delegate_user"])
def test_every_link_in_a_performance_file_opens_for_whoever_may_read_it(
    client, request, fixture, delegate, delegate_user, submit, frozen
):
    import re as _re

    from suggestions import services as loop

    client.force_login(delegate_user)
    client.post(reverse("delegates:activity_create"), _activity_form())
    loop.suggestion_accept(suggestion=submit(), actor=delegate_user)
    client.force_login(request.getfixturevalue(fixture))
    page = client.get(reverse("delegates:performance_file", args=[delegate.pk, 2026]))
    assert page.status_code == 200
    main = page.content.decode().split('id="main"', 1)[1]
    links = set(_re.findall(r'href="(/[^"#]*)"', main))
    assert links
    for link in links:
        assert client.get(link, follow=True).status_code == 200, (fixture, link)
