"""Checking files step by step over batches (``check_record_files``, what ``validate`` runs) gives
exactly what checking each file on its own gives (``check_record_file``), with and without the
fast schema check, for every file of the corpus (valid and invalid) and for files that are no
plain file; and the fast schema check changes no problem, message or line."""

from __future__ import annotations

import marshal
import os
import shutil

import pytest
from gongshi.check import record_rules
from gongshi.check.record_rules import check_record_file, check_record_files
from gongshi.check.run import _record_file
from gongshi.repo.files import load_registry
from gongshi.repo.yamlload import load_yaml_file

from tests.unit.check.test_corpus import AS_OF, CORPUS, INVALID, REGISTRY, VALID


def _outcome(check) -> tuple:
    record = marshal.loads(check.record.pack()) if check.record is not None else None
    problems = [(p.file, p.line, p.path, p.code, p.message, p.severity) for p in check.problems]
    return (
        check.relpath,
        record,
        problems,
        check.doc_no_key,
        check.line_doc_no,
        check.floor,
        check.scope_key,
    )


@pytest.fixture(scope="module")
def corpus_repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("batches") / "repo"
    shutil.copytree(REGISTRY, root)
    rels = []
    for i, path in enumerate(VALID + INVALID):
        raw = path.read_bytes()
        folder = "penalties" if b"kind: penalty" in raw else "licences"
        rel = f"data/records/scjg/{folder}/2026/c-{i:04d}.yaml"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(raw)
        rels.append(rel)
    # Files that are no plain file, and one that is gone, between the others.
    licences = root / "data/records/scjg/licences/2026"
    os.symlink(CORPUS / "valid" / "licence-company.yaml", licences / "c-9001.yaml")
    os.mkfifo(licences / "c-9002.yaml")
    (licences / "c-9003.yaml").mkdir()
    rels[60:60] = [f"data/records/scjg/licences/2026/c-900{n}.yaml" for n in (1, 2, 3, 4)]
    return root, load_registry(root), rels


@pytest.mark.parametrize("fast", [True, False])
def test_batches_give_what_each_file_gives_on_its_own(corpus_repo, fast):
    root, registry, rels = corpus_repo
    assert len(rels) > 3 * record_rules.STEP_BATCH  # several batches, the last one short
    rfs = [_record_file(root, rel) for rel in rels]
    one_by_one = [_outcome(check_record_file(root, rf, registry, AS_OF, fast=fast)) for rf in rfs]
    batched = [_outcome(check) for check in check_record_files(rfs, registry, AS_OF, fast=fast)]
    assert batched == one_by_one
    assert sum(1 for outcome in batched if outcome[1] is not None) >= len(VALID) - 2  # some pass
    assert sum(1 for outcome in batched if outcome[2]) > len(INVALID) // 2  # and many have problems


def test_the_fast_schema_check_changes_no_problem(corpus_repo):
    root, registry, rels = corpus_repo
    rfs = [_record_file(root, rel) for rel in rels]
    fast = [_outcome(check) for check in check_record_files(rfs, registry, AS_OF, fast=True)]
    slow = [_outcome(check) for check in check_record_files(rfs, registry, AS_OF, fast=False)]
    assert fast == slow


def test_what_is_no_plain_file_is_named_as_before(corpus_repo):
    root, _registry, _rels = corpus_repo
    folder = root / "data/records/scjg/licences/2026"

    def said(name: str) -> list[tuple[str, str]]:
        return [(p.code, p.message) for p in load_yaml_file(folder / name, name).problems]

    assert said("c-9001.yaml") == [
        ("file.symlink", "这是符号链接（symlink），不是普通文件。请删除链接，直接写入内容。")
    ]
    for name in ("c-9002.yaml", "c-9003.yaml"):  # a FIFO, a folder
        assert said(name) == [
            ("file.not_regular", "这不是普通文件（可能是目录、管道或设备文件），不能作为数据文件读取。")
        ]
    assert said("c-9004.yaml") == [("file.unreadable", "无法读取文件：No such file or directory")]
