"""The on-site form's page data (outputs/tianbao): generated from the schemas, the registry and the
CLI's own message tables, so the form cannot drift from `gongshi validate`. The page itself is
tested in Chromium (tests/browser/test_tianbao_browser.py)."""

from __future__ import annotations

import json

import pytest
from gongshi.check import schema_errors
from gongshi.core import identifiers
from gongshi.outputs import tianbao
from gongshi.repo import schemas
from gongshi.repo.files import load_registry

from tests.support.golden_site import CODE_ROOT

FORGE = {
    "kind": "gitlab",
    "base_url": "https://git.example.gov.cn/",
    "repository": "zl/data/",
    "branch": "main",
}


@pytest.mark.parametrize("kind", tianbao.KINDS)
def test_every_schema_field_is_in_the_form_or_skipped_on_purpose(kind):
    props = schemas.bundled(kind)["properties"]
    party = tianbao.flat_schema(props["party"])["properties"]
    names = {f.name for f in tianbao.form_fields(kind)}
    expected = {k for k in props if k != "party"} | {f"party.{k}" for k in party}
    assert names == expected - tianbao.SKIPPED
    assert not any(n.endswith("_sealed") for n in names)  # full ID numbers never pass through a phone


@pytest.mark.parametrize("kind", tianbao.KINDS)
def test_required_fields_and_widgets_come_from_the_schema(kind):
    fields = {f.name: f for f in tianbao.form_fields(kind)}
    for name in ("doc_no", "item", "authority", "decision_date", "party.name", "party.category", "content"):
        assert fields[name].required, name
    assert not fields["remarks"].required and fields["remarks"].widget == "textarea"
    assert fields["decision_date"].widget == "date"
    assert fields["party.category"].widget == "select"
    assert fields["party.category"].options == ("法人及非法人组织", "自然人", "个体工商户")
    assert fields["party.id_type"].widget == "combo" and "身份证" in fields["party.id_type"].options
    assert fields["party.uscc"].group == "organisation" and fields["party.id_no_masked"].group == "person"
    if kind == "penalty":
        assert fields["categories"].widget == "checkboxes" and "罚款" in fields["categories"].options


def test_page_json_cannot_end_its_data_block():
    text = tianbao.page_json({"x": "</script><script>alert(1)</script> & more"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"x": "</script><script>alert(1)</script> & more"}


def test_the_page_data_names_no_forge():
    """The repository is internal: the page learns it from its bookmark link, never from the build."""
    assert "forge" not in tianbao.message_tables()
    assert not hasattr(tianbao, "forge_settings")


def test_forge_fragment_and_bookmark_link():
    policy = {"forge": FORGE}
    assert tianbao.forge_fragment(policy) == "forge=gitlab:https://git.example.gov.cn/zl/data@main"
    assert tianbao.bookmark_link("https://example.gov.cn/gongshi/", policy) == (
        "https://example.gov.cn/gongshi/tianbao/#forge=gitlab:https://git.example.gov.cn/zl/data@main"
    )
    github = {"kind": "github", "base_url": "https://github.com", "repository": "o/r", "branch": "feat/x"}
    assert tianbao.forge_fragment({"forge": github}) == "forge=github:https://github.com/o/r@feat/x"


@pytest.mark.parametrize(
    ("forge", "words"),
    [
        (None, "没有设置"),
        ({**FORGE, "kind": "svn"}, "forge.kind"),
        ({**FORGE, "base_url": "http://git.example.gov.cn"}, "https"),
        ({**FORGE, "base_url": "javascript:alert(1)//"}, "forge.base_url"),
        ({**FORGE, "repository": "data"}, "所有者/名称"),
        ({**FORGE, "branch": "../main"}, "forge.branch"),
        ({**FORGE, "branch": "main branch"}, "forge.branch"),
    ],
)
def test_forge_fragment_refuses_a_bad_setting_in_chinese(forge, words):
    with pytest.raises(tianbao.ForgeSettingError, match=r"data/policy\.yaml") as exc:
        tianbao.forge_fragment({} if forge is None else {"forge": forge})
    assert words in str(exc.value)


def test_policy_schema_accepts_a_forge_and_refuses_plain_http():
    validator = schemas.validator("policy")
    base = {k: v for k, v in json.loads(json.dumps(_sample_policy())).items() if k != "forge"}
    ok = {**base, "forge": {**FORGE, "base_url": "https://git.example.gov.cn", "repository": "zl/data"}}
    assert list(validator.iter_errors(ok)) == []
    bad = {**ok, "forge": {**ok["forge"], "base_url": "http://git.example.gov.cn"}}
    assert [e.validator for e in validator.iter_errors(bad)] == ["pattern"]


def _sample_policy() -> dict:
    return load_registry(CODE_ROOT).policy


def test_messages_are_the_clis_tables():
    """The sentences travel as data: the same objects the CLI formats its messages with."""
    tables = tianbao.message_tables()
    assert tables["identifiers"]["messages"] is identifiers.MESSAGES
    assert tables["frames"] is schema_errors.FRAMES
    assert tables["identifier_formats"] is schema_errors.IDENTIFIER_FORMAT_CODES
    texts = schema_errors.field_texts("licence")
    assert texts["$.party.uscc"]["label"] == schema_errors.field_label("licence", "$.party.uscc")
    label = texts["$.party.uscc"]["label"]
    assert label.startswith("“统一社会信用代码") and label.endswith("（uscc）")
    assert texts["$.doc_no"]["hint"].endswith("。")
    assert set(schema_errors.FRAMES) >= {"required", "required_rule", "pattern", "identifier", "max_length"}
    assert {"empty", "empty_required"} <= set(schema_errors.FRAMES)
