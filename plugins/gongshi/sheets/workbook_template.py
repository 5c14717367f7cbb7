"""``gongshi template --format xlsx``: blank import workbooks with the current standard's headers.

Row 1 holds the headers (frozen), row 2 a filling note per column (starting with ``【填写说明】``, which
the importer skips). Every column with a code list gets a dropdown; the lists live on a hidden sheet
so they may be longer than Excel's 255-character limit for inline lists.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from gongshi.core.records import KIND_LABEL
from gongshi.repo.files import Registry
from gongshi.sheets import national_standard as ns
from gongshi.sheets.importer import NOTES_MARK
from gongshi.sheets.xlsxsave import TEMPLATE_STAMP, keep_as_text, save_workbook

TEMPLATE_ROWS = 2000  # rows the dropdowns cover
_ORG = "法人及非法人组织、个体工商户"

NOTES = {
    "行政相对人名称": "必填。单位全称或自然人姓名",
    "行政相对人类别": "必填。法人及非法人组织、自然人、个体工商户（下拉选择）",
    "行政相对人代码_1（统一社会信用代码）": f"{_ORG}必填，18 位；个体工商户没有的填 00000000000000000X",
    "行政相对人代码_2（工商注册号）": "统一社会信用代码为 00000000000000000X 时必填，15 位数字",
    "行政相对人代码_3（组织机构代码）": "选填，9 位，不写连字符",
    "行政相对人代码_4（税务登记号）": "选填",
    "行政相对人代码_5（事业单位证书号）": "选填",
    "行政相对人代码_6（社会组织登记证号）": "选填",
    "法定代表人": f"{_ORG}必填；自然人不填",
    "法定代表人证件类型": "选填（下拉选择）",
    "法定代表人证件号码": "不导入：个人证件号码不写入仓库，可不填",
    "证件类型": "自然人必填（下拉选择）",
    "证件号码": "自然人必填。导入时自动脱敏，完整号码不会写入仓库。请把本列设为文本格式",
    "行政许可决定文书名称": "必填。文书标题，不含文号",
    "行政许可决定文书号": "必填。同一机关内不能重复",
    "许可类别": "必填（下拉选择）；选“其他”时写成“其他-具体类别”",
    "许可证书名称": "选填",
    "许可编号": "选填",
    "许可内容": "必填",
    "许可决定日期": "必填。日期，例如 2026-03-05",
    "有效期自": "必填。日期",
    "有效期至": "日期；长期有效不填",
    "许可机关": "可不填，默认为导入部门；须是部门登记册中的名称",
    "许可机关统一社会信用代码": "可不填（从部门登记册读取）",
    "当前状态": "可不填（默认有效）；下拉选择",
    "数据来源单位": "可不填，默认与决定机关相同",
    "数据来源单位统一社会信用代码": "可不填",
    "备注": "选填",
    "行政处罚决定书文号": "必填。同一机关内不能重复",
    "违法行为类型": "必填",
    "违法事实": "必填。不要写自然人的身份证号、手机号、住址",
    "处罚依据": "必填",
    "处罚类别": "必填。可下拉选一项；多项用顿号分隔，例如 警告、罚款",
    "处罚内容": "必填",
    "罚款金额（万元）": "处罚类别含罚款时必填，单位万元，例如 0.5 表示 5000 元",
    "没收违法所得、没收非法财物的金额（万元）": "处罚类别含没收时必填，单位万元",
    "暂扣或吊销证照名称及编号": "处罚类别含暂扣、吊销许可证件或降低资质等级时必填",
    "处罚决定日期": "必填。日期，例如 2026-03-05",
    "处罚有效期": "日期；没有则不填",
    "公示截止期": "不导入（由系统计算），可不填",
    "处罚机关": "可不填，默认为导入部门；须是部门登记册中的名称",
    "处罚机关统一社会信用代码": "可不填（从部门登记册读取）",
    ns.ITEM_HEADER: "本系统增加的列：双公示目录中的事项编码或名称（下拉选择）；目录只有一个此类事项时可不填",
}

# Header → (list name, values, strict). A non-strict list still offers the dropdown but accepts
# other text (处罚类别 may hold several categories; 证件类型 may be “其他-…”).
_LISTS = {
    "行政相对人类别": ("相对人类别", ns.PARTY_CATEGORIES, True),
    "法定代表人证件类型": ("证件类型", ns.ID_TYPES, False),
    "证件类型": ("证件类型", ns.ID_TYPES, False),
    "许可类别": ("许可类别", ns.LICENCE_CATEGORIES, False),
    "处罚类别": ("处罚类别", ns.PENALTY_CATEGORIES, False),
    "当前状态": ("当前状态", ns.STATUSES, True),
}
_TEXT_COLUMNS = {h for h in ns.LICENCE_HEADERS + ns.PENALTY_HEADERS if "代码" in h or "号" in h}
_DATE_COLUMNS = {"许可决定日期", "有效期自", "有效期至", "处罚决定日期", "处罚有效期", "公示截止期"}


def build_workbook(kind: str, registry: Registry | None = None, dept: str | None = None) -> Workbook:
    headers = [*ns.CURRENT_HEADERS[kind], ns.ITEM_HEADER]
    lists = dict(_LISTS)
    if registry is not None and dept:
        items = [f"{i.code} {i.name}" for i in registry.catalog_by_dept.get(dept, []) if i.kind == kind]
        if items:
            lists[ns.ITEM_HEADER] = ("目录事项", tuple(items), False)

    wb = Workbook()
    ws = wb.active
    ws.title = KIND_LABEL[kind]
    codes = wb.create_sheet("代码表")
    ws.append(headers)
    ws.append([f"{NOTES_MARK}{NOTES.get(h, '')}" for h in headers])
    keep_as_text([*ws[1], *ws[2]])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for cell in ws[2]:
        cell.font = Font(color="666666", size=9)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"

    list_ranges: dict[str, str] = {}
    for col_no, (name, values, _strict) in enumerate({v[0]: v for v in lists.values()}.values(), start=1):
        letter = get_column_letter(col_no)
        codes.cell(1, col_no, name).font = bold
        # Catalog item names come from the registry: text, even one starting with "=".
        keep_as_text(codes.cell(r, col_no, value) for r, value in enumerate(values, start=2))
        list_ranges[name] = f"'代码表'!${letter}$2:${letter}${len(values) + 1}"
    codes.sheet_state = "hidden"

    for col_no, header in enumerate(headers, start=1):
        letter = get_column_letter(col_no)
        ws.column_dimensions[letter].width = max(12, min(40, len(header) * 2 + 2))
        rows = f"{letter}3:{letter}{TEMPLATE_ROWS + 2}"
        if header in lists:
            name, _values, strict = lists[header]
            dv = DataValidation(type="list", formula1=f"={list_ranges[name]}", allow_blank=True)
            dv.showErrorMessage = True
            dv.errorStyle = "stop" if strict else "information"
            dv.errorTitle = "请从列表中选择"
            dv.error = f"“{header}”请从下拉列表中选择。"
            dv.promptTitle = header
            dv.prompt = NOTES.get(header, "")[:250]
            dv.showInputMessage = True
            dv.add(rows)
            ws.add_data_validation(dv)
        if header in _TEXT_COLUMNS or header == ns.ITEM_HEADER:
            for r in range(3, TEMPLATE_ROWS + 3):
                ws.cell(r, col_no).number_format = "@"  # keep leading zeros and 18-digit numbers intact
        elif header in _DATE_COLUMNS:
            for r in range(3, TEMPLATE_ROWS + 3):
                ws.cell(r, col_no).number_format = "yyyy-mm-dd"
    return wb


def write_templates(
    out: Path | None, kind: str | None, registry: Registry | None, dept: str | None
) -> list[Path]:
    """Write one workbook (``kind`` given) or both; ``out`` is the file, or the folder for both."""
    kinds = [kind] if kind else ["licence", "penalty"]
    written = []
    for k in kinds:
        default = f"{KIND_LABEL[k]}导入模板.xlsx"
        if out is None:
            path = Path(default)
        elif kind and out.suffix.lower() == ".xlsx":
            path = out
        else:
            out.mkdir(parents=True, exist_ok=True)
            path = out / default
        save_workbook(build_workbook(k, registry, dept), path, TEMPLATE_STAMP)  # same bytes every time
        written.append(path)
    return written
