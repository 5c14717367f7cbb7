"""The on-site form (现场填报, ``tianbao/index.html``): a clerk fills one licence or penalty on a phone,
the browser checks it against the same JSON Schemas and identifier rules as ``gongshi validate``,
shows the record file and opens the forge's "new file" page with path and content filled in
(方案 §六(三): 现场许可、现场处罚信息实时传输，实现同步公示). docs/tianbao.md describes the flow.

Everything the page needs is generated here from the sources the CLI uses, so the two cannot
drift: the fields from the bundled schemas, departments and catalog items from the registry,
the sentences of the messages from ``core.identifiers.MESSAGES`` and ``check.schema_errors`` and
the key order and schema line from ``repo.yamlwrite``. The data travels inside the page as a JSON
data block (not a script the CSP would have to allow), so the form needs no further request once
loaded and works offline.

The page shows no record, only the registry (public anyway on the department pages), and never
the data repository's address: the repository is internal (issue 14: no public output links to
it). The page learns it from the fragment of the bookmark link ``bookmark_link`` makes from
``policy.yaml: forge`` (``gongshi tianbao-link``), which the platform team sends to clerks
privately; a fragment is never sent to a server and is no part of the site.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from gongshi.check import schema_errors
from gongshi.core import identifiers
from gongshi.core.records import KIND_CODE, KIND_FOLDER, KIND_LABEL
from gongshi.repo import schemas, yamlwrite
from gongshi.site.output import SiteOutput

if TYPE_CHECKING:
    from gongshi.snapshot.build import Snapshot

PAGE = "tianbao/index.html"
DATA_SCRIPT = "tianbao/form-data.js"  # the page data, as ``window.GongshiFormData``
TEMPLATE = "tianbao.html"
KINDS = ("licence", "penalty")
FORGE_KINDS = ("github", "gitea", "gitlab")
# The page's fragment: ``#forge=<kind>:<https repository address>@<branch>``; tianbao.js reads the
# same format (``parseForge``) and docs/tianbao.md documents it.
FRAGMENT_KEY = "forge"
# What policy.schema.json allows, checked again here so a link is never made of an unchecked file.
FORGE_BASE_URL = re.compile(r"^https://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~-]+)*/?$")
FORGE_REPOSITORY = re.compile(r"^/?[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)+/?$")
FORGE_BRANCH = re.compile(r"^[A-Za-z0-9._/-]+$")
# Keys a clerk does not fill on site: fixed by the form (kind), set later by an edit of the file
# (status, corrections, disclosure), defaulted from the registry (region_code, source_unit), or
# written only by tools that hold the credit office's keys (the sealed ID numbers).
SKIPPED = frozenset(
    {
        "kind",
        "source_unit",
        "region_code",
        "status",
        "status_date",
        "status_reason",
        "disclosure",
        "corrections",
        "party.legal_rep_id_no_sealed",
        "party.id_no_sealed",
        "party.tax_reg_no",
        "party.institution_cert_no",
        "party.social_org_reg_no",
    }
)
# Party fields shown only for one kind of party (the schema's if/then rules say the same; the form
# hides the others so they are never filled by mistake).
PARTY_ORGANISATION = ("uscc", "business_reg_no", "org_code", "legal_rep", "legal_rep_id_type")
PARTY_PERSON = ("id_type", "id_no_masked")
LONG_TEXT = 500  # a string field allowing more characters than this is a textarea


@dataclass(frozen=True)
class FormField:
    """One input of the form: ``name`` is the record key path (``party.name``)."""

    name: str
    title: str
    description: str
    widget: str  # text, textarea, date, select, checkboxes, combo (a list of choices or free text)
    required: bool
    options: tuple[str, ...] = ()
    max_length: int | None = None
    group: str = ""  # "party" for the party's fields, "organisation"/"person" for those shown by category

    @property
    def dom_id(self) -> str:
        return "f-" + self.name.replace(".", "-").replace("_", "-")


def without_sealed(node):
    """``node`` without the definitions of the sealed ID fields: the form never fills them, and the
    public page should not even describe them."""
    if isinstance(node, dict):
        return {k: without_sealed(v) for k, v in node.items() if not k.endswith("_sealed")}
    if isinstance(node, list):
        return [without_sealed(v) for v in node]
    return node


def flat_schema(schema: dict) -> dict:
    """``schema`` with the keywords of its ``allOf`` members merged in (own keywords win), as a
    bundled property with an inlined ``$ref`` reads."""
    out: dict = {}
    for sub in schema.get("allOf", ()):
        if isinstance(sub, dict) and "if" not in sub:
            for k, v in flat_schema(sub).items():
                out.setdefault(k, v)
    merged = {k: v for k, v in schema.items() if k != "allOf"}
    merged.update({k: v for k, v in out.items() if k not in merged})
    return merged


def _required(schema: dict) -> list[str]:
    """Always-required keys: ``required`` and those of unconditional ``allOf`` members, plus the
    ``else`` branch of a rule (a new record is never the exception, e.g. a 国家秘密 stub)."""
    req = list(schema.get("required") or [])
    for sub in schema.get("allOf", ()):
        if not isinstance(sub, dict):
            continue
        branch = sub.get("else") if "if" in sub else sub
        if isinstance(branch, dict):
            req += [r for r in _required(branch) if r not in req]
    return req


def _widget(prop: dict) -> tuple[str, tuple[str, ...]]:
    if prop.get("type") == "array":
        items = flat_schema(prop.get("items") or {})
        return "checkboxes", tuple(items.get("enum") or ())
    if "enum" in prop:
        return "select", tuple(prop["enum"])
    for sub in prop.get("anyOf", ()):  # a code list or free text of a pattern (证件类型: 其他-…)
        if isinstance(sub, dict) and "enum" in sub:
            return "combo", tuple(sub["enum"])
    if prop.get("format") == "date":
        return "date", ()
    if (prop.get("maxLength") or 0) > LONG_TEXT:
        return "textarea", ()
    return "text", ()


def _field(name: str, prop: dict, required: bool, group: str) -> FormField:
    flat = flat_schema(prop)
    widget, options = _widget(flat)
    return FormField(
        name=name,
        title=str(prop.get("title") or flat.get("title") or name),
        description=str(prop.get("description") or flat.get("description") or ""),
        widget=widget,
        required=required,
        options=options,
        max_length=flat.get("maxLength"),
        group=group,
    )


def form_fields(kind: str) -> list[FormField]:
    """The inputs of the form of ``kind``, in the order of the record file."""
    schema = schemas.bundled(kind)
    props = flat_schema(schema).get("properties", {})
    required = set(_required(schema))
    order = yamlwrite.key_order(kind)
    keys = [k for k in order["record"] if k in props] + [k for k in props if k not in order["record"]]
    out: list[FormField] = []
    for key in keys:
        if key in SKIPPED:
            continue
        if key != "party":
            out.append(_field(key, props[key], key in required, ""))
            continue
        party = flat_schema(props["party"])
        party_props = party.get("properties", {})
        party_required = set(_required(props["party"])) | set(party.get("required") or ())
        party_keys = [k for k in order["party"] if k in party_props]
        for pkey in party_keys + [k for k in party_props if k not in party_keys]:
            name = f"party.{pkey}"
            if name in SKIPPED:
                continue
            group = "party"
            if pkey in PARTY_ORGANISATION:
                group = "organisation"
            elif pkey in PARTY_PERSON:
                group = "person"
            out.append(_field(name, party_props[pkey], pkey in party_required, group))
    return out


class ForgeSettingError(ValueError):
    """``policy.yaml: forge`` cannot make a bookmark link; the message is Chinese and names the field."""


def forge_fragment(policy: dict) -> str:
    """``forge=<kind>:<https repository address>@<branch>`` from ``policy.yaml: forge``, the part of
    the bookmark link after ``#`` (percent-encoded where a fragment needs it)."""
    forge = policy.get("forge")
    where = "data/policy.yaml 的 forge"
    if not isinstance(forge, dict):
        raise ForgeSettingError(
            f"{where} 没有设置：请先写上 kind、base_url、repository 和 branch（见 docs/tianbao.md）。"
        )
    kind = str(forge.get("kind", ""))
    base_url = str(forge.get("base_url", ""))
    repository = str(forge.get("repository", ""))
    branch = str(forge.get("branch", ""))
    if kind not in FORGE_KINDS:
        raise ForgeSettingError(f"{where}.kind 应为 {'、'.join(FORGE_KINDS)} 之一，现在是 “{kind}”。")
    if not FORGE_BASE_URL.match(base_url):
        raise ForgeSettingError(
            f"{where}.base_url 应为 https 开头的平台地址，例如 https://git.example.gov.cn，"
            f"现在是 “{base_url}”。"
        )
    if not FORGE_REPOSITORY.match(repository):
        raise ForgeSettingError(
            f"{where}.repository 应写成“所有者/名称”，例如 zhonglou/gongshi-data，现在是 “{repository}”。"
        )
    if not FORGE_BRANCH.match(branch) or ".." in branch or branch.startswith(("/", "-")):
        raise ForgeSettingError(f"{where}.branch 应为分支名，例如 main，现在是 “{branch}”。")
    address = base_url.rstrip("/") + "/" + repository.strip("/")
    return f"{FRAGMENT_KEY}=" + quote(f"{kind}:{address}@{branch}", safe=":/@-._~")


