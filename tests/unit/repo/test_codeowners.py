"""gongshi codeowners: CODEOWNERS generated from departments.yaml, and --check for staleness."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from gongshi.cli import main
from gongshi.repo.codeowners import CODEOWNERS_FILE, CodeownersError, generate, platform_owner
from gongshi.repo.files import load_registry

NAMED = 'platform:\n  team: "@zhonglou/platform"\n'
DEPARTMENTS = """\
platform:
  team: "@zhonglou/platform"
departments:
  - key: zhzf
    name: 测试综合行政执法局
    uscc: 11320404014123466Q
    region_code: "320404"
    owners: ["@zhonglou/zhzf", "@zhonglou/zhzf-lead"]
  - key: scjg
    name: 测试市场监督管理局
    uscc: 11320404014123458X
    region_code: "320404"
    owners: ["@zhonglou/scjg"]
  - key: wjw
    name: 测试卫生健康委员会
    uscc: 11320404014123474K
    region_code: "320404"
"""


def make_repo(tmp_path: Path, departments: str = DEPARTMENTS) -> Path:
    (tmp_path / "data").mkdir(parents=True)
    (tmp_path / "data/departments.yaml").write_text(departments, encoding="utf-8")
    return tmp_path


def rules(text: str) -> list[tuple[str, list[str]]]:
    out = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            pattern, *owners = line.split()
            out.append((pattern, owners))
    return out


def owners_of(text: str, path: str) -> list[str]:
    """GitHub's rule for the simple anchored patterns we generate: the last matching line wins."""
    found: list[str] = []
    for pattern, owners in rules(text):
        p = pattern.lstrip("/")
        if pattern == "*" or path == p or (p.endswith("/") and path.startswith(p)):
            found = owners
    return found


def test_generated_rules(tmp_path):
    text = generate(load_registry(make_repo(tmp_path)))
    assert rules(text) == [
        ("*", ["@zhonglou/platform"]),
        ("/data/records/scjg/", ["@zhonglou/scjg"]),
        ("/data/records/wjw/", ["@zhonglou/platform"]),
        ("/data/records/zhzf/", ["@zhonglou/zhzf", "@zhonglou/zhzf-lead"]),
        ("/schemas/", ["@zhonglou/platform"]),
        ("/data/policy.yaml", ["@zhonglou/platform"]),
        ("/data/calendar/", ["@zhonglou/platform"]),
        ("/data/departments.yaml", ["@zhonglou/platform"]),
        ("/data/catalog/", ["@zhonglou/platform"]),
        ("/plugins/", ["@zhonglou/platform"]),
        ("/theme/", ["@zhonglou/platform"]),
        ("/.github/", ["@zhonglou/platform"]),
        ("/.github/CODEOWNERS", ["@zhonglou/platform"]),
    ]
    assert "wjw（测试卫生健康委员会）未登记负责人" in text


def test_effective_owners(tmp_path):
    text = generate(load_registry(make_repo(tmp_path)))
    assert owners_of(text, "data/records/scjg/licences/2026/scjg-xk-2026-0001.yaml") == ["@zhonglou/scjg"]
    assert owners_of(text, "data/records/zhzf/penalties/2026/x.yaml") == [
        "@zhonglou/zhzf",
        "@zhonglou/zhzf-lead",
    ]
    assert owners_of(text, ".github/CODEOWNERS") == ["@zhonglou/platform"]
    assert owners_of(text, ".github/workflows/site.yml") == ["@zhonglou/platform"]
    assert owners_of(text, "README.md") == ["@zhonglou/platform"]
    assert owners_of(text, "data/departments.yaml") == ["@zhonglou/platform"]
    # The catalog decides what stays published: the platform team alone approves its edits.
    for path in (
        "data/catalog/scjg.yaml",
        "data/catalog/zhzf.yaml",
        "data/policy.yaml",
        "data/calendar/2026.yaml",
    ):
        assert owners_of(text, path) == ["@zhonglou/platform"], path


def test_platform_owner_is_named_not_voted(tmp_path):
    assert platform_owner(load_registry(make_repo(tmp_path))) == "@zhonglou/platform"
    # A look-alike organisation owning most departments changes nothing: no majority vote.
    lookalike = DEPARTMENTS.replace('"@zhonglou/zhzf"', '"@zhong1ou/zhzf"').replace(
        '["@zhonglou/scjg"]', '["@zhong1ou/scjg"]'
    )
    lookalike = lookalike.replace('"@zhonglou/zhzf-lead"', '"@zhong1ou/zhzf-lead"')
    assert "@zhong1ou/platform" not in generate(load_registry(make_repo(tmp_path / "l", lookalike)))
    assert platform_owner(load_registry(make_repo(tmp_path / "l2", lookalike))) == "@zhonglou/platform"
    # Without a named team nothing is guessed.
    unnamed = make_repo(tmp_path / "none", DEPARTMENTS.replace(NAMED, ""))
    with pytest.raises(CodeownersError, match="platform"):
        platform_owner(load_registry(unnamed))


def test_cli_refuses_without_a_platform_team(tmp_path, monkeypatch):
    root = make_repo(tmp_path, DEPARTMENTS.replace(NAMED, ""))
    monkeypatch.chdir(root)
    for args in (["codeowners"], ["codeowners", "--check"]):
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 1 and "没有写平台管理团队" in res.output, res.output
        assert res.exception is None or isinstance(res.exception, SystemExit)
    assert not (root / CODEOWNERS_FILE).exists()


def test_cli_write_then_check(tmp_path, monkeypatch):
    root = make_repo(tmp_path)
    monkeypatch.chdir(root)
    runner = CliRunner()
    stale = runner.invoke(main, ["codeowners", "--check"])
    assert stale.exit_code == 1
    assert "已过期" in stale.output and "+/data/records/scjg/" in stale.output
    wrote = runner.invoke(main, ["codeowners"])
    assert wrote.exit_code == 0 and "3 个部门" in wrote.output
    assert (root / CODEOWNERS_FILE).read_text(encoding="utf-8") == generate(load_registry(root))
    assert runner.invoke(main, ["codeowners", "--check"]).exit_code == 0
    # A new owner in the registry makes the committed file stale.
    (root / "data/departments.yaml").write_text(
        DEPARTMENTS.replace('["@zhonglou/scjg"]', '["@zhonglou/scjg", "@zhonglou/scjg-2"]'), encoding="utf-8"
    )
    again = runner.invoke(main, ["codeowners", "--check"])
    assert again.exit_code == 1
    assert "+/data/records/scjg/" in again.output and "@zhonglou/scjg-2" in again.output


def test_cli_refuses_a_broken_registry(tmp_path, monkeypatch):
    root = make_repo(tmp_path, "departments:\n  - key: a\n  - key: a\n    key: b\n")
    monkeypatch.chdir(root)
    res = CliRunner().invoke(main, ["codeowners"])
    assert res.exit_code == 1
    assert "未生成 CODEOWNERS" in res.output
    assert not (root / CODEOWNERS_FILE).exists()
