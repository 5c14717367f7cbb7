"""The publication ledger on real repositories and real builds: a growing history extends the ledger,
an earlier as-of gives a prefix, and rewriting the Git history (filter-branch, backdating, amend)
makes ``gongshi ledger verify`` fail with the first differing entry."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
from datetime import date
from pathlib import Path

import pytest
from gongshi.outputs import ledger
from gongshi.outputs.ledger import CHUNK, LedgerEntry
from gongshi.outputs.ledgercheck import prove, read_ledger, verify
from gongshi.sitebuild import build

from tests.support.gitrepo import GitRepo, git_env
from tests.support.site_fixture import ROOT, build_repo, data_path

SETTINGS = ROOT / "pelicanconf.py"
GONGSHI = ROOT / ".venv" / "bin" / "gongshi"
SNACK = "scjg-cf-2025-0031"  # published 2025-12-03


def site(repo: GitRepo, day: date, out: Path) -> Path:
    build(repo.path, day, out, settings_path=SETTINGS)
    return out


def entries(out: Path) -> list[LedgerEntry]:
    return read_ledger(str(out)).entries


def main_clone(repo: GitRepo, tmp_path: Path) -> GitRepo:
    """A private clone of the story's repository, on main (each test rewrites its own)."""
    clone = repo.clone(tmp_path / "clone")
    clone.git("checkout", "--quiet", "main")
    return clone


def counting_events() -> tuple[list[str], object]:
    """A stand-in for ``ledger.record_events`` that notes the id of each record it computes."""
    computed: list[str] = []
    real = ledger.record_events

    def counting(snapshot, entry, blobs, parsed=None):
        computed.append(entry.id)
        return real(snapshot, entry, blobs, parsed)

    return computed, counting


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """The site fixture's repository built on three days, with new --no-ff merges before the last."""
    tmp = tmp_path_factory.mktemp("ledger")
    repo = build_repo(tmp / "repo")
    early = site(repo, date(2026, 11, 18), tmp / "early")  # the last decision is dated 11-18
    first = site(repo, date(2026, 11, 20), tmp / "first")
    # The history grows: a correction merged from a side branch, dated after the first build.
    repo.branch("fix")
    text = (repo.path / data_path(SNACK)).read_text(encoding="utf-8")
    repo.commit("更正", "2026-11-26T10:00:00+08:00",
                {data_path(SNACK): text + "remarks: 已更正备注。\n"})  # fmt: skip
    repo.checkout("main")
    repo.merge("fix", "合并 更正", "2026-11-27T09:00:00+08:00")
    later = site(repo, date(2026, 11, 30), tmp / "later")
    return tmp, repo, early, first, later


def test_growing_history_extends_the_ledger(story):
    _tmp, _repo, early, first, later = story
    a, b, c = entries(early), entries(first), entries(later)
    assert 0 < len(a) <= len(b) < len(c)
    assert b[: len(a)] == a and c[: len(b)] == b  # an earlier as-of is a prefix
    assert [(e.date, e.id, e.event) for e in c[len(b) :]] == [
        ("2026-11-25", "scjg-cf-2026-0204", "published"),
        ("2026-11-27", SNACK, "corrected"),
    ]
    assert verify(str(early), str(first)).code == 0
    # roots.json of the later build lists the size and root each earlier build published.
    roots = json.loads((later / "ledger" / "roots.json").read_text())["roots"]
    for out in (early, first):
        head = json.loads((out / "ledger" / "head.json").read_text())
        kept = [r for r in roots if r["as_of"] <= head["as_of"]][-1]
        assert (kept["size"], kept["root"]) == (head["size"], head["root"])
    outcome = verify(str(first), str(later))
    assert outcome.code == 0, outcome.lines
    assert outcome.data["old"]["size"] == len(b) and outcome.data["new"]["size"] == len(c)
    # Events are ordered by date, then record id, then event; withheld records never appear.
    assert [e.sort_key() for e in c] == sorted(e.sort_key() for e in c)
    assert b"zhzf-cf-2026-0021" not in gzip.decompress(
        (later / "ledger" / "entries" / "0.json.gz").read_bytes()
    )
    assert verify(str(later), str(first)).code == 1  # shorter: something was deleted


def test_same_day_rebuild_after_a_merge_keeps_the_ledger(story, tmp_path):
    """A build holds the events of the days that are over: a merge later the same day joins the next
    day's ledger, so two builds of one day agree."""
    _tmp, repo, _early, _first, later = story
    clone = main_clone(repo, tmp_path)
    text = (clone.path / data_path(SNACK)).read_text(encoding="utf-8")
    clone.commit("再更正", "2026-11-30T15:00:00+08:00", {data_path(SNACK): text + "# 再更正\n"})
    again = site(clone, date(2026, 11, 30), tmp_path / "again")
    assert entries(again) == entries(later)
    assert verify(str(later), str(again)).code == 0


