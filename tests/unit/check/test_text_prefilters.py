"""The one-scan pre-tests over a record's texts (joined) must never skip a finding: each record of
a table of generated documents gets the same problems with the pre-test as with the full walk."""

from __future__ import annotations

import json
import random
from dataclasses import replace

import pytest
from gongshi.check.text_rules import text_problems
from gongshi.check.writing import writing_problems
from gongshi.repo.yamlload import load_yaml_bytes

# Pieces of values: the characters the pre-tests look for, at the start, inside and at the end.
_PIECES = [
    "正常文字",
    "abc",
    "",
    "=SUM(A1)",
    "+86",
    "-1",
    "@人",
    "\t缩进",
    "\r回车",
    "“钟市监罚〔2026〕15号”",
    "‘单引号’",
    "「直角」",
    "『双直角』",
    "【标题】",
    "中间“引号”",
    "第一行\n第二行",
    "\n",
    "x\u200by",
    "\ufdd0",
    "\U0001f600",
    "\U0010fffe",
    "\x01",
    "\x85",
]


def _documents(count: int, seed: int):
    rng = random.Random(seed)
    for _ in range(count):
        lines = []
        for i in range(rng.randint(1, 6)):
            if rng.random() < 0.2:
                items = [json.dumps(_value(rng), ensure_ascii=False) for _ in range(rng.randint(1, 3))]
                lines.append(f"k{i}: [{', '.join(items)}]")
            elif rng.random() < 0.2:
                lines.append(f"party:\n  name: {json.dumps(_value(rng), ensure_ascii=False)}")
            else:
                lines.append(f"k{i}: {json.dumps(_value(rng), ensure_ascii=False)}")
        yield "\n".join(dict.fromkeys(lines)) + "\n"


def _value(rng: random.Random) -> str:
    return "".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 3)))


@pytest.mark.parametrize("kind", ["licence", "penalty"])
def test_text_and_writing_pre_tests_skip_no_finding(kind):
    found = 0
    for text in _documents(600, seed=20 if kind == "licence" else 14):
        loaded = load_yaml_bytes(text.encode(), "data/records/x.yaml")
        if not isinstance(loaded.data, dict) or not loaded.ok:
            continue
        fast = text_problems(loaded.data, kind, loaded, set())
        walked = text_problems(loaded.data, kind, replace(loaded, texts=[]), set())  # no texts: the walk
        assert fast == walked, text
        fast = writing_problems(loaded, kind)
        walked = writing_problems(replace(loaded, texts=["“"]), kind)  # a quote first: the walk
        assert fast == walked, text
        found += bool(walked)
    assert found > 50  # the table holds findings to miss
