"""The staff desk's steps: for each verb of the loop, the form it needs, who is offered it, and
the one service it calls. Offering is a courtesy that keeps impossible buttons off the page;
the service decides, with the row locked, whether the step is allowed.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core import signing
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connections
from django.db.models import Q
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Role

from . import forms, services
from .models import OPEN_STATES, WITH_UNIT_STATES, DeadlineExtension, State
from .selectors import overdue_condition, suggestions_visible_to, user_delegate


def is_holder(suggestion, user) -> bool:
    """The office, or the delegate who took the suggestion."""
    if user.is_office:
        return True
    delegate = user_delegate(user)
    return delegate is not None and suggestion.delegate_id == delegate.pk


def is_unit(suggestion, user) -> bool:
    return (
        user.role == Role.UNIT_STAFF
        and suggestion.handling_unit_id is not None
        and any(unit.pk == suggestion.handling_unit_id for unit in user.handling_units.all())
    )


def pending_extension(suggestion):
    return suggestion.extensions.filter(status=DeadlineExtension.Status.PENDING).first()


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    offered: Callable  # (suggestion, user) -> bool
    run: Callable  # (suggestion, user, cleaned_data) -> success message
    form_class: type | None = None
    form_kwargs: Callable = field(default=lambda suggestion, user: {})
    tone: str = "primary"  # primary | secondary | danger
    intro: str = ""

    def build_form(self, suggestion, user, data=None, files=None):
        if self.form_class is None:
            return None
        kwargs = self.form_kwargs(suggestion, user)
        return self.form_class(data, files, prefix=self.name, **kwargs)


def _accept(suggestion, user, data):
    services.suggestion_accept(suggestion=suggestion, actor=user)
    return gettext("You have taken this suggestion. Decide how it is handled below.")


def _assign(suggestion, user, data):
    services.suggestion_assign(suggestion=suggestion, delegate=data["delegate"], actor=user)
    return gettext("Handed to %(name)s.") % {"name": data["delegate"].name}


def _reassign(suggestion, user, data):
    services.suggestion_reassign(
        suggestion=suggestion, delegate=data["delegate"], actor=user, note=data["note"]
    )
    return gettext("Reassigned to %(name)s.") % {"name": data["delegate"].name}


def _on_spot(suggestion, user, data):
    services.suggestion_handle_on_spot(
        suggestion=suggestion,
        actor=user,
        result=data["text"],
        feedback_channel=data["feedback_channel"],
    )
    return gettext("Recorded as handled on the spot; the resident can now rate it.")


def _explain(suggestion, user, data):
    services.suggestion_explain(
        suggestion=suggestion,
        actor=user,
        reason=data["text"],
        feedback_channel=data["feedback_channel"],
    )
    return gettext("The explanation is recorded; the resident can now rate it.")


def _dispatch(suggestion, user, data):
    result = services.suggestion_dispatch(
        suggestion=suggestion,
        actor=user,
        unit=data["unit"],
        workdays=data["workdays"],
        note=data["note"],
    )
    return gettext("Dispatched to %(unit)s, due %(deadline)s.") % {
        "unit": result.handling_unit.name,
        "deadline": result.deadline.isoformat(),
    }


def _merge(suggestion, user, data):
    services.suggestion_merge(
        suggestion=suggestion, into=data["into"], actor=user, note=data["note"]
    )
    return gettext("Merged into %(code)s. Its resident now follows that suggestion.") % {
        "code": data["into"].formatted_code
    }


def _acknowledge(suggestion, user, data):
    services.suggestion_acknowledge(suggestion=suggestion, actor=user)
    return gettext("Acknowledged. Reply with the result before the deadline.")


def _refuse(suggestion, user, data):
    services.suggestion_refuse(suggestion=suggestion, actor=user, reason=data["text"])
    return gettext("Refused. The suggestion is back with the delegate to dispatch again.")


def _request_extension(suggestion, user, data):
    services.suggestion_request_extension(
        suggestion=suggestion, actor=user, workdays=data["workdays"], reason=data["reason"]
    )
    return gettext("Extension requested. The delegate decides.")


def _decide_extension(suggestion, user, data):
    extension = pending_extension(suggestion)
    if extension is None:
        raise ValidationError(gettext("There is no extension request to decide."))
    services.suggestion_decide_extension(
        extension=extension, actor=user, approve=data["approve"], note=data["note"]
    )
    return gettext("Extension approved.") if data["approve"] else gettext("Extension rejected.")


def _urge(suggestion, user, data):
    services.suggestion_urge(suggestion=suggestion, actor=user, note=data["note"])
    return gettext("The unit has been urged.")


def _unit_reply(suggestion, user, data):
    services.suggestion_unit_reply(
        suggestion=suggestion, actor=user, text=data["text"], files=data["files"]
    )
    return gettext("Reply sent to the delegate for review.")


def _send_back(suggestion, user, data):
    services.suggestion_send_back(suggestion=suggestion, actor=user, comment=data["text"])
    return gettext("Sent back to the unit with your comment.")


def _publish(suggestion, user, data):
    services.suggestion_publish(
        suggestion=suggestion,
        actor=user,
        feedback_channel=data["feedback_channel"],
        reply=data["reply"],
    )
    return gettext("The reply is published; the resident can now rate it.")


STEPS: dict[str, Step] = {
    step.name: step
    for step in [
        Step(
            "accept",
            _("Take this suggestion (接单)"),
            offered=lambda s, u: s.state == State.SUBMITTED and user_delegate(u) is not None,
            run=_accept,
        ),
        Step(
            "assign",
            _("Hand to a delegate"),
            offered=lambda s, u: (
                s.state == State.SUBMITTED and (u.is_office or u.role == Role.STATION_STAFF)
            ),
            run=_assign,
            form_class=forms.DelegateChoiceForm,
            form_kwargs=lambda s, u: {"suggestion": s},
        ),
        Step(
            "dispatch",
            _("Dispatch to a handling unit (派单)"),
            offered=lambda s, u: s.state == State.ACCEPTED and is_holder(s, u),
            run=_dispatch,
            form_class=forms.DispatchForm,
            form_kwargs=lambda s, u: {"suggestion": s, "user": u},
        ),
        Step(
            "on_spot",
            _("Handled on the spot"),
            offered=lambda s, u: s.state == State.ACCEPTED and is_holder(s, u),
            run=_on_spot,
            form_class=forms.AnswerForm,
            form_kwargs=lambda s, u: {"text_label": _("What was done")},
            tone="secondary",
        ),
        Step(
            "explain",
            _("Explain why it cannot be adopted"),
            offered=lambda s, u: s.state == State.ACCEPTED and is_holder(s, u),
            run=_explain,
            form_class=forms.AnswerForm,
            form_kwargs=lambda s, u: {"text_label": _("Explanation for the resident")},
            tone="secondary",
        ),
        Step(
            "acknowledge",
            _("Acknowledge (接收)"),
            offered=lambda s, u: s.state == State.DISPATCHED and is_unit(s, u),
            run=_acknowledge,
        ),
        Step(
            "unit_reply",
            _("Reply with the result"),
            offered=lambda s, u: s.state == State.IN_PROGRESS and is_unit(s, u),
            run=_unit_reply,
            form_class=forms.UnitReplyForm,
        ),
        Step(
            "request_extension",
            _("Ask for more time"),
            offered=lambda s, u: (
                s.state in WITH_UNIT_STATES and is_unit(s, u) and pending_extension(s) is None
            ),
            run=_request_extension,
            form_class=forms.ExtensionRequestForm,
            tone="secondary",
        ),
        Step(
            "refuse",
            _("Refuse: not for our unit"),
            offered=lambda s, u: s.state == State.DISPATCHED and is_unit(s, u),
            run=_refuse,
            form_class=forms.ReasonForm,
            form_kwargs=lambda s, u: {"text_label": _("Why your unit cannot take it")},
            tone="danger",
        ),
        Step(
            "publish",
            _("Publish the reply to the resident"),
            offered=lambda s, u: s.state == State.UNIT_REPLIED and is_holder(s, u),
            run=_publish,
            form_class=forms.PublishForm,
        ),
        Step(
            "send_back",
            _("Send the reply back to the unit"),
            offered=lambda s, u: s.state == State.UNIT_REPLIED and is_holder(s, u),
            run=_send_back,
            form_class=forms.ReasonForm,
            form_kwargs=lambda s, u: {"text_label": _("What is missing")},
            tone="secondary",
        ),
        Step(
            "decide_extension",
            _("Decide the extension request"),
            offered=lambda s, u: (
                s.state in WITH_UNIT_STATES and is_holder(s, u) and pending_extension(s) is not None
            ),
            run=_decide_extension,
            form_class=forms.ExtensionDecisionForm,
        ),
        Step(
            "urge",
            _("Urge the unit (催办)"),
            offered=lambda s, u: s.state in WITH_UNIT_STATES and is_holder(s, u),
            run=_urge,
            form_class=forms.NoteForm,
            tone="secondary",
        ),
        Step(
            "merge",
            _("Merge as a duplicate"),
            offered=lambda s, u: (
                s.state in (State.SUBMITTED, State.ACCEPTED)
                and (
                    u.is_office
                    or u.role == Role.STATION_STAFF
                    or (u.role == Role.DELEGATE and (not s.delegate_id or is_holder(s, u)))
                )
            ),
            run=_merge,
            form_class=forms.MergeForm,
            form_kwargs=lambda s, u: {"scope": suggestions_visible_to(u)},
            tone="secondary",
        ),
        Step(
            "reassign",
            _("Reassign to another delegate"),
            offered=lambda s, u: (
                u.is_office and s.state in (State.ACCEPTED, *WITH_UNIT_STATES, State.UNIT_REPLIED)
            ),
            run=_reassign,
            form_class=forms.DelegateChoiceForm,
            form_kwargs=lambda s, u: {"suggestion": s},
            tone="secondary",
        ),
    ]
}


def offered_steps(suggestion, user) -> list[Step]:
    return [step for step in STEPS.values() if step.offered(suggestion, user)]


# --- The list's tabs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    condition: Q

    def within(self, states) -> Q | None:
        """The tab's condition inside a chosen set of states (the state filter), or None when
        no row can be in both. PostgreSQL does not see that two state lists exclude each
        other: it walked every open suggestion to count "open" among replied ones."""
        if not states:
            return self.condition
        chosen = set(states)
        own = _tab_states(self.condition)
        if own is not None and not own & chosen:
            return None
        return self.condition


def _tab_states(condition: Q) -> set[str] | None:
    """The states a tab's condition allows, when it names them at its top level."""
    for child in condition.children:
        if isinstance(child, tuple) and child[0] == "state":
            return {child[1]}
        if isinstance(child, tuple) and child[0] == "state__in":
            return set(child[1])
        if isinstance(child, Q) and child.connector == Q.AND and not child.negated:
            found = _tab_states(child)
            if found is not None:
                return found
    return None


