"""Province-scale rows of the stations app (``manage.py generate_scale``).

An area tree province → city → district → street/township → community/village with correct
``path`` and ``depth`` (what ``Region.save`` derives, computed here in bulk), a home or
liaison station per street or township with work stations and contact points in its
communities and villages, a staff account per home, a monthly reception rule per home and
three years of reception days with their logs (plus the next two months scheduled), and the
delegates on duty (after ``delegates.scale`` has stationed them).
"""

import datetime

from accounts.models import Role
from congress_portal.scale import Names, Scale, through

from .models import DutyAssignment, ReceptionDay, ReceptionRule, Region, Station
from .workdays import WorkCalendar

PROVINCE = "示范省"
CITIES = [
    "东川市",
    "西陵市",
    "南屏市",
    "北原市",
    "金城市",
    "河阳市",
    "白水市",
    "青山市",
    "临江市",
    "平川市",
    "天水湾市",
    "云岭市",
    "石门市",
    "长宁市",
]
SYLLABLES = list(
    "安宁泰和平康永乐兴福华新民富裕顺昌隆盛东南西北中金银青白石河江湖山岭林泉溪桥塘坪湾"
)
THEMES = ["产业发展", "道路交通", "环境卫生", "集体经济", "民风教化", "城市建设管理", "物业管理"]
CANCEL_REASONS = [
    "活动室维修，本次接待暂停。",
    "遇极端天气，本次接待顺延。",
    "场地临时征用，本次接待暂停。",
]


def _unique_name(rng, taken: set, suffix: str, length: int = 2) -> str:
    for _ in range(1000):
        name = "".join(rng.choice(SYLLABLES) for _ in range(length)) + suffix
        if name not in taken:
            taken.add(name)
            return name
    return _unique_name(rng, taken, suffix, length + 1)


