"""Province-scale rows of the suggestions app (``manage.py generate_scale``).

Handling units at every level with a staff account each, the categories, and suggestions over
the last three years (more recent ones more numerous) walked along the loop to a state that
fits their age — most closed, some reopened, some overdue with a unit — with the event trail
each state implies, exactly as the services write it (verbs, from/to states, actors and their
snapshots, the ``data`` the rollups read), their ratings, deadline extensions and deadlines in
official working days. Streamed in chunks: a chunk's suggestions, then its events.
"""

import bisect
import datetime
from collections import deque

from django.conf import settings

from accounts.models import Role
from congress_portal.scale import Names, Scale, Sealed, through
from stations.workdays import WorkCalendar

from .codes import ALPHABET, LENGTH
from .demo import CATEGORIES, EXPLANATIONS, ON_SPOT, REPLIES, TOPICS
from .models import (
    Category,
    Channel,
    DeadlineExtension,
    FeedbackChannel,
    HandlingUnit,
    Outcome,
    Rating,
    RatingValue,
    State,
    Suggestion,
    SuggestionEvent,
    Verb,
)

DEPARTMENTS = [
    "交通运输局",
    "住房和城乡建设局",
    "农业农村局",
    "城市管理综合执法局",
    "生态环境分局",
    "人力资源和社会保障局",
    "教育和体育局",
    "水务局",
]
# category → the department that usually takes it (None: the street or township government)
CATEGORY_DEPARTMENT = {
    "道路交通": 0,
    "环境卫生": 3,
    "城市建设管理": 1,
    "物业管理": 1,
    "产业发展": 2,
    "集体经济": None,
    "民风教化": None,
    "社会保障": 5,
    "教育卫生": 6,
}
CHANNELS = [
    (Channel.ONLINE, 34),
    (Channel.RECEPTION_DAY, 16),
    (Channel.VISIT, 15),
    (Channel.PHONE, 12),
    (Channel.WECHAT, 12),
    (Channel.LETTER, 5),
    (Channel.MEETING, 6),
]
# (upper bound of the age in days, {final state: weight})
AGES = [
    (1, {"submitted": 70, "accepted": 25, "merged": 5}),
    (
        7,
        {
            "submitted": 25,
            "accepted": 30,
            "dispatched": 20,
            "in_progress": 10,
            "replied": 10,
            "merged": 5,
        },
    ),
    (
        20,
        {
            "submitted": 3,
            "accepted": 10,
            "dispatched": 8,
            "in_progress": 30,
            "unit_replied": 12,
            "replied": 20,
            "closed": 12,
            "merged": 5,
        },
    ),
    (
        60,
        {
            "accepted": 3,
            "dispatched": 2,
            "in_progress": 14,
            "unit_replied": 5,
            "replied": 4,
            "closed": 67,
            "merged": 5,
        },
    ),
    (10**6, {"closed": 92, "in_progress": 1.5, "accepted": 0.5, "unit_replied": 0.5, "merged": 5}),
]
EXTENSION_REASONS = ["涉及跨部门协调，需要更多时间。", "需列入资金计划，施工周期较长。"]
SEND_BACK = "答复内容不具体，请补充办理结果和完成时间。"
URGE = "请抓紧办理并及时反馈。"
RATING_COMMENTS = ["", "", "", "感谢代表！", "办得很快，满意。"]
REOPEN_COMMENTS = ["问题没有根本解决，雨后又出现了。", "答复与实际不符。"]
HOUR = 3600
DAY = 86400
CHUNK = 20_000

SUGGESTION_COLUMNS = [
    "id",
    "tracking_code",
    "title",
    "content",
    "category_id",
    "station_id",
    "place_id",
    "address",
    "submitter_name",
    "submitter_phone",
    "submitter_phone_digest",
    "consent_disclosure",
    "contact_erased_at",
    "channel",
    "reception_day_id",
    "diary_entry_id",
    "entered_by_id",
    "state",
    "outcome",
    "delegate_id",
    "handling_unit_id",
    "deadline",
    "unit_reply",
    "reply",
    "feedback_channel",
    "rating",
    "reopen_count",
    "merged_into_id",
    "submitted_at",
    "submitted_month",
    "accepted_at",
    "dispatched_at",
    "unit_replied_at",
    "replied_at",
    "closed_at",
    "updated_at",
    "submission_key",
    "version",
]
EVENT_COLUMNS = [
    "id",
    "suggestion_id",
    "verb",
    "from_state",
    "to_state",
    "actor_id",
    "actor_role",
    "actor_label",
    "note",
    "channel",
    "is_public",
    "data",
    "created_at",
]


