"""Synthetic but realistic 双公示 data for 常州市钟楼区: the department registry, a 双公示目录 per
department and decision records of both kinds, deterministic for a seed (``random.Random(seed)``).

Used for the committed sample data (``python -m bench.synth sample --out .``), tests and the
benchmarks (``bench/``). Every generated file passes ``gongshi validate``.

API:
* ``generate_registry(seed) -> (departments_doc, {dept: catalog_doc})``
* ``iter_records(n, seed, start, end, recent=None) -> Iterator[SynthRecord]`` in decision-date order,
  each with ``relpath``, ``decision_date`` and ``data``; ``SynthRecord.yaml()`` renders the file.
* ``generate_records(n, seed, start, end) -> list[(relpath, yaml_text)]``
* ``registry_files(seed) -> list[(relpath, yaml_text)]``
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from collections import ChainMap, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from random import Random

from gongshi.check.record_rules import SECRET_STUB_KEYS, is_secret_stub
from gongshi.core import identifiers as ids
from gongshi.core import privacy
from gongshi.core.records import KIND_FOLDER
from gongshi.sheets.national_standard import (
    PENALTY_CATEGORIES,  # 行政处罚法 第九条 order: sorts a decision's categories
)

from bench.synth_catalog import (
    COMPANY_PATTERNS,
    COMPOUND_SURNAMES,
    DEPARTMENTS,
    FILLERS,
    GIVEN_CHARS,
    INSTITUTIONS,
    LICENCE_ITEMS,
    PENALTY_ITEMS,
    PLATE_LETTERS,
    SHOP_PATTERNS,
    STREETS,
    SUBDISTRICTS,
    SURNAMES,
    TRADE_FIRST,
    TRADE_SECOND,
)

REGION = "320404"
DEFAULT_SEED = 20161
SAMPLE_END = date(2026, 11, 20)
SAMPLE_COUNT = 200
SAMPLE_RECENT = (14, 0.12)  # the sample's last 14 days hold 12 % of its records (full rolling lists)
WITHHOLD_REASONS = (
    "国家秘密",
    "商业秘密",
    "个人隐私",
    "未成年人",
    "简易程序",
    "危害安全稳定",
    "轻微违法",
    "其他",
)
PARTY_CATEGORIES = ("法人及非法人组织", "个体工商户", "自然人")
LICENCE_SHARE = {"scjg": 0.62, "sthj": 0.35, "zjj": 0.5, "wjw": 0.6, "cgj": 0.35, "jtj": 0.5, "yjj": 0.55,
                 "wgl": 0.55, "gaj": 0.3}  # fmt: skip
USCC_BODY_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
MA_SERIES = ("1M", "1N", "1P", "1Q", "1R", "1T", "1W", "1X", "1Y", "20", "21", "22", "25", "26", "27")
LEGACY_ORG_PREFIXES = ("13", "25", "55", "56", "60", "66", "67", "69", "70", "73", "74", "75", "77", "79")
PARTY_REGIONS = (("320404", 70), ("320400", 12), ("320402", 5), ("320411", 4), ("320412", 4), ("320100", 2),
                 ("320500", 1), ("310115", 1), ("320282", 1))  # fmt: skip
FOREIGN_ID_TYPES = (
    ("护照号", 3),
    ("港澳居民来往内地通行证", 3),
    ("台湾居民来往大陆通行证", 2),
    ("外国人永久居留身份证", 1),
    ("其他-港澳台居民居住证", 1),
)


# --------------------------------------------------------------------------------------------
# Registry


@dataclass(frozen=True)
class Item:
    code: str
    dept: str
    kind: str
    spec: dict


def _dept_uscc(rng: Random, index: int) -> str:
    # Government bodies: 机构编制 / 机关, region 320404, a 014xxxxx-style organisation code.
    body = f"014{rng.randrange(10000, 99999):05d}"
    return ids.make_uscc("1", "1", REGION, body)


def generate_registry(seed: int = DEFAULT_SEED) -> tuple[dict, dict[str, dict]]:
    """``(departments_doc, {dept: catalog_doc})`` as plain dicts in file order."""
    rng = Random(f"registry-{seed}")
    departments = []
    for i, d in enumerate(DEPARTMENTS):
        entry = {
            "key": d["key"],
            "name": d["name"],
            "short_name": d["short_name"],
            "uscc": _dept_uscc(rng, i),
            "region_code": REGION,
            "owners": [f"@zhonglou/{d['key']}-publishers"],
        }
        if d.get("records_since"):
            entry["records_since"] = d["records_since"]
        departments.append(entry)
    catalogs = {}
    for key, items in _items().items():
        out = []
        for it in items:
            row = {"code": it.code, "kind": it.kind, "name": it.spec["name"], "basis": it.spec["basis"]}
            if it.kind == "penalty":
                row["severity"] = it.spec["severity"]
            row["domain"] = it.spec["domain"]
            out.append(row)
        catalogs[key] = {"department": key, "items": out}
    return {"departments": departments}, catalogs


def _items() -> dict[str, list[Item]]:
    out: dict[str, list[Item]] = {}
    for d in DEPARTMENTS:
        key = d["key"]
        lic = [Item(f"{key}-xk-{i:03d}", key, "licence", s) for i, s in enumerate(LICENCE_ITEMS[key], 1)]
        pen = [Item(f"{key}-cf-{i:03d}", key, "penalty", s) for i, s in enumerate(PENALTY_ITEMS[key], 1)]
        out[key] = lic + pen
    return out


def registry_files(seed: int = DEFAULT_SEED) -> list[tuple[str, str]]:
    departments, catalogs = generate_registry(seed)
    files = [
        (
            "data/departments.yaml",
            _header("../schemas/departments.schema.json", "部门登记册（示例数据：部门代码为虚构）")
            + dump_yaml(departments),
        )
    ]
    for key, doc in catalogs.items():
        files.append(
            (
                f"data/catalog/{key}.yaml",
                _header("../../schemas/catalog.schema.json", "双公示目录（示例数据）") + dump_yaml(doc),
            )
        )
    return files


def _header(schema: str, comment: str | None = None) -> str:
    line = f"# yaml-language-server: $schema={schema}\n"
    return line + (f"# {comment}\n" if comment else "")


# --------------------------------------------------------------------------------------------
# YAML output (hand-written: fast, stable key order, quotes only where YAML would mistype)

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SPECIAL_WORDS = {"y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"}
_FIRST_SPECIAL = set("-?:,[]{}#&*!|>'\"%@`.+0123456789 ")


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    s = str(value)
    if _DATE_RE.match(s):
        return s
    if (
        not s
        or s[0] in _FIRST_SPECIAL
        or s[-1] in " :"
        or s.lower() in _SPECIAL_WORDS
        or ": " in s
        or " #" in s
        or "\n" in s
        or "\t" in s
    ):
        return (
            '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'
        )
    return s


def dump_yaml(data: dict, indent: str = "") -> str:
    """Block-style YAML of nested dicts/lists of strings and booleans, keys in insertion order."""
    out: list[str] = []
    _dump_map(data, indent, out)
    return "".join(out)


def _dump_map(data: dict, indent: str, out: list[str]) -> None:
    for key, value in data.items():
        if isinstance(value, dict):
            out.append(f"{indent}{key}:\n")
            _dump_map(value, indent + "  ", out)
        elif isinstance(value, list):
            out.append(f"{indent}{key}:\n")
            _dump_list(value, indent + "  ", out)
        else:
            out.append(f"{indent}{key}: {_scalar(value)}\n")


def _dump_list(items: list, indent: str, out: list[str]) -> None:
    for value in items:
        if isinstance(value, dict):
            sub: list[str] = []
            _dump_map(value, indent + "  ", sub)
            first = sub[0][len(indent) + 2 :]
            out.append(f"{indent}- {first}")
            out.extend(sub[1:])
        else:
            out.append(f"{indent}- {_scalar(value)}\n")


# --------------------------------------------------------------------------------------------
# Records


@dataclass
class SynthRecord:
    id: str
    dept: str
    kind: str
    decision_date: date
    data: dict

    @property
    def relpath(self) -> str:
        return f"data/records/{self.dept}/{KIND_FOLDER[self.kind]}/{self.decision_date.year}/{self.id}.yaml"

    def yaml(self) -> str:
        return _header(f"../../../../../schemas/{self.kind}.schema.json") + dump_yaml(self.data)


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _money(value: float, decimals: bool = False) -> str:
    if decimals:
        text = f"{value:.2f}".rstrip("0").rstrip(".")
        return text
    return str(round(value))


class _Context(dict):
    """Template values: fixed ones set by the generator, the rest drawn on first use."""

    def __init__(self, rng: Random, decided: date, **fixed):
        super().__init__(**fixed)
        self.rng = rng
        self.decided = decided

    def __missing__(self, key: str) -> str:
        rng = self.rng
        if key in FILLERS:
            value = rng.choice(FILLERS[key])
        elif key == "addr":
            value = _address(rng)
        elif key == "n":
            value = rng.randint(3, 120)
        elif key == "n2":
            value = int(self["n"]) + rng.randint(5, 200)
        elif key == "sold":
            value = int(self["n2"]) - int(self["n"])
        elif key == "m":
            value = rng.randint(2, 12)
        elif key == "area":
            value = rng.choice((rng.randint(15, 120), rng.randint(120, 3000), rng.randint(3000, 48000)))
        elif key == "val":
            value = rng.choice((rng.randint(800, 9000), rng.randint(10000, 90000), rng.randint(100, 8000)))
        elif key == "wan":
            value = rng.choice((rng.randint(50, 800), rng.randint(800, 3000)))
        elif key == "pct":
            value = rng.randint(6, 85)
        elif key == "conc":
            value = f"{rng.uniform(25, 260):.1f}"
        elif key == "plate":
            value = rng.choice(PLATE_LETTERS) + "".join(
                rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(4)
            )
        elif key == "insp":
            value = _cn_date(self.decided - timedelta(days=rng.randint(12, 80)))
        elif key == "start":
            value = _cn_date(self.decided - timedelta(days=rng.randint(90, 500)))
        elif key == "gain":
            value = rng.randint(100, 5000)
        elif key == "d1":
            value = rng.randint(0, 9)
        elif key == "sd":
            value = rng.choice(SUBDISTRICTS)
        else:
            raise KeyError(key)
        self[key] = value
        return value


def _address(rng: Random) -> str:
    street = rng.choice(STREETS)
    roll = rng.random()
    if roll < 0.5:
        return f"钟楼区{street}{rng.randint(1, 399)}号"
    if roll < 0.8:
        room = f"{rng.randint(1, 6)}0{rng.randint(1, 9)}"
        return f"钟楼区{street}{rng.randint(1, 299)}号{rng.randint(1, 30)}幢{room}室"
    return f"钟楼区{rng.choice(SUBDISTRICTS)}{street}{rng.randint(1, 199)}-{rng.randint(1, 20)}号"


def _person_name(rng: Random) -> str:
    surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.02 else rng.choice(SURNAMES)
    given = rng.choice(GIVEN_CHARS) + (rng.choice(GIVEN_CHARS) if rng.random() < 0.7 else "")
    return surname + given


def _trade(rng: Random) -> str:
    return rng.choice(TRADE_FIRST) + rng.choice(TRADE_SECOND)


def _weighted(rng: Random, pairs):
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for value, w in pairs:
        x -= w
        if x < 0:
            return value
    return pairs[-1][0]


def _party_uscc(
    rng: Random, kind: str, prefix: str | None = None, region: str = REGION, modern: bool = True
) -> str:
    """A party's credit code. Licence numbers are built from it (``{uscc}001P``): a code whose
    digits run on into the suffix as something the privacy lint reads as a resident ID number
    would make that pattern fail every time, so such a code is drawn again (rare)."""
    for _ in range(100):
        uscc = ids.make_uscc(kind[0], kind[1], region, _org_body(rng, modern, prefix))
        if not any(f.exact for f in privacy.find_personal_numbers(uscc + "001P")):
            return uscc
    raise ValueError(f"no credit code of kind {kind!r} avoids the privacy lint")


def _org_body(rng: Random, modern: bool, prefix: str | None = None) -> str:
    if prefix == "MJ" or prefix == "MB":
        return prefix + "".join(rng.choice(USCC_BODY_CHARS) for _ in range(6))
    if prefix:
        return prefix + f"{rng.randrange(10**6):06d}"
    if modern:
        return "MA" + rng.choice(MA_SERIES) + "".join(rng.choice(USCC_BODY_CHARS) for _ in range(4))
    return rng.choice(LEGACY_ORG_PREFIXES) + f"{rng.randrange(10**6):06d}"


def _masked_id(rng: Random, id_type: str) -> str:
    if id_type == "身份证":
        region = rng.choice(
            ("320404", "320404", "320402", "320411", "320412", "320481", "321281", "341221", "420111")
        )
        tail = f"{rng.randrange(1000):03d}" + rng.choice("0123456789X")
        return region + "********" + tail if rng.random() < 0.5 else region[:4] + "**********" + tail
    if id_type == "护照号":
        return "E" + f"{rng.randrange(10):d}{rng.randrange(10):d}" + "*****" + str(rng.randrange(10))
    if id_type == "港澳居民来往内地通行证":
        return rng.choice("HM") + f"{rng.randrange(100):02d}" + "*****" + str(rng.randrange(10))
    if id_type == "台湾居民来往大陆通行证":
        return f"{rng.randrange(100):02d}" + "****" + f"{rng.randrange(100):02d}"
    if id_type == "外国人永久居留身份证":
        return "9" + f"{rng.randrange(1000):03d}" + "**********" + f"{rng.randrange(10000):04d}"
    return rng.choice(("8100", "8200", "8300")) + "**********" + f"{rng.randrange(10000):04d}"


class _Generator:
    def __init__(self, seed: int, start: date, end: date):
        self.rng = Random(seed)
        self.start, self.end = start, end
        self.items = _items()
        self.by_kind = {
            (dept, kind): [it for it in items if it.kind == kind]
            for dept, items in self.items.items()
            for kind in ("licence", "penalty")
        }
        self.since = {d["key"]: date.fromisoformat(d.get("records_since", "2016-01-01")) for d in DEPARTMENTS}
        self.file_seq: dict[tuple, int] = defaultdict(int)
        self.doc_seq: dict[tuple, int] = defaultdict(int)
        self.serials: dict[str, int] = defaultdict(int)
        self.item_seq: dict[str, int] = defaultdict(int)
        codes = [i.code for its in self.items.values() for i in its]
        self.item_base = {code: Random(f"{seed}-{code}").randrange(10**5) for code in codes}

    # -- planning ---------------------------------------------------------------------------
    def plan(self, n: int, recent: tuple[int, float] | None) -> list[tuple[date, str, str, dict]]:
        rng = self.rng
        depts = [(d["key"], d["weight"]) for d in DEPARTMENTS]
        scenarios = _coverage_scenarios() if n >= 60 else []
        slots = rng.sample(range(n), len(scenarios)) if scenarios else []
        forced = dict(zip(slots, scenarios, strict=True))
        plan = []
        for i in range(n):
            sc = forced.get(i, {})
            dept = sc.get("dept") or _weighted(rng, depts)
            kind = sc.get("kind") or ("licence" if rng.random() < LICENCE_SHARE[dept] else "penalty")
            lo = max(self.start, self.since[dept])
            old_enough = sc.get("recent_ok") is False  # needs room for a later status or correction
            hi = self.end - timedelta(days=120) if old_enough else self.end
            if recent and not old_enough and rng.random() < recent[1]:
                lo = max(lo, self.end - timedelta(days=recent[0] - 1))
            d = self._date(lo, hi)
            plan.append((d, dept, kind, sc))
        plan.sort(key=lambda p: (p[0], p[1], p[2]))
        return plan

    def _date(self, lo: date, hi: date) -> date:
        rng = self.rng
        span = (hi - lo).days
        # Volume grows over the years (later days a little more likely).
        offset = int(span * (rng.random() ** 0.85)) if span > 0 else 0
        d = lo + timedelta(days=offset)
        if d.weekday() >= 5 and rng.random() < 0.9:
            friday = d - timedelta(days=d.weekday() - 4)
            monday = d + timedelta(days=7 - d.weekday())
            if friday >= lo:
                d = friday
            elif monday <= hi:
                d = monday
        return d

    # -- one record -------------------------------------------------------------------------
    def record(self, decided: date, dept: str, kind: str, sc: dict) -> SynthRecord:
        rng = self.rng
        candidates = self.by_kind[(dept, kind)]
        if sc.get("item_filter"):
            filtered = [it for it in candidates if sc["item_filter"](it.spec)]
            candidates = filtered or candidates
        item = rng.choice(candidates)
        spec = item.spec
        year = decided.year
        self.file_seq[(dept, kind, year)] += 1
        rid = f"{dept}-{'xk' if kind == 'licence' else 'cf'}-{year}-{self.file_seq[(dept, kind, year)]:04d}"
        self.item_seq[item.code] += 1

        category = sc.get("party") or _weighted(
            rng, list(zip(PARTY_CATEGORIES, spec["parties"], strict=True))
        )
        if spec["parties"][PARTY_CATEGORIES.index(category)] == 0 and not sc.get("party"):
            category = PARTY_CATEGORIES[spec["parties"].index(max(spec["parties"]))]
        biz = spec.get("biz_org", spec["biz"]) if category == "法人及非法人组织" else spec["biz"]
        party = self.party(category, biz, decided, sc)
        ctx = _Context(rng, decided, y=year, y2=str(year)[2:], uscc=party.get("uscc", ""))
        for keyword, values in _NAME_HINTS:
            if keyword in party["name"]:
                ctx.update(values)
                break
        ctx["r6"] = f"{(self.item_base[item.code] + self.item_seq[item.code] * 7) % 10**6:06d}"

        data: dict = {"kind": kind, "item": item.code, "doc_no": "", "decision_date": decided.isoformat()}
        data["authority"] = dept
        data["party"] = party
        if kind == "licence":
            self.licence(data, spec, ctx, decided, dept, sc)
        else:
            self.penalty(data, spec, ctx, decided, dept, sc, category)
        self.lifecycle(data, kind, decided, sc, category, spec)
        if is_secret_stub(data):
            # A state secret is a stub (docs/records.md): only what the assessment counts stays.
            # Stripped after the lifecycle so that the random stream of later records is unchanged.
            for key in [k for k in data if k not in SECRET_STUB_KEYS]:
                del data[key]
            data["disclosure"] = {"public": False, "reason": "国家秘密"}
        return SynthRecord(rid, dept, kind, decided, data)

    def _doc_no(self, pattern: str, dept: str, ctx: _Context, year: int) -> str:
        # Numbers without a year run on across years.
        key = (dept, pattern, year if "{y" in pattern else 0)
        # ``{serial}``: the how-manieth number of the same party under this pattern (a second
        # 排污许可证 of one company is …002P; at 1,000,000 records some companies get two).
        extra = {}
        if "{serial" in pattern:
            base = pattern.format_map(ChainMap({"n": 0, "serial": 0}, ctx))
            self.serials[base] += 1
            extra["serial"] = self.serials[base]
        # A number that happens to look like a resident ID would trip the privacy lint (in the
        # number fields only with a valid check digit: 320404{ymd}… is a permit number): take the
        # next sequence number. A pattern without {n} yields the same text every time, so a retry
        # cannot help: stop with the pattern's name instead of looping for ever.
        for _ in range(100):
            self.doc_seq[key] += 1
            text = pattern.format_map(ChainMap({"n": self.doc_seq[key], **extra}, ctx))
            if not any(f.exact for f in privacy.find_personal_numbers(text)):
                return text
            if "{n" not in pattern:
                break
        raise ValueError(f"document number pattern {pattern!r} yields what the privacy lint reads as an ID")

    def party(self, category: str, biz: str, decided: date, sc: dict) -> dict:
        rng = self.rng
        if category == "自然人":
            id_type = "身份证" if rng.random() < 0.88 else _weighted(rng, FOREIGN_ID_TYPES)
            id_type = sc.get("id_type", id_type)
            return {"name": _person_name(rng), "category": category, "id_type": id_type,
                    "id_no_masked": _masked_id(rng, id_type)}  # fmt: skip
        modern = decided.year >= 2016 and rng.random() < 0.65
        if category == "个体工商户":
            name = rng.choice(SHOP_PATTERNS[biz]).format(t=_trade(rng), s=rng.choice(SURNAMES))
            party = {"name": name, "category": category}
            placeholder = sc.get("placeholder", rng.random() < (0.45 if decided.year < 2017 else 0.18))
            if placeholder:
                party["uscc"] = ids.USCC_PLACEHOLDER
                party["business_reg_no"] = ids.make_business_reg_no(
                    "320404600" + f"{rng.randrange(10**5):05d}"
                )
            else:
                party["uscc"] = _party_uscc(rng, "92")
            party["legal_rep"] = _person_name(rng)
            return party
        if rng.random() < 0.1 or sc.get("institution"):
            pattern, code, extra, prefix = rng.choice(INSTITUTIONS)
            name = pattern.format(
                t=_trade(rng), sd=rng.choice(SUBDISTRICTS).removesuffix("街道").removesuffix("镇")
            )
            party = {"name": name, "category": category}
            party["uscc"] = _party_uscc(rng, code[:2], prefix)
            if extra == "institution_cert_no":
                party[extra] = f"事证第13204040{rng.randrange(10**5):05d}号"
            else:
                party[extra] = f"钟民证字第{rng.randrange(1, 2000):04d}号"
            party["legal_rep"] = _person_name(rng)
            return party
        name = rng.choice(COMPANY_PATTERNS[biz]).format(t=_trade(rng))
        region = _weighted(rng, PARTY_REGIONS)
        party = {"name": name, "category": category, "uscc": _party_uscc(rng, "91", None, region, modern)}
        if not modern and rng.random() < 0.5:
            org = party["uscc"][8:17]
            party["business_reg_no"] = ids.make_business_reg_no(
                region + "000" + f"{rng.randrange(10**5):05d}"
            )
            party["org_code"] = org
            if rng.random() < 0.5:
                party["tax_reg_no"] = region + org
        party["legal_rep"] = _person_name(rng)
        if rng.random() < 0.25:
            party["legal_rep_id_type"] = "身份证"
        return party

    def licence(self, data: dict, spec: dict, ctx: _Context, decided: date, dept: str, sc: dict) -> None:
        rng = self.rng
        data["doc_title"] = spec["title"].format_map(ctx)
        data["category"] = spec["category"]
        if spec.get("category_other"):
            data["category_other"] = spec["category_other"]
        if spec.get("cert"):
            data["certificate_name"] = spec["cert"]
        ctx["ymd"] = decided.strftime("%Y%m%d")
        licence_no = None
        if spec.get("no"):
            licence_no = self._doc_no(spec["no"], dept, ctx, decided.year)
            data["licence_no"] = licence_no
        data["doc_no"] = self._doc_no(spec["doc"], dept, ctx, decided.year) if spec.get("doc") else licence_no
        data["content"] = rng.choice(spec["content"]).format_map(ctx)
        valid_from = decided + timedelta(days=rng.choice((0, 0, 0, 0, 1, 3)))
        data["valid_from"] = valid_from.isoformat()
        years = spec.get("years")
        if spec.get("short_days"):
            data["valid_to"] = (valid_from + timedelta(days=rng.randint(3, spec["short_days"]))).isoformat()
        elif years:
            try:
                to = valid_from.replace(year=valid_from.year + years)
            except ValueError:  # 29 February
                to = valid_from.replace(year=valid_from.year + years, day=28)
            data["valid_to"] = (to - timedelta(days=1)).isoformat()

    def penalty(self, data, spec, ctx: _Context, decided: date, dept: str, sc: dict, category: str) -> None:
        rng = self.rng
        simple = bool(spec.get("simple")) and (sc.get("withhold") == "简易程序" or
                                               (not sc and rng.random() < 0.15))  # fmt: skip
        if simple:
            cats = [rng.choice(("警告", "罚款"))]
        else:
            cats = list(_weighted(rng, [(c, w) for c, w in spec["cats"]]))
            if sc.get("cats"):
                cats = list(sc["cats"])
        cats = [c for c in PENALTY_CATEGORIES if c in cats]
        data["doc_no"] = self._doc_no(_penalty_doc(dept), dept, ctx, decided.year)
        data["violation_type"] = spec["vt"]

        decimals = bool(spec.get("decimals"))
        fine = None
        if "罚款" in cats:
            if simple:
                limit = 200 if category == "自然人" else 3000
                fine = rng.choice([x for x in (50, 100, 200, 500, 1000, 2000, 3000) if x <= limit])
            else:
                lo, hi, step = spec.get("fine", (1000, 10000, 500))
                fine = lo + step * rng.randint(0, (hi - lo) // step)
                if spec.get("fine_pct"):
                    fine = round(int(ctx["wan"]) * 10000 * rng.uniform(*spec["fine_pct"]), 2)
                elif decimals:
                    fine = round(fine + rng.randint(0, 99) / 100, 2)
        gain_range = spec.get("gain")
        gain = rng.randint(*gain_range) if gain_range else None
        if gain is not None:
            ctx["gain"] = gain
        goods_value = rng.randint(80, 6000) if "没收非法财物" in cats else 0

        facts = rng.choice(spec["facts"]).format_map(ctx)
        facts += f"上述行为违反了{spec['violated']}的规定。"
        facts += _circumstance(rng, spec, ctx, simple)
        data["facts"] = facts
        data["basis"] = spec["rec_basis"]
        data["categories"] = cats
        if "其他" in cats:
            data["category_other"] = spec.get("other", "责令改正")
        licence_affected = None
        if {"暂扣许可证件", "吊销许可证件", "降低资质等级"} & set(cats):
            number = spec.get("licence_no", "{r6}").format_map(ChainMap({"n": rng.randint(1, 999)}, ctx))
            licence_affected = f"{spec.get('licence', '许可证')}（编号：{number}）"

        parts = []
        for c in cats:
            if c == "警告":
                parts.append("警告")
            elif c == "通报批评":
                parts.append("通报批评")
            elif c == "罚款":
                parts.append(f"罚款人民币{_money(fine, decimals)}元")
            elif c == "没收违法所得":
                parts.append(f"没收违法所得人民币{gain}元")
            elif c == "没收非法财物":
                parts.append("没收" + spec.get("seized", "非法财物").format_map(ctx))
            elif c == "暂扣许可证件":
                parts.append(f"暂扣{licence_affected}{rng.randint(1, 6)}个月")
            elif c == "降低资质等级":
                parts.append(spec.get("downgrade", "降低资质等级一级"))
            elif c == "吊销许可证件":
                parts.append(f"吊销{licence_affected}")
            elif c == "限制开展生产经营活动":
                parts.append(spec.get("limit", "限制开展生产经营活动三个月").format_map(ctx))
            elif c == "责令停产停业":
                parts.append(f"{spec.get('stop', '责令停产停业')}{rng.choice((15, 30, 60, 90))}日")
            elif c == "责令关闭":
                parts.append("报经区人民政府批准，责令关闭")
            elif c == "限制从业":
                parts.append(spec.get("bar", "五年内不得从事相关生产经营管理工作"))
            elif c == "行政拘留":
                lo, hi = spec.get("detention", (5, 10))
                parts.append(f"行政拘留{rng.randint(lo, hi)}日")
            elif c == "其他":
                parts.append(data["category_other"])
        if len(parts) == 1:
            content = parts[0] + "。"
        else:
            content = "；".join(f"{i}.{p}" for i, p in enumerate(parts, 1)) + "。"
        if not simple and rng.random() < 0.5:
            lead = (
                "责令当事人改正违法行为，并处"
                if len(parts) == 1
                else "责令当事人改正违法行为，并作出如下行政处罚："
            )
            content = lead + content
        data["content"] = content
        if fine is not None:
            data["fine_yuan"] = _money(fine, decimals)
        if "没收违法所得" in cats or "没收非法财物" in cats:
            amount = (gain or 0) * ("没收违法所得" in cats) + goods_value
            data["confiscation_yuan"] = str(amount)
        if licence_affected:
            data["licence_affected"] = licence_affected
        if simple:
            data["procedure"] = "简易程序"
        severity = spec["severity"]
        if not simple and rng.random() < 0.08:
            severity = rng.choice([s for s in ("轻微", "一般", "严重") if s != severity])
            data["severity"] = severity
        if sc.get("withhold") == "轻微违法" and severity != "轻微":
            data["severity"] = "轻微"
        until = None
        if "限制从业" in cats:
            until = _add_years(decided, 5)
        elif {"暂扣许可证件", "责令停产停业", "限制开展生产经营活动"} & set(cats):
            until = decided + timedelta(days=rng.choice((30, 60, 90, 180)))
        elif rng.random() < 0.3:
            until = _add_years(decided, rng.choice((1, 3)))
        if until:
            data["valid_until"] = until.isoformat()

    def lifecycle(self, data: dict, kind: str, decided: date, sc: dict, category: str, spec: dict) -> None:
        rng = self.rng
        end = self.end
        # Disclosure --------------------------------------------------------------------------
        reason = sc.get("withhold")
        if data.get("procedure") == "简易程序":
            reason = "简易程序"
        elif reason is None and not sc:
            roll = rng.random()
            if kind == "penalty" and data.get("severity", spec.get("severity")) == "轻微" and roll < 0.2:
                reason = "轻微违法"
            elif category == "自然人" and roll < 0.06:
                reason = "未成年人" if roll < 0.012 else "个人隐私"
            elif roll < 0.02:
                reason = rng.choice(("商业秘密", "其他", "危害安全稳定", "国家秘密", "商业秘密"))
        if reason:
            disclosure: dict = {"public": False, "reason": reason}
            note = _WITHHOLD_NOTES.get(reason)
            if note:
                disclosure["note"] = note
            data["disclosure"] = disclosure
        elif sc.get("until") or (not sc and kind == "penalty" and rng.random() < 0.01):
            data["disclosure"] = {"until": _add_years(decided, 3).isoformat()}
            data["remarks"] = "依据相关法律规定，本决定公示期限为三年。"

        # Status ------------------------------------------------------------------------------
        status = sc.get("status")
        if status is None and not sc and (end - decided).days > 40:
            roll = rng.random()
            if kind == "licence":
                status = "注销" if roll < 0.03 else "变更" if roll < 0.05 else "撤销" if roll < 0.06 else (
                    "失效" if roll < 0.07 else None)  # fmt: skip
            else:
                status = (
                    "已修复" if roll < 0.06 else "撤销" if roll < 0.07 else "变更" if roll < 0.08 else None
                )
            if status == "已修复" and (reason or data.get("severity", spec.get("severity")) == "严重"):
                status = None
        if status and (end - decided).days >= 2:
            span = (end - decided).days
            lo = min(span, 90 if status == "已修复" else 20)
            when = decided + timedelta(days=rng.randint(lo, min(span, max(lo, 900))))
            data["status"] = status
            data["status_date"] = when.isoformat()
            data["status_reason"] = rng.choice(_STATUS_REASONS[(kind, status)]).format(d=_cn_date(when))

        # Corrections -------------------------------------------------------------------------
        if (sc.get("correction") or (not sc and rng.random() < 0.03)) and (end - decided).days >= 3:
            when = decided + timedelta(days=rng.randint(2, min(60, (end - decided).days)))
            data["corrections"] = [
                {"date": when.isoformat(), "reason": rng.choice(_CORRECTION_REASONS[kind])}
            ]
        if "remarks" not in data and not sc and rng.random() < 0.08:
            data["remarks"] = rng.choice(_REMARKS[kind]).format(
                d=_cn_date(decided + timedelta(days=rng.randint(3, 20)))
            )


# Template values that must agree with the party's name (a 口腔门诊部 registers 口腔科, not 儿科).
_NAME_HINTS = (
    ("口腔", {"clinic": "口腔诊所", "dept_med": "口腔科", "xray": "口腔全景", "therapy": "口腔诊疗"}),
    ("医疗美容", {"clinic": "医疗美容诊所", "dept_med": "医疗美容科", "therapy": "医疗美容注射"}),
    ("社区卫生服务中心", {"clinic": "社区卫生服务中心", "dept_med": "全科医学"}),
    ("医院", {"clinic": "综合医院", "xray": "DR摄影"}),
    ("美容美发", {"venue": "美容美发"}),
    ("理发", {"venue": "美容美发"}),
    ("足浴", {"venue": "足浴"}),
    ("旅馆", {"venue": "住宿"}),
    ("宾馆", {"venue": "住宿"}),
    ("酒店", {"venue": "住宿"}),
    ("棋牌", {"venue": "棋牌"}),
    ("网吧", {"ent": "游艺娱乐场所"}),
    ("面馆", {"dish": "面条"}),
    ("烧烤", {"dish": "烧烤"}),
    ("小吃", {"dish": "馄饨"}),
)


def _penalty_doc(dept: str) -> str:
    for d in DEPARTMENTS:
        if d["key"] == dept:
            return d["penalty_doc"]
    raise KeyError(dept)


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years) - timedelta(days=1)
    except ValueError:
        return d.replace(year=d.year + years, day=28) - timedelta(days=1)


def _circumstance(rng: Random, spec: dict, ctx: _Context, simple: bool) -> str:
    if simple:
        return "当事人当场承认违法事实，执法人员依法适用简易程序当场作出处罚决定。"
    out = []
    if spec["severity"] == "严重":
        out.append("当事人违法情节严重，社会影响恶劣，依法从重处罚。")
    else:
        out.append(
            rng.choice(
                (
                    "当事人在调查期间如实陈述违法事实，积极配合调查。",
                    "鉴于当事人在案发后主动消除违法行为危害后果，依法从轻处罚。",
                    "当事人系初次违法，已立即改正，但违法行为持续时间较长，不符合不予处罚的情形。",
                    "",
                )
            )
        )
    notice = ctx.decided - timedelta(days=rng.randint(5, 12))
    out.append(
        rng.choice(
            (
                f"本机关于{_cn_date(notice)}向当事人送达《行政处罚告知书》，当事人在法定期限内未提出陈述、申辩。",
                f"本机关于{_cn_date(notice)}告知当事人拟作出行政处罚的内容及事实、理由、依据，"
                "当事人提出陈述申辩，经复核，其理由不能成立，不予采纳。",
                f"本机关于{_cn_date(notice)}告知当事人享有陈述、申辩和要求听证的权利，当事人在法定期限内未要求听证。",
                "",
            )
        )
    )
    return "".join(out)


_WITHHOLD_NOTES = {
    "商业秘密": "决定内容涉及当事人工艺配方等商业秘密，经当事人申请并审查同意不予公开。",
    "个人隐私": "公开后可能侵犯当事人个人隐私，依法不予公开。",
    "未成年人": "当事人为未成年人，依法不予公开。",
    "简易程序": "适用简易程序作出的行政处罚决定，依规定不予公开。",
    "危害安全稳定": "公开后可能危及社会稳定，经审查不予公开。",
    "轻微违法": "违法行为轻微，依规定不予公开。",
    "其他": "案件尚在行政复议期间，暂不公开。",
}
_STATUS_REASONS = {
    ("licence", "撤销"): (
        "被许可人以提供虚假材料等不正当手段取得许可，依据《中华人民共和国行政许可法》第六十九条第二款予以撤销。",
    ),
    ("licence", "变更"): (
        "被许可人申请变更经营场所地址，已换发新证，原许可决定不再有效。",
        "被许可人名称变更，已重新作出许可决定。",
    ),
    ("licence", "注销"): (
        "被许可人申请注销许可证。",
        "被许可人已依法终止，依据《中华人民共和国行政许可法》第七十条予以注销。",
    ),
    ("licence", "失效"): ("被许可人营业执照被吊销，许可失效。", "被许可人逾期未申请延续，许可自行失效。"),
    ("penalty", "撤销"): (
        "经行政复议，常州市钟楼区人民政府于{d}决定撤销该行政处罚决定。",
        "经常州市钟楼区人民法院判决，该行政处罚决定被撤销。",
    ),
    ("penalty", "变更"): (
        "经行政复议变更罚款金额，以变更后的决定为准。",
        "经本机关重新审查，依法变更处罚内容，已另行作出决定。",
    ),
    ("penalty", "已修复"): (
        "当事人已履行行政处罚决定并提交信用修复申请，经审核同意，于{d}完成信用修复，提前终止公示。",
        "当事人已全部履行处罚决定、主动纠正违法行为并作出信用承诺，信用修复申请已通过审核。",
    ),
}
_CORRECTION_REASONS = {
    "licence": (
        "更正行政相对人名称中的错别字。",
        "补录许可证编号。",
        "更正有效期至的录入错误。",
        "更正许可内容中的经营场所地址。",
    ),
    "penalty": (
        "更正罚款金额笔误。",
        "更正行政相对人名称中的错别字。",
        "更正处罚依据条款项序号。",
        "补充违法事实中的检查日期。",
    ),
}
_REMARKS = {
    "licence": ("申请人已于{d}领取许可证件。", "本许可为延续换证。", "本许可为补办。"),
    "penalty": (
        "当事人已于{d}缴清罚款。",
        "当事人已申请分期缴纳罚款，经批准分三期缴纳。",
        "当事人已于{d}完成整改。",
    ),
}


def _coverage_scenarios() -> list[dict]:
    """Records that make every small sample cover every kind of case at least once."""

    def simple_ok(spec):
        return bool(spec.get("simple"))

    out: list[dict] = []
    for reason in WITHHOLD_REASONS:
        sc: dict = {"kind": "penalty", "withhold": reason}
        if reason == "简易程序":
            sc.update(dept="scjg", item_filter=simple_ok)
        elif reason in ("个人隐私", "未成年人"):
            sc.update(dept="gaj", party="自然人", item_filter=lambda s: s["parties"][2] > 0)
        elif reason == "轻微违法":
            sc.update(dept="cgj", item_filter=lambda s: s["severity"] == "轻微")
        elif reason == "商业秘密":
            sc.update(dept="sthj", kind="licence")
        out.append(sc)
    for status in ("撤销", "变更", "注销", "失效"):
        out.append({"kind": "licence", "status": status, "recent_ok": False})
    for status in ("撤销", "变更", "已修复", "已修复"):
        out.append({"kind": "penalty", "dept": "scjg", "status": status, "recent_ok": False,
                    "item_filter": lambda s: s["severity"] != "严重"})  # fmt: skip
    out.append({"kind": "licence", "dept": "scjg", "party": "个体工商户", "placeholder": True})
    out.append({"kind": "penalty", "dept": "scjg", "party": "个体工商户", "placeholder": True})
    out.append({"kind": "licence", "dept": "scjg", "party": "个体工商户", "placeholder": False})
    out.append({"kind": "penalty", "dept": "cgj", "party": "自然人"})
    out.append({"kind": "licence", "dept": "wjw", "party": "自然人"})
    out.append({"kind": "penalty", "dept": "cgj", "party": "法人及非法人组织", "institution": True})
    out.append({"kind": "licence", "dept": "zjj", "correction": True, "recent_ok": False})
    out.append({"kind": "penalty", "dept": "scjg", "correction": True, "recent_ok": False})
    out.append({"kind": "penalty", "dept": "jtj", "until": True})
    for id_type, _w in FOREIGN_ID_TYPES:
        out.append({"kind": "penalty", "dept": "cgj", "party": "自然人", "id_type": id_type})
    # Every 处罚类别 at least once.
    for dept, cats in (
        ("gaj", ("行政拘留", "没收非法财物")),
        ("wgl", ("罚款", "通报批评")),
        ("sthj", ("罚款", "责令关闭")),
        ("sthj", ("罚款", "限制开展生产经营活动")),
        ("zjj", ("罚款", "责令停产停业", "降低资质等级")),
        ("scjg", ("罚款", "没收违法所得", "没收非法财物", "吊销许可证件", "限制从业")),
        ("jtj", ("罚款", "暂扣许可证件")),
        ("cgj", ("罚款", "其他")),
        ("wjw", ("警告", "罚款")),
    ):
        cat_set = set(cats)
        out.append(
            {
                "kind": "penalty",
                "dept": dept,
                "cats": cats,
                "item_filter": lambda s, cs=cat_set: any(set(c) == cs for c, _w in s["cats"]),
            }
        )
    return out


def iter_records(
    n: int,
    seed: int = DEFAULT_SEED,
    start: date = date(2016, 1, 1),
    end: date | None = None,
    recent: tuple[int, float] | None = None,
) -> Iterator[SynthRecord]:
    """``n`` records with decision dates in [start, end], in decision-date order. ``recent=(days,
    share)`` puts about ``share`` of them into the last ``days`` days (full rolling lists)."""
    end = end or date.today()
    gen = _Generator(seed, start, end)
    for decided, dept, kind, sc in gen.plan(n, recent):
        yield gen.record(decided, dept, kind, sc)


def generate_records(
    n: int,
    seed: int = DEFAULT_SEED,
    start: date = date(2016, 1, 1),
    end: date | None = None,
    recent: tuple[int, float] | None = None,
) -> list[tuple[str, str]]:
    """``[(relpath, yaml_text)]`` for ``n`` records (see ``iter_records``)."""
    return [(r.relpath, r.yaml()) for r in iter_records(n, seed, start, end, recent)]


# --------------------------------------------------------------------------------------------
# Command line: python -m bench.synth sample --out .


def write_files(root: Path, files: list[tuple[str, str]]) -> None:
    for rel, text in files:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def write_sample(
    root: Path, seed: int = DEFAULT_SEED, count: int = SAMPLE_COUNT, end: date = SAMPLE_END
) -> int:
    """Write the registry, catalogs and ``count`` records under ``root``; returns the number of files."""
    files = registry_files(seed) + generate_records(count, seed, date(2016, 1, 1), end, SAMPLE_RECENT)
    write_files(root, files)
    return len(files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.synth", description="生成钟楼区双公示示例数据（虚构）。"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("sample", help="写入 data/departments.yaml、data/catalog/ 和 data/records/ 示例数据")
    p.add_argument("--out", default=".", help="仓库根目录（默认当前目录）")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--count", type=int, default=SAMPLE_COUNT, help="记录条数")
    p.add_argument("--end", default=SAMPLE_END.isoformat(), help="最晚的决定日期 YYYY-MM-DD")
    p.add_argument("--force", action="store_true", help="先删除已有的 data/records/")
    args = parser.parse_args(argv)
    root = Path(args.out)
    try:
        end = date.fromisoformat(args.end)
    except ValueError:
        print(f"错误：--end 应为 YYYY-MM-DD 格式的日期，现在是 {args.end}。", file=sys.stderr)
        return 2
    records_dir = root / "data" / "records"
    if records_dir.exists() and any(records_dir.rglob("*.yaml")):
        if not args.force:
            print(f"错误：{records_dir} 中已有记录文件。加 --force 先删除它们再生成。", file=sys.stderr)
            return 1
        shutil.rmtree(records_dir)
    written = write_sample(root, args.seed, args.count, end)
    print(f"已写入 {written} 个文件（种子 {args.seed}，{args.count} 条记录，截至 {end.isoformat()}）。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
