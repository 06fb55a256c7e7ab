"""Shared machinery of the province-scale data generator (``manage.py generate_scale``).

Each app writes its own rows in bulk (``stations/scale.py``, ``delegates/scale.py``,
``suggestions/scale.py``, ``meetings/scale.py``) through what lives here: a ``BulkWriter``
that streams plain tuples to PostgreSQL's COPY (psycopg 3 ``cursor.copy()``) or to SQLite's
``executemany`` in large batches, an id allocator (rows carry explicit ids so that one table's
rows can point at another's before either is written), a progress bar, and the ``Scale``
context the generators share.

Never imported by the portal's runtime code. Rows are tuples, never model instances: building a
million models with ``full_clean`` takes hours; the generators keep the models' invariants
themselves (the tests check them against the database's constraints and the rollups' check).
"""

import contextlib
import datetime
import json
import sys
import time
import zlib
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from congress_portal.clock import now
from congress_portal.crypto import encrypt, phone_digest

BENCH_PASSWORD = "bench-pass-2026"  # noqa: S105 — the benchmark accounts' published password
EPOCH = datetime.date(1970, 1, 1)
DAY = 86400


# The apps whose tables hold the portal's data (``generate_scale --flush`` empties them; the
# migrations, content types, permissions and the task schedule stay).
DATA_APPS = (
    "accounts",
    "stations",
    "delegates",
    "suggestions",
    "meetings",
    "dashboard",
    "otp_totp",
    "otp_static",
    "admin",
    "axes",
)


def data_models() -> list:
    from django.apps import apps

    models = []
    for label in DATA_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        models += list(config.get_models(include_auto_created=True))
    return models


def through(model, field_name: str):
    """The auto-created model of a many-to-many field (its table and columns)."""
    return model._meta.get_field(field_name).remote_field.through


class Progress:
    """A one-line progress bar on ``stream`` (redrawn at most a few times a second)."""

    WIDTH = 30

    def __init__(self, stream=None, *, enabled: bool = True):
        # Django's OutputWrapper ends every write with a newline: draw on the stream under it.
        self.stream = getattr(stream, "_out", stream) or sys.stdout
        self.enabled = enabled
        # Redrawn in place on a terminal; into a log, one line per finished phase.
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.label, self.total, self.done = "", 0, 0
        self.started = self.phase_started = time.monotonic()
        self.last_draw = 0.0
        self.phases: list[tuple[str, float]] = []

    def phase(self, label: str, total: int = 0) -> None:
        self.finish()
        self.label, self.total, self.done = label, max(total, 0), 0
        self.phase_started = time.monotonic()
        self.draw()

    def advance(self, n: int = 1) -> None:
        self.done += n
        if time.monotonic() - self.last_draw > 0.25:
            self.draw()

    def draw(self, *, final: bool = False) -> None:
        if not self.enabled or not (self.tty or final):
            return
        self.last_draw = time.monotonic()
        elapsed = self.last_draw - self.phase_started
        if self.total:
            share = min(self.done / self.total, 1.0)
            bar = "#" * int(share * self.WIDTH)
            text = (
                f"\r{self.label:<22} [{bar:<{self.WIDTH}}] {share * 100:5.1f}% "
                f"{self.done:>10,}/{self.total:,} {elapsed:6.1f}s"
            )
        else:
            text = f"\r{self.label:<22} {elapsed:6.1f}s"
        self.stream.write(text)
        self.stream.flush()

    def finish(self) -> None:
        if not self.label:
            return
        seconds = time.monotonic() - self.phase_started
        self.phases.append((self.label, seconds))
        if self.total:
            self.done = max(self.done, self.total)
        self.draw(final=True)
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
        self.label = ""


