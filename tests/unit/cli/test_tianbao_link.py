"""``gongshi tianbao-link``: the on-site form's bookmark link from ``policy.yaml: forge`` and the
site's address, and Chinese usage errors without it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from gongshi.cli import main

from tests.support.site_fixture import build_repo

FORGE = """
forge:
  kind: github
  base_url: https://github.com
  repository: zhonglou/gongshi-data
  branch: main
"""


@pytest.fixture
def repo(tmp_path, monkeypatch):
    build_repo(tmp_path / "repo")
    monkeypatch.chdir(tmp_path / "repo")
    monkeypatch.delenv("GONGSHI_SITEURL", raising=False)
    return tmp_path / "repo"


def _with_forge(repo, text=FORGE):
    policy = repo / "data" / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_prints_the_link_on_stdout_and_the_warning_on_stderr(repo, monkeypatch):
    _with_forge(repo)
    run = CliRunner().invoke(main, ["tianbao-link", "--site-url", "https://example.gov.cn/gongshi/"])
    assert run.exit_code == 0, run.output
    assert run.stdout == (
        "https://example.gov.cn/gongshi/tianbao/#forge=github:https://github.com/zhonglou/gongshi-data@main\n"
    )
    assert "不要公开发布" in run.stderr
    monkeypatch.setenv("GONGSHI_SITEURL", "https://site.example.gov.cn")
    run = CliRunner().invoke(main, ["tianbao-link"])
    assert run.exit_code == 0 and run.stdout.startswith("https://site.example.gov.cn/tianbao/#forge=github:")


@pytest.mark.parametrize(
    ("forge", "args", "words"),
    [
        (FORGE, [], "--site-url"),
        (FORGE, ["--site-url", "ftp://example.gov.cn"], "https://"),
        (FORGE, ["--site-url", "https://example.gov.cn/#x"], "不含 ?、#"),
        ("", ["--site-url", "https://example.gov.cn"], "forge 没有设置"),
        (FORGE.replace("https://github.com", "http://github.com"), ["--site-url", "https://e.cn"], "https"),
    ],
)
def test_usage_errors_are_chinese(repo, forge, args, words):
    _with_forge(repo, forge)
    run = CliRunner().invoke(main, ["tianbao-link", *args])
    assert run.exit_code == 2
    assert words in run.stderr and "Traceback" not in run.output
    assert run.stdout == ""
