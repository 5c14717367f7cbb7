"""The mistakes people make writing YAML by hand, each reported on the line of the mistake with a
Chinese explanation of what to do (``repo/yamlhints``), or, where YAML allows what was written,
read exactly as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from gongshi.repo.yamlload import load_yaml_bytes

RECORD = (Path(__file__).resolve().parents[2] / "corpus" / "valid" / "penalty-company-fine.yaml").read_text(
    encoding="utf-8"
)
LINES = RECORD.splitlines()


def line_of(prefix: str) -> int:
    return next(i for i, line in enumerate(LINES, start=1) if line.startswith(prefix))


# (id, text to replace, replacement, line of the mistake, words the message must contain)
MISTAKES = [
    ("full-width colon", "doc_no: ", "doc_no：", line_of("doc_no:"), ["中文全角冒号", "doc_no: 值"]),
    ("full-width colon, last line", "fine_yuan: 5000", "fine_yuan：5000", line_of("fine_yuan"), ["全角冒号"]),
    ("full-width space indent", "  name: 常州", "\u3000\u3000name: 常州", line_of("  name"), ["全角空格"]),
    ("tab indent", "  name: 常州", "\tname: 常州", line_of("  name"), ["制表符（Tab）", "空格"]),
    (
        "unclosed double quote",
        "violation_type: 经营",
        'violation_type: "经营',
        line_of("violation_type"),
        ["英文双引号", "没有配对"],
    ),
    (
        "unclosed single quote",
        "violation_type: 经营",
        "violation_type: '经营",
        line_of("violation_type"),
        ["英文单引号", "没有配对"],
    ),
    (
        "no space after colon",
        "authority: scjg",
        "authority:scjg",
        line_of("authority"),
        ["冒号后面缺少空格", "authority: 值"],
    ),
    ("no space after dash", "  - 罚款", "  -罚款", line_of("  - 罚款"), ["“-” 后面缺少空格"]),
    ("list item less indented", "  - 罚款", " - 罚款", line_of("  - 罚款"), ["列表项缩进", "左边对齐"]),
    (
        "first list item more indented",
        "  - 警告",
        "    - 警告",
        line_of("  - 罚款"),
        ["列表项缩进", "左边对齐"],
    ),
    ("key more indented", "  uscc:", "   uscc:", line_of("  uscc"), ["缩进"]),
    ("key less indented", "  uscc:", " uscc:", line_of("  uscc"), ["缩进"]),
    (
        "value starts with @",
        "violation_type: 经营",
        "violation_type: @经营",
        line_of("violation_type"),
        ["以 “@” 开头", "英文单引号"],
    ),
    (
        "value starts with backquote",
        "violation_type: 经营",
        "violation_type: `经营",
        line_of("violation_type"),
        ["以 “`” 开头"],
    ),
    (
        "colon and space inside a value",
        "violation_type: 经营",
        "violation_type: 经营: 超过",
        line_of("violation_type"),
        ["冒号加空格", "英文单引号"],
    ),
    (
        "square bracket starts a value",
        "doc_no: 钟测市监罚〔2026〕15号",
        "doc_no: [2026]15号",
        line_of("doc_no"),
        ["六角括号〔〕"],
    ),
    (
        "byte-order mark inside the file",
        "authority:",
        "\ufeffauthority:",
        line_of("authority"),
        ["看不见的字符 U+FEFF"],
    ),
    (
        "duplicate key",
        "authority: scjg",
        "authority: scjg\nauthority: scjg",
        line_of("authority") + 1,
        ["重复出现", f"第 {line_of('authority')} 行"],
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "line", "words"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES]
)
def test_mistake_is_reported_on_its_line_in_chinese(old, new, line, words):
    assert old in RECORD
    loaded = load_yaml_bytes(RECORD.replace(old, new, 1).encode("utf-8"), "t.yaml")
    assert len(loaded.problems) == 1, loaded.problems
    (problem,) = loaded.problems
    assert problem.line == line, problem
    for word in words:
        assert word in problem.message, problem.message
    # libyaml's English never reaches the clerk when the mistake is one we know.
    assert not re.search(r"could not|found|expected|mapping|token|stream", problem.message), problem.message


def test_there_are_at_least_fifteen_mistakes():
    assert len(MISTAKES) >= 15


# What YAML reads differently from a careless eye, and the loader keeps as written.
READ_AS_WRITTEN = [
    ("leading zero stays text", "fine_yuan: 5000", "fine_yuan: 05000", "fine_yuan", "05000"),
    (
        "a date stays text",
        "decision_date: 2026-03-05",
        "decision_date: 2026-03-05",
        "decision_date",
        "2026-03-05",
    ),
    ("是 stays text (the schema asks for true/false)", "fine_yuan: 5000", "fine_yuan: 是", "fine_yuan", "是"),
    ("no stays text, not false", "fine_yuan: 5000", "fine_yuan: no", "fine_yuan", "no"),
    (
        "Chinese quotes are part of the text",
        "doc_no: 钟测",
        "doc_no: “钟测",
        "doc_no",
        "“钟测市监罚〔2026〕15号",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "key", "value"), [c[1:] for c in READ_AS_WRITTEN], ids=[c[0] for c in READ_AS_WRITTEN]
)
def test_values_are_read_as_written(old, new, key, value):
    loaded = load_yaml_bytes(RECORD.replace(old, new, 1).encode("utf-8"), "t.yaml")
    assert loaded.ok, loaded.problems
    assert loaded.data[key] == value


def test_windows_line_endings_and_a_leading_bom_are_fine():
    crlf = ("\ufeff" + RECORD.replace("\n", "\r\n")).encode("utf-8")
    loaded = load_yaml_bytes(crlf, "t.yaml")
    assert loaded.ok, loaded.problems
    assert loaded.data == load_yaml_bytes(RECORD.encode("utf-8"), "t.yaml").data


def test_an_unknown_syntax_error_still_names_its_line():
    loaded = load_yaml_bytes(b"a: b\nc: [d\n", "t.yaml")
    (problem,) = loaded.problems
    assert problem.code == "yaml.syntax"
    assert problem.line is not None and problem.message.startswith("第 ")


def test_text_of_a_block_scalar_is_not_blamed_for_a_later_mistake():
    text = "kind: penalty\nfacts: |\n  第一行\n  \t制表符之后的文字\n  -罚款以减号开头\nauthority:scjg\n"
    (problem,) = load_yaml_bytes(text.encode("utf-8"), "t.yaml").problems
    assert problem.line == 6, problem
    assert "冒号后面缺少空格" in problem.message
