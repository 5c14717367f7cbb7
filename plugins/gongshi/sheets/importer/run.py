"""The whole file: find the table and its header, convert and check every row against the
repository, number the accepted rows, and write them."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from gongshi.check.record_rules import check_record_bytes, normalise_doc_no
from gongshi.core.records import KIND_CODE, KIND_LABEL
from gongshi.core.sealed import policy_recipients
from gongshi.repo.files import Registry, iter_record_files, load_record, load_registry
from gongshi.repo.yamlwrite import dump_record, record_relpath
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


def _existing(root: Path) -> tuple[set[str], dict[tuple[str, str], str]]:
    """Record ids in use and (authority, normalised doc_no) → file of every record in the repository."""
    ids, doc_nos = set(), {}
    for rf in iter_record_files(root):
        ids.add(rf.id)
        record, _ = load_record(root, rf)
        if record is not None and isinstance(record.data.get("doc_no"), str):
            doc_nos.setdefault((record.authority, normalise_doc_no(record.data["doc_no"])), rf.relpath)
    return ids, doc_nos


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
    result.notices.extend(n for t in tables for n in t.notices)
    if header.unknown:
        result.notices.append(f"以下列不是国家标准的列，已忽略：{'、'.join(header.unknown)}。")
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
    hidden = []
    for index, (number, cells) in enumerate(table.rows):
        if index <= last_header or _is_blank(cells):
            continue
        if index == last_header + 1 and _is_notes_row(cells):
            continue
        if number in table.hidden_rows:
            hidden.append(number)
            continue
        result.rows.append(_check_row(ctx, number, cells, as_of, doc_nos, seen_in_file))
    if hidden:
        listed = "、".join(str(n) for n in hidden[:50]) + ("等" if len(hidden) > 50 else "")
        result.notices.append(
            f"工作表“{table.sheet}”中有 {len(hidden)} 个隐藏的行（第 {listed} 行）没有导入。"
            "如需导入，请在表格中取消隐藏后重新导入。"
        )
    full_numbers = sum(r.full_numbers for r in result.accepted)
    if full_numbers:
        result.notices.append(sealed_notice(full_numbers) if recipients else unsealed_notice(full_numbers))
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
    full_numbers = seal_row_numbers(row, ctx.recipients)
    out = ImportedRow(number, errors=list(row.errors), full_numbers=full_numbers)
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
