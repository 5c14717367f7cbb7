"""Hostile pull requests (issue 15) on real Git repositories: a department publishing in another's
name, committing files that are no records, or taking published records off the site silently."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml
from gongshi.history.prcheck import check_history
from gongshi.snapshot.load import load

from tests.support.gitrepo import GitRepo

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "registry" / "data"
WORKFLOW = Path(__file__).resolve().parents[3] / ".github" / "workflows" / "validate.yml"
AS_OF = date(2026, 4, 20)
PLATFORM_MEMBER = "ops-lead"

SCJG = "data/records/scjg/penalties/2026/"
PENALTY = SCJG + "scjg-cf-2026-0001.yaml"
LICENCE = "data/records/scjg/licences/2026/scjg-xk-2026-0001.yaml"


def penalty(
    doc_no: str = "钟测市监罚〔2026〕1号", authority: str = "scjg", item: str = "scjg-cf-001", extra: str = ""
) -> str:
    return (
        "# yaml-language-server: $schema=../../../../../schemas/penalty.schema.json\n"
        f"kind: penalty\ndoc_no: {doc_no}\nitem: {item}\n"
        "party:\n  name: 常州市测试餐饮有限公司\n  category: 法人及非法人组织\n"
        "  uscc: 91320404MA1XYW01X0\n  legal_rep: 王某某\n"
        f"decision_date: 2026-04-01\nauthority: {authority}\n"
        "violation_type: 经营超过保质期的食品\nfacts: 当事人销售超过保质期的饮料。\n"
        "basis: 《中华人民共和国食品安全法》第一百二十四条\ncategories:\n  - 罚款\n"
        f"content: 罚款人民币5000元。\nfine_yuan: 5000\n{extra}"
    )


def licence(extra: str = "") -> str:
    return (
        "# yaml-language-server: $schema=../../../../../schemas/licence.schema.json\n"
        "kind: licence\ndoc_no: 钟测市监许〔2026〕1号\nitem: scjg-xk-001\n"
        "party:\n  name: 常州市测试便利店有限公司\n  category: 法人及非法人组织\n"
        "  uscc: 91320404MA1XYW01X0\n  legal_rep: 李某某\n"
        "decision_date: 2026-04-01\nauthority: scjg\ndoc_title: 食品经营许可决定书\ncategory: 普通\n"
        "content: 准予从事预包装食品销售。\nvalid_from: 2026-04-01\nvalid_to: 2031-03-31\n" + extra
    )


def registry_files() -> dict[str, str]:
    files = {}
    for path in sorted(FIXTURE.rglob("*.yaml")):
        files["data/" + path.relative_to(FIXTURE).as_posix()] = path.read_text(encoding="utf-8")
    team = 'platform:\n  team: "@example/platform"\n'
    assert team in files["data/departments.yaml"]
    files["data/departments.yaml"] = files["data/departments.yaml"].replace(
        team, f"{team}  members: [{PLATFORM_MEMBER}]\n"
    )
    # The national regimes: under 令2025年第36号 (from 2026-04-01) 轻微 penalties are not published.
    files["data/policy.yaml"] = files["data/policy.yaml"].replace("regime: zhonglou-2016", "regime: national")
    return files


@pytest.fixture(scope="module")
def upstream(tmp_path_factory) -> GitRepo:
    """main: the test registry and two scjg records published on 2026-04-02."""
    repo = GitRepo.init(tmp_path_factory.mktemp("upstream") / "repo")
    repo.commit(
        "初始", "2026-04-02T10:00:00+08:00", {**registry_files(), PENALTY: penalty(), LICENCE: licence()}
    )
    return repo


@pytest.fixture
def pr(upstream, tmp_path) -> GitRepo:
    clone = upstream.clone(tmp_path / "clone")
    clone.branch("pr")
    return clone


def check(repo: GitRepo, author: str | None = "scjg-clerk"):
    return check_history(repo.path, author=author, as_of=AS_OF)


def codes(result, severity: str = "error") -> list[str]:
    return sorted(p.code for p in result.problems if p.severity == severity)


def correction(when: str = "2026-04-20", unpublish: bool = True) -> str:
    flag = "\n    unpublish: true" if unpublish else ""
    return f"corrections:\n  - date: {when}\n    reason: 撤下公示{flag}\n"


# --- authority = folder department -------------------------------------------------------------


def test_publishing_in_another_departments_name_fails(pr):
    pr.commit(
        "冒名",
        "2026-04-20T10:00:00+08:00",
        {SCJG + "scjg-cf-2026-0009.yaml": penalty("9号", "wjw", "wjw-cf-001")},
    )
    result = check(pr)
    assert codes(result) == ["history.multiple_departments"]
    assert "wjw" in result.errors[0].message and "authority" in result.errors[0].message
    assert sorted(result.departments) == ["scjg", "wjw"]


def test_a_declared_delegation_is_one_department(pr):
    # zhzf entrusts scjg with zhzf-cf-001 from 2020-01-01 (tests/fixtures/registry/data/departments.yaml).
    pr.commit(
        "委托",
        "2026-04-20T10:00:00+08:00",
        {SCJG + "scjg-cf-2026-0009.yaml": penalty("9号", "zhzf", "zhzf-cf-001")},
    )
    result = check(pr)
    assert result.ok, result.problems
    assert list(result.departments) == ["scjg"]


# --- department pull requests touch only their records ------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "data/records/scjg/penalties/2026/原始台账.xlsx",
        "data/records/scjg/导入.errors.xlsx",
        "data/records/zhzf/NOTES.txt",
        "data/records/zhzf/.gitattributes",
        "data/records/scjg/penalties/2026/.hidden.yaml",
        "publishconf.py",
        "Makefile",
        ".ci/run",
        "content/pages/about.md",
        "data/catalog/scjg.yaml",
        ".github/workflows/validate.yml",
    ],
)
def test_a_department_may_not_commit_other_files(pr, path):
    pr.commit("夹带", "2026-04-20T10:00:00+08:00", {path: "x = 1\n"})
    result = check(pr)
    assert "history.file_not_allowed" in codes(result)
    bad = [p for p in result.errors if p.code == "history.file_not_allowed"]
    assert [p.file for p in bad] == [path] and path in bad[0].message
    # The same change by a platform team member is allowed (a warning at most).
    assert "history.file_not_allowed" not in codes(check(pr, PLATFORM_MEMBER))


def test_platform_membership_comes_from_the_base_branch(pr):
    departments = (pr.path / "data/departments.yaml").read_text(encoding="utf-8")
    pr.commit(
        "把自己加入平台团队",
        "2026-04-20T10:00:00+08:00",
        {
            "data/departments.yaml": departments.replace(
                f"[{PLATFORM_MEMBER}]", f"[{PLATFORM_MEMBER}, intruder]"
            ),
            "publishconf.py": "SITEURL = 'https://evil.example'\n",
        },
    )
    result = check(pr, "intruder")
    assert not result.platform
    assert codes(result) == ["history.file_not_allowed", "history.file_not_allowed"]
    assert check(pr, None).platform is False  # no author: department rules
    platform = check(pr, "@OPS-LEAD")
    assert platform.platform and platform.ok
    assert codes(platform, "warning") == ["history.platform_change"]


# --- nothing published disappears without a trace -----------------------------------------------


def test_withdrawal_dated_before_publication_needs_a_marked_correction(pr):
    early = "status: 撤销\nstatus_date: 2026-04-01\nstatus_reason: 行政复议撤销\n"
    pr.commit("撤销（日期早于公示）", "2026-04-20T10:00:00+08:00", {PENALTY: penalty(extra=early)})
    result = check(pr)
    assert codes(result) == ["history.unpublished_silently"]
    p = result.errors[0]
    assert p.file == PENALTY and "unpublish: true" in p.message and "2026-04-02" in p.message
    pr.commit("补更正", "2026-04-20T11:00:00+08:00", {PENALTY: penalty(extra=early + correction())})
    assert check(pr).ok


def test_withdrawal_dated_after_publication_documents_itself(pr):
    later = "status: 撤销\nstatus_date: 2026-04-15\nstatus_reason: 行政复议撤销\n"
    pr.commit("撤销", "2026-04-20T10:00:00+08:00", {PENALTY: penalty(extra=later)})
    assert check(pr).problems == []


@pytest.mark.parametrize(
    "extra",
    [
        "disclosure:\n  public: false\n  reason: 个人隐私\n",
        "disclosure:\n  until: 2026-04-15\n",
    ],
)
def test_unpublishing_by_editing_the_record_needs_a_marked_correction(pr, extra):
    pr.commit(
        "悄悄撤下", "2026-04-20T10:00:00+08:00", {LICENCE: licence(extra + correction(unpublish=False))}
    )
    result = check(pr)
    assert codes(result) == ["history.unpublished_silently"]
    pr.commit("标记撤下", "2026-04-20T11:00:00+08:00", {LICENCE: licence(extra + correction())})
    assert check(pr).ok


def test_disclosure_until_before_the_end_of_the_list_is_an_error(pr):
    pr.commit(
        "提前截止",
        "2026-04-20T10:00:00+08:00",
        {LICENCE: licence("disclosure:\n  until: 2026-04-05\n" + correction())},
    )
    result = check(pr)
    assert codes(result) == ["history.disclosure_until_early"]
    p = result.errors[0]
    # The list runs through D+10: the start day is not counted (民法典第二百零一条).
    assert p.path == "$.disclosure.until" and "2026-04-12" in p.message


def test_a_departments_catalog_edit_that_unpublishes_fails(pr):
    catalog = (pr.path / "data/catalog/scjg.yaml").read_text(encoding="utf-8")
    lighter = catalog.replace("    severity: 一般\n", "    severity: 轻微\n", 1)
    assert lighter != catalog
    pr.commit("改目录", "2026-04-20T10:00:00+08:00", {"data/catalog/scjg.yaml": lighter})
    result = check(pr)
    assert codes(result) == [
        "history.file_not_allowed",
        "history.public_state_changed",
        "history.unpublished_silently",
    ]
    listed = next(p for p in result.errors if p.code == "history.public_state_changed")
    assert "scjg-cf-2026-0001（查询式公示 → 不予公开）" in listed.message
    # The platform team may make the edit, with a marked correction on every record it takes off.
    platform = check(pr, PLATFORM_MEMBER)
    assert codes(platform) == ["history.unpublished_silently"]
    assert "history.public_state_changed" in codes(platform, "warning")
    pr.commit("更正", "2026-04-20T11:00:00+08:00", {PENALTY: penalty(extra=correction())})
    assert check(pr, PLATFORM_MEMBER).ok


def test_unpublished_record_leaves_a_withdrawal_notice_on_the_site(pr):
    withheld = licence("disclosure:\n  public: false\n  reason: 个人隐私\n" + correction())
    pr.commit("撤下", "2026-04-20T10:00:00+08:00", {LICENCE: withheld})
    assert check(pr).ok
    pr.checkout("main")
    pr.merge("pr", "合并", "2026-04-20T12:00:00+08:00")
    snapshot = load(pr.path, AS_OF, cache=False)
    notices = {e.id: e.timeline for e in snapshot.withdrawal_notices()}
    assert list(notices) == ["scjg-xk-2026-0001"]
    assert notices["scjg-xk-2026-0001"].withdrawn_on == date(2026, 4, 20)
    assert [e.id for e in snapshot.public()] == ["scjg-cf-2026-0001"]


# --- CI's exact command -------------------------------------------------------------------------


def _ci_command() -> tuple[str, dict]:
    doc = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    step = next(s for s in doc["jobs"]["validate"]["steps"] if "check-history" in s.get("run", ""))
    return step["run"], step["env"]


def test_ci_command_fails_a_department_and_passes_the_platform(pr):
    command, env = _ci_command()
    assert set(env) == {"BASE", "GONGSHI_PR_AUTHOR"}
    pr.commit("夹带表格", "2026-04-20T10:00:00+08:00", {"data/records/scjg/台账.csv": "姓名,身份证号\n"})
    bindir = str(Path(sys.executable).parent)  # the gongshi console script of this environment

    def run(author: str) -> subprocess.CompletedProcess:
        environ = {**os.environ, "PATH": bindir + os.pathsep + os.environ["PATH"]}
        environ.update(BASE="origin/main", GONGSHI_PR_AUTHOR=author)  # a pull request's base
        return subprocess.run(
            ["bash", "-ec", command], cwd=pr.path, env=environ, capture_output=True, text=True
        )

    dept = run("scjg-clerk")
    assert dept.returncode == 1, dept.stdout + dept.stderr
    assert "::error file=data/records/scjg/台账.csv" in dept.stdout
    platform = run(PLATFORM_MEMBER)
    assert platform.returncode == 0, platform.stdout + platform.stderr
