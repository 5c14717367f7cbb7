"""``gongshi import``: rows of a national-standard spreadsheet (.xlsx or .csv) to record files.

Every row is converted, then checked with the real validator (``validate.check_record_bytes``) on the
exact text that would be written, before anything touches the disk. A file with a rejected row writes
nothing unless the caller asks for the valid rows only. Each rejected row is reported with its row
number as the spreadsheet shows it, the column header as written in the file, and a Chinese reason.

Natural persons' ID numbers are masked during conversion, so an unmasked number never reaches a
record file, the terminal or the error report.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from gongshi.check.record_rules import check_record_bytes
from gongshi.check.record_rules import normalise_doc_no as _norm_doc_no
from gongshi.core import identifiers
from gongshi.core.records import KIND_LABEL, CatalogItem
from gongshi.repo.files import Registry, iter_record_files, load_record, load_registry
from gongshi.repo.yamlwrite import dump_record, record_relpath
from gongshi.sheets import national_standard as ns

MAX_HEADER_SCAN = 15
NOTES_MARK = "【填写说明】"
WHOLE_ROW = "（整行）"
EXCEL_EPOCH = date(1899, 12, 30)
LONG_TERM_FROM = date(2099, 12, 31)  # "2099/12/31" and later is the common way to write 长期


class ImportUsageError(Exception):
    """The file cannot be imported at all (unreadable, header not recognised ...): exit code 2."""


@dataclass
class RowError:
    row: int  # as the spreadsheet shows it (1-based)
    column: str  # the header as written in the file, or the standard's name of a missing column
    message: str
    severity: str = "error"


@dataclass
class ImportedRow:
    row: int
    data: dict | None = None
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    relpath: str | None = None  # set when written (or would be written, in a dry run)

    @property
    def ok(self) -> bool:
        return self.data is not None and not self.errors


@dataclass
class ImportResult:
    file: str
    dept: str
    sheet: str
    header_rows: tuple[int, ...]
    kind: str
    legacy: bool
    rows: list[ImportedRow] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    as_of: date | None = None  # the day the rows were checked (dates the error report)

    @property
    def rejected(self) -> list[ImportedRow]:
        return [r for r in self.rows if not r.ok]

    @property
    def accepted(self) -> list[ImportedRow]:
        return [r for r in self.rows if r.ok]


# --------------------------------------------------------------------------------------------
# Reading the table


@dataclass
class Table:
    sheet: str
    rows: list[tuple[int, list[object]]]  # (row number, cells)


def read_table(path: Path, kind: str | None = None) -> list[Table]:
    """All sheets of an .xlsx file (merged cells filled in) or the one table of a .csv file."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ImportUsageError(f"找不到文件 “{path}”。")
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix in (".csv", ".txt"):
        return [_read_csv(path)]
    if suffix in (".xls", ".et", ".ods"):
        raise ImportUsageError(f"不支持 {suffix} 格式。请在 Excel 或 WPS 中“另存为” .xlsx 或 .csv 后再导入。")
    raise ImportUsageError(f"不认识的文件类型 “{suffix or '（无扩展名）'}”。只能导入 .xlsx 或 .csv 文件。")


def _read_xlsx(path: Path) -> list[Table]:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportUsageError(
            f"无法读取 Excel 文件 “{path.name}”：文件已损坏或不是 .xlsx 格式（{exc}）。"
        ) from None
    tables = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        # A merged range keeps its value in the top-left cell only; every cell of it means that value.
        merged: dict[tuple[int, int], object] = {}
        for rng in ws.merged_cells.ranges:
            value = ws.cell(rng.min_row, rng.min_col).value
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    merged[(r, c)] = value
        rows = []
        for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = list(values)
            if merged:
                for c in range(1, len(cells) + 1):
                    if (r, c) in merged:
                        cells[c - 1] = merged[(r, c)]
            rows.append((r, cells))
        tables.append(Table(ws.title, rows))
    wb.close()
    return tables


