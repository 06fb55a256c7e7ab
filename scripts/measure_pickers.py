"""Render the pages that choose a station, delegate, area or unit at province scale.

A scratch SQLite file (not the development database) gets 10,000 areas, 5,000 stations,
20,000 delegates stationed there and 2,000 handling units in bulk, once; then each page is
rendered through Django's test client as the office and as a station's staff, and its HTML
size, ``<option>`` count and median time are printed.

    .venv/bin/python scripts/measure_pickers.py [--db /tmp/pickers-scale.sqlite3] [--rounds 5]
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--db", default=str(Path(tempfile.gettempdir()) / "pickers-scale.sqlite3"))
parser.add_argument(
    "--database-url", default="", help="e.g. postgres://postgres@127.0.0.1:5432/scratch"
)
parser.add_argument("--rounds", type=int, default=5)
args = parser.parse_args()

os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{args.db}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "congress_portal.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from delegates.models import Delegate, StationMembership  # noqa: E402
from stations.models import Region, Station  # noqa: E402
from suggestions.models import Category, HandlingUnit  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
GIVEN = "建华国强明秀英丽娟伟芳军平静敏杰磊涛超勇艳霞刚桂兰文辉斌鹏飞红梅玉珍海燕志刚"


def populate():
    from delegates.services import delegate_set_search_names

    rng = random.Random(7)  # noqa: S311 (synthetic names, not secrets)
    regions, next_id = [], 1

    def area(name, kind, parent):
        nonlocal next_id
        pk = next_id
        next_id += 1
        path = f"{parent.path if parent else '/'}{pk}/"
        region = Region(
            pk=pk, name=name, kind=kind, parent=parent, path=path, depth=path.count("/") - 2
        )
        regions.append(region)
        return region

    province = area("甘肃省", Region.Kind.PROVINCE, None)
    streets = []
    for c in range(10):
        city = area(f"第{c}市", Region.Kind.CITY, province)
        for d in range(10):
            district = area(f"{c}市{d}区", Region.Kind.DISTRICT, city)
            for s in range(10):
                street = area(f"{c}-{d}-{s}街道", Region.Kind.STREET, district)
                streets.append(street)
                for m in range(9):
                    area(f"{c}{d}{s}{m}社区", Region.Kind.COMMUNITY, street)
    Region.objects.bulk_create(regions, batch_size=2000)
    if connection.vendor == "postgresql":  # explicit ids: move the sequence past them
        from django.core.management.color import no_style

        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Region]):
                cursor.execute(sql)
    stations = Station.objects.bulk_create(
        [
            Station(
                name=f"{streets[i % len(streets)].name}第{i}联络站",
                kind=Station.Kind.LIAISON,
                region=streets[i % len(streets)],
                address=f"{i}号路{i % 97}号",
            )
            for i in range(5000)
        ],
        batch_size=2000,
    )
    delegates = []
    for i in range(20000):
        delegate = Delegate(
            name=rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(2)) + str(i % 10)
        )
        delegate_set_search_names(delegate=delegate)
        delegates.append(delegate)
    delegates = Delegate.objects.bulk_create(delegates, batch_size=2000)
    StationMembership.objects.bulk_create(
        [
            StationMembership(delegate=delegate, station=stations[i % 5000])
            for i, delegate in enumerate(delegates)
        ],
        batch_size=2000,
    )
    units = HandlingUnit.objects.bulk_create(
        [HandlingUnit(name=f"承办单位{i}", level=HandlingUnit.Level.COUNTY) for i in range(2000)]
    )
    Category.objects.create(name="道路交通", default_unit=units[0])
    office = User.objects.create(username="office", role=Role.OFFICE)
    staff = User.objects.create(username="staff", role=Role.STATION_STAFF)
    stations[0].staff.add(staff)
    delegate_user = User.objects.create(username="delegate", role=Role.DELEGATE)
    delegates[0].user = delegate_user
    delegates[0].save(update_fields=["user"])
    del office


def main():
    call_command("migrate", verbosity=0)
    if not Station.objects.exists():
        started = time.perf_counter()
        populate()
        name = connection.settings_dict["NAME"]
        print(f"populated {name} in {time.perf_counter() - started:.0f} s")
    print(
        f"{Region.objects.count()} areas, {Station.objects.count()} stations, "
        f"{Delegate.objects.count()} delegates, {HandlingUnit.objects.count()} units"
    )
    setup_test_environment()
    pages = [
        ("office", "suggestions:desk", {}),
        ("office", "suggestions:desk_new", {}),
        ("staff", "suggestions:desk", {}),
        ("staff", "suggestions:desk_new", {}),
        ("office", "dashboard:ledgers", {}),
        ("office", "delegates:activity_create", {}),
        ("office", "delegates:performance_list", {}),
        ("office", "meetings:create", {}),
        ("office", "meetings:satisfaction", {}),
        (None, "delegates:list", {}),
    ]
    print(f"{'page':40} {'as':7} {'KB':>8} {'options':>8} {'ms p50':>8} {'queries':>8}")
    for who, name, kwargs in pages:
        client = Client()
        if who:
            client.force_login(User.objects.get(username=who))
        url = reverse(name, kwargs=kwargs)
        times, response = [], None
        for _round in range(args.rounds):
            queries_before = len(connection.queries)
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            del queries_before
        body = response.content
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        print(
            f"{url:40} {who or 'public':7} {len(body) / 1024:8.1f} "
            f"{body.count(b'<option'):8d} {statistics.median(times):8.0f} "
            f"{len(queries):8d}  {response.status_code}"
        )


main()
