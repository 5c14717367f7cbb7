"""Exports in the national 双公示 data standard (domain.md §2.2): CSV, XLSX and JSON.

One row per record, with the standard's columns in the standard's order (行政许可 28 fields,
行政处罚 30 fields, then 数据导出时间). Only what the site may show as of the snapshot's date is
exported, masked the way the site masks it. The same functions write the CLI's files and the
downloadable files of the site (``/data/``, sharded by department × kind × decision year so that a
changed record rewrites only its own files: see "Site downloads" below and docs/exports.md).

Conventions (documented for users in docs/exports.md):

* Dates are written ``YYYY/MM/DD``: the standard's export templates and the legacy text write dates
  that way, and the city platform's import templates expect it. All dates of one file use it.
* Amounts are 万元 with exactly six decimals (``decimal(18,6)`` in the standard's tables), computed
  with ``Decimal`` (yuan / 10000), so no float rounding ever touches money.
* 数据导出时间 is the as-of date of the snapshot, not the wall clock: the same repository and date
  always give byte-identical files. The site's files leave it out (they depend on their records
  only, not on the day of the build).
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
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from gongshi.core import gcpause
from gongshi.core.keys import digest, entries_key
from gongshi.core.records import (
    KIND_LABEL,
    KINDS,
    PARTY_CODE_KEYS,
    parse_date,
    with_other,
)
from gongshi.core.timeline import PUBLIC_STATES, REPAIRED, WITHDRAWN
from gongshi.public.record import PublicRecord, public_record
from gongshi.sheets.national_standard import (
    EXPORT_HEADERS,
    EXPORT_TIME_HEADER,
    PARTY_HEADERS,
    PROVISIONAL_REMARK,
    REGION_HEADER,
    REMARK_SEPARATOR,
    STATUS_HEADER,
)
from gongshi.sheets.textbook import TextSheet, text_workbook
from gongshi.sheets.xlsxsave import stamp_of
from gongshi.site.output import FileTarget, OutputWriter, SiteOutput

if TYPE_CHECKING:
    from gongshi.snapshot.build import Entry, Snapshot

FORMATS = ("csv", "xlsx", "json")
EXPORT_FORMAT_ID = "gongshi-export/1"
EXPORTED_AT = EXPORT_TIME_HEADER

# The standard's columns, then 当前状态/行政区划编码 where the standard lacks them (方案 §四(二)).
LICENCE_COLUMNS: tuple[str, ...] = (*EXPORT_HEADERS["licence"], EXPORTED_AT)
PENALTY_COLUMNS: tuple[str, ...] = (*EXPORT_HEADERS["penalty"], EXPORTED_AT)
COLUMNS = {"licence": LICENCE_COLUMNS, "penalty": PENALTY_COLUMNS}
CATEGORY_SEPARATOR = ";"
SIX_PLACES = Decimal("0.000001")
STATUS_COLUMN = STATUS_HEADER
CSV_BOM = b"\xef\xbb\xbf"
WORKBOOK_TITLE = "双公示数据导出"


# Formatting ----------------------------------------------------------------------------------
def format_date(d: date | None) -> str:
    """A date as the standard's templates write it (``2026/03/05``); blank when absent."""
    return d.strftime("%Y/%m/%d") if d else ""


def wan_yuan(yuan: Decimal | None) -> str:
    """Yuan to 万元 with exactly six decimals (12345.6 → ``1.234560``); blank when absent."""
    if yuan is None:
        return ""
    return format((yuan / Decimal(10000)).quantize(SIX_PLACES), "f")


def penalty_categories_text(pr: PublicRecord) -> str:
    """处罚类别 as one cell: labels joined by ``;``, 其他 written ``其他-<具体类别>``."""
    return CATEGORY_SEPARATOR.join(with_other(c, pr.category_other) for c in pr.categories)


# Rows ----------------------------------------------------------------------------------------
def _public(entry: Entry, snapshot: Snapshot) -> PublicRecord:
    return public_record(entry, snapshot.registry.departments)


def _status_note(pr: PublicRecord) -> str:
    """备注 of a row whose status is not 有效: what happened, when, and why."""
    when = format_date(parse_date(pr.status_date))
    reason = pr.status_reason
    return f"{pr.status}（{when}）：{reason}" if when else f"{pr.status}：{reason}"


