"""The performance list as an Excel ledger (台账), written with openpyxl.

SECURITY.md 11: scoped by the caller, stamped with exporter and time, audited by the caller
with the row count, and text that Excel would read as a formula written as text. The sheet is
write-only: each row goes to disk as it is added, so a province's 20,000 delegates do not
hold half a million cell objects in the web worker (a full workbook keeps every cell).
"""

import io

from django.utils import formats, timezone
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from congress_portal.clock import now

from .models import Level
from .performance import DELEGATE_METRICS, LABELS, PerformanceRow, Status

_FORMULA_START = ("=", "+", "-", "@")
_BEHIND_FILL = PatternFill("solid", fgColor="FDE2E1")
_HEADER_FILL = PatternFill("solid", fgColor="EFE7E1")


def _put(sheet, value):
    """One cell; a string that starts like a formula stays text (no formula injection)."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def performance_workbook(*, rows: list[PerformanceRow], year: int, exporter) -> bytes:
    """The ``rows`` of ``year`` as an .xlsx file: one line per delegate, behind ones shaded."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=gettext("Performance %(year)d") % {"year": year})
    headers = [gettext("Delegate"), gettext("Levels"), gettext("Stationed at"), gettext("Groups")]
    headers += [str(LABELS[code]) for code in DELEGATE_METRICS]
    headers += [
        gettext("Targets behind"),
        gettext("Months without a station visit"),
        gettext("Status"),
    ]
    widths = [14, 16, 28, 24] + [12] * len(DELEGATE_METRICS) + [40, 30, 10]
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "B2"
    header_font = Font(bold=True)
    header_alignment = Alignment(wrap_text=True, vertical="center")
    cells = []
    for header in headers:
        cell = _put(sheet, header)
        cell.font = header_font
        cell.fill = _HEADER_FILL
        cell.alignment = header_alignment
        cells.append(cell)
    sheet.append(cells)

    level_labels = dict(Level.choices)
    for row in rows:
        delegate = row.delegate
        behind = [item for item in row.items if item.status == Status.BEHIND]
        months = next(item for item in row.items if item.code == "station_months").missing
        values = [
            delegate.name,
            "、".join(str(level_labels[level]) for level in row.levels),
            "、".join(s.name for s in getattr(delegate, "file_stations", [])),
            "、".join(g.name for g in getattr(delegate, "file_groups", [])),
            *[item.count for item in row.items],
            "；".join(f"{item.label} {item.count}/{item.target}" for item in behind),
            "、".join(months),
            str(Status.labels[Status.BEHIND]) if row.behind else gettext("on track"),
        ]
        cells = []
        for value in values:
            cell = _put(sheet, value)
            if row.behind:
                cell.fill = _BEHIND_FILL
            cells.append(cell)
        sheet.append(cells)
    sheet.append([])
    sheet.append(
        [
            _put(
                sheet,
                gettext("Exported by %(user)s on %(time)s; %(count)d delegates.")
                % {
                    "user": getattr(exporter, "display_name", str(exporter)),
                    "time": formats.date_format(timezone.localtime(now()), "Y-m-d H:i"),
                    "count": len(rows),
                },
            )
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
