"""Text-only workbooks for downloads, written with XlsxWriter: every cell a text cell, byte-identical
for the same rows and stamp.

XlsxWriter writes the rows of the downloads 2–3 times faster than openpyxl's write-only mode (the
largest cost of a cold build: docs/scale.md). What makes the bytes deterministic: the document
properties carry the caller's stamp (``created``; XlsxWriter writes it as created and modified
time), the zip entries are re-stamped with it (XlsxWriter's own fixed 1980 time would do, but the
files should say the day they are as of, like ``xlsxsave.workbook_bytes``), and the shared strings
are numbered in the order the cells are written. ``strings_to_formulas``, ``strings_to_numbers``
and ``strings_to_urls`` are off: a string is stored as a string, so ``=HYPERLINK(...)`` in a party
name is text, never a formula, and ``0012`` keeps its zeros.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from gongshi.sheets.xlsxsave import ZIP_EPOCH


@dataclass(frozen=True)
class TextSheet:
    """One worksheet: its title, its header (bold, frozen), its rows and the column widths."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[str]]
    widths: Sequence[float]


def text_workbook(sheets: Iterable[TextSheet], stamp: datetime, *, title: str, creator: str) -> bytes:
    """The .xlsx bytes of ``sheets``, every cell text (number format ``@``)."""
    # lazy: XlsxWriter (~0.1 s) only for builds that write downloads and ``gongshi export``
    import xlsxwriter

    raw = io.BytesIO()
    options = {
        "in_memory": True,  # no temporary files; a download shard is at most a few thousand rows
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
    }
    wb = xlsxwriter.Workbook(raw, options)
    wb.set_properties({"title": title, "author": creator, "created": stamp})
    text = wb.add_format({"num_format": "@"})
    bold = wb.add_format({"num_format": "@", "bold": True})
    for sheet in sheets:
        ws = wb.add_worksheet(sheet.title)
        for col, width in enumerate(sheet.widths):
            ws.set_column(col, col, width, text)
        ws.freeze_panes(1, 0)
        for col, name in enumerate(sheet.header):
            ws.write_string(0, col, name, bold)
        write = ws.write_string
        for r, values in enumerate(sheet.rows, 1):
            for col, value in enumerate(values):
                if "\r" in value:
                    # What every reader saw of openpyxl's files (XML turns CR LF and CR into LF);
                    # XlsxWriter would keep the CR as the escape _x000D_, which some readers show.
                    value = value.replace("\r\n", "\n").replace("\r", "\n")
                write(r, col, value, text)
    wb.close()
    return restamp(raw.getvalue(), stamp)


def restamp(data: bytes, stamp: datetime) -> bytes:
    """The same zip archive with ``stamp`` as every entry's time (members copied, not recompressed
    differently: same order, same method)."""
    when = max(stamp, ZIP_EPOCH).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=when)
            member.compress_type = info.compress_type
            member.create_system = 3  # the same bytes whichever system writes them
            member.external_attr = 0o644 << 16
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()
