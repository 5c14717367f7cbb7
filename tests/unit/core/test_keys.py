"""The one digest and the code version: every cache key depends on every Python source of the
package (in every subpackage) and every schema, and on nothing else."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import gongshi
import pytest
from gongshi.core import keys
from gongshi.repo.schemas import SCHEMA_DIR

PACKAGE = Path(gongshi.__file__).resolve().parent


@pytest.fixture
def fresh_version():
    keys.code_version.cache_clear()
    yield
    keys.code_version.cache_clear()


def test_code_files_are_every_package_source_and_every_schema():
    sources = {
        Path(folder, name)
        for folder, _dirs, names in os.walk(PACKAGE)
        for name in names
        if name.endswith(".py")
    }
    schemas = set(SCHEMA_DIR.glob("*.json"))
    hashed = [path for _name, path in keys.code_files()]
    assert len(hashed) == len(set(hashed))
    assert set(hashed) == sources | schemas
    assert any(p.parent != PACKAGE for p in sources), "subpackages are hashed too"
    assert schemas, "the schemas are found"
    names = [name for name, _path in keys.code_files()]
    assert "core/keys.py" in names and "schemas/licence.schema.json" in names
    assert not any("synth" in name for name in names), "sample-data tooling is outside the package"


def test_a_change_in_a_subpackage_changes_the_code_version(monkeypatch, tmp_path, fresh_version):
    copy = tmp_path / "gongshi"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(keys, "PACKAGE_DIR", copy)
    before = keys.code_version()
    assert keys.code_version() == before  # computed once
    keys.code_version.cache_clear()
    assert keys.code_version() == before  # the same files give the same version
    path = copy / "outputs" / "search" / "tokenize.py"
    path.write_text(path.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    keys.code_version.cache_clear()
    assert keys.code_version() != before


def test_other_files_do_not_change_the_code_version(monkeypatch, tmp_path, fresh_version):
    copy = tmp_path / "gongshi"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(keys, "PACKAGE_DIR", copy)
    before = keys.code_version()
    (copy / "notes.txt").write_text("not code", encoding="utf-8")
    (copy / "__pycache__").mkdir(exist_ok=True)
    (copy / "__pycache__" / "cli.cpython-312.pyc").write_bytes(b"\0")
    keys.code_version.cache_clear()
    assert keys.code_version() == before


def test_digest_separates_its_parts():
    assert keys.digest("ab", "c") != keys.digest("a", "bc")
    assert keys.digest(b"x") == keys.digest("x")
    assert len(keys.digest()) == 40


def test_entries_key_follows_the_keys_in_order():
    a, b = SimpleNamespace(key="a" * 40), SimpleNamespace(key="b" * 40)
    assert keys.entries_key([a, b]) == keys.entries_key(iter([a, b]))
    assert keys.entries_key([a, b]) != keys.entries_key([b, a])
    assert keys.entries_key([]) != keys.entries_key([a])
