"""``gongshi log RECORD`` on real Git histories (tests/support/site_fixture.py plus pull requests
merged into main): corrections checked against their merges, a late correction, a withdrawal and an
expiry give the expected events, states and flags, in text and JSON."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from gongshi.cli import main
from gongshi.core.cachefile import cache_path
from gongshi.history.log import scan_history
from gongshi.history.versions import BLOBS_FILE
from gongshi.snapshot.auditlog import audit_log, diff_documents

from tests.support.site_fixture import RECORDS, build_repo, data_path

AS_OF = date(2026, 12, 20)
CORRECTION_PR = "Merge pull request #42 from zhonglou/scjg-correction"
# Dated 07-01, merged 07-20: 13 working days later, more than the 7-day publication deadline.
LATE = """corrections:
  - date: 2026-07-01
    reason: 更正违法行为类型的文字。
"""
# Dated after the commit that added it (a correction written with a future date).
FUTURE = """corrections:
  - date: 2026-04-10
    reason: 更正许可内容的文字。
  - date: 2026-12-15
    reason: 更正许可证号。
"""


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("log") / "repo"
    git = build_repo(root)
    # A pull request: a side-branch commit merged with --no-ff (the merge counts, not the branch).
    git.branch("scjg-correction")
    path = data_path("scjg-cf-2025-0031")
    git.commit("更正小吃店处罚", "2026-12-01T09:00:00+08:00", {path: RECORDS["scjg-cf-2025-0031"] + LATE})
    git.checkout("main")
    git.merge("scjg-correction", CORRECTION_PR, "2026-12-02T10:00:00+08:00")
    wjw = data_path("wjw-xk-2026-0011")
    git.commit(
        "卫健委：补充更正 (#43)", "2026-12-03T10:00:00+08:00", {wjw: RECORDS["wjw-xk-2026-0011"] + FUTURE}
    )
    return root


def run(repo: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["log", *args, "--as-of", AS_OF.isoformat()], catch_exceptions=False)
    return result.exit_code, result.output


def test_path_limited_scan_agrees_with_the_whole_history(repo, monkeypatch):
    monkeypatch.chdir(repo)
    whole = scan_history(repo)
    for rid in ("scjg-cf-2025-0031", "wjw-xk-2026-0011", "scjg-cf-2026-0203"):
        log = audit_log(repo, rid, AS_OF)
        assert [e.change for e in log.events] == list(reversed(whole.changes[data_path(rid)]))


def test_late_correction_merged_by_pull_request(repo, monkeypatch):
    monkeypatch.chdir(repo)
    code, out = run(repo, "scjg-cf-2025-0031", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["id"] == "scjg-cf-2025-0031" and doc["file"] == data_path("scjg-cf-2025-0031")
    added, corrected = doc["events"]
    assert added["action"] == "added" and added["date"] == "2025-12-03" and added["pull_request"] is None
    assert added["author"] == "测试员 <tester@example.invalid>"
    assert corrected["pull_request"] == 42 and corrected["subject"] == CORRECTION_PR
    assert corrected["date"] == "2026-12-02" and corrected["committed_at"] == "2026-12-02T10:00:00+08:00"
    assert [c["field"] for c in corrected["changed"]] == ["corrections[0].date", "corrections[0].reason"]
    (check,) = corrected["corrections"]
    assert check["date"] == "2026-07-01" and check["merged"] == "2026-12-02"
    assert "个工作日才合并" in check["flag"]
    assert any("个工作日才合并" in f for f in doc["flags"])
    assert doc["publication"]["published_at"] == "2025-12-03" and doc["publication"]["on_time"] is True
    assert [(s["date"], s["state"]) for s in doc["states"]] == [
        ("2025-12-03", "listed"),
        ("2025-12-14", "query"),
    ]


def test_correction_dated_after_its_merge(repo, monkeypatch):
    monkeypatch.chdir(repo)
    code, out = run(repo, data_path("wjw-xk-2026-0011"))
    assert code == 0
    assert "卫健委：更正许可内容" in out  # the subject: an internal command may print it
    assert "更正 2026-04-10：更正许可内容的文字。  （日期相符）" in out
    assert "更正日期 2026-12-15 晚于合并日期 2026-12-03" in out
    assert "PR #43" in out
    doc = json.loads(run(repo, "wjw-xk-2026-0011", "--format", "json")[1])
    assert [e["action"] for e in doc["events"]] == ["added", "modified", "modified"]
    assert [len(e["corrections"]) for e in doc["events"]] == [0, 1, 1]
    assert len(doc["flags"]) == 1


def test_withdrawal(repo, monkeypatch):
    monkeypatch.chdir(repo)
    doc = json.loads(run(repo, "scjg-cf-2026-0203", "--format", "json")[1])
    revoke = doc["events"][1]
    changed = {c["field"]: c["new"] for c in revoke["changed"]}
    assert changed["status"] == "撤销" and changed["status_date"] == "2026-06-01"
    assert revoke["state"] == "withdrawn"
    assert [(s["date"], s["state"]) for s in doc["states"]] == [
        ("2026-02-04", "listed"),
        ("2026-02-15", "query"),
        ("2026-06-02", "withdrawn"),
    ]
    assert doc["state"] == "withdrawn"
    assert doc["publication"]["withdrawal_published_at"] == "2026-06-02"


def test_expiry_of_a_record_the_site_no_longer_shows(repo, monkeypatch):
    monkeypatch.chdir(repo)
    code, out = run(repo, "scjg-xk-2019-0007")
    assert code == 0
    assert "当前状态：公示期满" in out
    doc = json.loads(run(repo, "scjg-xk-2019-0007", "--format", "json")[1])
    states = [(s["date"], s["state"]) for s in doc["states"]]
    assert states[0] == ("2026-01-06", "listed") and states[-1][1] == "expired"


def test_unknown_record_is_a_chinese_usage_error(repo, monkeypatch):
    monkeypatch.chdir(repo)
    code, out = run(repo, "scjg-cf-2099-0001")
    assert code == 2
    assert "找不到记录" in out and "Traceback" not in out


def test_field_diff_is_yaml_aware():
    old = {"party": {"name": "甲公司", "uscc": "X"}, "categories": ["警告"]}
    new = {"party": {"name": "乙公司", "uscc": "X"}, "categories": ["警告", "罚款"], "remarks": "备注"}
    got = [(c.field, c.old, c.new) for c in diff_documents(old, new)]
    assert got == [
        ("party.name", "甲公司", "乙公司"),
        ("categories[1]", None, "罚款"),
        ("remarks", None, "备注"),
    ]


def test_reads_versions_straight_from_git_without_the_build_cache(repo, monkeypatch):
    # The build's blob cache is megabytes on a large repository: `gongshi log` neither loads nor
    # rewrites it for its few versions (and gives the same events as with a cache present).
    monkeypatch.chdir(repo)
    monkeypatch.setenv("GONGSHI_CACHE", "on")
    blobs = cache_path(repo, BLOBS_FILE)
    assert blobs is not None
    if blobs.exists():
        blobs.unlink()
    code, out = run(repo, "wjw-xk-2026-0011", "--format", "json")
    assert code == 0 and len(json.loads(out)["events"]) == 3
    assert not blobs.exists()
