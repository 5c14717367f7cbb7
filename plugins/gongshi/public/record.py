"""``PublicRecord``: the one public projection of a record. Every output (record pages and lists,
search, feeds, JSON API, CSV/XLSX/JSON downloads, dashboard) reads a record only through it.

It holds every field any output publishes, already made public:

* a natural person's name is masked (``masking.mask_person_name``) as the party name AND inside
  every free-text field; so are the party's past names (from the record's earlier versions in
  Git: a correction that renames a person must not leave the old full name in the facts);
* no identity number: not the natural person's, not the legal representative's, and any personal
  number left in a text is masked by ``core.privacy.redact`` (the last line);
* the USCC placeholder ``00000000000000000X`` is published as written, by every output: the
  national standard (domain.md §2.2) makes it the value of 行政相对人代码_1 for a 个体工商户
  without a credit code, so it is the public value of that field, not a secret and not a code
  to hide (hiding it on some outputs made them disagree).

``canonical_json`` is the record's public content as deterministic bytes (the publication ledger
hashes it): nothing in it depends on the as-of date or the build.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING

from gongshi.core.corrections import stated_nature
from gongshi.core.identifiers import uscc_problem
from gongshi.core.privacy import redact
from gongshi.core.records import (
    ACTIVE_STATUS,
    KIND_LABEL,
    NATURAL_PERSON,
    PARTY_CODE_KEYS,
    CatalogItem,
    Department,
    Record,
    parse_date,
)
from gongshi.public.masking import mask_person_name

if TYPE_CHECKING:
    from gongshi.snapshot.build import Entry

CANONICAL_FORMAT = "gongshi-public-record/1"


@dataclass(frozen=True)
class Unit:
    """A department as published: registry key, name and credit code."""

    key: str
    name: str
    uscc: str


@dataclass(frozen=True)
class Correction:
    """One ``corrections`` entry as published: its date, the reason (privacy rules applied) and the
    nature the entry states (实质/形式; "" when it states none: the canonical JSON then has no
    ``nature`` key, so the content hashes of records written before the field stay the same)."""

    date: str
    reason: str
    nature: str = ""

    def to_json(self) -> dict:
        out = {"date": self.date, "reason": self.reason}
        if self.nature:
            out["nature"] = self.nature
        return out


@dataclass(frozen=True)
class PublicRecord:
    """Everything any output publishes of one record, already public. Text fields are ``""`` when
    absent; dates are ISO strings (``""`` when absent); amounts are ``Decimal`` or None."""

    id: str
    kind: str  # licence / penalty
    doc_no: str
    item_code: str
    item_name: str
    # The party
    party_name: str  # masked for a natural person
    party_category: str
    party_codes: tuple[tuple[str, str], ...]  # (PARTY_CODE_KEYS key, value) present; none for 自然人
    legal_rep: str
    id_type: str  # natural persons only: the type of document; its number is never published
    # The decision
    decision_date: str
    authority: Unit
    source_unit: Unit
    region_code: str
    status: str
    status_date: str
    status_reason: str
    remarks: str
    corrections: tuple[Correction, ...]
    # 行政许可
    doc_title: str
    category: str  # 许可类别
    certificate_name: str
    licence_no: str
    valid_from: str
    valid_to: str  # "" = 长期
    # 行政处罚
    violation_type: str
    facts: str
    basis: str
    categories: tuple[str, ...]  # 处罚类别
    licence_affected: str
    fine_yuan: Decimal | None
    confiscation_yuan: Decimal | None
    procedure: str
    severity: str
    valid_until: str
    # Both kinds
    category_other: str
    content: str

    @property
    def kind_label(self) -> str:
        return KIND_LABEL.get(self.kind, self.kind)

    @property
    def is_natural_person(self) -> bool:
        return self.party_category == NATURAL_PERSON

    @property
    def is_active(self) -> bool:
        return self.status == ACTIVE_STATUS

    @property
    def title(self) -> str:
        """A one-line label: the licence document title or the penalty's violation type."""
        return self.doc_title if self.kind == "licence" else self.violation_type

    @property
    def validity_end(self) -> str:
        return self.valid_to if self.kind == "licence" else self.valid_until

    @property
    def org_code(self) -> str | None:
        """The 统一社会信用代码 of the party's organisation page (``outputs.orgs``): a legal person's
        or 个体工商户's valid code; None for a natural person, no code or the placeholder."""
        if self.is_natural_person:
            return None
        code = self.party_code("uscc")
        return code if code and uscc_problem(code) is None else None

    def party_code(self, key: str) -> str:
        """One of the party's codes (``PARTY_CODE_KEYS``), ``""`` when absent."""
        return dict(self.party_codes).get(key, "")

    def to_json(self) -> dict:
        """Every field as JSON values (amounts as decimal strings), keys in field order."""
        # Straight from the instance's dict (the fields, in order): every output and the ledger
        # call this for every record, and the generic loop over ``fields()`` cost 3x as much.
        d = self.__dict__
        out = {name: d[name] for name in _FIELD_NAMES}
        for name in _UNIT_FIELDS:
            u = out[name]
            out[name] = {"key": u.key, "name": u.name, "uscc": u.uscc}
        out["corrections"] = [c.to_json() for c in self.corrections]
        out["party_codes"] = dict(self.party_codes)
        out["categories"] = list(self.categories)
        for name in _AMOUNT_FIELDS:
            if (value := out[name]) is not None:
                out[name] = str(value)
        return out

    def canonical_json(self) -> bytes:
        """The record's public content as deterministic bytes: sorted keys, UTF-8, no whitespace.
        Nothing depends on the as-of date or the build (no state, no list dates): the same
        published content always gives the same bytes.

        Exactly ``json.dumps({"format": CANONICAL_FORMAT, **self.to_json()}, ensure_ascii=False,
        sort_keys=True, separators=(",", ":"))`` (``canonical_json_reference``), written from a
        template of the sorted keys: the ledger hashes one per version of every record (a cold
        build at 100,000 records), and the text fields (most of them) are escaped by one C-level
        ``map`` instead of one Python step each."""
        d = self.__dict__
        texts = _TEXT_VALUES(self)
        try:
            escaped = list(map(_json_str, texts))
        except TypeError:  # a text field that holds no str: as the encoder writes it
            escaped = list(map(_json_value, texts))
        a, s = d["authority"], d["source_unit"]
        fine, confiscation = d["fine_yuan"], d["confiscation_yuan"]
        codes = sorted(dict(d["party_codes"]).items())
        escaped += (
            _UNIT_JSON.format(_json_value(a.key), _json_value(a.name), _json_value(a.uscc)),
            ",".join(map(_json_value, d["categories"])),
            _NULL if confiscation is None else _json_str(str(confiscation)),
            ",".join(map(_correction_json, d["corrections"])),
            _NULL if fine is None else _json_str(str(fine)),
            ",".join(_json_str(k) + ":" + _json_value(v) for k, v in codes),
            _UNIT_JSON.format(_json_value(s.key), _json_value(s.name), _json_value(s.uscc)),
        )
        return _CANONICAL_TEMPLATE.format(*escaped).encode("utf-8")

    def canonical_json_reference(self) -> bytes:
        """``canonical_json`` by the JSON encoder (what it must equal; the tests compare them)."""
        doc = {"format": CANONICAL_FORMAT, **self.to_json()}
        return _CANONICAL.encode(doc).encode("utf-8")