def _spread(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` near-equal whole numbers."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def generate_areas(scale: Scale) -> None:
    """The area tree, sized from the number of stations (5,000 stations: ~10,900 areas)."""
    rng, n_stations = scale.rng, max(scale.sizes.stations, 2)
    n_cities = min(max(n_stations // 350, 2), len(CITIES))
    n_districts = max(n_cities, round(n_stations / 42))
    n_streets = min(max(n_districts, round(n_stations / 3.6)), n_stations - 1)
    n_communities = max(n_streets, round(n_stations * 1.88), n_stations - n_streets)
    rows = []

    def add(name, kind, parent, code):
        pk = scale.ids.take(Region)
        path = f"{parent[1]}{pk}/" if parent else f"/{pk}/"
        rows.append(
            (pk, name, kind, parent[0] if parent else None, code, path, path.count("/") - 2)
        )
        return pk, path

    province = add(PROVINCE, Region.Kind.PROVINCE, None, "620000000000")
    district_names: set = set()
    cities, districts, streets, communities = [], [], [], []
    for c in range(n_cities):
        cities.append(add(CITIES[c], Region.Kind.CITY, province, f"62{c + 1:02d}00000000"))
    for d, city_index in enumerate(i % n_cities for i in range(n_districts)):
        kind_suffix = "区" if d % 3 else "县"
        name = _unique_name(rng, district_names, kind_suffix)
        code = f"62{city_index + 1:02d}{d % 100:02d}000000"
        districts.append((add(name, Region.Kind.DISTRICT, cities[city_index], code), name))
    street_of_district = _spread(n_streets, n_districts)
    for (district, district_name), count in zip(districts, street_of_district, strict=True):
        taken: set = set()
        for k in range(count):
            township = len(streets) % 5 in (1, 3)  # two in five are townships
            suffix = "乡" if township and k % 2 else ("镇" if township else "街道")
            name = _unique_name(rng, taken, suffix)
            kind = Region.Kind.TOWNSHIP if township else Region.Kind.STREET
            pk_path = add(name, kind, district, "")
            streets.append((pk_path, name, kind, district_name))
    for (street, _street_name, kind, _district_name), count in zip(
        streets, _spread(n_communities, n_streets), strict=True
    ):
        taken = set()
        grassroots = Region.Kind.VILLAGE if kind == Region.Kind.TOWNSHIP else Region.Kind.COMMUNITY
        mine = []
        for _ in range(count):
            name = _unique_name(rng, taken, "村" if grassroots == Region.Kind.VILLAGE else "社区")
            pk, _path = add(name, grassroots, street, "")
            mine.append((pk, name))
        communities.append(mine)
    scale.writer.write(Region, ["id", "name", "kind", "parent_id", "code", "path", "depth"], rows)
    scale.facts["province"] = province[0]
    scale.facts["cities"] = [pk for pk, _ in cities]
    scale.facts["districts"] = [(pk, name) for (pk, _), name in districts]
    # street: (region id, name, kind, district name, [(community id, name)])
    scale.facts["streets"] = [
        (pk, name, kind, district_name, mine)
        for ((pk, _), name, kind, district_name), mine in zip(streets, communities, strict=True)
    ]
    scale.facts["district_of_street"] = {}
    for (pk, _), _name, _kind, district_name in streets:
        scale.facts["district_of_street"][pk] = district_name
    scale.progress.advance(len(rows))


def generate_stations(scale: Scale) -> None:
    """A home (street) or liaison station (township) per street, and work stations or
    contact points in its communities and villages, up to the number of stations asked for."""
    rng, names = scale.rng, Names(scale.rng)
    streets = scale.facts["streets"]
    n_sites = scale.sizes.stations - len(streets)
    per_street = _spread(max(n_sites, 0), len(streets))
    created = scale.ts(scale.now - 3 * 365 * 86400)
    rows, staff_rows = [], []
    homes, sites_of_home, station_info = [], {}, {}
    staff_through = through(Station, "staff")
    for index, ((street_id, street, kind, district, communities), n) in enumerate(
        zip(streets, per_street, strict=True)
    ):
        is_street = kind == Region.Kind.STREET
        home = scale.ids.take(Station)
        home_name = f"{district}{street}人大代表{'之家' if is_street else '联络站'}"
        manager = names.person()
        rows.append(
            (
                home,
                home_name,
                Station.Kind.HOME if is_street else Station.Kind.LIAISON,
                None,
                street_id,
                f"{district}{street}便民服务中心二楼",
                manager,
                "人大工委主任" if is_street else "乡人大主席",
                f"0931-{rng.randint(2000000, 8999999)}",
                "工作日 8:30—12:00，14:30—18:00；每月10日接待日（节假日顺延）",
                f"{home_name}是{street}人大代表联系群众、服务群众的主阵地。",
                True,
                created,
            )
        )
        homes.append(home)
        station_info[home] = (street_id, None, home, True)
        sites = []
        for k in range(n):
            community_id, community = communities[k % len(communities)]
            pk = scale.ids.take(Station)
            suffix = "代表工作站" if is_street else "人大代表联络点"
            suffix = suffix if k < len(communities) else f"第{k // len(communities) + 1}{suffix}"
            active = index == 0 or rng.random() > 0.015
            rows.append(
                (
                    pk,
                    f"{district}{street}{community}{suffix}",
                    Station.Kind.WORK if is_street else Station.Kind.CONTACT,
                    home,
                    community_id,
                    f"{street}{community}党群服务中心",
                    names.person(),
                    "",
                    "",
                    "工作日 9:00—17:00，代表轮流值班",
                    "",
                    active,
                    created,
                )
            )
            sites.append(pk)
            # (street region, community region, home, active)
            station_info[pk] = (street_id, community_id, home, active)
        sites_of_home[home] = sites
        username = "bench-staff" if index == 0 else f"staff-{home}"
        user = scale.user(username, Role.STATION_STAFF, f"{home_name} 管理员 {manager}")
        staff_rows.append((home, user))
    scale.writer.write(
        Station,
        [
            "id",
            "name",
            "kind",
            "parent_id",
            "region_id",
            "address",
            "manager_name",
            "manager_title",
            "phone",
            "opening_hours",
            "description",
            "is_active",
            "created_at",
        ],
        rows,
    )
    scale.writer.write(
        staff_through,
        ["id", "station_id", "user_id"],
        ((scale.ids.take(staff_through), s, u) for s, u in staff_rows),
    )
    scale.facts["homes"] = homes
    scale.facts["sites_of_home"] = sites_of_home
    scale.facts["station_info"] = station_info
    scale.facts["staff_of_home"] = dict(staff_rows)
    scale.facts["home_names"] = {row[0]: row[1] for row in rows if row[3] is None}
    scale.facts["home_managers"] = {row[0]: row[6] for row in rows if row[3] is None}
    scale.progress.advance(len(rows))


def _months(scale: Scale) -> list[datetime.date]:
    """First days of the months with reception days: three years back, two months ahead."""
    first = scale.today.replace(day=1)
    months = []
    year, month = first.year - 3, first.month
    for _ in range(36 + 3):
        months.append(datetime.date(year, month, 1))
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return months


def generate_reception(scale: Scale) -> None:
    """A monthly rule (the 10th, postponed on holidays) per home, and its days with logs."""
    rng = scale.rng
    calendar = WorkCalendar()
    dates = [calendar.next_workday(month.replace(day=10)) for month in _months(scale)]
    homes = scale.facts["homes"]
    rules, days = [], []
    day_ids: dict[int, list[tuple[datetime.date, int, bool]]] = {}
    for home in homes:
        rule = scale.ids.take(ReceptionRule)
        rules.append(
            (
                rule,
                home,
                ReceptionRule.Kind.MONTHLY,
                10,
                None,
                "[]",
                True,
                "09:00:00",
                "12:00:00",
                2,
                True,
            )
        )
        staff = scale.facts["staff_of_home"][home]
        leader = scale.facts["home_managers"][home]
        mine = []
        for number, date in enumerate(dates):
            pk = scale.ids.take(ReceptionDay)
            past = date < scale.today
            cancelled = past and rng.random() < 0.04
            status = (
                ReceptionDay.Status.CANCELLED
                if cancelled
                else (ReceptionDay.Status.HELD if past else ReceptionDay.Status.SCHEDULED)
            )
            held = status == ReceptionDay.Status.HELD
            days.append(
                (
                    pk,
                    home,
                    rule,
                    scale.date(date),
                    scale.date(date),
                    "09:00:00",
                    "12:00:00",
                    THEMES[number % len(THEMES)],
                    "欢迎群众来站反映意见建议。" if not past else "",
                    leader,
                    status,
                    rng.choice(CANCEL_REASONS) if cancelled else "",
                    rng.randint(3, 25) if held else None,
                    "接待群众来访，现场登记群众反映的问题。" if held else "",
                    scale.ts(scale.at(date, 12, 30)) if held else None,
                    staff if held else None,
                    2 if held or cancelled else 1,
                )
            )
            mine.append((date, pk, held))
        day_ids[home] = mine
    scale.writer.write(
        ReceptionRule,
        [
            "id",
            "station_id",
            "kind",
            "day_of_month",
            "weekday",
            "explicit_dates",
            "postpone_on_holiday",
            "start_time",
            "end_time",
            "duty_delegates",
            "is_active",
        ],
        rules,
    )
    scale.writer.write(
        ReceptionDay,
        [
            "id",
            "station_id",
            "rule_id",
            "date",
            "rule_date",
            "start_time",
            "end_time",
            "theme",
            "announcement",
            "leader_name",
            "status",
            "cancel_reason",
            "visitors",
            "log_notes",
            "logged_at",
            "logged_by_id",
            "version",
        ],
        days,
    )
    # home → [(date, day id, held)] in date order; suggestions of the reception-day channel
    # point at the last day held on or before their submission.
    scale.facts["reception_days"] = day_ids
    scale.facts["reception_dates"] = dates
    scale.progress.advance(len(days))


def generate_duties(scale: Scale) -> None:
    """Two delegates on duty each reception day, from those stationed at the home's tree."""
    rng = scale.rng
    members = scale.facts["members_of_station"]
    rows = []
    for home, days in scale.facts["reception_days"].items():
        pool = list(members.get(home, []))
        for site in scale.facts["sites_of_home"][home]:
            if len(pool) >= 6:
                break
            pool += [d for d in members.get(site, []) if d not in pool]
        if not pool:
            continue
        for number, (date, pk, held) in enumerate(days):
            duty = {pool[(2 * number) % len(pool)], pool[(2 * number + 1) % len(pool)]}
            past = date < scale.today
            for delegate in sorted(duty):
                attended = (rng.random() < 0.92) if held else None
                rows.append(
                    (scale.ids.take(DutyAssignment), pk, delegate, attended if past else None)
                )
    scale.writer.write(DutyAssignment, ["id", "reception_day_id", "delegate_id", "attended"], rows)
    scale.progress.advance(len(rows))
