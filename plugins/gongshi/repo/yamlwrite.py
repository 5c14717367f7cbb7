"""Writing record files: the schema comment line, key order, and YAML that reads back exactly.

The strict loader reads every scalar as a string, so any plain scalar would do for gongshi. Editors
(the YAML extension of VS Code) read YAML 1.2 though, where ``5000`` is a number and ``true`` a
boolean; a string field holding such text is quoted so the editor's schema check agrees with ours.
"""

from __future__ import annotations

import re

import yaml

from gongshi.core.records import KIND_FOLDER, PARTY_CODE_KEYS

# data/records/<dept>/<folder>/<YYYY>/<id>.yaml → five levels below the repository root.
SCHEMA_PREFIX = "../../../../../schemas"

_HEAD = ("kind", "doc_no", "item", "party", "decision_date", "authority", "source_unit", "region_code")
_TAIL = ("status", "status_date", "status_reason", "disclosure", "corrections", "remarks")
_KIND_KEYS = {
    "licence": (
        "doc_title",
        "category",
        "category_other",
        "certificate_name",
        "licence_no",
        "content",
        "valid_from",
        "valid_to",
    ),
    "penalty": (
        "violation_type",
        "facts",
        "basis",
        "categories",
        "category_other",
        "content",
        "fine_yuan",
        "confiscation_yuan",
        "licence_affected",
        "procedure",
        "severity",
        "valid_until",
    ),
}
_PARTY_KEYS = (
    "name",
    "category",
    *PARTY_CODE_KEYS,
    "legal_rep",
    "legal_rep_id_type",
    "legal_rep_id_no_sealed",
    "id_type",
    "id_no_masked",
    "id_no_sealed",
)


def schema_line(kind: str) -> str:
    return f"# yaml-language-server: $schema={SCHEMA_PREFIX}/{kind}.schema.json"


def record_relpath(dept: str, kind: str, year: int | str, record_id: str) -> str:
    return f"data/records/{dept}/{KIND_FOLDER[kind]}/{year}/{record_id}.yaml"


class _Dumper(
    yaml.emitter.Emitter,
    yaml.serializer.Serializer,
    yaml.representer.SafeRepresenter,
    yaml.resolver.BaseResolver,
):
    """Safe dumping whose resolver knows only YAML 1.2 core scalars (so ``2026-03-05`` stays plain)."""

    def __init__(self, stream, **kw):
        yaml.emitter.Emitter.__init__(
            self, stream, canonical=False, indent=2, width=10_000, allow_unicode=True, line_break="\n"
        )
        yaml.serializer.Serializer.__init__(self, explicit_start=False, explicit_end=False)
        yaml.representer.SafeRepresenter.__init__(
            self, default_style=None, default_flow_style=False, sort_keys=False
        )
        yaml.resolver.BaseResolver.__init__(self)

    def increase_indent(self, flow=False, indentless=False):
        # List items indented under their key, as people write them by hand.
        return super().increase_indent(flow, False)


_Dumper.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Dumper.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_Dumper.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_Dumper.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$"
    ),
    list("-+.0123456789"),
)


def _represent_str(dumper: _Dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def _ordered(data: dict, order: tuple[str, ...]) -> dict:
    out = {k: data[k] for k in order if k in data}
    out.update({k: v for k, v in data.items() if k not in out})
    return out


def dump_record(data: dict) -> str:
    """The text of a record file for ``data`` (strings, lists, dicts, booleans), schema line first."""
    kind = data["kind"]
    body = _ordered(data, _HEAD + _KIND_KEYS[kind] + _TAIL)
    if isinstance(body.get("party"), dict):
        body["party"] = _ordered(body["party"], _PARTY_KEYS)
    text = yaml.dump(body, Dumper=_Dumper)
    return f"{schema_line(kind)}\n{text}"


def key_order(kind: str) -> dict[str, tuple[str, ...]]:
    """The order ``dump_record`` writes the keys of a ``kind`` record in (``record``) and of its
    party (``party``); keys not listed follow in their own order. For writers outside Python (the
    on-site form's page data)."""
    return {"record": _HEAD + _KIND_KEYS[kind] + _TAIL, "party": _PARTY_KEYS}