_FIELD_NAMES = tuple(f.name for f in fields(PublicRecord))
# ``canonical_json_reference``'s encoder, made once (``json.dumps`` with options makes one per call).
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
# A string as the encoder above writes it (quotes, escapes, non-ASCII kept).
_json_str = json.encoder.encode_basestring


def _json_value(value) -> str:
    """A value as the encoder writes it: a str directly, anything else (None ...) by the encoder."""
    return _json_str(value) if type(value) is str else _CANONICAL.encode(value)


_NULL = "null"
_UNIT_JSON = '{{"key":{},"name":{},"uscc":{}}}'  # a format string: braces doubled
# The fields that are not text (units, lists, amounts, codes), in sorted key order:
# ``canonical_json`` appends their JSON in this order (the template adds the brackets and braces
# around the lists and the codes).
_SPECIAL_FIELDS = (
    "authority",
    "categories",
    "confiscation_yuan",
    "corrections",
    "fine_yuan",
    "party_codes",
    "source_unit",
)
_SPECIAL_WRAP = {"categories": ("[", "]"), "corrections": ("[", "]"), "party_codes": ("{{", "}}")}


def _canonical_template() -> tuple[str, tuple[str, ...]]:
    """The format string of ``canonical_json`` (every key in sorted order, ``format`` written in)
    and the text fields whose escaped values fill its first places, in that order; the fields of
    ``_SPECIAL_FIELDS`` fill the places after them."""
    names = sorted((*_FIELD_NAMES, "format"))
    texts = tuple(n for n in names if n != "format" and n not in _SPECIAL_FIELDS)
    if tuple(n for n in names if n in _SPECIAL_FIELDS) != _SPECIAL_FIELDS:
        raise RuntimeError("PublicRecord's fields changed: update _SPECIAL_FIELDS and canonical_json")
    parts = []
    n_text, n_special = 0, len(texts)
    for name in names:
        if name == "format":
            value = _json_str(CANONICAL_FORMAT).replace("{", "{{").replace("}", "}}")
        elif name in texts:
            value, n_text = f"{{{n_text}}}", n_text + 1
        else:
            opening, closing = _SPECIAL_WRAP.get(name, ("", ""))
            value, n_special = f"{opening}{{{n_special}}}{closing}", n_special + 1
        parts.append(f'"{name}":{value}')
    return "{{" + ",".join(parts) + "}}", texts


