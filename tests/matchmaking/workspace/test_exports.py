"""Spreadsheet exports: formula cells escaped, values typed, both formats readable."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone
from openpyxl import load_workbook

from matchmaking.workspace.exports import Column, escape_cell, export_response

COLUMNS = [
    Column("Name", lambda row: row["name"]),
    Column("Volume", lambda row: row["volume"]),
    Column("Since", lambda row: row["since"]),
]
ROWS = [
    {"name": '=HYPERLINK("http://evil")', "volume": Decimal("1500.5"), "since": None},
    {"name": "CV Logam Ceper", "volume": -3, "since": datetime.date(2026, 11, 1)},
    {"name": "@SUM(A1)", "volume": 0, "since": datetime.date(2026, 1, 31)},
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+62 812", "'+62 812"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("Besi cor = FC200", "Besi cor = FC200"),
        ("", ""),
        (None, ""),
        (-5, -5),
        (Decimal("-2.5"), Decimal("-2.5")),
        (True, True),
    ],
)
def test_escape_cell_prefixes_only_text_a_spreadsheet_would_evaluate(value, expected):
    assert escape_cell(value) == expected


def test_escape_cell_writes_aware_datetimes_in_local_time_without_zone():
    moment = datetime.datetime(2026, 11, 28, 1, 0, tzinfo=datetime.UTC)

    assert escape_cell(moment) == datetime.datetime(2026, 11, 28, 8, 0)


def test_csv_export_has_bom_header_and_escaped_cells():
    response = export_response(rows=ROWS, columns=COLUMNS, fmt="csv", filename="direktori")

    assert response["Content-Type"].startswith("text/csv")
    stamp = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="direktori-{stamp}.csv"'
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["Name", "Volume", "Since"]
    assert rows[1] == ['\'=HYPERLINK("http://evil")', "1500.5", ""]
    assert rows[2] == ["CV Logam Ceper", "-3", "2026-11-01"]
    assert rows[3][0] == "'@SUM(A1)"


def test_xlsx_export_keeps_numbers_and_dates_typed_and_text_escaped():
    response = export_response(rows=ROWS, columns=COLUMNS, fmt="xlsx", filename="pipeline")

    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == ["Name", "Volume", "Since"]
    assert sheet["A1"].font.bold
    assert values[1][0] == '\'=HYPERLINK("http://evil")'
    assert sheet["A2"].data_type == "s"
    assert values[1][1] == 1500.5
    assert values[2][1] == -3
    assert values[2][2] == datetime.datetime(2026, 11, 1)
    assert sheet.title == "pipeline"


def test_unknown_format_is_not_found():
    with pytest.raises(Http404):
        export_response(rows=ROWS, columns=COLUMNS, fmt="pdf", filename="x")
