"""check-history: simulated pull requests on real Git repositories (branch, commit, check against main)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from gongshi.cli import main
from gongshi.history.prcheck import PrCheckError, check_history, correction_problem

from tests.support.gitrepo import GitRepo

DEPARTMENTS = """\
departments:
  - key: scjg
    name: 测试市场监督管理局
    uscc: 11320404014123458X
    region_code: "320404"
    owners: ["@example/scjg"]
  - key: zhzf
    name: 测试综合行政执法局
    uscc: 11320404014123466Q
    region_code: "320404"
    owners: ["@example/zhzf", "@example/zhzf-lead"]
"""

SCJG = "data/records/scjg/licences/2026/"
ZHZF = "data/records/zhzf/penalties/2026/"


def record(doc_no: str, extra: str = "") -> str:
    return (
        "# yaml-language-server: $schema=../../../../../schemas/licence.schema.json\n"
        f"kind: licence\ndoc_no: {doc_no}\nparty:\n  name: 测试公司\ncontent: 食品经营\n{extra}"
    )


CORRECTED = "corrections:\n  - date: 2026-03-09\n    reason: 更正文号\n"


@pytest.fixture(scope="module")
def upstream(tmp_path_factory) -> GitRepo:
    """The official repository: main with two departments' published records."""
    repo = GitRepo.init(tmp_path_factory.mktemp("upstream") / "repo")
    repo.commit(
        "初始",
        "2026-03-02T10:00:00+08:00",
        {
            "data/departments.yaml": DEPARTMENTS,
            "data/policy.yaml": "regime: zhonglou-2016\n",
            SCJG + "scjg-xk-2026-0001.yaml": record("钟市监许〔2026〕1号"),
            SCJG + "scjg-xk-2026-0002.yaml": record("钟市监许〔2026〕2号"),
            SCJG + "scjg-xk-2026-0003.yaml": record("钟市监许〔2026〕3号", CORRECTED),
            ZHZF + "zhzf-cf-2026-0001.yaml": record("钟综执罚〔2026〕1号"),
        },
    )
    return repo


@pytest.fixture
def pr(upstream, tmp_path) -> GitRepo:
    """A contributor's clone (origin/main = upstream main) on a new branch."""
    clone = upstream.clone(tmp_path / "clone")
    clone.branch("pr")
    return clone


def codes(result) -> list[str]:
    return sorted(p.code for p in result.problems)


def test_good_pull_request_passes(pr):
    pr.commit(
        "新增并更正",
        "2026-03-10T10:00:00+08:00",
        {
            SCJG + "scjg-xk-2026-0004.yaml": record("钟市监许〔2026〕4号"),
            SCJG + "scjg-xk-2026-0001.yaml": record("钟市监许〔2026〕1-1号", CORRECTED),
        },
    )
    result = check_history(pr.path)
    assert result.base == "origin/main"
    assert result.ok, result.problems
    assert result.problems == []
    assert result.departments == {"scjg": [SCJG + "scjg-xk-2026-0001.yaml", SCJG + "scjg-xk-2026-0004.yaml"]}
    assert sorted((c.status, c.path) for c in result.changes) == [
        ("A", SCJG + "scjg-xk-2026-0004.yaml"),
        ("M", SCJG + "scjg-xk-2026-0001.yaml"),
    ]


def test_touching_two_departments_fails(pr):
    pr.commit(
        "两个部门",
        "2026-03-10T10:00:00+08:00",
        {
            SCJG + "scjg-xk-2026-0004.yaml": record("钟市监许〔2026〕4号"),
            ZHZF + "zhzf-cf-2026-0002.yaml": record("钟综执罚〔2026〕2号"),
        },
    )
    result = check_history(pr.path)
    assert not result.ok
    assert codes(result) == ["history.multiple_departments"]
    msg = result.errors[0].message
    assert "2 个部门" in msg
    assert "scjg（测试市场监督管理局，1 个文件，审核：@example/scjg）" in msg
    assert "@example/zhzf、@example/zhzf-lead" in msg
    assert "拆分" in msg


