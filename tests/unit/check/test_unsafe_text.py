"""Hostile text that used to pass validation and then broke or poisoned the build (issue 15, 8).

Each record is committed to a real Git repository and checked with CI's command
(``gongshi validate --format json``) and built with ``gongshi build``: U+FFFE in the facts (broke the
Atom feeds and the XLSX downloads), ``\\x01`` written as a YAML escape (openpyxl refused to write
the workbook: the build crashed), a party name ``=HYPERLINK(...)`` (went raw into the CSV
downloads). Each must now be refused by validation, with its code, and stop the build with a Chinese
message instead of a traceback.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.gitrepo import GitRepo

HERE = Path(__file__).resolve().parents[2]
GONGSHI = Path(sys.executable).with_name("gongshi")
AS_OF = "2026-11-20"
RECORD = "data/records/scjg/penalties/2026/scjg-cf-2026-0015.yaml"
BASE = (HERE / "corpus" / "valid" / "penalty-company-fine.yaml").read_text(encoding="utf-8")

ATTACKS = {
    "noncharacter": (
        BASE.replace("facts: 当事人", 'facts: "当事人\\uFFFE').replace(
            "货值金额96元。\n", '货值金额96元。"\n'
        ),
        "text.noncharacter",
        "$.facts",
    ),
    "yaml-escape-x01": (
        BASE.replace("legal_rep: 王某某", 'legal_rep: "王某\\x01某"'),
        "text.control_character",
        "$.party.legal_rep",
    ),
    "hyperlink-party-name": (
        BASE.replace(
            "name: 常州市测试餐饮有限公司", 'name: "=HYPERLINK(\\"http://evil.example/\\",\\"点我\\")"'
        ),
        "text.formula",
        "$.party.name",
    ),
}


def make_repo(path: Path, text: str) -> GitRepo:
    shutil.copytree(HERE / "fixtures" / "registry" / "data", path / "data")
    repo = GitRepo.init(path)
    repo.git("add", "--all")
    repo.commit("登记册", "2026-01-05T09:00:00+08:00")
    repo.commit("新增", "2026-03-06T10:00:00+08:00", {RECORD: text})
    return repo


def gongshi(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(GONGSHI), *args], cwd=root, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_validate_refuses_with_its_code(tmp_path, name):
    text, code, path = ATTACKS[name]
    assert text != BASE
    repo = make_repo(tmp_path / "repo", text)
    proc = gongshi(repo.path, "validate", "--as-of", AS_OF, "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    errors = json.loads(proc.stdout)["errors"]
    assert [(e["file"], e["code"], e["path"]) for e in errors] == [(RECORD, code, path)]
    assert "Traceback" not in proc.stderr


def test_the_message_says_why_a_formula_is_refused(tmp_path):
    text, _, _ = ATTACKS["hyperlink-party-name"]
    repo = make_repo(tmp_path / "repo", text)
    proc = gongshi(repo.path, "validate", "--as-of", AS_OF)
    assert proc.returncode == 1
    assert "以 = + - @ 开头的文字会被电子表格当作公式执行" in proc.stdout


@pytest.mark.parametrize("name", ["yaml-escape-x01", "noncharacter"])
def test_the_build_stops_with_the_problem_not_a_traceback(tmp_path, name):
    text, code, _ = ATTACKS[name]
    repo = make_repo(tmp_path / "repo", text)
    out = tmp_path / "site"
    proc = gongshi(repo.path, "build", "--as-of", AS_OF, "--output", str(out))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"[{code}]" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not (out / "index.html").exists()
