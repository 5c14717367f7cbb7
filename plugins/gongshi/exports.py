"""Exports in the national 双公示 data standard (domain.md §2.2): CSV, XLSX and JSON.

One row per record, with the standard's columns in the standard's order (行政许可 28 fields,
行政处罚 30 fields, then 数据导出时间). Only what the site may show as of the snapshot's date is
exported, masked the way the site masks it. The same functions write the CLI's files and the
downloadable files of the site (``/data/``).

Conventions (documented for users in docs/exports.md):

* Dates are written ``YYYY/MM/DD``: the standard's export templates and the legacy text write dates
  that way, and the city platform's import templates expect it. All dates of one file use it.
* Amounts are 万元 with exactly six decimals (``decimal(18,6)`` in the standard's tables), computed
  with ``Decimal`` (yuan / 10000), so no float rounding ever touches money.
* 数据导出时间 is the as-of date of the snapshot, not the wall clock: the same repository and date
  always give byte-identical files.
* ID numbers (法定代表人证件号码, 证件号码) and the legal representative's ID type are always blank:
  the repository holds only masked numbers of natural persons, and the site publishes no ID field of
  a legal representative (internal to the sharing platform, domain.md §2.2).
* A ``since`` batch (upward reporting) adds *withdrawal rows* for published records revoked,
  changed, cancelled, invalidated or credit-repaired: the document number, date and authority
  that identify the decision, 当前状态 and the reason in 备注 — no party, no facts.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from .masking import public_party_name, public_text
from .national_standard import EXPORT_TIME_HEADER, LICENCE_HEADERS, PARTY_HEADERS, PENALTY_HEADERS
from .records import ACTIVE_STATUS, KIND_LABEL, KINDS, PARTY_CODE_KEYS, Record, parse_date
from .timeline import PUBLIC_STATES, REPAIRED, WITHDRAWN
from .xlsxsave import keep_as_text, stamp_of, workbook_bytes

if TYPE_CHECKING:
    from .snapshot import Entry, Snapshot

FORMATS = ("csv", "xlsx", "json")
EXPORT_FORMAT_ID = "gongshi-export/1"
EXPORTED_AT = EXPORT_TIME_HEADER

LICENCE_COLUMNS: tuple[str, ...] = (*LICENCE_HEADERS, EXPORTED_AT)
PENALTY_COLUMNS: tuple[str, ...] = (*PENALTY_HEADERS, EXPORTED_AT)
COLUMNS = {"licence": LICENCE_COLUMNS, "penalty": PENALTY_COLUMNS}
# The "other" category is written the way the standard writes free-form ID types: 其他-<具体类别>.
OTHER = "其他"
CATEGORY_SEPARATOR = ";"
SIX_PLACES = Decimal("0.000001")
STATUS_COLUMN = "当前状态"


# Formatting ----------------------------------------------------------------------------------
def format_date(d: date | None) -> str:
    """A date as the standard's templates write it (``2026/03/05``); blank when absent."""
    return d.strftime("%Y/%m/%d") if d else ""


def wan_yuan(yuan: Decimal | None) -> str:
    """Yuan to 万元 with exactly six decimals (12345.6 → ``1.234560``); blank when absent."""
    if yuan is None:
        return ""
    return format((yuan / Decimal(10000)).quantize(SIX_PLACES), "f")


def _with_other(value: str, other: object) -> str:
    return f"{OTHER}-{other}" if value == OTHER and other else value


def penalty_categories_text(record: Record) -> str:
    """处罚类别 as one cell: labels joined by ``;``, 其他 written ``其他-<具体类别>``."""
    other = record.data.get("category_other")
    return CATEGORY_SEPARATOR.join(_with_other(c, other) for c in record.categories)


# Rows ----------------------------------------------------------------------------------------
def _authority(snapshot: Snapshot, key: str) -> tuple[str, str]:
    dept = snapshot.registry.departments.get(key)
    return (dept.name, dept.uscc) if dept else (key, "")


def _status_note(record: Record) -> str:
    """备注 of a row whose status is not 有效: what happened, when, and why."""
    when = format_date(record.status_date)
    reason = public_text(record, record.status_reason)
    return f"{record.status}（{when}）：{reason}" if when else f"{record.status}：{reason}"


