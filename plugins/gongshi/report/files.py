"""A report batch as a file: XLSX (default: every cell text, so an 18-digit credit code or ID number
stays as written), CSV (one kind per file, with a first-line note that codes must be imported as
text) or JSON. Headers are the standard's Chinese names or its field codes (``--headers``)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from gongshi.core.records import KIND_LABEL
from gongshi.outputs.exports import CSV_BOM, to_xlsx
from gongshi.report import columns as col
from gongshi.report.batch import PlannedBatch

FORMATS = ("xlsx", "csv", "json")
REPORT_FORMAT_ID = "gongshi-report/1"
CSV_NOTE = (
    "说明：本文件为双公示上报数据（内部，含完整姓名和证件号码，不得公开）。导入时请把所有列设为“文本”格式："
    "统一社会信用代码、证件号码等长数字按数字导入会被改写（如 9.13204047812866e+17）。列名在第 2 行。"
)


def render_xlsx(batch: PlannedBatch, style: str) -> bytes:
    """One worksheet per kind (行政许可, 行政处罚), every cell a text cell."""
    sheets = [(kind, [col.recode(r, kind, style) for r in rows]) for kind, rows in batch.rows.items()]
    columns = {kind: col.headers(kind, style) for kind in batch.rows}
    return to_xlsx(sheets, date.fromisoformat(batch.as_of), columns=columns)


def render_csv(batch: PlannedBatch, kind: str, style: str) -> bytes:
    """UTF-8 with BOM, CRLF; line 1 the note, line 2 the headers."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    names = col.headers(kind, style)
    writer.writerow([CSV_NOTE])
    writer.writerow(names)
    for row in batch.rows.get(kind, []):
        coded = col.recode(row, kind, style)
        writer.writerow([coded.get(n, "") for n in names])
    return CSV_BOM + buf.getvalue().encode("utf-8")


def report_document(batch: PlannedBatch, style: str) -> dict:
    return {
        "format": REPORT_FORMAT_ID,
        "batch": batch.batch_id,
        "as_of": batch.as_of,
        "head": batch.head,
        "datasets": [
            {
                "kind": kind,
                "title": KIND_LABEL[kind],
                "columns": list(col.headers(kind, style)),
                "rows": [col.recode(r, kind, style) for r in rows],
            }
            for kind, rows in batch.rows.items()
        ],
    }


def render_json(batch: PlannedBatch, style: str) -> bytes:
    return (json.dumps(report_document(batch, style), ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def default_name(batch: PlannedBatch, fmt: str, kind: str | None = None) -> str:
    """``gongshi-report-<batch>[-<kind>].<fmt>``."""
    parts = ["gongshi-report", batch.batch_id] + ([kind] if kind else [])
    return "-".join(parts) + "." + fmt
