"""``gongshi explain`` on real repositories: outside Git (preview) and with real commits."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from gongshi.cli import main

REPO = Path(__file__).resolve().parents[3]
FIXTURE_REGISTRY = REPO / "tests" / "fixtures" / "registry"
CORPUS = REPO / "tests" / "corpus" / "valid"
PENALTY = "data/records/scjg/penalties/2026/scjg-cf-2026-0015.yaml"
LICENCE = "data/records/scjg/licences/2026/scjg-xk-2026-0101.yaml"


def make_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE_REGISTRY, root)
    shutil.rmtree(root / "data" / "calendar")
    shutil.copytree(REPO / "data" / "calendar", root / "data" / "calendar")
    return root


def put(root: Path, rel: str, source: Path | str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    text = source.read_text(encoding="utf-8") if isinstance(source, Path) else source
    path.write_text(text, encoding="utf-8")
    return path


def git(root: Path, *args: str, when: str | None = None) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "测试",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "测试",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    if when:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when
    res = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, env=env, check=True)
    return res.stdout.strip()


def commit_all(root: Path, message: str, when: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, when=when)
    return git(root, "rev-parse", "HEAD")


def explain(root: Path, rel: str, *args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, ["explain", str(root / rel), *args])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    return res.exit_code, res.output


def explain_json(root: Path, rel: str, as_of: str) -> tuple[int, dict]:
    code, out = explain(root, rel, "--as-of", as_of, "--format", "json")
    return code, json.loads(out)


def test_preview_outside_git(tmp_path):
    root = make_repo(tmp_path)
    put(root, PENALTY, CORPUS / "penalty-company-fine.yaml")
    code, doc = explain_json(root, PENALTY, "2026-03-20")
    assert code == 0
    expected = {
        "ok": True,
        "file": PENALTY,
        "as_of": "2026-03-20",
        "id": "scjg-cf-2026-0015",
        "kind": "penalty",
        "decision_date": "2026-03-05",
        "deadline": "2026-03-16",  # Thu 03-05 → 06, 09..13, 16
        "deadline_provisional": False,
        "published_at": "2026-03-20",  # preview: the as-of date
        "commit": None,
        "preview": True,
        "on_time": False,
        "backfilled": False,
        "delay_workdays": 4,
        "list_until": "2026-03-30",  # published 03-20 + 10 days (the day itself not counted)
        "disclosure_until": "2033-03-05",  # 7 years to the corresponding day
        "state": "listed",
        "regime": "zhonglou-2016",
    }
    assert {k: doc[k] for k in expected} == expected
    assert "钟政办发〔2016〕31号" in doc["rule"]
    assert set(doc["why"]) == {
        "deadline",
        "published_at",
        "on_time",
        "list_until",
        "disclosure_until",
        "state",
    }
    assert [p["code"] for p in doc["problems"]] == ["history.no_git"]


def test_text_format(tmp_path):
    root = make_repo(tmp_path)
    put(root, PENALTY, CORPUS / "penalty-company-fine.yaml")
    code, out = explain(root, PENALTY, "--as-of", "2026-03-31")
    assert code == 0
    assert "公示截止日：2026-03-16" in out
    assert "公示日期：2026-03-31（预览" in out  # a preview counts as published on the as-of date
    assert "按时公示：否，迟 11 个工作日" in out  # 03-17..20, 23..27, 30, 31
    assert "滚动公示至：2026-04-10" in out
    assert "状态：滚动公示中（listed）" in out


def test_committed_record_uses_commit_date_in_china_time(tmp_path):
    root = make_repo(tmp_path)
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "registry", "2026-01-01T09:00:00+08:00")
    put(root, PENALTY, CORPUS / "penalty-company-fine.yaml")
    # 2026-03-16 16:30 in Los Angeles is 2026-03-17 08:30 in China: one working day late.
    sha = commit_all(root, "scjg: 罚款决定", "2026-03-16T16:30:00-07:00")
    code, doc = explain_json(root, PENALTY, "2026-03-20")
    assert code == 0
    assert (doc["published_at"], doc["commit"], doc["preview"]) == ("2026-03-17", sha, False)
    assert (doc["on_time"], doc["delay_workdays"]) == (False, 1)
    assert (doc["list_until"], doc["state"]) == ("2026-03-27", "listed")
    assert doc["problems"] == []
    # Before the commit it was not yet published; a day after the list ends it is query-only.
    assert explain_json(root, PENALTY, "2026-03-16")[1]["state"] == "pending"
    # Published 03-17: the list runs through 03-27 (the boundary day) and off on 03-28; the query
    # period (7 years from 2026-03-05) through 2033-03-05, expired on 03-06.
    assert explain_json(root, PENALTY, "2026-03-27")[1]["state"] == "listed"
    assert explain_json(root, PENALTY, "2026-03-28")[1]["state"] == "query"
    assert explain_json(root, PENALTY, "2033-03-05")[1]["state"] == "query"
    assert explain_json(root, PENALTY, "2033-03-06")[1]["state"] == "expired"


def test_on_time_commit_and_reproducible(tmp_path):
    root = make_repo(tmp_path)
    git(root, "init", "-q", "-b", "main")
    put(root, LICENCE, CORPUS / "licence-company.yaml")
    commit_all(root, "scjg: 许可决定", "2026-03-16T23:59:00+08:00")
    first = explain_json(root, LICENCE, "2027-01-01")
    assert first[0] == 0
    doc = first[1]
    assert (doc["published_at"], doc["on_time"], doc["state"]) == ("2026-03-16", True, "query")
    assert doc["disclosure_until"] == "2031-03-04"  # valid_to
    # Later commits (an edit) do not change the publication date; the same as-of gives the same answer.
    p = root / LICENCE
    p.write_text(p.read_text(encoding="utf-8") + "# 补充说明\n", encoding="utf-8")
    commit_all(root, "scjg: 备注", "2026-05-01T10:00:00+08:00")
    again = explain_json(root, LICENCE, "2027-01-01")
    assert {k: v for k, v in again[1].items() if k != "commit"} == {
        k: v for k, v in doc.items() if k != "commit"
    }


def test_national_regime_from_policy(tmp_path):
    root = make_repo(tmp_path)
    pol = root / "data" / "policy.yaml"
    pol.write_text(
        pol.read_text(encoding="utf-8").replace("regime: zhonglou-2016", "regime: national"), "utf-8"
    )
    put(root, PENALTY, CORPUS / "penalty-company-fine.yaml")
    code, doc = explain_json(root, PENALTY, "2026-03-20")
    assert code == 0
    # Decided 2026-03-05 under 令第58号; severity 一般 from the catalog item → 36 months.
    assert (doc["regime"], doc["severity"]) == ("ndrc-2023-58", "一般")
    assert (doc["min_period_until"], doc["max_period_until"], doc["disclosure_until"]) == (
        "2026-06-05",
        "2029-03-05",
        "2029-03-05",
    )


def test_provisional_deadline_is_a_warning(tmp_path):
    root = make_repo(tmp_path)
    text = (CORPUS / "penalty-company-fine.yaml").read_text(encoding="utf-8")
    put(root, PENALTY, text.replace("decision_date: 2026-03-05", "decision_date: 2026-12-28"))
    code, doc = explain_json(root, PENALTY, "2026-12-30")
    assert code == 0
    assert (doc["deadline"], doc["deadline_provisional"]) == ("2027-01-07", True)
    assert doc["calendar_missing_years"] == [2027]
    warn = [p for p in doc["problems"] if p["code"] == "calendar.missing_year"]
    assert len(warn) == 1 and "data/calendar/2027.yaml" in warn[0]["message"]


def test_record_with_errors_exits_1(tmp_path):
    root = make_repo(tmp_path)
    text = (CORPUS / "penalty-company-fine.yaml").read_text(encoding="utf-8")
    put(root, PENALTY, text.replace("decision_date: 2026-03-05", "decision_date: 2026-02-30"))
    code, doc = explain_json(root, PENALTY, "2026-03-20")
    assert code == 1
    assert doc["ok"] is False
    assert "deadline" not in doc
    errors = [p for p in doc["problems"] if p["severity"] == "error"]
    assert errors and all(p["file"] == PENALTY for p in errors)
    assert any(p["path"] == "$.decision_date" for p in errors)
    code, out = explain(root, PENALTY, "--as-of", "2026-03-20")
    assert code == 1 and "错误" in out and "Traceback" not in out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--format", "xml"], "不支持的输出格式"),
        (["--as-of", "2026-13-01"], "YYYY-MM-DD"),
    ],
)
def test_usage_errors(tmp_path, args, fragment):
    root = make_repo(tmp_path)
    put(root, PENALTY, CORPUS / "penalty-company-fine.yaml")
    code, out = explain(root, PENALTY, *args)
    assert code == 2 and fragment in out


def test_missing_file(tmp_path):
    root = make_repo(tmp_path)
    code, out = explain(root, "data/records/scjg/penalties/2026/nope.yaml")
    assert code == 2 and "找不到文件" in out