def _states(states) -> Q:
    # Sorted: the same SQL text on every run (a frozenset's order changes between processes).
    return Q(state__in=sorted(states))


def tabs_for(user) -> list[Tab]:
    """The queues of a role, first the one that needs the user now."""
    overdue = overdue_condition()
    if user.role == Role.UNIT_STAFF and not user.is_office:
        return [
            Tab("inbox", _("To acknowledge"), Q(state=State.DISPATCHED)),
            Tab("working", _("In progress"), Q(state=State.IN_PROGRESS)),
            Tab("overdue", _("Overdue"), overdue),
            Tab(
                "answered",
                _("Answered"),
                _states([State.UNIT_REPLIED, State.REPLIED, State.CLOSED]),
            ),
            Tab("all", _("All"), Q()),
        ]
    delegate = user_delegate(user)
    if delegate is not None:
        mine = Q(delegate=delegate)
        return [
            Tab("new", _("New at my stations"), Q(state=State.SUBMITTED)),
            Tab("mine", _("Taken by me"), mine & Q(state=State.ACCEPTED)),
            Tab("with_units", _("With units"), mine & _states(WITH_UNIT_STATES)),
            Tab("review", _("Awaiting my review"), mine & Q(state=State.UNIT_REPLIED)),
            Tab("overdue", _("Overdue"), mine & overdue),
            Tab("all", _("All"), Q()),
        ]
    return [
        Tab("new", _("New"), Q(state=State.SUBMITTED)),
        Tab("open", _("Open"), _states(OPEN_STATES)),
        Tab("review", _("Reply under review"), Q(state=State.UNIT_REPLIED)),
        Tab("overdue", _("Overdue"), overdue),
        Tab("all", _("All"), Q()),
    ]