def test_deleting_a_published_record_fails(pr):
    pr.commit("删除", "2026-03-10T10:00:00+08:00", {SCJG + "scjg-xk-2026-0002.yaml": None})
    result = check_history(pr.path)
    assert codes(result) == ["history.deleted"]
    p = result.errors[0]
    assert p.file == SCJG + "scjg-xk-2026-0002.yaml"
    assert "不能删除" in p.message and "status" in p.message and "撤销" in p.message


def test_moving_a_published_record_fails(pr):
    old = SCJG + "scjg-xk-2026-0002.yaml"
    new = "data/records/scjg/licences/2025/scjg-xk-2026-0002.yaml"
    pr.commit("改年份", "2026-03-10T10:00:00+08:00", {old: None, new: record("钟市监许〔2026〕2号")})
    result = check_history(pr.path)
    assert codes(result) == ["history.renamed"]
    assert result.errors[0].file == old
    assert f"{old} → {new}" in result.errors[0].message


def test_renaming_with_same_content_fails(pr):
    old = SCJG + "scjg-xk-2026-0002.yaml"
    (pr.path / old).rename(pr.path / (SCJG + "scjg-xk-2026-0099.yaml"))
    pr.git("add", "--all", "data")
    pr.commit("改名", "2026-03-10T10:00:00+08:00")
    result = check_history(pr.path)
    assert codes(result) == ["history.renamed"]
    assert "scjg-xk-2026-0099.yaml" in result.errors[0].message


def test_editing_without_correction_fails_with_line(pr):
    path = SCJG + "scjg-xk-2026-0001.yaml"
    pr.commit("改文号", "2026-03-10T10:00:00+08:00", {path: record("钟市监许〔2026〕11号")})
    result = check_history(pr.path)
    assert codes(result) == ["history.correction_missing"]
    p = result.errors[0]
    assert (p.file, p.line, p.path) == (path, 3, "$.doc_no")
    assert "doc_no" in p.message and "corrections" in p.message


def test_editing_with_unchanged_corrections_points_at_the_list(pr):
    path = SCJG + "scjg-xk-2026-0003.yaml"
    pr.commit("再改", "2026-03-10T10:00:00+08:00", {path: record("钟市监许〔2026〕33号", CORRECTED)})
    result = check_history(pr.path)
    assert codes(result) == ["history.correction_missing"]
    assert result.errors[0].path == "$.corrections"
    assert result.errors[0].line == 7


def test_rewriting_old_corrections_fails(pr):
    path = SCJG + "scjg-xk-2026-0003.yaml"
    rewritten = "corrections:\n  - date: 2026-03-09\n    reason: 另一个原因\n"
    rewritten += "  - date: 2026-03-10\n    reason: 再更正\n"
    pr.commit("改更正", "2026-03-10T10:00:00+08:00", {path: record("钟市监许〔2026〕33号", rewritten)})
    assert codes(check_history(pr.path)) == ["history.corrections_rewritten"]


def test_appending_a_second_correction_passes(pr):
    path = SCJG + "scjg-xk-2026-0003.yaml"
    grown = CORRECTED + "  - date: 2026-03-10\n    reason: 再次更正文号\n"
    pr.commit("再更正", "2026-03-10T10:00:00+08:00", {path: record("钟市监许〔2026〕33号", grown)})
    assert check_history(pr.path).problems == []


