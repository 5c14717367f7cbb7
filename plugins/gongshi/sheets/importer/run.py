"""The whole file: find the table and its header, convert and check every row against the
repository, number the accepted rows, and write them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from gongshi.check.consistency import Subject, consistency_problems
from gongshi.check.record_rules import check_record_bytes, normalise_doc_no
from gongshi.core.records import KIND_CODE, KIND_LABEL
from gongshi.core.sealed import policy_recipients
from gongshi.repo.files import Registry, iter_record_files, load_record, load_registry
from gongshi.repo.yamlwrite import dump_record, record_relpath
from gongshi.rules.workdays import Calendar
from gongshi.sheets import national_standard as ns
from gongshi.sheets.importer.cells import cell_text, mask_numbers_in
from gongshi.sheets.importer.header import MAX_HEADER_SCAN, find_header
from gongshi.sheets.importer.limits import ImportLimits
from gongshi.sheets.importer.results import ImportedRow, ImportResult, ImportUsageError, RowError
from gongshi.sheets.importer.row import Context, ConvertedRow, convert_row
from gongshi.sheets.importer.sealing import seal_row_numbers, sealed_notice, unsealed_notice
from gongshi.sheets.importer.table import Table, read_table

NOTES_MARK = "【填写说明】"
WHOLE_ROW = "（整行）"


def _is_blank(cells: list[object]) -> bool:
    return all(not cell_text(c) for c in cells)


def _is_notes_row(cells: list[object]) -> bool:
    texts = [cell_text(c) for c in cells if cell_text(c)]
    return bool(texts) and all(t.startswith(NOTES_MARK) for t in texts)


# Rows that are not records: totals and the sign-off lines under a table (填表人：… 审核人：…).
_NOT_A_RECORD_RE = re.compile(
    r"^(合计|小计|总计|共计|累计|填表人|填报人|制表人|审核人|审核|复核人|负责人|分管领导|联系人|联系电话|"
    r"填表日期|填报日期|制表日期|说明|备注|注)(?:[:：]|$)"
)


def not_a_record(cells: list[object], doc_no_index: int | None) -> str | None:
    """The word that makes a row a total or a sign-off line (“合计”, “填表人”), or None. Only a row
    without a document number can be one, so a party named 说明书印刷厂 is never skipped."""
    if doc_no_index is not None and doc_no_index < len(cells) and cell_text(cells[doc_no_index]):
        return None
    first = next((t for t in (cell_text(c) for c in cells) if t), "")
    m = _NOT_A_RECORD_RE.match(re.sub(r"\s+", "", first))
    return m.group(1) if m else None


@dataclass
class Existing:
    """What the repository already holds: record ids, and each (authority, normalised doc_no)'s
    file and content (to tell an identical re-import from a clash)."""

    ids: set[str]
    by_doc_no: dict[tuple[str, str], tuple[str, dict]]
    records: list[tuple[str, dict]]  # (file, content) of every record that could be read


def _existing(root: Path) -> Existing:
    found = Existing(set(), {}, [])
    for rf in iter_record_files(root):
        found.ids.add(rf.id)
        record, _ = load_record(root, rf)
        if record is not None:
            found.records.append((rf.relpath, record.data))
        if record is not None and isinstance(record.data.get("doc_no"), str):
            key = (record.authority, normalise_doc_no(record.data["doc_no"]))
            found.by_doc_no.setdefault(key, (rf.relpath, record.data))
    return found


def _comparable(data: dict) -> dict:
    """A record's content as an import compares it: sealed numbers (encrypted afresh every time)
    left out."""
    out = {}
    for key, value in data.items():
        if key.endswith("_sealed"):
            continue
        out[key] = _comparable(value) if isinstance(value, dict) else value
    return out


def _differences(new: dict, old: dict) -> list[str]:
    a, b = _comparable(new), _comparable(old)
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


def _column_of(path: str, row: ConvertedRow) -> str:
    path = re.sub(r"\[\d+\]", "", path)
    while True:
        if path in row.sources:
            return row.sources[path]
        fid = path.removeprefix("$.")
        fid = {
            "party.id_no_masked": "party.id_no",
            "party.id_no_sealed": "party.id_no",
            "party.legal_rep_id_no_sealed": "legal_rep_id_no",
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
    limits: ImportLimits | None = None,
    skip_existing: bool = False,
) -> ImportResult:
    """Convert and check every row; nothing is written (see ``write_records``). Rows hidden in the
    spreadsheet are not imported: a notice lists them (a clerk hides a row to leave it out)."""
    registry = registry or load_registry(root)
    if dept not in registry.departments:
        known = "、".join(sorted(registry.departments)) or "（登记册为空）"
        raise ImportUsageError(f"部门代号 “{dept}” 不在 data/departments.yaml 中。可用的部门：{known}。")
    if item_code is not None and item_code not in registry.catalog:
        raise ImportUsageError(f"--item “{item_code}” 不是目录中的事项编码。")
    tables = read_table(file, kind, limits)
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
    if not {"item", "item_name"} & present and item_code is None:
        _require_item(registry, dept, header.kind, file.name, table.sheet)
    recipients = policy_recipients(registry.policy)
    ctx = Context(root, registry, dept, header.kind, header.legacy, header.columns, item_code, recipients)
    result = ImportResult(
        file=file.name,
        dept=dept,
        sheet=table.sheet,
        header_rows=tuple(table.rows[i][0] for i in header.rows),
        kind=header.kind,
        legacy=header.legacy,
        as_of=as_of,
    )
    result.header_cells = [list(table.rows[i][1]) for i in header.rows]
    result.column_index = {c.header: c.index for c in header.columns}
    result.private_columns = [
        c.index for c in header.columns if c.field in ("party.id_no", "legal_rep_id_no")
    ]
    result.notices.extend(n for t in tables for n in t.notices)
    if header.unknown:
        result.notices.append(f"以下列不是国家标准的列，已忽略：{'、'.join(header.unknown)}。")
    if any(ns.normalise_header(c.header).startswith("罚没金额") for c in header.columns):
        result.notices.append("“罚没金额”列按“罚款金额”读取；其中若含没收金额，请分列填写。")
    if header.legacy:
        derived = []
        if header.kind == "licence":
            derived = ["行政许可决定文书名称取“项目名称”", "有效期自取“许可决定日期”"]
        elif "violation_type" not in present:
            derived = ["违法行为类型取“处罚名称”"]
        result.notices.append(
            "按旧版（2016）双公示标准读取" + (f"：{'，'.join(derived)}。请核对。" if derived else "。")
        )

    existing = _existing(root)
    seen_in_file: dict[tuple[str, str], int] = {}
    last_header = max(header.rows)
    doc_no_index = next((c.index for c in header.columns if c.field == "doc_no"), None)
    previous = table.rows[last_header][0]
    for index, (number, cells) in enumerate(table.rows):
        if index <= last_header:
            continue
        # Rows the reader never returned (nothing in them) between data rows are blank rows too.
        result.blank_rows.extend(range(previous + 1, number))
        previous = number
        if _is_blank(cells):
            result.blank_rows.append(number)
            continue
        if index == last_header + 1 and _is_notes_row(cells):
            continue
        if number in table.hidden_rows:
            result.hidden_rows.append(number)
            continue
        word = not_a_record(cells, doc_no_index)
        if word:
            result.skipped_rows.append((number, word))
            continue
        result.rows.append(_check_row(ctx, number, cells, as_of, existing, seen_in_file, skip_existing))
    if result.rows:
        last = max(r.row for r in result.rows)
        result.blank_rows = [n for n in result.blank_rows if n < last]  # trailing blank rows are no news
    else:
        result.blank_rows = []
    _row_notices(result, table.sheet)
    full_numbers = sum(r.full_numbers for r in result.accepted)
    if full_numbers:
        result.notices.append(sealed_notice(full_numbers) if recipients else unsealed_notice(full_numbers))
    _consistency(root, result, registry, existing, as_of)
    _assign_ids(root, result, existing.ids)
    return result


def _consistency(
    root: Path, result: ImportResult, registry: Registry, existing: Existing, as_of: date
) -> None:
    """The consistency warnings (``check.consistency``) of the accepted rows, read together with
    each other and with the repository's records; every row is still to be published."""
    rows = result.accepted
    if not rows:
        return
    subjects = [Subject(relpath, relpath, data, report=False) for relpath, data in existing.records]
    subjects += [Subject(result.file, f"第 {r.row} 行", r.data, line=r.row, unpublished=True) for r in rows]
    by_number = {r.row: r for r in rows}
    for p in consistency_problems(subjects, registry, Calendar.load(root), as_of):
        row = by_number.get(p.line or 0)
        if row is None:
            continue
        column = row.sources.get(re.sub(r"\[\d+\]", "", p.path), WHOLE_ROW)
        row.warnings.append(RowError(row.row, column, mask_numbers_in(p.message), "warning"))