# Tab counts stop counting here: "1,000+" tells a worker as much as 734,512 does, and counting
# at most this many rows is a bounded index walk where an exact count scans the whole scope.
COUNT_CAP = 1000


@dataclass(frozen=True)
class TabCount:
    tab: Tab
    count: int  # at most COUNT_CAP + 1
    capped: bool

    @property
    def display(self) -> str:
        if self.capped:
            return gettext("%(count)s+") % {"count": number_format(COUNT_CAP, force_grouping=True)}
        return number_format(self.count, force_grouping=True)


def tab_counts(queryset, tabs, *, states=()) -> dict[str, TabCount]:
    """Every tab's count up to COUNT_CAP, in one query: one LIMITed subquery a tab, each an
    index-only walk of at most COUNT_CAP + 1 entries (see the indexes on Suggestion).
    ``states``: the state filter's choice; tabs outside it count 0 without asking.

    The subqueries are Django's own SQL for each tab, put side by side in one SELECT: five
    round trips and five compilations became one (the ORM cannot aggregate over several
    LIMITed subqueries in one query)."""
    parts, params, keys = [], [], []
    for tab in tabs:
        condition = tab.within(states)
        if condition is None:
            continue
        rows = queryset.filter(condition).order_by().values("pk")[: COUNT_CAP + 1]
        try:
            sql, sql_params = rows.query.sql_with_params()
        except EmptyResultSet:
            continue
        # Django's compiled SQL; every value stays a parameter.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) desk_tab_{len(parts)})")  # noqa: S608
        params.extend(sql_params)
        keys.append(tab.key)
    found = {}
    if parts:
        with connections[queryset.db].cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            found = dict(zip(keys, cursor.fetchone(), strict=True))
    counts = {}
    for tab in tabs:
        n = found.get(tab.key, 0)
        counts[tab.key] = TabCount(tab, n, n > COUNT_CAP)
    return counts


