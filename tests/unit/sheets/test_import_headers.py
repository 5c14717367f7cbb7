"""Header variants seen in county and provincial sheets, and the standard's field codes."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from gongshi.cli import main
from gongshi.core import identifiers
from gongshi.sheets import national_standard as ns
from gongshi.sheets.importer.run import not_a_record

HERE = Path(__file__).resolve().parents[2]
PROJECT = HERE.parent


@pytest.mark.parametrize(
    "header,kind,field",
    [
        ("行政相对人代码-1（统一社会信用代码）", "penalty", "party.uscc"),
        ("行政相对人代码－2（工商注册号）", "licence", "party.business_reg_no"),
        ("行政相对人统一社会信用代码", "penalty", "party.uscc"),
        ("处罚种类", "penalty", "categories"),
        ("决定书文号", "penalty", "doc_no"),
        ("决定书文号", "licence", "doc_no"),
        ("处罚机构", "penalty", "authority_name"),
        ("法定代表人或者负责人姓名", "penalty", "party.legal_rep"),
        ("罚没金额（万元）", "penalty", "fine_wan"),
        ("XK_XDR_MC", "licence", "party.name"),
        ("xk_wsh", "licence", "doc_no"),
        ("XK_YXQZI", "licence", "valid_to"),
        ("CF_WSH", "penalty", "doc_no"),
        ("CF_NR_FK", "penalty", "fine_wan"),
        ("CF_XDR_SHXYM", "penalty", "party.uscc"),
        ("CF_FR_ZJHM", "penalty", "legal_rep_id_no"),
        ("错误原因", "penalty", "ignore"),
        ("行号", "licence", "ignore"),
    ],
)
def test_header_variants(header, kind, field):
    assert ns.header_field(header, kind, False) == field


def test_field_codes_are_one_to_one_with_the_standard_headers():
    for kind, headers in ns.CURRENT_HEADERS.items():
        codes = ns.FIELD_CODES[kind]
        assert len(codes) == len(headers)
        by_field = {ns.header_field(h, kind, False) for h in headers}
        assert set(codes.values()) == by_field


def test_a_sheet_headed_by_field_codes_imports(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    shutil.copytree(HERE / "fixtures" / "registry" / "data", root / "data")
    shutil.copy(PROJECT / "data" / "policy.yaml", root / "data" / "policy.yaml")
    monkeypatch.chdir(root)
    uscc = identifiers.make_uscc("9", "1", "320404", "59467239")
    row = {
        "CF_XDR_MC": "常州市甲餐饮有限公司",
        "CF_XDR_LB": "法人及非法人组织",
        "CF_XDR_SHXYM": uscc,
        "CF_FRDB": "张三",
        "CF_WSH": "钟市监罚（2025）7号",
        "CF_WFXW": "经营超过保质期的食品",
        "CF_SY": "当事人销售超过保质期的食品。",
        "CF_YJ": "《中华人民共和国食品安全法》第一百二十四条",
        "CF_CFLB": "罚款",
        "CF_NR": "罚款5000元",
        "CF_NR_FK": "0.5",
        "CF_JDRQ": "2025-03-05",
        "CF_CFJG": "钟楼区测试市场监督管理局",
    }
    src = tmp_path / "codes.csv"
    with src.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([list(row), list(row.values())])
    result = CliRunner().invoke(
        main, ["import", str(src), "--dept", "scjg", "--item", "scjg-cf-001", "--as-of", "2025-03-06"]
    )
    assert result.exit_code == 0, result.output
    assert "行政处罚" in result.output and "已忽略" not in result.output
    written = next((root / "data" / "records").rglob("*.yaml")).read_text(encoding="utf-8")
    assert "doc_no: 钟市监罚〔2025〕7号" in written


@pytest.mark.parametrize(
    "cells,word",
    [
        (["合计", None, None, 3.5], "合计"),
        ([None, None, "合  计"], "合计"),
        (["填表人：王小明", None, "审核人：李大红"], "填表人"),
        (["说明：金额单位为万元。"], "说明"),
        (["注：本表每月报送"], "注"),
        (["说明书印刷厂", None, None], None),  # a party's name, not a note
        (["合计", "钟市监罚〔2026〕1号"], None),  # a document number makes it a record
        (["1", "常州市甲餐饮有限公司"], None),
    ],
)
def test_rows_that_are_not_records(cells, word):
    assert not_a_record(cells, 1) == word