def generate_units(scale: Scale) -> None:
    """Departments of every city and district, a government per street or township, each
    with one staff account; the categories."""
    facts = scale.facts
    rows, member_rows = [], []
    m2m = through(HandlingUnit, "members")
    names = Names(scale.rng)

    def unit(name, level, region, username=None):
        pk = scale.ids.take(HandlingUnit)
        rows.append(
            (
                pk,
                name,
                level,
                None,
                region,
                names.person(),
                f"0931-{scale.rng.randint(2000000, 8999999)}",
                True,
            )
        )
        user = scale.user(username or f"unit-{pk}", Role.UNIT_STAFF, f"{name} {names.person()}")
        member_rows.append((scale.ids.take(m2m), pk, user))
        return pk, user, name

    city_units = {}
    from stations.scale import CITIES

    for index, city in enumerate(facts["cities"]):
        city_units[index] = [
            unit(f"{CITIES[index]}{d}", HandlingUnit.Level.CITY, city) for d in DEPARTMENTS
        ]
    district_units = {}
    for district, name in facts["districts"]:
        district_units[name] = [
            unit(f"{name}{d}", HandlingUnit.Level.COUNTY, district) for d in DEPARTMENTS
        ]
    street_units = {}
    for index, (street_id, street, kind, district, _c) in enumerate(facts["streets"]):
        office = "人民政府" if kind == "township" else "办事处"
        street_units[street_id] = unit(
            f"{district}{street}{office}",
            HandlingUnit.Level.TOWNSHIP,
            street_id,
            "bench-unit" if index == 0 else None,
        )
    scale.writer.write(
        HandlingUnit,
        [
            "id",
            "name",
            "level",
            "parent_id",
            "region_id",
            "contact_name",
            "contact_phone",
            "is_active",
        ],
        rows,
    )
    scale.writer.write(m2m, ["id", "handlingunit_id", "user_id"], member_rows)
    categories = []
    for position, (name, words, _unit) in enumerate(CATEGORIES):
        categories.append((scale.ids.take(Category), name, words, None, position, True))
    scale.writer.write(
        Category,
        ["id", "name", "description", "default_unit_id", "position", "is_active"],
        categories,
    )
    facts["categories"] = [(pk, name) for pk, name, *_ in categories]
    facts["city_units"] = city_units
    facts["district_units"] = district_units
    facts["street_units"] = street_units


class _Deadlines:
    """``add_workdays`` on the official calendar, remembered per (date, working days)."""

    def __init__(self):
        self.calendar = WorkCalendar()
        self.cache: dict = {}

    def __call__(self, day: datetime.date, workdays: int) -> datetime.date:
        key = (day, workdays)
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = self.calendar.add_workdays(day, workdays)
        return found


def generate_suggestions(scale: Scale) -> None:
    """``scale.sizes.suggestions`` suggestions with their events, ratings and extensions."""
    Generator(scale).run()


