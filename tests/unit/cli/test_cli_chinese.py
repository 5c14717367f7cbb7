"""The ``gongshi`` command speaks Chinese, click's own help and usage errors included."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from gongshi.cli import main
from gongshi.cli_zh import CLICK_MESSAGES, CLICK_PLURALS

# Words click writes in English when nobody translates them.
CLICK_ENGLISH = re.compile(
    r"Usage|Options|Commands|Arguments|Error|Try |for help|Missing|No such|Invalid value|"
    r"Show this message|Show the version|required|exit\.|INTEGER|TEXT|\[OPTIONS\]|COMMAND|\[ARGS\]|"
    r"does not|is not|Did you mean|unexpected|requires|argument|option '|version \d"
)


def run(args: list[str]):
    return CliRunner().invoke(main, args, prog_name="gongshi")


def assert_chinese(output: str) -> None:
    found = CLICK_ENGLISH.findall(output)
    assert not found, f"click's English left: {found}\n{output}"
    assert re.search(r"[\u4e00-\u9fff]", output), output


def test_help_is_chinese():
    result = run(["--help"])
    assert result.exit_code == 0
    assert result.output.startswith("用法： gongshi [选项] 命令 [参数]...")
    assert "选项：" in result.output and "命令：" in result.output
    assert "显示本帮助并退出。" in result.output
    assert_chinese(result.output)


@pytest.mark.parametrize(
    "command",
    [["validate"], ["new"], ["import"], ["export"], ["calendar", "generate"], ["ledger"], ["deadline"]],
    ids=" ".join,
)
def test_every_help_page_is_chinese(command):
    result = run([*command, "--help"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("用法：")
    assert_chinese(result.output)


def test_gongshi_without_a_command_shows_the_chinese_help():
    result = run([])
    assert result.output.startswith("用法： gongshi [选项] 命令 [参数]...")
    assert_chinese(result.output)


def test_unknown_option_is_a_chinese_usage_error():
    result = run(["validate", "--nonsense"])
    assert result.exit_code == 2
    assert "错误：没有选项 '--nonsense'。" in result.output
    assert "运行 “gongshi validate --help” 查看帮助。" in result.output
    assert_chinese(result.output)


def test_missing_argument_and_option_are_chinese():
    missing_argument = run(["deadline"])
    assert missing_argument.exit_code == 2
    assert "错误：缺少参数 'DATE'" in missing_argument.output
    assert_chinese(missing_argument.output)
    missing_option = run(["new", "licence"])
    assert missing_option.exit_code == 2
    assert "错误：缺少选项 '--dept'" in missing_option.output
    assert_chinese(missing_option.output)


@pytest.mark.parametrize(
    "args",
    [
        ["nosuch"],
        ["new", "punish", "--dept", "scjg"],
        ["calendar", "generate", "x", "2027"],
        ["import", "--max-rows", "0", "f.xlsx", "--dept", "scjg"],
        ["deadline", "2026-01-05", "--workdays"],
        ["deadline", "2026-01-05", "extra", "more"],
        ["validat"],
    ],
    ids=" ".join,
)
def test_usage_errors_are_chinese(args):
    result = run(args)
    assert result.exit_code == 2, result.output
    assert "错误：" in result.output
    assert_chinese(result.output)


def test_version_is_chinese():
    result = run(["--version"])
    assert result.output.strip().startswith("gongshi 版本 ")


def test_translations_keep_clicks_placeholders():
    """A translation that dropped or misspelt a placeholder would print the wrong thing."""
    pairs = list(CLICK_MESSAGES.items()) + [(plural, ours) for (_one, plural), ours in CLICK_PLURALS.items()]
    for english, chinese in pairs:
        wanted = set(re.findall(r"\{(\w+)", english)) | set(re.findall(r"%\((\w+)\)", english))
        have = set(re.findall(r"\{(\w+)", chinese)) | set(re.findall(r"%\((\w+)\)", chinese))
        assert have <= wanted, (english, chinese)
        assert re.search(r"[\u4e00-\u9fff]", chinese), chinese