def _decode(raw: bytes, name: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")  # a superset of GBK, what Excel on Chinese Windows writes
    except UnicodeDecodeError:
        raise ImportUsageError(
            f"无法识别 “{name}” 的文字编码（既不是 UTF-8 也不是 GBK）。请另存为 UTF-8 编码的 CSV。"
        ) from None


def _read_csv(path: Path) -> Table:
    try:
        text = _decode(path.read_bytes(), path.name)
    except OSError as exc:
        raise ImportUsageError(f"无法读取文件 “{path.name}”：{exc.strerror}") from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", "\t", ";"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    line = 1
    try:
        for cells in reader:
            rows.append((line, list(cells)))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ImportUsageError(f"CSV 文件第 {line} 行格式错误（{exc}）。请检查引号是否成对。") from None
    return Table(path.stem, rows)


# --------------------------------------------------------------------------------------------
# Finding the header


@dataclass
class Header:
    rows: tuple[int, ...]  # indexes into Table.rows
    labels: list[str]
    kind: str
    legacy: bool
    columns: list[ns.Column]
    unknown: list[str]


def _label_pair(top: object, bottom: object, kind: str) -> str:
    """The header of a column whose header spans two rows (a group header above, or a merged cell)."""
    t, b = _cell_text(top), _cell_text(bottom)
    if not b or t == b:
        return t
    if not t:
        return b
    for candidate in (t + b, b, t):
        if ns.header_field(candidate, kind, False) or ns.header_field(candidate, kind, True):
            return candidate
    return b


def _recognised(labels: list[str], kind: str) -> int:
    legacy = ns.is_legacy(labels)
    return sum(1 for h in labels if ns.header_field(h, kind, legacy) not in (None, "ignore"))


def find_header(table: Table, kind: str | None) -> Header | None:
    best = None  # (score, -rows, kind, index tuple, labels)
    scan = table.rows[:MAX_HEADER_SCAN]
    kinds = (kind,) if kind else ("licence", "penalty")
    for i in range(len(scan)):
        candidates = [((i,), [_cell_text(c) for c in scan[i][1]])]
        if i + 1 < len(scan):
            top, bottom = scan[i][1], scan[i + 1][1]
            width = max(len(top), len(bottom))
            top = list(top) + [None] * (width - len(top))
            bottom = list(bottom) + [None] * (width - len(bottom))
            for k in kinds:
                candidates.append(
                    ((i, i + 1), [_label_pair(a, b, k) for a, b in zip(top, bottom, strict=True)])
                )
        for idx, labels in candidates:
            for k in kinds:
                score = _recognised(labels, k)
                key = (score, -len(idx))
                if best is None or key > best[0]:
                    best = (key, k, idx, labels)
    if best is None or best[0][0] < 3:
        return None
    _, _, idx, labels = best
    scores = ns.kind_scores(labels)
    if kind is None:
        if scores["licence"] == scores["penalty"]:
            return None
        kind = "licence" if scores["licence"] > scores["penalty"] else "penalty"
    legacy = ns.is_legacy(labels)
    columns, unknown, seen = [], [], set()
    for pos, label in enumerate(labels):
        if not label:
            continue
        fid = ns.header_field(label, kind, legacy)
        if fid is None:
            unknown.append(label)
            continue
        if fid in seen and fid not in ns.IGNORED_FIELDS:
            unknown.append(f"{label}（与前面的列重复）")
            continue
        seen.add(fid)
        columns.append(ns.Column(pos, label, fid))
    return Header(idx, labels, kind, legacy, columns, unknown)


# --------------------------------------------------------------------------------------------
# Cell values

_FULLWIDTH_ALNUM = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_FULLWIDTH_ALNUM[0x3000] = 0x20
# Only letters and digits become half-width in free text; Chinese punctuation stays as written.
_TEXT_WIDTH = {k: v for k, v in _FULLWIDTH_ALNUM.items() if chr(v).isalnum() or v == 0x20}
_JUNK_PREFIX_RE = re.compile(
    r"^(?:[(（]\s*\d+\s*/\s*\d+\s*[)）])?\s*"
    r"(?:(?:统一社会信用代码|社会信用代码|信用代码|组织机构代码|工商注册号|注册号|税务登记号|"
    r"身份证号码|身份证号|身份证|证件号码|证件号)\s*[:：])?\s*"
)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return str(Decimal(repr(value)))
    text = unicodedata.normalize("NFC", str(value)).strip()
    return "" if text.lower() in ns.JUNK_VALUES else text


def clean_text(value: object) -> str:
    """Free text: full-width letters/digits and spaces to half-width, trimmed, junk words dropped."""
    return _cell_text(value).translate(_TEXT_WIDTH).strip()


def clean_code(value: object) -> str:
    """A code: NFKC, junk prefixes (“统一社会信用代码：”, “（1/1）”) and separators removed, upper case."""
    text = unicodedata.normalize("NFKC", _cell_text(value))
    text = _JUNK_PREFIX_RE.sub("", text, count=1)
    text = re.sub(r"[\s\-－—_]", "", text).upper()
    return "" if text.lower() in ns.JUNK_VALUES else text


_DATE_RES = (
    re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date_value(value: object) -> tuple[str | None, str | None]:
    """(ISO date, None) or (None, Chinese reason) for an Excel date, serial number or date text."""
    if isinstance(value, datetime):
        return value.date().isoformat(), None
    if isinstance(value, date):
        return value.isoformat(), None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, int) and 19000101 <= value <= 21991231:
            return parse_date_value(str(value))
        if 1 <= value < 100_000 and float(value).is_integer():
            return (EXCEL_EPOCH + timedelta(days=int(value))).isoformat(), None
        return None, f"“{_cell_text(value)}”不是日期"
    text = unicodedata.normalize("NFKC", _cell_text(value))
    text = re.sub(r"[T\s]+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "", text).strip()
    if re.fullmatch(r"\d{5}(\.0+)?", text):  # an Excel serial that arrived as text (CSV)
        return parse_date_value(int(float(text)))
    for pattern in _DATE_RES:
        m = pattern.match(text)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat(), None
            except ValueError:
                return None, f"“{text}”不是真实存在的日期"
    return None, f"无法识别的日期“{text}”，请写成 2026-03-05、2026/3/5、2026年3月5日 或 20260305"


def parse_amount(value: object, in_wan: bool) -> tuple[str | None, str | None]:
    """Yuan as the schema wants it (at most 2 decimals, no exponent), from 万元 or 元; exact arithmetic."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = _cell_text(value)
    else:
        text = unicodedata.normalize("NFKC", _cell_text(value)).replace(",", "").replace(" ", "")
        if text.endswith("万元"):
            text, in_wan = text[:-2], True
        elif text.endswith("元"):
            text, in_wan = text[:-1], False
        text = text.removeprefix("¥").removeprefix("￥")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None, f"金额“{text}”不是数字"
    if not amount.is_finite() or amount < 0:
        return None, f"金额“{text}”无效"
    yuan = amount * 10000 if in_wan else amount
    if yuan != yuan.quantize(Decimal("0.01")):
        unit = "万元" if in_wan else "元"
        return None, f"金额 {text} {unit}换算为元后是 {_plain(yuan)} 元，超过两位小数（分），请核对"
    return _plain(yuan), None


def _plain(amount: Decimal) -> str:
    if amount == amount.to_integral_value():
        return str(int(amount))
    return format(amount.normalize(), "f")


def mask_id_number(number: str, id_type: str) -> str:
    """The masked form that may be stored: 身份证 keeps the first 4 and last 4 characters
    (3204**********1234); other documents keep at most a quarter at each end."""
    if id_type == "身份证" and len(number) == 18:
        return number[:4] + "*" * 10 + number[-4:]
    keep = len(number) // 4
    return number[:keep] + "*" * (len(number) - 2 * keep) + (number[-keep:] if keep else "")


def mask_numbers_in(text: str) -> str:
    """Mask any ID or mobile number inside a message before it is printed or saved."""
    for _what, match in identifiers.find_unmasked_personal_numbers(text):
        digits = re.sub(r"[\s-]", "", match)
        text = text.replace(match, mask_id_number(digits, "身份证" if len(digits) == 18 else ""))
    return text


# --------------------------------------------------------------------------------------------
# Converting one row


@dataclass
class Context:
    root: Path
    registry: Registry
    dept: str
    kind: str
    legacy: bool
    columns: list[ns.Column]
    item_code: str | None = None  # --item

    def __post_init__(self) -> None:
        self.present = {c.field for c in self.columns}
        self.dept_by_name: dict[str, str] = {}
        self.dept_by_uscc: dict[str, str] = {}
        for d in self.registry.departments.values():
            for name in (d.key, d.name, d.short_name):
                if name:
                    self.dept_by_name[_name_key(name)] = d.key
            if d.uscc:
                self.dept_by_uscc[d.uscc.upper()] = d.key


def _name_key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


class _Row:
    """Collects a row's record fields, the column each came from, and conversion errors."""

    def __init__(self, ctx: Context, number: int, cells: list[object]):
        self.ctx, self.number = ctx, number
        self.raw: dict[str, object] = {}
        self.header: dict[str, str] = {}
        for col in ctx.columns:
            value = cells[col.index] if col.index < len(cells) else None
            self.raw[col.field] = value
            self.header[col.field] = col.header
        self.data: dict = {"kind": ctx.kind}
        self.party: dict = {}
        self.sources: dict[str, str] = {}  # JSON path → header
        self.errors: list[RowError] = []
        self.bad_paths: set[str] = set()

    def column(self, fid: str) -> str:
        return self.header.get(fid) or ns.standard_header(fid, self.ctx.kind)

    def text(self, fid: str) -> str:
        return clean_text(self.raw.get(fid))

    def error(self, fid: str, message: str, path: str | None = None) -> None:
        self.errors.append(RowError(self.number, self.column(fid), mask_numbers_in(message)))
        if path:
            self.bad_paths.add(path)

    def put(self, path: str, value, fid: str) -> None:
        if value in (None, "", []):
            return
        node = self.party if path.startswith("party.") else self.data
        node[path.removeprefix("party.")] = value
        self.sources["$." + path] = self.column(fid)


_TEXT_FIELDS = (
    "party.name",
    "party.legal_rep",
    "party.institution_cert_no",
    "party.social_org_reg_no",
    "doc_no",
    "doc_title",
    "certificate_name",
    "licence_no",
    "content",
    "violation_type",
    "facts",
    "basis",
    "licence_affected",
    "remarks",
)
_CODE_FIELDS = ("party.uscc", "party.business_reg_no", "party.org_code", "party.tax_reg_no")
_DATE_FIELDS = ("decision_date", "valid_from", "valid_to", "valid_until")


def _choice(text: str, labels, codes: dict, synonyms: dict) -> str | None:
    key = ns.code_key(text)
    if key is not None:
        return codes.get(key)
    if text in labels:
        return text
    return synonyms.get(text)


def convert_row(ctx: Context, number: int, cells: list[object]) -> _Row:
    row = _Row(ctx, number, cells)
    kind = ctx.kind
    for fid in _TEXT_FIELDS:
        if fid in ctx.present:
            row.put(fid, row.text(fid), fid)
    for fid in _CODE_FIELDS:
        if fid in ctx.present:
            raw = row.raw.get(fid)
            if isinstance(raw, float) and raw >= 1e15:
                row.error(
                    fid,
                    "代码被 Excel 存成了数字，末几位已经丢失。请把这一列设为“文本”格式后重新填写",
                    "$." + fid,
                )
                continue
            row.put(fid, clean_code(raw), fid)

    _party_category(row)
    _id_fields(row)
    for fid in _DATE_FIELDS:
        if fid in ctx.present and _cell_text(row.raw.get(fid)):
            if fid == "valid_to" and _cell_text(row.raw.get(fid)) in ("长期", "长期有效", "永久", "无"):
                continue
            iso, why = parse_date_value(row.raw.get(fid))
            if why:
                row.error(fid, why, "$." + fid)
            elif fid == "valid_to" and date.fromisoformat(iso) >= LONG_TERM_FROM:
                continue  # 长期: no end date
            else:
                row.put(fid, iso, fid)
    if kind == "licence":
        _licence_category(row)
    else:
        _penalty_categories(row)
        for fid, path, wan in (
            ("fine_wan", "fine_yuan", True),
            ("fine_yuan", "fine_yuan", False),
            ("confiscation_wan", "confiscation_yuan", True),
            ("confiscation_yuan", "confiscation_yuan", False),
        ):
            if fid in ctx.present and _cell_text(row.raw.get(fid)):
                yuan, why = parse_amount(row.raw.get(fid), wan)
                if why:
                    row.error(fid, why, "$." + path)
                else:
                    row.put(path, yuan, fid)
    _status(row)
    _departments(row)
    _region(row)
    _usage_scope(row)
    _legacy_defaults(row)
    _item(row)
    if row.party:
        row.data["party"] = row.party
        row.sources.setdefault("$.party", row.column("party.name"))
    return row


def _party_category(row: _Row) -> None:
    fid = "party.category"
    text = row.text(fid)
    if text:
        value = _choice(text, ns.PARTY_CATEGORIES, ns.PARTY_CATEGORY_CODES, ns.PARTY_CATEGORY_SYNONYMS)
        if value is None:
            row.error(
                fid,
                f"行政相对人类别“{text}”无法识别。可填：法人及非法人组织、自然人、个体工商户"
                "（或代码 01 自然人、02 法人、03 非法人组织、04 个体工商户）",
                "$.party.category",
            )
            return
        row.put(fid, value, fid)
        return
    if fid in row.ctx.present:
        return  # the column is there but empty: the validator says it is required
    # Older shapes have no category column: infer it from the codes the row carries.
    uscc = row.party.get("uscc", "")
    id_no = clean_code(row.raw.get("party.id_no"))
    if uscc == identifiers.USCC_PLACEHOLDER or uscc.startswith("92"):
        value = "个体工商户"
    elif uscc:
        value = "法人及非法人组织"
    elif id_no or row.text("party.id_type"):
        value = "自然人"
    elif row.party.get("legal_rep") or row.party.get("org_code"):
        value = "法人及非法人组织"
    else:
        row.error(
            fid,
            "表格没有“行政相对人类别”列，本行也没有可据以判断的代码。请增加该列并填写",
            "$.party.category",
        )
        return
    row.party["category"] = value
    row.sources["$.party.category"] = row.column("party.uscc" if uscc else fid)


def _id_type(row: _Row, fid: str) -> str | None:
    text = row.text(fid)
    if not text:
        return None
    normal = unicodedata.normalize("NFKC", text)
    m = re.match(r"^其他\s*[-—:：]\s*(\S.*)$", normal)
    if m:
        return "其他-" + m.group(1).strip()
    value = _choice(normal, ns.ID_TYPES, ns.ID_TYPE_CODES, ns.ID_TYPE_SYNONYMS)
    if value is None:
        row.error(
            fid,
            f"证件类型“{text}”无法识别。可填：{'、'.join(ns.ID_TYPES)}，或“其他-证件名称”（或代码 01–05）",
            "$." + fid,
        )
    return value


def _id_fields(row: _Row) -> None:
    legal_type = _id_type(row, "party.legal_rep_id_type")
    row.put("party.legal_rep_id_type", legal_type, "party.legal_rep_id_type")
    id_type = _id_type(row, "party.id_type")
    raw = row.raw.get("party.id_no")
    if isinstance(raw, float) and raw >= 1e15:
        row.error(
            "party.id_no",
            "证件号码被 Excel 存成了数字，末几位已经丢失。请把这一列设为“文本”格式后重新填写",
            "$.party.id_no_masked",
        )
        return
    number = clean_code(raw)
    if re.fullmatch(r"\d(\.\d+)?E\+?\d+", number):
        row.error(
            "party.id_no",
            "证件号码被写成了科学计数法（Excel 把它当成了数字），末几位已经丢失。"
            "请把这一列设为“文本”格式后重新填写",
            "$.party.id_no_masked",
        )
        return
    if not number:
        row.put("party.id_type", id_type, "party.id_type")
        return
    category = row.party.get("category")
    if category and category != "自然人":
        # A company's row with a person's number in it: never store it. Say so.
        row.error(
            "party.id_no",
            "证件号码只用于行政相对人是自然人的记录；单位的证件号码不导入，请删除",
            "$.party.id_no_masked",
        )
        return
    if id_type is None and "party.id_type" in row.bad_paths:
        return
    if id_type is None and re.fullmatch(r"\d{17}[\dX]|\d{15}", number.replace("*", "0")):
        id_type = "身份证"
    if id_type is None:
        row.error(
            "party.id_type",
            "填写了证件号码，但没有证件类型。请填写证件类型（身份证、护照号等）",
            "$.party.id_type",
        )
        return
    row.put("party.id_type", id_type, "party.id_type")
    if "*" not in number:
        if id_type == "身份证":
            if len(number) == 15 and number.isdigit():
                with contextlib.suppress(ValueError):
                    number = identifiers.resident_id_15_to_18(number)
            decided = parse_date_value(row.raw.get("decision_date"))[0]
            why = identifiers.resident_id_problem(number, date.fromisoformat(decided) if decided else None)
            if why:
                row.error("party.id_no", f"身份证号码无效：{why}", "$.party.id_no_masked")
                return
        number = mask_id_number(number, id_type)
    row.put("party.id_no_masked", number, "party.id_no")


def _licence_category(row: _Row) -> None:
    fid = "category"
    text = unicodedata.normalize("NFKC", row.text(fid))
    if not text:
        return
    m = re.match(r"^其他\s*[-—:：(]\s*([^)]+?)\s*\)?$", text)
    if m:
        row.put("category", "其他", fid)
        row.put("category_other", m.group(1), fid)
        return
    value = _choice(text, ns.LICENCE_CATEGORIES, ns.LICENCE_CATEGORY_CODES, {})
    if value is None:
        row.error(
            fid,
            f"许可类别“{text}”无法识别。可填：{'、'.join(ns.LICENCE_CATEGORIES)}（或代码 01–06）；"
            "其他类别写成“其他-具体类别”",
            "$.category",
        )
        return
    row.put("category", value, fid)


_CATEGORY_SPLIT_RE = re.compile(r"[,;、/|\s]+")
# “其他-责令改正” (what exports write), “其他：…”, “其他（…）”, anywhere in the list.
_OTHER_RE = re.compile(r"其他\s*[-—:：(]\s*([^;,、|/()\s]+)\s*\)?")


def _penalty_categories(row: _Row) -> None:
    out: list[str] = []
    other = None
    for fid in ("categories", "categories2"):
        text = unicodedata.normalize("NFKC", row.text(fid))
        if not text:
            continue
        for phrase, label in ns.PENALTY_CATEGORY_SYNONYMS.items():
            if label and "、" in phrase:
                text = text.replace(phrase, label)
        m = _OTHER_RE.search(text)
        if m:
            other = m.group(1)
            text = text[: m.start()] + "其他" + text[m.end() :]
        for token in filter(None, _CATEGORY_SPLIT_RE.split(text)):
            key = ns.code_key(token)
            if key is not None:
                if row.ctx.legacy:
                    label = ns.LEGACY_PENALTY_CATEGORY_CODES.get(key, "?")
                    if label is None:
                        row.error(
                            fid,
                            f"旧标准处罚类别代码 {token}（{ns.LEGACY_PENALTY_CATEGORY_LABELS[key]}）"
                            "对应现行的两种处罚，"
                            "无法确定是哪一种。请改写为具体的处罚类别名称，例如 没收违法所得",
                            "$.categories",
                        )
                        continue
                else:
                    label = ns.PENALTY_CATEGORY_CODES.get(key, "?")
            elif token in ns.PENALTY_CATEGORIES:
                label = token
            else:
                label = ns.PENALTY_CATEGORY_SYNONYMS.get(token) or "?"
            if label == "?":
                row.error(
                    fid,
                    f"处罚类别“{token}”无法识别。可填：{'、'.join(ns.PENALTY_CATEGORIES)}"
                    "（多项用顿号分隔；其他种类写成“其他-具体种类”）",
                    "$.categories",
                )
                continue
            if label not in out:
                out.append(label)
    if out:
        row.put("categories", out, "categories")
    if other:
        row.put("category_other", other, "categories")


def _status(row: _Row) -> None:
    fid = "status"
    text = row.text(fid)
    if not text:
        return
    key = ns.code_key(text)
    if key is not None:
        value = (ns.LEGACY_STATUS_CODES if row.ctx.legacy else ns.STATUS_CODES).get(key, "?")
    else:
        value = text if text in ns.STATUSES else ns.STATUS_SYNONYMS.get(text, "?")
    if value in (None, "?"):
        row.error(
            fid,
            f"当前状态“{text}”无法识别或没有对应的状态。可填：{'、'.join(ns.STATUSES)}",
            "$.status",
        )
        return
    if value != "有效":
        row.put("status", value, fid)


def _resolve_dept(row: _Row, name_fid: str, uscc_fid: str, what: str, path: str) -> str | None:
    ctx = row.ctx
    name = row.text(name_fid)
    uscc = clean_code(row.raw.get(uscc_fid))
    by_name = by_uscc = None
    known = "、".join(d.name for d in ctx.registry.departments.values())
    if name:
        by_name = ctx.dept_by_name.get(_name_key(name))
        if by_name is None:
            row.error(
                name_fid,
                f"{what}“{name}”不在部门登记册（data/departments.yaml）中。登记册中的部门：{known}",
                path,
            )
            return None
    if uscc:
        by_uscc = ctx.dept_by_uscc.get(uscc)
        if by_uscc is None:
            row.error(uscc_fid, f"{what}统一社会信用代码“{uscc}”不属于登记册中的任何部门。请核对", path)
            return None
    if by_name and by_uscc and by_name != by_uscc:
        row.error(
            uscc_fid,
            f"{what}统一社会信用代码“{uscc}”是“{ctx.registry.departments[by_uscc].name}”的，"
            f"与{what}名称“{name}”不符。请核对",
            path,
        )
        return None
    return by_name or by_uscc


def _departments(row: _Row) -> None:
    ctx = row.ctx
    authority = _resolve_dept(row, "authority_name", "authority_uscc", "决定机关", "$.authority")
    if authority is None and any(
        e.column in (row.column("authority_name"), row.column("authority_uscc")) for e in row.errors
    ):
        row.bad_paths.add("$.authority")
        return
    authority = authority or ctx.dept
    row.data["authority"] = authority
    row.sources["$.authority"] = row.column(
        "authority_name" if "authority_name" in ctx.present else "authority_uscc"
    )
    source = _resolve_dept(row, "source_name", "source_uscc", "数据来源单位", "$.source_unit")
    if source is None and authority != ctx.dept:
        source = ctx.dept  # the importing department reports a decision of another authority
    if source and source != authority:
        row.data["source_unit"] = source
        row.sources["$.source_unit"] = row.column(
            "source_name" if "source_name" in ctx.present else "source_uscc"
        )


def _region(row: _Row) -> None:
    code = clean_code(row.raw.get("region_code"))
    if not code:
        return
    dept = row.ctx.registry.departments.get(row.data.get("authority", ""))
    if dept is None or dept.region_code != code:
        row.put("region_code", code, "region_code")


def _usage_scope(row: _Row) -> None:
    text = row.text("usage_scope")
    key = ns.code_key(text) if text else None
    if key in ("1", "2") or text in ("仅政府部门内部共享", "仅可授权查询"):
        row.data["disclosure"] = {
            "public": False,
            "reason": "其他",
            "note": "信息使用范围：仅政府部门内部共享或授权查询",
        }
        row.sources["$.disclosure"] = row.column("usage_scope")


def _legacy_defaults(row: _Row) -> None:
    """The legacy standard has no 文书名称 / 有效期自 / 违法行为类型 columns: derive them (announced once)."""
    ctx = row.ctx
    name = row.text("item_name")
    if ctx.kind == "licence":
        if "doc_title" not in ctx.present and name:
            row.put("doc_title", name, "item_name")
        if "valid_from" not in ctx.present and "decision_date" in row.data:
            row.put("valid_from", row.data["decision_date"], "decision_date")
    elif "violation_type" not in ctx.present and name:
        row.put("violation_type", name, "item_name")


def _item(row: _Row) -> None:
    ctx = row.ctx
    authority = row.data.get("authority")
    if not authority:
        return
    items = [i for i in ctx.registry.catalog_by_dept.get(authority, []) if i.kind == ctx.kind]
    label = KIND_LABEL[ctx.kind]
    listing = "；".join(f"{i.code} {i.name}" for i in items) or f"（该部门目录中没有{label}事项）"
    for fid in ("item", "item_name"):
        text = row.text(fid)
        if not text:
            continue
        found = _match_item(text, items)
        if found is None:
            row.error(
                fid,
                f"“{text}”不是{authority}目录中的{label}事项（按编码或名称匹配）。可用的事项：{listing}",
                "$.item",
            )
            return
        row.put("item", found.code, fid)
        return
    if ctx.item_code:
        row.data["item"] = ctx.item_code
        row.sources["$.item"] = "（--item 参数）"
        return
    if len(items) == 1:
        row.data["item"] = items[0].code
        row.sources["$.item"] = ns.ITEM_HEADER
        return
    columns = "“目录事项”" + ("或“项目名称”" if ctx.kind == "licence" else "或“处罚名称”")
    have = [c for c in ("item", "item_name") if c in ctx.present]
    why = f"本行的{columns}是空的" if have else f"表格没有{columns}列"
    row.error(
        have[0] if have else "item",
        f"无法确定目录事项：{why}，而 {authority} 的目录中有 {len(items)} 个{label}事项。"
        f"请填写事项编码或名称，或用 --item 指定。可用的事项：{listing}",
        "$.item",
    )


def _match_item(text: str, items: list[CatalogItem]) -> CatalogItem | None:
    key = _name_key(text)
    first = text.split()[0].lower()  # the template's dropdown offers "<code> <name>"
    for i in items:
        if key.lower() == i.code or first == i.code or key == _name_key(i.name):
            return i
    return None


# --------------------------------------------------------------------------------------------
# The whole file


def _is_blank(cells: list[object]) -> bool:
    return all(not _cell_text(c) for c in cells)


def _is_notes_row(cells: list[object]) -> bool:
    texts = [_cell_text(c) for c in cells if _cell_text(c)]
    return bool(texts) and all(t.startswith(NOTES_MARK) for t in texts)


def _existing(root: Path) -> tuple[set[str], dict[tuple[str, str], str]]:
    """Record ids in use and (authority, normalised doc_no) → file of every record in the repository."""
    ids, doc_nos = set(), {}
    for rf in iter_record_files(root):
        ids.add(rf.id)
        record, _ = load_record(root, rf)
        if record is not None and isinstance(record.data.get("doc_no"), str):
            doc_nos.setdefault((record.authority, _norm_doc_no(record.data["doc_no"])), rf.relpath)
    return ids, doc_nos


def _column_of(path: str, row: _Row) -> str:
    path = re.sub(r"\[\d+\]", "", path)
    while True:
        if path in row.sources:
            return row.sources[path]
        fid = path.removeprefix("$.")
        fid = {
            "party.id_no_masked": "party.id_no",
            "fine_yuan": "fine_wan",
            "confiscation_yuan": "confiscation_wan",
        }.get(fid, fid)
        if fid in ("authority", "source_unit"):
            fid = "authority_name" if fid == "authority" else "source_name"
        header = ns.standard_header(fid, row.ctx.kind)
        if header != fid:
            return row.header.get(fid, header)
        if "." not in fid:
            return WHOLE_ROW
        path = path.rsplit(".", 1)[0]


def run_import(
    root: Path,
    file: Path,
    dept: str,
    kind: str | None = None,
    *,
    as_of: date,
    item_code: str | None = None,
    registry: Registry | None = None,
) -> ImportResult:
    """Convert and check every row; nothing is written (see ``write_records``)."""
    registry = registry or load_registry(root)
    if dept not in registry.departments:
        known = "、".join(sorted(registry.departments)) or "（登记册为空）"
        raise ImportUsageError(f"部门代号 “{dept}” 不在 data/departments.yaml 中。可用的部门：{known}。")
    if item_code is not None and item_code not in registry.catalog:
        raise ImportUsageError(f"--item “{item_code}” 不是目录中的事项编码。")
    tables = read_table(file, kind)
    header = table = None
    for t in tables:
        header = find_header(t, kind)
        if header is not None:
            table = t
            break
    if header is None or table is None:
        raise ImportUsageError(_header_help(tables, kind))
    present = {c.field for c in header.columns}
    required = list(ns.REQUIRED_COLUMNS[header.kind])
    if not header.legacy:
        required += ns.REQUIRED_CURRENT_ONLY[header.kind]
    missing = [h for fid, h in required if fid not in present]
    if missing:
        raise ImportUsageError(
            f"“{file.name}”（工作表“{table.sheet}”）像是{KIND_LABEL[header.kind]}表，但缺少必需的列："
            f"{'、'.join(missing)}。请按国家标准的表头补齐（可用 gongshi template --format xlsx 生成模板）。"
        )
    ctx = Context(root, registry, dept, header.kind, header.legacy, header.columns, item_code)
    result = ImportResult(
        file=file.name,
        dept=dept,
        sheet=table.sheet,
        header_rows=tuple(table.rows[i][0] for i in header.rows),
        kind=header.kind,
        legacy=header.legacy,
        as_of=as_of,
    )
    if header.unknown:
        result.notices.append(f"以下列不是国家标准的列，已忽略：{'、'.join(header.unknown)}。")
    if "legal_rep_id_no" in present:
        result.notices.append("“法定代表人证件号码”列不导入（个人证件号码不写入仓库）。")
    if header.legacy:
        derived = []
        if header.kind == "licence":
            derived = ["行政许可决定文书名称取“项目名称”", "有效期自取“许可决定日期”"]
        elif "violation_type" not in present:
            derived = ["违法行为类型取“处罚名称”"]
        result.notices.append(
            "按旧版（2016）双公示标准读取" + (f"：{'，'.join(derived)}。请核对。" if derived else "。")
        )

    ids, doc_nos = _existing(root)
    seen_in_file: dict[tuple[str, str], int] = {}
    last_header = max(header.rows)
    for index, (number, cells) in enumerate(table.rows):
        if index <= last_header or _is_blank(cells):
            continue
        if index == last_header + 1 and _is_notes_row(cells):
            continue
        result.rows.append(_check_row(ctx, number, cells, as_of, doc_nos, seen_in_file))
    _assign_ids(root, result, ids)
    return result


# A cell that could not be read makes the checks that depend on it meaningless (they would only
# repeat the first error in other words).
_DEPENDENT = {
    "$.categories": ("$.fine_yuan", "$.confiscation_yuan", "$.licence_affected", "$.category_other"),
    "$.authority": ("$.item", "$.source_unit", "$"),
    "$.party.category": ("$.party.uscc", "$.party.legal_rep", "$.party.id_type", "$.party.id_no_masked"),
    "$.category": ("$.category_other",),
}


def _check_row(ctx: Context, number: int, cells, as_of: date, doc_nos, seen_in_file) -> ImportedRow:
    row = convert_row(ctx, number, cells)
    out = ImportedRow(number, errors=list(row.errors))
    data = row.data
    year = (data.get("decision_date") or "0000")[:4]
    relpath = record_relpath(
        ctx.dept, ctx.kind, year if year != "0000" else as_of.year, f"{ctx.dept}-import-check"
    )
    raw = dump_record(data).encode("utf-8")
    check = check_record_bytes(ctx.root, relpath, raw, ctx.registry, as_of)
    for bad in list(row.bad_paths):
        row.bad_paths.update(_DEPENDENT.get(bad, ()))
    for p in check.problems:
        if p.path in row.bad_paths or any(p.path.startswith(b + ".") for b in row.bad_paths):
            continue  # already reported with the reason the cell could not be read
        if p.code == "schema.required" and p.path.rsplit(".", 1)[0] in row.bad_paths:
            continue
        err = RowError(number, _column_of(p.path, row), mask_numbers_in(p.message), p.severity)
        (out.errors if p.severity == "error" else out.warnings).append(err)
    key = (data.get("authority"), _norm_doc_no(data["doc_no"])) if data.get("doc_no") else None
    if key and not out.errors:
        doc_col = row.column("doc_no")
        if key in doc_nos:
            out.errors.append(
                RowError(
                    number, doc_col, f"仓库中已有同一机关、同一文号的记录：{doc_nos[key]}。请核对是否重复导入"
                )
            )
        elif key in seen_in_file:
            out.errors.append(
                RowError(number, doc_col, f"与第 {seen_in_file[key]} 行的决定书文号重复（同一机关）")
            )
        else:
            seen_in_file[key] = number
    out.errors.sort(key=lambda e: (e.column, e.message))
    if not out.errors:
        out.data = data
    return out


def _assign_ids(root: Path, result: ImportResult, ids: set[str]) -> None:
    """Record ids for the accepted rows, in row order, after the highest id in use."""
    from gongshi.repo.newrecord import KIND_CODE

    highest: dict[str, int] = {}
    for row in result.accepted:
        year = row.data["decision_date"][:4]
        # Records go to the importing department's folder (it is the authority or the source unit).
        prefix = f"{result.dept}-{KIND_CODE[result.kind]}-{year}-"
        if prefix not in highest:
            pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$")
            highest[prefix] = max((int(m.group(1)) for i in ids if (m := pattern.match(i))), default=0)
        highest[prefix] += 1
        row.relpath = record_relpath(result.dept, result.kind, year, f"{prefix}{highest[prefix]:04d}")


def write_records(root: Path, result: ImportResult, only_valid: bool) -> list[str]:
    """Write the accepted rows; nothing at all when a row was rejected, unless ``only_valid``."""
    if result.rejected and not only_valid:
        return []
    written = []
    for row in result.accepted:
        path = root / row.relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8", newline="\n") as fh:
            fh.write(dump_record(row.data))
        written.append(row.relpath)
    result.written = written
    return written


def _header_help(tables: list[Table], kind: str | None) -> str:
    first = next((t for t in tables if any(not _is_blank(c) for _, c in t.rows)), None)
    if first is None:
        return "文件中没有数据（所有工作表都是空的）。"
    want = KIND_LABEL[kind] if kind else "行政许可或行政处罚"
    need = {
        k: "、".join(h for _, h in ns.REQUIRED_COLUMNS[k] + ns.REQUIRED_CURRENT_ONLY[k])
        for k in ("licence", "penalty")
    }
    tip = (
        f"行政许可表至少要有：{need['licence']}；行政处罚表至少要有：{need['penalty']}。"
        if not kind
        else f"{want}表至少要有：{need[kind]}。"
    )
    if kind is None:
        return (
            f"无法识别表头：在前 {MAX_HEADER_SCAN} 行中没有找到{want}的国家标准表头，或无法判断是许可还是处罚"
            f"（可加 --kind licence 或 --kind penalty）。{tip}"
        )
    return f"无法识别表头：在前 {MAX_HEADER_SCAN} 行中没有找到{want}的国家标准表头。{tip}"


# --------------------------------------------------------------------------------------------
# Reports


def all_errors(result: ImportResult) -> list[RowError]:
    out = []
    for row in result.rows:
        out += row.errors
    return out


def render_text(result: ImportResult, dry_run: bool, only_valid: bool, errors_file: str | None) -> str:
    gen = "旧版（2016）标准" if result.legacy else "现行标准"
    header = "、".join(f"第 {r} 行" for r in result.header_rows)
    lines = [
        f"读取 {result.file}（工作表“{result.sheet}”）：{KIND_LABEL[result.kind]}，{gen}，表头在{header}。",
        *result.notices,
    ]
    for row in result.rows:
        for e in row.errors:
            lines.append(f"第 {e.row} 行 [{e.column}] {e.message}")
        for w in row.warnings:
            lines.append(f"第 {w.row} 行 [{w.column}] 警告：{w.message}")
    total, bad = len(result.rows), len(result.rejected)
    lines.append(f"共 {total} 行数据：{total - bad} 行通过，{bad} 行有错误。")
    if dry_run:
        lines.append("试运行（--dry-run）：没有写入任何记录。")
        lines += [f"  将写入 {r.relpath}" for r in result.accepted if not bad or only_valid]
    elif result.written:
        lines.append(f"已写入 {len(result.written)} 个记录文件：")
        lines += [f"  {p}" for p in result.written]
    elif bad:
        lines.append(
            "有错误的行，因此没有写入任何记录。请改正后重新导入，或加 --write-valid 只导入正确的行。"
        )
    if errors_file:
        lines.append(f"错误清单已保存到 {errors_file}")
    return "\n".join(lines) + "\n"


def write_error_report(result: ImportResult, out: Path) -> None:
    """The rejected rows as a workbook; the same import on the same day gives the same bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from gongshi.sheets.xlsxsave import TEMPLATE_STAMP, keep_sheet_as_text, save_workbook, stamp_of

    wb = Workbook()
    ws = wb.active
    ws.title = "错误清单"
    ws.append(["行号", "列", "错误原因", "级别"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in result.rows:
        for e in row.errors:
            ws.append([e.row, e.column, e.message, "错误"])
        for w in row.warnings:
            ws.append([w.row, w.column, w.message, "警告"])
    keep_sheet_as_text(ws)  # a column name or message quoting a cell may start with "="
    ws.freeze_panes = "A2"
    ws.column_dimensions["B"].width = 30
    ws.column_dimensions["C"].width = 100
    save_workbook(wb, out, stamp_of(result.as_of) if result.as_of else TEMPLATE_STAMP)