def bookmark_link(site_url: str, policy: dict) -> str:
    """The address of the form with the forge in its fragment, for clerks (sent privately)."""
    return f"{site_url.rstrip('/')}/{PAGE.removesuffix('index.html')}#{forge_fragment(policy)}"


def form_data(snapshot: Snapshot) -> dict:
    """The page data: everything the browser needs to check a record and write its file."""
    reg = snapshot.registry
    day = snapshot.as_of
    departments = [
        {"key": key, "name": snapshot.department_name_on(key, day)}
        for key, dept in sorted(reg.departments.items())
        if dept.in_force(day)
    ]
    catalog = {
        dept: [
            {"code": item.code, "name": item.name, "kind": item.kind}
            for item in sorted(items, key=lambda i: i.code)
            if item.in_force(day)
        ]
        for dept, items in sorted(reg.catalog_by_dept.items())
    }
    return {
        "kinds": {
            kind: {
                "label": KIND_LABEL[kind],
                "code": KIND_CODE[kind],
                "folder": KIND_FOLDER[kind],
                "schema_line": yamlwrite.schema_line(kind),
                "key_order": {k: list(v) for k, v in yamlwrite.key_order(kind).items()},
                "schema": without_sealed(schemas.bundled(kind)),
                "texts": {k: v for k, v in schema_errors.field_texts(kind).items() if "_sealed" not in k},
            }
            for kind in KINDS
        },
        "departments": departments,
        "catalog": catalog,
        **message_tables(),
        "today": day.isoformat(),
    }


