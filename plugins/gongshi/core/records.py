"""Typed views of the data repository: departments, catalog items and decision records.

A record keeps its loaded document (``data``, strings and coerced booleans/numbers as the schema
says) and exposes the fields every part of the system needs as typed properties. Code that needs a
rarer field reads ``record.data`` directly; the schema is the authority on what can be there.
"""

from __future__ import annotations

import io
import marshal
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

KINDS = ("licence", "penalty")
KIND_FOLDER = {"licence": "licences", "penalty": "penalties"}
FOLDER_KIND = {v: k for k, v in KIND_FOLDER.items()}
KIND_LABEL = {"licence": "行政许可", "penalty": "行政处罚"}
KIND_CODE = {"licence": "xk", "penalty": "cf"}  # in record ids and item codes: scjg-xk-2026-0001
ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DEPT_KEY_RE = re.compile(r"^[a-z][a-z0-9]{1,15}$")
NATURAL_PERSON = "自然人"
# The party's codes (行政相对人代码_1..6) in the national standard's order.
PARTY_CODE_KEYS = (
    "uscc",
    "business_reg_no",
    "org_code",
    "tax_reg_no",
    "institution_cert_no",
    "social_org_reg_no",
)
# 方案 §四(二): during the transition to unified credit codes (old licences were valid to
# 2017-12-31) a legal person may be identified by its 组织机构代码 or 工商注册号; decisions from
# this day on need the 统一社会信用代码.
USCC_REQUIRED_FROM = date(2018, 1, 1)
TRANSITIONAL_CODE_KEYS = ("org_code", "business_reg_no")
ACTIVE_STATUS = "有效"
WITHDRAWN_STATUSES = ("撤销", "变更", "注销", "失效")
REPAIRED_STATUS = "已修复"
OTHER_CATEGORY = "其他"  # a 许可类别 or 处罚类别 whose specific kind is in ``category_other``
# The withheld reason whose records are stubs: state secrets are neither collected nor published.
SECRET_REASON = "国家秘密"


