"""The rows of an import file, read and checked by django-import-export resources.

django-import-export runs the row loop: it tells each row new from update, collects every
row's errors, saves in bulk (``use_bulk``) inside one transaction and rolls back a dry run
(the preview) or any import with an error. What it does per row by default (an instance
query, foreign keys looked up one by one, ``full_clean`` with its unique-check queries) would
be thousands of queries for a province's file, so each resource here looks up, before the
loop, everything the file refers to by key, a chunk of keys per query: the existing rows
(to update them), areas, stations, groups, terms. The row loop then asks no database.

Columns are named by their (translated) headers; a file whose headers are in English or
Chinese is read the same way, and a trailing ``*`` (the template's mark of a required
column) is ignored.
"""

import datetime
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, Subquery
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from import_export import resources

from congress_portal.clock import today
from congress_portal.masking import mask_phone, normalise_phone
from congress_portal.trees import MAX_DEPTH
from delegates import performance
from delegates.models import (
    Constituency,
    Delegate,
    DelegateGroup,
    Level,
    Mandate,
    PerformanceFigures,
    StationMembership,
    Term,
)
from delegates.services import delegate_set_search_names
from stations.models import Region, Station
from suggestions.models import HandlingUnit

# Keys per lookup query: well under SQLite's and PostgreSQL's parameter limits.
CHUNK = 500
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{9,11}$")
# Several values in one cell: 、 is how Chinese lists them; commas and semicolons too.
_LIST_SEPARATORS = re.compile(r"[、,，;；\n]+")
# An area's path: names from the top down.
_PATH_SEPARATORS = re.compile(r"\s*[/／>＞›]\s*")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
_YES = {"是", "y", "yes", "true", "1", "同意"}
_NO = {"否", "n", "no", "false", "0", "不同意", ""}


