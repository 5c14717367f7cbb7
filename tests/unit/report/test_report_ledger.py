"""The report ledger: every batch recorded, ``--since-last`` sends exactly what is new or changed,
a re-run sends nothing; no gap and no duplicate across random merge/report interleavings."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path
from random import Random

import pytest
import yaml
from gongshi.report import columns as col
from gongshi.report.ledger import LEDGER_DIR, LedgerError, read_batches
from gongshi.report.run import ReportRequest, run_report
from gongshi.snapshot.load import load

from tests.support.gitrepo import GitRepo
from tests.support.opendata_repo import CALENDAR_2026, REGISTRY

AS_OF = date(2026, 12, 31)
START = date(2026, 3, 2)


def penalty(n: int, remarks: str, revoked: bool = False) -> str:
    text = f"""kind: penalty
doc_no: 钟测市监罚〔2026〕{100 + n}号
item: scjg-cf-001
party:
  name: 常州市测试{n}号有限公司
  category: 法人及非法人组织
  uscc: 91320404MA1XYW01X0
  legal_rep: 王某某
decision_date: 2026-03-02
authority: scjg
violation_type: 经营超过保质期的食品
facts: 当事人销售超过保质期的饮料{n}瓶。
basis: 《中华人民共和国食品安全法》第一百二十四条第一款第（五）项
categories:
  - 警告
content: 警告。
remarks: {remarks}
"""
    if revoked:
        text += "status: 撤销\nstatus_date: 2026-03-03\nstatus_reason: 经行政复议撤销。\n"
    return text


def path_of(n: int) -> str:
    return f"data/records/scjg/penalties/2026/scjg-cf-2026-{n:04d}.yaml"


class Scenario:
    """A repository with merges on main and a receiver that applies every delivered row."""

    def __init__(self, folder: Path, cache: bool = True):
        self.cache = cache  # the row digests kept between runs (report.digests), or none
        folder.mkdir(parents=True)
        shutil.copytree(REGISTRY / "data", folder / "data")
        (folder / "data/calendar/2026.yaml").write_text(CALENDAR_2026, encoding="utf-8")
        self.repo = GitRepo.init(folder)
        self.repo.git("add", "--all")
        self.day = START
        self.repo.commit("登记册", self._when())
        self.records: dict[int, dict] = {}  # n -> {"remarks": ..., "revoked": bool}
        self.version = 0
        self.received: dict[str, dict[str, str]] = {}  # record id -> the last row received
        self.deliveries: list[tuple[str, str]] = []  # (record id, 备注) of every row received
        self.out = folder.parent / "out"
        self.out.mkdir(exist_ok=True)

    def _when(self) -> str:
        self.day += timedelta(days=1)
        return f"{self.day.isoformat()}T10:00:00+08:00"

    def merge(self, rng: Random) -> None:
        """A pull request: a new record, a correction of one, or a revocation, merged --no-ff."""
        self.version += 1
        choice = rng.choice(["new", "new", "edit", "revoke"]) if self.records else "new"
        if choice == "new":
            n = len(self.records) + 1
            self.records[n] = {"remarks": f"第{self.version}版", "revoked": False}
        else:
            n = rng.choice(sorted(self.records))
            rec = self.records[n]
            rec["remarks"] = f"第{self.version}版"  # every change is a new content: no two alike
            rec["revoked"] = rec["revoked"] or choice == "revoke"
        rec = self.records[n]
        branch = f"pr-{self.version}"
        self.repo.branch(branch)
        self.repo.commit(f"变更 {n}", self._when(), {path_of(n): penalty(n, rec["remarks"], rec["revoked"])})
        self.repo.checkout("main")
        self.repo.merge(branch, f"合并 {branch}", self._when())

    def report(self) -> int:
        snapshot = load(self.repo.path, AS_OF, cache=True)
        target = self.out / f"batch-{self.version}-{len(self.deliveries)}.json"
        outcome = run_report(
            self.repo.path, snapshot, ReportRequest(fmt="json", since_last=True, output=target), None
        )
        assert outcome.code == 0, outcome.lines
        if not target.exists():
            return 0
        doc = json.loads(target.read_text(encoding="utf-8"))
        rows = [row for ds in doc["datasets"] for row in ds["rows"]]
        for row in rows:
            self.received[row[col.RECORD_ID]] = row
            self.deliveries.append((row[col.RECORD_ID], row["备注"]))
        return len(rows)

    def check_receiver_holds_the_repository(self) -> None:
        """No gap: the receiver holds every record as it now is in the files; no duplicate: no
        version of a record was delivered twice."""
        on_disk = {}
        for n in self.records:
            data = yaml.safe_load((self.repo.path / path_of(n)).read_text(encoding="utf-8"))
            on_disk[f"scjg-cf-2026-{n:04d}"] = (data["remarks"], data.get("status", "有效"))
        held = {rid: (row["备注"], row["当前状态"]) for rid, row in self.received.items()}
        assert held == on_disk
        assert len(self.deliveries) == len(set(self.deliveries)), "a record version was sent twice"


@pytest.mark.parametrize("seed", range(20))
def test_no_gap_no_duplicate_across_random_interleavings(tmp_path, seed):
    rng = Random(seed)
    s = Scenario(tmp_path / "repo", cache=seed % 2 == 0)
    for _ in range(rng.randint(6, 10)):
        if rng.random() < 0.5:
            for _ in range(rng.randint(1, 2)):
                s.merge(rng)
        else:
            s.report()
            s.check_receiver_holds_the_repository()
    s.report()
    s.check_receiver_holds_the_repository()
    # A re-run right after sends nothing and records no batch.
    before = len(read_batches(s.repo.path))
    assert s.report() == 0 and len(read_batches(s.repo.path)) == before
    # The ledger's batches are numbered 1..n without a hole.
    assert [b.sequence for b in read_batches(s.repo.path)] == list(range(1, before + 1))


def test_a_damaged_ledger_file_stops_the_report_with_its_name(tmp_path):
    s = Scenario(tmp_path / "repo")
    s.merge(Random(1))
    s.report()
    (batch_file,) = (s.repo.path / LEDGER_DIR).glob("*.json")
    batch_file.write_text(batch_file.read_text(encoding="utf-8")[:50], encoding="utf-8")
    with pytest.raises(LedgerError, match=batch_file.name):
        read_batches(s.repo.path)
