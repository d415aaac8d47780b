"""Lists as spreadsheets: XLSX (openpyxl, write-only) or CSV (UTF-8 with BOM for Excel).

Text cells that a spreadsheet would read as a formula (starting with = + - @, or a tab or
carriage return) get a leading apostrophe, so an IKM name such as ``=HYPERLINK(...)`` typed
into a form cannot run in an officer's Excel (CSV/formula injection, OWASP). Numbers,
dates and booleans are written as such and never escaped."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.encoding import force_str

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Column:
    """One exported column: its header (may be a lazy translation) and how to read a row."""

    header: Any
    value: Callable[[Any], Any]


def escape_cell(value: Any) -> Any:
    """A cell value safe to open in a spreadsheet (see the module docstring)."""
    if value.__class__ is str:  # the common case first: exports run to 50,000 rows
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal | datetime.date):
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            return timezone.localtime(value).replace(tzinfo=None)
        return value
    text = force_str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def table(rows: Iterable[Any], columns: Sequence[Column]) -> Iterable[list[Any]]:
    """Header row, then one escaped row per item."""
    yield [force_str(column.header) for column in columns]
    for row in rows:
        yield [escape_cell(column.value(row)) for column in columns]


def _csv(data: Iterable[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for values in data:
        writer.writerow(
            [value.isoformat() if isinstance(value, datetime.date) else value for value in values]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx(data: Iterable[list[Any]], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    bold = Font(bold=True)
    for index, values in enumerate(data):
        if index == 0:
            cells = []
            for value in values:
                cell = WriteOnlyCell(sheet, value=value)
                cell.font = bold
                cells.append(cell)
            sheet.append(cells)
        else:
            sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_response(
    *, rows: Iterable[Any], columns: Sequence[Column], fmt: str, filename: str
) -> HttpResponse:
    """A download of ``rows`` as ``fmt`` ("csv" or "xlsx"); unknown formats are a 404."""
    if fmt not in FORMATS:
        raise Http404(f"unknown export format {fmt!r}")
    data = table(rows, columns)
    body = _csv(data) if fmt == "csv" else _xlsx(data, filename)
    stamp = timezone.localdate().isoformat()
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.{fmt}"'
    return response
