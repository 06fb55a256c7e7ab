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
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Excel opens at most 1,048,576 rows a sheet: the header, the data, a blank line and the footer.
EXCEL_ROWS = 1_048_576
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


class _Styles:
    """Each combination of alignment, number format and quote prefix a cell of the sheet can
    take, set once through openpyxl's style API and then handed to every cell like it:
    setting a style on each of 26 million cells (hashing it into the workbook's style table
    every time) took most of the time a province's ledger took."""

    def __init__(self, sheet):
        self.sheet = sheet
        self.arrays = {}

    def array(self, alignment, number_format, quote):
        key = (alignment, number_format, quote)
        if key not in self.arrays:
            cell = WriteOnlyCell(self.sheet)
            if alignment is not None:
                cell.alignment = WRAP if alignment == "wrap" else TOP
            if number_format is not None:
                cell.number_format = number_format
            if quote:
                cell.quotePrefix = True
            self.arrays[key] = cell._style
        return self.arrays[key]


def _cell(sheet, value, column: Column | None = None, styles: _Styles | None = None):
    number_format, quote, text = None, False, False
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        value = value.replace(tzinfo=None, microsecond=0)
        number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, datetime.date):
        number_format = "yyyy-mm-dd"
    elif isinstance(value, bool) or value is None or isinstance(value, int | float):
        pass
    else:
        value = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:MAX_CELL_TEXT]
        text = True
        quote = value.startswith(FORMULA_TRIGGERS)
    alignment = None if column is None else ("wrap" if column.wrap else "top")
    styles = styles or _Styles(sheet)
    # What WriteOnlyCell makes, with its style given rather than set attribute by attribute.
    cell = Cell(
        sheet,
        row=1,
        column=1,
        value=value,
        style_array=styles.array(alignment, number_format, quote),
    )
    if text:
        # openpyxl takes a string beginning with "=" for a formula: say it is text.
        cell.data_type = "s"
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
    styles = _Styles(sheet)
    room = EXCEL_ROWS - 1 - 4  # the header; a blank line and up to three footer lines
    count, cut = 0, False
    for row in rows:
        if count == room:
            cut = True
            break
        sheet.append(
            [
                _cell(sheet, value, column, styles)
                for value, column in zip(row, columns, strict=False)
            ]
        )
        count += 1
        if progress is not None and count % every == 0:
            progress(count)
    sheet.append([])
    lines = footer(count)
    if cut:
        lines.append(
            gettext(
                "Excel holds no more rows: the ledger stops after %(count)s records. "
                "Narrow the filters for the rest."
            )
            % {"count": count}
        )
    for line in lines:
        cell = _cell(sheet, line)
        cell.font = FOOTER_FONT
        sheet.append([cell])
    workbook.save(path)
    return count
