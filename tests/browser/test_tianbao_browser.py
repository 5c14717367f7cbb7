"""The on-site form (tianbao/) in real Chromium at 375 px, against the real CLI.

A clerk fills one licence and one penalty; the YAML the page writes is committed to a clone of the
fixture repository and must pass `gongshi validate` unchanged; the forge URL must decode to the
same path and content; a bad 统一社会信用代码 must read exactly as the CLI says it; the identifier
checks of identifiers.js must agree with core/identifiers.py on one table; axe-core finds nothing;
and the form keeps working with the network cut once the page is loaded.

The site never names the data repository: the page is opened with the bookmark link of
`gongshi tianbao-link` (the forge in the fragment), keeps that setting in localStorage across
reloads until "清除仓库设置", and refuses a bad fragment in Chinese without a forge button.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from gongshi.core import identifiers
from gongshi.repo.yamlload import load_yaml_bytes

from tests.support.golden_site import CODE_ROOT
from tests.support.pagewait import wait_true
from tests.support.site_fixture import HEAD_DAY, build_repo

pytestmark = pytest.mark.browser

FORGE = """
forge:
  kind: gitea
  base_url: https://git.example.gov.cn
  repository: zhonglou/gongshi-data
  branch: main
"""
AS_OF = HEAD_DAY.isoformat()  # the build and the CLI check both run as of the fixture's last commit
BAD_USCC = "91512081MA62K0260F"  # check character should be E
GOOD_USCC = "91512081MA62K0260E"

LICENCE = {
    "doc_no": "钟市监许〔2026〕301号",
    "party.name": "常州市现场填报测试有限公司",
    "party.category": "法人及非法人组织",
    "party.uscc": GOOD_USCC,
    "party.legal_rep": "张三",
    "decision_date": "2026-11-24",
    "doc_title": "食品经营许可证",
    "category": "普通",
    "content": "准予食品经营许可：预包装食品销售。",
    "valid_from": "2026-11-24",
    "valid_to": "2031-11-23",
}
PENALTY = {
    "doc_no": "钟市监罚〔2026〕302号",
    "party.name": "欧阳测试",
    "party.category": "自然人",
    "party.id_type": "身份证",
    "party.id_no_masked": "320404********1234",
    "decision_date": "2026-11-24",
    "violation_type": "经营超过保质期的食品",
    "facts": "当事人于2026年11月在经营场所销售超过保质期的食品。\n现场查获 3 件。",
    "basis": "《中华人民共和国食品安全法》第一百二十四条第一款",
    "content": "警告，罚款人民币5000元。",
    "fine_yuan": "5000",
}
DEPT = "scjg"
ITEMS = {"licence": "scjg-xk-001", "penalty": "scjg-cf-001"}


def _gongshi(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(CODE_ROOT / "plugins"), "GONGSHI_CACHE": "off"}
    return subprocess.run(
        [sys.executable, "-m", "gongshi", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def forge_site(tmp_path_factory):
    """The fixture repository with a forge in policy.yaml, and its site built as of its last day."""
    from gongshi.sitebuild import build

    work = tmp_path_factory.mktemp("tianbao")
    repo = build_repo(work / "repo")
    policy = (work / "repo" / "data" / "policy.yaml").read_text(encoding="utf-8")
    repo.commit(
        "平台：现场填报的代码托管平台", "2026-11-25T10:00:00+08:00", {"data/policy.yaml": policy + FORGE}
    )
    out = work / "output"
    build(work / "repo", HEAD_DAY, out, settings_path=CODE_ROOT / "pelicanconf.py")
    return work / "repo", out


@pytest.fixture(scope="module")
def fragment(forge_site) -> str:
    """The fragment of the bookmark link `gongshi tianbao-link` prints for the fixture's forge."""
    repo, _out = forge_site
    run = _gongshi("tianbao-link", "--site-url", "https://site.invalid", cwd=repo)
    assert run.returncode == 0, run.stderr
    link = run.stdout.strip()
    assert link.startswith("https://site.invalid/tianbao/#forge=gitea:")
    return link.split("#", 1)[1]


def _open(browser, url: str):
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN")
    p = context.new_page()
    p.goto(url)
    wait_true(p, "window.GongshiTianbao !== undefined")
    return p