# --- Keyset pages ------------------------------------------------------------------------------
# The desk lists newest first (-submitted_at, -id: id breaks ties of equal times). A page is
# "the PAGE_SIZE rows after (or before) this row's key", never an OFFSET: the database seeks
# the key in an index ordered the same way and reads one page, at any depth (OFFSET 975,000
# read and threw away 975,000 rows: 4.3 s). Cursors are signed so that a link cannot smuggle
# arbitrary values into the query; a bad or stale one shows the first page.

PAGE_SIZE = 25
ORDER = ("-submitted_at", "-id")
_CURSOR_SALT = "suggestions.desk.cursor"


def cursor_for(suggestion) -> str:
    """The opaque position of a row in the desk's order."""
    at = suggestion.submitted_at.astimezone(datetime.UTC)
    return signing.dumps([at.isoformat(), suggestion.pk], salt=_CURSOR_SALT)


def read_cursor(value: str | None) -> tuple[datetime.datetime, int] | None:
    """The (submitted_at, id) of a cursor, or None for a missing, tampered or malformed one."""
    if not value or len(value) > 200:
        return None
    try:
        at, pk = signing.loads(value, salt=_CURSOR_SALT)
        at = datetime.datetime.fromisoformat(at)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    if at.tzinfo is None or not isinstance(pk, int) or isinstance(pk, bool):
        return None
    return at, pk


def _older_than(key) -> Q:
    # "submitted_at <= t" first: the index seeks on it; the tie on id is a filter on few rows.
    at, pk = key
    return Q(submitted_at__lte=at) & (Q(submitted_at__lt=at) | Q(pk__lt=pk))