def _listing(numbers: list[int]) -> str:
    return "、".join(str(n) for n in numbers[:50]) + ("等" if len(numbers) > 50 else "")


def _row_notices(result: ImportResult, sheet: str) -> None:
    """One line each for the rows that were not read as records."""
    hidden, blank = result.hidden_rows, result.blank_rows
    if hidden:
        result.notices.append(
            f"工作表“{sheet}”中有 {len(hidden)} 个隐藏的行（第 {_listing(hidden)} 行）"
            "没有导入。如需导入，请在表格中取消隐藏后重新导入。"
        )
    if result.skipped_rows:
        words = "、".join(dict.fromkeys(w for _, w in result.skipped_rows))
        numbers = [n for n, _ in result.skipped_rows]
        result.notices.append(
            f"跳过了 {len(numbers)} 个合计、签名或说明行（{words}；第 {_listing(numbers)} 行），"
            "它们不是记录。"
        )
    if blank:
        result.notices.append(f"跳过了 {len(blank)} 个空行（第 {_listing(blank)} 行）。")


def _require_item(registry: Registry, dept: str, kind: str, file: str, sheet: str) -> None:
    """A sheet without a 目录事项 column needs --item, unless the department has one such item: one
    file-level error instead of the same error with the whole catalogue on every row."""
    items = [i for i in registry.catalog_by_dept.get(dept, []) if i.kind == kind]
    if len(items) == 1:
        return
    label = KIND_LABEL[kind]
    listing = "；".join(f"{i.code} {i.name}" for i in items) or f"（该部门目录中没有{label}事项）"
    column = "“目录事项”或“项目名称”" if kind == "licence" else "“目录事项”或“处罚名称”"
    raise ImportUsageError(
        f"“{file}”（工作表“{sheet}”）没有{column}列，无法确定每一行属于 {dept} 目录中的哪个{label}事项"
        f"（共 {len(items)} 个）。请加 --item 事项编码（全表属于同一事项时），或在表格中增加“目录事项”列"
        f"逐行填写事项编码或名称。可用的事项：{listing}"
    )