def message_tables() -> dict:
    """The CLI's sentences and the constants of its identifier checks, for the browser."""
    return {
        "frames": schema_errors.FRAMES,
        "show_limit": schema_errors.SHOW_LIMIT,
        "identifier_formats": schema_errors.IDENTIFIER_FORMAT_CODES,
        "identifiers": {
            "messages": identifiers.MESSAGES,
            "uscc_alphabet": identifiers.USCC_ALPHABET,
            "uscc_weights": identifiers.USCC_WEIGHTS,
            "uscc_placeholder": identifiers.USCC_PLACEHOLDER,
            "uscc_example": identifiers.USCC_EXAMPLE,
            "uscc_departments": sorted(identifiers.USCC_DEPARTMENTS),
            "org_weights": identifiers.ORG_CODE_WEIGHTS,
            "org_example": identifiers.ORG_CODE_EXAMPLE,
            "brn_example": identifiers.BUSINESS_REG_NO_EXAMPLE,
            "masked_example": identifiers.MASKED_ID_EXAMPLE,
            "id_card": identifiers.ID_CARD,
        },
    }


def page_json(data: dict) -> str:
    """``data`` as JSON that stays inert wherever it is embedded: ``<``, ``>`` and ``&`` escaped, so
    no value can end a script block or open a tag."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def write_extra(snapshot: Snapshot, out_dir: Path, site: SiteOutput) -> dict:
    """Site hook (``outputs.registry.OUTPUTS``): render the form page with its data."""
    data = form_data(snapshot)
    forms = {kind: form_fields(kind) for kind in KINDS}
    site.write(DATA_SCRIPT, f"window.GongshiFormData = {page_json(data)};\n".encode())
    site.render(
        TEMPLATE,
        PAGE,
        title="现场填报",
        forms=forms,
        kinds=data["kinds"],
        departments=data["departments"],
        catalog=data["catalog"],
        in_sitemap=False,
    )
    return {"fields": sum(len(f) for f in forms.values())}
