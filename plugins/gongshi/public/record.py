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
from functools import cached_property
from operator import attrgetter
from typing import TYPE_CHECKING

from gongshi.core.corrections import stated_nature
from gongshi.core.identifiers import uscc_problem
from gongshi.core.privacy import TEXT_SEPARATOR, redact
from gongshi.core.records import (
    ACTIVE_STATUS,
    KIND_LABEL,
    NATURAL_PERSON,
    PARTY_CODE_KEYS,
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

    @cached_property
    def canonical(self) -> str:
        """The unit as ``PublicRecord.canonical_json`` writes it (a department's unit is shared by
        its records: written once)."""
        return _UNIT_JSON.format(_json_value(self.key), _json_value(self.name), _json_value(self.uscc))


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
            a.canonical,
            ",".join(map(_json_value, d["categories"])),
            _NULL if confiscation is None else _json_str(str(confiscation)),
            ",".join(map(_correction_json, d["corrections"])),
            _NULL if fine is None else _json_str(str(fine)),
            ",".join(_json_str(k) + ":" + _json_value(v) for k, v in codes),
            s.canonical,
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


# The free-text fields ``project`` passes through the privacy rules, in the order of its first
# texts (``_texts``); the party's codes, its categories and its corrections follow them.
_FREE_TEXTS = (
    "doc_no",
    "party_name",  # the organisation's; a natural person's is masked as a whole
    "legal_rep",
    "id_type",
    "status_reason",
    "remarks",
    "doc_title",
    "category",
    "certificate_name",
    "licence_no",
    "violation_type",
    "facts",
    "basis",
    "licence_affected",
    "category_other",
    "content",
)
_N_FREE = len(_FREE_TEXTS)


def person_names(record: Record, past_names: tuple[str, ...] = (), natural: bool | None = None) -> list[str]:
    """The names the projection masks in every text of ``record``: the party's name when it is a
    natural person and its past names, longest first. One-character names are left alone: they
    would mask ordinary words. ``natural``: ``record.is_natural_person`` when the caller has it."""
    if natural is None:
        natural = record.is_natural_person
    if not past_names and not natural:
        return []  # most records: an organisation that was never a person
    names = {n.strip() for n in past_names}
    if natural:
        names.add(record.party_name.strip())
    return sorted((n for n in names if len(n) > 1), key=lambda n: (-len(n), n))


def public_texts(texts: list[str], names: list[str]) -> list[str]:
    """``texts`` made public: every name of ``names`` (longest first) masked, then every personal
    number (``redact``). All texts in one pass over their join: most records hold neither, and
    one scan of one string costs a fraction of one per field."""
    joined = TEXT_SEPARATOR.join(texts)
    if joined.count(TEXT_SEPARATOR) != len(texts) - 1 or any(TEXT_SEPARATOR in n for n in names):
        # A text or name holding the separator (an old version no rule checked): one by one.
        return [_public_text(t, names) for t in texts]
    public = _public_text(joined, names)
    if public is joined:  # nothing masked (most records): the texts themselves, not copies
        return texts
    # The unchanged texts kept as they are: the projections the build keeps share them with the
    # records (tens of MB at 100,000 records).
    return [t if t == p else p for t, p in zip(texts, public.split(TEXT_SEPARATOR), strict=True)]


def _public_text(text: str, names: list[str]) -> str:
    """``text`` with the names masked and the numbers redacted; ``text`` itself when neither."""
    for name in names:
        if name in text:
            text = text.replace(name, mask_person_name(name))
    return redact(text)


def _iso(value: object) -> str:
    """A date field as published: ISO, ``""`` when absent or not a date (``parse_date``). Five per
    projection; a record's dates come as strings (the validation cache keeps them so) of a few
    thousand distinct days, each parsed once."""
    if value is None:
        return ""
    if type(value) is str:
        hit = _ISO_SEEN.get(value)
        if hit is None:
            d = parse_date(value)
            hit = d.isoformat() if d else ""
            if len(_ISO_SEEN) >= 65536:  # a long-lived process that saw many odd strings
                _ISO_SEEN.clear()
            _ISO_SEEN[value] = hit
        return hit
    d = parse_date(value)
    return d.isoformat() if d else ""


_ISO_SEEN: dict[str, str] = {}  # ``_iso`` of the strings seen (a pure function of the string)


def _unit(key: str, dept, decided) -> Unit:
    """The department as the decision names it: its name and credit code in force on the decision
    date (a renamed or merged department's old decisions keep the name they were made under)."""
    if dept is None:
        return Unit(key, key, "")
    if dept.former_names:
        name, uscc = dept.name_on(decided), dept.uscc_on(decided)
    else:
        name, uscc = dept.name, dept.uscc
    # One Unit per value, shared by the records (it is immutable; its canonical JSON is written
    # once): a handful of departments and names.
    unit = _UNITS.get((key, name, uscc))
    if unit is None:
        if len(_UNITS) > 4096:  # a long-lived process that loaded many registries
            _UNITS.clear()
        unit = _UNITS[(key, name, uscc)] = Unit(key, name, uscc)
    return unit


_UNITS: dict[tuple[str, str, str], Unit] = {}


def _texts(record: Record, natural: bool, categories: list[str], corrections: list[dict]) -> list[str]:
    """The raw free texts of ``record`` (stripped; ``""`` when absent) that ``project`` makes
    public: ``_FREE_TEXTS``, then the party's codes (not for a natural person), the categories
    and each correction's date and reason."""
    d = record.data
    party = record.party
    licence = record.kind == "licence"
    values = [
        # As the record reads them (a null is "None"): the content hashes of old versions in the
        # ledger must not change with the code.
        record.doc_no,
        None if natural else record.party_name,
        None if natural else party.get("legal_rep"),
        party.get("id_type") if natural else None,
        d.get("status_reason"),
        d.get("remarks"),
        d.get("doc_title"),
        d.get("category") if licence else None,
        d.get("certificate_name"),
        d.get("licence_no"),
        d.get("violation_type"),
        d.get("facts"),
        d.get("basis"),
        d.get("licence_affected"),
        d.get("category_other"),
        d.get("content"),
    ]
    if not natural:
        values += [party.get(key) for key in PARTY_CODE_KEYS]
    values += categories
    for c in corrections:
        values += (c.get("date"), c.get("reason"))
    return ["" if v is None else (v if type(v) is str else str(v)).strip() for v in values]


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
    d = record.data
    natural = record.is_natural_person
    kind = record.kind
    categories, corrections = record.categories, record.corrections
    texts = public_texts(
        _texts(record, natural, categories, corrections), person_names(record, past_names, natural)
    )
    (
        doc_no,
        party_name,
        legal_rep,
        id_type,
        status_reason,
        remarks,
        doc_title,
        category,
        certificate_name,
        licence_no,
        violation_type,
        facts,
        basis,
        licence_affected,
        category_other,
        content,
    ) = texts[:_N_FREE]
    at = _N_FREE
    codes: tuple[tuple[str, str], ...] = ()
    if natural:
        party_name = mask_person_name(record.party_name)
    else:
        given = texts[at : at + len(PARTY_CODE_KEYS)]
        codes = tuple((k, v) for k, v in zip(PARTY_CODE_KEYS, given, strict=True) if v)
        at += len(PARTY_CODE_KEYS)
    public_categories = tuple(texts[at : at + len(categories)])
    at += len(categories)
    public_corrections = []
    for c in corrections:
        date_text, reason = texts[at], texts[at + 1]
        at += 2
        public_corrections.append(
            Correction(_iso(c.get("date")) or date_text, reason, stated_nature(c) or "")
        )
    decided = record.decision_date
    penalty = kind == "penalty"
    return _public_record(
        id=record.id,
        kind=kind,
        doc_no=doc_no,
        item_code=record.item,
        item_name=item_name,
        party_name=party_name,
        party_category=record.party_category,
        party_codes=codes,
        legal_rep=legal_rep,
        id_type=id_type,
        decision_date=_iso(d.get("decision_date")),
        authority=_unit(record.authority, authority, decided),
        source_unit=_unit(record.source_unit, source, decided),
        region_code=str(d.get("region_code") or region_code or ""),
        status=record.status,
        status_date=_iso(d.get("status_date")),
        status_reason=status_reason,
        remarks=remarks,
        corrections=tuple(public_corrections),
        doc_title=doc_title,
        category=category,
        certificate_name=certificate_name,
        licence_no=licence_no,
        valid_from=_iso(d.get("valid_from")),
        valid_to=_iso(d.get("valid_to")),
        violation_type=violation_type,
        facts=facts,
        basis=basis,
        categories=public_categories,
        licence_affected=licence_affected,
        fine_yuan=record.fine_yuan,
        confiscation_yuan=record.confiscation_yuan,
        procedure=record.procedure if penalty else "",
        severity=(record.severity or "") if penalty else "",
        valid_until=_iso(d.get("valid_until")),
        category_other=category_other,
        content=content,
    )


def _public_record(**values) -> PublicRecord:
    """``PublicRecord(**values)`` without the frozen dataclass's ``__init__``, which sets each of
    its 37 fields through ``object.__setattr__`` (5.0 µs against 2.1 µs: 0.15 s per 50,000
    projections, which the parent of a cold build and the ledger's early work each make)."""
    if values.keys() != _FIELD_SET:
        raise TypeError(f"PublicRecord fields: {sorted(values.keys() ^ _FIELD_SET)}")
    made = object.__new__(PublicRecord)
    object.__setattr__(made, "__dict__", values)
    return made


_FIELD_SET = frozenset(_FIELD_NAMES)


def public_record(entry: Entry, departments: Mapping[str, Department], *, keep: bool = True) -> PublicRecord:
    """The projection of a snapshot entry, built once per entry and build: it is kept on the entry
    (``Entry.projection``), so every output after the first, and fork workers started after it,
    reuse it. ``departments``: the registry's (``snapshot.registry.departments``), for the name of
    a source unit other than the authority. ``keep=False``: not kept (an output that projects every
    record once, such as the ledger in a fork worker, would otherwise hold 100,000 of them)."""
    hit = entry.projection
    if hit is None:
        r = entry.record
        dept = entry.department
        source = dept if r.source_unit == dept.key else departments.get(r.source_unit)
        hit = project(
            r,
            authority=dept,
            source=source,
            item_name=entry.item.name if entry.item else "",
            region_code=dept.region_code,
            past_names=entry.past_names,
        )
        if keep:
            entry.projection = hit
    return hit