@pytest.mark.parametrize(
    ("doc_no", "nature", "expected"),
    [
        # 更正性质 形式 on a changed document number (substance): refused at the entry's nature.
        ("钟市监许〔2026〕99号", "形式", ["history.correction_nature"]),
        # The same change stated as 实质, or not stated at all: allowed.
        ("钟市监许〔2026〕99号", "实质", []),
        ("钟市监许〔2026〕99号", "", []),
    ],
)
def test_a_form_correction_may_not_change_substance(pr, doc_no, nature, expected):
    path = SCJG + "scjg-xk-2026-0002.yaml"
    entry = "corrections:\n  - date: 2026-03-10\n    reason: 更正文号\n"
    entry += f"    nature: {nature}\n" if nature else ""
    pr.commit("更正", "2026-03-10T10:00:00+08:00", {path: record(doc_no, entry)})
    result = check_history(pr.path)
    assert codes(result) == expected
    if expected:
        problem = result.errors[0]
        assert problem.path == "$.corrections[0].nature" and problem.line == 10
        assert "doc_no" in problem.message and "nature: 实质" in problem.message


def test_incomplete_correction_fails(pr):
    path = SCJG + "scjg-xk-2026-0001.yaml"
    pr.commit(
        "缺原因", "2026-03-10T10:00:00+08:00", {path: record("x", "corrections:\n  - date: 2026-03-10\n")}
    )
    result = check_history(pr.path)
    assert codes(result) == ["history.correction_incomplete"]
    assert result.errors[0].path == "$.corrections[0]"
    assert "reason" in result.errors[0].message


def test_formatting_only_and_withdrawal_need_no_correction(pr):
    one = SCJG + "scjg-xk-2026-0001.yaml"
    two = SCJG + "scjg-xk-2026-0002.yaml"
    withdrawn = "status: 撤销\nstatus_date: 2026-03-10\nstatus_reason: 行政复议撤销\n"
    pr.commit(
        "注释与撤回",
        "2026-03-10T10:00:00+08:00",
        {
            one: record("钟市监许〔2026〕1号") + "# 仅增加注释\n",
            two: record("钟市监许〔2026〕2号", withdrawn),
        },
    )
    result = check_history(pr.path)
    assert result.ok and result.problems == []


def test_platform_files_are_errors_for_a_department_and_warnings_for_the_platform(pr):
    pr.commit(
        "平台",
        "2026-03-10T10:00:00+08:00",
        {
            "schemas/licence.schema.json": "{}\n",
            "data/policy.yaml": "regime: national\n",
            "README.md": "说明\n",
        },
    )
    result = check_history(pr.path)
    assert not result.ok and not result.platform
    assert [(p.code, p.file) for p in result.errors] == [
        ("history.file_not_allowed", "README.md"),
        ("history.file_not_allowed", "data/policy.yaml"),
        ("history.file_not_allowed", "schemas/licence.schema.json"),
    ]
    assert "平台管理团队" in result.errors[1].message
    pr.commit(
        "平台团队名单",
        "2026-03-10T11:00:00+08:00",
        {"data/departments.yaml": DEPARTMENTS + "platform:\n  members: [ops]\n"},
    )
    # The base branch has no platform team yet: the pull request cannot appoint its own author.
    assert not check_history(pr.path, author="ops").platform


def test_platform_pull_request_gets_warnings(upstream, tmp_path):
    upstream_clone = upstream.clone(tmp_path / "main")
    upstream_clone.commit(
        "平台团队",
        "2026-03-05T10:00:00+08:00",
        {"data/departments.yaml": DEPARTMENTS + "platform:\n  members: [ops]\n"},
    )
    upstream_clone.branch("pr")
    upstream_clone.commit(
        "平台",
        "2026-03-10T10:00:00+08:00",
        {
            "schemas/licence.schema.json": "{}\n",
            "data/policy.yaml": "regime: national\n",
            "README.md": "说明\n",
        },
    )
    result = check_history(upstream_clone.path, "main", author="ops")
    assert result.ok and result.platform
    assert [(p.code, p.file, p.severity) for p in result.problems] == [
        ("history.platform_change", "data/policy.yaml", "warning"),
        ("history.platform_change", "schemas/licence.schema.json", "warning"),
    ]
    assert "平台管理团队审核" in result.problems[0].message


