"""`gongshi validate`: exit codes, PATH handling and the three report formats."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from gongshi.check.report import render_github, render_json, render_text
from gongshi.check.result import ValidationResult
from gongshi.check.run import validate_repository
from gongshi.cli import main
from gongshi.core.problems import Problem

HERE = Path(__file__).resolve().parents[2]
CORPUS = HERE / "corpus"
AS_OF = "2026-11-20"
GOOD = "data/records/scjg/penalties/2026/penalty-company-fine.yaml"
BAD = "data/records/scjg/penalties/2026/missing-doc-no.yaml"


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    shutil.copytree(HERE / "fixtures" / "registry", root)
    for rel, src in ((GOOD, "valid/penalty-company-fine.yaml"), (BAD, "invalid/missing-doc-no.yaml")):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CORPUS / src, root / rel)
    monkeypatch.chdir(root)
    return root


def invoke(*args):
    return CliRunner().invoke(main, ["validate", "--as-of", AS_OF, *args])


def test_exit_1_with_errors_and_text_report(repo):
    res = invoke()
    assert res.exit_code == 1
    lines = res.output.splitlines()
    assert f"  {BAD}:3: [schema.required] $.doc_no: 缺少必填字段 “决定书文号”（doc_no）。" in "\n".join(lines)
    assert lines[-1].startswith("检查了 9 个文件：1 个错误，0 个警告")
    # Grouped by file: a header line, then indented problems of that file.
    assert lines[0] == BAD


def test_exit_0_for_a_clean_file_and_for_warnings_only(repo):
    res = invoke(GOOD)
    assert res.exit_code == 0, res.output
    assert res.output.strip() == "检查了 1 个文件：0 个错误，0 个警告。"
    warn = repo / "data/records/scjg/penalties/2026/penalty-warnings-only.yaml"
    shutil.copyfile(CORPUS / "valid/penalty-warnings-only.yaml", warn)
    res = invoke(str(warn))
    assert res.exit_code == 0
    assert "（警告）" in res.output and "2 个警告" in res.output


def test_directory_arguments(repo):
    res = invoke("data/records/scjg", "--format", "json")
    doc = json.loads(res.output)
    assert res.exit_code == 1
    assert doc["files_checked"] == 2
    assert {e["file"] for e in doc["errors"]} == {BAD}
    # The repository root as PATH means the whole repository.
    whole = json.loads(invoke(".", "--format", "json").output)
    assert whole["files_checked"] == 9


def test_usage_errors_exit_2(repo):
    for args in (["nope.yaml"], ["--format", "xml"], ["--as-of", "2026-13-01"], ["/"]):
        res = invoke(*args)
        assert res.exit_code == 2, (args, res.output)
        assert "Traceback" not in res.output
        assert re.search(r"[\u4e00-\u9fff]", res.output)


def test_outside_a_repository_exit_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = invoke()
    assert res.exit_code == 2
    assert "找不到数据仓库" in res.output


def test_json_format_is_stable(repo):
    res = invoke("--format", "json")
    doc = json.loads(res.output)
    assert list(doc) == ["files_checked", "errors", "warnings", "ok"]
    assert doc["ok"] is False
    (err,) = doc["errors"]
    assert list(err) == ["file", "line", "path", "code", "message", "severity"]
    assert err == {
        "file": BAD,
        "line": 3,
        "path": "$.doc_no",
        "code": "schema.required",
        "message": err["message"],
        "severity": "error",
    }
    assert err["message"].startswith("缺少必填字段 “决定书文号”（doc_no）")


def test_github_format(repo):
    res = invoke("--format", "github")
    first = res.output.splitlines()[0]
    assert first.startswith(f"::error file={BAD},line=3,title=[schema.required] $.doc_no::缺少必填字段")


def test_github_escaping():
    problem = Problem("data/a,b:c.yaml", 4, "$.x", "schema.pattern", "100% 错\r\n第二行", "warning")
    result = ValidationResult(registry=None, records=[], problems=[problem], files_checked=1)
    line = render_github(result).splitlines()[0]
    assert (
        line == "::warning file=data/a%2Cb%3Ac.yaml,line=4,title=[schema.pattern] $.x::100%25 错%0D%0A第二行"
    )
    assert "\n" not in line


def test_text_and_json_of_a_file_level_problem():
    problem = Problem("data/x.yaml", None, "$", "yaml.syntax", "坏了")
    result = ValidationResult(registry=None, records=[], problems=[problem], files_checked=3)
    assert "  data/x.yaml: [yaml.syntax] $: 坏了" in render_text(result)
    assert json.loads(render_json(result))["errors"][0]["line"] is None
    assert render_text(result).splitlines()[-1] == "检查了 3 个文件：1 个错误，0 个警告，请按上面的提示修改。"


def test_real_process_never_prints_a_traceback(tmp_path):
    """Every invalid corpus file at once, through the installed console script."""
    root = tmp_path / "repo"
    shutil.copytree(HERE / "fixtures" / "registry", root)
    sys.path.insert(0, str(HERE))
    try:
        from test_corpus import header, place
    finally:
        sys.path.remove(str(HERE))
    for path in sorted((CORPUS / "invalid").glob("*.yaml")):
        if not header(path)["place"] or header(path)["place"].startswith("data/records/"):
            place(root, path)
    exe = Path(sys.executable).with_name("gongshi")
    proc = subprocess.run(
        [str(exe), "validate", "--as-of", AS_OF, "--format", "json"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    doc = json.loads(proc.stdout)
    assert len({e["file"] for e in doc["errors"]}) >= 70


def test_validation_result_api(repo):
    result = validate_repository(repo, date(2026, 11, 20), jobs=1)
    assert not result.ok
    assert [r.path for r in result.records] == [GOOD]
    assert [p.code for p in result.errors] == ["schema.required"]
    assert result.warnings == []