def _decision_row(entry: Entry, snapshot: Snapshot, remarks: str) -> dict[str, str]:
    """A row with what identifies the decision (文号, 日期, 机关), its status, the data source, 备注
    and the export date; every other column blank. A withdrawal row is exactly this."""
    r = entry.record
    row = dict.fromkeys(COLUMNS[r.kind], "")
    authority_name, authority_uscc = _authority(snapshot, r.authority)
    source_name, source_uscc = _authority(snapshot, r.source_unit)
    if r.kind == "licence":
        row.update(
            {
                "行政许可决定文书号": r.doc_no,
                "许可决定日期": format_date(r.decision_date),
                "许可机关": authority_name,
                "许可机关统一社会信用代码": authority_uscc,
            }
        )
    else:
        row.update(
            {
                "行政处罚决定书文号": r.doc_no,
                "处罚决定日期": format_date(r.decision_date),
                "处罚机关": authority_name,
                "处罚机关统一社会信用代码": authority_uscc,
            }
        )
    if STATUS_COLUMN in row:  # the penalty standard has no 当前状态: the status leads 备注 there
        row[STATUS_COLUMN] = r.status
    row["数据来源单位"] = source_name
    row["数据来源单位统一社会信用代码"] = source_uscc
    row["备注"] = remarks
    row[EXPORTED_AT] = format_date(snapshot.as_of)
    return row


def record_row(entry: Entry, snapshot: Snapshot) -> dict[str, str]:
    """The standard's row for a public record (masked as on the site)."""
    r = entry.record
    p = r.party
    remarks = public_text(r, r.data.get("remarks"))
    if r.status != ACTIVE_STATUS:
        remarks = "；".join(x for x in (_status_note(r), remarks) if x)
    row = _decision_row(entry, snapshot, remarks)
    row["行政相对人名称"] = public_party_name(r)
    row["行政相对人类别"] = r.party_category
    if not r.is_natural_person:
        for i, key in enumerate(PARTY_CODE_KEYS, start=1):  # fills 行政相对人代码_1..6
            row[PARTY_HEADERS[1 + i]] = str(p.get(key, "") or "")
        row["法定代表人"] = str(p.get("legal_rep", "") or "")
    else:
        row["证件类型"] = str(p.get("id_type", "") or "")
    # 法定代表人证件类型/证件号码 and 证件号码 stay blank: never published (the standard's columns
    # 10-11 are internal to the sharing platform; see module docstring).
    d = r.data
    if r.kind == "licence":
        row.update(
            {
                "行政许可决定文书名称": public_text(r, d.get("doc_title")),
                "许可类别": _with_other(str(d.get("category", "")), d.get("category_other")),
                "许可证书名称": public_text(r, d.get("certificate_name")),
                "许可编号": str(d.get("licence_no", "") or ""),
                "许可内容": public_text(r, d.get("content")),
                "有效期自": format_date(parse_date(d.get("valid_from"))),
                "有效期至": format_date(r.valid_to),  # blank = 长期
            }
        )
    else:
        row.update(
            {
                "违法行为类型": public_text(r, d.get("violation_type")),
                "违法事实": public_text(r, d.get("facts")),
                "处罚依据": public_text(r, d.get("basis")),
                "处罚类别": penalty_categories_text(r),
                "处罚内容": public_text(r, d.get("content")),
                "罚款金额（万元）": wan_yuan(r.fine_yuan),
                "没收违法所得、没收非法财物的金额（万元）": wan_yuan(r.confiscation_yuan),
                "暂扣或吊销证照名称及编号": public_text(r, d.get("licence_affected")),
                "处罚有效期": format_date(r.valid_until),
                "公示截止期": format_date(entry.timeline.disclosure_until),
            }
        )
    return row


def withdrawal_row(entry: Entry, snapshot: Snapshot) -> dict[str, str]:
    """A notice row for a published record taken off the site: identifies the decision, says why."""
    return _decision_row(entry, snapshot, _status_note(entry.record))


# Selection -----------------------------------------------------------------------------------
def _change_date(change) -> date | None:
    d = getattr(change, "date", None)
    if isinstance(d, date):
        return d
    if isinstance(d, str):
        try:
            return date.fromisoformat(d[:10])
        except ValueError:
            return None
    return None