class Generator:
    def __init__(self, scale: Scale):
        self.scale = scale
        self.rng = scale.rng
        self.names = Names(scale.rng)
        self.sealed = Sealed()
        self.facts = scale.facts
        self.deadline = _Deadlines()
        self.codes: set[str] = set()
        facts = self.facts
        info = facts["station_info"]
        self.stations = list(info)
        busiest = facts["homes"][0]
        weights = []
        for station in self.stations:
            _street, _community, home, active = info[station]
            weight = (4.0 if home == station else 1.0) * self.rng.lognormvariate(0, 0.6)
            if station == busiest:
                weight *= 40
            weights.append(weight if active else weight * 0.1)
        self.cum_weights = []
        total = 0.0
        for weight in weights:
            total += weight
            self.cum_weights.append(total)
        self.district_of_street = facts["district_of_street"]
        self.city_index = {}
        district_index = {name: i for i, (_pk, name) in enumerate(facts["districts"])}
        for street_id, district in self.district_of_street.items():
            self.city_index[street_id] = district_index[district] % len(facts["cities"])
        self.communities = {s[0]: s[4] for s in facts["streets"]}
        self.community_names = {pk: name for s in facts["streets"] for pk, name in s[4]}
        self.categories = facts["categories"]
        self.channel_values = [c for c, _ in CHANNELS]
        self.channel_cum = []
        total = 0
        for _c, w in CHANNELS:
            total += w
            self.channel_cum.append(total)
        self.ages = [
            (limit, list(states), _cumulative(list(states.values()))) for limit, states in AGES
        ]
        self.last_at_station: dict[int, tuple[int, str, str]] = {}
        # For the meetings: a few recent answered and open suggestions per station.
        self.answered: dict[int, deque] = {}
        self.open: dict[int, deque] = {}
        self.auto_close_days = settings.PORTAL_AUTO_CLOSE_DAYS
        ts = scale.ts
        self.ts = ts
        self.event_id = 0
        self.ok = 0

    # -- the run ---------------------------------------------------------------------------

    def run(self) -> None:
        scale = self.scale
        n = scale.sizes.suggestions
        start = scale.now - 3 * 365 * DAY
        span = scale.now - 300 - start
        first = scale.ids.take(Suggestion, n)
        suggestion_rows, events, ratings, extensions = [], [], [], []
        writer = scale.writer
        for index in range(n):
            # Submission times in id order, denser towards today (linear growth ×2 over 3 years).
            q = (index + self.rng.random()) / n
            x = ((1 + 8 * q) ** 0.5 - 1) / 2  # inverse of the CDF (x + x²)/2 on [0, 1]
            submitted = start + int(span * x)
            suggestion_rows.append(self.one(first + index, submitted, events, ratings, extensions))
            if len(suggestion_rows) >= CHUNK or index == n - 1:
                writer.write(Suggestion, SUGGESTION_COLUMNS, suggestion_rows)
                self._number(events, SuggestionEvent)
                writer.write(SuggestionEvent, EVENT_COLUMNS, events)
                self._number(ratings, Rating)
                writer.write(
                    Rating, ["id", "suggestion_id", "value", "comment", "created_at"], ratings
                )
                self._number(extensions, DeadlineExtension)
                writer.write(
                    DeadlineExtension,
                    [
                        "id",
                        "suggestion_id",
                        "workdays",
                        "reason",
                        "status",
                        "requested_by_id",
                        "requested_at",
                        "decided_by_id",
                        "decided_at",
                    ],
                    extensions,
                )
                if scale.observer is not None:
                    scale.observer.flush()
                scale.progress.advance(len(suggestion_rows))
                suggestion_rows, events, ratings, extensions = [], [], [], []
        self.facts["answered"] = {k: list(v) for k, v in self.answered.items()}
        self.facts["open"] = {k: list(v) for k, v in self.open.items()}
        self.facts["suggestions"] = (first, n)

    def _number(self, rows: list, model) -> None:
        """Give the chunk's rows (lists with a placeholder id) their ids, in order."""
        if not rows:
            return
        first = self.scale.ids.take(model, len(rows))
        for offset, row in enumerate(rows):
            row[0] = first + offset

    # -- one suggestion ---------------------------------------------------------------------

    def code(self) -> str:
        while True:
            code = "".join(self.rng.choices(ALPHABET, k=LENGTH))
            if code not in self.codes:
                self.codes.add(code)
                return code

    def one(self, pk: int, submitted: int, events: list, ratings: list, extensions: list) -> tuple:
        rng, scale, facts = self.rng, self.scale, self.facts
        station = self.stations[
            bisect.bisect(self.cum_weights, rng.random() * self.cum_weights[-1])
        ]
        street, community, home, _active = facts["station_info"][station]
        if community is None:
            choices = self.communities[street]
            community = choices[int(rng.random() * len(choices))][0]
        place_name = self.community_names[community]
        category_id, category = self.categories[int(rng.random() * len(self.categories))]
        title, content = TOPICS[category][int(rng.random() * len(TOPICS[category]))]
        title, content = title.format(place=place_name), content.format(place=place_name)
        channel = self.channel_values[
            bisect.bisect(self.channel_cum, rng.random() * self.channel_cum[-1])
        ]
        day = scale.local_date(submitted)
        reception_day = None
        if channel == Channel.RECEPTION_DAY:
            reception_day = self._reception_day(station, home, day)
            if reception_day is None:
                channel = Channel.VISIT
        staff = facts["staff_of_home"][home]
        entered_by = None if channel == Channel.ONLINE else staff
        anonymous = rng.random() < 0.15
        age = (scale.now - submitted) / DAY
        for limit, states, cum in self.ages:
            if age < limit:
                target = states[bisect.bisect(cum, rng.random() * cum[-1])]
                break
        merged_into = None
        if target == "merged":
            previous = self.last_at_station.get(station)
            if previous is None:
                target = "submitted"
            else:
                merged_into, into_code, into_title = previous
        handlers = facts["handlers_of_station"].get(station) or facts["handlers_of_station"][home]
        delegate, delegate_user, delegate_name = handlers[int(rng.random() * len(handlers))]
        code = self.code()
        s = _Walk(self, pk, submitted, channel, entered_by, staff)
        s.submit()
        if target == "merged":
            s.merge(merged_into, into_code, into_title)
        elif target != "submitted":
            s.take(delegate, delegate_user, delegate_name, assign=rng.random() < 0.15)
            self._walk(s, target, station, street, category, place_name, age)
        s.emit(events, ratings, extensions)
        if scale.observer is not None:
            scale.observer.suggestion(pk, submitted, s.state, s.unit, s.deadline, s.trail)
        if target != "merged":
            self.last_at_station[station] = (pk, code, title)
        if s.state in (State.REPLIED, State.CLOSED) and s.replied_at:
            self.answered.setdefault(station, deque(maxlen=12)).append((pk, s.replied_at))
        elif s.state in (State.SUBMITTED, State.ACCEPTED, State.DISPATCHED, State.IN_PROGRESS):
            self.open.setdefault(station, deque(maxlen=8)).append(pk)
        ts = self.ts
        last = s.times[-1]
        return (
            pk,
            code,
            title,
            content,
            category_id,
            station,
            community,
            self.sealed.text(
                f"{place_name}{rng.randint(1, 30)}号附近" if rng.random() < 0.5 else ""
            ),
            self.sealed.text("" if anonymous else self.names.person()),
            *self.sealed.phone("" if anonymous else self.names.phone()),
            rng.random() < 0.7,
            None,
            channel,
            reception_day,
            None,
            entered_by,
            s.state,
            s.outcome,
            s.delegate,
            s.unit,
            scale.date(s.deadline),
            s.unit_reply,
            s.reply,
            s.feedback_channel,
            s.rating,
            s.reopen_count,
            merged_into,
            ts(submitted),
            day.replace(day=1).isoformat(),
            ts(s.accepted_at),
            ts(s.dispatched_at),
            ts(s.unit_replied_at),
            ts(s.replied_at),
            ts(s.closed_at),
            ts(last),
            None,
            s.version,
        )

    def _reception_day(self, station, home, day):
        if station != home:
            return None
        dates = self.facts["reception_dates"]
        days = self.facts["reception_days"][home]
        m = bisect.bisect_right(dates, day) - 1
        while m >= 0 and day - dates[m] < datetime.timedelta(days=45):
            if days[m][2]:
                return days[m][1]
            m -= 1
        return None

    def _unit(self, street: int, category: str):
        rng = self.rng
        department = CATEGORY_DEPARTMENT[category]
        roll = rng.random()
        if department is None or roll < 0.45:
            return self.facts["street_units"][street]
        if roll < 0.9:
            return self.facts["district_units"][self.district_of_street[street]][department]
        return self.facts["city_units"][self.city_index[street]][department]

    def _walk(self, s: "_Walk", target: str, station, street, category, place_name, age) -> None:
        rng = self.rng
        if target == "accepted":
            if age > 20 and rng.random() < 0.15:  # reopened, waiting for the delegate again
                unit = self._unit(street, category)
                self._dispatch_round(s, unit, place_name, "replied")
                s.rate(RatingValue.UNSATISFIED)
            return
        if target in ("replied", "closed"):
            roll = rng.random()
            if roll < 0.38:
                s.answer(Verb.HANDLE_ON_SPOT, rng.choice(ON_SPOT))
            elif (roll < 0.46 and target == "closed") or roll < 0.42:
                s.answer(Verb.EXPLAIN, rng.choice(EXPLANATIONS))
            else:
                unit = self._unit(street, category)
                rounds = 1
                if target == "closed" and age > 60:
                    extra = rng.random()
                    rounds = 3 if extra < 0.01 else (2 if extra < 0.07 else 1)
                for number in range(rounds):
                    self._dispatch_round(s, unit, place_name, "replied")
                    if number < rounds - 1:
                        s.rate(RatingValue.UNSATISFIED)
            if target == "closed":
                if rng.random() < 0.82 or age < 40:
                    value = RatingValue.SATISFIED if rng.random() < 0.83 else RatingValue.BASIC
                    s.rate(value)
                else:
                    s.auto_close(self.auto_close_days)
            return
        unit = self._unit(street, category)
        self._dispatch_round(s, unit, place_name, target)

    def _dispatch_round(self, s: "_Walk", unit, place_name, target) -> None:
        rng = self.rng
        s.dispatch(unit, rng.choice((10, 15, 15, 15, 20)))
        if target == "dispatched":
            return
        s.acknowledge()
        if rng.random() < 0.06:
            s.extension(
                rng.choice((5, 10)),
                approve=rng.random() < 0.8,
                pending=target == "in_progress" and rng.random() < 0.3,
            )
        if target == "in_progress":
            if rng.random() < 0.4:
                s.urge()
            return
        reply = rng.choice(REPLIES).format(unit=unit[2], place=place_name)
        s.reply_by_unit(reply)
        if rng.random() < 0.05 and target != "unit_replied":
            s.send_back()
            s.reply_by_unit(reply)
        if target == "unit_replied":
            return
        s.publish(rng.choice(FeedbackChannel.values[:3]))


