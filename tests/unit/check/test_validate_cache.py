"""Validation at scale: the record cache, the worker processes and packed records change how fast
results come, never what they are (problems, lines, records: cold == warm == parallel)."""

from __future__ import annotations

import copy
import dataclasses
import gc
import os
import pickle
import shutil
from datetime import date
from pathlib import Path

import pytest
from gongshi.check import record_rules, run
from gongshi.check.run import validate_repository
from gongshi.core import cachefile
from gongshi.core.records import Record

from bench.generate import generate
from tests.support.gitrepo import GitRepo

AS_OF = date(2026, 11, 20)
CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.fixture(scope="module")
def source_repo(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("vcache") / "repo"
    generate(60, repo, seed=7, end=AS_OF)
    return repo


@pytest.fixture
def repo(source_repo, tmp_path) -> Path:
    """A private clone with problems of many kinds added as uncommitted files."""
    root = tmp_path / "repo"
    GitRepo(source_repo).git("clone", "--quiet", "--no-local", str(source_repo), str(root))
    records = sorted((root / "data" / "records").rglob("*.yaml"))
    # Invalid corpus files (syntax, schema, identifiers, privacy...) in one department folder.
    folder = records[0].parent
    for path in sorted((CORPUS / "invalid").glob("*.yaml")):
        shutil.copyfile(path, folder / path.name)
    (folder / "notes.txt").write_text("不是数据文件", encoding="utf-8")  # a warning
    # The newest decision with an unrelated error: at an earlier as-of date it is also "in the
    # future", which a result cached at the later date must not hide.
    newest = max(records, key=lambda p: (p.parent.name, p.read_text(encoding="utf-8")))
    newest.write_text(newest.read_text(encoding="utf-8") + "unknown_field: x\n", encoding="utf-8")
    return root


def _summary(result):
    return (
        result.problems,
        [(r.id, r.path, r.dept, r.folder_kind, r.folder_year, r.data, r.lines) for r in result.records],
        result.files_checked,
    )


def _shards(root: Path) -> dict[str, tuple[int, bytes]]:
    folder = cachefile.cache_dir(root) / "records"
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(folder.glob("*.marshal"))}


def test_cold_warm_and_parallel_agree(repo, monkeypatch):
    cold = validate_repository(repo, AS_OF, jobs=1)
    assert cold.errors and cold.warnings and cold.records
    monkeypatch.setattr(run, "PARALLEL_THRESHOLD", 10)
    parallel = validate_repository(repo, AS_OF, jobs=2)
    fill = validate_repository(repo, AS_OF, jobs=2, cache=True)
    warm = validate_repository(repo, AS_OF, jobs=2, cache=True)
    # Warm records come packed and are unpacked on first read; blob ids only with the cache.
    assert all("_packed" in r.__dict__ for r in warm.records)
    for other in (parallel, fill, warm):
        assert _summary(other) == _summary(cold)
    assert gc.isenabled()  # paused while results were built, then restored
    assert {r.blob_sha is None for r in cold.records} == {True}
    assert all(r.blob_sha and len(r.blob_sha) == 40 for r in warm.records)


def test_an_earlier_as_of_date_is_not_answered_from_a_later_one(repo):
    later = validate_repository(repo, AS_OF, jobs=1, cache=True)
    flagged = {p.file for p in later.errors if p.code == "schema.unknown_key" and "unknown_field" in p.path}
    assert len(flagged) == 1
    (victim,) = flagged
    decided = date.fromisoformat(
        next(
            line.split(": ", 1)[1]
            for line in (repo / victim).read_text(encoding="utf-8").splitlines()
            if line.startswith("decision_date: ")
        )
    )
    earlier = date.fromordinal(decided.toordinal() - 1)
    cached = validate_repository(repo, earlier, jobs=1, cache=True)
    cold = validate_repository(repo, earlier, jobs=1)
    assert cached.problems == cold.problems
    assert any(p.file == victim and p.code == "date.future" for p in cached.errors)


def test_one_changed_record_rewrites_only_its_department_shard(repo):
    validate_repository(repo, AS_OF, jobs=1, cache=True)
    before = _shards(repo)
    assert len(before) > 3
    validate_repository(repo, AS_OF, jobs=1, cache=True)
    assert _shards(repo) == before  # nothing changed: nothing written

    records = sorted((repo / "data" / "records").rglob("*.yaml"))
    victim = records[-1]
    victim.write_text(victim.read_text(encoding="utf-8") + "remarks: 更正。\n", encoding="utf-8")
    result = validate_repository(repo, AS_OF, jobs=1, cache=True)
    after = _shards(repo)
    assert set(after) == set(before)
    rewritten = [name for name in after if after[name] != before[name]]
    assert len(rewritten) == 1
    rel = victim.relative_to(repo).as_posix()
    changed = next(r for r in result.records if r.path == rel)
    assert changed.data["remarks"] == "更正。"
    assert _summary(result) == _summary(validate_repository(repo, AS_OF, jobs=1))


def test_a_removed_record_leaves_the_cache_and_the_results(repo):
    validate_repository(repo, AS_OF, jobs=1, cache=True)
    victim = sorted((repo / "data" / "records").rglob("*.yaml"))[-1]
    os.unlink(victim)
    warm = validate_repository(repo, AS_OF, jobs=1, cache=True)
    assert _summary(warm) == _summary(validate_repository(repo, AS_OF, jobs=1))
    rel = victim.relative_to(repo).as_posix()
    assert rel not in {r.path for r in warm.records}


