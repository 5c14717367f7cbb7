"""A penalty workbook as a county clerk really sends it, built with openpyxl so that a test says
what it contains.

``MessyPenaltySheet`` holds the rows; ``build(path)`` writes them under a merged title and a
"填报单位" line, with a provincial header (no 目录事项 or 行政相对人类别 column, variant names:
``行政相对人代码-1（统一社会信用代码）``, ``法定代表人或者负责人姓名``, ``决定书文号``, ``处罚种类``,
``罚没金额（万元）``, ``处罚机构``), the 处罚机构 column merged down over the data rows, a blank row,
hidden rows, a 合计 row and 填表人/审核人 lines. Each row says what it is (``Row.note``) and which
columns of it are wrong (``Row.bad``).

Made into the committed ``tests/fixtures/import/messy-penalties.xls`` by
``python -m tests.support.messy_workbook --xls DIR`` (LibreOffice: ``soffice --headless
--convert-to xls``); hidden rows are left out there, because .xls hides them from calamine.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from gongshi.core import identifiers
from openpyxl import Workbook

AUTHORITY = "钟楼区测试市场监督管理局"
HEADERS = (
    "序号",
    "行政相对人名称",
    "行政相对人代码-1（统一社会信用代码）",
    "法定代表人或者负责人姓名",
    "决定书文号",
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚种类",
    "处罚内容",
    "罚没金额（万元）",
    "处罚决定日期",
    "处罚机构",
)
USCC_A = identifiers.make_uscc("9", "1", "320404", "59467239")
USCC_B = identifiers.make_uscc("9", "1", "320404", "12345678")
USCC_C = identifiers.make_uscc("9", "2", "320404", "MA1X2Y3K")
USCC_D = identifiers.make_uscc("9", "1", "320404", "87654321")
# A credit code typed with a wrong last character, inside the facts.
MISTYPED_USCC = USCC_D[:-1] + ("0" if USCC_D[-1] != "0" else "1")


@dataclass
class Row:
    name: str
    uscc: str
    legal_rep: str
    doc_no: str
    category: str
    content: str
    amount_wan: object
    decided: object  # as the clerk typed it: datetime, text in several styles, an Excel serial
    facts: str = "当事人在经营场所销售超过保质期的食品。"
    note: str = ""
    bad: tuple[str, ...] = ()  # the headers of the cells that are wrong
    hidden: bool = False

    def cells(self, n: int) -> list:
        return [
            n,
            self.name,
            self.uscc,
            self.legal_rep,
            self.doc_no,
            "经营超过保质期的食品",
            self.facts,
            "《中华人民共和国食品安全法》第一百二十四条",
            self.category,
            self.content,
            self.amount_wan,
            self.decided,
            AUTHORITY,
        ]


def standard_rows() -> list[Row]:
    """Eight visible data rows (three of them wrong), one hidden row."""
    return [
        Row(
            "常州市甲餐饮有限公司",
            USCC_A,
            "张三",
            "钟市监罚（２０２６）１０１号",
            "警告、罚款",
            "警告，罚款5000元",
            "0.5",
            datetime(2026, 3, 2),
            note="full-width 文号, a real date",
        ),
        Row(
            "常州市乙食品有限公司",
            USCC_B,
            "李四",
            "钟市监罚〔2026〕102号",
            "罚款",
            "罚款12000元",
            1.2,
            "2026/3/3",
            note="slash date, a number in 万元",
        ),
        Row(
            "常州市甲餐饮管理有限公司",
            USCC_A,
            "张三",
            "钟市监罚〔2026〕103号",
            "罚款",
            "罚款3000元",
            "0.3",
            "2026年3月4日",
            note="same USCC as row 1 under another name",
        ),
        Row(
            "钟楼区丙便利店",
            USCC_C,
            "王五",
            "钟市监罚〔2024〕104号",
            "警告",
            "警告",
            None,
            "20260305",
            note="文号 year two years before the decision",
        ),
        Row(
            "常州市丁商贸有限公司",
            USCC_D,
            "赵六",
            "钟市监罚〔2026〕105号",
            "罚款",
            "罚款8000元",
            "0.8",
            46086,
            facts=f"当事人（统一社会信用代码{MISTYPED_USCC}）销售超过保质期的食品。",
            note="Excel serial date (2026-03-05), mistyped code in the facts",
        ),
        Row(
            "常州市戊酒业有限公司",
            identifiers.make_uscc("9", "1", "320404", "11112222"),
            "钱七",
            "钟市监罚〔2026〕106号",
            "罚款",
            "罚款1000元",
            "0.1",
            "2026-02-30",
            note="a date that does not exist",
            bad=("处罚决定日期",),
        ),
        Row(
            "常州市己烟酒店",
            identifiers.make_uscc("9", "1", "320404", "33334444"),
            "孙八",
            "钟市监罚〔2026〕107号",
            "批评教育",
            "批评教育",
            None,
            "2026.3.9",
            note="a penalty category the law does not have",
            bad=("处罚种类",),
        ),
        Row(
            "常州市庚食品店",
            identifiers.make_uscc("9", "1", "320404", "55556666"),
            "周九",
            "钟市监罚〔2026〕108号",
            "罚款",
            "罚款",
            "0.1234567",
            "2026-03-10",
            note="an amount in 万元 below a fen",
            bad=("罚没金额（万元）",),
        ),
        Row(
            "常州市作废有限公司",
            identifiers.make_uscc("9", "1", "320404", "77778888"),
            "吴十",
            "钟市监罚〔2026〕109号",
            "警告",
            "警告",
            None,
            "2026-03-11",
            note="hidden by the clerk",
            hidden=True,
        ),
    ]


def fixed_rows() -> list[Row]:
    """The same rows after the clerk corrected the three wrong ones."""
    rows = standard_rows()
    rows[5].decided, rows[5].bad = "2026-02-27", ()
    rows[6].category, rows[6].content, rows[6].bad = "警告", "警告", ()
    rows[7].amount_wan, rows[7].content, rows[7].bad = "0.12", "罚款1200元", ()
    return rows


@dataclass
class MessyPenaltySheet:
    rows: list[Row] = field(default_factory=standard_rows)
    with_hidden: bool = True

    def build(self, path: Path) -> dict[str, object]:
        """Write the workbook; returns where things are: the row number of each data row (by
        document number), the blank, total, sign-off and hidden rows."""
        wb = Workbook()
        ws = wb.active
        ws.title = "行政处罚"
        width = len(HEADERS)
        ws.append([f"{AUTHORITY}行政处罚信息公示表（2026年3月）"])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        ws.append(
            ["填报单位：" + AUTHORITY, None, None, None, None, None, None, None, "填报日期：2026年4月1日"]
        )
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=8)
        ws.append(list(HEADERS))
        where: dict[str, object] = {"header": 3, "data": {}, "hidden": [], "blank": [], "skipped": []}
        first = ws.max_row + 1
        for n, row in enumerate((r for r in self.rows if self.with_hidden or not r.hidden), start=1):
            if n == 4:
                ws.append([None] * width)  # a blank line the clerk left in
                where["blank"].append(ws.max_row)
            cells = row.cells(n)
            if ws.max_row >= first:
                cells[-1] = None  # the 处罚机构 column is merged down: only the first cell holds it
            ws.append(cells)
            where["data"][row.doc_no] = ws.max_row
            if row.hidden:
                ws.row_dimensions[ws.max_row].hidden = True
                where["hidden"].append(ws.max_row)
        last = ws.max_row
        ws.merge_cells(start_row=first, start_column=width, end_row=last, end_column=width)
        ws.append(["合计", None, None, None, None, None, None, None, None, None, 3.0, None, None])
        where["skipped"].append(ws.max_row)
        ws.append([None] * width)
        ws.append(["填表人：王小明", None, None, None, None, None, None, None, "审核人：李大红"])
        where["skipped"].append(ws.max_row)
        ws.append(["说明：金额单位为万元。"])
        where["skipped"].append(ws.max_row)
        wb.save(path)
        return where


def write_xls(out_dir: Path) -> Path:
    """The fixture .xls (no hidden rows), converted by LibreOffice from the builder's .xlsx."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("LibreOffice (soffice) is needed to make the .xls fixture")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "messy-penalties.xlsx"
        MessyPenaltySheet(with_hidden=False).build(src)
        subprocess.run(
            [soffice, "--headless", "--convert-to", "xls", "--outdir", str(out_dir), str(src)],
            check=True,
            capture_output=True,
        )
    return out_dir / "messy-penalties.xls"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--xls", type=Path, required=True, help="folder to write messy-penalties.xls into")
    print(write_xls(parser.parse_args().xls))
