"""history.versions on a real Git repository: versions per record, blob bytes, past party names."""

from __future__ import annotations

import subprocess
from datetime import date

import pytest
from gongshi.core import cachefile
from gongshi.history.log import scan_history
from gongshi.history.versions import (
    BLOBS_FILE,
    BlobError,
    Version,
    earlier_party_names,
    read_blobs,
    record_versions,
)

from tests.support.gitrepo import GitRepo

A = "data/records/scjg/penalties/2026/a.yaml"
B = "data/records/scjg/penalties/2026/b.yaml"


def doc(name: str, extra: str = "") -> str:
    return f"kind: penalty\nparty:\n  name: {name}\n  category: 自然人\n{extra}"


def blob_of(repo: GitRepo, path: str) -> str:
    return repo.git("rev-parse", f"HEAD:{path}").strip()


@pytest.fixture
def repo(tmp_path):
    repo = GitRepo.init(tmp_path / "repo")
    repo.commit("起点", "2026-03-01T09:00:00+08:00", {"README.md": "x\n"})
    repo.branch("add")
    repo.commit("新增", "2026-03-01T10:00:00+08:00", {A: doc("张三丰"), B: doc("李四")})
    repo.checkout("main")
    repo.merge("add", "合并 新增", "2026-03-02T10:00:00+08:00")
    repo.branch("fix")
    repo.commit("更正姓名", "2026-03-03T10:00:00+08:00", {A: doc("张三")})
    repo.checkout("main")
    repo.merge("fix", "合并 更正", "2026-03-04T23:30:00+00:00")  # 5 March in China
    repo.commit("再更正", "2026-03-06T10:00:00+08:00", {A: doc("张三", "remarks: 备注\n")})
    return repo


def test_versions_oldest_first_with_blobs_and_china_dates(repo):
    history = scan_history(repo.path)
    versions = record_versions(history, A)
    assert [(v.date, v.status) for v in versions] == [
        (date(2026, 3, 2), "A"),
        (date(2026, 3, 5), "M"),
        (date(2026, 3, 6), "M"),
    ]
    assert all(isinstance(v, Version) and len(v.blob) == 40 for v in versions)
    assert versions[-1].blob == blob_of(repo, A)
    assert versions[0].sha == repo.git("rev-parse", "HEAD~2").strip()  # the merge, not the side commit
    assert record_versions(history, "data/records/none.yaml") == []


def test_read_blobs_one_process_and_cached(repo, monkeypatch):
    history = scan_history(repo.path)
    blobs = [v.blob for v in record_versions(history, A)]
    contents = read_blobs(repo.path, [*blobs, None, blobs[0]])
    assert contents[blobs[0]].decode() == doc("张三丰")
    assert contents[blobs[2]].decode() == doc("张三", "remarks: 备注\n")
    cached = cachefile.read_dict(cachefile.cache_dir(repo.path) / BLOBS_FILE)
    assert set(cached) == set(blobs)
    # From the cache, with Git unable to answer: the same bytes.
    monkeypatch.setattr("gongshi.history.versions._cat_file", lambda root, b: pytest.fail("git called"))
    assert read_blobs(repo.path, blobs) == contents


def test_missing_blob_is_a_chinese_error(repo, monkeypatch):
    monkeypatch.setenv("GONGSHI_CACHE", "off")
    with pytest.raises(BlobError, match="找不到记录的历史版本"):
        read_blobs(repo.path, ["0" * 40])


def test_earlier_party_names(repo):
    history = scan_history(repo.path)
    names = earlier_party_names(repo.path, history, [(A, blob_of(repo, A)), (B, blob_of(repo, B))])
    # B has one version (the current file); A had 张三丰 and then 张三 twice.
    assert names == {A: ["张三丰", "张三"]}
    # An uncommitted edit: every committed version is earlier.
    assert earlier_party_names(repo.path, history, [(B, "f" * 40)]) == {B: ["李四"]}


def test_scan_reads_blob_ids_like_git(repo):
    history = scan_history(repo.path)
    out = subprocess.run(
        ["git", "-C", str(repo.path), "log", "--first-parent", "--format=%H", "--", A],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    expected = [repo.git("rev-parse", f"{sha}:{A}").strip() for sha in out]
    assert [c.blob for c in history.changes[A]] == expected
