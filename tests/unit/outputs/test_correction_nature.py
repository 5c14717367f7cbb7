"""更正性质 (issue 16 point 9): a correction of substance (实质) or of form (形式). Only corrections of
substance count against accuracy; an entry that states no nature counts as 实质.

A real Git repository: the open-data fixture (tests/support/opendata_repo.py, whose licence
scjg-xk-2026-0101 has one correction that states no nature) plus two pull requests merged with
--no-ff into main: a correction of form of scjg-cf-2026-0023 (a typo in the facts, 06-02) and a
correction of substance of the same penalty (the fine, 07-02)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from gongshi.cli import main
from gongshi.core.corrections import FORM, SUBSTANCE, correction_nature, nature_of_fields, stated_nature
from gongshi.history.prcheck import correction_problem
from gongshi.outputs.assessment import CSV_COLUMNS as ASSESSMENT_COLUMNS
from gongshi.outputs.assessment import Accuracy, assess, report
from gongshi.outputs.stats import CSV_COLUMNS, compute_stats
from gongshi.public.record import public_record
from gongshi.public.recordview import history_rows
from gongshi.repo.yamlload import load_yaml_bytes
from gongshi.snapshot.auditlog import audit_log
from gongshi.snapshot.load import load

from tests.support.opendata_repo import AS_OF, PATHS, PENALTY_G, build_repo

G = PATHS["scjg-cf-2026-0023"]
FACTS = "当事人于2026年1月在其经营场所销售超过保质期的饮料12瓶，货值金额96元。"
FORM_FIX = """corrections:
  - date: 2026-06-01
    reason: 更正违法事实中的错别字。
    nature: 形式
"""
SUBSTANCE_FIX = """  - date: 2026-07-01
    reason: 更正罚款金额。
    nature: 实质
