"""Fixtures of the dashboard: a small district built through the services, across months,
stations, categories, channels and units, with every kind of step of the loop."""

import datetime
from dataclasses import dataclass, field

import pytest

from congress_portal.clock import frozen_at
from dashboard import rollups
from stations import services as station_services
from stations.models import Region
from suggestions import services
from suggestions.models import Channel, FeedbackChannel, RatingValue, State
from tests.accounts.factories import (
    DelegateUserFactory,
    OfficeUserFactory,
    StationStaffUserFactory,
    UnitStaffUserFactory,
)
from tests.delegates.factories import DelegateFactory
from tests.stations.factories import ReceptionDayFactory, RegionFactory, StationFactory
from tests.suggestions.factories import CategoryFactory, HandlingUnitFactory

# The day the figures are looked at: suggestions dispatched in January are overdue by then.
TODAY = datetime.datetime(2026, 4, 15, 10, 0)


@dataclass
class District:
    """Two streets; stations A and B in the first, C in the second; two units, two
    categories; a delegate for A and B, another for C; staff for A, for C; unit staff."""

    district: Region
    street1: Region
    street2: Region
    a: object
    b: object
    c: object
    unit1: object
    unit2: object
    cat1: object
    cat2: object
    delegate_ab: object
    delegate_c: object
    staff_a: object
    staff_c: object
    unit1_user: object
    unit2_user: object
    office: object
    suggestions: list = field(default_factory=list)
    reception_days: list = field(default_factory=list)


def _at(month, day, hour=10):
    return frozen_at(datetime.datetime(2026, month, day, hour, 0))


@pytest.fixture
def district(db):
    root = RegionFactory(name="示范区")
    street1 = RegionFactory(name="东街道", kind=Region.Kind.STREET, parent=root)
    street2 = RegionFactory(name="西镇", kind=Region.Kind.TOWNSHIP, parent=root)
    community = RegionFactory(name="东一社区", kind=Region.Kind.COMMUNITY, parent=street1)
    a = StationFactory(name="东一社区联络站", region=community)
    b = StationFactory(name="东街道代表之家", region=street1)
    c = StationFactory(name="西镇代表之家", region=street2)
    unit1, unit2 = HandlingUnitFactory(name="东街道办事处"), HandlingUnitFactory(name="区住建局")
    cat1 = CategoryFactory(name="道路交通", default_unit=unit1)
    cat2 = CategoryFactory(name="环境卫生", default_unit=unit2)
    delegate_ab = DelegateFactory(name="李代表", user=DelegateUserFactory())
    delegate_ab.stations.add(a, b)
    delegate_c = DelegateFactory(name="赵代表", user=DelegateUserFactory())
    delegate_c.stations.add(c)
    staff_a, staff_c = StationStaffUserFactory(), StationStaffUserFactory()
    a.staff.add(staff_a)
    c.staff.add(staff_c)
    unit1_user, unit2_user = UnitStaffUserFactory(), UnitStaffUserFactory()
    unit1.members.add(unit1_user)
    unit2.members.add(unit2_user)
    world = District(
        root,
        street1,
        street2,
        a,
        b,
        c,
        unit1,
        unit2,
        cat1,
        cat2,
        delegate_ab,
        delegate_c,
        staff_a,
        staff_c,
        unit1_user,
        unit2_user,
        OfficeUserFactory(),
    )
    _build_history(world)
    return world


