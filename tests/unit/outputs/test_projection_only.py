"""The public projection is the only reader of a record's content (issue 14).

Every output (``outputs/``, ``sitewrite.py``, the theme's templates) reads what it publishes of a
record through ``public.record.PublicRecord``. This test reads their source (AST for Python, text
for templates) and fails on:

* any ``.data`` access (``record.data``, ``.data[...]``, ``.data.get(...)``);
* a text-carrying ``Record`` field read from a record: ``<x>.record.<field>``, or ``<name>.<field>``
  where ``<name>`` was bound from ``<x>.record`` or is annotated ``Record``.

Non-text metadata stays readable from the record (id, kind, folder, department key, dates,
status, category of the party...): it is the same in the projection and reading it does not
unpack a cached record (see ``NON_TEXT``). The allow-list below is the documented exception.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "plugins" / "gongshi"
TEMPLATES = ROOT / "theme" / "templates"

# Record fields that carry free text or codes an output could publish: read them from the projection.
TEXT_FIELDS = frozenset(
    {
        "data",
        "lines",
        "doc_no",
        "party",
        "party_name",
        "uscc",
        "status_reason",
        "corrections",
        "title",
        "categories",
        "disclosure",
        "withheld_reason",
    }
)
# For reference: what may be read from a record directly (not text, or the same in the projection).
NON_TEXT = frozenset(
    {
        "id",
        "path",
        "dept",
        "folder_kind",
        "folder_year",
        "blob_sha",
        "kind",
        "kind_label",
        "item",
        "authority",
        "source_unit",
        "status",
        "status_date",
        "decision_date",
        "party_category",
        "is_natural_person",
        "is_public",
        "valid_to",
        "valid_until",
        "validity_end",
        "procedure",
        "severity",
        "fine_yuan",
        "confiscation_yuan",
    }
)
# (module relative to plugins/gongshi, field) -> why it may read it. Keep this short.
ALLOWED = {
    ("outputs/stats.py", "data"): "completeness counts: whether an optional field is filled, never its text",
    ("outputs/stats.py", "party"): "completeness counts of the party's optional codes, never their values",
    ("outputs/required_fields.py", "data"): "completeness: whether a required field is filled, not its text",
    ("outputs/required_fields.py", "party"): "completeness: whether the party's required fields are filled",
    ("outputs/required_fields.py", "categories"): "which conditional fields a penalty's categories require",
    ("outputs/stats.py", "corrections"): "counts corrections per month (dates only); no reason leaves",
    ("outputs/stats.py", "withheld_reason"): "counts withheld records per reason (a closed list)",
    ("outputs/ledger.py", "party_name"): "earlier versions' names, collected only for the projection to mask",
}


def python_modules() -> list[Path]:
    return [*sorted((PACKAGE / "outputs").rglob("*.py")), PACKAGE / "sitewrite.py"]


def _is_record_expr(node: ast.AST, record_names: set[str]) -> bool:
    if isinstance(node, ast.Attribute) and node.attr == "record":
        return True
    return isinstance(node, ast.Name) and node.id in record_names


def _record_names(tree: ast.AST) -> set[str]:
    """Names bound from ``<x>.record`` (also in tuple assignments) or annotated ``Record``."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            pairs = []
            for target in node.targets:
                if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    pairs += list(zip(target.elts, node.value.elts, strict=False))
                else:
                    pairs.append((target, node.value))
            for target, value in pairs:
                if (
                    isinstance(target, ast.Name)
                    and isinstance(value, ast.Attribute)
                    and value.attr == "record"
                ):
                    names.add(target.id)
        elif (
            isinstance(node, ast.arg)
            and node.annotation is not None
            and "Record" in ast.unparse(node.annotation).replace("PublicRecord", "")
        ):
            names.add(node.arg)
    return names


def violations_in_python(source: str, rel: str) -> list[str]:
    tree = ast.parse(source)
    record_names = _record_names(tree)
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        hit = node.attr == "data" or (node.attr in TEXT_FIELDS and _is_record_expr(node.value, record_names))
        if hit and (rel, node.attr) not in ALLOWED:
            out.append(f"{rel}:{node.lineno}: {ast.unparse(node)}")
    return out


TEMPLATE_RE = re.compile(r"\brecord\.\w+|\.data\b|\bdata\[")


def violations_in_template(text: str, rel: str) -> list[str]:
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        for tag in re.findall(r"\{[{%].*?[%}]\}", line):
            for m in TEMPLATE_RE.finditer(tag):
                out.append(f"{rel}:{n}: {m.group(0)}")
    return out


def test_outputs_read_records_only_through_the_projection():
    found = []
    for path in python_modules():
        rel = path.relative_to(PACKAGE).as_posix()
        found += violations_in_python(path.read_text(encoding="utf-8"), rel)
    assert not found, "read the record through public.record.PublicRecord:\n" + "\n".join(found)


def test_templates_never_see_a_record():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")) + sorted(TEMPLATES.rglob("*.xml")):
        found += violations_in_template(path.read_text(encoding="utf-8"), path.name)
    assert not found, "\n".join(found)


def test_the_scan_covers_every_output():
    rels = {p.relative_to(PACKAGE).as_posix() for p in python_modules()}
    for rel in ("outputs/exports.py", "outputs/jsonapi.py", "outputs/feeds.py", "outputs/html/pages.py",
                "outputs/search/pieces.py", "outputs/dashboard.py", "sitewrite.py"):  # fmt: skip
        assert rel in rels
    assert not TEXT_FIELDS & NON_TEXT
    for rel, _field in ALLOWED:
        assert (PACKAGE / rel).is_file(), rel


@pytest.mark.parametrize(
    "snippet",
    [
        "def f(e):\n    return e.record.data.get('facts')\n",
        "def f(e):\n    r = e.record\n    return r.doc_no\n",
        "def f(e):\n    r, t = e.record, e.timeline\n    return r.party_name\n",
        "def f(r: Record):\n    return r.corrections\n",
        "def f(e):\n    return e.record.status_reason\n",
        "def f(x):\n    return x.data['facts']\n",
    ],
)
def test_the_checker_catches_direct_reads(snippet):
    assert violations_in_python(snippet, "outputs/x.py")


@pytest.mark.parametrize(
    "snippet",
    [
        "def f(e, departments):\n    pr = public_record(e, departments)\n    return pr.doc_no, pr.facts\n",
        "def f(e):\n    r = e.record\n    return r.id, r.kind, r.folder_year, r.authority\n",
        "def f(pr: PublicRecord):\n    return pr.corrections\n",
    ],
)
def test_the_checker_allows_the_projection_and_metadata(snippet):
    assert violations_in_python(snippet, "outputs/x.py") == []


def test_the_template_check_catches_a_record():
    assert violations_in_template("<p>{{ record.data.facts }}</p>", "x.html")
    assert violations_in_template("<p>{{ h.detail }}</p>", "x.html") == []