# A cell that could not be read makes the checks that depend on it meaningless (they would only
# repeat the first error in other words).
_DEPENDENT = {
    "$.categories": ("$.fine_yuan", "$.confiscation_yuan", "$.licence_affected", "$.category_other"),
    "$.authority": ("$.item", "$.source_unit", "$"),
    "$.party.category": ("$.party.uscc", "$.party.legal_rep", "$.party.id_type", "$.party.id_no_masked"),
    "$.category": ("$.category_other",),
}


def _check_row(
    ctx: Context, number: int, cells, as_of: date, existing: Existing, seen_in_file, skip_existing: bool
) -> ImportedRow:
    row = convert_row(ctx, number, cells)
    full_numbers = seal_row_numbers(row, ctx.recipients)
    out = ImportedRow(
        number, errors=list(row.errors), full_numbers=full_numbers, cells=list(cells), sources=row.sources
    )
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
    key = (data.get("authority"), normalise_doc_no(data["doc_no"])) if data.get("doc_no") else None
    if key and not out.errors:
        doc_col = row.column("doc_no")
        if key in existing.by_doc_no:
            relpath, old = existing.by_doc_no[key]
            changed = _differences(data, old)
            if not changed and skip_existing:
                out.existing = relpath
                seen_in_file.setdefault(key, number)
            elif not changed:
                out.errors.append(
                    RowError(
                        number,
                        doc_col,
                        f"这一行已经导入过（{relpath}，内容相同）。重新导入同一表格时请加 --skip-existing",
                    )
                )
            else:
                out.errors.append(
                    RowError(
                        number,
                        doc_col,
                        f"仓库中已有同一机关、同一文号的记录 {relpath}，但内容不同（{'、'.join(changed)}）。"
                        "请核对是否重复导入；要修改已有的记录，请直接编辑该文件",
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