def _newer_than(key) -> Q:
    at, pk = key
    return Q(submitted_at__gte=at) & (Q(submitted_at__gt=at) | Q(pk__gt=pk))


@dataclass
class DeskPage:
    rows: list
    newer: str = ""  # cursor for ?before= (the page above), "" on the first page
    older: str = ""  # cursor for ?after= (the page below), "" on the last page

    @property
    def is_first(self) -> bool:
        return not self.newer


def desk_page(
    queryset, *, after: str | None = None, before: str | None = None, parts=None
) -> DeskPage:
    """One page of ``queryset`` in the desk's order: the first, the one after a cursor, or the
    one before it. At most three queries, whatever the depth.

    ``parts``: ``(unscoped, [Q, …])``, the same rows without the user's scope and the scope's
    parts (``selectors.scope_parts``): each part is read in its own index and the pages merged.
    Only ids come from there; the rows shown are read through ``queryset``, so a part can never
    show what the scope does not allow."""
    size = PAGE_SIZE
    after_key, before_key = read_cursor(after), read_cursor(before)
    if after_key is not None:
        rows = _rows(queryset, _older_than(after_key), ORDER, size + 1, parts)
        # An empty page (the rows below went away) still links back up from where it stands.
        newer = cursor_for(rows[0]) if rows else after
        return DeskPage(rows[:size], newer=newer, older=_next(rows, size))
    if before_key is not None:
        ascending = [field.removeprefix("-") for field in ORDER]
        rows = _rows(queryset, _newer_than(before_key), ascending, size + 1, parts)
        if len(rows) > size:
            rows = rows[:size][::-1]
            return DeskPage(rows, newer=cursor_for(rows[0]), older=cursor_for(rows[-1]))
        # Nothing above this page: it is the first page (which may have gained rows since).
    rows = _rows(queryset, Q(), ORDER, size + 1, parts)
    return DeskPage(rows[:size], older=_next(rows, size))


def _rows(queryset, position: Q, order, limit, parts=None) -> list:
    """The page's ids first (the scan the indexes serve, no joins), then those rows with their
    station, category, delegate and unit: joining in the first query let PostgreSQL hash all
    20,000 delegates before it knew that 26 rows would be kept.

    With ``parts``, the ids are the first ``limit`` of a UNION of each part's first ``limit``
    (each an index descent on the part's column, in order): "station IN (…)" or "delegate OR
    station" made PostgreSQL walk the whole table's order index, or sort each scope whole.
    SQLite cannot order and limit inside a UNION, and reads its small scopes as one."""
    db = queryset.db
    if queryset.query.is_empty():
        # A filter that matches nothing (``.none()``, e.g. a search for a masked phone): a
        # UNION of empty parts is not a query Django can order.
        return []
    if parts is not None and connections[db].features.supports_slicing_ordering_in_compound:
        unscoped, scope = parts
        if unscoped.query.is_empty():
            return []
        pieces = [
            unscoped.filter(position, part)
            .select_related(None)
            .order_by(*order)
            .values_list("submitted_at", "id")[:limit]
            for part in scope
        ]
        if len(pieces) > 1:
            pieces = [pieces[0].union(*pieces[1:]).order_by(*order)[:limit]]
        ids = [pk for _at, pk in pieces[0]]
    else:
        keys = queryset.filter(position).select_related(None).order_by(*order)
        ids = list(keys.values_list("pk", flat=True)[:limit])
    if not ids:
        return []
    found = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def _next(rows, size) -> str:
    return cursor_for(rows[size - 1]) if len(rows) > size else ""


def cursor_at_depth(queryset, depth: int) -> str:
    """The ?after= cursor of the page that starts ``depth`` rows down (for the benchmark's deep
    pages; an OFFSET, so never on a request). Past the end: the last page."""
    ordered = queryset.order_by(*ORDER)

    def row_at(n):
        return next(iter(ordered[n - 1 : n]), None) if n > 0 else None

    row = row_at(depth)
    if row is None and depth > 0:
        row = row_at(max(queryset.count() - PAGE_SIZE, 0))
    return cursor_for(row) if row is not None else ""
