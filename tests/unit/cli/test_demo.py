"""gongshi demo: a real Git repository with a simulated, deterministic publication history."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from gongshi.cli import main
from gongshi.demo import DemoError, make_demo
from gongshi.history.log import scan_history
from gongshi.rules.workdays import Calendar

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "registry"
L = "data/records/scjg/licences/"
P = "data/records/zhzf/penalties/"


def rec(decided: str, extra: str = "", kind: str = "licence") -> str:
    return (
        "# yaml-language-server: $schema=../../../../../schemas/licence.schema.json\n"
        f"kind: {kind}\ndoc_no: 测试〔{decided[:4]}〕1号\nparty:\n  name: 测试公司\n"
        f"decision_date: {decided}\nauthority: scjg\ncontent: 食品经营\n{extra}"
    )


RECORDS = {
    L + "2016/scjg-xk-2016-0001.yaml": rec("2016-03-01"),  # before platform_start: back-filled
    L + "2016/scjg-xk-2016-0002.yaml": rec("2016-07-30"),
    P + "2016/zhzf-cf-2016-0001.yaml": rec("2016-05-05", kind="penalty"),
    L + "2026/scjg-xk-2026-0001.yaml": rec("2026-03-02"),
    L + "2026/scjg-xk-2026-0002.yaml": rec(
        "2026-03-03",
        "corrections:\n  - date: 2026-04-01\n    reason: 更正文号\n"
        "  - date: 2026-05-06\n    reason: 更正地址\n",
    ),
    L + "2026/scjg-xk-2026-0003.yaml": rec(
        "2026-03-04", "status: 撤销\nstatus_date: 2026-06-01\nstatus_reason: 行政复议撤销\n"
    ),
    P + "2026/zhzf-cf-2026-0001.yaml": rec("2026-03-05", kind="penalty"),
    L + "2026/scjg-xk-2026-0099.yaml": rec("2026-12-30"),  # after --as-of: left out
}
AS_OF = date(2026, 11, 20)


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("source")
    shutil.copytree(FIXTURE / "data", root / "data")
    for rel, text in RECORDS.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def demo(source, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "repo"
    return make_demo(source, out, AS_OF)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def test_final_tree_equals_source_data(source, demo):
    assert git(demo.out, "status", "--porcelain") == ""
    tracked = set(git(demo.out, "ls-files").split())
    expected = {p.relative_to(source).as_posix() for p in (source / "data").rglob("*") if p.is_file()}
    expected.discard(L + "2026/scjg-xk-2026-0099.yaml")
    assert tracked == expected | {"README.md", ".gitignore"}
    # Spreadsheets (raw sheets with full ID numbers, error reports) are never picked up by git add.
    ignored = git(demo.out, "check-ignore", "raw.xlsx", "a.xls", "data/records/x.csv", "r.errors.xlsx")
    assert ignored.split() == ["raw.xlsx", "a.xls", "data/records/x.csv", "r.errors.xlsx"]
    for rel in expected:
        assert (demo.out / rel).read_bytes() == (source / rel).read_bytes(), rel
    assert demo.records == 7 and demo.skipped == [L + "2026/scjg-xk-2026-0099.yaml"]


def test_every_record_arrives_by_a_merge_after_its_decision(demo, source):
    idx = scan_history(demo.out)
    cal = Calendar.load(source)
    assert idx.head == demo.head and idx.warnings == []
    for rel in RECORDS:
        if rel.endswith("0099.yaml"):
            assert rel not in idx.first_added
            continue
        added = idx.first_added[rel]
        parents = git(demo.out, "rev-list", "--parents", "-n", "1", added.sha).split()[1:]
        assert len(parents) == 2, f"{rel} was not added by a merge commit"
        decided = date.fromisoformat(RECORDS[rel].split("decision_date: ")[1][:10])
        assert added.date > decided
        assert cal.is_workday(added.date)
        if decided.year == 2026:
            gap, _ = cal.workdays_between(decided, added.date)
            assert 1 <= gap <= 20
            assert added.subject.startswith("合并 #") and rel.rsplit("/", 1)[1][:-5] in added.subject


def test_backfill_is_one_bulk_merge_per_department_before_platform_start(demo):
    idx = scan_history(demo.out)
    scjg = {idx.first_added[L + f"2016/scjg-xk-2016-000{n}.yaml"].sha for n in (1, 2)}
    zhzf = idx.first_added[P + "2016/zhzf-cf-2016-0001.yaml"]
    assert len(scjg) == 1 and zhzf.sha not in scjg
    # By the 补录 deadline, Sat 2016-08-20: the working days before it, the last department last.
    assert idx.first_added[L + "2016/scjg-xk-2016-0001.yaml"].date == date(2016, 8, 18)
    assert zhzf.date == date(2016, 8, 19)
    assert "补录 2 条" in idx.first_added[L + "2016/scjg-xk-2016-0001.yaml"].subject
    assert demo.backfilled == 3


def test_corrections_and_withdrawals_are_later_modifications(demo):
    idx = scan_history(demo.out)
    corrected = idx.changes[L + "2026/scjg-xk-2026-0002.yaml"]
    assert [(c.status, c.date) for c in corrected[:2]] == [("M", date(2026, 5, 6)), ("M", date(2026, 4, 1))]
    assert [c.status for c in corrected] == ["M", "M", "A"]
    first = git(demo.out, "show", f"{corrected[2].sha}:{L}2026/scjg-xk-2026-0002.yaml")
    assert "corrections" not in first and "decision_date: 2026-03-03" in first
    middle = git(demo.out, "show", f"{corrected[1].sha}:{L}2026/scjg-xk-2026-0002.yaml")
    assert "更正文号" in middle and "更正地址" not in middle
    withdrawn = idx.changes[L + "2026/scjg-xk-2026-0003.yaml"]
    assert [(c.status, c.date) for c in withdrawn] == [("M", date(2026, 6, 1)), ("A", withdrawn[1].date)]
    before = git(demo.out, "show", f"{withdrawn[1].sha}:{L}2026/scjg-xk-2026-0003.yaml")
    assert "撤销" not in before


def test_main_history_is_monotonic_and_deterministic(demo, source, tmp_path):
    times = [int(t) for t in git(demo.out, "log", "--first-parent", "--format=%ct", "main").split()]
    assert times == sorted(times, reverse=True)
    again = make_demo(source, tmp_path / "again", AS_OF)
    assert again.head == demo.head


def test_regenerates_a_previous_demo_but_never_deletes_other_folders(source, tmp_path):
    out = tmp_path / "demo"
    first = make_demo(source, out, AS_OF)
    (out / "stray.txt").write_text("x", encoding="utf-8")
    second = make_demo(source, out, AS_OF)
    assert second.head == first.head and not (out / "stray.txt").exists()
    other = tmp_path / "precious"
    other.mkdir()
    (other / "keep.txt").write_text("x", encoding="utf-8")
    with pytest.raises(DemoError, match="不是 gongshi demo 生成的演示仓库"):
        make_demo(source, other, AS_OF)
    assert (other / "keep.txt").exists()
    with pytest.raises(DemoError):
        make_demo(source, source / "data" / "x", AS_OF)


def test_cli(source, tmp_path, monkeypatch):
    monkeypatch.chdir(source)
    res = CliRunner().invoke(main, ["demo", "--out", str(tmp_path / "d"), "--as-of", "2026-11-20"])
    assert res.exit_code == 0, res.output
    assert "7 条记录" in res.output and "补录 3 条" in res.output
    bad = CliRunner().invoke(main, ["demo", "--out", str(source), "--as-of", "2026-11-20"])
    assert bad.exit_code == 2
