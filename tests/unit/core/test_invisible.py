"""Every bidirectional-override and zero-width character in any text field of a record is a
warning (``text.invisible_character``) naming the character in Chinese; the record stays valid.
The corpus file tests/corpus/valid/penalty-invisible-characters.yaml covers the loader's paths."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from gongshi.check.run import validate_repository
from gongshi.core.invisible import INVISIBLE_CHARACTERS, find_invisible

HERE = Path(__file__).resolve().parents[2]
REGISTRY = HERE / "fixtures" / "registry"
CORPUS_FILE = HERE / "corpus" / "valid" / "penalty-company-fine.yaml"
REL = "data/records/scjg/penalties/2026/penalty-company-fine.yaml"

EXPECTED = [
    *(chr(c) for c in range(0x202A, 0x202F)),
    *(chr(c) for c in range(0x2066, 0x206A)),
    *(chr(c) for c in range(0x200B, 0x2010)),
    "\ufeff",
    # The other characters that show nothing (used to split numbers).
    *"\u00ad\u034f\u061c\u115f\u1160\u180e\u2060\u2061\u2062\u2063\u2064\u3164",
]


def test_the_set_is_exactly_the_bidi_zero_width_and_blank_characters():
    assert sorted(INVISIBLE_CHARACTERS) == sorted(EXPECTED)
    # Ordinary text, full-width punctuation and the ideographic space are not flagged.
    assert find_invisible("常州市某某有限公司（分公司）　罚款 5,000 元。") == []
    assert find_invisible("a\u202eb\u202ec\u200b") == ["\u202e", "\u200b"]


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("invisible") / "repo"
    shutil.copytree(REGISTRY, root)
    (root / REL).parent.mkdir(parents=True)
    return root


@pytest.mark.parametrize("char", EXPECTED, ids=lambda c: f"U+{ord(c):04X}")
def test_each_character_warns_by_name(repo, char):
    original = CORPUS_FILE.read_text(encoding="utf-8")
    assert "violation_type: " in original
    text = original.replace("violation_type: ", f"violation_type: 经营{char}超过保质期", 1)
    (repo / REL).write_text(text, encoding="utf-8")
    result = validate_repository(repo, date(2026, 11, 20), jobs=1)
    assert not result.errors, result.errors
    (warning,) = [p for p in result.warnings if p.code == "text.invisible_character"]
    assert warning.severity == "warning" and warning.path == "$.violation_type"
    assert f"U+{ord(char):04X} {INVISIBLE_CHARACTERS[char]}" in warning.message
    assert "请删除" in warning.message
    assert REL in {r.path for r in result.records}  # a warning: the record is still published


def test_override_is_named_in_chinese():
    assert INVISIBLE_CHARACTERS["\u202e"] == "从右到左覆盖"
