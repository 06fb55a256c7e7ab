"""A believable demo district built from the five seed articles (DESIGN.md).

Everything is created through the same services a user goes through, with the portal clock
set back so that the year has a history. Deterministic: a fixed random seed.
"""

import datetime
import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission

from accounts.models import Role, User
from accounts.services import user_sync_office_group
from congress_portal.clock import frozen_at, today
from delegates.models import (
    Constituency,
    Delegate,
    DelegateGroup,
    Level,
    Mandate,
    StationMembership,
    Term,
    YearlyTarget,
)
from delegates.services import delegate_set_search_names
from stations.models import ReceptionDay, ReceptionRule, Region, Station
from stations.services import reception_day_log, reception_day_set_duty, reception_days_generate

from . import services
from .models import Category, Channel, FeedbackChannel, HandlingUnit, RatingValue, State, Suggestion

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105  (documented demo logins, seed_demo only)
DISTRICT = "示范区"

SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕")
SPECIAL_SURNAMES = ["单", "曾", "解", "仇", "朴", "欧阳", "查", "区"]
GIVEN = list("建华国强丽娟明军平秀英志刚伟芳敏静海燕红霞鹏飞玉兰春梅德福永胜文斌立新晓东宏亮")

# (street/township, kind, station name, station kind, grassroots areas, delegates)
COMMUNITIES_DONGNAN = [
    "金泉路社区",
    "新民路社区",
    "锦绣家园社区",
    "富康社区",
    "南苑社区",
    "东关社区",
    "仓后街社区",
    "北大街社区",
]
VILLAGES_ZHONGDUO = [
    "白额村",
    "中垛村",
    "南垛村",
    "北垛村",
    "西坡村",
    "东沟村",
    "柏山村",
    "桃园村",
    "坪上村",
    "河底村",
]
SHIZILU_SITES = ["富华建安集团", "永泰社区", "富民社区"]
COMMUNITIES_SHIXI = [
    "民安社区",
    "彩虹湖社区",
    "新湖社区",
    "玫瑰园社区",
    "黄河社区",
    "渤海社区",
    "新立社区",
    "北城社区",
    "西城社区",
    "育才社区",
    "滨河社区",
    "长江社区",
]

UNITS = [
    ("示范区交通运输局", HandlingUnit.Level.COUNTY),
    ("示范区住房和城乡建设局", HandlingUnit.Level.COUNTY),
    ("示范区农业农村局", HandlingUnit.Level.COUNTY),
    ("示范区城市管理综合执法局", HandlingUnit.Level.COUNTY),
    ("示范区生态环境分局", HandlingUnit.Level.COUNTY),
    ("示范区人力资源和社会保障局", HandlingUnit.Level.COUNTY),
    ("示范区教育和体育局", HandlingUnit.Level.COUNTY),
    ("示范区水务局", HandlingUnit.Level.COUNTY),
]

# category → (plain words, default unit or None = the township/street government of the area)
CATEGORIES = [
    ("道路交通", "路、桥、公交、路灯、停车", "示范区交通运输局"),
    ("环境卫生", "垃圾、污水、河道、噪声", "示范区城市管理综合执法局"),
    ("城市建设管理", "老旧小区、占道、违建、设施损坏", "示范区住房和城乡建设局"),
    ("物业管理", "物业服务、电梯、充电桩、小区设施", "示范区住房和城乡建设局"),
    ("产业发展", "种植养殖、销售渠道、技术培训", "示范区农业农村局"),
    ("集体经济", "村集体收入、土地流转、项目", None),
    ("民风教化", "移风易俗、文化活动、邻里关系", None),
    ("社会保障", "养老、低保、就业、医保", "示范区人力资源和社会保障局"),
    ("教育卫生", "学校、幼儿园、卫生室", "示范区教育和体育局"),
]