@pytest.fixture
def page(browser, serve, forge_site, fragment, console_errors):
    _repo, out = forge_site
    p = _open(browser, serve(out) + "/tianbao/#" + fragment)
    errors = console_errors(p)
    yield p
    assert errors == []
    p.context.close()


def _fill(page, kind: str, values: dict[str, str], categories: tuple[str, ...] = ()) -> None:
    page.check(f'input[name="tb-kind"][value="{kind}"]')
    form = f"#form-{kind}"
    page.select_option(f'{form} [name="authority"]', DEPT)
    page.select_option(f'{form} [name="item"]', ITEMS[kind])
    for name, value in values.items():
        selector = f'{form} [name="{name}"]'
        if page.eval_on_selector(selector, "e => e.tagName") == "SELECT":
            page.select_option(selector, value)
        else:
            page.fill(selector, value)
    for c in categories:
        page.check(f'{form} input[name="categories"][value="{c}"]')
    page.click(f"{form} .tb-submit")


def _result(page) -> tuple[str, str, str]:
    page.wait_for_selector("#tb-output:not([hidden])")
    path = page.inner_text("#tb-path")
    yaml_text = page.eval_on_selector("#tb-yaml", "e => e.textContent")
    forge = page.get_attribute("#tb-forge", "href")
    return path, yaml_text, forge


def _problems(page) -> dict[str, str]:
    page.wait_for_selector("#tb-problems li")
    return dict(
        page.eval_on_selector_all("#tb-problems li", "els => els.map(e => [e.dataset.path, e.textContent])")
    )


def _commit_and_validate(repo: Path, tmp_path: Path, path: str, text: str) -> subprocess.CompletedProcess:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(repo), str(clone)], check=True)
    target = clone / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return _gongshi("validate", path, "--as-of", AS_OF, "--format", "json", cwd=clone)


@pytest.mark.parametrize("kind", ["licence", "penalty"])
def test_filled_form_writes_a_record_gongshi_validate_accepts(page, forge_site, tmp_path, axe, kind):
    repo, _out = forge_site
    values = LICENCE if kind == "licence" else PENALTY
    _fill(page, kind, values, categories=("警告", "罚款") if kind == "penalty" else ())
    path, text, forge = _result(page)

    year = values["decision_date"][:4]
    folder = "licences" if kind == "licence" else "penalties"
    assert path.startswith(
        f"data/records/{DEPT}/{folder}/{year}/{DEPT}-{'xk' if kind == 'licence' else 'cf'}-{year}-m"
    )
    assert text.startswith(f"# yaml-language-server: $schema=../../../../../schemas/{kind}.schema.json\n")

    run = _commit_and_validate(repo, tmp_path, path, text)
    report = json.loads(run.stdout)
    assert run.returncode == 0 and report["errors"] == [], run.stdout + run.stderr

    data = load_yaml_bytes(text.encode("utf-8"), path).data
    assert data["kind"] == kind and data["authority"] == DEPT and data["item"] == ITEMS[kind]
    for name, value in values.items():
        node = data
        for part in name.split("."):
            node = node[part]
        assert node == value, name
    if kind == "penalty":
        assert data["categories"] == ["警告", "罚款"]
        assert "uscc" not in data["party"] and "legal_rep" not in data["party"]

    # The forge's new-file page: Gitea's /_new/<branch>/ with the same path and content.
    url = urlsplit(forge)
    assert (url.scheme, url.netloc, url.path) == (
        "https",
        "git.example.gov.cn",
        "/zhonglou/gongshi-data/_new/main/",
    )
    query = parse_qs(url.query, keep_blank_values=True, strict_parsing=True)
    assert query == {"filename": [path], "value": [text]}

    assert axe(page) == []


