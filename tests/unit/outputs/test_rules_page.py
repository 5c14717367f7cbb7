"""rules.html describes the regime actually configured (issue 16 acceptance): under ``regime:
national`` with the market-supervision rule enabled, the page names the national regimes with their
dates and periods, the rule with its departments, date, periods and the 较低数额 it was given.
A real Git repository (tests/support/opendata_repo.py) whose policy.yaml is switched to national."""

from __future__ import annotations

from pathlib import Path

import pytest
from gongshi.outputs.html.pages import rules_view
from gongshi.snapshot.load import load
from jinja2 import Environment, FileSystemLoader

from tests.support.opendata_repo import AS_OF, build_repo

THEME = Path(__file__).resolve().parents[3] / "theme" / "templates"
MARKET = """  market_supervision:
    name: 市场监督管理行政处罚信息公示规定
    in_force_from: 2021-09-01
    departments: [scjg]
    short_months: 3
    long_months: 36
    low_fine_max_yuan: 10000
"""


@pytest.fixture(scope="module")
def national_snapshot(tmp_path_factory):
    git = build_repo(tmp_path_factory.mktemp("rules") / "repo")
    policy = git.path / "data" / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    assert "regime: zhonglou-2016" in text and "\nnational:\n" in text
    text = text.replace("regime: zhonglou-2016", "regime: national").replace(
        "\nnational:\n", "\nnational:\n" + MARKET, 1
    )
    git.commit("公示规则：全国规定", "2026-06-01T09:00:00+08:00", {"data/policy.yaml": text})
    return load(git.path, AS_OF, cache=False)


def render(rules: dict) -> str:
    env = Environment(loader=FileSystemLoader(str(THEME)), autoescape=True)
    # Only the page's own block: the frame (base.html) is tested with the whole site.
    template = env.get_template("rules.html")
    context = template.new_context({"rules": rules, "title": "公示规则"})
    return "".join(template.blocks["content"](context))


def test_the_national_regime_and_the_market_rule_are_described(national_snapshot):
    rules = rules_view(national_snapshot)
    assert rules["regime"] == "national" and rules["regime_name"] == "全国行政处罚信息公示规定"
    names = [r["name"] for r in rules["national"]]
    assert names == ["发改办财金〔2019〕527号", "国家发展改革委令第58号", "国家发展改革委令2025年第36号"]
    market = rules["market"]
    assert (market["from"], market["departments"], market["short"], market["long"], market["low_fine"]) == (
        "2021-09-01",
        ["钟楼区测试市场监督管理局"],
        "3 个月",
        "3 年",
        10000,
    )
    page = render(rules)
    assert "市场监督管理行政处罚信息公示规定（2021-09-01 起）" in page
    assert "较低数额罚款（不超过 10000 元）的，自公示之日起公示 3 个月" in page
    assert "国家发展改革委令2025年第36号" in page and "钟政办发〔2016〕31号" not in page


def test_the_zhonglou_regime_has_no_national_section(tmp_path):
    snap = load(build_repo(tmp_path / "repo").path, AS_OF, cache=False)
    rules = rules_view(snap)
    assert rules["regime"] == "zhonglou-2016" and rules["national"] == [] and rules["market"] is None
    page = render(rules)
    assert "钟政办发〔2016〕31号" in page and "全国行政处罚信息公示期限" not in page