def _decision_row(pr: PublicRecord, snapshot: Snapshot, remarks: str) -> dict[str, str]:
    """A row with what identifies the decision (文号, 日期, 机关), its status, the data source, 备注
    and the export date; every other column blank. A withdrawal row is exactly this."""
    row = dict.fromkeys(COLUMNS[pr.kind], "")
    decided = format_date(parse_date(pr.decision_date))
    if pr.kind == "licence":
        row.update(
            {
                "行政许可决定文书号": pr.doc_no,
                "许可决定日期": decided,
                "许可机关": pr.authority.name,
                "许可机关统一社会信用代码": pr.authority.uscc,
            }
        )
    else:
        row.update(
            {
                "行政处罚决定书文号": pr.doc_no,
                "处罚决定日期": decided,
                "处罚机关": pr.authority.name,
                "处罚机关统一社会信用代码": pr.authority.uscc,
            }
        )
    row[STATUS_COLUMN] = pr.status
    row[REGION_HEADER] = pr.region_code
    row["数据来源单位"] = pr.source_unit.name
    row["数据来源单位统一社会信用代码"] = pr.source_unit.uscc
    row["备注"] = remarks
    row[EXPORTED_AT] = format_date(snapshot.as_of)
    return row


def record_row(entry: Entry, snapshot: Snapshot) -> dict[str, str]:
    """The standard's row for a public record, from its public projection (as on the site)."""
    pr = _public(entry, snapshot)
    remarks = pr.remarks
    if not pr.is_active:
        remarks = "；".join(x for x in (_status_note(pr), remarks) if x)
    if entry.timeline.provisional:  # a deadline or delay counted with a provisional calendar
        remarks = REMARK_SEPARATOR.join(x for x in (remarks, PROVISIONAL_REMARK) if x)
    row = _decision_row(pr, snapshot, remarks)
    row["行政相对人名称"] = pr.party_name
    row["行政相对人类别"] = pr.party_category
    if not pr.is_natural_person:
        for i, key in enumerate(PARTY_CODE_KEYS, start=1):  # fills 行政相对人代码_1..6
            row[PARTY_HEADERS[1 + i]] = pr.party_code(key)
        row["法定代表人"] = pr.legal_rep
    else:
        row["证件类型"] = pr.id_type
    # 法定代表人证件类型/证件号码 and 证件号码 stay blank: never published (the standard's columns
    # 10-11 are internal to the sharing platform; see module docstring).
    if pr.kind == "licence":
        row.update(
            {
                "行政许可决定文书名称": pr.doc_title,
                "许可类别": with_other(pr.category, pr.category_other),
                "许可证书名称": pr.certificate_name,
                "许可编号": pr.licence_no,
                "许可内容": pr.content,
                "有效期自": format_date(parse_date(pr.valid_from)),
                "有效期至": format_date(parse_date(pr.valid_to)),  # blank = 长期
            }
        )
    else:
        row.update(
            {
                "违法行为类型": pr.violation_type,
                "违法事实": pr.facts,
                "处罚依据": pr.basis,
                "处罚类别": penalty_categories_text(pr),
                "处罚内容": pr.content,
                "罚款金额（万元）": wan_yuan(pr.fine_yuan),
                "没收违法所得、没收非法财物的金额（万元）": wan_yuan(pr.confiscation_yuan),
                "暂扣或吊销证照名称及编号": pr.licence_affected,
                "处罚有效期": format_date(parse_date(pr.valid_until)),
                "公示截止期": format_date(entry.timeline.disclosure_until),
            }
        )
    return row