def test_bad_uscc_reads_as_the_cli_says(page, forge_site, tmp_path, axe):
    repo, _out = forge_site
    _fill(page, "licence", {**LICENCE, "party.uscc": BAD_USCC})
    shown = _problems(page)
    assert list(shown) == ["$.party.uscc"]
    assert page.get_attribute("#licence-f-party-uscc", "aria-invalid") == "true"
    field_error = page.inner_text("#licence-f-party-uscc-err")

    # The same record with the same mistake, through the CLI.
    _fill(page, "licence", LICENCE)
    path, text, _forge = _result(page)
    bad = text.replace(GOOD_USCC, BAD_USCC)
    run = _commit_and_validate(repo, tmp_path, path, bad)
    errors = json.loads(run.stdout)["errors"]
    assert run.returncode == 1
    assert [(e["path"], e["code"]) for e in errors] == [("$.party.uscc", "identifier.uscc")]
    assert shown["$.party.uscc"] == errors[0]["message"] == field_error
    assert "第 18 位校验码不符" in field_error

    _fill(page, "licence", {**LICENCE, "party.uscc": BAD_USCC})
    _problems(page)
    assert axe(page) == []


def test_missing_fields_and_conditional_rules_read_as_the_cli_says(page, forge_site, tmp_path):
    repo, _out = forge_site
    # An organisation without its legal representative: the schema's if/then rule, and no content.
    values = {k: v for k, v in LICENCE.items() if k not in ("party.legal_rep", "content")}
    _fill(page, "licence", values)
    shown = _problems(page)
    assert set(shown) == {"$.party.legal_rep", "$.content"}

    _fill(page, "licence", LICENCE)
    path, text, _forge = _result(page)
    bad = text.replace("  legal_rep: 张三\n", "").replace("content: 准予食品经营许可：预包装食品销售。\n", "")
    run = _commit_and_validate(repo, tmp_path, path, bad)
    cli = {e["path"]: e["message"] for e in json.loads(run.stdout)["errors"]}
    assert cli == shown


# One table for both implementations: valid and invalid values of every identifier check.
USCC_VALUES = [
    GOOD_USCC, BAD_USCC, "", "12", "91512081ma62k0260e", "91512081MA62K0260I", "Z1512081MA62K0260E",
    "9151A081MA62K0260E", "91512081MA62K0270E", identifiers.USCC_PLACEHOLDER, "91512081MA62K026０E",
    identifiers.make_uscc("9", "1", "320404", "MA1X2Y3W"),
]  # fmt: skip
ORG_VALUES = ["594672399", "594672390", "59467239", "59467239x", "5946723-99", "a9467239X", "59467239Y",
              "59467239-9", "MA1X2Y3Z" + identifiers.org_code_check_char("MA1X2Y3Z")]  # fmt: skip
BRN_VALUES = ["320404000012344", "320404000012345", "32040400001234", "32040400001234A",
              identifiers.make_business_reg_no("32040400009999")]  # fmt: skip
MASKED_VALUES = [
    ("320404********1234", "身份证"), ("320404199001011231", "身份证"),
    ("320404199001011237", "身份证"), ("3204041990******34", "身份证"),
    ("32040419900101123", "身份证"), ("3204************34", "身份证"), ("3204041***0****234", "身份证"),
    ("320404*******123", "身份证"), ("32040419******1", "身份证"), ("E12*****8", "护照号"),
    ("E12345678", "护照号"), ("E12#****8", "护照号"), ("E1234***8", "护照号"), ("abc", "其他-军官证"),
]  # fmt: skip


def test_identifier_checks_agree_with_python(page):
    valid_id = "320404199001011231"
    assert identifiers.resident_id_problem(valid_id) is None  # the table holds one unmasked ID number
    js = page.evaluate(
        """([uscc, org, brn, masked]) => {
            const ids = window.GongshiIdentifiers.create(window.GongshiTianbao.data.identifiers);
            return [uscc.map(ids.usccProblem), org.map(ids.orgCodeProblem), brn.map(ids.businessRegNoProblem),
                    masked.map(([v, t]) => ids.maskedIdProblem(v, t)),
                    masked.map(([v]) => ids.formats["masked-id-no"](v))];
        }""",
        [USCC_VALUES, ORG_VALUES, BRN_VALUES, MASKED_VALUES],
    )
    python = [
        [identifiers.uscc_problem(v) for v in USCC_VALUES],
        [identifiers.org_code_problem(v) for v in ORG_VALUES],
        [identifiers.business_reg_no_problem(v) for v in BRN_VALUES],
        [identifiers.masked_id_problem(v, t) for v, t in MASKED_VALUES],
        [identifiers.masked_id_problem(v, "身份证") is None
         or identifiers.masked_id_problem(v, "其他") is None for v, _t in MASKED_VALUES],
    ]  # fmt: skip
    assert js == python
    # Both outcomes are represented in every list.
    for answers in python[:4]:
        assert None in answers and any(a is not None for a in answers)