_CANONICAL_TEMPLATE, _TEXT_FIELDS = _canonical_template()
_TEXT_VALUES = attrgetter(*_TEXT_FIELDS)


def _correction_json(c: Correction) -> str:
    """One correction as the encoder writes it: keys date, nature (only when stated), reason."""
    nature = ',"nature":' + _json_value(c.nature) if c.nature else ""
    return '{"date":' + _json_value(c.date) + nature + ',"reason":' + _json_value(c.reason) + "}"


_UNIT_FIELDS = ("authority", "source_unit")
_AMOUNT_FIELDS = ("fine_yuan", "confiscation_yuan")


class Privacy:
    """The privacy rules of one record's texts: the names to mask (the party's current name when
    it is a natural person, and its past names), longest first, then ``redact`` when ``redacting``.
    Every text it returns is kept in ``produced`` (``project`` checks them all at once)."""

    def __init__(self, record: Record, past_names: tuple[str, ...] = (), *, redacting: bool = False):
        names = set(n.strip() for n in past_names)
        if record.is_natural_person:
            names.add(record.party_name.strip())
        # One-character names are left alone: they would mask ordinary words.
        self.names = sorted((n for n in names if len(n) > 1), key=lambda n: (-len(n), n))
        self.redacting = redacting
        self.produced: list[str] = []

    def __call__(self, value: object) -> str:
        text = "" if value is None else str(value).strip()
        if not text:
            return ""
        for name in self.names:
            if name in text:
                text = text.replace(name, mask_person_name(name))
        if self.redacting:
            text = redact(text)
        self.produced.append(text)
        return text


def _iso(value: object) -> str:
    d = parse_date(value)
    return d.isoformat() if d else ""


def _unit(key: str, dept, decided) -> Unit:
    """The department as the decision names it: its name and credit code in force on the decision
    date (a renamed or merged department's old decisions keep the name they were made under)."""
    if dept is None:
        return Unit(key, key, "")
    return Unit(key, dept.name_on(decided), dept.uscc_on(decided))


def project(
    record: Record,
    *,
    authority=None,
    source=None,
    item_name: str = "",
    region_code: str = "",
    past_names: tuple[str, ...] = (),
) -> PublicRecord:
    """The public projection of ``record``. ``authority``/``source``: the registry's departments
    (``core.records.Department``) of its authority and source unit (None: the key stands for the
    name); ``region_code``: the department's, used when the record has none; ``past_names``: the
    party names of the record's earlier versions."""
    plain = _project(record, Privacy(record, past_names), authority, source, item_name, region_code)
    # ``redact`` over all the record's texts at once (one scan instead of one per field: most
    # records hold no personal number); only when it finds one, every field is redacted.
    joined = "\x00".join(plain[1].produced)
    if redact(joined) == joined:
        return plain[0]
    text = Privacy(record, past_names, redacting=True)
    return _project(record, text, authority, source, item_name, region_code)[0]