def test_packed_records_behave_like_plain_ones():
    plain = Record(
        "a-1", "data/records/a/licences/2026/a-1.yaml", "a", "licence", "2026", {"kind": "licence"}, {"$": 1}
    )
    packed = Record.packed(
        plain.id, plain.path, plain.dept, plain.folder_kind, plain.folder_year, plain.pack()
    )
    assert packed.lines == {"$": 1} and packed.data == {"kind": "licence"}  # lines first works too
    packed = Record.packed(
        plain.id, plain.path, plain.dept, plain.folder_kind, plain.folder_year, plain.pack()
    )
    assert packed.pack() == plain.pack()  # still packed: the same bytes, not unpacked
    assert pickle.loads(pickle.dumps(packed)) == plain
    assert copy.deepcopy(packed) == plain
    assert dataclasses.replace(packed, blob_sha="x").data == plain.data
    assert packed == plain and packed.kind == "licence" and "_packed" not in packed.__dict__
    with pytest.raises(TypeError):
        Record("a", "p", "d", "licence", "2026")  # data stays a required field


def test_a_limited_run_compares_document_numbers_with_every_other_record(repo, monkeypatch):
    original = sorted((repo / "data" / "records").rglob("*-xk-*.yaml"))[-1]
    copy_path = original.with_name(original.stem + "-copy.yaml")
    shutil.copyfile(original, copy_path)
    rel = copy_path.relative_to(repo).as_posix()
    monkeypatch.setattr(run, "PARALLEL_THRESHOLD", 10)  # the other files' keys in workers
    runs = [
        validate_repository(repo, AS_OF, [rel], jobs=1),
        validate_repository(repo, AS_OF, [rel], jobs=2),
        validate_repository(repo, AS_OF, [rel], jobs=2, cache=True),  # fills the cache for all
        validate_repository(repo, AS_OF, [rel], jobs=1, cache=True),
    ]
    for result in runs:
        assert result.files_checked == 1 and result.records == []
        assert _summary(result) == _summary(runs[0])
    (dup,) = [p for p in runs[0].errors if p.code == "unique.doc_no"]
    assert dup.file == rel and original.relative_to(repo).as_posix() in dup.message


def test_text_scans_do_not_depend_on_the_loaders_text_list():
    """The privacy and invisible-character scans test the loader's list of scalar values first; a
    Loaded made some other way (no list) gets the same problems from a walk of the data."""
    from gongshi.repo.files import describe_record_path, load_registry, record_from_loaded
    from gongshi.repo.yamlload import load_yaml_bytes

    root = Path(__file__).resolve().parents[2] / "fixtures" / "registry"
    registry = load_registry(root)
    raw = (CORPUS / "invalid" / "mobile-in-remarks.yaml").read_bytes()
    raw = raw.replace(b"remarks: ", "remarks: \u202e".encode(), 1)
    rf = describe_record_path(root, root / "data/records/scjg/penalties/2026/scjg-cf-2026-0900.yaml")

    def codes(drop_texts: bool) -> list:
        loaded = load_yaml_bytes(raw, rf.relpath)
        assert loaded.texts
        if drop_texts:
            loaded.texts = []
        check = record_rules.check_loaded_record(rf, *record_from_loaded(rf, loaded), registry, AS_OF)
        return sorted((p.path, p.code) for p in check.problems)

    found = codes(False)
    assert {"privacy.unmasked_number", "text.invisible_character"} <= {code for _path, code in found}
    assert codes(True) == found


def test_registry_problems_are_reused_only_for_the_same_registry_files(source_repo, tmp_path, monkeypatch):
    """The registry files' problems come from the cache only while those files and the calendar
    folder's names are the same: a broken department, a stray calendar file are reported at once."""
    root = tmp_path / "clean"
    GitRepo(source_repo).git("clone", "--quiet", "--no-local", str(source_repo), str(root))
    monkeypatch.setenv("GONGSHI_CACHE", "on")

    def codes(result) -> set[tuple[str, str]]:
        return {(p.file, p.code) for p in result.problems}

    cold = validate_repository(root, AS_OF, cache=False)
    assert validate_repository(root, AS_OF, cache=True).problems == cold.problems
    assert validate_repository(root, AS_OF, cache=True).problems == cold.problems
    assert (cachefile.cache_dir(root) / "registry-problems.marshal").is_file()

    departments = root / "data" / "departments.yaml"
    text = departments.read_text(encoding="utf-8")
    departments.write_text(text.replace("uscc: ", "uscc: X", 1), encoding="utf-8")
    broken = validate_repository(root, AS_OF, cache=True)
    assert broken.problems == validate_repository(root, AS_OF, cache=False).problems
    assert any(f == "data/departments.yaml" for f, _c in codes(broken) - codes(cold))

    departments.write_text(text, encoding="utf-8")
    (root / "data" / "calendar" / "notes.txt").write_text("假期说明\n", encoding="utf-8")
    stray = validate_repository(root, AS_OF, cache=True)
    assert ("data/calendar/notes.txt", "path.ignored") in codes(stray)
    assert stray.problems == validate_repository(root, AS_OF, cache=False).problems