def _cumulative(weights):
    out, total = [], 0.0
    for weight in weights:
        total += weight
        out.append(total)
    return out


class _Walk:
    """One suggestion's steps along the loop: the state they leave it in, and its events."""

    def __init__(self, gen: Generator, pk, submitted, channel, entered_by, staff):
        self.gen = gen
        self.rng = gen.rng
        self.pk = pk
        self.channel = channel
        self.entered_by = entered_by
        self.staff = staff
        self.state = State.SUBMITTED
        self.outcome = ""
        self.delegate = self.delegate_user = None
        self.delegate_name = ""
        self.unit = self.unit_user = None
        self.unit_name = ""
        self.deadline = None
        self.unit_reply_text = ""
        self.unit_reply = ""
        self.reply = ""
        self.feedback_channel = ""
        self.rating = ""
        self.reopen_count = 0
        self.accepted_at = self.dispatched_at = self.unit_replied_at = None
        self.replied_at = self.closed_at = None
        self.version = 1
        # Steps are planned first (delays), timed at the end so that they fit before now.
        self.steps: list = []
        self.delays: list[int] = []
        self.times: list[int] = [submitted]
        self.submitted = submitted

    def step(
        self,
        delay_days: float,
        verb,
        to_state,
        actor,
        role,
        label,
        note="",
        channel="",
        public=True,
        data=None,
        after=None,
    ):
        jitter = int(delay_days * DAY * (0.5 + self.rng.random())) + 60
        self.delays.append(jitter)
        self.steps.append(
            [verb, self.state, to_state, actor, role, label, note, channel, public, data, after]
        )
        if to_state != self.state or after:
            self.version += 1
        self.state = to_state

    def submit(self):
        actor = self.entered_by
        self.steps.append(
            [
                Verb.SUBMIT,
                "",
                State.SUBMITTED,
                actor,
                "station_staff" if actor else "resident",
                "" if not actor else None,
                "",
                self.channel,
                True,
                None,
                None,
            ]
        )
        self.delays.append(0)

    def merge(self, into, code, title):
        self.step(
            0.5,
            Verb.MERGE,
            State.MERGED,
            self.staff,
            "station_staff",
            None,
            "同一问题，合并办理",
            data={"into": code, "into_title": title},
            after="closed",
        )

    def take(self, delegate, user, name, *, assign):
        self.delegate, self.delegate_user, self.delegate_name = delegate, user, name
        if assign:
            self.step(
                1,
                Verb.ASSIGN,
                State.ACCEPTED,
                self.staff,
                "station_staff",
                None,
                data={"delegate": name},
                after="accepted",
            )
        else:
            self.step(
                1,
                Verb.ACCEPT,
                State.ACCEPTED,
                user,
                "delegate",
                name,
                data={"delegate": name},
                after="accepted",
            )
        self.outcome = ""

    def answer(self, verb, text):
        channel = FeedbackChannel.ON_SITE if verb == Verb.HANDLE_ON_SPOT else FeedbackChannel.PHONE
        self.outcome = Outcome.ON_SPOT if verb == Verb.HANDLE_ON_SPOT else Outcome.EXPLAINED
        self.reply, self.feedback_channel = text, channel
        delay = 0.05 if verb == Verb.HANDLE_ON_SPOT else 2
        self.step(
            delay,
            verb,
            State.REPLIED,
            self.delegate_user,
            "delegate",
            self.delegate_name,
            text,
            channel,
            after="replied",
        )

    def dispatch(self, unit, workdays):
        self.unit, self.unit_user, self.unit_name = unit
        self.outcome = Outcome.DISPATCHED
        self.unit_reply = ""
        self.step(
            1.5,
            Verb.DISPATCH,
            State.DISPATCHED,
            self.delegate_user,
            "delegate",
            self.delegate_name,
            data={"unit": self.unit_name, "workdays": workdays},
            after=("dispatch", workdays),
        )

    def acknowledge(self):
        self.step(
            1,
            Verb.ACKNOWLEDGE,
            State.IN_PROGRESS,
            self.unit_user,
            "unit_staff",
            None,
            data={"unit": self.unit_name},
        )

    def extension(self, workdays, *, approve, pending):
        reason = self.rng.choice(EXTENSION_REASONS)
        self.step(
            6,
            Verb.REQUEST_EXTENSION,
            self.state,
            self.unit_user,
            "unit_staff",
            None,
            reason,
            public=False,
            data={"workdays": workdays},
            after=("request", workdays, reason, pending),
        )
        if pending:
            return
        self.step(
            1,
            Verb.DECIDE_EXTENSION,
            self.state,
            self.delegate_user,
            "delegate",
            self.delegate_name,
            public=approve,
            data={"approved": approve, "workdays": workdays},
            after=("decide", workdays, approve),
        )

    def urge(self):
        self.step(
            14,
            Verb.URGE,
            self.state,
            self.delegate_user,
            "delegate",
            self.delegate_name,
            URGE,
            public=False,
            data={"unit": self.unit_name},
            after=("urge",),
        )

    def reply_by_unit(self, text):
        self.unit_reply = text
        self.step(
            9,
            Verb.UNIT_REPLY,
            State.UNIT_REPLIED,
            self.unit_user,
            "unit_staff",
            None,
            text,
            public=False,
            data={"unit": self.unit_name},
            after=("unit_reply",),
        )

    def send_back(self):
        self.step(
            1.5,
            Verb.SEND_BACK,
            State.IN_PROGRESS,
            self.delegate_user,
            "delegate",
            self.delegate_name,
            SEND_BACK,
            public=False,
            data={"unit": self.unit_name},
        )

    def publish(self, channel):
        self.reply, self.feedback_channel = self.unit_reply, channel
        self.step(
            1.5,
            Verb.PUBLISH,
            State.REPLIED,
            self.delegate_user,
            "delegate",
            self.delegate_name,
            self.unit_reply,
            channel,
            data={"unit": self.unit_name},
            after="replied",
        )

    def rate(self, value):
        self.rating = value
        if value == RatingValue.UNSATISFIED:
            self.reopen_count += 1
            self.outcome = ""
            comment = self.rng.choice(REOPEN_COMMENTS)
            self.step(
                4,
                Verb.REOPEN,
                State.ACCEPTED,
                None,
                "resident",
                "",
                comment,
                data={"rating": value},
                after=("rating", value, comment),
            )
        else:
            comment = self.rng.choice(RATING_COMMENTS)
            self.step(
                4,
                Verb.RATE,
                State.CLOSED,
                None,
                "resident",
                "",
                comment,
                data={"rating": value},
                after=("rating", value, comment),
            )

    def auto_close(self, days):
        self.step(
            days - 0.5,
            Verb.AUTO_CLOSE,
            State.CLOSED,
            None,
            "system",
            "",
            data={"days": days},
            after="closed",
        )

    # -- timing and rows ----------------------------------------------------------------------

    def emit(self, events: list, ratings: list, extensions: list) -> None:
        gen = self.gen
        scale = gen.scale
        ts = gen.ts
        available = scale.now - 60 - self.submitted
        total = sum(self.delays)
        if total > available > 0:
            factor = available / total
            delays = [max(int(d * factor), 1) if d else 0 for d in self.delays]
        else:
            delays = self.delays
        moment = self.submitted
        user_names = scale.user_names
        self.trail = []  # (verb, data, moment) for ``scale.observer``
        pending_extension = None
        for (
            verb,
            from_state,
            to_state,
            actor,
            role,
            label,
            note,
            channel,
            public,
            data,
            after,
        ), delay in zip(self.steps, delays, strict=True):
            moment += delay
            if verb != Verb.SUBMIT:
                self.times.append(moment)
            if label is None:
                label = user_names[actor]
            if after is not None:
                kind = after if isinstance(after, str) else after[0]
                if kind == "accepted":
                    self.accepted_at = moment
                elif kind == "replied":
                    self.replied_at = moment
                elif kind == "closed":
                    self.closed_at = moment
                elif kind == "dispatch":
                    self.dispatched_at = moment
                    self.deadline = gen.deadline(scale.local_date(moment), after[1])
                    data = {**data, "deadline": self.deadline.isoformat()}
                elif kind == "unit_reply":
                    self.unit_replied_at = moment
                    data = {**data, "on_time": scale.local_date(moment) <= self.deadline}
                elif kind == "urge":
                    data = {**data, "overdue": scale.local_date(moment) > self.deadline}
                elif kind == "request":
                    _k, workdays, reason, _pending = after
                    pending_extension = [
                        None,
                        self.pk,
                        workdays,
                        reason,
                        DeadlineExtension.Status.PENDING,
                        actor,
                        ts(moment),
                        None,
                        None,
                    ]
                    extensions.append(pending_extension)
                elif kind == "decide":
                    _k, workdays, approve = after
                    pending_extension[4] = (
                        DeadlineExtension.Status.APPROVED
                        if approve
                        else DeadlineExtension.Status.REJECTED
                    )
                    pending_extension[7] = actor
                    pending_extension[8] = ts(moment)
                    if approve:
                        self.deadline = gen.deadline(self.deadline, workdays)
                        data = {**data, "deadline": self.deadline.isoformat()}
                elif kind == "rating":
                    _k, value, comment = after
                    ratings.append([None, self.pk, value, comment, ts(moment)])
                    if value != RatingValue.UNSATISFIED:
                        self.closed_at = moment
            self.trail.append((verb, data, moment))
            events.append(
                [
                    None,
                    self.pk,
                    verb,
                    from_state,
                    to_state,
                    actor,
                    role,
                    label,
                    note,
                    channel,
                    public,
                    scale.json(data or {}),
                    ts(moment),
                ]
            )
