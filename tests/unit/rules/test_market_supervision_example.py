"""The market-supervision rule (市场监督管理行政处罚信息公示规定 第十三条) is left commented out in
data/policy.yaml: the references give neither its exact date in force nor Jiangsu's 较低数额. The
example there must still work when an operator removes the ``#``: these tests uncomment it."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from gongshi.repo.yamlload import load_yaml_bytes
from gongshi.rules.regimes import NATIONAL, Policy

from tests.unit.rules.test_policy import record

POLICY = Path(__file__).resolve().parents[3] / "data" / "policy.yaml"


def load_yaml_text(text: str, file: str) -> dict:
    loaded = load_yaml_bytes(text.encode("utf-8"), file)
    assert loaded.problems == [] and isinstance(loaded.data, dict), loaded.problems
    return loaded.data


def uncommented_policy() -> Policy:
    text = POLICY.read_text(encoding="utf-8")
    block = re.search(r"^  # market_supervision:\n(?:^  #   .*\n)+", text, re.M)
    assert block, "the commented example is still in data/policy.yaml"
    live = re.sub(r"^  # ", "  ", block.group(0), flags=re.M)
    data = load_yaml_text(text.replace(block.group(0), live), "data/policy.yaml")
    assert data["national"]["market_supervision"]["departments"] == ["scjg"]
    return Policy.from_data({**data, "regime": NATIONAL})


def test_it_stays_off_in_the_shipped_policy():
    data = load_yaml_text(POLICY.read_text(encoding="utf-8"), "data/policy.yaml")
    assert "market_supervision" not in data["national"]
    assert Policy.from_data(data).market_supervision is None


@pytest.mark.parametrize(
    ("fields", "months"),
    [
        ({"categories": ["罚款"], "fine_yuan": 10000}, 3),  # 较低数额: up to the example's 10,000 yuan
        ({"categories": ["罚款"], "fine_yuan": 10001}, 36),
        ({"categories": ["通报批评"]}, 3),
        ({"categories": ["罚款", "吊销许可证件"], "fine_yuan": 500}, 36),
    ],
)
def test_the_example_works_when_uncommented(fields, months):
    market = uncommented_policy().market_supervision
    assert market is not None and market.in_force_from == date(2021, 9, 1)
    rec = record(decision_date="2026-05-06", **fields)
    assert market.applies("scjg", date(2026, 5, 6)) and not market.applies("wjw", date(2026, 5, 6))
    assert market.months_for(rec)[0] == months