def chunks(values: Iterable, size: int = CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass(frozen=True)
class Column:
    """One column of an import file."""

    name: str
    label: Promise
    required: bool = False
    example: str = ""
    help: Promise | str = ""


def cell_text(value) -> str:
    """A cell as text: numbers typed into Excel (a phone, a code) without their ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    # NFC keeps what was typed; only surrounding spaces (also full-width ones) go.
    return unicodedata.normalize("NFC", str(value)).strip().strip("\u3000").strip()


def split_list(value: str) -> list[str]:
    seen: dict[str, None] = {}
    for part in _LIST_SEPARATORS.split(value or ""):
        part = part.strip()
        if part:
            seen.setdefault(part, None)
    return list(seen)


def fold(text: str) -> str:
    """How choices are compared: full-width brackets as ASCII ones, no spaces, lower case."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


class Aliases(dict):
    """Folded names → choice values; ``labels`` are the choices as the error lists them."""

    labels: list = []


def choice_aliases(choices, extra: dict[str, str] | None = None) -> Aliases:
    """Each choice by its value, its Chinese and its English label, and the ``extra`` names
    offices write (folded)."""
    aliases = Aliases()
    aliases.labels = [label for _value, label in choices]
    for value, label in choices:
        aliases[fold(value)] = value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                aliases[fold(str(label))] = value
    for alias, value in (extra or {}).items():
        aliases[fold(alias)] = value
    return aliases


class RowErrors(Exception):
    """Errors of one row, by column name."""

    def __init__(self):
        self.errors: dict[str, list[str]] = defaultdict(list)

    def add(self, column: str, message: str) -> None:
        self.errors[column].append(message)

    def __bool__(self):
        return bool(self.errors)


@dataclass
class PendingRow:
    """What a row sets beyond the instance's own fields, applied after the bulk save."""

    instance: object
    new: bool
    data: dict = field(default_factory=dict)


class ImportResource(resources.ModelResource):
    """The shared machinery: header mapping, cell cleaning, the row loop's hooks."""

    kind: str = ""
    columns: list[Column] = []
    model_fields: list[str] = []

    class Meta:
        abstract = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.pending: list[PendingRow] = []
        self.seen_keys: dict = {}
        self.existing: dict = {}

    # -- headers --

    @classmethod
    def header_aliases(cls) -> dict[str, str]:
        aliases = {}
        for column in cls.columns:
            aliases[column.name.lower()] = column.name
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    aliases[str(column.label).strip().lower()] = column.name
        return aliases

    @classmethod
    def column_labels(cls) -> dict[str, str]:
        return {column.name: str(column.label) for column in cls.columns}

    @classmethod
    def template_headers(cls) -> list[str]:
        return [
            f"{column.label} *" if column.required else str(column.label) for column in cls.columns
        ]

    # -- the loop --

    def get_bulk_update_fields(self):
        return [name for name in self.model_fields if name != "name"]

    def get_instance(self, instance_loader, row):
        return self.existing.get(self.row_key(row))

    def row_key(self, row):
        return cell_text(row.get("name"))

    def before_import(self, dataset, **kwargs):
        rows = list(dataset.dict)
        self.row_numbers = getattr(dataset, "row_numbers", None) or list(range(2, len(rows) + 2))
        self.preload(rows)

    def import_instance(self, instance, row, **kwargs):
        errors = RowErrors()
        number = self.row_numbers[kwargs["row_number"] - 1]
        key = self.row_key(row)
        for column in self.columns:
            if column.required and not cell_text(row.get(column.name)):
                errors.add(column.name, gettext("This column is required."))
        if key and key in self.seen_keys:
            errors.add(
                "name",
                gettext("This row repeats row %(row)d of the file.") % {"row": self.seen_keys[key]},
            )
        elif key:
            self.seen_keys[key] = number
        data = self.clean_row(instance, row, errors)
        if not errors:
            # Field checks only: lengths, choices, e-mail. Uniqueness is the file's duplicate
            # check plus the natural key; references were looked up in bulk (a foreign key's
            # own check would ask the database once per row).
            exclude = [
                f.name
                for f in instance._meta.fields
                if f.name not in self.model_fields or f.is_relation
            ]
            try:
                instance.clean_fields(exclude=exclude)
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    for message in messages:
                        errors.add(name if name in self.column_labels() else "name", message)
        if errors:
            raise ValidationError({name: msgs for name, msgs in errors.errors.items()})
        self.pending.append(PendingRow(instance=instance, new=instance.pk is None, data=data))

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if result.has_errors() or result.has_validation_errors():
            return
        self.apply_pending()

    # -- per resource --

    def preload(self, rows: list[dict]) -> None:
        raise NotImplementedError

    def clean_row(self, instance, row, errors: RowErrors) -> dict:
        raise NotImplementedError

    def apply_pending(self) -> None:
        """Links that need every row saved first (parents named in the file, memberships)."""

    def preview_details(self, instance) -> str:
        return ""

    # -- cell cleaners --

    def text(self, row, name, errors: RowErrors) -> str:
        value = cell_text(row.get(name))
        if _CONTROL.search(value):
            errors.add(name, gettext("This text contains invisible control characters."))
            return ""
        return value

    def phone(self, row, name, errors: RowErrors) -> str:
        raw = self.text(row, name, errors)
        if not raw:
            return ""
        phone = normalise_phone(raw)
        if not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
            errors.add(
                name,
                gettext(
                    "“%(value)s” is not a phone number: enter a mobile number of 11 digits, "
                    "or a landline with its area code."
                )
                % {"value": mask_phone(raw) or raw[:20]},
            )
            return ""
        return phone

    def choice(self, row, name, aliases: Aliases, errors: RowErrors) -> str:
        raw = self.text(row, name, errors)
        if not raw:
            return ""
        value = aliases.get(fold(raw))
        if value is None:
            errors.add(
                name,
                gettext("“%(value)s” is not one of: %(choices)s.")
                % {"value": raw[:30], "choices": "、".join(str(label) for label in aliases.labels)},
            )
            return ""
        return value

    def date(self, row, name, errors: RowErrors) -> datetime.date | None:
        value = row.get(name)
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        raw = self.text(row, name, errors)
        if not raw:
            return None
        for fmt in _DATE_FORMATS:
            try:
                return datetime.datetime.strptime(raw, fmt).date()
            except ValueError:
                continue
        errors.add(
            name,
            gettext("“%(value)s” is not a date: write it as 2025-03-10.") % {"value": raw[:30]},
        )
        return None

    def yes_no(self, row, name, errors: RowErrors) -> bool:
        raw = self.text(row, name, errors).lower()
        if raw in _YES:
            return True
        if raw not in _NO:
            errors.add(name, gettext("Write 是 or 否."))
        return False


# --- areas, shared by stations and units -------------------------------------------------------


class AreaLookup:
    """Areas named in a file, by administrative code or by their path of names (the tail of
    the path is enough when it names one area): two or three queries per chunk of values."""

    def __init__(self, values: Iterable[str]):
        self.found: dict[str, Region | str] = {}
        values = {value for value in values if value}
        codes = {value for value in values if value.isdigit()}
        paths = {value: [p for p in _PATH_SEPARATORS.split(value) if p] for value in values - codes}
        for chunk in chunks(codes):
            by_code = defaultdict(list)
            for region in Region.objects.filter(code__in=chunk):
                by_code[region.code].append(region)
            for code in chunk:
                self._settle(code, by_code.get(code, []))
        for chunk in chunks(paths):
            last_names = {paths[value][-1] for value in chunk if paths[value]}
            candidates = defaultdict(list)
            for region in Region.objects.filter(name__in=last_names):
                candidates[region.name].append(region)
            ancestor_ids = {
                pk for regions in candidates.values() for r in regions for pk in r.ancestor_ids
            }
            names = {}
            for ids in chunks(ancestor_ids):
                names.update(Region.objects.filter(pk__in=ids).values_list("pk", "name"))
            for value in chunk:
                wanted = paths[value]
                matches = [
                    region
                    for region in candidates.get(wanted[-1] if wanted else "", [])
                    if [names.get(pk) for pk in region.ancestor_ids][-len(wanted) :] == wanted
                ]
                self._settle(value, matches)

    def _settle(self, value: str, matches: list[Region]) -> None:
        if len(matches) == 1:
            self.found[value] = matches[0]
        elif not matches:
            self.found[value] = gettext("There is no area “%(value)s”.") % {"value": value}
        else:
            self.found[value] = gettext(
                "Several areas are called “%(value)s”: write more of the path "
                "(e.g. district/street/community) or the administrative code."
            ) % {"value": value}

    def get(self, value: str, name: str, errors: RowErrors) -> Region | None:
        found = self.found.get(value)
        if isinstance(found, Region):
            return found
        if found:
            errors.add(name, found)
        return None


def area_path(region: Region | None) -> str:
    """An area's path of names, as the import files write it."""
    if region is None:
        return ""
    names = dict(Region.objects.filter(pk__in=region.ancestor_ids).values_list("pk", "name"))
    return "/".join(names[pk] for pk in region.ancestor_ids if pk in names)


def tree_errors(parents: dict[str, str]) -> dict[str, str]:
    """Names whose parent chain (file and database merged) loops or is too deep."""
    errors = {}
    for name in parents:
        seen, current, depth = {name}, parents.get(name), 0
        while current:
            depth += 1
            if current in seen:
                errors[name] = gettext("This would put it inside itself: choose another parent.")
                break
            if depth > MAX_DEPTH:
                errors[name] = gettext("The nesting is too deep.")
                break
            seen.add(current)
            current = parents.get(current)
    return errors


class NamedTreeOptions:
    """The import options of a tree matched by name (stations, units): bulk writes in chunks,
    rows checked by the resource itself (``clean_model_instances`` off)."""

    fields = ("name",)
    import_id_fields = ("name",)
    use_bulk = True
    batch_size = CHUNK
    skip_diff = True
    clean_model_instances = False


class TreeResource(ImportResource):
    """A resource whose rows nest by a ``parent`` column naming another row or an existing
    record (stations, units); the parents are linked after the bulk save."""

    class Meta:
        abstract = True

    def preload_tree(self, rows: list[dict]) -> None:
        model = self._meta.model
        names = {cell_text(row.get("name")) for row in rows} - {""}
        parent_names = {cell_text(row.get("parent")) for row in rows} - {""}
        self.existing = {}
        for chunk in chunks(names | parent_names):
            for obj in model.objects.filter(name__in=chunk):
                self.existing[obj.name] = obj
        self.file_names = names
        # The whole tree by name (5,000 stations: one light query) to refuse loops.
        parents = dict(
            model.objects.filter(parent__isnull=False).values_list("name", "parent__name")
        )
        for row in rows:
            name = cell_text(row.get("name"))
            if name:
                parents[name] = cell_text(row.get("parent"))
        self.loops = tree_errors(parents)

    def clean_parent(self, instance, row, errors: RowErrors) -> str:
        name = self.row_key(row)
        parent = self.text(row, "parent", errors)
        if not parent:
            instance.parent = None
            return ""
        if parent == name:
            errors.add("parent", gettext("This would put it inside itself: choose another parent."))
        elif name in self.loops:
            errors.add("parent", self.loops[name])
        elif parent not in self.file_names and parent not in self.existing:
            errors.add(
                "parent",
                gettext("There is no “%(value)s”, neither in the portal nor in this file.")
                % {"value": parent},
            )
        elif parent not in self.file_names:
            instance.parent = self.existing[parent]
        return parent

    def apply_pending(self) -> None:
        model = self._meta.model
        saved = {row.instance.name: row.instance for row in self.pending}
        by_parent: dict[int | None, list[int]] = defaultdict(list)
        changed = []
        for row in self.pending:
            parent_name = row.data.get("parent", "")
            parent = saved.get(parent_name) or self.existing.get(parent_name)
            parent_id = parent.pk if parent is not None else None
            if row.instance.parent_id != parent_id:
                row.instance.parent_id = parent_id
                by_parent[parent_id].append(row.instance.pk)
                changed.append(row.instance)
        # A file's rows usually hang under a few parents: one UPDATE per parent and chunk is
        # far cheaper than bulk_update's CASE over every row.
        if len(by_parent) <= 50:
            for parent_id, ids in by_parent.items():
                for chunk in chunks(ids):
                    model.objects.filter(pk__in=chunk).update(parent_id=parent_id)
        else:
            model.objects.bulk_update(changed, ["parent"], batch_size=CHUNK)


# --- stations ---------------------------------------------------------------------------------


class StationResource(TreeResource):
    kind = "stations"
    model_fields = [
        "name",
        "kind",
        "region",
        "address",
        "manager_name",
        "manager_title",
        "phone",
        "opening_hours",
        "description",
    ]
    columns = [
        Column("name", pgettext_lazy("import column", "Station name"), True),
        Column(
            "kind",
            pgettext_lazy("import column", "Kind"),
            True,
            help=pgettext_lazy("import help", "代表之家, 代表联络站, 代表工作站 or 代表联络点."),
        ),
        Column(
            "parent",
            pgettext_lazy("import column", "Parent station"),
            help=pgettext_lazy(
                "import help", "The name of a station in the portal or earlier in this file."
            ),
        ),
        Column(
            "region",
            pgettext_lazy("import column", "Area"),
            True,
            help=pgettext_lazy(
                "import help",
                "The area's administrative code, or its path of names separated by /, "
                "e.g. district/street/community.",
            ),
        ),
        Column("address", pgettext_lazy("import column", "Address"), True),
        Column("manager_name", pgettext_lazy("import column", "Manager")),
        Column("manager_title", pgettext_lazy("import column", "Manager's post")),
        Column("phone", pgettext_lazy("import column", "Public phone")),
        Column("opening_hours", pgettext_lazy("import column", "Opening hours")),
        Column("description", pgettext_lazy("import column", "Introduction")),
    ]

    class Meta(NamedTreeOptions):
        model = Station

    kinds = choice_aliases(
        Station.Kind.choices,
        {
            "代表之家": "home",
            "人大代表之家": "home",
            "代表联络站": "liaison",
            "联络站": "liaison",
            "工作站": "work",
            "联络点": "contact",
        },
    )

    def preload(self, rows):
        self.preload_tree(rows)
        self.areas = AreaLookup(cell_text(row.get("region")) for row in rows)

    def clean_row(self, instance, row, errors):
        instance.name = self.text(row, "name", errors)
        instance.kind = self.choice(row, "kind", self.kinds, errors)
        instance.region = self.areas.get(self.text(row, "region", errors), "region", errors)
        for name in ("address", "manager_name", "manager_title", "opening_hours", "description"):
            setattr(instance, name, self.text(row, name, errors))
        instance.phone = self.phone(row, "phone", errors)
        return {"parent": self.clean_parent(instance, row, errors)}

    def preview_details(self, instance):
        return instance.address


# --- handling units ---------------------------------------------------------------------------


class HandlingUnitResource(TreeResource):
    kind = "units"
    model_fields = ["name", "level", "region", "contact_name", "contact_phone"]
    columns = [
        Column("name", pgettext_lazy("import column", "Unit name"), True),
        Column(
            "level",
            pgettext_lazy("import column", "Level"),
            True,
            help=pgettext_lazy(
                "import help",
                "市级部门, 区（县）级部门, 乡镇政府（街道办事处）, 村（居）委会 or 其他单位.",
            ),
        ),
        Column(
            "parent",
            pgettext_lazy("import column", "Parent unit"),
            help=pgettext_lazy(
                "import help", "The name of a unit in the portal or earlier in this file."
            ),
        ),
        Column(
            "region",
            pgettext_lazy("import column", "Area"),
            help=pgettext_lazy(
                "import help",
                "The area's administrative code, or its path of names separated by /, "
                "e.g. district/street/community.",
            ),
        ),
        Column("contact_name", pgettext_lazy("import column", "Contact person")),
        Column("contact_phone", pgettext_lazy("import column", "Contact phone")),
    ]

    class Meta(NamedTreeOptions):
        model = HandlingUnit

    levels = choice_aliases(
        HandlingUnit.Level.choices,
        {
            "市级": "city",
            "市": "city",
            "市级部门": "city",
            "县（区）级部门": "county",
            "区（县）级部门": "county",
            "县级部门": "county",
            "区级部门": "county",
            "县直部门": "county",
            "乡镇政府": "township",
            "街道办事处": "township",
            "村委会": "village",
            "居委会": "village",
            "村（居）委会": "village",
            "其他单位": "other",
            "县级": "county",
            "区级": "county",
            "县": "county",
            "区": "county",
            "乡镇": "township",
            "街道": "township",
            "乡镇（街道）": "township",
            "村": "village",
            "社区": "village",
            "村（社区）": "village",
            "其他": "other",
        },
    )

    def preload(self, rows):
        self.preload_tree(rows)
        self.areas = AreaLookup(cell_text(row.get("region")) for row in rows)

    def clean_row(self, instance, row, errors):
        instance.name = self.text(row, "name", errors)
        instance.level = self.choice(row, "level", self.levels, errors)
        region = self.text(row, "region", errors)
        instance.region = self.areas.get(region, "region", errors) if region else None
        instance.contact_name = self.text(row, "contact_name", errors)
        instance.contact_phone = self.phone(row, "contact_phone", errors)
        return {"parent": self.clean_parent(instance, row, errors)}

    def preview_details(self, instance):
        return mask_phone(instance.contact_phone)


# --- delegates --------------------------------------------------------------------------------


class DelegateResource(ImportResource):
    """Delegates with their seats (a seat per level, in that level's current term), their
    constituency, groups and the stations they are stationed at.

    A delegate is matched by name and phone; without a phone, by name when only one delegate
    has it. Lists left empty keep what an existing delegate has; a filled list of stations or
    groups replaces theirs. Seats are only ever added: past ones are their history.
    """

    kind = "delegates"
    model_fields = [
        "name",
        "gender",
        "occupation",
        "phone",
        "email",
        "consent_public_contact",
        "bio",
        "name_pinyin",
        "name_initials",
    ]
    columns = [
        Column("name", pgettext_lazy("import column", "Name"), True),
        Column("gender", pgettext_lazy("import column", "Gender"), help="男 / 女"),
        Column(
            "levels",
            pgettext_lazy("import column", "Levels"),
            True,
            help=pgettext_lazy(
                "import help",
                "One or more of 全国, 省, 市, 县（区）, 乡镇, separated by 、; each seat is in "
                "the level's current term.",
            ),
        ),
        Column(
            "constituency",
            pgettext_lazy("import column", "Constituency"),
            help=pgettext_lazy("import help", "The name of a constituency in the portal."),
        ),
        Column(
            "groups",
            pgettext_lazy("import column", "Delegate groups"),
            help=pgettext_lazy(
                "import help", "Names of delegate groups in the portal, separated by 、."
            ),
        ),
        Column(
            "stations",
            pgettext_lazy("import column", "Stationed at"),
            help=pgettext_lazy("import help", "Names of stations in the portal, separated by 、."),
        ),
        Column(
            "since",
            pgettext_lazy("import column", "Stationed since"),
            help=pgettext_lazy("import help", "A date, e.g. 2025-03-10."),
        ),
        Column("occupation", pgettext_lazy("import column", "Occupation and post")),
        Column(
            "phone",
            pgettext_lazy("import column", "Phone"),
            help=pgettext_lazy(
                "import help", "Tells apart delegates of the same name; shown masked."
            ),
        ),
        Column("email", pgettext_lazy("import column", "Email")),
        Column(
            "consent_public_contact",
            pgettext_lazy("import column", "Contact details public"),
            help="是 / 否",
        ),
        Column("bio", pgettext_lazy("import column", "Profile")),
    ]

    class Meta:
        model = Delegate
        fields = ("name",)
        import_id_fields = ("name",)
        use_bulk = True
        batch_size = CHUNK
        skip_diff = True
        clean_model_instances = False

    genders = choice_aliases(Delegate.Gender.choices, {"男": "m", "女": "f"})
    level_aliases = choice_aliases(
        Level.choices,
        {
            "全国": "national",
            "全国人大代表": "national",
            "省": "provincial",
            "省级": "provincial",
            "市": "city",
            "市级": "city",
            "县": "county",
            "区": "county",
            "县级": "county",
            "区级": "county",
            "县（区）": "county",
            "区（县）": "county",
            "乡": "township",
            "镇": "township",
            "乡镇": "township",
            "乡（镇）": "township",
        },
    )

    def row_key(self, row):
        return (cell_text(row.get("name")), normalise_phone(cell_text(row.get("phone"))))

    def preload(self, rows):
        names = {cell_text(row.get("name")) for row in rows} - {""}
        self.by_name: dict[str, list[Delegate]] = defaultdict(list)
        for chunk in chunks(names):
            for delegate in Delegate.objects.filter(name__in=chunk).order_by("pk"):
                self.by_name[delegate.name].append(delegate)
        self.stations = self._by_name(Station, rows, "stations")
        self.groups = self._by_name(DelegateGroup, rows, "groups")
        constituencies = {cell_text(row.get("constituency")) for row in rows} - {""}
        self.constituencies: dict[str, list[Constituency]] = defaultdict(list)
        for chunk in chunks(constituencies):
            for constituency in Constituency.objects.filter(name__in=chunk):
                self.constituencies[constituency.name].append(constituency)
        on = today()
        self.terms: dict[str, Term] = {}
        current = Term.objects.filter(start_date__lte=on).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on)
        )
        for term in current.order_by("level", "number"):
            self.terms[term.level] = term  # the latest current term of each level

    @staticmethod
    def _by_name(model, rows, column) -> dict:
        names = {name for row in rows for name in split_list(cell_text(row.get(column)))}
        found = {}
        for chunk in chunks(names):
            found.update({obj.name: obj for obj in model.objects.filter(name__in=chunk)})
        return found

    def get_instance(self, instance_loader, row):
        name, phone = self.row_key(row)
        same_name = self.by_name.get(name, [])
        if phone:
            for delegate in same_name:
                if normalise_phone(delegate.phone) == phone:
                    return delegate
            return None
        if len(same_name) == 1:
            return same_name[0]
        return None

    def _names(self, row, column, found: dict, errors: RowErrors) -> list:
        values = split_list(self.text(row, column, errors))
        missing = [value for value in values if value not in found]
        if missing:
            errors.add(
                column,
                gettext("There is no “%(value)s” in the portal.") % {"value": "、".join(missing)},
            )
        return [found[value] for value in values if value in found]

    def clean_row(self, instance, row, errors):
        name, phone = self.row_key(row)
        if instance.pk is None and len(self.by_name.get(name, [])) > 1 and not phone:
            errors.add(
                "name",
                gettext(
                    "Several delegates are called “%(name)s”: give the phone number to say "
                    "which one."
                )
                % {"name": name},
            )
        instance.name = self.text(row, "name", errors)
        instance.gender = self.choice(row, "gender", self.genders, errors)
        instance.occupation = self.text(row, "occupation", errors)
        instance.phone = self.phone(row, "phone", errors)
        instance.email = self.text(row, "email", errors)
        instance.bio = self.text(row, "bio", errors)
        instance.consent_public_contact = self.yes_no(row, "consent_public_contact", errors)
        # The search columns exactly as delegate_save fills them.
        delegate_set_search_names(delegate=instance)

        levels = []
        for value in split_list(self.text(row, "levels", errors)):
            level = self.level_aliases.get(fold(value))
            if level is None:
                errors.add("levels", gettext("“%(value)s” is not a level.") % {"value": value})
            elif level not in self.terms:
                errors.add(
                    "levels",
                    gettext("The %(level)s congress has no current term: the office adds it first.")
                    % {"level": Level(level).label},
                )
            else:
                levels.append(level)
        constituency = None
        constituency_name = self.text(row, "constituency", errors)
        if constituency_name:
            matches = [
                c for c in self.constituencies.get(constituency_name, []) if c.level in levels
            ]
            if not self.constituencies.get(constituency_name):
                errors.add(
                    "constituency",
                    gettext("There is no “%(value)s” in the portal.")
                    % {"value": constituency_name},
                )
            elif not matches:
                errors.add(
                    "constituency",
                    gettext("“%(value)s” is a constituency of another level.")
                    % {"value": constituency_name},
                )
            else:
                constituency = matches[0]
        return {
            "levels": levels,
            "constituency": constituency,
            "groups": self._names(row, "groups", self.groups, errors),
            "stations": self._names(row, "stations", self.stations, errors),
            "stations_given": bool(cell_text(row.get("stations"))),
            "groups_given": bool(cell_text(row.get("groups"))),
            "since": self.date(row, "since", errors),
        }

    def preview_details(self, instance):
        return mask_phone(instance.phone)

    def apply_pending(self) -> None:
        rows = {row.instance.pk: row for row in self.pending}
        ids = list(rows)
        mandates, memberships, group_links = {}, {}, defaultdict(set)
        for chunk in chunks(ids):
            for mandate in Mandate.objects.filter(delegate_id__in=chunk):
                mandates[(mandate.delegate_id, mandate.level, mandate.term_id)] = mandate
            for membership in StationMembership.objects.filter(delegate_id__in=chunk):
                memberships[(membership.delegate_id, membership.station_id)] = membership
            for delegate_id, group_id in Delegate.groups.through.objects.filter(
                delegate_id__in=chunk
            ).values_list("delegate_id", "delegategroup_id"):
                group_links[delegate_id].add(group_id)

        new_mandates, changed_mandates = [], []
        new_memberships, gone_memberships = [], []
        new_links, gone_links = [], []
        for pk, row in rows.items():
            data = row.data
            constituency = data["constituency"]
            for level in data["levels"]:
                term = self.terms[level]
                seat_constituency = (
                    constituency if constituency and constituency.level == level else None
                )
                mandate = mandates.get((pk, level, term.pk))
                if mandate is None:
                    new_mandates.append(
                        Mandate(
                            delegate_id=pk, level=level, term=term, constituency=seat_constituency
                        )
                    )
                elif seat_constituency and mandate.constituency_id != seat_constituency.pk:
                    mandate.constituency = seat_constituency
                    changed_mandates.append(mandate)
            if data["stations_given"]:
                wanted = {station.pk for station in data["stations"]}
                for station_id in wanted:
                    membership = memberships.get((pk, station_id))
                    if membership is None:
                        new_memberships.append(
                            StationMembership(
                                delegate_id=pk, station_id=station_id, since=data["since"]
                            )
                        )
                gone_memberships += [
                    m.pk for (d, s), m in memberships.items() if d == pk and s not in wanted
                ]
            if data["groups_given"]:
                wanted = {group.pk for group in data["groups"]}
                have = group_links.get(pk, set())
                new_links += [
                    Delegate.groups.through(delegate_id=pk, delegategroup_id=g)
                    for g in wanted - have
                ]
                gone_links += [(pk, g) for g in have - wanted]
        Mandate.objects.bulk_create(new_mandates, batch_size=CHUNK)
        Mandate.objects.bulk_update(changed_mandates, ["constituency"], batch_size=CHUNK)
        StationMembership.objects.bulk_create(new_memberships, batch_size=CHUNK)
        for chunk in chunks(gone_memberships):
            StationMembership.objects.filter(pk__in=chunk).delete()
        Delegate.groups.through.objects.bulk_create(new_links, batch_size=CHUNK)
        for chunk in chunks(gone_links, 100):
            match = Q()
            for delegate_id, group_id in chunk:
                match |= Q(delegate_id=delegate_id, delegategroup_id=group_id)
            Delegate.groups.through.objects.filter(match).delete()
        # The kept performance files sort by the pinyin (as delegate_save keeps them), and
        # a new delegate gets this year's file, after the commit.
        updated = [row.instance.pk for row in self.pending if not row.new]
        for chunk in chunks(updated):
            PerformanceFigures.objects.filter(delegate_id__in=chunk).update(
                name_pinyin=Subquery(
                    Delegate.objects.filter(pk=OuterRef("delegate_id")).values("name_pinyin")[:1]
                )
            )
        performance.performance_refresh_later(ids, [today().year])


RESOURCES: dict[str, type[ImportResource]] = {
    resource.kind: resource
    for resource in (StationResource, DelegateResource, HandlingUnitResource)
}
