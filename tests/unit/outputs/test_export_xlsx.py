"""The .xlsx downloads (exports.to_xlsx, XlsxWriter through sheets.textbook): text cells only, never a
formula, the header bold and frozen, the same bytes for the same input; openpyxl and LibreOffice
read back exactly what was written."""

from __future__ import annotations

import csv
import io
import subprocess
import zipfile
from datetime import datetime

from gongshi.outputs.exports import to_xlsx
from openpyxl import load_workbook

from tests.unit.outputs.test_exports import _soffice

TRICKY = [
    '=HYPERLINK("https://example.invalid","点击")',  # would run as a formula if stored as one
    "=1+1",
    "+1",
    "-2",
    "@SUM(A1)",
    "0012",  # leading zeros
    "91320404MA1XYW01X0",
    "1E5",
    "  前后空格  ",
    "第一行\r\n第二行",
    "a&b<c>\"d'",
    "",
]
STAMP = datetime(2026, 11, 20)


HEADER = tuple(f"列{i}" for i in range(1, len(TRICKY) + 1))


def book(rows, stamp=STAMP) -> bytes:
    dicts = [dict(zip(HEADER, row, strict=True)) for row in rows]
    return to_xlsx([("penalty", dicts)], stamp.date(), columns={"penalty": HEADER}, stamp=stamp)


def test_text_cells_only_and_read_back_exactly():
    data = book([TRICKY, list(reversed(TRICKY))])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
        assert {i.date_time for i in z.infolist()} == {(2026, 11, 20, 0, 0, 0)}
    assert "<f>" not in sheet and "<f " not in sheet, "no formula element at all"
    ws = load_workbook(io.BytesIO(data)).active
    assert ws.title == "行政处罚" and ws.freeze_panes == "A2"
    assert all(c.font.b for c in ws[1]) and not any(c.font.b for c in ws[2])
    lf = [v.replace("\r\n", "\n") for v in TRICKY]  # XML readers normalise line breaks to LF
    for row, want in ((ws[2], lf), (ws[3], list(reversed(lf)))):
        assert [c.value if c.value is not None else "" for c in row] == want
        assert all(c.number_format == "@" for c in row)
        assert all(c.data_type == "s" for c in row if c.value is not None)
    # 10 characters wide as Excel shows it (XlsxWriter stores Excel's padding with it: 10.71).
    assert 10 <= ws.column_dimensions["A"].width < 11


def test_same_input_same_bytes_and_the_stamp_is_the_only_date():
    assert book([TRICKY]) == book([TRICKY])
    other = book([TRICKY], datetime(2027, 1, 2))
    assert other != book([TRICKY])
    with zipfile.ZipFile(io.BytesIO(other)) as z:
        core = z.read("docProps/core.xml").decode("utf-8")
    assert core.count("2027-01-02T00:00:00Z") == 2 and "2026" not in core


def test_libreoffice_reads_text_and_computes_nothing(tmp_path):
    soffice = _soffice()
    rows = [TRICKY, ["_x0041_", *[""] * (len(TRICKY) - 1)]]
    (tmp_path / "t.xlsx").write_bytes(book(rows))
    csv_filter = "44,34,76,1"
    command = [soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless"]
    command += ["--convert-to", f"csv:Text - txt - csv (StarCalc):{csv_filter}"]
    command += ["--outdir", str(tmp_path / "out"), str(tmp_path / "t.xlsx")]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "out" / "t.csv").read_text(encoding="utf-8-sig")
    got = list(csv.reader(io.StringIO(text, newline="")))
    want = [v.replace("\r\n", "\n") for v in TRICKY]  # LibreOffice writes line breaks as LF
    assert got[1] == want, "=1+1 stays text (not 2), zeros and spaces kept"
    assert got[2][0] == "_x0041_"
