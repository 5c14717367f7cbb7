"""``gongshi new``: the template lands at the right path with the next free id, carries the schema's
own Chinese texts, and passes ``gongshi validate`` once a clerk fills the required fields."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from gongshi.cli import main
from gongshi.core import identifiers
from gongshi.repo.schemas import SCHEMA_DIR

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "registry"
PROJECT = Path(__file__).resolve().parents[3]
AS_OF = "2026-01-15"


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE / "data", root / "data")
    shutil.copy(PROJECT / "data" / "policy.yaml", root / "data" / "policy.yaml")
    monkeypatch.chdir(root)
    return root


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def fill(text: str, key: str, value: str) -> str:
    """Replace the first blank ``key:`` line (at any indentation) with ``key: value``."""
    new, n = re.subn(rf"^(\s*){re.escape(key)}:[ \t]*$", rf"\g<1>{key}: {value}", text, count=1, flags=re.M)
    assert n == 1, key
    return new


def uncomment(text: str, key: str, value: str) -> str:
    new, n = re.subn(rf"^(\s*)# {re.escape(key)}:[ \t]*$", rf"\g<1>{key}: {value}", text, count=1, flags=re.M)
    assert n == 1, key
    return new


def test_penalty_template_filled_in_passes_validate(repo):
    result = run("new", "penalty", "--dept", "scjg", "--year", "2025")
    assert result.exit_code == 0, result.output
    rel = result.output.strip()
    assert rel == "data/records/scjg/penalties/2025/scjg-cf-2025-0001.yaml"
    path = repo / rel
    text = path.read_text(encoding="utf-8")
    assert (
        text.splitlines()[0] == "# yaml-language-server: $schema=../../../../../schemas/penalty.schema.json"
    )
    assert (
        path.parent / "../../../../.."
    ).resolve() == repo.resolve()  # the schema path is relative to the root

    # The untouched template is not a valid record: validate names the blanks.
    blank = run("validate", rel, "--as-of", AS_OF)
    assert blank.exit_code == 1 and "不能为空" in blank.output

    text = fill(text, "doc_no", "钟市监罚〔2025〕21号")
    text = fill(text, "item", "scjg-cf-001")
    text = fill(text, "name", "常州市某某食品店")
    text = fill(text, "category", "法人及非法人组织")
    text = uncomment(text, "uscc", identifiers.make_uscc("9", "1", "320404", "59467239"))
    text = uncomment(text, "legal_rep", "周八")
    text = fill(text, "decision_date", "2025-06-02")
    text = fill(text, "violation_type", "经营超过保质期的食品")
    text = fill(text, "facts", "当事人销售超过保质期的食品。")
    text = fill(text, "basis", "《中华人民共和国食品安全法》第一百二十四条")
    text = text.replace("categories:\n  -\n", "categories:\n  - 警告\n")
    text = fill(text, "content", "警告")
    path.write_text(text, encoding="utf-8")
    filled = run("validate", rel, "--as-of", AS_OF)
    assert filled.exit_code == 0, filled.output


def test_licence_template_comments_come_from_the_schema(repo):
    rel = run("new", "licence", "--dept", "wjw", "--year", "2025").output.strip()
    text = (repo / rel).read_text(encoding="utf-8")
    schema = json.loads((SCHEMA_DIR / "licence.schema.json").read_text(encoding="utf-8"))
    for key in ("doc_title", "category", "valid_from", "valid_to", "content"):
        prop = schema["properties"][key]
        assert f"# {prop['title']}：{prop['description'].splitlines()[0]}" in text, key
    # Required fields are live lines, optional ones commented out and after them.
    assert re.search(r"^doc_title:", text, re.M) and re.search(r"^# valid_to:", text, re.M)
    assert text.index("\ndoc_title:") < text.index("# valid_to:")
    assert re.search(r"^authority: wjw$", text, re.M) and re.search(r"^kind: licence$", text, re.M)


def test_next_id_follows_the_highest_in_the_repository(repo):
    folder = repo / "data/records/scjg/penalties/2025"
    folder.mkdir(parents=True)
    (folder / "scjg-cf-2025-0007.yaml").write_text("kind: penalty\n", encoding="utf-8")
    (folder / "scjg-cf-2025-0003.yaml").write_text("kind: penalty\n", encoding="utf-8")
    assert (
        run("new", "penalty", "--dept", "scjg", "--year", "2025")
        .output.strip()
        .endswith("scjg-cf-2025-0008.yaml")
    )
    assert (
        run("new", "penalty", "--dept", "scjg", "--year", "2025")
        .output.strip()
        .endswith("scjg-cf-2025-0009.yaml")
    )
    # Other years, kinds and departments count separately.
    assert (
        run("new", "penalty", "--dept", "scjg", "--year", "2024")
        .output.strip()
        .endswith("scjg-cf-2024-0001.yaml")
    )
    assert (
        run("new", "licence", "--dept", "scjg", "--year", "2025")
        .output.strip()
        .endswith("scjg-xk-2025-0001.yaml")
    )


def test_unknown_department_is_a_usage_error(repo):
    result = run("new", "penalty", "--dept", "nope")
    assert result.exit_code == 2
    assert "部门代号 “nope” 不在 data/departments.yaml 中" in result.output
    assert "scjg" in result.output
    assert not (repo / "data" / "records").exists()


def test_vscode_settings_map_every_record_path_to_an_existing_schema():
    from fnmatch import fnmatch

    settings = json.loads((PROJECT / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    mapping = settings["yaml.schemas"]
    for schema in mapping:
        assert (PROJECT / schema).is_file(), schema
    by_pattern = {pattern: schema for schema, pattern in mapping.items()}
    for rel, kind in (
        ("data/records/scjg/licences/2025/scjg-xk-2025-0001.yaml", "licence"),
        ("data/records/scjg/penalties/2025/scjg-cf-2025-0001.yaml", "penalty"),
    ):
        hits = [s for p, s in by_pattern.items() if fnmatch(rel, p)]
        assert hits == [f"./schemas/{kind}.schema.json"], rel


@pytest.mark.parametrize("year", ["0", "1999", "10000", "next"])
def test_year_outside_the_records_range_is_a_usage_error(repo, year):
    """``--year 0`` once fell back to this year silently; every year outside records_since ..
    today is refused, naming the allowed range."""
    from gongshi.core.clock import today_in_china

    this_year = today_in_china().year
    if year == "next":
        year = str(this_year + 1)
    result = run("new", "penalty", "--dept", "scjg", "--year", year)
    assert result.exit_code == 2, result.output
    assert f"年份 {year} 不对" in result.output
    assert f"2016 至 {this_year} 年之间" in result.output  # the policy's records_since: 2016-01-01
    assert not (repo / "data" / "records").exists()


def test_year_range_follows_the_department_and_includes_both_ends(repo):
    from gongshi.core.clock import today_in_china

    this_year = today_in_china().year
    # wjw's own records_since (2020-01-01) overrides the policy's.
    refused = run("new", "licence", "--dept", "wjw", "--year", "2019")
    assert refused.exit_code == 2 and f"2020 至 {this_year} 年之间" in refused.output
    for dept, year in (("wjw", 2020), ("scjg", 2016), ("scjg", this_year)):
        made = run("new", "licence", "--dept", dept, "--year", str(year))
        assert made.exit_code == 0, made.output
        assert f"/{year}/{dept}-xk-{year}-0001.yaml" in made.output