# category → [(title, details)] — the seeds' own cases first.
TOPICS = {
    "道路交通": [
        (
            "{place}田间路被雨水冲毁",
            "连日降雨后{place}通往果园的田间路被冲毁一段，三轮车过不去，苹果运不出来。",
        ),
        (
            "{place}东门道路积水",
            "每次下雨{place}东门外道路积水很深，老人孩子出行不便，希望疏通排水。",
        ),
        ("{place}路灯不亮", "{place}主路有五六盏路灯坏了一个多月，晚上出行不安全。"),
        (
            "{place}学校门口缺少减速带",
            "上下学时车辆较多，车速快，建议在学校门口设置减速带和斑马线。",
        ),
        ("{place}公交站台没有遮雨棚", "站台没有遮雨棚，雨天等车的老人只能淋雨。"),
    ],
    "环境卫生": [
        ("{place}垃圾清运不及时", "垃圾桶经常满溢，夏天异味大，希望增加清运次数。"),
        ("{place}河道有人倾倒建筑垃圾", "河道边堆了不少建筑垃圾，影响行洪，也不好看。"),
        ("{place}公厕年久失修", "公共厕所门坏了、水箱不出水，希望维修。"),
        ("{place}广场舞音响声音太大", "晚上九点以后还在放音响，影响老人和学生休息。"),
    ],
    "城市建设管理": [
        ("{place}马路市场占道经营", "早晚摊点占道经营，车辆和行人通行困难，建议规划便民市场。"),
        ("{place}路面坍塌", "小区内道路出现坍塌，存在安全隐患，希望尽快修复。"),
        ("{place}老旧小区外墙脱落", "楼体外墙瓷砖脱落，砸到了停放的电动车，希望纳入老旧小区改造。"),
        ("{place}下水井附近地砖脱落", "活动中心西侧下水井附近地砖脱落、地面下陷。"),
    ],
    "物业管理": [
        (
            "{place}希望安装电动车充电桩",
            "小区新能源车和电动车越来越多，没有充电桩，有人私拉电线充电。",
        ),
        ("{place}健身器材缺乏", "小区老年人多，没有健身器材，希望配置一些。"),
        ("{place}电梯经常故障", "一号楼电梯一个月坏了三次，老人上下楼困难。"),
        ("{place}物业费收支不公开", "希望物业公司公示物业费和公共收益的收支情况。"),
    ],
    "产业发展": [
        ("{place}苹果销售渠道窄", "今年苹果丰收但收购价低，希望组织产销对接和电商培训。"),
        ("{place}希望开展果树修剪培训", "不少果农不会科学修剪，希望请农技人员来村里培训。"),
        ("{place}缺少冷库", "苹果采摘后没有地方储存，希望争取冷库项目。"),
    ],
    "集体经济": [
        ("{place}集体土地流转收益希望公开", "村里流转土地的收益和分配情况，群众不清楚，希望公开。"),
        ("{place}集体经济项目建议", "建议利用闲置校舍发展农产品加工，增加村集体收入。"),
    ],
    "民风教化": [
        ("{place}红白喜事大操大办", "有的人家办事摆几十桌，攀比风气重，建议修订村规民约。"),
        ("{place}希望建设农家书屋", "村里年轻人和孩子没有看书的地方，希望建农家书屋。"),
    ],
    "社会保障": [
        ("{place}高龄老人补贴申请不方便", "老人行动不便，申请高龄补贴要跑好几趟，希望上门办理。"),
        ("{place}希望增加公益性岗位", "村里有劳动能力的困难群众想就近就业。"),
    ],
    "教育卫生": [
        ("{place}村卫生室缺少常用药", "卫生室常用的降压药经常断货，老人要到镇上去买。"),
        ("{place}幼儿园学位紧张", "附近幼儿园报不上名，希望增加学位。"),
    ],
}

REPLIES = [
    "经实地查看并协调{unit}，问题已于近日解决，{place}群众表示认可。",
    "{unit}已安排专人处理，相关设施已修复，后续将加强日常巡查。",
    "已纳入{unit}本年度计划，目前已完成施工，欢迎群众监督。",
    "{unit}已约谈相关责任方，整改已完成，并建立长效管理机制。",
]
EXPLANATIONS = [
    "经了解，该事项涉及个人之间的民事纠纷，不属于政府部门职责，已当面耐心解释，并告知可通过人民调解或法律途径解决。",
    "该建议所涉项目已列入明年规划，目前暂不具备实施条件，代表已向群众说明情况。",
]
ON_SPOT = [
    "代表当场联系社区网格员，已现场处理完毕。",
    "接待当天协调村委会现场解决，群众表示满意。",
]