def touched_between(entry: Entry, since: date, as_of: date) -> bool:
    """Published, changed or withdrawn in the repository between ``since`` and ``as_of`` (inclusive)."""
    t = entry.timeline
    if t.published_at is not None and since <= t.published_at <= as_of:
        return True
    if any((cd := _change_date(c)) is not None and since <= cd <= as_of for c in entry.history):
        return True
    return t.withdrawn_on is not None and since <= t.withdrawn_on <= as_of


def is_withdrawal(entry: Entry) -> bool:
    """Public before it was revoked/changed/cancelled/invalidated or credit-repaired: the upward
    platform must take it down too. (The site's notices, ``Snapshot.withdrawal_notices``, are the
    withdrawn ones; a batch also reports credit repair.)"""
    t = entry.timeline
    if entry.state not in (WITHDRAWN, REPAIRED) or t.published_at is None or t.published_at > t.as_of:
        return False
    return t.withdrawn_on is None or t.published_at < t.withdrawn_on


@dataclass(frozen=True)
class Selection:
    """What to export: one kind or both, one department or all, everything public or a batch."""

    kind: str | None = None
    dept: str | None = None
    since: date | None = None

    def kinds(self) -> tuple[str, ...]:
        return (self.kind,) if self.kind else KINDS


def _order(entry: Entry) -> tuple:
    # Oldest decision first, then id: a stable order a reader can diff from one batch to the next.
    return (entry.timeline.decision_date, entry.record.id)


def export_rows(snapshot: Snapshot, kind: str, selection: Selection = Selection()) -> list[dict[str, str]]:
    """The rows of one kind: public records (and, in a ``since`` batch, withdrawal rows)."""
    rows: list[tuple[tuple, dict[str, str]]] = []
    for e in snapshot.entries:
        r = e.record
        if r.kind != kind or (selection.dept and r.authority != selection.dept):
            continue
        if selection.since is not None and not touched_between(e, selection.since, snapshot.as_of):
            continue
        if e.state in PUBLIC_STATES:
            rows.append((_order(e), record_row(e, snapshot)))
        elif selection.since is not None and is_withdrawal(e):
            rows.append((_order(e), withdrawal_row(e, snapshot)))
    rows.sort(key=lambda x: x[0])
    return [row for _, row in rows]


# Writers -------------------------------------------------------------------------------------
def to_csv(kind: str, rows: Iterable[dict[str, str]]) -> bytes:
    """UTF-8 with BOM and CRLF line ends, every field as text: what Excel opens without a wizard."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    columns = COLUMNS[kind]
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def to_xlsx(sheets: Sequence[tuple[str, list[dict[str, str]]]], as_of: date) -> bytes:
    """One worksheet per kind; every cell a text cell (codes and dates keep their exact form).

    Write-only mode streams rows instead of keeping a cell object graph: at 100,000 records the
    in-memory workbook was the largest single cost of a build."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    wb.properties.creator = "gongshi"
    wb.properties.title = "双公示数据导出"
    bold = Font(bold=True)
    for kind, rows in sheets:
        ws = wb.create_sheet(KIND_LABEL[kind])
        columns = COLUMNS[kind]
        for i, name in enumerate(columns, 1):
            ws.column_dimensions[get_column_letter(i)].width = min(40, max(10, len(name) * 2))
        ws.freeze_panes = "A2"

        def text_cell(value: str, font=None, ws=ws):
            cell = WriteOnlyCell(ws, value=value)
            cell.number_format = "@"
            if font is not None:
                cell.font = font
            keep_as_text((cell,))
            return cell

        ws.append([text_cell(c, bold) for c in columns])
        for row in rows:
            ws.append([text_cell(row.get(c, "")) for c in columns])
    return workbook_bytes(wb, stamp_of(as_of))  # byte-identical for the same rows and day


def export_document(snapshot: Snapshot, selection: Selection = Selection()) -> dict:
    """The JSON export (schema: schemas/api-export.schema.json)."""
    return {
        "format": EXPORT_FORMAT_ID,
        "as_of": snapshot.as_of.isoformat(),
        "since": selection.since.isoformat() if selection.since else None,
        "department": selection.dept,
        "datasets": [
            {
                "kind": kind,
                "title": KIND_LABEL[kind],
                "columns": list(COLUMNS[kind]),
                "rows": export_rows(snapshot, kind, selection),
            }
            for kind in selection.kinds()
        ],
    }


def to_json(document: dict) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=1, sort_keys=False) + "\n").encode("utf-8")


