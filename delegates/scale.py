"""Province-scale rows of the delegates app (``manage.py generate_scale``).

Terms at every level, constituencies, delegates (every station has at least one; homes have
more) with their mandates, station memberships (a person in charge per home), electoral and
professional groups, yearly targets, and three years of activities. The first delegate of
each station who works suggestions has an account; the first of the busiest home's is
``bench-delegate``.
"""

import datetime

from accounts.models import Role
from congress_portal.scale import Names, Scale, through

from .models import (
    Activity,
    Constituency,
    Delegate,
    DelegateGroup,
    Level,
    Mandate,
    StationMembership,
    Term,
    YearlyTarget,
)
from .services import name_syllables

TERMS = [
    (Level.NATIONAL, 14, datetime.date(2023, 3, 5)),
    (Level.PROVINCIAL, 14, datetime.date(2023, 1, 12)),
    (Level.CITY, 17, datetime.date(2022, 1, 10)),
    (Level.COUNTY, 19, datetime.date(2021, 12, 28)),
    (Level.TOWNSHIP, 18, datetime.date(2021, 12, 20)),
]
OCCUPATIONS = [
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
    "律师",
    "工程师",
]
PROFESSIONAL_GROUPS = [
    "农业农村专业代表小组",
    "城建环保专业代表小组",
    "教科文卫专业代表小组",
    "财政经济专业代表小组",
    "社会建设专业代表小组",
]
ACTIVITY_TITLES = {
    Activity.Kind.RECEPTION: "进站接待群众",
    Activity.Kind.VISIT: "走访选民",
    Activity.Kind.CONSTITUENCY: "回选区联系群众",
    Activity.Kind.INSPECTION: "视察民生实事项目",
    Activity.Kind.RESEARCH: "专题调研",
    Activity.Kind.DELIBERATION: "参加议事协商会",
    Activity.Kind.TRAINING: "参加履职培训",
    Activity.Kind.REPORT: "向选民述职",
    Activity.Kind.PAIRING: "结对帮扶",
    Activity.Kind.INVESTMENT: "招商引资项目对接",
    Activity.Kind.OTHER: "其他履职活动",
}
TARGETS = {
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


def generate(scale: Scale) -> None:
    """Terms, constituencies, delegates, mandates, memberships, groups, targets."""
    rng, names = scale.rng, Names(scale.rng)
    facts = scale.facts
    terms = {}
    rows = []
    for level, number, start in TERMS:
        pk = scale.ids.take(Term)
        terms[level] = pk
        rows.append((pk, level, number, scale.date(start), None))
    scale.writer.write(Term, ["id", "level", "number", "start_date", "end_date"], rows)

    # Constituencies: the province's for national seats, a city's for provincial seats, a
    # district's for city seats, two per street for county seats, one per street for township.
    constituencies, rows = {}, []

    def constituency(level, key, name, region):
        pk = scale.ids.take(Constituency)
        rows.append((pk, name, level, region))
        constituencies[(level, key)] = pk

    constituency(Level.NATIONAL, 0, "示范省全国人大代表选举单位", facts["province"])
    for index, city in enumerate(facts["cities"]):
        constituency(Level.PROVINCIAL, index, f"第{index + 1}省人大代表选区", city)
    for index, (district, name) in enumerate(facts["districts"]):
        constituency(Level.CITY, index, f"{name}市人大代表选区", district)
    for street_id, street, _kind, district, _communities in facts["streets"]:
        for k in (1, 2):
            constituency(Level.COUNTY, (street_id, k), f"{district}{street}第{k}选区", street_id)
        constituency(Level.TOWNSHIP, (street_id, 1), f"{district}{street}乡镇选区", street_id)
    scale.writer.write(Constituency, ["id", "name", "level", "region_id"], rows)

    # Which station each delegate is at: every station one, then homes three times as likely.
    info = facts["station_info"]
    stations = list(info)
    homes = facts["homes"]
    weights = [3 if info[s][2] == s else 1 for s in stations]
    n = max(scale.sizes.delegates, len(stations))
    primary = stations + rng.choices(stations, weights, k=n - len(stations))
    district_index = {name: i for i, (_pk, name) in enumerate(facts["districts"])}
    city_of_district = {i: i % len(facts["cities"]) for i in range(len(facts["districts"]))}
    delegate_rows, mandate_rows, member_rows = [], [], []
    members: dict[int, list[int]] = {}
    handlers: dict[int, list[tuple[int, int, str]]] = {}
    pinyin: dict[str, tuple[str, str]] = {}
    created = scale.ts(scale.now - 3 * 365 * 86400)
    first_delegate = scale.ids.take(Delegate, n)
    street_of_region = {}
    for street_id, _s, _k, district, _c in facts["streets"]:
        street_of_region[street_id] = district
    for index, station in enumerate(primary):
        pk = first_delegate + index
        name = names.person()
        if name not in pinyin:
            syllables = name_syllables(name)
            pinyin[name] = ("".join(syllables)[:160], "".join(s[0] for s in syllables)[:40])
        street_id, _community, home, _active = info[station]
        is_home = home == station
        user = None
        if index < len(stations) or (is_home and len(handlers.get(station, [])) < 2):
            username = (
                "bench-delegate"
                if station == homes[0] and not handlers.get(station)
                else f"delegate-{pk}"
            )
            user = scale.user(username, Role.DELEGATE, name)
            handlers.setdefault(station, []).append((pk, user, name))
        delegate_rows.append(
            (
                pk,
                name,
                pinyin[name][0],
                pinyin[name][1],
                rng.choice("mmf"),
                rng.choice(OCCUPATIONS),
                "",
                names.phone(),
                "",
                rng.random() < 0.6,
                "",
                user,
                rng.random() > 0.01,
                created,
            )
        )
        # The level: homes hold district and city delegates, sites township ones.
        roll = rng.random()
        if roll < 0.005:
            level = Level.NATIONAL
        elif roll < 0.04:
            level = Level.PROVINCIAL
        elif roll < (0.25 if is_home else 0.10):
            level = Level.CITY
        elif roll < (0.85 if is_home else 0.45):
            level = Level.COUNTY
        else:
            level = Level.TOWNSHIP
        district = district_index[street_of_region[street_id]]
        key = {
            Level.NATIONAL: 0,
            Level.PROVINCIAL: city_of_district[district],
            Level.CITY: district,
            Level.COUNTY: (street_id, 1 + index % 2),
            Level.TOWNSHIP: (street_id, 1),
        }[level]
        mandate_rows.append(
            (scale.ids.take(Mandate), pk, level, terms[level], constituencies[(level, key)])
        )
        if level == Level.CITY and rng.random() < 0.5:
            # 市及区两级代表: a city delegate who also sits in the district congress.
            mandate_rows.append(
                (
                    scale.ids.take(Mandate),
                    pk,
                    Level.COUNTY,
                    terms[Level.COUNTY],
                    constituencies[(Level.COUNTY, (street_id, 1))],
                )
            )
        since = scale.date(datetime.date(2022, 1, 10) + datetime.timedelta(days=rng.randint(0, 60)))
        role = (
            StationMembership.Role.HEAD
            if is_home and not members.get(station)
            else StationMembership.Role.STATIONED
        )
        member_rows.append((scale.ids.take(StationMembership), pk, station, role, since))
        members.setdefault(station, []).append(pk)
        if not is_home and rng.random() < 0.3:
            member_rows.append(
                (
                    scale.ids.take(StationMembership),
                    pk,
                    home,
                    StationMembership.Role.STATIONED,
                    since,
                )
            )
            members.setdefault(home, []).append(pk)
        scale.progress.advance()
    scale.writer.write(
        Delegate,
        [
            "id",
            "name",
            "name_pinyin",
            "name_initials",
            "gender",
            "occupation",
            "photo",
            "phone",
            "email",
            "consent_public_contact",
            "bio",
            "user_id",
            "is_active",
            "created_at",
        ],
        delegate_rows,
    )
    scale.writer.write(
        Mandate, ["id", "delegate_id", "level", "term_id", "constituency_id"], mandate_rows
    )
    scale.writer.write(
        StationMembership, ["id", "delegate_id", "station_id", "role", "since"], member_rows
    )
    facts["members_of_station"] = members
    facts["handlers_of_station"] = handlers
    facts["delegate_names"] = {row[0]: row[1] for row in delegate_rows}
    facts["delegate_count"] = n
    facts["first_delegate"] = first_delegate
    _groups(scale, members)
    _targets(scale)


def _groups(scale: Scale, members: dict[int, list[int]]) -> None:
    """An electoral-unit group per home (its tree's delegates) and five professional groups."""
    facts = scale.facts
    rows, member_rows = [], []
    m2m = through(Delegate, "groups")
    for home in facts["homes"]:
        tree = list(
            dict.fromkeys(
                [
                    *members.get(home, []),
                    *(d for s in facts["sites_of_home"][home] for d in members.get(s, [])),
                ]
            )
        )
        if not tree:
            continue
        pk = scale.ids.take(DelegateGroup)
        name = facts["home_names"][home]
        rows.append((pk, f"{name}代表小组", DelegateGroup.Kind.ELECTORAL, home, tree[0]))
        member_rows += [(scale.ids.take(m2m), d, pk) for d in tree]
    first, n = facts["first_delegate"], facts["delegate_count"]
    for number, name in enumerate(PROFESSIONAL_GROUPS):
        pk = scale.ids.take(DelegateGroup)
        chosen = list(range(first + number, first + n, 23))
        rows.append(
            (pk, name, DelegateGroup.Kind.PROFESSIONAL, None, chosen[0] if chosen else None)
        )
        member_rows += [(scale.ids.take(m2m), d, pk) for d in chosen]
    scale.writer.write(DelegateGroup, ["id", "name", "kind", "station_id", "leader_id"], rows)
    scale.writer.write(m2m, ["id", "delegate_id", "delegategroup_id"], member_rows)


def _targets(scale: Scale) -> None:
    rows = []
    for year in range(scale.today.year - 2, scale.today.year + 1):
        for metric, value in TARGETS.items():
            rows.append((scale.ids.take(YearlyTarget), year, "", metric, value))
    scale.writer.write(YearlyTarget, ["id", "year", "level", "metric", "value"], rows)


def generate_activities(scale: Scale, count: int) -> None:
    """``count`` activities over three years at the stations, one to three participants each."""
    rng, facts = scale.rng, scale.facts
    members = facts["members_of_station"]
    stations = [s for s in facts["station_info"] if members.get(s)]
    kinds = list(ACTIVITY_TITLES)
    m2m = through(Activity, "participants")
    rows, participant_rows = [], []
    span = 3 * 365
    for _ in range(count):
        pk = scale.ids.take(Activity)
        station = rng.choice(stations)
        kind = rng.choice(kinds)
        day = scale.today - datetime.timedelta(days=rng.randint(0, span))
        staff = facts["staff_of_home"][facts["station_info"][station][2]]
        rows.append(
            (
                pk,
                kind,
                ACTIVITY_TITLES[kind],
                scale.date(day),
                "",
                station,
                rng.randint(0, 40),
                "",
                staff,
                scale.ts(scale.at(day, 18, rng.randint(0, 59))),
                None,
            )
        )
        pool = members[station]
        for delegate in rng.sample(pool, min(len(pool), rng.randint(1, 3))):
            participant_rows.append((scale.ids.take(m2m), pk, delegate))
        scale.progress.advance()
    scale.writer.write(
        Activity,
        [
            "id",
            "kind",
            "title",
            "date",
            "place",
            "station_id",
            "residents_contacted",
            "notes",
            "created_by_id",
            "created_at",
            "submission_key",
        ],
        rows,
    )
    scale.writer.write(m2m, ["id", "activity_id", "delegate_id"], participant_rows)