def test_works_offline_once_loaded(page):
    page.context.set_offline(True)
    _fill(page, "penalty", PENALTY, categories=("罚款",))
    path, text, _forge = _result(page)
    assert path.endswith(".yaml") and "categories:\n  - 罚款\n" in text


def test_organisation_fields_hidden_for_a_natural_person(page):
    page.check('input[name="tb-kind"][value="penalty"]')
    page.select_option('#form-penalty [name="party.category"]', "自然人")
    assert page.is_hidden("#penalty-f-party-uscc") and page.is_visible("#penalty-f-party-id-no-masked")
    page.select_option('#form-penalty [name="party.category"]', "个体工商户")
    assert page.is_visible("#penalty-f-party-uscc") and page.is_hidden("#penalty-f-party-id-no-masked")


def test_without_a_forge_the_page_offers_copy_and_download_only(
    browser, serve, tmp_path, console_errors, axe
):
    from tests.support.golden_site import build_golden_site

    out = build_golden_site(tmp_path)
    p = _open(browser, serve(out) + "/tianbao/")
    errors = console_errors(p)
    assert "没有设置数据仓库" in p.inner_text("#tb-forge-status")
    assert p.is_hidden("#tb-forge-clear")
    _fill(p, "licence", {**LICENCE, "decision_date": "2026-11-19", "valid_from": "2026-11-19"})
    p.wait_for_selector("#tb-output:not([hidden])")
    assert p.is_hidden("#tb-forge")
    assert p.get_attribute("#tb-download", "href").startswith("blob:")
    assert p.get_attribute("#tb-download", "download").endswith(".yaml")
    assert axe(p) == [] and errors == []
    p.context.close()


FORGES = [
    ("github", "https://github.com", "/zhonglou/gongshi-data/new/main", ("filename", "value")),
    ("gitea", "https://git.example.gov.cn", "/zhonglou/gongshi-data/_new/main/", ("filename", "value")),
    ("gitlab", "https://gitlab.example.gov.cn/gl", "/zhonglou/gongshi-data/-/new/main",
     ("file_name", "content")),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "base", "path", "query"), FORGES)
def test_the_bookmark_fragment_makes_the_forge_button_of_every_kind(
    browser, serve, forge_site, console_errors, kind, base, path, query
):
    _repo, out = forge_site
    site = serve(out)
    p = _open(browser, f"{site}/tianbao/#forge={kind}:{base}/zhonglou/gongshi-data@main")
    errors = console_errors(p)
    assert p.url == site + "/tianbao/"  # the repository's address leaves the address bar
    assert p.is_hidden("#tb-forge-error") and p.is_visible("#tb-forge-clear")
    assert f"{base}/zhonglou/gongshi-data" in p.inner_text("#tb-forge-status")
    _fill(p, "penalty", PENALTY, categories=("罚款",))
    record_path, text, forge = _result(p)
    assert p.is_visible("#tb-forge")
    url = urlsplit(forge)
    assert f"{url.scheme}://{url.netloc}{url.path}" == base + path
    assert parse_qs(url.query, keep_blank_values=True, strict_parsing=True) == {
        query[0]: [record_path],
        query[1]: [text],
    }
    assert errors == []
    p.context.close()


