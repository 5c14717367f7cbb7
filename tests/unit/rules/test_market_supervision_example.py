"""The market-supervision rule (市场监督管理行政处罚信息公示规定 第十三条) is left commented out in
data/policy.yaml: the references give neither its exact date in force nor Jiangsu's 较低数额. The
example there must still work when an operator removes the ``#``: these tests uncomment it. Enabled
without either value, it is a policy error naming the missing key."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from gongshi.cli import main
from gongshi.repo.yamlload import load_yaml_bytes
from gongshi.rules.regimes import NATIONAL, Policy, PolicyError

from tests.support.opendata_repo import build_repo
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


@pytest.mark.parametrize(
    ("missing", "what"),
    [("in_force_from", "施行日期"), ("low_fine_max_yuan", "较低数额")],
)
def test_enabling_it_without_the_unverified_facts_is_a_policy_error(missing, what):
    # Neither value is in the references: no default may stand in for it.
    data = load_yaml_text(POLICY.read_text(encoding="utf-8"), "data/policy.yaml")
    market = {"departments": ["scjg"], "in_force_from": "2021-09-01", "low_fine_max_yuan": "10000"}
    del market[missing]
    nat = {**data["national"], "market_supervision": market}
    with pytest.raises(PolicyError) as exc:
        Policy.from_data({**data, "regime": NATIONAL, "national": nat})
    message = str(exc.value)
    assert f"national.market_supervision.{missing}" in message and what in message


def test_validate_names_the_missing_key_in_policy_yaml(tmp_path, monkeypatch):
    # The policy schema requires both keys too: `gongshi validate` reports the file and the key.
    root = build_repo(tmp_path / "repo").path
    policy = root / "data" / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    extra = "  market_supervision:\n    in_force_from: 2021-09-01\n    departments: [scjg]\n"
    assert "\nnational:\n" in text
    policy.write_text(text.replace("\nnational:\n", "\nnational:\n" + extra, 1), encoding="utf-8")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code != 0
    assert "policy.yaml" in result.output and "low_fine_max_yuan" in result.output
    assert "Traceback" not in result.output