class BulkWriter:
    """Writes tuples to a table: COPY on PostgreSQL, ``executemany`` batches on SQLite.

    Values are what the database's text input takes: str, int, bool, None; times and dates
    come as strings from ``Scale.ts`` / ``Scale.date`` (formatted for this database). Call
    inside one transaction (the command holds it), so a failed run leaves nothing behind.
    """

    BATCH = 20_000

    def __init__(self, progress: Progress | None = None):
        self.vendor = connection.vendor
        self.progress = progress
        self.written: dict[str, int] = {}
        self.models: list = []

    def write(self, model, columns: list[str], rows, *, count_progress: bool = False) -> int:
        """Write ``rows`` (an iterable of tuples in ``columns`` order) to ``model``'s table."""
        if model not in self.models:
            self.models.append(model)
        table = model._meta.db_table
        qn = connection.ops.quote_name
        names = ", ".join(qn(c) for c in columns)
        n = 0
        connection.ensure_connection()
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                raw = cursor.cursor  # the psycopg cursor under Django's wrapper
                with raw.copy(f"COPY {qn(table)} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        n += 1
            else:
                marks = ", ".join(["%s"] * len(columns))
                sql = f"INSERT INTO {qn(table)} ({names}) VALUES ({marks})"  # noqa: S608
                batch = []
                for row in rows:
                    batch.append(row)
                    if len(batch) >= self.BATCH:
                        cursor.executemany(sql, batch)
                        n += len(batch)
                        batch.clear()
                if batch:
                    cursor.executemany(sql, batch)
                    n += len(batch)
        self.written[table] = self.written.get(table, 0) + n
        if count_progress and self.progress is not None:
            self.progress.advance(n)
        return n

    @contextlib.contextmanager
    def indexes_later(self, models):
        """Drop the secondary indexes of ``models``' tables, and build them again at the end.

        Building an index once over a loaded table is several times faster than keeping it
        up to date row by row. Indexes that back a constraint (primary key, UNIQUE) stay, and
        so do all of them on SQLite. DDL is transactional on PostgreSQL: a failed run leaves
        the indexes as they were.
        """
        if self.vendor != "postgresql":
            yield
            return
        tables = [m._meta.db_table for m in models]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
                "FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
                "WHERE t.relname = ANY(%s) AND NOT i.indisprimary AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                [tables],
            )
            indexes = cursor.fetchall()
            # Per-column statistics targets of the indexes (the text index's is raised so
            # that its most common tokens are known: suggestions/search.py) go with DROP INDEX
            # and are put back after CREATE INDEX.
            cursor.execute(
                "SELECT c.relname, a.attnum, a.attstattarget FROM pg_attribute a "
                "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_index i ON i.indexrelid = c.oid "
                "JOIN pg_class t ON t.oid = i.indrelid "
                "WHERE t.relname = ANY(%s) AND a.attstattarget > 0",
                [tables],
            )
            targets = cursor.fetchall()
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {name}")
        yield
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _name, definition in indexes:
                cursor.execute(definition)
            for name, column, target in targets:
                cursor.execute(
                    f"ALTER INDEX {connection.ops.quote_name(name)} "
                    f"ALTER COLUMN {int(column)} SET STATISTICS {int(target)}"
                )

    def reset_sequences(self) -> None:
        """After rows with explicit ids: each table's id sequence continues after its max id."""
        if self.vendor != "postgresql":
            return  # SQLite's rowid allocation looks at the table itself
        from django.core.management.color import no_style

        statements = connection.ops.sequence_reset_sql(no_style(), self.models)
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


class Ids:
    """Explicit ids per table, continuing after what the table already holds."""

    def __init__(self):
        self.next: dict[str, int] = {}

    def prime(self, models) -> None:
        """Read where each table's ids stand, before any COPY: no query may run on the
        connection while a COPY streams (it would wait for the COPY, which waits for it)."""
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            for model in models:
                if model._meta.pk.get_internal_type() not in ("AutoField", "BigAutoField"):
                    continue
                table = model._meta.db_table
                cursor.execute(f"SELECT MAX({qn(model._meta.pk.column)}) FROM {qn(table)}")  # noqa: S608
                self.next[table] = (cursor.fetchone()[0] or 0) + 1

    def take(self, model, n: int = 1) -> int:
        """Reserve ``n`` consecutive ids of ``model``; returns the first."""
        table = model._meta.db_table
        first = self.next[table]
        self.next[table] += n
        return first


@dataclass
class Sizes:
    suggestions: int = 1_000_000
    stations: int = 5_000
    delegates: int = 20_000