def parse_date(value: object) -> date | None:
    """An ISO date string to a date; None for anything else (the schema reports the error)."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def with_other(value: str, other: object, form: str = "{}-{}") -> str:
    """A category label with the record's ``category_other`` when the label is 其他 and one is given:
    ``其他-责令改正`` by default (exports: how the standard writes a free-form kind, and what the
    importer reads back), or in another ``form``, e.g. ``"{}（{}）"`` on record pages."""
    return form.format(value, other) if value == OTHER_CATEGORY and other else value


def in_force(day: date | None, since: date | None, until: date | None) -> bool:
    """True when ``day`` lies in ``since..until`` (both inclusive; None = open). An unknown day
    (None) is in force: the date rules report it, not this."""
    if day is None:
        return True
    return (since is None or since <= day) and (until is None or day <= until)


@dataclass(frozen=True)
class FormerName:
    """A name (and credit code) a department carried until ``until`` (the last day, inclusive)."""

    name: str
    until: date
    uscc: str = ""  # empty: the same code as the department's current one
    short_name: str = ""


@dataclass(frozen=True)
class Department:
    """A department of the registry. ``name``/``uscc``/``short_name`` are the current ones;
    ``former_names`` (oldest first) those in force before, each until its ``until``. A department
    exists from ``since`` to ``until`` (inclusive; None = open): a department abolished in a merger
    names its ``successor``, the new one its ``predecessors``."""

    key: str
    name: str
    uscc: str
    region_code: str
    short_name: str = ""
    owners: tuple[str, ...] = ()
    data: dict = field(default_factory=dict, compare=False, repr=False)
    since: date | None = None
    until: date | None = None
    former_names: tuple[FormerName, ...] = ()
    predecessors: tuple[str, ...] = ()
    successor: str | None = None

    def in_force(self, day: date | None) -> bool:
        """True when the department existed on ``day``."""
        return in_force(day, self.since, self.until)

    def _former_on(self, day: date | None) -> FormerName | None:
        if day is None:
            return None
        for former in self.former_names:
            if day <= former.until:
                return former
        return None

    def name_on(self, day: date | None) -> str:
        """The name in force on ``day`` (the current name for None or a day after every rename)."""
        former = self._former_on(day)
        return former.name if former is not None else self.name

    def uscc_on(self, day: date | None) -> str:
        """The credit code in force on ``day``."""
        former = self._former_on(day)
        return (former.uscc or self.uscc) if former is not None else self.uscc

    def short_name_on(self, day: date | None) -> str:
        """The short name in force on ``day`` (a former name without one falls back to its full name)."""
        former = self._former_on(day)
        if former is None:
            return self.short_name
        return former.short_name or former.name


@dataclass(frozen=True)
class CatalogItem:
    """An item of a department's catalog, in force from ``since`` to ``until`` (inclusive; None =
    open). A retired item keeps its ``until``: decisions made while it was in force stay valid."""

    code: str
    dept: str
    kind: str
    name: str
    basis: str = ""
    severity: str | None = None
    domain: str | None = None
    since: date | None = None
    until: date | None = None

    def in_force(self, day: date | None) -> bool:
        """True when decisions of ``day`` may use this item."""
        return in_force(day, self.since, self.until)


class _Packed:
    """The fallback of ``Record.data``/``Record.lines`` for a record made by ``Record.packed``: the
    value is unmarshalled on first use and then kept in the instance, where Python finds it before
    this (non-data) descriptor, so later reads are plain attribute reads."""

    def __init__(self, name: str):
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            raise AttributeError(self.name)  # no class-level default: the dataclass field stays required
        state = obj.__dict__
        packed = state.get("_packed")
        if packed is None:
            raise AttributeError(self.name)
        if self.name == "data":
            value = state["data"] = marshal.loads(packed)  # the first of the two objects
        else:
            stream = io.BytesIO(packed)
            data = marshal.load(stream)
            value = state["lines"] = marshal.load(stream)
            state.setdefault("data", data)
        if "lines" in state:
            del state["_packed"]
        return value


@dataclass
class Record:
    """One decision. ``path`` is repository-relative (``data/records/...``).

    ``data`` and ``lines`` are ordinary fields; a record from the validation cache or a worker
    process (``Record.packed``) holds them as marshal bytes until they are first read: a rebuild
    that reuses a record's outputs never unpacks it."""

    id: str
    path: str
    dept: str  # the folder's department key
    folder_kind: str  # the kind the folder says
    folder_year: str
    data: dict
    lines: dict[str, int] = field(default_factory=dict, repr=False)
    blob_sha: str | None = None

    @classmethod
    def packed(
        cls,
        id: str,
        path: str,
        dept: str,
        folder_kind: str,
        folder_year: str,
        packed: bytes,
        blob_sha: str | None = None,
    ) -> Record:
        """A record whose ``data`` and ``lines`` are ``packed`` (``Record.pack()``), unpacked on first use."""
        record = cls.__new__(cls)
        record.__dict__ = {
            "id": id,
            "path": path,
            "dept": dept,
            "folder_kind": folder_kind,
            "folder_year": folder_year,
            "blob_sha": blob_sha,
            "_packed": packed,
        }
        return record

    def pack(self) -> bytes:
        """``data`` then ``lines`` as marshal bytes (the packed form itself while neither was read)."""
        state = self.__dict__
        packed = state.get("_packed")
        if packed is not None and "data" not in state:
            return packed
        return marshal.dumps(self.data) + marshal.dumps(self.lines)

    # Common fields ---------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return str(self.data.get("kind", self.folder_kind))

    @property
    def kind_label(self) -> str:
        return KIND_LABEL.get(self.kind, self.kind)

    @property
    def doc_no(self) -> str:
        return str(self.data.get("doc_no", ""))

    @property
    def item(self) -> str:
        return str(self.data.get("item", ""))

    @property
    def party(self) -> dict:
        party = self.data.get("party")
        return party if isinstance(party, dict) else {}

    @property
    def party_name(self) -> str:
        return str(self.party.get("name", ""))

    @property
    def party_category(self) -> str:
        return str(self.party.get("category", ""))

    @property
    def is_natural_person(self) -> bool:
        return self.party_category == NATURAL_PERSON

    @property
    def uscc(self) -> str:
        return str(self.party.get("uscc", ""))

    @property
    def decision_date(self) -> date | None:
        return parse_date(self.data.get("decision_date"))

    @property
    def authority(self) -> str:
        return str(self.data.get("authority", self.dept))

    @property
    def source_unit(self) -> str:
        return str(self.data.get("source_unit", self.authority))

    @property
    def status(self) -> str:
        return str(self.data.get("status", ACTIVE_STATUS))

    @property
    def status_date(self) -> date | None:
        return parse_date(self.data.get("status_date"))

    @property
    def status_reason(self) -> str:
        return str(self.data.get("status_reason", ""))

    @property
    def disclosure(self) -> dict:
        d = self.data.get("disclosure")
        return d if isinstance(d, dict) else {}

    @property
    def is_public(self) -> bool:
        """False when the record is withheld by its own disclosure block (not the time rules)."""
        return self.disclosure.get("public", True) is not False

    @property
    def withheld_reason(self) -> str | None:
        return None if self.is_public else str(self.disclosure.get("reason", "其他"))

    @property
    def is_secret_stub(self) -> bool:
        """A record withheld for 国家秘密: a stub holding only kind, item, decision date, authority
        and the reason (the validator rejects anything else), counted and never published."""
        return self.disclosure.get("reason") == SECRET_REASON

    @property
    def disclosure_until_override(self) -> date | None:
        return parse_date(self.disclosure.get("until"))

    @property
    def corrections(self) -> list[dict]:
        c = self.data.get("corrections")
        return [x for x in c if isinstance(x, dict)] if isinstance(c, list) else []

    @property
    def unpublished_on(self) -> date | None:
        """The date of the last correction marked ``unpublish: true``: the day a published record was
        taken out of public view by a change that is no status of its own (``public: false``, an
        earlier ``disclosure.until`` or ``status_date``, a catalog or policy edit)."""
        marked = [parse_date(c.get("date")) for c in self.corrections if c.get("unpublish") is True]
        return next((d for d in reversed(marked) if d is not None), None)

    # Kind-specific ---------------------------------------------------------------------------
    @property
    def valid_to(self) -> date | None:
        """Licence 有效期至 (None = 长期)."""
        return parse_date(self.data.get("valid_to"))

    @property
    def valid_until(self) -> date | None:
        """Penalty 处罚有效期."""
        return parse_date(self.data.get("valid_until"))

    @property
    def validity_end(self) -> date | None:
        return self.valid_to if self.kind == "licence" else self.valid_until

    @property
    def categories(self) -> list[str]:
        c = self.data.get("categories")
        return [str(x) for x in c] if isinstance(c, list) else []

    @property
    def procedure(self) -> str:
        return str(self.data.get("procedure", "普通程序"))

    @property
    def severity(self) -> str | None:
        s = self.data.get("severity")
        return str(s) if s else None

    @property
    def fine_yuan(self) -> Decimal | None:
        return _decimal(self.data.get("fine_yuan"))

    @property
    def confiscation_yuan(self) -> Decimal | None:
        return _decimal(self.data.get("confiscation_yuan"))

    @property
    def title(self) -> str:
        """A one-line label: the licence document title or the penalty's violation type."""
        if self.kind == "licence":
            return str(self.data.get("doc_title", ""))
        return str(self.data.get("violation_type", ""))


Record.data = _Packed("data")  # type: ignore[assignment]  # set after @dataclass: see _Packed
Record.lines = _Packed("lines")  # type: ignore[assignment]


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None