def test_events_are_kept_between_builds(story, tmp_path, monkeypatch):
    """The events cache (ledger-events.marshal): a rebuild recomputes the events of changed records
    only, and gives the ledger a build without any cache gives."""
    _tmp, repo, _early, _first, later = story
    clone = main_clone(repo, tmp_path)
    site(clone, date(2026, 11, 30), tmp_path / "cold")  # fills the cache
    computed, counting = counting_events()
    monkeypatch.setattr(ledger, "record_events", counting)
    warm = site(clone, date(2026, 11, 30), tmp_path / "warm")
    assert computed == [] and entries(warm) == entries(later)
    text = (clone.path / data_path(SNACK)).read_text(encoding="utf-8")
    changed = text.replace("remarks: 已更正备注。", "remarks: 再次更正。")
    clone.commit("再更正", "2026-11-30T15:00:00+08:00", {data_path(SNACK): changed})
    computed.clear()
    one = site(clone, date(2026, 12, 1), tmp_path / "one")
    assert SNACK in computed and len(computed) < len(set(e.id for e in entries(later)))
    monkeypatch.setenv("GONGSHI_CACHE", "off")
    assert entries(site(clone, date(2026, 12, 1), tmp_path / "nocache")) == entries(one)
    assert ("2026-11-30", SNACK, "corrected") in [(e.date, e.id, e.event) for e in entries(one)]


def _filter_branch(repo: GitRepo, *args: str) -> None:
    env = {**git_env(), "FILTER_BRANCH_SQUELCH_WARNING": "1"}
    subprocess.run(["git", "-C", str(repo.path), "filter-branch", "-f", *args, "--", "--all"],
                   check=True, capture_output=True, env=env)  # fmt: skip
    repo.git("checkout", "--quiet", "-f", "main")


def test_rewritten_content_fails(story, tmp_path):
    _tmp, repo, _early, _first, later = story
    clone = main_clone(repo, tmp_path)
    # Change the facts of a record published in 2025 in every commit, then "force push".
    _filter_branch(clone, "--tree-filter", f"sed -i 's/糕点2盒/糕点3盒/' {data_path(SNACK)} || true")
    rewritten = site(clone, date(2026, 11, 30), tmp_path / "rewritten")
    outcome = verify(str(later), str(rewritten))
    assert outcome.code == 1
    assert "历史被改写" in outcome.lines[0] and SNACK in outcome.lines[0] and "第 1 条" in outcome.lines[0]
    # The CLI says the same, in Chinese, with exit code 1.
    proc = subprocess.run([str(GONGSHI), "ledger", "verify", str(later), str(rewritten)],
                          capture_output=True, text=True, env={**os.environ})  # fmt: skip
    assert proc.returncode == 1 and SNACK in proc.stderr and "Traceback" not in proc.stderr


def _ledger_files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted((out / "ledger").rglob("*"))
            if p.is_file()} | {"ledger.html": (out / "ledger.html").read_bytes()}  # fmt: skip


def test_warm_ledger_after_a_change_in_the_middle_equals_a_cold_one(story, tmp_path, monkeypatch):
    """The kept state (ledger-state.marshal: events, chunk and day roots) after the history was
    rewritten in the middle, and after moving the as-of day back and forth: every warm build writes
    the bytes a build without cache writes."""
    _tmp, repo, _early, _first, _later = story
    clone = main_clone(repo, tmp_path)
    site(clone, date(2026, 11, 30), tmp_path / "warm")  # fills the state
    _filter_branch(clone, "--tree-filter", f"sed -i 's/糕点2盒/糕点3盒/' {data_path(SNACK)} || true")
    for n, day in enumerate((date(2026, 11, 30), date(2026, 11, 20), date(2026, 12, 2))):
        warm = site(clone, day, tmp_path / f"warm-{n}")
        with monkeypatch.context() as m:
            m.setenv("GONGSHI_CACHE", "off")
            cold = site(clone, day, tmp_path / f"cold-{n}")
        assert _ledger_files(warm) == _ledger_files(cold), (day, set(entries(warm)) ^ set(entries(cold)))


