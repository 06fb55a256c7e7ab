"""Demo data of the stations app, on top of the district ``suggestions/demo.py`` builds.

Adds what a visitor of the demo should see on the reception pages: announcements ahead of the
next reception days of every delegates' home, and a work station that receives residents every
Tuesday afternoon with the fair duty rotation accepted, one of its days cancelled with a public
reason. Idempotent: running it again changes nothing. Everything goes through the services.
"""

import datetime

from congress_portal.clock import today

from . import services
from .models import ReceptionDay, ReceptionRule, Station

ANNOUNCEMENTS = {
    "产业发展": "欢迎种植户、养殖户和个体工商户来站反映产业发展中遇到的困难和建议。",
    "道路交通": "欢迎群众反映道路破损、路灯、停车、公交出行等方面的问题。",
    "环境卫生": "欢迎群众反映垃圾清运、污水排放、河道保洁等方面的问题。",
    "集体经济": "欢迎群众对村集体经济发展、集体资产管理提出意见建议。",
    "民风教化": "欢迎群众就移风易俗、邻里关系、文明创建等提出意见建议。",
    "城市建设管理": "欢迎群众反映老旧小区改造、市政设施、违章建设等方面的问题。",
    "物业管理": "欢迎业主反映物业服务、收费、公共维修等方面的问题。",
}


def _say(stdout, message):
    if stdout is not None:
        stdout.write(message)


def seed(stdout=None) -> None:
    """Announce the next reception days and give one work station a weekly rule."""
    start = today()
    for day in ReceptionDay.objects.filter(
        station__kind=Station.Kind.HOME,
        status=ReceptionDay.Status.SCHEDULED,
        date__gte=start,
        date__lte=start + datetime.timedelta(days=62),
        announcement="",
    ).select_related("station"):
        services.reception_day_update(
            day=day,
            actor=None,
            date=day.date,
            start_time=day.start_time,
            end_time=day.end_time,
            theme=day.theme,
            announcement=ANNOUNCEMENTS.get(day.theme, "欢迎群众来站反映意见建议。"),
            leader_name=day.leader_name,
        )

    site = (
        Station.objects.filter(kind=Station.Kind.WORK, is_active=True, memberships__isnull=False)
        .distinct()
        .order_by("pk")
        .first()
    )
    if site is None or site.rules.filter(kind=ReceptionRule.Kind.WEEKLY).exists():
        _say(stdout, "stations demo: nothing more to add\n")
        return
    rule = services.reception_rule_create(
        station=site,
        actor=None,
        kind=ReceptionRule.Kind.WEEKLY,
        weekday=ReceptionRule.Weekday.TUESDAY,
        postpone_on_holiday=False,
        start_time=datetime.time(14, 30),
        end_time=datetime.time(17, 30),
        duty_delegates=2,
    )
    days = services.reception_days_generate(
        rule=rule, start=start, end=start + datetime.timedelta(days=56)
    )
    for day in days:
        services.reception_day_accept_rotation(day=day, actor=None)
    if len(days) > 2:
        services.reception_day_cancel(
            day=days[2], actor=None, reason="活动室维修，本次接待暂停，可到街道代表之家反映。"
        )
    _say(stdout, f"stations demo: {site.name} receives every Tuesday, {len(days)} days\n")
