"""Saving openpyxl workbooks byte-identically: the same inputs give the same .xlsx bytes.

openpyxl stamps the wall clock into ``docProps/core.xml`` (``dcterms:modified`` is set on every
save, whatever the workbook says) and zip entries carry the time they were written. Every .xlsx the
system writes (exports, import error reports, templates) goes through ``workbook_bytes`` instead of
``Workbook.save``: the properties get a fixed date chosen by the caller (the as-of date, or
``TEMPLATE_STAMP``), and the archive is re-packed with that date on every entry, in the same order
and with the same compression.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

CORE_PROPERTIES = "docProps/core.xml"
# Files not tied to a day (blank import templates): a constant, the platform's first year.
TEMPLATE_STAMP = datetime(2016, 1, 1)
ZIP_EPOCH = datetime(1980, 1, 1)  # the earliest time a zip entry can carry


def stamp_of(day: date) -> datetime:
    """Midnight of ``day``: the time written into a workbook made as of that day."""
    return datetime(day.year, day.month, day.day)


def keep_as_text(cells: Iterable[Cell]) -> None:
    """Make every cell that openpyxl took for a formula a text cell again.

    openpyxl stores any string starting with "=" as a formula, so a party name or an error message
    such as ``=HYPERLINK(...)`` would run in the reader's spreadsheet program. Text starting with
    "+", "-" or "@" is already stored as text (a string cell is never evaluated). Every string the
    system writes into a workbook is data, never a formula."""
    for cell in cells:
        if cell.data_type == "f":
            cell.data_type = "s"


def keep_sheet_as_text(ws: Worksheet) -> None:
    """``keep_as_text`` for every cell of the worksheet."""
    for row in ws.iter_rows():
        keep_as_text(row)


def workbook_bytes(wb: Workbook, stamp: datetime) -> bytes:
    """The workbook's .xlsx bytes, with ``stamp`` as its created/modified time and zip entry time."""
    from openpyxl.xml.functions import tostring

    wb.properties.created = stamp
    raw = io.BytesIO()
    wb.save(raw)
    wb.properties.modified = stamp  # save() has just set it to the wall clock
    core = tostring(wb.properties.to_tree())
    when = max(stamp, ZIP_EPOCH).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=when)
            member.compress_type = info.compress_type
            member.create_system = 3  # the same bytes whichever system writes them
            member.external_attr = 0o644 << 16
            body = core if info.filename == CORE_PROPERTIES else src.read(info.filename)
            dst.writestr(member, body)
    return out.getvalue()


def save_workbook(wb: Workbook, path: Path, stamp: datetime) -> None:
    Path(path).write_bytes(workbook_bytes(wb, stamp))
