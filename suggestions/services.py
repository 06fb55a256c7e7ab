"""Every write of the suggestion loop (点单 → 接单 → 派单 → 办理 → 答复 → 评单).

Each verb is one function: it re-reads the suggestion through the actor's scope with a row
lock, checks the actor's right and the edge in ``TRANSITIONS``, changes the row, and writes the
event, all in one transaction; notifications go out after commit. Views, commands, the demo
data and tests call these and nothing else writes a suggestion's state.
"""

import datetime
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext

from accounts.models import Role
from accounts.services import audit_record
from congress_portal.clock import now, today
from congress_portal.crypto import phone_digest
from congress_portal.masking import normalise_phone
from stations.workdays import WorkCalendar

from . import codes, events
from . import files as stored_files
from .models import (
    ANNOTATIONS,
    Attachment,
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
    Supporter,
    Verb,
)
from .notifiers import notify_resident
from .selectors import suggestions_visible_to, user_delegate

RESIDENT = "resident"
SYSTEM = "system"


class NotAllowed(PermissionDenied):
    """The actor has no right to this step on this suggestion. Carries a translated message."""


# --- helpers ---------------------------------------------------------------------------------


def _lock(suggestion: Suggestion, actor) -> Suggestion:
    """Re-read the row with a lock, through the actor's scope (residents and the system: all)."""
    base = Suggestion.objects.all() if actor is None else suggestions_visible_to(actor)
    try:
        return base.select_for_update(of=("self",)).get(pk=suggestion.pk)
    except Suggestion.DoesNotExist:
        raise NotAllowed(gettext("This suggestion is not in your area of work.")) from None


def _role(actor) -> str:
    if actor is None:
        return RESIDENT
    if actor.is_office:
        return Role.OFFICE
    return actor.role


def _label(actor) -> str:
    if actor is None:
        return ""
    delegate = user_delegate(actor)
    if delegate is not None:
        return delegate.name
    return actor.display_name


def _require_holder(suggestion: Suggestion, actor) -> None:
    """The delegate who took the suggestion, or the office, may steer it."""
    if actor.is_office:
        return
    delegate = user_delegate(actor)
    if delegate is None or suggestion.delegate_id != delegate.pk:
        raise NotAllowed(
            gettext("Only the delegate who took this suggestion, or the office, may do this.")
        )


def _require_unit(suggestion: Suggestion, actor) -> None:
    if (
        actor.role != Role.UNIT_STAFF
        or not actor.handling_units.filter(pk=suggestion.handling_unit_id).exists()
    ):
        raise NotAllowed(
            gettext("Only the handling unit this suggestion was dispatched to may do this.")
        )


def _record(
    suggestion: Suggestion,
    *,
    verb: str,
    from_state: str,
    actor,
    note: str = "",
    public: bool = True,
    channel: str = "",
    data: dict | None = None,
    role: str | None = None,
) -> SuggestionEvent:
    event = SuggestionEvent.objects.create(
        suggestion=suggestion,
        verb=verb,
        from_state=from_state,
        to_state=suggestion.state,
        actor=actor,
        actor_role=role or _role(actor),
        actor_label=_label(actor),
        note=note,
        channel=channel,
        is_public=public,
        data=data or {},
        created_at=now(),
    )
    events.publish(event)  # subscribers (the figures) move in the same transaction
    return event


def _save(suggestion: Suggestion, fields: Iterable[str]) -> None:
    fields = [*fields, "updated_at", "version"]
    suggestion.updated_at = now()
    suggestion.version += 1
    # Validate the fields this step changed; the database enforces the check constraints, and
    # validating all of them here costs a query each on every transition.
    others = [f.name for f in suggestion._meta.concrete_fields if f.name not in fields]
    suggestion.full_clean(exclude=others, validate_unique=False, validate_constraints=False)
    suggestion.save(update_fields=fields)


# The steps that supporters (附议) are told of too: the answer and the close.
SUPPORTER_TEMPLATES = frozenset({"replied", "closed"})


def _notify_later(suggestion: Suggestion, template: str) -> None:
    phone, code, title = suggestion.submitter_phone, suggestion.tracking_code, suggestion.title
    if phone:
        transaction.on_commit(
            lambda: notify_resident(phone=phone, template=template, tracking_code=code, title=title)
        )
    if template in SUPPORTER_TEMPLATES and suggestion.supporter_count:
        _notify_supporters_later(suggestion, template)


def _notify_supporters_later(suggestion: Suggestion, template: str) -> None:
    """Supporters who left a phone hear of the outcome as the resident does. A supporter has
    no tracking code of this suggestion (it would let them rate it): the resident of a merged
    duplicate gets their own code, whose page shows this outcome; a supporter none."""
    told = {suggestion.submitter_phone}
    messages = []
    rows = suggestion.supporters.exclude(phone="").values_list(
        "phone", "merged_from__tracking_code"
    )
    for phone, own_code in rows.iterator(chunk_size=2000):
        if phone in told:
            continue
        told.add(phone)
        kind = "merged" if own_code else "supporter"
        messages.append((phone, f"{kind}_{template}", own_code or ""))
    title = suggestion.title

    def send():
        for phone, name, own_code in messages:
            notify_resident(phone=phone, template=name, tracking_code=own_code, title=title)

    if messages:
        transaction.on_commit(send)


