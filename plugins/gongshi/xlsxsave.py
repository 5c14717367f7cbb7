"""Saving openpyxl workbooks byte-identically: the same inputs give the same .xlsx bytes.

openpyxl stamps the wall clock into ``docProps/core.xml`` (``dcterms:modified`` is set on every
save, whatever the workbook says) and zip entries carry the time they were written. Every .xlsx the
system writes (exports, import error reports, templates) goes through ``workbook_bytes`` instead of
``Workbook.save``: the properties get a fixed date chosen by the caller (the as-of date, or
``TEMPLATE_STAMP``), and the archive is re-packed with that date on every entry, in the same order
and with the same compression.

Large text-only tables (the exports) do not go through openpyxl at all: ``text_workbook_bytes``
writes the SpreadsheetML parts directly (about 10x faster than openpyxl's write-only mode, which
builds an element per cell). Every cell is an inline string with the text number format, so no
value can ever become a formula or a number.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
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


# Text-only workbooks written directly -------------------------------------------------------
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Style ids of styles.xml below: 1 = text format ("@"), 2 = text format in bold (the header row).
_TEXT, _HEADER = 1, 2
_STYLES = (
    f'<styleSheet xmlns="{_MAIN_NS}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
# Characters XML 1.0 cannot carry are written the OOXML way (_xHHHH_), and so is a literal "_xHHHH_"
# (its "_" as _x005F_) so that spreadsheet programs do not decode it; "\r" as a character reference
# (XML parsers turn a raw CR into LF).
_SPECIAL = re.compile(r"[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
_ESCAPE = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;", "_": "_x005F_"}


def _escape_one(m: re.Match) -> str:
    c = m.group()
    return _ESCAPE.get(c) or f"_x{ord(c):04X}_"


def _xml_text(value: str) -> str:
    return _SPECIAL.sub(_escape_one, value) if _SPECIAL.search(value) else value


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    out = ""
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def _sheet_xml(
    columns: Sequence[str], rows: Iterable[Sequence[str]], widths: Sequence[float], first: bool
) -> str:
    letters = [column_letter(i) for i in range(1, len(columns) + 1)]
    parts = [
        _XML_HEAD,
        f'<worksheet xmlns="{_MAIN_NS}"><sheetViews><sheetView workbookViewId="0"',
        ' tabSelected="1"' if first else "",
        '><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/><cols>',
    ]
    parts += [f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>' for i, w in enumerate(widths, 1)]
    parts.append('</cols><sheetData><row r="1">')
    parts += [
        f'<c r="{letter}1" s="{_HEADER}" t="inlineStr"><is><t xml:space="preserve">'
        f"{_xml_text(name)}</t></is></c>"
        for letter, name in zip(letters, columns, strict=True)
    ]
    parts.append("</row>")
    append = parts.append
    n = 1
    for row in rows:
        n += 1
        append(f'<row r="{n}">')
        for letter, value in zip(letters, row, strict=True):
            if value:
                append(
                    f'<c r="{letter}{n}" s="{_TEXT}" t="inlineStr"><is><t xml:space="preserve">'
                    f"{_xml_text(value)}</t></is></c>"
                )
            else:  # an empty cell still carries the text format (what the user types stays text)
                append(f'<c r="{letter}{n}" s="{_TEXT}"/>')
        append("</row>")
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


def text_workbook_bytes(
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[str]]]],
    stamp: datetime,
    *,
    title: str = "",
    widths: Sequence[Sequence[float]] | None = None,
) -> bytes:
    """An .xlsx of text cells: one worksheet per ``(name, header, rows)``; the header row is bold and
    frozen. Every value is a string (``""`` = empty cell). Same inputs → same bytes (``stamp`` is the
    created/modified time and every zip entry's time)."""
    n = len(sheets)
    when = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    sheet_list = "".join(
        f'<sheet name="{_xml_text(name)}" sheetId="{i}" r:id="rId{i}"/>'
        for i, (name, _c, _r) in enumerate(sheets, 1)
    )
    parts: list[tuple[str, str]] = [
        (
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for i in range(1, n + 1)
            )
            + '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            "</Types>",
        ),
        (
            "_rels/.rels",
            f'<Relationships xmlns="{_PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
            f'<Relationship Id="rId2" Type="{_PKG_REL_NS}/metadata/core-properties" '
            'Target="docProps/core.xml"/>'
            f'<Relationship Id="rId3" Type="{_REL_NS}/extended-properties" Target="docProps/app.xml"/>'
            "</Relationships>",
        ),
        (
            "docProps/app.xml",
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            "<Application>gongshi</Application></Properties>",
        ),
        (
            CORE_PROPERTIES,
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
            ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{_xml_text(title)}</dc:title><dc:creator>gongshi</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified>'
            "</cp:coreProperties>",
        ),
        (
            "xl/workbook.xml",
            f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
            f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{sheet_list}</sheets></workbook>',
        ),
        (
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{_PKG_REL_NS}">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, n + 1)
            )
            + f'<Relationship Id="rId{n + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/></Relationships>',
        ),
        ("xl/styles.xml", _STYLES),
    ]
    out = io.BytesIO()
    date_time = max(stamp, ZIP_EPOCH).timetuple()[:6]
    with zipfile.ZipFile(out, "w") as z:

        def put(name: str, text: str) -> None:
            member = zipfile.ZipInfo(name, date_time=date_time)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.create_system = 3  # the same bytes whichever system writes them
            member.external_attr = 0o644 << 16
            z.writestr(member, text if text.startswith(_XML_HEAD) else _XML_HEAD + text)

        for name, text in parts:
            put(name, text)
        for i, (_name, columns, rows) in enumerate(sheets, 1):
            w = widths[i - 1] if widths else [10.0] * len(columns)
            put(f"xl/worksheets/sheet{i}.xml", _sheet_xml(columns, rows, w, i == 1))
    return out.getvalue()