def _project(
    record: Record, text: Privacy, authority, source, item_name: str, region_code: str
) -> tuple[PublicRecord, Privacy]:
    d = record.data
    party = record.party
    natural = record.is_natural_person
    if natural:
        party_name = mask_person_name(record.party_name)
        codes: tuple[tuple[str, str], ...] = ()
    else:
        party_name = text(record.party_name)
        codes = tuple((key, value) for key in PARTY_CODE_KEYS if (value := text(party.get(key))) != "")
    out = PublicRecord(
        id=record.id,
        kind=record.kind,
        doc_no=text(record.doc_no),
        item_code=record.item,
        item_name=item_name,
        party_name=party_name,
        party_category=record.party_category,
        party_codes=codes,
        legal_rep="" if natural else text(party.get("legal_rep")),
        id_type=text(party.get("id_type")) if natural else "",
        decision_date=_iso(d.get("decision_date")),
        authority=_unit(record.authority, authority, record.decision_date),
        source_unit=_unit(record.source_unit, source, record.decision_date),
        region_code=str(d.get("region_code") or region_code or ""),
        status=record.status,
        status_date=_iso(d.get("status_date")),
        status_reason=text(d.get("status_reason")),
        remarks=text(d.get("remarks")),
        corrections=tuple(
            Correction(
                _iso(c.get("date")) or text(c.get("date")), text(c.get("reason")), stated_nature(c) or ""
            )
            for c in record.corrections
        ),
        doc_title=text(d.get("doc_title")),
        category=text(d.get("category")) if record.kind == "licence" else "",
        certificate_name=text(d.get("certificate_name")),
        licence_no=text(d.get("licence_no")),
        valid_from=_iso(d.get("valid_from")),
        valid_to=_iso(d.get("valid_to")),
        violation_type=text(d.get("violation_type")),
        facts=text(d.get("facts")),
        basis=text(d.get("basis")),
        categories=tuple(text(c) for c in record.categories),
        licence_affected=text(d.get("licence_affected")),
        fine_yuan=record.fine_yuan,
        confiscation_yuan=record.confiscation_yuan,
        procedure=record.procedure if record.kind == "penalty" else "",
        severity=(record.severity or "") if record.kind == "penalty" else "",
        valid_until=_iso(d.get("valid_until")),
        category_other=text(d.get("category_other")),
        content=text(d.get("content")),
    )
    return out, text


def public_record(entry: Entry, departments: Mapping[str, Department], *, keep: bool = True) -> PublicRecord:
    """The projection of a snapshot entry, built once per entry and build: it is kept on the entry
    (``Entry.projection``), so every output after the first, and fork workers started after it,
    reuse it. ``departments``: the registry's (``snapshot.registry.departments``), for the name of
    a source unit other than the authority. ``keep=False``: not kept (an output that projects every
    record once, such as the ledger in a fork worker, would otherwise hold 100,000 of them)."""
    hit = entry.projection
    if hit is None:
        hit = project_as_entry(entry.record, entry.department, entry.item, entry.past_names, departments)
        if keep:
            entry.projection = hit
    return hit


def project_as_entry(
    record: Record,
    department: Department,
    item: CatalogItem | None,
    past_names: tuple[str, ...],
    departments: Mapping[str, Department],
) -> PublicRecord:
    """``public_record`` of an entry with these fields (``department``: the authority's, ``item``:
    the record's catalog item), for work that has the record before its entry exists (the
    ledger's early hashes)."""
    source = department if record.source_unit == department.key else departments.get(record.source_unit)
    return project(
        record,
        authority=department,
        source=source,
        item_name=item.name if item else "",
        region_code=department.region_code,
        past_names=past_names,
    )