@dataclass
class Scale:
    """What the generators share: the random source, the clock, the writer, and the ids and
    facts one app's rows hand to the next (stations → delegates → suggestions → meetings)."""

    sizes: Sizes
    rng: object
    writer: BulkWriter
    progress: Progress
    ids: Ids = field(default_factory=Ids)
    password_hash: str = ""
    # The moment of the run, whole seconds (UTC epoch), and local dates.
    now: int = 0
    offset: int = 0  # local time minus UTC, seconds
    today: datetime.date = EPOCH
    vendor: str = "sqlite"
    # Facts handed on between the apps' generators (plain lists and dicts of ids).
    facts: dict = field(default_factory=dict)
    users: list[tuple] = field(default_factory=list)
    user_names: dict[int, str] = field(default_factory=dict)
    # Told of every suggestion's final state and trail as it is generated (the command uses
    # it to compute the rollups' per-suggestion figures on the way, see generate_scale).
    observer: object = None

    @classmethod
    def start(cls, *, sizes: Sizes, seed: int, progress: Progress) -> "Scale":
        import random

        from django.contrib.auth.hashers import make_password

        moment = now()
        zone = ZoneInfo(settings.TIME_ZONE)
        offset = int(moment.astimezone(zone).utcoffset().total_seconds())
        epoch = int(moment.timestamp())
        scale = cls(
            sizes=sizes,
            rng=random.Random(seed),  # noqa: S311 — synthetic data, reproducible by seed
            writer=BulkWriter(progress),
            progress=progress,
            # Hashed once: hashing per generated account would take hours.
            password_hash=make_password(BENCH_PASSWORD),
            now=epoch,
            offset=offset,
            today=EPOCH + datetime.timedelta(days=(epoch + offset) // DAY),
            vendor=connection.vendor,
        )
        scale.ids.prime(data_models())
        return scale

    # -- times ----------------------------------------------------------------------------

    def ts(self, epoch: int | None) -> str | None:
        """A UTC epoch as this database's timestamp text."""
        if epoch is None:
            return None
        text = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))
        return text + "+00" if self.vendor == "postgresql" else text

    def local_date(self, epoch: int) -> datetime.date:
        return EPOCH + datetime.timedelta(days=(epoch + self.offset) // DAY)

    def at(self, day: datetime.date, hour: int = 0, minute: int = 0, second: int = 0) -> int:
        """The UTC epoch of a local date and time."""
        return (day - EPOCH).days * DAY + hour * 3600 + minute * 60 + second - self.offset

    @staticmethod
    def date(day: datetime.date | None) -> str | None:
        return None if day is None else day.isoformat()

    @staticmethod
    def json(value) -> str:
        return json.dumps(value, ensure_ascii=False)

    # -- accounts -------------------------------------------------------------------------

    USER_COLUMNS = [
        "id",
        "password",
        "last_login",
        "is_superuser",
        "username",
        "first_name",
        "last_name",
        "email",
        "is_staff",
        "is_active",
        "date_joined",
        "role",
        "full_name",
        "phone",
        "password_changed_at",
    ]

    def user(self, username: str, role: str, full_name: str, *, is_staff: bool = False) -> int:
        """Reserve an account (written by ``write_users``); every one has the bench password."""
        from accounts.models import User

        pk = self.ids.take(User)
        moment = self.ts(self.now)
        self.user_names[pk] = full_name
        self.users.append(
            (
                pk,
                self.password_hash,
                None,
                False,
                username,
                "",
                "",
                "",
                is_staff,
                True,
                moment,
                role,
                full_name,
                "",
                moment,
            )
        )
        return pk

    def write_users(self) -> None:
        from accounts.models import User

        self.writer.write(User, self.USER_COLUMNS, self.users)
        self.users = []


class Names:
    """Chinese personal names from a seeded random source (the demo's pools, wider)."""

    SURNAMES = list(
        "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
    )
    GIVEN = list(
        "建华国强丽娟明军平秀英志刚伟芳敏静海燕红霞鹏飞玉兰春梅德福永胜文斌立新晓东宏亮佳慧俊杰婷雪峰磊洋勇艳超辉琳欣桂珍淑云凤霞"
    )

    def __init__(self, rng):
        self.rng = rng

    def person(self) -> str:
        rng = self.rng
        given = rng.choice(self.GIVEN)
        if rng.random() < 0.7:
            given += rng.choice(self.GIVEN)
        return rng.choice(self.SURNAMES) + given

    def phone(self) -> str:
        return f"1{self.rng.choice('3589')}{self.rng.randint(100000000, 999999999)}"


class Sealed:
    """Ciphertexts (and phone digests) for the encrypted columns, each distinct value encrypted
    once. A Fernet token costs ~0.1 ms (measured on 20,000 rows): three a row and a digest
    would make a million suggestions ~5 minutes slower; sealed, the pool's 20,000 tokens cost
    ~2 s and the rest of the rows a dictionary lookup each. Up to ``cap`` distinct values of
    each kind are kept; past it a value is replaced by one already sealed (chosen by its CRC,
    so the run stays deterministic), which is fine for synthetic residents: the rows decrypt
    like real ones, with fewer distinct phones."""

    def __init__(self, cap: int = 10_000):
        self.cap = cap
        self.tokens: dict[str, str] = {}
        self.pool: list[str] = []
        self.phones: dict[str, tuple[str, str]] = {}
        self.phone_pool: list[tuple[str, str]] = []

    def text(self, value: str) -> str:
        if not value:
            return ""
        token = self.tokens.get(value)
        if token is None:
            if len(self.pool) >= self.cap:
                return self.pool[zlib.crc32(value.encode()) % len(self.pool)]
            token = self.tokens[value] = encrypt(value)
            self.pool.append(token)
        return token

    def phone(self, value: str) -> tuple[str, str]:
        """(token, keyed digest) of a phone number."""
        if not value:
            return "", ""
        sealed = self.phones.get(value)
        if sealed is None:
            if len(self.phone_pool) >= self.cap:
                pool = self.phone_pool
                return pool[zlib.crc32(value.encode()) % len(pool)]
            sealed = self.phones[value] = (encrypt(value), phone_digest(value))
            self.phone_pool.append(sealed)
        return sealed