def test_backdated_publication_fails(story, tmp_path):
    _tmp, repo, _early, _first, later = story
    clone = main_clone(repo, tmp_path)
    # Claim the 食品经营许可 was merged on 11-09 instead of 11-11.
    _filter_branch(
        clone,
        "--env-filter",
        'if [ "$(git log -1 --format=%s $GIT_COMMIT)" = "市场监管局：新增食品经营许可" ]; then '
        'export GIT_COMMITTER_DATE="2026-11-09T10:00:00+08:00"; fi',
    )
    backdated = site(clone, date(2026, 11, 30), tmp_path / "backdated")
    assert any(e.id == "scjg-xk-2026-0201" and e.date == "2026-11-09" for e in entries(backdated))
    outcome = verify(str(later), str(backdated))
    assert outcome.code == 1 and "scjg-xk-2026-0201" in "".join(outcome.lines)


def test_amended_merge_fails(story, tmp_path):
    _tmp, repo, _early, _first, later = story
    clone = main_clone(repo, tmp_path)
    text = (clone.path / data_path(SNACK)).read_text(encoding="utf-8")
    clone.write(data_path(SNACK), text.replace("已更正备注", "改过的备注"))
    clone.git("add", "--all")
    clone.git("commit", "--quiet", "--amend", "--no-edit", "--no-gpg-sign", date="2026-11-27T09:00:00+08:00")
    amended = site(clone, date(2026, 11, 30), tmp_path / "amended")
    outcome = verify(str(later), str(amended))
    assert outcome.code == 1 and f"{SNACK} corrected" in outcome.lines[0]


def test_tampered_files_fail_and_unreadable_is_2(story, tmp_path):
    _tmp, _repo, _early, first, later = story
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(later, copy)
    head = json.loads((copy / "ledger" / "head.json").read_text())
    head["root"] = "00" * 32
    (copy / "ledger" / "head.json").write_text(json.dumps(head))
    outcome = verify(str(first), str(copy))
    assert outcome.code == 1 and "根摘要" in outcome.lines[0]
    assert verify(str(first), str(tmp_path / "missing")).code == 2
    # A chunk is gzip: a truncated one is unreadable (2), with a Chinese message, not a traceback.
    chunk = copy / "ledger" / "entries" / "0.json.gz"
    chunk.write_bytes(chunk.read_bytes()[:-20])
    outcome = verify(str(first), str(copy))
    assert outcome.code == 2 and "gzip" in outcome.lines[0]


def test_inclusion_proofs(story):
    _tmp, _repo, _early, _first, later = story
    outcome = prove(str(later), SNACK)
    assert outcome.code == 0
    assert [p["entry"]["event"] for p in outcome.data["entries"]] == ["published", "corrected"]
    assert all(p["verified"] for p in outcome.data["entries"])
    assert prove(str(later), "no-such-record").code == 1
    head = json.loads((later / "ledger" / "head.json").read_text())
    assert head["chunk_size"] == CHUNK and head["size"] == len(entries(later))


def test_cli_over_http(story, serve):
    _tmp, _repo, _early, first, later = story
    url = serve(later)
    proc = subprocess.run([str(GONGSHI), "ledger", "verify", str(first), url],
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "一致性证明" in proc.stdout
    proc = subprocess.run([str(GONGSHI), "ledger", "prove", SNACK, "--site", url, "--format", "json"],
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["record_id"] == SNACK and len(doc["entries"]) == 2
    proc = subprocess.run([str(GONGSHI), "ledger", "verify", str(first), "http://127.0.0.1:9/"],
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 2 and "无法下载" in proc.stderr


def test_warm_ledger_after_a_deletion_and_a_new_record_equals_a_cold_one(story, tmp_path, monkeypatch):
    """The kept state compared with a snapshot whose records are not the saved ones (a record
    file deleted, then one added): the removed record's events leave, the added record's are
    computed (and nothing else), and every warm build writes what a build without cache writes."""
    _tmp, repo, _early, _first, _later = story
    clone = main_clone(repo, tmp_path)
    site(clone, date(2026, 11, 30), tmp_path / "warm")  # fills the state
    computed, counting = counting_events()
    text = (clone.path / data_path(SNACK)).read_text(encoding="utf-8")
    steps = (("删除", None), ("恢复", text))
    for n, (message, content) in enumerate(steps):
        clone.commit(message, f"2026-12-0{n + 1}T10:00:00+08:00", {data_path(SNACK): content})
        day = date(2026, 12, n + 3)
        computed.clear()
        with monkeypatch.context() as m:
            m.setattr(ledger, "record_events", counting)
            warm = site(clone, day, tmp_path / f"warm-{n}")
        assert computed == ([] if content is None else [SNACK])
        ids = {e.id for e in entries(warm)}
        assert (SNACK in ids) == (content is not None)
        with monkeypatch.context() as m:
            m.setenv("GONGSHI_CACHE", "off")
            cold = site(clone, day, tmp_path / f"cold-{n}")
        assert _ledger_files(warm) == _ledger_files(cold), (day, set(entries(warm)) ^ set(entries(cold)))