def _build_history(w: District):
    """Three months of the loop at three stations; every kind of step at least once."""
    holder = {w.a.pk: w.delegate_ab.user, w.b.pk: w.delegate_ab.user, w.c.pk: w.delegate_c.user}
    staff = {w.a.pk: w.staff_a, w.c.pk: w.staff_c}
    unit_user = {w.unit1.pk: w.unit1_user, w.unit2.pk: w.unit2_user}
    n = 0

    def submit(station, category, channel=Channel.ONLINE, consent=False, **extra):
        nonlocal n
        n += 1
        actor = None if channel == Channel.ONLINE else staff.get(station.pk, w.office)
        s = services.suggestion_submit(
            title=f"建议{n}：{category.name}问题",
            content=f"第{n}条建议的内容。联系我 13912345678。",
            category=category,
            station=station,
            channel=channel,
            submitter_name=f"居民{n}",
            submitter_phone=f"1380013{n:04d}",
            address=f"幸福路{n}号",
            consent_disclosure=consent,
            actor=actor,
            **extra,
        )
        w.suggestions.append(s)
        return s

    def accept(s):
        return services.suggestion_accept(suggestion=s, actor=holder[s.station_id])

    def dispatch(s, unit, workdays=5):
        return services.suggestion_dispatch(
            suggestion=s, actor=holder[s.station_id], unit=unit, workdays=workdays
        )

    def work(s):
        return services.suggestion_acknowledge(suggestion=s, actor=unit_user[s.handling_unit_id])

    def unit_reply(s):
        return services.suggestion_unit_reply(
            suggestion=s, actor=unit_user[s.handling_unit_id], text="=已处理，见附件"
        )

    def publish(s):
        return services.suggestion_publish(
            suggestion=s, actor=holder[s.station_id], feedback_channel=FeedbackChannel.PHONE
        )

    def rate(s, value):
        return services.suggestion_rate(suggestion=s, value=value)

    for month in (1, 2, 3):
        day = ReceptionDayFactory(station=w.a, date=datetime.date(2026, month, 10))
        with _at(month, 10, 17):
            day = station_services.reception_day_log(
                day=day, actor=w.staff_a, visitors=10 + month, attended=[]
            )
        w.reception_days.append(day)
        with _at(month, 2):
            s1 = submit(w.a, w.cat1, consent=True)
            s2 = submit(w.a, w.cat2, Channel.PHONE)
            s3 = submit(w.b, w.cat1, Channel.WECHAT, consent=True)
            s4 = submit(w.c, w.cat2, Channel.VISIT)
            s5 = submit(w.c, w.cat1, Channel.LETTER)
            s6 = submit(w.a, w.cat1)
            s7 = submit(w.b, w.cat2)
            s8 = submit(w.b, w.cat2)
            s9 = submit(w.c, w.cat1, consent=True)
            submit(w.a, w.cat2, Channel.RECEPTION_DAY, reception_day=day)
        with _at(month, 3):
            s1, s2, s3, s4, s5 = accept(s1), accept(s2), accept(s3), accept(s4), accept(s5)
            s6, s7, s9 = accept(s6), accept(s7), accept(s9)
            # Duplicates merged: one still new, one already taken.
            services.suggestion_merge(suggestion=s8, into=s7, actor=holder[s8.station_id])
            services.suggestion_merge(suggestion=s6, into=s1, actor=holder[s6.station_id])
            s1 = dispatch(s1, w.unit1, workdays=3)
            s2 = dispatch(s2, w.unit2)
            s3 = dispatch(s3, w.unit1)
            s4 = services.suggestion_handle_on_spot(
                suggestion=s4, actor=holder[s4.station_id], result="当场解决了。"
            )
            s5 = services.suggestion_explain(
                suggestion=s5, actor=holder[s5.station_id], reason="不属于政府职责，已耐心解释。"
            )
        with _at(month, 5):
            s1, s2, s3 = work(s1), work(s2), work(s3)
        with _at(month, 6):
            # unit 1 replies on time; unit 2's reply of s2 goes back once.
            s1 = unit_reply(s1)
            s2 = unit_reply(s2)
            s2 = services.suggestion_send_back(
                suggestion=s2, actor=holder[s2.station_id], comment="请补充现场照片。"
            )
            # unit 1 refuses s9 after it is dispatched: back to the delegate, then to unit 2.
            s9 = dispatch(s9, w.unit1)
            s9 = services.suggestion_refuse(
                suggestion=s9, actor=w.unit1_user, reason="不属于本单位职责。"
            )
            s9 = dispatch(s9, w.unit2, workdays=2)
        with _at(month, 20):
            s1 = publish(s1)
            s2 = unit_reply(s2)
            if month != 3:
                s2 = publish(s2)
            if month != 3:
                s4 = rate(s4, RatingValue.BASIC)
            s5 = services.suggestion_auto_close(suggestion=s5)
        with _at(month, 24):
            if month == 1:
                # Unsatisfied: reopened, dispatched again to the other unit.
                s1 = rate(s1, RatingValue.UNSATISFIED)
                s1 = dispatch(s1, w.unit2, workdays=3)
                s1 = work(s1)
            else:
                s1 = rate(s1, RatingValue.SATISFIED)
            if month != 3:
                s2 = rate(s2, RatingValue.UNSATISFIED if month == 2 else RatingValue.SATISFIED)
    # Late in the period: a reply long after the deadline.
    with _at(4, 14):
        for s in w.suggestions:
            s.refresh_from_db()
        late = next(s for s in w.suggestions if s.state == State.IN_PROGRESS and s.handling_unit_id)
        unit_reply(late)
    # The hourly job has counted what the calendar made overdue since the last steps.
    with frozen_at(TODAY):
        rollups.refresh_overdue()


@pytest.fixture
def today_frozen():
    with frozen_at(TODAY):
        yield