def _require_text(value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(message, code="required")
    return value


# --- 点单: submission ----------------------------------------------------------------------


def suggestion_submit(
    *,
    title: str,
    content: str,
    category: Category,
    station,
    channel: str = Channel.ONLINE,
    place=None,
    address: str = "",
    submitter_name: str = "",
    submitter_phone: str = "",
    consent_disclosure: bool = False,
    reception_day=None,
    diary_entry=None,
    photos: Iterable[ContentFile] = (),
    submission_key: uuid.UUID | None = None,
    actor=None,
) -> Suggestion:
    """A new suggestion from a resident (actor None, online) or entered by staff or a delegate.

    Posting the same ``submission_key`` twice returns the first suggestion: one record per form.
    """
    if submission_key is not None:
        existing = Suggestion.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing
    if actor is None and channel != Channel.ONLINE:
        raise NotAllowed(gettext("Residents submit online."))
    if actor is not None and not actor.is_office:
        if actor.role not in (Role.STATION_STAFF, Role.DELEGATE):
            raise NotAllowed(gettext("Your role cannot enter suggestions."))
    try:
        with stored_files.removed_if_failed(), transaction.atomic():
            return _create_suggestion(
                title=title,
                content=content,
                category=category,
                station=station,
                channel=channel,
                place=place,
                address=address,
                submitter_name=submitter_name,
                submitter_phone=submitter_phone,
                consent_disclosure=consent_disclosure,
                reception_day=reception_day,
                diary_entry=diary_entry,
                photos=photos,
                submission_key=submission_key,
                actor=actor,
            )
    except IntegrityError:
        # The same form posted twice at the same moment: the other request won the insert.
        if submission_key is not None:
            existing = Suggestion.objects.filter(submission_key=submission_key).first()
            if existing is not None:
                return existing
        raise


def _create_suggestion(*, photos, actor, **fields) -> Suggestion:
    moment = now()
    suggestion = Suggestion(**fields)
    suggestion.title = suggestion.title.strip()
    suggestion.content = suggestion.content.strip()
    suggestion.submitter_name = suggestion.submitter_name.strip()
    suggestion.submitter_phone = normalise_phone(suggestion.submitter_phone)
    suggestion.entered_by = actor
    suggestion.submitted_at = moment
    suggestion.updated_at = moment
    suggestion.state = State.SUBMITTED
    suggestion.tracking_code = codes.new_code()
    day = suggestion.reception_day
    if day is not None and day.station_id != suggestion.station_id:
        raise ValidationError(
            {"reception_day": gettext("The reception day belongs to another station.")}
        )
    suggestion.full_clean(exclude=["submitted_month"])
    for _attempt in range(5):
        try:
            with transaction.atomic():
                suggestion.save()
            break
        except IntegrityError:
            if Suggestion.objects.filter(tracking_code=suggestion.tracking_code).exists():
                suggestion.pk = None
                suggestion.tracking_code = codes.new_code()
                continue
            raise
    for photo in photos:
        attachment = Attachment.objects.create(
            suggestion=suggestion,
            kind=Attachment.Kind.PHOTO,
            file=photo,
            content_type=getattr(photo, "content_type", "image/jpeg"),
            size=photo.size,
            uploaded_by=actor,
            created_at=moment,
        )
        stored_files.stored(attachment.file)
    _record(
        suggestion,
        verb=Verb.SUBMIT,
        from_state="",
        actor=actor,
        channel=suggestion.channel,
    )
    return suggestion


# --- 接单: taking a suggestion ----------------------------------------------------------------


@transaction.atomic
def suggestion_accept(*, suggestion: Suggestion, actor) -> Suggestion:
    """A delegate stationed at the suggestion's station takes it (接单)."""
    delegate = user_delegate(actor)
    if delegate is None:
        raise NotAllowed(gettext("Only a delegate can take a suggestion."))
    locked = _lock(suggestion, actor)
    if locked.state != State.SUBMITTED and locked.delegate_id:
        if locked.delegate_id == delegate.pk:
            raise ValidationError(gettext("You have already taken this suggestion."))
        raise ValidationError(
            gettext("%(name)s has already taken this suggestion.") % {"name": locked.delegate.name},
            code="taken",
        )
    from_state = locked.state
    locked.state = locked.check_transition(Verb.ACCEPT)
    locked.delegate = delegate
    locked.accepted_at = now()
    _save(locked, ["state", "delegate", "accepted_at"])
    _record(
        locked,
        verb=Verb.ACCEPT,
        from_state=from_state,
        actor=actor,
        data={"delegate": delegate.name},
    )
    _notify_later(locked, "accepted")
    return locked


def _check_can_take(suggestion: Suggestion, delegate) -> None:
    stationed = delegate.memberships.filter(station_id=suggestion.station_id).exists()
    if not stationed and delegate.is_active:
        parent = suggestion.station.parent_id
        stationed = parent is not None and delegate.memberships.filter(station_id=parent).exists()
    if not stationed or not delegate.is_active:
        raise ValidationError(
            {
                "delegate": gettext("%(name)s is not a serving delegate of this station.")
                % {"name": delegate.name}
            }
        )


@transaction.atomic
def suggestion_assign(*, suggestion: Suggestion, delegate, actor) -> Suggestion:
    """Station staff or the office hand a new suggestion to a stationed delegate."""
    if not (actor.is_office or actor.role == Role.STATION_STAFF):
        raise NotAllowed(gettext("Only station staff or the office can assign suggestions."))
    locked = _lock(suggestion, actor)
    from_state = locked.state
    locked.state = locked.check_transition(Verb.ASSIGN)
    _check_can_take(locked, delegate)
    locked.delegate = delegate
    locked.accepted_at = now()
    _save(locked, ["state", "delegate", "accepted_at"])
    _record(
        locked,
        verb=Verb.ASSIGN,
        from_state=from_state,
        actor=actor,
        data={"delegate": delegate.name},
    )
    _notify_later(locked, "accepted")
    return locked


@transaction.atomic
def suggestion_reassign(*, suggestion: Suggestion, delegate, actor, note: str = "") -> Suggestion:
    """The office moves a taken suggestion to another delegate."""
    if not actor.is_office:
        raise NotAllowed(gettext("Only the office can reassign a suggestion."))
    locked = _lock(suggestion, actor)
    locked.check_transition(Verb.REASSIGN)
    if not delegate.is_active:
        raise ValidationError({"delegate": gettext("This delegate is no longer serving.")})
    previous = locked.delegate.name if locked.delegate else ""
    locked.delegate = delegate
    _save(locked, ["delegate"])
    _record(
        locked,
        verb=Verb.REASSIGN,
        from_state=locked.state,
        actor=actor,
        note=note,
        public=False,
        data={"delegate": delegate.name, "previous": previous},
    )
    return locked


@transaction.atomic
def suggestion_transfer_unit(
    *, suggestion: Suggestion, unit: HandlingUnit, actor, note: str = ""
) -> Suggestion:
    """The office moves an open suggestion from its handling unit to another (the first one
    closed down); state and deadline stay, the trail records both units."""
    if actor is None or not actor.is_office:
        raise NotAllowed(gettext("Only the office can move a suggestion to another unit."))
    if not unit.is_active:
        raise ValidationError({"successor": gettext("This unit no longer takes suggestions.")})
    locked = _lock(suggestion, actor)
    locked.check_transition(Verb.TRANSFER_UNIT)
    if locked.handling_unit_id == unit.pk:
        raise ValidationError({"successor": gettext("This suggestion is with that unit already.")})
    previous = locked.handling_unit.name if locked.handling_unit_id else ""
    locked.handling_unit = unit
    _save(locked, ["handling_unit"])
    _record(
        locked,
        verb=Verb.TRANSFER_UNIT,
        from_state=locked.state,
        actor=actor,
        note=note,
        public=False,
        data={"unit": unit.name, "previous": previous},
    )
    return locked


# --- 派单: the three outcomes, and merging duplicates ------------------------------------------


def _answer_directly(
    suggestion: Suggestion, actor, *, verb: str, outcome: str, text: str, feedback_channel: str
) -> Suggestion:
    """The two outcomes of 派单 that answer the resident without a unit."""
    locked = _lock(suggestion, actor)
    _require_holder(locked, actor)
    from_state = locked.state
    locked.state = locked.check_transition(verb)
    locked.outcome = outcome
    locked.reply = text
    locked.feedback_channel = feedback_channel
    locked.replied_at = now()
    _save(locked, ["state", "outcome", "reply", "feedback_channel", "replied_at"])
    _record(
        locked, verb=verb, from_state=from_state, actor=actor, note=text, channel=feedback_channel
    )
    _notify_later(locked, "replied")
    return locked


@transaction.atomic
def suggestion_handle_on_spot(
    *, suggestion: Suggestion, actor, result: str, feedback_channel: str = FeedbackChannel.ON_SITE
) -> Suggestion:
    """Handled there and then (现场办理): the result goes to the resident at once."""
    result = _require_text(result, gettext("Say what was done on the spot."))
    return _answer_directly(
        suggestion,
        actor,
        verb=Verb.HANDLE_ON_SPOT,
        outcome=Outcome.ON_SPOT,
        text=result,
        feedback_channel=feedback_channel,
    )


@transaction.atomic
def suggestion_explain(
    *, suggestion: Suggestion, actor, reason: str, feedback_channel: str = FeedbackChannel.PHONE
) -> Suggestion:
    """Not adopted: an unreasonable or impossible request gets a patient explanation."""
    reason = _require_text(reason, gettext("An explanation for the resident is required."))
    return _answer_directly(
        suggestion,
        actor,
        verb=Verb.EXPLAIN,
        outcome=Outcome.EXPLAINED,
        text=reason,
        feedback_channel=feedback_channel,
    )


@transaction.atomic
def suggestion_dispatch(
    *,
    suggestion: Suggestion,
    actor,
    unit: HandlingUnit,
    workdays: int | None = None,
    note: str = "",
) -> Suggestion:
    """Send to a handling unit with a deadline counted in official working days."""
    workdays = workdays or settings.PORTAL_DEFAULT_DEADLINE_WORKDAYS
    if not 1 <= workdays <= 60:
        raise ValidationError({"workdays": gettext("The deadline must be 1 to 60 working days.")})
    if not unit.is_active:
        raise ValidationError({"unit": gettext("This unit no longer takes suggestions.")})
    locked = _lock(suggestion, actor)
    _require_holder(locked, actor)
    from_state = locked.state
    locked.state = locked.check_transition(Verb.DISPATCH)
    locked.outcome = Outcome.DISPATCHED
    locked.handling_unit = unit
    locked.deadline = WorkCalendar().add_workdays(today(), workdays)
    locked.dispatched_at = now()
    locked.unit_reply = ""
    _save(locked, ["state", "outcome", "handling_unit", "deadline", "dispatched_at", "unit_reply"])
    _record(
        locked,
        verb=Verb.DISPATCH,
        from_state=from_state,
        actor=actor,
        note=note,
        data={"unit": unit.name, "deadline": locked.deadline.isoformat(), "workdays": workdays},
    )
    return locked


@transaction.atomic
def suggestion_merge(
    *, suggestion: Suggestion, into: Suggestion, actor, note: str = ""
) -> Suggestion:
    """A duplicate is merged into the suggestion it repeats; its resident follows the survivor."""
    if not (actor.is_office or actor.role in (Role.STATION_STAFF, Role.DELEGATE)):
        raise NotAllowed(gettext("Your role cannot merge suggestions."))
    if into.pk == suggestion.pk:
        raise ValidationError({"into": gettext("A suggestion cannot be merged into itself.")})
    # Lock both rows in id order so that two crossing merges cannot deadlock.
    first, second = sorted([suggestion, into], key=lambda s: s.pk)
    locked_first, locked_second = _lock(first, actor), _lock(second, actor)
    locked = locked_first if locked_first.pk == suggestion.pk else locked_second
    target = locked_second if locked is locked_first else locked_first
    if target.state == State.MERGED:
        raise ValidationError(
            {"into": gettext("That suggestion was itself merged; pick the one it was merged into.")}
        )
    if locked.delegate_id and not actor.is_office and actor.role == Role.DELEGATE:
        _require_holder(locked, actor)
    from_state = locked.state
    locked.state = locked.check_transition(Verb.MERGE)
    target.check_transition(Verb.ABSORB)
    moved = _move_supporters(locked, target)
    locked.merged_into = target
    locked.closed_at = now()
    locked.supporter_count = 0
    _save(locked, ["state", "merged_into", "closed_at", "supporter_count"])
    target.supporter_count += 1 + moved
    target.save(update_fields=["supporter_count"])
    _record(
        locked,
        verb=Verb.MERGE,
        from_state=from_state,
        actor=actor,
        note=note,
        data={
            "into": target.tracking_code,
            "into_title": target.title,
            "supporters_moved": moved,
        },
    )
    # The survivor's trail records the merge too; its count grows by the duplicate's resident
    # and the duplicate's supporters (the figures' "supports" follow: dashboard.rollups).
    _record(
        target,
        verb=Verb.ABSORB,
        from_state=target.state,
        actor=actor,
        note=note,
        data={
            "duplicate": locked.tracking_code,
            "duplicate_title": locked.title,
            "supporters": 1 + moved,
        },
    )
    return locked


def _move_supporters(duplicate: Suggestion, target: Suggestion) -> int:
    """The duplicate's supporters become the survivor's, and its resident one more (with their
    phone, if they left one and it does not support the survivor already). A phone already
    among the survivor's is kept once (it is told once); the support still counts. Returns
    how many supporters moved (the resident not included). Both rows are locked."""
    # Phones are encrypted at rest: compared through their keyed digests only.
    digests = list(
        duplicate.supporters.exclude(phone_digest="").values_list("phone_digest", flat=True)
    )
    resident = duplicate.submitter_phone
    resident_digest = duplicate.submitter_phone_digest
    wanted = [digest for digest in (*digests, resident_digest) if digest]
    taken = set(
        target.supporters.filter(phone_digest__in=wanted).values_list("phone_digest", flat=True)
    )
    if taken:
        duplicate.supporters.filter(phone_digest__in=taken).update(phone="", phone_digest="")
    moved = duplicate.supporters.update(suggestion=target)
    if resident_digest in taken or resident_digest in digests:
        resident = ""
    Supporter.objects.create(
        suggestion=target, phone=resident, merged_from=duplicate, created_at=now()
    )
    return moved


# --- 附议: a resident supports a suggestion instead of filing it again -----------------------


@transaction.atomic
def suggestion_support(
    *,
    suggestion: Suggestion,
    phone: str = "",
    submission_key: uuid.UUID | None = None,
    actor=None,
) -> Supporter:
    """A resident with the same problem supports an open suggestion (附议), leaving a phone to
    be told of the outcome if they wish; one support per phone. Residents (actor None) may
    support only what they can see on the public board. The same ``submission_key`` twice is
    one support (the first is returned)."""
    phone = normalise_phone(phone or "")
    locked = _lock(suggestion, actor)
    if submission_key is not None:
        existing = Supporter.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing
    if actor is None and not locked.consent_disclosure:
        raise NotAllowed(gettext("This suggestion is not public."))
    locked.check_transition(Verb.SUPPORT)
    # The row lock serialises supports of one suggestion: this check cannot race.
    if phone and locked.supporters.filter(phone_digest=phone_digest(phone)).exists():
        raise ValidationError(
            {"phone": gettext("This phone number already supports this suggestion.")},
            code="already_supported",
        )
    supporter = Supporter(
        suggestion=locked, phone=phone, submission_key=submission_key, created_at=now()
    )
    supporter.full_clean(validate_constraints=False)
    supporter.save()
    locked.supporter_count += 1
    locked.save(update_fields=["supporter_count"])
    _record(
        locked,
        verb=Verb.SUPPORT,
        from_state=locked.state,
        actor=actor,
        public=False,
        data={"supporters": locked.supporter_count},
    )
    return supporter


# --- 办理: the handling unit ------------------------------------------------------------------


@transaction.atomic
def suggestion_acknowledge(*, suggestion: Suggestion, actor) -> Suggestion:
    """The unit confirms it has the suggestion (签收) and starts work."""
    locked = _lock(suggestion, actor)
    _require_unit(locked, actor)
    from_state = locked.state
    locked.state = locked.check_transition(Verb.ACKNOWLEDGE)
    _save(locked, ["state"])
    _record(
        locked,
        verb=Verb.ACKNOWLEDGE,
        from_state=from_state,
        actor=actor,
        data={"unit": locked.handling_unit.name},
    )
    return locked


@transaction.atomic
def suggestion_refuse(*, suggestion: Suggestion, actor, reason: str) -> Suggestion:
    """The unit says it is not theirs; back to the delegate to dispatch again."""
    reason = _require_text(reason, gettext("Say why your unit cannot take this."))
    locked = _lock(suggestion, actor)
    _require_unit(locked, actor)
    from_state = locked.state
    unit_name = locked.handling_unit.name
    locked.state = locked.check_transition(Verb.REFUSE)
    locked.handling_unit = None
    locked.deadline = None
    locked.outcome = ""
    _save(locked, ["state", "handling_unit", "deadline", "outcome"])
    _record(
        locked,
        verb=Verb.REFUSE,
        from_state=from_state,
        actor=actor,
        note=reason,
        public=False,
        data={"unit": unit_name},
    )
    return locked


@transaction.atomic
def suggestion_request_extension(
    *, suggestion: Suggestion, actor, workdays: int, reason: str
) -> DeadlineExtension:
    """The unit asks for more working days; the delegate decides."""
    reason = _require_text(reason, gettext("Say why more time is needed."))
    locked = _lock(suggestion, actor)
    _require_unit(locked, actor)
    locked.check_transition(Verb.REQUEST_EXTENSION)
    if locked.extensions.filter(status=DeadlineExtension.Status.PENDING).exists():
        raise ValidationError(gettext("An extension request is already waiting for a decision."))
    extension = DeadlineExtension(
        suggestion=locked, workdays=workdays, reason=reason, requested_by=actor, requested_at=now()
    )
    extension.full_clean()
    extension.save()
    _record(
        locked,
        verb=Verb.REQUEST_EXTENSION,
        from_state=locked.state,
        actor=actor,
        note=reason,
        public=False,
        data={"workdays": workdays},
    )
    return extension


@transaction.atomic
def suggestion_decide_extension(
    *, extension: DeadlineExtension, actor, approve: bool, note: str = ""
) -> DeadlineExtension:
    """The delegate (or office) approves or rejects a pending extension."""
    locked = _lock(extension.suggestion, actor)
    _require_holder(locked, actor)
    locked.check_transition(Verb.DECIDE_EXTENSION)
    extension = locked.extensions.select_for_update().get(pk=extension.pk)
    if extension.status != DeadlineExtension.Status.PENDING:
        raise ValidationError(gettext("This request has already been decided."))
    extension.status = (
        DeadlineExtension.Status.APPROVED if approve else DeadlineExtension.Status.REJECTED
    )
    extension.decided_by = actor
    extension.decided_at = now()
    extension.save(update_fields=["status", "decided_by", "decided_at"])
    data = {"approved": approve, "workdays": extension.workdays}
    if approve:
        locked.deadline = WorkCalendar().add_workdays(locked.deadline, extension.workdays)
        _save(locked, ["deadline"])
        data["deadline"] = locked.deadline.isoformat()
    _record(
        locked,
        verb=Verb.DECIDE_EXTENSION,
        from_state=locked.state,
        actor=actor,
        note=note,
        public=approve,
        data=data,
    )
    return extension


@transaction.atomic
def suggestion_urge(*, suggestion: Suggestion, actor, note: str = "") -> Suggestion:
    """催办: remind the unit of a dispatched suggestion; the unit sees the urge."""
    locked = _lock(suggestion, actor)
    if not actor.is_office:
        _require_holder(locked, actor)
    locked.check_transition(Verb.URGE)
    _record(
        locked,
        verb=Verb.URGE,
        from_state=locked.state,
        actor=actor,
        note=note,
        public=False,
        data={"unit": locked.handling_unit.name, "overdue": locked.is_overdue},
    )
    return locked


def suggestion_unit_reply(
    *, suggestion: Suggestion, actor, text: str, files: Iterable[ContentFile] = ()
) -> Suggestion:
    """The unit replies with its result; the delegate reviews it before the resident sees it."""
    with stored_files.removed_if_failed(), transaction.atomic():
        return _unit_reply(suggestion=suggestion, actor=actor, text=text, uploads=files)


def _unit_reply(*, suggestion: Suggestion, actor, text: str, uploads) -> Suggestion:
    text = _require_text(text, gettext("Write the result of the handling."))
    locked = _lock(suggestion, actor)
    _require_unit(locked, actor)
    from_state = locked.state
    locked.state = locked.check_transition(Verb.UNIT_REPLY)
    locked.unit_reply = text
    locked.unit_replied_at = now()
    _save(locked, ["state", "unit_reply", "unit_replied_at"])
    for upload in uploads:
        attachment = Attachment.objects.create(
            suggestion=locked,
            kind=Attachment.Kind.REPLY,
            file=upload,
            content_type=getattr(upload, "content_type", "application/octet-stream"),
            size=upload.size,
            uploaded_by=actor,
            created_at=now(),
        )
        stored_files.stored(attachment.file)
    _record(
        locked,
        verb=Verb.UNIT_REPLY,
        from_state=from_state,
        actor=actor,
        note=text,
        public=False,
        data={
            "unit": locked.handling_unit.name,
            "on_time": locked.unit_replied_at.date() <= locked.deadline,
        },
    )
    return locked


# --- 答复: the delegate's review -------------------------------------------------------------


@transaction.atomic
def suggestion_send_back(*, suggestion: Suggestion, actor, comment: str) -> Suggestion:
    """The delegate finds the unit's reply wanting and sends it back with a comment."""
    comment = _require_text(comment, gettext("Tell the unit what is missing."))
    locked = _lock(suggestion, actor)
    _require_holder(locked, actor)
    from_state = locked.state
    locked.state = locked.check_transition(Verb.SEND_BACK)
    _save(locked, ["state"])
    _record(
        locked,
        verb=Verb.SEND_BACK,
        from_state=from_state,
        actor=actor,
        note=comment,
        public=False,
        data={"unit": locked.handling_unit.name},
    )
    return locked


@transaction.atomic
def suggestion_publish(
    *, suggestion: Suggestion, actor, feedback_channel: str, reply: str = ""
) -> Suggestion:
    """The delegate passes the reviewed reply to the resident, recording how they fed back."""
    if feedback_channel not in FeedbackChannel.values:
        raise ValidationError({"feedback_channel": gettext("Choose how the resident was told.")})
    locked = _lock(suggestion, actor)
    _require_holder(locked, actor)
    from_state = locked.state
    locked.state = locked.check_transition(Verb.PUBLISH)
    locked.reply = (reply or "").strip() or locked.unit_reply
    locked.feedback_channel = feedback_channel
    locked.replied_at = now()
    _save(locked, ["state", "reply", "feedback_channel", "replied_at"])
    _record(
        locked,
        verb=Verb.PUBLISH,
        from_state=from_state,
        actor=actor,
        note=locked.reply,
        channel=feedback_channel,
        data={"unit": locked.handling_unit.name},
    )
    _notify_later(locked, "replied")
    return locked


# --- 评单: the resident's rating, and closing ------------------------------------------------


@transaction.atomic
def suggestion_rate(*, suggestion: Suggestion, value: str, comment: str = "") -> Suggestion:
    """The resident rates the reply. Unsatisfied reopens it: back to the delegate, flagged."""
    if value not in RatingValue.values:
        raise ValidationError({"value": gettext("Choose one of the three ratings.")})
    locked = _lock(suggestion, None)
    verb = Verb.REOPEN if value == RatingValue.UNSATISFIED else Verb.RATE
    from_state = locked.state
    locked.state = locked.check_transition(verb)
    moment = now()
    comment = (comment or "").strip()
    Rating.objects.create(suggestion=locked, value=value, comment=comment, created_at=moment)
    locked.rating = value
    fields = ["state", "rating"]
    if verb == Verb.REOPEN:
        locked.reopen_count += 1
        locked.outcome = ""
        fields += ["reopen_count", "outcome"]
    else:
        locked.closed_at = moment
        fields.append("closed_at")
    _save(locked, fields)
    _record(
        locked, verb=verb, from_state=from_state, actor=None, note=comment, data={"rating": value}
    )
    if verb == Verb.RATE:
        _notify_later(locked, "closed")
    return locked


@transaction.atomic
def suggestion_auto_close(*, suggestion: Suggestion) -> Suggestion:
    """A reply left unrated for PORTAL_AUTO_CLOSE_DAYS closes by itself."""
    locked = _lock(suggestion, None)
    from_state = locked.state
    locked.state = locked.check_transition(Verb.AUTO_CLOSE)
    locked.closed_at = now()
    _save(locked, ["state", "closed_at"])
    _record(
        locked,
        verb=Verb.AUTO_CLOSE,
        from_state=from_state,
        actor=None,
        role=SYSTEM,
        data={"days": settings.PORTAL_AUTO_CLOSE_DAYS},
    )
    _notify_later(locked, "closed")
    return locked


def suggestions_auto_close_due(*, as_of: datetime.datetime | None = None) -> int:
    """Close every reply unrated for the configured number of days; returns how many."""
    cutoff = (as_of or now()) - datetime.timedelta(days=settings.PORTAL_AUTO_CLOSE_DAYS)
    closed = 0
    due = Suggestion.objects.filter(state=State.REPLIED, replied_at__lte=cutoff)
    for suggestion in due.only("pk").iterator():
        try:
            suggestion_auto_close(suggestion=suggestion)
            closed += 1
        except ValidationError:
            continue  # rated in the meantime
    return closed


# --- Retention: residents' contact data (PIPL; SECURITY.md 10) ---------------------------------


@transaction.atomic
def suggestion_erase_contact(*, suggestion: Suggestion) -> Suggestion:
    """Erase the resident's name and phone of a closed suggestion; statistics and the trail stay."""
    locked = _lock(suggestion, None)
    locked.check_transition(Verb.ERASE_CONTACT)
    if locked.contact_erased_at is not None:
        return locked
    locked.submitter_name = ""
    locked.submitter_phone = ""
    locked.contact_erased_at = now()
    _save(
        locked,
        ["submitter_name", "submitter_phone", "submitter_phone_digest", "contact_erased_at"],
    )
    supporters = locked.supporters.exclude(phone_digest="").update(phone="", phone_digest="")
    _record(
        locked,
        verb=Verb.ERASE_CONTACT,
        from_state=locked.state,
        actor=None,
        role=SYSTEM,
        public=False,
        data={"days": settings.PORTAL_CONTACT_RETENTION_DAYS, "supporters": supporters},
    )
    return locked


def suggestions_erase_contacts_due(*, as_of: datetime.datetime | None = None) -> int:
    """Erase contact data of every suggestion closed (or merged) longer than the retention
    period ago; returns how many. Safe to run again: erased ones are skipped."""
    cutoff = (as_of or now()) - datetime.timedelta(days=settings.PORTAL_CONTACT_RETENTION_DAYS)
    due = Suggestion.objects.filter(
        state__in=ANNOTATIONS[Verb.ERASE_CONTACT],
        closed_at__lte=cutoff,
        contact_erased_at__isnull=True,
    ).filter(
        ~Q(submitter_name="", submitter_phone="")
        | Exists(Supporter.objects.filter(suggestion=OuterRef("pk")).exclude(phone=""))
    )
    erased = 0
    for suggestion in due.only("pk").iterator():
        suggestion_erase_contact(suggestion=suggestion)
        erased += 1
    return erased


# --- Handling units: the office's configuration -----------------------------------------------

# Up to this many open suggestions move inside the office's request (about ten queries each:
# the row lock, the event, the figures); more are moved by a background task in batches.
INLINE_MOVES = 100
MOVE_BATCH = 200


def _require_office(actor) -> None:
    if actor is None or not actor.is_active or not actor.is_office:
        raise NotAllowed(gettext("Only the congress office can do this."))


@transaction.atomic
def handling_unit_save(*, unit: HandlingUnit, actor) -> HandlingUnit:
    """Create or edit a handling unit (the office); audited."""
    _require_office(actor)
    created = unit.pk is None
    unit.name = (unit.name or "").strip()
    unit.contact_name = (unit.contact_name or "").strip()
    unit.contact_phone = normalise_phone(unit.contact_phone or "")
    if unit.parent_id is not None and unit.parent_id == unit.pk:
        raise ValidationError({"parent": gettext("A unit cannot be its own parent.")})
    unit.full_clean()
    unit.save()
    audit_record(
        action="unit.create" if created else "unit.update",
        actor=actor,
        obj=unit,
        detail={"name": unit.name, "level": unit.level, "parent": unit.parent_id},
    )
    return unit


@transaction.atomic
def handling_unit_set_member(*, unit: HandlingUnit, user, actor, member: bool) -> None:
    """Link a unit-staff account to a unit (``member``) or unlink it; audited. The account's
    history stays either way: events keep its name."""
    _require_office(actor)
    if member:
        if user.role != Role.UNIT_STAFF:
            raise ValidationError(
                {"account": gettext("Only handling-unit staff accounts can join a unit.")}
            )
        if not user.is_active:
            raise ValidationError({"account": gettext("This account is deactivated.")})
        if not unit.is_active:
            raise ValidationError({"account": gettext("This unit is closed already.")})
        unit.members.add(user)
    else:
        unit.members.remove(user)
    user.__dict__.pop("_portal_unit_scope", None)
    audit_record(
        action="unit.member_add" if member else "unit.member_remove",
        actor=actor,
        obj=unit,
        detail={"account": user.pk, "username": user.get_username()},
    )


def _check_successor(unit: HandlingUnit, successor: HandlingUnit) -> None:
    if successor.pk == unit.pk:
        raise ValidationError(
            {"successor": gettext("Choose another unit: a unit cannot take over its own work.")}
        )
    if not successor.is_active:
        raise ValidationError({"successor": gettext("This unit no longer takes suggestions.")})


def handling_unit_deactivate(
    *, unit: HandlingUnit, successor: HandlingUnit | None, actor
) -> tuple[int, int]:
    """Close a handling unit down: it takes no new suggestions, its history stays, the
    categories that defaulted to it default to ``successor``, and its open suggestions
    (dispatched, in progress, reply under review) move to ``successor``, each through
    ``suggestion_transfer_unit`` (row lock, event). ``successor`` is required when it holds
    open work. Returns (moved now, left to the background task).

    A few open suggestions move in this transaction; more (a county department can hold
    thousands) are moved after commit by ``suggestions.tasks.move_unit_open_work`` in batches
    of MOVE_BATCH, each batch its own transaction: one transaction over thousands of rows would
    hold their locks, and the office's request, for minutes. Run again on a closed unit that
    still holds open work (a failed task), it moves the rest.
    """
    from .selectors import unit_open_suggestions

    _require_office(actor)
    with transaction.atomic():
        locked = HandlingUnit.objects.select_for_update().get(pk=unit.pk)
        remaining = unit_open_suggestions(locked).count()
        if not locked.is_active and not remaining:
            raise ValidationError(gettext("This unit is closed already."))
        if successor is not None:
            _check_successor(locked, successor)
        elif remaining:
            raise ValidationError(
                {
                    "successor": gettext(
                        "This unit holds open suggestions: choose the unit that takes them over."
                    )
                }
            )
        was_active = locked.is_active
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        categories = Category.objects.filter(default_unit=locked).update(default_unit=successor)
        audit_record(
            action="unit.deactivate" if was_active else "unit.move_rest",
            actor=actor,
            obj=locked,
            detail={
                "name": locked.name,
                "successor": successor.pk if successor else None,
                "successor_name": successor.name if successor else "",
                "open": remaining,
                "categories": categories,
            },
        )
        if remaining and remaining <= INLINE_MOVES:
            moved = handling_unit_move_open_work(unit=locked, successor=successor, actor=actor)
            return moved, 0
        if remaining:
            transaction.on_commit(
                lambda: _enqueue_moves(unit_id=locked.pk, successor_id=successor.pk, actor=actor)
            )
        return 0, remaining


def _enqueue_moves(*, unit_id: int, successor_id: int, actor) -> None:
    from django_q.tasks import async_task

    async_task(
        "suggestions.tasks.move_unit_open_work",
        unit_id,
        successor_id,
        actor.pk,
        task_name=f"unit-{unit_id}-to-{successor_id}",
    )


def handling_unit_move_open_work(
    *, unit: HandlingUnit, successor: HandlingUnit, actor, batch: int = MOVE_BATCH
) -> int:
    """Move every open suggestion of ``unit`` to ``successor``, MOVE_BATCH at a time (each
    batch one transaction; inside a caller's transaction, all in it). Idempotent: what has
    moved, or was answered meanwhile, is skipped. Returns how many moved."""
    from .selectors import unit_open_suggestions

    moved, last = 0, 0
    while True:
        with transaction.atomic():
            ids = list(
                unit_open_suggestions(unit)
                .filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                return moved
            for pk in ids:
                try:
                    with transaction.atomic():
                        suggestion_transfer_unit(
                            suggestion=Suggestion(pk=pk), unit=successor, actor=actor
                        )
                except ValidationError:
                    continue  # answered or moved meanwhile: nothing to move
                moved += 1
            last = ids[-1]
