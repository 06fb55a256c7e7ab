"""Bulk import of stations, delegates and handling units from Excel: read, preview, import.

``bulk_import_preview`` reads a file and runs the import as a dry run (everything written is
rolled back) to tell each row new, update or error. ``bulk_import_run`` runs it for real, in
one transaction: if any row has an error, nothing is saved. Both only for the office.
"""

import io
import logging
import zipfile
from dataclasses import asdict, dataclass, field

import openpyxl
import tablib
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext
from import_export.results import RowResult
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from accounts.models import AuditEvent
from accounts.services import audit_record

from .resources import RESOURCES, ImportResource, cell_text

logger = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
# openpyxl reads an .xlsx (a zip) whole into memory: refuse a file that unpacks to more.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024


class NotAllowed(PermissionDenied):
    """Only the congress office imports."""


def _require_office(actor) -> None:
    if actor is None or not actor.is_office:
        raise NotAllowed(gettext("Only the congress office can do this."))


@dataclass
class PreviewRow:
    number: int  # the row in the spreadsheet (the headers are row 1)
    status: str  # new / update / error
    name: str
    details: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column label, message)


@dataclass
class Preview:
    kind: str
    rows: list[PreviewRow]
    file_errors: list[str] = field(default_factory=list)

    @property
    def new(self) -> int:
        return sum(1 for row in self.rows if row.status == "new")

    @property
    def updated(self) -> int:
        return sum(1 for row in self.rows if row.status == "update")

    @property
    def errors(self) -> int:
        return sum(1 for row in self.rows if row.status == "error")

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.errors and not self.file_errors

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "rows": [asdict(row) for row in self.rows],
            "file_errors": self.file_errors,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Preview":
        rows = [
            PreviewRow(**{**row, "errors": [tuple(pair) for pair in row["errors"]]})
            for row in data["rows"]
        ]
        return cls(kind=data["kind"], rows=rows, file_errors=data.get("file_errors", []))


def resource_for(kind: str) -> type[ImportResource]:
    try:
        return RESOURCES[kind]
    except KeyError:
        raise ValidationError(gettext("Choose what to import.")) from None


# --- the file ---------------------------------------------------------------------------------


