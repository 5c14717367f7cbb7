"""Messages a clerk can act on: the value to write instead whenever the importer would have
understood the one written (``check/suggest``), “必填” for a required field left empty, and field
names by their Chinese titles (``check/fieldnames``) in every message of a corpus run."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from gongshi.check.fieldnames import doc_type_of, key_titles
from gongshi.check.record_rules import check_record_bytes
from gongshi.repo.files import load_registry

from tests.unit.check.test_corpus import AS_OF, INVALID, REGISTRY, run_case

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
PENALTY = (CORPUS / "valid" / "penalty-company-fine.yaml").read_text(encoding="utf-8")
PERSON = (CORPUS / "valid" / "penalty-natural-person.yaml").read_text(encoding="utf-8")
LICENCE = (CORPUS / "valid" / "licence-company.yaml").read_text(encoding="utf-8")
PENALTY_FILE = "data/records/scjg/penalties/2026/x-1.yaml"
LICENCE_FILE = "data/records/scjg/licences/2026/x-1.yaml"


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("repo") / "repo"
    shutil.copytree(REGISTRY, root)
    return root, load_registry(root)


def problems_of(repo, text: str, relpath: str = PENALTY_FILE):
    root, registry = repo
    return check_record_bytes(root, relpath, text.encode("utf-8"), registry, AS_OF).problems


# (id, record, text to replace, replacement, JSON path, the suggestion the message must end with)
SUGGESTIONS = [
    (
        "date 年月日",
        PENALTY,
        "decision_date: 2026-03-05",
        "decision_date: 2026年3月5日",
        "$.decision_date",
        "“2026-03-05”",
    ),
    (
        "date with slashes",
        PENALTY,
        "decision_date: 2026-03-05",
        "decision_date: 2026/11/18",
        "$.decision_date",
        "“2026-11-18”",
    ),
    (
        "date with dots",
        PENALTY,
        "decision_date: 2026-03-05",
        "decision_date: 2026.11.18",
        "$.decision_date",
        "“2026-11-18”",
    ),
    (
        "date of validity",
        LICENCE,
        "valid_to: 2031-03-04",
        "valid_to: 2031年3月4日",
        "$.valid_to",
        "“2031-03-04”",
    ),
    (
        "department by name",
        PENALTY,
        "authority: scjg",
        "authority: 钟楼区测试市场监督管理局",
        "$.authority",
        "“scjg”（钟楼区测试市场监督管理局）",
    ),
    (
        "department by short name",
        PENALTY,
        "authority: scjg",
        "authority: 测试市场监管局",
        "$.authority",
        "“scjg”（钟楼区测试市场监督管理局）",
    ),
    (
        "item by name",
        PENALTY,
        "item: scjg-cf-001",
        "item: 经营超过保质期食品的处罚",
        "$.item",
        "“scjg-cf-001”（经营超过保质期食品的处罚）",
    ),
    (
        "party category 法人",
        PENALTY,
        "category: 法人及非法人组织",
        "category: 法人",
        "$.party.category",
        "“法人及非法人组织”",
    ),
    (
        "party category 个体户",
        PENALTY,
        "category: 法人及非法人组织",
        "category: 个体户",
        "$.party.category",
        "“个体工商户”",
    ),
    (
        "party category by code",
        PENALTY,
        "category: 法人及非法人组织",
        "category: '02'",
        "$.party.category",
        "“法人及非法人组织”",
    ),
    ("id type synonym", PERSON, "id_type: 身份证", "id_type: 居民身份证", "$.party.id_type", "“身份证”"),
    (
        "penalty category synonym",
        PENALTY,
        "  - 警告\n",
        "  - 吊销执照\n",
        "$.categories[0]",
        "“吊销许可证件”",
    ),
    ("licence category code", LICENCE, "category: 普通", "category: '01'", "$.category", "“普通”"),
    ("amount with unit", PENALTY, "fine_yuan: 5000", "fine_yuan: 5000元", "$.fine_yuan", "“5000”"),
    ("amount with comma", PENALTY, "fine_yuan: 5000", "fine_yuan: 5,000", "$.fine_yuan", "“5000”"),
    ("amount in 万元", PENALTY, "fine_yuan: 5000", "fine_yuan: 0.5万元", "$.fine_yuan", "“5000”"),
    (
        "是 for true",
        PENALTY,
        "fine_yuan: 5000",
        "fine_yuan: 5000\ndisclosure:\n  public: 是",
        "$.disclosure.public",
        "“true”",
    ),
]


@pytest.mark.parametrize(
    ("record", "old", "new", "path", "suggested"),
    [s[1:] for s in SUGGESTIONS],
    ids=[s[0] for s in SUGGESTIONS],
)
def test_validate_suggests_what_the_importer_understands(repo, record, old, new, path, suggested):
    assert old in record
    relpath = LICENCE_FILE if record is LICENCE else PENALTY_FILE
    problems = [p for p in problems_of(repo, record.replace(old, new, 1), relpath) if p.severity == "error"]
    assert [p.path for p in problems] == [path], problems
    assert problems[0].message.endswith(f"可以改为 {suggested}。"), problems[0].message


def test_no_suggestion_for_what_the_importer_cannot_read_either(repo):
    for old, new in (
        ("decision_date: 2026-03-05", "decision_date: 2026-02-30"),
        ("category: 法人及非法人组织", "category: 公司"),
        ("authority: scjg", "authority: 区教育局"),
    ):
        problems = problems_of(repo, PENALTY.replace(old, new, 1))
        assert problems and not any("可以改为" in p.message for p in problems), problems


def test_a_spelling_guess_gives_way_to_the_importers_reading(repo):
    (problem,) = problems_of(repo, PENALTY.replace("  - 警告\n", "  - 暂扣执照\n", 1))
    assert "是否想写" not in problem.message
    assert problem.message.endswith("可以改为 “暂扣许可证件”。")


def test_an_empty_required_field_says_required(repo):
    (problem,) = problems_of(repo, PENALTY.replace("violation_type: 经营超过保质期的食品", "violation_type:"))
    assert problem.code == "schema.empty"
    assert problem.message.startswith("“违法行为类型”（violation_type）是必填项")
    assert "删除这一行" not in problem.message


def test_an_empty_conditionally_required_field_says_required(repo):
    # 罚款 is among the categories, so the fine is required.
    (problem,) = problems_of(repo, PENALTY.replace("fine_yuan: 5000", "fine_yuan:"))
    assert problem.code == "schema.empty"
    assert "必填" in problem.message and "删除这一行" not in problem.message


def test_an_empty_optional_field_may_be_deleted(repo):
    (problem,) = problems_of(repo, PENALTY + "remarks:\n")
    assert problem.code == "schema.empty"
    assert "必填" not in problem.message.split("。")[0]
    assert problem.message.endswith("如果不需要填写，请删除这一行。")


def test_an_invisible_character_in_a_key_is_named(repo):
    problems = problems_of(repo, PENALTY.replace("authority:", "authority\u200b:", 1))
    unknown = [p for p in problems if p.code == "schema.unknown_key"]
    assert len(unknown) == 1
    assert "U+200B（零宽空格）" in unknown[0].message


# ---------------------------------------------------------------------------------------------
# Field names by their titles.

KEY_WORD = re.compile(r"(?<![A-Za-z0-9_./<>\-$\[])([a-z][a-z0-9_]*)(?![A-Za-z0-9_./<>\-\]])")


def bare_keys(message: str, doc_type: str) -> list[str]:
    """Internal keys of ``doc_type`` the message names without their Chinese title.

    Allowed: “title”（key） or title（key） (the key after its title), ``key: value`` (a YAML
    example of what to write), and a key as a value (after 为/是, or one of a list of choices)."""
    titles = key_titles(doc_type)
    out = []
    for m in KEY_WORD.finditer(message):
        key = m.group(1)
        if key not in titles:
            continue
        before, after = message[: m.start()], message[m.end() :]
        if (
            before.endswith("（")
            and after.startswith("）")
            and re.search(r"[\u4e00-\u9fff）”]$", before[:-1])
        ):
            continue
        if after.startswith(":") or before.endswith(("为 ", "是 ", "为", "是")):
            continue
        if before.endswith(("、“", "：“")) and after.startswith("”"):
            continue
        out.append(key)
    return out


def test_bare_keys_finds_what_it_should():
    assert bare_keys("请删除 uscc。", "penalty") == ["uscc"]
    assert bare_keys("缺少 “uscc”。", "penalty") == ["uscc"]
    assert bare_keys("“统一社会信用代码”（uscc）无效", "penalty") == []
    assert bare_keys("例如 kind: penalty", "penalty") == []
    assert bare_keys("见 data/records/scjg/ 与 scjg-cf-001", "penalty") == []


def test_corpus_messages_name_fields_by_their_titles(tmp_path):
    offenders = []
    for i, path in enumerate(INVALID):
        _root, _rel, _result, mine = run_case(tmp_path / str(i), path)
        for p in mine:
            doc_type = doc_type_of(p.file)
            if doc_type and bare_keys(p.message, doc_type):
                offenders.append(f"{path.name}: {bare_keys(p.message, doc_type)} in {p.message}")
    assert not offenders, "\n".join(offenders)