def test_the_setting_survives_a_reload_and_can_be_cleared(page, axe):
    page.reload()
    wait_true(page, "window.GongshiTianbao !== undefined")
    assert "#" not in page.url
    assert "https://git.example.gov.cn/zhonglou/gongshi-data" in page.inner_text("#tb-forge-status")
    _fill(page, "licence", LICENCE)
    _path, _text, forge = _result(page)
    assert page.is_visible("#tb-forge") and forge.startswith("https://git.example.gov.cn/zhonglou/")
    assert axe(page) == []

    page.click("#tb-forge-clear")
    assert page.is_hidden("#tb-forge") and page.is_hidden("#tb-forge-clear")
    assert "已清除数据仓库设置" in page.inner_text("#tb-forge-status")
    assert page.evaluate("localStorage.length") == 0
    page.reload()
    wait_true(page, "window.GongshiTianbao !== undefined")
    assert "没有设置数据仓库" in page.inner_text("#tb-forge-status")
    _fill(page, "licence", LICENCE)
    _result(page)
    assert page.is_hidden("#tb-forge")


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("gitea:http://git.example.gov.cn/zhonglou/gongshi-data@main", "https://"),
        ("javascript:alert(1)", "平台类型"),
        ("gitea:javascript:alert(1)//x/y@main", "https://"),
        ("gitea:https://user:pw@git.example.gov.cn/zhonglou/gongshi-data@main", "用户名"),
        ("gitea:https://git.example.gov.cn/gongshi-data@main", "所有者/名称"),
        ("gitea:https://git.example.gov.cn/zhonglou/gongshi-data@../main", "分支名"),
        ("这不是设置", "格式应为"),
        ("%E0%A4%A", "无法识别"),
    ],
)
def test_a_bad_fragment_is_refused_in_chinese_without_a_forge_button(
    browser, serve, forge_site, fragment, console_errors, value, words
):
    _repo, out = forge_site
    site = serve(out)
    p = _open(browser, f"{site}/tianbao/#forge={value}")
    errors = console_errors(p)

    def refused() -> None:
        p.wait_for_selector("#tb-forge-error:not([hidden])")
        message = p.inner_text("#tb-forge-error")
        assert message.startswith("书签链接中的数据仓库设置无效") and words in message, message
        assert p.url == site + "/tianbao/"
        _fill(p, "licence", LICENCE)
        _result(p)
        assert p.is_hidden("#tb-forge")

    refused()
    assert p.evaluate("localStorage.length") == 0
    # A phone that already knows a repository: a bad link is not used either (no silent fallback).
    p.goto(f"{site}/tianbao/#{fragment}")
    p.wait_for_selector("#tb-forge:not([hidden])")
    p.goto(f"{site}/tianbao/#forge={value}")
    refused()
    assert errors == []
    p.context.close()


def test_forge_urls_keep_path_and_content_exactly(page):
    forge = {
        "kind": "gitea",
        "address": "https://git.example.gov.cn/zhonglou/gongshi-data",
        "branch": "rel/1",
    }
    record_path = "data/records/scjg/penalties/2026/scjg-cf-2026-m1124-153012.yaml"
    content = "# 注释\ndoc_no: 钟市监罚〔2026〕1号 & 100%\nfacts: |-\n  第一行\n  第二行 #?=\n"
    url = urlsplit(
        page.evaluate("a => window.GongshiRecordYaml.forgeUrl(...a)", [forge, record_path, content])
    )
    assert f"{url.scheme}://{url.netloc}{url.path}" == forge["address"] + "/_new/rel/1/"
    assert parse_qs(url.query, keep_blank_values=True, strict_parsing=True) == {
        "filename": [record_path],
        "value": [content],
    }


TRICKY = {
    "doc_no": "- 以连字符开头",
    "doc_title": "冒号: 后有空格",
    "content": "它说 #不是注释",
    "remarks": "第一行\n  缩进的第二行\n\n第四行",
    "licence_no": "'单引号' 和 \"双引号\"",
    "certificate_name": "true",
    "category_other": "0123",
    "valid_to": "null",
    "party": {"name": "@开头", "legal_rep": "5000.50"},
}


def test_record_yaml_reads_back_exactly(page):
    """Values YAML would misread stay the same text through the strict loader."""
    order = {"record": list(TRICKY), "party": ["name", "legal_rep"]}
    text = page.evaluate(
        "a => window.GongshiRecordYaml.dump(...a)", [{"kind": "licence", **TRICKY}, order, "# schema"]
    )
    data = load_yaml_bytes(text.encode("utf-8"), "x.yaml").data
    assert data == {"kind": "licence", **TRICKY}
    assert "certificate_name: 'true'\n" in text and "category_other: '0123'\n" in text
