"""Streaming Excel ledgers (台账) with openpyxl's write-only workbook.

Rows are written one by one as the ledger's keyset chunks yield them, by a background task
(``dashboard.exports``) into a file that only its requester downloads: a large export never
holds its rows in memory nor a web worker. Every text cell is written as text: a value
beginning with ``= + - @`` (or a tab or carriage return) is never read as a formula by Excel
or WPS (SECURITY.md 11): it is stored as a string and flagged with Excel's quote prefix.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL_TEXT = 32_000  # Excel's limit is 32,767 characters a cell


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 14
    wrap: bool = False


HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F2E6E6")
FOOTER_FONT = Font(italic=True, color="555555")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")


def _cell(sheet, value, column: Column | None = None):
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None, microsecond=0))
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, bool) or value is None:
        cell = WriteOnlyCell(sheet, value=value)
    elif isinstance(value, int | float):
        cell = WriteOnlyCell(sheet, value=value)
    else:
        text = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:MAX_CELL_TEXT]
        cell = WriteOnlyCell(sheet, value=text)
        # openpyxl takes a string beginning with "=" for a formula: say it is text.
        cell.data_type = "s"
        if text.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True
    if column is not None:
        cell.alignment = WRAP if column.wrap else TOP
    return cell


def write_ledger(
    *,
    path,
    title: str,
    columns: list[Column],
    rows: Iterable[list],
    footer: Callable[[int], list[str]],
    progress: Callable[[int], None] | None = None,
    every: int = 2000,
) -> int:
    """Write a one-sheet workbook to ``path``; returns the number of rows written.

    ``progress(rows so far)`` is called every ``every`` rows. openpyxl's write-only sheet
    spools its rows to a temporary file and writes strings inline (no shared-strings table),
    so memory stays flat whatever the number of rows.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    header = []
    for column in columns:
        cell = _cell(sheet, column.header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append(
            [_cell(sheet, value, column) for value, column in zip(row, columns, strict=False)]
        )
        count += 1
        if progress is not None and count % every == 0:
            progress(count)
    sheet.append([])
    for line in footer(count):
        cell = _cell(sheet, line)
        cell.font = FOOTER_FONT
        sheet.append([cell])
    workbook.save(path)
    return count