def test_compares_with_the_merge_base_not_the_moving_main(upstream, tmp_path):
    clone = upstream.clone(tmp_path / "clone")
    clone.branch("pr")
    clone.commit("新增", "2026-03-10T10:00:00+08:00", {SCJG + "scjg-xk-2026-0005.yaml": record("5号")})
    # Meanwhile main gains another department's record and deletes nothing.
    clone.checkout("main")
    clone.commit("其他部门", "2026-03-11T10:00:00+08:00", {ZHZF + "zhzf-cf-2026-0009.yaml": record("9号")})
    clone.checkout("pr")
    result = check_history(clone.path, "main")
    assert result.base == "main"
    assert result.ok and list(result.departments) == ["scjg"]


def test_falls_back_to_main_without_origin(upstream, tmp_path):
    clone = upstream.clone(tmp_path / "clone")
    clone.git("remote", "remove", "origin")
    clone.branch("pr")
    clone.commit("删除", "2026-03-10T10:00:00+08:00", {SCJG + "scjg-xk-2026-0001.yaml": None})
    result = check_history(clone.path)
    assert result.base == "main"
    assert codes(result) == ["history.deleted"]


def test_unknown_base_and_shallow_clone_are_usage_errors(upstream, pr, tmp_path):
    with pytest.raises(PrCheckError, match="找不到比较基准 origin/nope"):
        check_history(pr.path, "origin/nope")
    shallow = upstream.clone_shallow(tmp_path / "shallow")
    with pytest.raises(PrCheckError, match="fetch-depth: 0"):
        check_history(shallow.path)


def test_correction_problem_rules():
    base = {"doc_no": "1", "corrections": [{"date": "2026-03-01", "reason": "a"}]}
    assert correction_problem(base, dict(base)) is None
    grown = {
        **base,
        "doc_no": "2",
        "corrections": [*base["corrections"], {"date": "2026-03-02", "reason": "b"}],
    }
    assert correction_problem(base, grown) is None
    assert correction_problem(base, {**base, "doc_no": "2"})[0] == "history.correction_missing"
    assert correction_problem(base, {**base, "corrections": []})[0] == "history.corrections_rewritten"
    assert correction_problem({"status": "有效"}, {"status": "撤销", "status_date": "x"}) is None
    assert correction_problem({"status": "有效"}, {"status": "撤销", "remarks": "x"})[0] == (
        "history.correction_missing"
    )


# --- the command --------------------------------------------------------------------------------


def run_cli(*args):
    return CliRunner().invoke(main, list(args))


def test_cli_exit_codes_and_formats(pr, monkeypatch):
    monkeypatch.chdir(pr.path / "data")  # any folder inside the repository
    ok = run_cli("check-history")
    assert ok.exit_code == 0, ok.output
    assert "与 origin/main 比较" in ok.output
    pr.commit("删除", "2026-03-10T10:00:00+08:00", {SCJG + "scjg-xk-2026-0002.yaml": None})
    bad = run_cli("check-history", "--format", "json")
    assert bad.exit_code == 1
    doc = json.loads(bad.output)
    assert doc["ok"] is False and doc["base"] == "origin/main"
    assert doc["changes"] == [{"status": "D", "path": SCJG + "scjg-xk-2026-0002.yaml"}]
    assert [e["code"] for e in doc["errors"]] == ["history.deleted"]
    assert set(doc["errors"][0]) == {"file", "line", "path", "code", "message", "severity"}
    gh = run_cli("check-history", "--format", "github")
    assert gh.exit_code == 1
    assert f"::error file={SCJG}scjg-xk-2026-0002.yaml,title=" in gh.output
    usage = run_cli("check-history", "--base", "nope")
    assert usage.exit_code == 2
    assert "找不到比较基准 nope" in usage.output
    assert run_cli("check-history", "--format", "xml").exit_code == 2