def withdrawal_row(entry: Entry, snapshot: Snapshot) -> dict[str, str]:
    """A notice row for a published record taken off the site: identifies the decision, says why."""
    return _decision_row(_public(entry, snapshot), snapshot, _status_note(_public(entry, snapshot)))


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
def to_csv(kind: str, rows: Iterable[dict[str, str]], columns: Sequence[str] | None = None) -> bytes:
    """UTF-8 with BOM and CRLF line ends, every field as text: what Excel opens without a wizard."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    columns = columns or COLUMNS[kind]
    writer.writerow(columns)
    writer.writerows([row.get(c, "") for c in columns] for row in rows)
    return CSV_BOM + buf.getvalue().encode("utf-8")


def _values(columns: Sequence[str], rows: Iterable[dict[str, str]]) -> Iterator[list[str]]:
    return ([row.get(c, "") for c in columns] for row in rows)


def column_widths(columns: Sequence[str]) -> list[float]:
    return [min(40, max(10, len(name) * 2)) for name in columns]


def to_xlsx(
    sheets: Sequence[tuple[str, list[dict[str, str]]]],
    as_of: date,
    *,
    columns: dict[str, tuple[str, ...]] | None = None,
    stamp: datetime | None = None,
) -> bytes:
    """One worksheet per kind; every cell a text cell (codes and dates keep their exact form,
    nothing can become a formula), the header bold and frozen (``sheets.textbook``, XlsxWriter);
    byte-identical for the same rows and ``stamp`` (default: the as-of day)."""
    columns = columns or COLUMNS
    book = (
        TextSheet(KIND_LABEL[kind], columns[kind], _values(columns[kind], rows), column_widths(columns[kind]))
        for kind, rows in sheets
    )
    return text_workbook(book, stamp or stamp_of(as_of), title=WORKBOOK_TITLE, creator="gongshi")


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
# The site's files carry the standard's columns without 数据导出时间: a file is rewritten only when
# its records change, so it shows no build date (the downloads page says as of when).
SITE_COLUMNS: dict[str, tuple[str, ...]] = dict(EXPORT_HEADERS)
ZIP_FORMAT = "csv.zip"
# Per department and year: the CSV zipped (CSV text compresses about 10×; unzipped, the CSV files
# were three quarters of the site's downloads) and the .xlsx (itself a zip). The whole site: one
# zipped CSV per kind and year.
SITE_FORMATS = (ZIP_FORMAT, "xlsx")


@dataclass(frozen=True)
class Download:
    """One file written into the site, for the downloads page to link."""

    path: str  # site-relative, ``/`` separators, e.g. ``data/scjg/2026-penalty.csv.zip``
    dept: str | None  # None: the whole site
    year: int
    kind: str
    format: str  # "csv.zip" or "xlsx"
    rows: int
    size: int


@dataclass
class Shard:
    """The public decisions of one department, kind and decision year, in export order."""

    dept: str
    year: int
    kind: str
    entries: list[Entry]

    def path(self, fmt: str) -> str:
        return f"{DOWNLOAD_DIR}/{self.dept}/{self.year}-{self.kind}.{fmt}"

    @property
    def member(self) -> str:
        """The CSV's name inside its zip: unique across departments, so that files unzipped
        into one folder do not overwrite each other."""
        return f"{self.dept}-{self.year}-{self.kind}.csv"

    @cached_property
    def entries_digest(self) -> str:
        """``entries_key`` of the entries (asked for by each format and by the year's zip)."""
        return entries_key(self.entries)

    def key(self, snapshot: Snapshot, fmt: str) -> str:
        """Everything the file is made from (the code version is added by ``site.write_keyed``):
        the entries' keys in order, the registry (department names and codes are in every row),
        the format and the columns. Not the as-of date: no row shows it."""
        return digest(
            "download", fmt, self.kind, SITE_COLUMNS[self.kind], self.entries_digest, snapshot.registry_key
        )

    @property
    def stamp(self) -> datetime:
        """The file's date inside the workbook or zip: its newest publication (from the entries'
        timelines, so it changes only with them)."""
        return stamp_of(max(e.timeline.published_at or e.timeline.decision_date for e in self.entries))


def plan_shards(snapshot: Snapshot) -> list[Shard]:
    """Public decisions by department, decision year and kind (departments by key, newest year first).

    Reads only what the snapshot already holds (timeline, department, the folder's kind, which
    validation holds equal to ``kind``): a record whose files are kept is never unpacked."""
    groups: dict[tuple[str, int, str], list[tuple[date, str, Entry]]] = {}
    for e in snapshot.entries:
        t = e.timeline
        if t.state in PUBLIC_STATES:
            r = e.record
            decided = t.decision_date
            groups.setdefault((e.department.key, decided.year, r.folder_kind), []).append((decided, r.id, e))
    shards = []
    for (dept, year, kind), items in groups.items():
        items.sort(key=lambda x: (x[0], x[1]))  # _order: decision date, then id
        shards.append(Shard(dept, year, kind, [e for _d, _id, e in items]))
    shards.sort(key=lambda s: (s.dept, -s.year, KINDS.index(s.kind)))
    return shards


def _zip_bytes(name: str, data: bytes, stamp: datetime) -> bytes:
    """One file in a zip archive, the same bytes for the same data and stamp."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        member = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
        member.compress_type = zipfile.ZIP_DEFLATED
        member.create_system = 3
        member.external_attr = 0o644 << 16
        z.writestr(member, data)
    return out.getvalue()


def _unzip_one(data: bytes) -> bytes:
    """The one file of a zip archive written by ``_zip_bytes``."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(z.infolist()[0])


def write_downloads(snapshot: Snapshot, out_dir: Path, output: FileTarget | None = None) -> list[Download]:
    """The download files under ``<out_dir>/data/`` (docs/exports.md "Site downloads"):

    * ``data/<dept>/<year>-<kind>.csv.zip`` and ``.xlsx``: a department's public decisions of one
      kind decided in one year (the CSV ``<dept>-<year>-<kind>.csv`` in a zip archive);
    * ``data/<year>-<kind>.csv.zip``: the whole site's decisions of that kind and year, one CSV
      (the departments' CSV files joined, department by department) in a zip archive.

    With ``output`` (the site's), a file whose inputs did not change since the previous build is
    kept without computing its rows; the whole-site CSV is then joined from the departments' files
    (unzipped). Without it, the files are written under ``out_dir``.
    """
    out = output if output is not None else OutputWriter(Path(out_dir))
    fresh: dict[str, bytes] = {}  # department CSVs made in this call (the others are read back)

    def emit(rel: str, key: str, produce) -> int:
        made = []

        def producing():
            made.append(produce())
            return made[0]

        out.write_keyed(rel, key, producing)
        return len(made[0]) if made else out.current(rel).stat().st_size

    written: list[Download] = []
    shards = plan_shards(snapshot)
    for shard in shards:
        rows_memo: list[list[dict[str, str]]] = []

        def rows(shard=shard, memo=rows_memo) -> list[dict[str, str]]:
            if not memo:  # computed once for both formats, and only if one of them is produced
                memo.append([record_row(e, snapshot) for e in shard.entries])
            return memo[0]

        def zipped_csv(shard=shard, rows=rows) -> bytes:
            data = fresh[shard.path(ZIP_FORMAT)] = to_csv(shard.kind, rows(), SITE_COLUMNS[shard.kind])
            return _zip_bytes(shard.member, data, shard.stamp)

        def workbook(shard=shard, rows=rows) -> bytes:
            return to_xlsx([(shard.kind, rows())], snapshot.as_of, columns=SITE_COLUMNS, stamp=shard.stamp)

        for fmt, produce in zip(SITE_FORMATS, (zipped_csv, workbook), strict=True):
            rel = shard.path(fmt)
            size = emit(rel, shard.key(snapshot, fmt), produce)
            written.append(Download(rel, shard.dept, shard.year, shard.kind, fmt, len(shard.entries), size))

    by_year: dict[tuple[int, str], list[Shard]] = {}
    for shard in shards:
        by_year.setdefault((shard.year, shard.kind), []).append(shard)
    for (year, kind), parts in sorted(by_year.items(), key=lambda x: (-x[0][0], KINDS.index(x[0][1]))):
        rel = f"{DOWNLOAD_DIR}/{year}-{kind}.{ZIP_FORMAT}"
        key = digest(ZIP_FORMAT, *(s.key(snapshot, ZIP_FORMAT) for s in parts))
        header = len(to_csv(kind, [], SITE_COLUMNS[kind]))

        def joined(parts=parts, header=header, year=year, kind=kind) -> bytes:
            files = [
                fresh.get(s.path(ZIP_FORMAT)) or _unzip_one(out.current(s.path(ZIP_FORMAT)).read_bytes())
                for s in parts
            ]
            data = files[0][:header] + b"".join(f[header:] for f in files)
            return _zip_bytes(f"{year}-{kind}.csv", data, max(s.stamp for s in parts))

        size = emit(rel, key, joined)
        written.append(Download(rel, None, year, kind, ZIP_FORMAT, sum(len(s.entries) for s in parts), size))
    return written


def size_label(size: int) -> str:
    """1234 → ``1.2 KB``, 2_500_000 → ``2.4 MB`` (what the downloads page shows next to a link; a
    no-break space keeps number and unit together in narrow table cells)."""
    if size < 1024:
        return f"{size}\u00a0B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f}\u00a0KB"
    return f"{size / 1024 / 1024:.1f}\u00a0MB"


def downloads_page_context(snapshot: Snapshot, written: list[Download]) -> dict:
    """The downloads page's tables: the whole site by year, then each department by year."""
    files: dict[str | None, dict[int, dict[str, dict[str, dict]]]] = {}
    for d in written:
        cell = files.setdefault(d.dept, {}).setdefault(d.year, {}).setdefault(d.kind, {})
        cell[d.format] = {"path": d.path, "rows": d.rows, "size": size_label(d.size)}
    years = sorted(files.get(None, {}).items(), reverse=True)
    departments = [
        {"key": key, "name": dept.name, "years": sorted(files.get(key, {}).items(), reverse=True)}
        for key, dept in sorted(snapshot.registry.departments.items())
    ]
    return {"years": years, "departments": departments, "kinds": [(k, KIND_LABEL[k]) for k in KINDS]}


def write_extra(snapshot: Snapshot, out_dir: Path, site: SiteOutput) -> dict:
    """Site hook (``outputs.registry.OUTPUTS``): the download files under ``data/`` and the page that
    lists them (``data/index.html``, template ``downloads.html``)."""
    with gcpause.paused():
        written = write_downloads(snapshot, out_dir, output=site)
    context = downloads_page_context(snapshot, written)
    site.render("downloads.html", f"{DOWNLOAD_DIR}/index.html", title="数据下载", **context)
    return {
        "files": len(written),
        "rows": sum(d.rows for d in written if d.dept is None),
        "bytes": sum(d.size for d in written),
    }