"""
G_FORM = PENALTY_G.replace(FACTS, FACTS.replace("12瓶", "十二瓶")) + FORM_FIX
G_SUBSTANCE = G_FORM.replace("fine_yuan: 120000.00", "fine_yuan: 100000.00") + SUBSTANCE_FIX


def merge_pr(git, branch: str, number: int, day: str, files: dict[str, str]) -> None:
    git.branch(branch)
    git.commit(f"{branch}", f"{day}T09:00:00+08:00", files)
    git.checkout("main")
    git.merge(branch, f"Merge pull request #{number} from zhonglou/{branch}", f"{day}T15:00:00+08:00")


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    git = build_repo(tmp_path_factory.mktemp("nature") / "repo")
    merge_pr(git, "scjg-form", 7, "2026-06-02", {G: G_FORM})
    merge_pr(git, "scjg-fine", 8, "2026-07-02", {G: G_SUBSTANCE})
    return git.path


@pytest.fixture(scope="module")
def snap(repo):
    return load(repo, AS_OF, cache=False)


@pytest.fixture(scope="module")
def stats(snap):
    return compute_stats(snap)


@pytest.mark.parametrize(
    ("entry", "stated", "counted"),
    [
        ({"date": "2026-04-01", "reason": "x"}, None, SUBSTANCE),  # none stated: 实质
        ({"date": "2026-04-01", "reason": "x", "nature": "形式"}, FORM, FORM),
        ({"date": "2026-04-01", "reason": "x", "nature": "实质"}, SUBSTANCE, SUBSTANCE),
        ("not a mapping", None, SUBSTANCE),
    ],
)
def test_the_nature_an_entry_counts_as(entry, stated, counted):
    assert stated_nature(entry) == stated
    assert correction_nature(entry) == counted


@pytest.mark.parametrize(
    ("fields", "nature"),
    [
        (["facts", "corrections[0].date"], FORM),
        (["remarks", "basis", "violation_type"], FORM),
        (["fine_yuan"], SUBSTANCE),
        (["party.name"], SUBSTANCE),
        (["categories[1]", "facts"], SUBSTANCE),
        (["decision_date"], SUBSTANCE),
    ],
)
def test_the_nature_the_changed_fields_suggest(fields, nature):
    assert nature_of_fields(fields) == nature


def test_the_schema_takes_the_field_and_rejects_other_values(repo, monkeypatch):
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    bad = repo / G
    original = bad.read_text(encoding="utf-8")
    try:
        bad.write_text(original.replace("nature: 形式", "nature: 轻微"), encoding="utf-8")
        result = CliRunner().invoke(main, ["validate"])
        assert result.exit_code != 0
        assert "更正性质" in result.output and "实质" in result.output and "形式" in result.output
        assert "Traceback" not in result.output
    finally:
        bad.write_text(original, encoding="utf-8")


def test_stats_count_the_corrections_of_substance(stats):
    f = stats.by_dept["scjg"]
    # The licence's unstated correction (04-01), the form fix (06-01), the fine (07-01).
    assert (f.corrections, f.substantive_corrections) == (3, 2)
    assert stats.by_month["2026-06"].substantive_corrections == 0
    assert stats.by_month["2026-07"].substantive_corrections == 1
    assert stats.by_month["2026-04"].substantive_corrections == 1  # no nature stated: 实质


def test_accuracy_counts_only_corrections_of_substance(snap, stats):
    measures = assess(snap, stats)
    assert measures.accuracy["scjg"] == Accuracy(6, 2, 0)
    assert measures.accuracy["scjg"].corrections_per_100 == 33.3
    assert measures.total_accuracy == Accuracy(8, 2, 0)
    doc = json.loads(report(snap, "json", stats))
    scjg = next(d for d in doc["departments"] if d["key"] == "scjg")
    assert scjg["total"]["corrections"] == {"entries": 3, "substantive": 2, "form": 1, "records": 2}
    assert doc["assessment"]["accuracy"]["departments"]["scjg"]["corrections"] == 2
    assert "实质更正" in report(snap, "text", stats)


def test_csv_has_the_assessment_measures(snap, stats):
    text = report(snap, "csv", stats)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    assert list(rows[0]) == list(CSV_COLUMNS + ASSESSMENT_COLUMNS)
    for header in (
        "完整性",
        "撤回及时率",
        "暂定",
        "实质更正",
        "每百条实质更正",
        "最近公示日期",
        "30天以上未公示",
    ):
        assert header in rows[0]
    scjg = next(r for r in rows if r["部门代号"] == "scjg" and r["月份"] == "合计")
    assert (scjg["更正"], scjg["实质更正"], scjg["形式更正"]) == ("3", "2", "1")
    assert scjg["每百条实质更正"] == "33.3" and scjg["校验提示"] == "0"
    assert (scjg["按时撤回"], scjg["逾期撤回"], scjg["撤回及时率"]) == ("1", "0", "1.0000")
    assert scjg["完整性"] == "1.0000" and scjg["应填字段"] == scjg["已填应填字段"]
    assert (scjg["最近公示日期"], scjg["未公示天数"], scjg["30天以上未公示"]) == ("2026-10-06", "6", "否")
    assert scjg["一年内无决定的目录事项"] == "1"  # scjg-cf-002
    wjw = next(r for r in rows if r["部门代号"] == "wjw" and r["月份"] == "合计")
    assert wjw["30天以上未公示"] == "是"
    june = next(r for r in rows if r["部门代号"] == "scjg" and r["月份"] == "2026-06")
    assert (june["实质更正"], june["形式更正"], june["最近公示日期"]) == ("0", "1", "")
    everything = next(r for r in rows if r["部门"] == "全部")
    assert everything["一年内无决定的目录事项"] == "1" and everything["每百条实质更正"] == "25"


def test_the_public_record_says_the_nature_only_when_stated(snap):
    by_id = {e.id: e for e in snap.entries}
    g = public_record(by_id["scjg-cf-2026-0023"], snap.registry.departments)
    assert [c.to_json() for c in g.corrections] == [
        {"date": "2026-06-01", "reason": "更正违法事实中的错别字。", "nature": "形式"},
        {"date": "2026-07-01", "reason": "更正罚款金额。", "nature": "实质"},
    ]
    events = [h.event for h in history_rows(g, by_id["scjg-cf-2026-0023"].timeline)]
    assert events == ["公示", "更正（形式）", "更正（实质）"]
    a = public_record(by_id["scjg-xk-2026-0101"], snap.registry.departments)
    # Written before the field: no key, so the canonical JSON (the ledger's hash) is unchanged.
    assert [c.to_json() for c in a.corrections] == [{"date": "2026-04-01", "reason": "更正许可编号。"}]
    assert [h.event for h in history_rows(a, by_id["scjg-xk-2026-0101"].timeline)] == ["公示", "更正"]


def test_gongshi_log_shows_stated_counted_and_suggested_natures(repo, monkeypatch):
    log = audit_log(repo, "scjg-cf-2026-0023", AS_OF)
    checks = [k for e in log.events for k in e.corrections]
    assert [(k.nature, k.counted, k.suggested) for k in checks] == [
        (FORM, FORM, FORM),
        (SUBSTANCE, SUBSTANCE, SUBSTANCE),
    ]
    unstated = [k for e in audit_log(repo, "scjg-xk-2026-0101", AS_OF).events for k in e.corrections]
    # The licence's correction changed licence_no: 实质 by its fields, and counted so.
    assert [(k.nature, k.counted, k.suggested) for k in unstated] == [(None, SUBSTANCE, SUBSTANCE)]
    monkeypatch.chdir(repo)  # the command reads the repository it runs in
    assert "更正性质：未注明，按实质计（本次改动的字段看是实质更正）" in _log("scjg-xk-2026-0101")
    assert "更正性质：形式\n" in _log("scjg-cf-2026-0023")
    doc = json.loads(_log("scjg-cf-2026-0023", "json"))
    natures = [(k["nature"], k["nature_counted"]) for e in doc["events"] for k in e["corrections"]]
    assert natures == [(FORM, FORM), (SUBSTANCE, SUBSTANCE)]


def _log(record: str, fmt: str = "text") -> str:
    result = CliRunner().invoke(main, ["log", record, "--as-of", AS_OF.isoformat(), "--format", fmt])
    assert result.exit_code == 0, result.output
    return result.output


def _doc(text: str) -> dict:
    loaded = load_yaml_bytes(text.encode("utf-8"), G)
    assert loaded.ok
    return loaded.data


@pytest.mark.parametrize(
    ("new", "code"),
    [
        (G_FORM, None),  # 形式 and only the facts changed
        # 形式 but the fine changed too: refused, pointing at the entry's nature.
        (G_FORM.replace("fine_yuan: 120000.00", "fine_yuan: 100000.00"), "history.correction_nature"),
        # No nature stated: allowed (counted as 实质).
        (G_FORM.replace("fine_yuan: 120000.00", "fine_yuan: 1").replace("    nature: 形式\n", ""), None),
    ],
)
def test_check_history_refuses_a_form_correction_of_substance(new, code):
    problem = correction_problem(_doc(PENALTY_G), _doc(new))
    assert (problem[0] if problem else None) == code
    if problem:
        assert problem[2] == "$.corrections[0].nature"
        assert "fine_yuan" in problem[1] and "nature: 实质" in problem[1]
