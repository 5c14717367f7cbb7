"""A synthetic data repository with N realistic records and years of Git history, for benchmarks.

    .venv/bin/python bench/generate.py N --out DIR [--seed S] [--end YYYY-MM-DD] [--force]

The records come from ``bench.synth`` (valid identifiers, every department, item, party type,
withheld, revoked, changed and repaired decisions, natural persons). The history is written with
``git fast-import`` the way the repository is used in practice:

* an initial commit with the registry, catalogs, policy and calendar;
* one pull request per department and publication day: a commit on a side branch, merged into
  ``main`` with a ``--no-ff`` merge commit (the first-parent commit whose date counts as published);
* publication a few working days after each decision (a few percent late), decisions before the
  platform went live back-filled in the weeks after it;
* later edits in the same kind of pull request: the correction of a published record (its
  ``corrections`` entry appears then) and status changes (撤销, 变更, 注销, 失效, 已修复) on the first
  working day after ``status_date``.

Deterministic for a seed: the same N, seed and end date give the same commits (same SHAs).
100,000 records take about a minute (most of it ``git checkout`` writing the working tree).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from random import Random

from gongshi.core.clock import CHINA_TZ
from gongshi.rules.workdays import Calendar
from gongshi.sitebuild import CODE_ROOT

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # ``bench.synth`` when run as a script
from bench.synth import DEFAULT_SEED, SAMPLE_END, SynthRecord, dump_yaml, iter_records, registry_files
from bench.synth_catalog import DEPARTMENTS

START = date(2016, 1, 1)
# Working days between decision and publication (the deadline is 7): weights in percent.
LAG_WEIGHTS = (
    (1, 14),
    (2, 24),
    (3, 20),
    (4, 14),
    (5, 10),
    (6, 6),
    (7, 5),
    (8, 2),
    (9, 2),
    (11, 1),
    (14, 1),
    (20, 1),
)
STATUS_VERB = {"撤销": "撤销", "变更": "变更", "注销": "注销", "失效": "失效", "已修复": "信用修复"}
KIND_LABEL = {"licence": "行政许可", "penalty": "行政处罚"}
GITIGNORE = "/cache/\n/output/\n/output.*\n"
_GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
    "LC_ALL": "C",
}


@dataclass
class Change:
    """One file version that a pull request of ``dept`` brings on ``day``."""

    relpath: str
    text: str
    action: str  # "add" | "correct" | "status"
    record_id: str
    kind: str
    note: str = ""


@dataclass
class Plan:
    """What the generator decided, for tests and for printing."""

    records: int = 0
    publication: dict[str, date] = field(default_factory=dict)  # relpath -> first-parent add date
    decided: dict[str, date] = field(default_factory=dict)
    modified: dict[str, list[date]] = field(default_factory=dict)  # relpath -> later edit days
    batches: int = 0
    head: str = ""


def _weighted(rng: Random, pairs) -> int:
    x = rng.random() * sum(w for _, w in pairs)
    for value, w in pairs:
        x -= w
        if x < 0:
            return value
    return pairs[-1][0]


def _version(data: dict, drop: set[str]) -> dict:
    return {k: v for k, v in data.items() if k not in drop}


def _text(r: SynthRecord, data: dict) -> str:
    header = r.yaml().split("\n", 1)[0] + "\n"
    return header + dump_yaml(data)


def plan_changes(
    records: list[SynthRecord], cal: Calendar, seed: int, end: date, platform_start: date
) -> tuple[dict[tuple[date, str], list[Change]], Plan]:
    """Every file version, grouped by (publication day, department)."""
    rng = Random(f"history-{seed}")
    batches: dict[tuple[date, str], list[Change]] = defaultdict(list)
    plan = Plan(records=len(records))

    def workday_on_or_after(d: date) -> date:
        while not cal.is_workday(d):
            d += timedelta(days=1)
        return d

    for r in records:
        data = r.data
        decided = r.decision_date
        if decided < platform_start:
            # Back-filled in the first weeks of the platform.
            published = cal.add_workdays(platform_start, rng.randint(0, 25))[0]
        else:
            published = cal.add_workdays(decided, _weighted(rng, LAG_WEIGHTS))[0]
        published = min(published, end)
        events: list[tuple[date, str, set[str]]] = []
        corrections = data.get("corrections") or []
        status_date = date.fromisoformat(data["status_date"]) if data.get("status_date") else None
        drop_now: set[str] = set()
        if corrections:
            when = workday_on_or_after(date.fromisoformat(corrections[0]["date"]))
            if when > published and when <= end:
                drop_now.add("corrections")
                events.append((when, "correct", {"corrections"}))
        if status_date is not None:
            when = workday_on_or_after(status_date + timedelta(days=rng.randint(0, 2)))
            if when > published and when <= end:
                drop_now |= {"status", "status_date", "status_reason"}
                events.append((when, "status", {"status", "status_date", "status_reason"}))
        events.sort(key=lambda e: e[0])
        batches[(published, r.dept)].append(
            Change(r.relpath, _text(r, _version(data, drop_now)), "add", r.id, r.kind)
        )
        plan.publication[r.relpath] = published
        plan.decided[r.relpath] = decided
        remaining = set(drop_now)
        last = published
        for when, action, keys in events:
            if when <= last:  # one version of a file per pull request
                when = cal.add_workdays(last, 1)[0]
            if when > end:
                continue
            last = when
            remaining -= keys
            note = ""
            if action == "correct":
                note = str(corrections[0].get("reason", "")).rstrip("。")
            else:
                note = STATUS_VERB.get(str(data.get("status")), str(data.get("status")))
            batches[(when, r.dept)].append(
                Change(r.relpath, _text(r, _version(data, remaining)), action, r.id, r.kind, note)
            )
            plan.modified.setdefault(r.relpath, []).append(when)
    plan.batches = len(batches)
    return batches, plan


def _ts(moment: datetime) -> str:
    return f"{int(moment.timestamp())} +0800"


def _subject(dept: str, changes: list[Change]) -> str:
    adds: dict[str, int] = defaultdict(int)
    for c in changes:
        if c.action == "add":
            adds[c.kind] += 1
    parts = [f"新增{KIND_LABEL[k]} {n} 条" for k, n in sorted(adds.items())]
    edits = [c for c in changes if c.action != "add"]
    if len(edits) == 1:
        c = edits[0]
        verb = "更正" if c.action == "correct" else c.note
        parts.append(f"{verb} {c.record_id}" + (f"（{c.note}）" if c.action == "correct" and c.note else ""))
    elif edits:
        parts.append(f"更正或变更 {len(edits)} 条")
    return f"{dept}：" + "，".join(parts)


class _Stream:
    """Writes a git fast-import stream to a subprocess (bytes, exact ``data <n>`` lengths)."""

    def __init__(self, repo: Path):
        self.proc = subprocess.Popen(
            ["git", "-C", str(repo), "fast-import", "--quiet", "--done"],
            stdin=subprocess.PIPE,
            env=_env(),
        )
        assert self.proc.stdin is not None
        self.out = self.proc.stdin
        self.mark = 0

    def next_mark(self) -> int:
        self.mark += 1
        return self.mark

    def data(self, payload: bytes) -> None:
        self.out.write(b"data %d\n" % len(payload))
        self.out.write(payload)
        self.out.write(b"\n")

    def blob(self, text: str) -> int:
        mark = self.next_mark()
        self.out.write(b"blob\nmark :%d\n" % mark)
        self.data(text.encode("utf-8"))
        return mark

    def commit(
        self,
        ref: str,
        author: str,
        author_at: datetime,
        committer: str,
        committed_at: datetime,
        message: str,
        parents: list[int],
        files: list[tuple[int, str]],
    ) -> int:
        mark = self.next_mark()
        head = (
            f"commit {ref}\nmark :{mark}\nauthor {author} {_ts(author_at)}\n"
            f"committer {committer} {_ts(committed_at)}\n"
        )
        self.out.write(head.encode("utf-8"))
        self.data(message.encode("utf-8"))
        if parents:
            self.out.write(f"from :{parents[0]}\n".encode())
            for p in parents[1:]:
                self.out.write(f"merge :{p}\n".encode())
        self.out.write(b"".join(f"M 100644 :{blob} {path}\n".encode() for blob, path in files))
        self.out.write(b"\n")
        return mark

    def close(self) -> None:
        self.out.write(b"done\n")
        self.out.close()
        if self.proc.wait() != 0:
            raise SystemExit("git fast-import failed")


def _env() -> dict:
    import os

    return {**os.environ, **_GIT_ENV, "GIT_CONFIG_GLOBAL": os.devnull}


def _git(repo: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=_env(), check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout


def _base_files(seed: int) -> list[tuple[str, str]]:
    files = list(registry_files(seed))
    files.append(("data/policy.yaml", (CODE_ROOT / "data" / "policy.yaml").read_text(encoding="utf-8")))
    for path in sorted((CODE_ROOT / "data" / "calendar").glob("*.yaml")):
        files.append((f"data/calendar/{path.name}", path.read_text(encoding="utf-8")))
    files.append((".gitignore", GITIGNORE))
    return files


def generate(
    n: int, out: Path, seed: int = DEFAULT_SEED, end: date = SAMPLE_END, *, checkout: bool = True
) -> Plan:
    """Create the repository at ``out`` (must not exist or be empty) and return its plan."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out} is not empty (use --force to replace it)")
    out.mkdir(parents=True, exist_ok=True)
    _git(out, "init", "--quiet", "--initial-branch", "main")
    _git(out, "config", "core.quotepath", "off")

    cal = Calendar.load(CODE_ROOT)
    policy_text = (CODE_ROOT / "data" / "policy.yaml").read_text(encoding="utf-8")
    platform_start = START
    for line in policy_text.splitlines():
        if line.startswith("platform_start:"):
            platform_start = date.fromisoformat(line.split(":", 1)[1].strip())
    records = list(iter_records(n, seed, START, end))
    batches, plan = plan_changes(records, cal, seed, end, platform_start)

    rng = Random(f"commits-{seed}")
    names = {d["key"]: d["short_name"] for d in DEPARTMENTS}
    stream = _Stream(out)
    base = [(stream.blob(text), rel) for rel, text in _base_files(seed)]
    first = datetime(2016, 7, 1, 10, 0, tzinfo=CHINA_TZ)
    admin = "信用办管理员 <credit-office@zhonglou.example.invalid>"
    main = stream.commit("refs/heads/main", admin, first, admin, first, "初始化双公示数据仓库\n", [], base)
    reviewer = "信用办审核员 <review@zhonglou.example.invalid>"
    pr = 0
    by_day: dict[date, list[str]] = defaultdict(list)
    for day, dept in batches:
        by_day[day].append(dept)
    for day in sorted(by_day):
        depts = sorted(by_day[day])
        # Merge times spread over the working day, strictly increasing along main.
        slot = (8 * 3600) // max(1, len(depts))
        for k, dept in enumerate(depts):
            changes = batches[(day, dept)]
            merged_at = datetime(day.year, day.month, day.day, 9, 0, tzinfo=CHINA_TZ) + timedelta(
                seconds=k * slot + rng.randrange(max(1, slot - 60))
            )
            written_at = merged_at - timedelta(minutes=rng.randint(20, 300))
            clerk = f"{names.get(dept, dept)}信息员 <{dept}@zhonglou.example.invalid>"
            files = [(stream.blob(c.text), c.relpath) for c in changes]
            subject = _subject(dept, changes)
            side = stream.commit(
                "refs/heads/pr", clerk, written_at, clerk, written_at, subject + "\n", [main], files
            )
            pr += 1
            branch = f"{dept}-{day.isoformat()}"
            message = f"Merge pull request #{pr} from zhonglou/{branch}\n\n{subject}\n"
            main = stream.commit(
                "refs/heads/main", clerk, merged_at, reviewer, merged_at, message, [main, side], files
            )
    stream.close()
    _git(out, "branch", "-D", "pr")
    _git(out, "symbolic-ref", "HEAD", "refs/heads/main")
    if checkout:
        _git(out, "checkout", "--quiet", "--force", "main")
    plan.head = _git(out, "rev-parse", "HEAD").strip()
    return plan


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int, help="number of records")
    ap.add_argument("--out", type=Path, required=True, help="repository to create")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument(
        "--end", default=SAMPLE_END.isoformat(), help="latest decision and commit day (YYYY-MM-DD)"
    )
    ap.add_argument("--force", action="store_true", help="delete --out first")
    args = ap.parse_args(argv)
    if args.force and args.out.exists():
        shutil.rmtree(args.out)
    t0 = time.perf_counter()
    plan = generate(args.n, args.out, args.seed, date.fromisoformat(args.end))
    commits = _git(args.out, "rev-list", "--count", "HEAD").strip()
    print(
        f"{args.out}: {plan.records} records, {plan.batches} merged pull requests, {commits} commits,"
        f" {sum(len(v) for v in plan.modified.values())} later edits, HEAD {plan.head[:12]},"
        f" {time.perf_counter() - t0:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