def render(snapshot: Snapshot, fmt: str, selection: Selection = Selection()) -> bytes:
    """One file's bytes. CSV holds one kind only (the two kinds have different columns)."""
    if fmt == "csv":
        if selection.kind is None:
            raise ValueError("CSV 每个文件只能导出一类数据，请加 --kind licence 或 --kind penalty。")
        return to_csv(selection.kind, export_rows(snapshot, selection.kind, selection))
    if fmt == "xlsx":
        sheets = [(k, export_rows(snapshot, k, selection)) for k in selection.kinds()]
        return to_xlsx(sheets, snapshot.as_of)
    if fmt == "json":
        return to_json(export_document(snapshot, selection))
    raise ValueError(f"不支持的导出格式 “{fmt}”。可用：{'、'.join(FORMATS)}。")


def default_filename(fmt: str, selection: Selection, as_of: date) -> str:
    """``gongshi-<dept|all>-<kind|all>-<as-of>[-since-<date>].<fmt>``."""
    parts = ["gongshi", selection.dept or "all", selection.kind or "all", as_of.isoformat()]
    if selection.since:
        parts += ["since", selection.since.isoformat()]
    return "-".join(parts) + "." + fmt


# Site downloads ------------------------------------------------------------------------------
DOWNLOAD_DIR = "data"


@dataclass(frozen=True)
class Download:
    """One file written into the site, for the downloads page to link."""

    path: str  # site-relative, ``/`` separators, e.g. ``data/scjg/penalty.csv``
    dept: str | None
    kind: str | None
    format: str
    rows: int
    size: int


def write_downloads(snapshot: Snapshot, out_dir: Path, write=None, write_keyed=None) -> list[Download]:
    """The whole site's and each department's files under ``<out_dir>/data/``.

    Per scope (whole site, then each department): ``licence.csv``, ``penalty.csv``,
    ``licence.xlsx``, ``penalty.xlsx`` and ``all.json`` (both kinds).
    """
    from .buildcache import digest
    from .jsonapi import file_writer

    put = write or file_writer(out_dir)
    written: list[Download] = []
    scopes: list[str | None] = [None, *sorted(snapshot.registry.departments)]
    for dept in scopes:
        base = f"{DOWNLOAD_DIR}/{dept}" if dept else DOWNLOAD_DIR
        rows_by_kind = {k: export_rows(snapshot, k, Selection(dept=dept)) for k in KINDS}
        for kind in KINDS:
            rows = rows_by_kind[kind]
            for fmt, produce in (
                ("csv", lambda kind=kind, rows=rows: to_csv(kind, rows)),
                ("xlsx", lambda kind=kind, rows=rows: to_xlsx([(kind, rows)], snapshot.as_of)),
            ):
                rel = f"{base}/{kind}.{fmt}"
                if write_keyed is not None:
                    # Same rows, same day → the previous build's file is kept (buildcache manifest).
                    write_keyed(rel, digest(fmt, kind, snapshot.as_of, repr(rows)), produce)
                    size = (out_dir / rel).stat().st_size
                else:
                    data = produce()
                    put(rel, data)
                    size = len(data)
                written.append(Download(rel, dept, kind, fmt, len(rows), size))
        doc = export_document(snapshot, Selection(dept=dept))
        count = sum(len(ds["rows"]) for ds in doc["datasets"])
        data = to_json(doc)
        put(f"{base}/all.json", data)
        written.append(Download(f"{base}/all.json", dept, None, "json", count, len(data)))
    return written


def write_extra(snapshot: Snapshot, out_dir: Path, site) -> dict:
    """Site hook (sitewrite.EXTRA_MODULES): the download files under ``data/`` and the page that
    lists them (``data/index.html``, template ``downloads.html``)."""
    written = write_downloads(
        snapshot, out_dir, write=site.write, write_keyed=getattr(site, "write_keyed", None)
    )
    files: dict[str | None, dict[str, Download]] = {}
    for d in written:
        files.setdefault(d.dept, {})[f"{d.kind or 'all'}.{d.format}"] = d
    depts = snapshot.registry.departments
    scopes = [(key, depts[key].name if key else "全部部门", f) for key, f in files.items()]
    site.render("downloads.html", f"{DOWNLOAD_DIR}/index.html", title="数据下载", scopes=scopes)
    return {
        "files": len(written),
        "rows": sum(d.rows for d in written if d.dept is None and d.format == "csv"),
    }