def check_upload(content: bytes, filename: str) -> None:
    """Refuse anything but a reasonably sized .xlsx workbook, with a message saying why."""
    if not filename.lower().endswith(".xlsx"):
        raise ValidationError(
            gettext("Upload an Excel workbook (.xlsx). Save other files as .xlsx first."),
            code="type",
        )
    if len(content) > MAX_BYTES:
        raise ValidationError(
            gettext("The file is larger than %(mb)d MB: split it into several files.")
            % {"mb": MAX_BYTES // (1024 * 1024)},
            code="size",
        )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        raise ValidationError(
            gettext(
                "This is not an Excel workbook (.xlsx): open it in Excel and save it as .xlsx."
            ),
            code="type",
        ) from None
    if unpacked > MAX_UNPACKED_BYTES or "xl/workbook.xml" not in names:
        raise ValidationError(
            gettext(
                "This is not an Excel workbook (.xlsx): open it in Excel and save it as .xlsx."
            ),
            code="type",
        )


def read_dataset(kind: str, content: bytes) -> tablib.Dataset:
    """The first sheet as a dataset whose headers are the resource's column names.

    Raises ``ValidationError`` for a file that cannot be read, unknown or missing columns,
    no rows or too many."""
    resource = resource_for(kind)
    unreadable = ValidationError(
        gettext("This is not an Excel workbook (.xlsx): open it in Excel and save it as .xlsx."),
        code="type",
    )
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        logger.info("unreadable import file: %r", error)
        raise unreadable from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        headers = next(rows, None)
        if not headers:
            raise ValidationError(gettext("The first sheet is empty."), code="empty")
        aliases = resource.header_aliases()
        names, unknown = [], []
        for header in headers:
            text = cell_text(header).rstrip("*＊ ").strip()
            if not text:
                names.append(None)
                continue
            name = aliases.get(text.lower())
            if name is None or name in names:
                unknown.append(text)
            names.append(name)
        if unknown:
            raise ValidationError(
                gettext("Unknown columns: %(columns)s. Start from the template.")
                % {"columns": "、".join(unknown[:10])},
                code="columns",
            )
        missing = [
            str(column.label)
            for column in resource.columns
            if column.required and column.name not in names
        ]
        if missing:
            raise ValidationError(
                gettext("Columns missing: %(columns)s. Start from the template.")
                % {"columns": "、".join(missing)},
                code="columns",
            )
        present = [name for name in names if name]
        dataset = tablib.Dataset(headers=present)
        # The spreadsheet's own row numbers, for the preview: empty rows (Excel keeps
        # formatted ones) are skipped, not errors.
        dataset.row_numbers = []
        for number, values in enumerate(rows, 2):
            cells = {name: value for name, value in zip(names, values, strict=False) if name}
            if all(cell_text(value) == "" for value in cells.values()):
                continue
            if len(dataset) >= MAX_ROWS:
                raise ValidationError(
                    gettext("The file has more than %(n)d rows: split it into several files.")
                    % {"n": MAX_ROWS},
                    code="rows",
                )
            dataset.append([cells.get(name) for name in present])
            dataset.row_numbers.append(number)
        if not len(dataset):
            raise ValidationError(gettext("The file has no rows under the headers."), code="empty")
        return dataset
    finally:
        workbook.close()


def template_workbook(kind: str, example: list[str]) -> bytes:
    """The template: the headers (required ones marked *) and one example row."""
    resource = resource_for(kind)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = str(resource._meta.model._meta.verbose_name_plural)[:31]
    sheet.append(resource.template_headers())
    # Example cells are written as text: nothing in them is a formula.
    sheet.append([str(value) for value in example])
    bold = Font(bold=True)
    grey = Font(italic=True, color="666666")
    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(resource.columns, 1):
        header = sheet.cell(row=1, column=index)
        header.font = bold
        header.fill = fill
        sheet.cell(row=2, column=index).font = grey
        sheet.cell(row=2, column=index).data_type = "s"
        sheet.column_dimensions[get_column_letter(index)].width = max(
            12, min(40, len(str(column.label)) * 2 + 4)
        )
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet(gettext("Notes")[:31])
    notes.append([gettext("Column"), gettext("Required"), gettext("How to fill it in")])
    for cell in notes[1]:
        cell.font = bold
    for column in resource.columns:
        notes.append(
            [str(column.label), gettext("yes") if column.required else "", str(column.help)]
        )
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["C"].width = 80
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- preview and import -----------------------------------------------------------------------


def _row_messages(error: ValidationError, labels: dict[str, str]) -> list[tuple[str, str]]:
    """(column label, message) pairs in the order of the file's columns."""
    order = list(labels)
    messages = []
    by_column = sorted(
        error.message_dict.items(),
        key=lambda item: order.index(item[0]) if item[0] in order else len(order),
    )
    for name, texts in by_column:
        label = labels.get(name, "")
        for text in texts:
            messages.append((label, str(text)))
    return messages


def _run(kind: str, dataset: tablib.Dataset, *, dry_run: bool) -> Preview:
    resource = resource_for(kind)()
    labels = resource.column_labels()
    result = resource.import_data(
        dataset,
        dry_run=dry_run,
        use_transactions=True,
        rollback_on_validation_errors=True,
        raise_errors=False,
        retain_instance_in_row_result=True,
    )
    rows = []
    for number, values, row_result in zip(
        dataset.row_numbers, dataset.dict, result.rows, strict=False
    ):
        name = cell_text(values.get("name"))
        status = row_result.import_type
        errors: list[tuple[str, str]] = []
        if row_result.validation_error is not None:
            errors = _row_messages(row_result.validation_error, labels)
        if row_result.errors:
            for error in row_result.errors:
                logger.warning("import row %d failed: %r", number, error.error)
            errors.append(("", gettext("This row could not be read: check its values.")))
        if status in (RowResult.IMPORT_TYPE_INVALID, RowResult.IMPORT_TYPE_ERROR) or errors:
            status = "error"
        details = ""
        if status != "error" and row_result.instance is not None:
            details = resource.preview_details(row_result.instance)
        rows.append(
            PreviewRow(number=number, status=status, name=name, details=details, errors=errors)
        )
    file_errors = []
    for error in result.base_errors:
        logger.warning("import of %s failed: %r", kind, error.error)
        file_errors.append(
            gettext("The rows could not be saved together; nothing was saved. Check the rows.")
        )
    return Preview(kind=kind, rows=rows, file_errors=file_errors)


def bulk_import_preview(*, actor, kind: str, content: bytes) -> Preview:
    """Read the file and tell each row new, update or error; nothing is saved."""
    _require_office(actor)
    dataset = read_dataset(kind, content)
    return _run(kind, dataset, dry_run=True)


def bulk_import_run(*, actor, kind: str, content: bytes, request=None) -> Preview:
    """Import every row of the file in one transaction, or, if any row is wrong, nothing.

    Returns the outcome; ``preview.ok`` says whether the rows were saved."""
    _require_office(actor)
    dataset = read_dataset(kind, content)
    with transaction.atomic():
        outcome = _run(kind, dataset, dry_run=False)
        if not outcome.ok:
            transaction.set_rollback(True)
        elif kind == "stations":
            # The finder's station counts per area show the new stations at once.
            from stations.selectors import AREA_COUNTS_KEY

            transaction.on_commit(lambda: cache.delete(AREA_COUNTS_KEY))
    audit_record(
        action="bulk_import",
        actor=actor,
        request=request,
        object_type=resource_for(kind)._meta.model._meta.label_lower,
        outcome=AuditEvent.Outcome.SUCCESS if outcome.ok else AuditEvent.Outcome.FAILURE,
        detail={
            "kind": kind,
            "rows": len(outcome.rows),
            "new": outcome.new if outcome.ok else 0,
            "updated": outcome.updated if outcome.ok else 0,
            "errors": outcome.errors,
        },
    )
    return outcome


def template_example(kind: str) -> list[str]:
    """An example row for the template, naming an area and a station that exist."""
    from delegates.models import Level
    from stations.models import Region, Station
    from suggestions.models import HandlingUnit

    from .resources import area_path

    region = Region.objects.filter(kind__in=["community", "village"]).order_by("pk").first()
    area = area_path(region) or gettext("District/Street/Community")
    if kind == "stations":
        parent = Station.objects.filter(kind=Station.Kind.HOME).order_by("pk").first()
        return [
            gettext("Xinhua Community Liaison Station"),
            str(Station.Kind.LIAISON.label),
            parent.name if parent else "",
            area,
            gettext("No. 1 Xinhua Road"),
            gettext("Wang Li"),
            gettext("Community Party Secretary"),
            "0551-62345678",
            gettext("Monday to Friday 9:00–17:00"),
            "",
        ]
    if kind == "units":
        return [
            gettext("Xinhua Street Office"),
            str(HandlingUnit.Level.TOWNSHIP.label),
            "",
            area,
            gettext("Wang Li"),
            "13800138000",
        ]
    station = Station.objects.order_by("pk").first()
    return [
        gettext("Zhang Jianhua"),
        "男",
        f"{Level.CITY.label}、{Level.COUNTY.label}",
        "",
        "",
        station.name if station else "",
        "2025-03-10",
        gettext("Director of Xinhua Community Health Centre"),
        "13800138000",
        "",
        "否",
        "",
    ]