def office_account_setup(office: User) -> User:
    """Give the demo office account its rights: the admin (is_staff and the office group,
    which holds the configuration permissions) and revealing a resident's full phone (each
    reveal is audited)."""
    office.is_staff = True
    office.save(update_fields=["is_staff"])
    office.user_permissions.add(
        Permission.objects.get(codename="reveal_phone", content_type__app_label="accounts")
    )
    user_sync_office_group(user=office)
    return office


@dataclass
class Area:
    name: str
    region: Region
    home: Station
    sites: list[Station] = field(default_factory=list)
    delegates: list[Delegate] = field(default_factory=list)
    handlers: list[User] = field(default_factory=list)
    staff: User | None = None
    government: HandlingUnit | None = None


class DemoBuilder:
    def __init__(self, stdout=None):
        self.rng = random.Random(2026)
        self.stdout = stdout
        self.today = today()
        self.used_names: set[str] = set()
        self.user_count = 0

    def say(self, text):
        if self.stdout is not None:
            self.stdout.write(text)

    # -- people ---------------------------------------------------------------------------

    def person_name(self, surname=None):
        for _ in range(200):
            name = (surname or self.rng.choice(SURNAMES)) + "".join(
                self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2)))
            )
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        raise RuntimeError("ran out of names")

    def user(self, username, role, full_name, *, demo=False):
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={
                "role": role,
                "full_name": full_name,
                "password": make_password(DEMO_PASSWORD if demo else None),
            },
        )
        return user

    # -- the district -----------------------------------------------------------------------

    def build(self):
        self.district = Region.objects.create(name=DISTRICT, kind=Region.Kind.DISTRICT)
        self.terms = {
            Level.CITY: Term.objects.create(
                level=Level.CITY, number=5, start_date=datetime.date(2022, 1, 10)
            ),
            Level.COUNTY: Term.objects.create(
                level=Level.COUNTY, number=6, start_date=datetime.date(2022, 1, 6)
            ),
            Level.TOWNSHIP: Term.objects.create(
                level=Level.TOWNSHIP, number=18, start_date=datetime.date(2021, 12, 28)
            ),
        }
        self.office = self.user("office", Role.OFFICE, "区人大常委会办公室 李明", demo=True)
        office_account_setup(self.office)
        self.build_units()
        self.areas = [
            self.build_area(
                "东南街道",
                Region.Kind.STREET,
                "东南街道人大代表之家",
                Station.Kind.HOME,
                COMMUNITIES_DONGNAN,
                "代表工作站",
                Station.Kind.WORK,
                city=6,
                county=20,
                township=0,
                demo=True,
            ),
            self.build_area(
                "中垛乡",
                Region.Kind.TOWNSHIP,
                "中垛乡人大代表联络站",
                Station.Kind.LIAISON,
                VILLAGES_ZHONGDUO,
                "人大代表联络点",
                Station.Kind.CONTACT,
                city=0,
                county=22,
                township=55,
            ),
            self.build_area(
                "十字路街道",
                Region.Kind.STREET,
                "十字路街道人大代表之家",
                Station.Kind.HOME,
                SHIZILU_SITES,
                "代表工作站",
                Station.Kind.WORK,
                city=2,
                county=30,
                township=0,
            ),
            self.build_area(
                "市西街道",
                Region.Kind.STREET,
                "市西街道人大代表联络站",
                Station.Kind.LIAISON,
                COMMUNITIES_SHIXI,
                "代表联络点",
                Station.Kind.CONTACT,
                city=2,
                county=22,
                township=0,
            ),
        ]
        self.build_groups()
        self.build_targets()
        self.build_reception_days()
        self.build_suggestions()

    def build_units(self):
        self.units = {}
        for name, level in UNITS:
            self.units[name] = HandlingUnit.objects.create(
                name=name,
                level=level,
                contact_name=self.person_name(),
                contact_phone="0937-26" + str(self.rng.randint(10000, 99999)),
            )
        for position, (name, words, unit_name) in enumerate(CATEGORIES):
            Category.objects.create(
                name=name,
                description=words,
                position=position,
                default_unit=self.units.get(unit_name) if unit_name else None,
            )
        self.categories = {c.name: c for c in Category.objects.all()}

    def build_area(
        self,
        name,
        kind,
        home_name,
        home_kind,
        places,
        site_suffix,
        site_kind,
        *,
        city,
        county,
        township,
        demo=False,
    ):
        region = Region.objects.create(name=name, kind=kind, parent=self.district)
        government_name = f"{name}{'人民政府' if kind == Region.Kind.TOWNSHIP else '办事处'}"
        government = HandlingUnit.objects.create(
            name=government_name,
            level=HandlingUnit.Level.TOWNSHIP,
            region=region,
            contact_name=self.person_name(),
            contact_phone="0937-27" + str(self.rng.randint(10000, 99999)),
        )
        head = self.person_name()
        home = Station.objects.create(
            name=home_name,
            kind=home_kind,
            region=region,
            address=f"{DISTRICT}{name}便民服务中心二楼",
            manager_name=head,
            manager_title="人大工委主任" if kind == Region.Kind.STREET else "乡人大主席",
            phone="0937-28" + str(self.rng.randint(10000, 99999)),
            opening_hours="工作日 8:30—12:00，14:30—18:00；每月10日接待日（节假日顺延）",
            description=f"{home_name}是{name}人大代表联系群众、服务群众的主阵地，群众常来、代表常在、实事常办。",
        )
        area = Area(name=name, region=region, home=home, government=government)
        for place in places:
            grassroots_kind = Region.Kind.VILLAGE if place.endswith("村") else Region.Kind.COMMUNITY
            place_region = (
                region
                if place.endswith("集团")
                else Region.objects.create(name=place, kind=grassroots_kind, parent=region)
            )
            area.sites.append(
                Station.objects.create(
                    name=f"{name}{place}{site_suffix}"
                    if not place.endswith("村")
                    else f"{place}{site_suffix}",
                    kind=site_kind,
                    parent=home,
                    region=place_region,
                    address=f"{name}{place}党群服务中心",
                    manager_name=self.person_name(),
                    opening_hours="工作日 9:00—17:00，代表轮流值班",
                )
            )
        staff_username = "staff" if demo else f"staff_{home.pk}"
        area.staff = self.user(
            staff_username,
            Role.STATION_STAFF,
            f"{home_name} 管理员 {self.person_name()}",
            demo=demo,
        )
        home.staff.add(area.staff)
        unit_username = "unit" if demo else f"unit_{government.pk}"
        government.members.add(
            self.user(
                unit_username, Role.UNIT_STAFF, f"{government_name} {self.person_name()}", demo=demo
            )
        )
        self.build_delegates(area, city=city, county=county, township=township, demo=demo)
        return area

    def build_delegates(self, area, *, city, county, township, demo):
        constituencies = [
            Constituency.objects.create(
                name=f"{area.name}第{i}选区", level=Level.COUNTY, region=area.region
            )
            for i in range(1, 5)
        ]
        specs = [Level.CITY] * city + [Level.COUNTY] * county + [Level.TOWNSHIP] * township
        stations = [area.home, *area.sites]
        for index, level in enumerate(specs):
            if demo and index == 6:
                name = "张建华"  # seed 000: district delegate, 锦绣家园
            elif demo and index == 0:
                name = "赵亮福"  # seed 000: city and district delegate
            elif index % 9 == 4:
                name = self.person_name(SPECIAL_SURNAMES[(index // 9) % len(SPECIAL_SURNAMES)])
            else:
                name = self.person_name()
            self.used_names.add(name)
            delegate = Delegate(
                name=name,
                gender=self.rng.choice(["m", "m", "f"]),
                occupation=self.rng.choice(
                    [
                        "社区党委书记",
                        "个体工商户",
                        "果农",
                        "小学教师",
                        "乡村医生",
                        "企业负责人",
                        "村党支部书记",
                        "物业公司经理",
                        "退休干部",
                        "合作社理事长",
                    ]
                ),
                phone=f"13{self.rng.randint(0, 9)}{self.rng.randint(10000000, 99999999)}",
                consent_public_contact=self.rng.random() < 0.6,
                bio="",
            )
            delegate_set_search_names(delegate=delegate)
            delegate.save()
            Mandate.objects.create(
                delegate=delegate,
                level=level,
                term=self.terms[level],
                constituency=constituencies[index % len(constituencies)]
                if level != Level.CITY
                else None,
            )
            if level == Level.CITY:
                # 市及区两级代表: a city delegate here also sits in the district congress.
                Mandate.objects.create(
                    delegate=delegate,
                    level=Level.COUNTY,
                    term=self.terms[Level.COUNTY],
                    constituency=constituencies[index % len(constituencies)],
                )
            home_member = index < 8 or self.rng.random() < 0.3
            if home_member:
                StationMembership.objects.create(
                    delegate=delegate,
                    station=area.home,
                    role=StationMembership.Role.HEAD
                    if index == 1
                    else StationMembership.Role.STATIONED,
                )
            site = stations[1 + index % (len(stations) - 1)]
            StationMembership.objects.get_or_create(delegate=delegate, station=site)
            area.delegates.append(delegate)
        # Delegates who work suggestions in the portal get accounts.
        for position, delegate in enumerate(area.delegates[:8]):
            if demo and delegate.name == "张建华":
                username = "delegate"
            else:
                username = f"delegate_{delegate.pk}"
            delegate.user = self.user(
                username, Role.DELEGATE, delegate.name, demo=demo and username == "delegate"
            )
            delegate.save(update_fields=["user"])
            if position < 8 and area.home.memberships.filter(delegate=delegate).exists():
                area.handlers.append(delegate.user)
        if not area.handlers:
            area.handlers = [d.user for d in area.delegates[:3]]

    def build_groups(self):
        for area in self.areas:
            for number, site in enumerate(area.sites[:3], start=1):
                group = DelegateGroup.objects.create(
                    name=f"{area.name}第{number}代表小组",
                    kind=DelegateGroup.Kind.ELECTORAL,
                    station=site,
                )
                members = [d for d in area.delegates if d.memberships.filter(station=site).exists()]
                group.members.set(members)
                if members:
                    group.leader = members[0]
                    group.save(update_fields=["leader"])
        professional = [
            "农业农村专业代表小组",
            "城建环保专业代表小组",
            "教科文卫专业代表小组",
            "财政经济专业代表小组",
            "社会建设专业代表小组",
        ]
        everyone = [d for area in self.areas for d in area.delegates]
        for number, name in enumerate(professional):
            group = DelegateGroup.objects.create(name=name, kind=DelegateGroup.Kind.PROFESSIONAL)
            group.members.set(everyone[number::7])

    def build_targets(self):
        # Seed 002 and 004 defaults, for this year and last.
        defaults = {
            YearlyTarget.Metric.FIXED_CONTACTS: 5,
            YearlyTarget.Metric.VISITS: 10,
            YearlyTarget.Metric.PROBLEMS_SOLVED: 3,
            YearlyTarget.Metric.ISSUES_REFLECTED: 1,
            YearlyTarget.Metric.SUGGESTIONS: 2,
            YearlyTarget.Metric.CONSTITUENCY_RETURNS: 2,
            YearlyTarget.Metric.REPORTS: 1,
            YearlyTarget.Metric.STATION_MONTHS: 12,
            YearlyTarget.Metric.CONSTITUENCY_QUARTERS: 4,
            YearlyTarget.Metric.GROUP_RESEARCH_REPORTS: 2,
        }
        for year in (self.today.year - 1, self.today.year):
            for metric, value in defaults.items():
                YearlyTarget.objects.create(year=year, metric=metric, value=value)

    # -- reception days ------------------------------------------------------------------

    def build_reception_days(self):
        start = self.today.replace(day=1) - datetime.timedelta(days=330)
        start = start.replace(day=1)
        end = (self.today.replace(day=1) + datetime.timedelta(days=100)).replace(
            day=1
        ) - datetime.timedelta(days=1)
        themes = [
            "产业发展",
            "道路交通",
            "环境卫生",
            "集体经济",
            "民风教化",
            "城市建设管理",
            "物业管理",
        ]
        for area in self.areas:
            rule = ReceptionRule.objects.create(
                station=area.home,
                kind=ReceptionRule.Kind.MONTHLY,
                day_of_month=10,
                postpone_on_holiday=True,
                start_time=datetime.time(9),
                end_time=datetime.time(12),
            )
            days = reception_days_generate(rule=rule, start=start, end=self.today)
            days += reception_days_generate(
                rule=rule, start=self.today + datetime.timedelta(days=1), end=end
            )
            stationed = list(area.home.delegates.all()) or area.delegates[:4]
            this_year_days = [
                d for d in days if d.date.year == self.today.year and d.date <= self.today
            ]
            # Seed 001: 中垛乡 received 68 residents this year.
            zhongduo_split = (
                _split(68, len(this_year_days), self.rng) if area.name == "中垛乡" else None
            )
            for number, day in enumerate(days):
                duty = [
                    stationed[(2 * number) % len(stationed)],
                    stationed[(2 * number + 1) % len(stationed)],
                ]
                reception_day_set_duty(
                    day=day,
                    delegates=duty,
                    leader_name=area.home.manager_name,
                    theme=themes[number % len(themes)],
                )
                if day.date <= self.today:
                    if zhongduo_split is not None and day in this_year_days:
                        visitors = zhongduo_split[this_year_days.index(day)]
                    else:
                        visitors = self.rng.randint(4, 15)
                    with frozen_at(_at(day.date, 12, 30)):
                        reception_day_log(
                            day=day,
                            actor=area.staff,
                            visitors=visitors,
                            attended=duty if self.rng.random() < 0.9 else duty[:1],
                            notes="接待群众来访，现场登记群众反映的问题。",
                        )

    # -- suggestions ---------------------------------------------------------------------

    def build_suggestions(self):
        dongnan, zhongduo, shizilu, shixi = self.areas
        plan = []
        # 中垛乡 this year (seed 001): 56 suggestions, 55 handled, 1 pending at a county department.
        jan1 = self.today.replace(month=1, day=1)
        span = max((self.today - datetime.timedelta(days=12) - jan1).days, 1)
        for n in range(56):
            day = jan1 + datetime.timedelta(days=int(n * span / 56))
            plan.append((zhongduo, day, "handled"))
        plan[3] = (zhongduo, plan[3][1], "pending_county")
        # 市西街道 (seed 003): 42 in the last half year, 38 solved.
        for n in range(42):
            day = self.today - datetime.timedelta(days=180 - n * 4)
            plan.append((shixi, day, "handled" if n < 38 else "open"))
        # 东南街道 and 十字路街道: a year of everything.
        for area, count in ((dongnan, 150), (shizilu, 70)):
            for _ in range(count):
                day = self.today - datetime.timedelta(days=self.rng.randint(0, 364))
                plan.append((area, day, "any"))
        plan.sort(key=lambda item: item[1])
        created = []
        for area, day, fate in plan:
            created.append(self.one_suggestion(area, day, fate))
        # Duplicates: the same problem reported again, merged into the first report.
        for area in (dongnan, shizilu):
            original = (
                Suggestion.objects.filter(
                    station__in=[area.home, *area.sites],
                    state__in=(State.DISPATCHED, State.IN_PROGRESS),
                )
                .order_by("-submitted_at")
                .first()
            )
            for hours in (3, 27):
                with frozen_at(_at(self.today, 8, 0) - datetime.timedelta(hours=hours)):
                    duplicate = services.suggestion_submit(
                        title=original.title,
                        content=original.content + "（电话反映）",
                        category=original.category,
                        station=original.station,
                        channel=Channel.PHONE,
                        place=original.place,
                        submitter_name=self.person_name(),
                        submitter_phone=f"139{self.rng.randint(10000000, 99999999)}",
                        actor=area.staff,
                    )
                with frozen_at(_at(self.today, 8, 30)):
                    services.suggestion_merge(
                        suggestion=duplicate,
                        into=original,
                        actor=area.staff,
                        note="同一问题，合并办理",
                    )
                created.append(duplicate)
        # New this morning, waiting for a delegate (点单).
        for area in (dongnan, dongnan, shizilu, shixi):
            created.append(self.one_suggestion(area, self.today, "new"))
        self.say(f"  {len(created)} suggestions")

    def one_suggestion(self, area, day, fate):
        rng = self.rng
        category_name = "道路交通" if fate == "pending_county" else rng.choice(list(TOPICS))
        station = rng.choice([area.home, *area.sites])
        place_region = station.region if station.region.is_grassroots else None
        place_name = place_region.name if place_region else rng.choice(area.sites).region.name
        if fate == "pending_county":
            station = next(s for s in area.sites if s.region.name == "白额村")
            title, content = (
                "白额村田间路冲毁",
                "连日降雨后白额村通往果园的田间路被冲毁约200米，机动车无法通行，苹果运输受影响，群众希望尽快修复。",
            )
            place_region, place_name = station.region, "白额村"
        else:
            title, content = rng.choice(TOPICS[category_name])
            title, content = title.format(place=place_name), content.format(place=place_name)
        reception_day = None
        channel = rng.choice(
            [
                Channel.ONLINE,
                Channel.ONLINE,
                Channel.RECEPTION_DAY,
                Channel.VISIT,
                Channel.PHONE,
                Channel.WECHAT,
                Channel.LETTER,
            ]
        )
        if channel == Channel.RECEPTION_DAY:
            reception_day = (
                ReceptionDay.objects.filter(
                    station=area.home, date__lte=day, status=ReceptionDay.Status.HELD
                )
                .order_by("-date")
                .first()
            )
            if reception_day is None:
                channel = Channel.VISIT
            else:
                station = area.home
                day = reception_day.date
        anonymous = rng.random() < 0.15
        with frozen_at(_at(day, rng.randint(8, 17), rng.randint(0, 59))):
            suggestion = services.suggestion_submit(
                title=title,
                content=content,
                category=self.categories[category_name],
                station=station,
                channel=channel,
                place=place_region,
                address=f"{place_name}{rng.randint(1, 30)}号附近" if rng.random() < 0.5 else "",
                submitter_name="" if anonymous else self.person_name(),
                submitter_phone=""
                if anonymous
                else f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}",
                consent_disclosure=rng.random() < 0.7,
                reception_day=reception_day,
                actor=None if channel == Channel.ONLINE else area.staff,
            )
        age = (self.today - day).days
        if fate == "new":
            target = "submitted"
        elif fate == "handled":
            target = "closed" if age > 25 or rng.random() < 0.5 else "replied"
        elif fate == "pending_county":
            target = "in_progress_county"
        elif fate == "open":
            target = rng.choice(["accepted", "dispatched", "in_progress", "unit_replied"])
        elif age > 90:
            target = rng.choices(
                ["closed", "explained", "reopened_closed", "overdue"], [80, 6, 8, 3]
            )[0]
        elif age > 30:
            target = rng.choices(
                ["closed", "replied", "in_progress", "overdue", "unit_replied", "on_spot"],
                [45, 10, 10, 12, 8, 8],
            )[0]
        elif age > 7:
            target = rng.choice(
                ["accepted", "dispatched", "in_progress", "unit_replied", "replied", "on_spot"]
            )
        else:
            target = rng.choice(["submitted", "submitted", "accepted", "dispatched"])
        self.walk(suggestion, area, day, target)
        return suggestion

    def walk(self, suggestion, area, day, target):
        """Move a suggestion along the loop to ``target``, a few days per step."""
        rng = self.rng
        if target == "submitted":
            return
        handler = rng.choice(area.handlers)
        clock = [_at(day, 10, 0)]

        def step(days=1):
            clock[0] = min(
                clock[0] + datetime.timedelta(days=days, minutes=rng.randint(5, 300)),
                _at(self.today, 8, 0),
            )
            return frozen_at(clock[0])

        with step():
            if handler.delegate.memberships.filter(station_id=suggestion.station_id).exists():
                suggestion = services.suggestion_accept(suggestion=suggestion, actor=handler)
            else:
                suggestion = services.suggestion_assign(
                    suggestion=suggestion, delegate=handler.delegate, actor=area.staff
                )
        if target == "accepted":
            return
        holder = suggestion.delegate.user or self.office
        if target == "explained":
            with step(2):
                services.suggestion_explain(
                    suggestion=suggestion, actor=holder, reason=rng.choice(EXPLANATIONS)
                )
            return
        if target in ("on_spot",):
            with step(0):
                services.suggestion_handle_on_spot(
                    suggestion=suggestion, actor=holder, result=rng.choice(ON_SPOT)
                )
            self.maybe_rate(suggestion, step, close=True)
            return
        rounds = 2 if target == "reopened_closed" else 1
        for round_number in range(rounds):
            unit = self.unit_for(suggestion, area, county=target == "in_progress_county")
            with step(1):
                suggestion = services.suggestion_dispatch(
                    suggestion=suggestion,
                    actor=holder,
                    unit=unit,
                    workdays=15 if target != "overdue" else 10,
                )
            if target == "dispatched":
                return
            unit_user = unit.members.first() or self.unit_user(unit)
            with step(1):
                suggestion = services.suggestion_acknowledge(suggestion=suggestion, actor=unit_user)
            if target in ("in_progress", "overdue", "in_progress_county"):
                if target == "overdue" or rng.random() < 0.3:
                    with step(rng.randint(20, 30)):
                        services.suggestion_urge(
                            suggestion=suggestion, actor=holder, note="请抓紧办理并及时反馈。"
                        )
                return
            with step(rng.randint(3, 12)):
                reply = rng.choice(REPLIES).format(
                    unit=unit.name, place=suggestion.place.name if suggestion.place else area.name
                )
                suggestion = services.suggestion_unit_reply(
                    suggestion=suggestion, actor=unit_user, text=reply
                )
            if target == "unit_replied":
                return
            with step(1):
                suggestion = services.suggestion_publish(
                    suggestion=suggestion,
                    actor=holder,
                    feedback_channel=rng.choice(FeedbackChannel.values[:3]),
                )
            if target == "replied":
                return
            if rounds == 2 and round_number == 0:
                with step(2):
                    suggestion = services.suggestion_rate(
                        suggestion=suggestion,
                        value=RatingValue.UNSATISFIED,
                        comment="问题没有根本解决，雨后又出现了。",
                    )
                continue
        self.maybe_rate(suggestion, step, close=True)

    def maybe_rate(self, suggestion, step, *, close):
        suggestion.refresh_from_db()
        if suggestion.state != State.REPLIED:
            return
        if self.rng.random() < 0.8:
            value = self.rng.choices([RatingValue.SATISFIED, RatingValue.BASIC], [85, 15])[0]
            with step(2):
                services.suggestion_rate(
                    suggestion=suggestion,
                    value=value,
                    comment=self.rng.choice(["", "", "感谢代表！", "办得很快，满意。"]),
                )
        else:
            with step(16):
                services.suggestion_auto_close(suggestion=suggestion)

    def unit_for(self, suggestion, area, *, county=False):
        if county:
            return self.units["示范区交通运输局"]
        default = suggestion.category.default_unit
        if default is None or self.rng.random() < 0.45:
            return area.government
        return default

    def unit_user(self, unit):
        user = self.user(f"unit_{unit.pk}", Role.UNIT_STAFF, f"{unit.name} {self.person_name()}")
        unit.members.add(user)
        return user


def _at(day, hour, minute):
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _split(total, parts, rng):
    if parts <= 0:
        return []
    base = [total // parts] * parts
    for index in range(total - sum(base)):
        base[index % parts] += 1
    rng.shuffle(base)
    return base
