"""The rules of one record file: where it lives (``_path_problems``), its schema
(``schema_errors``), and the rules a schema cannot express (``_record_rules``: references to
departments and catalog items, dates against each other and the as-of date, identifier warnings,
invisible characters and the privacy lint). ``check_record_file`` / ``check_record_bytes`` /
``check_loaded_record`` give a ``RecordCheck``; uniqueness across files is ``check.run``'s business.
Also ``normalise_doc_no``, the form in which document numbers are compared.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from gongshi.check.fieldnames import titled_problems
from gongshi.check.result import RecordCheck
from gongshi.check.schema_errors import fast_valid, field_infos, problem_at, schema_problems
from gongshi.check.suggest import with_suggestions
from gongshi.check.text_rules import text_problems
from gongshi.check.writing import writing_problems
from gongshi.core import identifiers, privacy
from gongshi.core.invisible import INVISIBLE_CHARACTERS, describe, find_invisible, invisible_message
from gongshi.core.problems import Problem
from gongshi.core.records import (
    ID_RE,
    KIND_FOLDER,
    KIND_LABEL,
    NATURAL_PERSON,
    SECRET_REASON,
    TRANSITIONAL_CODE_KEYS,
    USCC_REQUIRED_FROM,
    Record,
    parse_date,
)
from gongshi.core.sealed import HOW_TO_CONFIGURE, SEALED_PARTY_KEYS, policy_recipients, recipient_stanzas
from gongshi.repo.files import (
    RecordFile,
    Registry,
    delegation_allows,
    describe_record_path,
    load_record,
    record_from_loaded,
    records_since,
)
from gongshi.repo.yamlload import Loaded, child_path, load_yaml_bytes, load_yaml_file

MAX_ID_LENGTH = 64
_INVISIBLE_RE = re.compile("[" + "".join(INVISIBLE_CHARACTERS) + "]")


def scope_key_of(record: Record | None) -> tuple[str, str] | None:
    """The (authority, document number) a file outside a limited run is compared by: any loaded
    record with a text doc_no (checked or not; ``doc_no_key`` is that of a checked file)."""
    if record is not None and isinstance(record.data.get("doc_no"), str):
        return (record.authority, normalise_doc_no(record.data["doc_no"]))
    return None


def future_floor(data) -> str:
    """The latest date ``_record_rules`` compares with the as-of date: decision_date and
    corrections[].date (any text counts: an invalid one only makes the floor later). Not
    status_date: a status takes effect on its date, and before it the record is still 有效."""
    if not isinstance(data, dict):
        return ""
    dates = [data.get("decision_date")]
    corrections = data.get("corrections")
    if isinstance(corrections, list):
        dates.extend(c.get("date") for c in corrections if isinstance(c, dict))
    return max((d for d in dates if isinstance(d, str)), default="")


def normalise_doc_no(doc_no: str) -> str:
    """Two document numbers that differ only in width, spaces or bracket style are the same."""
    text = unicodedata.normalize("NFKC", doc_no)
    return _SPACES_RE.sub("", text).translate(_BRACKETS)


_SPACES_RE = re.compile(r"\s+")
_BRACKETS = str.maketrans("〔〕［］【】()（）", "[][][][][]")
_YEAR_RE = re.compile(r"\d{4}")


def check_record_file(
    root: Path, rf: RecordFile, registry: Registry, as_of: date, *, fast: bool = True
) -> RecordCheck:
    record, loaded = load_record(root, rf)
    return check_loaded_record(rf, record, loaded, registry, as_of, fast=fast)


# How many files ``check_record_files`` takes through each step before the next step: one step
# over many files keeps the code and data of that step (libyaml, jsonschema-rs, the rules) in the
# processor's caches, about a sixth less time per file than all steps file by file.
STEP_BATCH = 50


def check_record_files(
    rfs: list[RecordFile], registry: Registry, as_of: date, *, fast: bool = True
) -> Iterator[RecordCheck]:
    """``check_record_file`` of each of ``rfs``, in that order: the same checks and results, run
    step by step over batches of files (a batch's checks are yielded before the next is read)."""
    for start in range(0, len(rfs), STEP_BATCH):
        batch = rfs[start : start + STEP_BATCH]
        loaded = [load_yaml_file(rf.abspath, rf.relpath) for rf in batch]
        records = [record_from_loaded(rf, one) for rf, one in zip(batch, loaded, strict=True)]
        valid = [
            fast and record is not None and fast_valid(record.data, record_kind(rf, record) or "")
            for rf, (record, _one) in zip(batch, records, strict=True)
        ]
        yield from [
            check_loaded_record(rf, record, one, registry, as_of, fast=fast, known_valid=ok)
            for rf, (record, one), ok in zip(batch, records, valid, strict=True)
        ]


def check_record_bytes(root: Path, relpath: str, raw: bytes, registry: Registry, as_of: date) -> RecordCheck:
    """Check record content that is not on disk yet (``gongshi import`` checks every row before it
    writes anything): the same checks as ``check_record_file`` on a file at ``relpath`` holding ``raw``.
    Uniqueness across files (id, doc_no) is the caller's business, as in ``validate_repository``."""
    rf = describe_record_path(root, Path(root) / relpath)
    record, loaded = record_from_loaded(rf, load_yaml_bytes(raw, rf.relpath))
    check = check_loaded_record(rf, record, loaded, registry, as_of)
    check.problems = titled_problems(check.problems)  # as validate_repository shows them
    return check


def check_loaded_record(
    rf: RecordFile,
    record: Record | None,
    loaded: Loaded,
    registry: Registry,
    as_of: date,
    *,
    fast: bool = True,
    known_valid: bool = False,
) -> RecordCheck:
    """The checks of one loaded record file. ``known_valid``: ``schema_errors.fast_valid`` already
    said the record is valid for the schema of its ``record_kind``."""
    problems: list[Problem] = list(loaded.problems)
    problems.extend(_path_problems(rf, registry, loaded, record))
    if record is None:
        return RecordCheck(rf.relpath, None, problems)
    data = record.data
    scope_key = scope_key_of(record)
    kind = record_kind(rf, record)
    if kind is None:
        problems.append(
            problem_at(
                loaded,
                "$.kind",
                "schema.required",
                "缺少 “类型”（kind）：许可写 kind: licence，处罚写 kind: penalty（且放在对应目录中）。",
            )
        )
        return RecordCheck(rf.relpath, None, problems, scope_key=scope_key)
    schema = schema_problems(data, kind, loaded, fast=fast, known_valid=known_valid)
    problems.extend(with_suggestions(schema, data, kind, registry))
    bad_paths = {p.path for p in problems if p.severity == "error"}
    rule_problems = _record_rules(record, kind, registry, as_of, loaded, bad_paths)
    problems.extend(with_suggestions(rule_problems, data, kind, registry))
    problems.extend(text_problems(data, kind, loaded, bad_paths))
    problems.extend(writing_problems(loaded, kind))
    # The scope key is (authority, normalised doc_no) of any text doc_no: the same key when it is not empty.
    key = scope_key if scope_key is not None and data["doc_no"] else None
    ok = not any(p.severity == "error" for p in problems)
    line = loaded.line_of("$.doc_no")
    return RecordCheck(rf.relpath, record if ok else None, problems, key, line, future_floor(data), scope_key)


def record_kind(rf: RecordFile, record: Record) -> str | None:
    """The kind a record is checked as: its ``kind`` when that is one, else its folder's."""
    data = record.data
    # isinstance first: ``kind: []`` is a list, and a list cannot be looked up in a dict.
    kind = data.get("kind") if isinstance(data.get("kind"), str) and data["kind"] in KIND_FOLDER else None
    return kind or rf.folder_kind or None


def _path_problems(
    rf: RecordFile, registry: Registry, loaded: Loaded, record: Record | None
) -> list[Problem]:
    out = []
    where = "记录文件应放在 data/records/<部门>/<licences 或 penalties>/<决定年份>/<编号>.yaml"

    def add(code, msg):
        out.append(Problem(rf.relpath, None, "$", code, msg))

    if rf.dept is None:
        add("path.layout", f"{where}，现在的位置不对：{rf.relpath}。")
        return out
    if rf.relpath.endswith(".yml"):
        add("path.extension", "记录文件的扩展名必须是 .yaml（不是 .yml），请重命名。")
    if not ID_RE.match(rf.id) or len(rf.id) > MAX_ID_LENGTH:
        add(
            "path.id",
            f"文件名 “{rf.id}” 不能作编号：只能用小写英文字母、数字和单个连字符，"
            f"不超过 {MAX_ID_LENGTH} 个字符，例如 scjg-cf-2026-0015.yaml。",
        )
    if rf.dept not in registry.departments:
        known = "、".join(sorted(registry.departments)) or "（登记册为空）"
        add("path.department", f"目录 “{rf.dept}” 不是登记册中的部门代号。可用的部门：{known}。")
    if rf.folder_kind is None:
        folder = rf.relpath.split("/")[3]
        add("path.layout", f"目录 “{folder}” 应为 licences（行政许可）或 penalties（行政处罚）。{where}。")
    if not _YEAR_RE.fullmatch(rf.folder_year or ""):
        add("path.year", f"年份目录 “{rf.folder_year}” 应为四位数字的决定年份，例如 2026。")
    if record is not None:
        kind = record.data.get("kind")
        if rf.folder_kind and isinstance(kind, str) and kind in KIND_FOLDER and kind != rf.folder_kind:
            out.append(
                problem_at(
                    loaded,
                    "$.kind",
                    "path.kind",
                    f"kind 是 {kind}，但文件放在 {KIND_FOLDER[rf.folder_kind]} 目录中。"
                    f"请把文件移到 {KIND_FOLDER[kind]} 目录，或改正 kind。",
                )
            )
        decided = record.decision_date
        if decided and _YEAR_RE.fullmatch(rf.folder_year or "") and str(decided.year) != rf.folder_year:
            out.append(
                problem_at(
                    loaded,
                    "$.decision_date",
                    "path.year",
                    f"决定日期是 {decided.isoformat()}，但文件放在 {rf.folder_year} 年的目录中。"
                    f"请把文件移到 {decided.year} 目录，或改正决定日期。",
                )
            )
    return out


def _record_rules(
    record: Record, kind: str, registry: Registry, as_of: date, loaded: Loaded, bad: set[str]
) -> list[Problem]:
    out: list[Problem] = []
    data = record.data

    def add(path, code, msg, severity="error"):
        out.append(problem_at(loaded, path, code, msg, severity))

    # Departments ----------------------------------------------------------------------------
    authority = data.get("authority")
    for field_name, label in (("authority", "决定机关"), ("source_unit", "数据来源单位")):
        value = data.get(field_name)
        if isinstance(value, str) and f"$.{field_name}" not in bad and value not in registry.departments:
            known = "、".join(sorted(registry.departments))
            add(
                f"$.{field_name}",
                f"ref.{field_name}",
                f"{label} “{value}” 不是登记册（data/departments.yaml）中的部门代号。可用的部门：{known}。",
            )
    decided = record.decision_date if "$.decision_date" not in bad else None
    for field_name, label, code in (
        ("authority", "决定机关", "ref.authority_not_in_force"),
        ("source_unit", "数据来源单位", "ref.source_unit_not_in_force"),
    ):
        dept = (
            registry.departments.get(data.get(field_name)) if isinstance(data.get(field_name), str) else None
        )
        if dept is not None and decided and not dept.in_force(decided):
            add(f"$.{field_name}", code, _not_in_force(dept, decided, label))
    # The folder is the department that submits and reviews the record (CODEOWNERS), so it must be
    # the authority whose name the site shows, unless the authority entrusted that department (委托)
    # with this item on the decision date and says so in departments.yaml.
    if (
        record.dept in registry.departments
        and isinstance(authority, str)
        and authority in registry.departments
        and "$.authority" not in bad
        and record.dept != authority
        and not delegation_allows(registry, authority, record.dept, data.get("item"), record.decision_date)
    ):
        add(
            "$.authority",
            "record.authority_mismatch",
            f"文件在部门 “{record.dept}” 的目录（data/records/{record.dept}/）中，但决定机关（authority）是 "
            f"“{authority}”。记录必须放在决定机关自己的目录下：请把 authority 改为 {record.dept}，"
            f"或把文件移到 data/records/{authority}/。如果是 {authority} 委托 {record.dept} 作出的决定，"
            f"须先由平台管理团队在 data/departments.yaml 中 {authority} 的 delegates 里登记这项委托"
            f"（to: {record.dept}、items、from）。",
        )

    # Catalog item ---------------------------------------------------------------------------
    code = data.get("item")
    if (
        isinstance(code, str)
        and "$.item" not in bad
        and isinstance(authority, str)
        and authority in registry.departments
    ):
        item = registry.catalog.get(code)
        if item is None or item.dept != authority or item.kind != kind:
            own = [i for i in registry.catalog_by_dept.get(authority, []) if i.kind == kind]
            choices = "、".join(f"{i.code}（{i.name}）" for i in own[:8]) or "（该部门目录中没有此类事项）"
        if item is None:
            add(
                "$.item",
                "ref.item",
                f"目录事项 “{code}” 不存在于 data/catalog/{authority}.yaml。该部门可用的事项：{choices}。",
            )
        elif item.dept != authority:
            add(
                "$.item",
                "ref.item",
                f"目录事项 “{code}” 属于部门 “{item.dept}”，不是决定机关 “{authority}” 的事项。"
                f"可用的事项：{choices}。",
            )
        elif item.kind != kind:
            add(
                "$.item",
                "ref.item_kind",
                f"目录事项 “{code}”（{item.name}）是{KIND_LABEL[item.kind]}事项，"
                f"与本记录的类型不符。可用的事项：{choices}。",
            )
        elif decided and not item.in_force(decided):
            # A retired item keeps its decisions: only a decision outside its dates is wrong.
            if item.since and decided < item.since:
                when = f"自 {item.since.isoformat()} 起才实施"
            else:
                when = f"已于 {item.until.isoformat()} 后停止实施" if item.until else "不在实施期内"
            add(
                "$.item",
                "ref.item_not_in_force",
                f"目录事项 “{code}”（{item.name}）{when}，决定日期 {decided.isoformat()} 不在其实施期内。"
                f"请核对决定日期，或改用当时实施的事项。",
            )

    # Dates ----------------------------------------------------------------------------------
    if decided:
        if decided > as_of:
            add(
                "$.decision_date",
                "date.future",
                f"决定日期 {decided.isoformat()} 晚于今天（{as_of.isoformat()}）。请核对日期。",
            )
        since = records_since(registry, record.dept)
        if decided < since:
            add(
                "$.decision_date",
                "date.before_records_since",
                f"决定日期 {decided.isoformat()} 早于本仓库收录的起始日期 {since.isoformat()}，不应录入。",
            )

    def later_than_decision(path: str, value, label: str) -> None:
        d = parse_date(value)
        if d and decided and path not in bad and d < decided:
            add(path, "date.order", f"{label} {d.isoformat()} 早于决定日期 {decided.isoformat()}。请核对。")

    def not_future(path: str, value, label: str) -> None:
        d = parse_date(value)
        if d and path not in bad and d > as_of:
            add(path, "date.future", f"{label} {d.isoformat()} 晚于今天（{as_of.isoformat()}）。请核对日期。")

    # A status_date after the as-of date is no error: the status takes effect on its date, and
    # before it the record is evaluated as still 有效 (docs/explain.md).
    later_than_decision("$.status_date", data.get("status_date"), "状态变更日期")
    disclosure = data.get("disclosure")
    if isinstance(disclosure, dict):
        later_than_decision("$.disclosure.until", disclosure.get("until"), "公开截止日期")
    corrections = data.get("corrections")
    # As many positions as there are well-formed corrections, each read at its position in the
    # file (a malformed entry is the schema's business).
    for i in range(len(record.corrections)):
        entry = corrections[i] if i < len(corrections) else None
        when = entry.get("date") if isinstance(entry, dict) else None
        later_than_decision(f"$.corrections[{i}].date", when, "更正日期")
        not_future(f"$.corrections[{i}].date", when, "更正日期")
    if kind == "licence":
        start, end = parse_date(data.get("valid_from")), parse_date(data.get("valid_to"))
        if start and end and end < start and "$.valid_to" not in bad:
            add(
                "$.valid_to",
                "date.order",
                f"有效期至 {end.isoformat()} 早于有效期自 {start.isoformat()}。请核对两个日期。",
            )
        else:
            later_than_decision("$.valid_to", data.get("valid_to"), "有效期至")
    else:
        later_than_decision("$.valid_until", data.get("valid_until"), "处罚有效期")

    # Identifiers (the schema checked validity; these are the warnings) ---------------------
    party = record.party
    out.extend(_party_code_required(record, loaded, decided, bad))
    uscc = party.get("uscc")
    if isinstance(uscc, str) and uscc != identifiers.USCC_PLACEHOLDER and "$.party.uscc" not in bad:
        for w in identifiers.uscc_warnings(uscc):
            add("$.party.uscc", "identifier.uscc_warning", f"统一社会信用代码 {uscc}：{w}", "warning")
    # The schema's masked-id-no format cannot see the id type; a passport number masked only as
    # much as an ID card would be must still be rejected.
    masked, id_type = party.get("id_no_masked"), party.get("id_type")
    typed = isinstance(masked, str) and isinstance(id_type, str)
    if typed and not {"$.party.id_no_masked", "$.party.id_type"} & bad:
        why = identifiers.masked_id_problem(masked, id_type)
        if why:
            add("$.party.id_no_masked", "privacy.id_not_masked", why)
    out.extend(_sealed_problems(party, registry, loaded, bad))
    region = data.get("region_code")
    if isinstance(region, str) and "$.region_code" not in bad and not identifiers.region_code_known(region):
        add(
            "$.region_code",
            "identifier.region_unknown",
            f"行政区划编码 {region} 不在 GB/T 2260 代码表中（可能已撤销或写错）。请核对。",
            "warning",
        )

    out.extend(_secret_stub_problems(data, kind, loaded))
    out.extend(_text_problems(data, kind, loaded))
    return out


def _sealed_problems(party, registry: Registry, loaded: Loaded, bad: set[str]) -> list[Problem]:
    """A sealed ID number whose age header lists a different number of recipients than
    ``reporting.recipients`` was sealed before the keys were rotated (or the keys are gone):
    ``gongshi reseal`` fixes it. Read from the header only; validate never decrypts."""
    out = []
    wanted = len(policy_recipients(registry.policy))
    for key in SEALED_PARTY_KEYS:
        path = f"$.party.{key}"
        value = party.get(key)
        if not isinstance(value, str) or path in bad:
            continue
        stanzas = recipient_stanzas(value)
        if stanzas is None:
            message = (
                "加密字段不是可读的 age 加密文本（内容被改动或截断），gongshi report 将无法解密。"
                "请删除这一项，用 gongshi new 或 gongshi import 重新录入完整证件号码。"
            )
            out.append(problem_at(loaded, path, "sealed.format", message))
        elif wanted == 0:
            message = (
                "记录中有加密的证件号码，但 data/policy.yaml 没有列出接收方公钥 reporting.recipients，"
                "无法确认它加密给了谁。" + HOW_TO_CONFIGURE.replace("\n", " ")
            )
            out.append(problem_at(loaded, path, "sealed.recipients_changed", message, "warning"))
        elif stanzas != wanted:
            message = (
                f"加密的证件号码是按 {stanzas} 个接收方公钥加密的，而 data/policy.yaml 现在列出 {wanted} 个"
                "（公钥已轮换？）。请持旧私钥运行 gongshi reseal --identity 私钥文件，按现在的公钥重新加密。"
            )
            out.append(problem_at(loaded, path, "sealed.recipients_changed", message, "warning"))
    return out


# A record withheld as 国家秘密 is a stub: the 方案 (§二(一)) keeps state secrets out of both
# collection and publication, and secrecy law keeps them off networked systems. What is left is
# what the assessment counts: kind, authority, catalog item, decision date and the reason.
SECRET_STUB_KEYS = ("kind", "item", "decision_date", "authority", "disclosure")
SECRET_STUB_DISCLOSURE_KEYS = ("public", "reason")
_SECRET_WHY = "国家秘密信息不得归集入库，只保留类型、机关、事项、决定日期和不公开理由用于考核统计"


def is_secret_stub(data) -> bool:
    """True for a record withheld for 国家秘密 (``disclosure.reason: 国家秘密``): it may hold only
    ``SECRET_STUB_KEYS`` (and, under ``disclosure``, ``public: false`` and the reason)."""
    disclosure = data.get("disclosure") if isinstance(data, dict) else None
    return isinstance(disclosure, dict) and disclosure.get("reason") == SECRET_REASON


def _secret_stub_problems(data, kind: str, loaded: Loaded) -> list[Problem]:
    if not is_secret_stub(data):
        return []
    extra = [("$", k) for k in data if k not in SECRET_STUB_KEYS]
    extra += [("$.disclosure", k) for k in data["disclosure"] if k not in SECRET_STUB_DISCLOSURE_KEYS]
    infos = field_infos(kind)
    out = []
    for parent, key in extra:
        path = child_path(parent, key)
        title = infos.get(path, None)
        label = f"“{title.title}”（{key}）" if title and title.title else f"“{key}”"
        out.append(
            problem_at(
                loaded,
                path,
                "secret.extra_field",
                f"不公开理由为国家秘密的记录不能填写 {label}：{_SECRET_WHY}。"
                f"请删除这一项（涉密内容按保密规定在涉密系统中处理）。",
            )
        )
    return out


# Fields whose value is a validated organisation code, not free text: the privacy lint skips them.
_CODE_FIELDS = {"uscc", "org_code", "business_reg_no", "tax_reg_no", "id_no_masked"}
# Fields that hold numbers of documents and licences: there an 18-digit number with a wrong ID check
# digit, or a 15-digit number, is a number of another scheme (施工许可证编号 …), not an ID number.
_NUMBER_FIELDS = {"doc_no", "licence_no", "licence_affected"}
_INDEX_RE = re.compile(r"\[\d+\]")


def _text_problems(data, kind: str, loaded: Loaded) -> list[Problem]:
    """Every text: invisible formatting characters (a warning), digits split by them and unmasked
    personal numbers (errors; not in the code fields, which are checked as codes). Each scan runs
    first over all the file's scalar values joined (the loader's ``texts``: every text of ``data`` is
    one of them); only a record where it finds something is looked at text by text (every invisible
    character is outside ASCII)."""
    out: list[Problem] = []
    texts = loaded.texts or None  # a Loaded not made by the loader: walk the data instead
    if texts is None:
        texts = _texts(data, "$", None, [])
        joined = "\0".join(t[2] for t in texts)
        numbered = "\0".join(t[2] for t in texts if t[1] not in _CODE_FIELDS)
    else:
        joined = "\0".join(texts)
        keys = loaded.text_keys
        # The code fields are never scanned for numbers (a credit code would send nearly every
        # record down the text-by-text path): the first test leaves them out too.
        if len(keys) == len(texts):
            numbered = "\0".join([t for t, k in zip(texts, keys, strict=True) if k not in _CODE_FIELDS])
        else:
            numbered = joined
        texts = None
    invisible = not joined.isascii() and _INVISIBLE_RE.search(joined) is not None
    # ``numbered`` is some of the same texts: without an invisible character in any, none splits digits.
    numbers = privacy.may_hold_personal_number(numbered, invisible=invisible)
    if not (invisible or numbers):
        return out
    infos = field_infos(kind)
    for parent, key, text in texts or _texts(data, "$", None, []):
        hidden = privacy.find_hidden_digits(text) if invisible else []
        if invisible and not text.isascii():
            rest = "".join(text[a:b] for a, b in _outside(hidden, len(text))) if hidden else text
            chars = find_invisible(rest)
            if chars:
                out.append(
                    problem_at(
                        loaded,
                        child_path(parent, key),
                        "text.invisible_character",
                        invisible_message(chars),
                        "warning",
                    )
                )
        if key in _CODE_FIELDS or not (numbers or hidden):
            continue
        # Most texts hold no number: the field's path and title only for those that do.
        findings = privacy.find_personal_numbers(text) if numbers else []
        if not (hidden or findings):
            continue
        path = child_path(parent, key)
        info = infos.get(_INDEX_RE.sub("[]", path))
        where = info.title if info and info.title else path
        if hidden:
            names = "、".join(describe(c) for c in dict.fromkeys("".join(text[a:b] for a, b in hidden)))
            out.append(
                problem_at(
                    loaded,
                    path,
                    "privacy.hidden_number",
                    f"{where}中有数字被看不见的字符（{names}）隔开"
                    f"（第 {hidden[0][0] + 1} 个字符起，共 {len(hidden)} 处）。"
                    f"这样的号码人眼看不出、检查也查不到：请删除这些字符；如果是证件号码、电话号码或银行卡号，"
                    f"请删除号码，或只保留脱敏形式（用 * 遮盖中间部分）。",
                )
            )
        for f in findings:
            if key in _NUMBER_FIELDS and not f.exact:
                continue
            masked = privacy.mask(f)
            typo = "（校验位不符，可能抄错了，但仍然泄露了号码）" if not f.exact and len(masked) == 18 else ""
            out.append(
                problem_at(
                    loaded,
                    path,
                    "privacy.unmasked_number",
                    f"{where}中有未脱敏的{f.kind}“{masked}”{typo}（第 {f.span[0] + 1} 个字符起）。"
                    f"个人的{f.kind}不得写入记录（数据仓库的历史无法删除）："
                    f"请删除它，或只保留脱敏形式，如 {masked}。",
                )
            )
    return out


def _outside(spans: list[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """The parts of ``range(length)`` not covered by the sorted, disjoint ``spans``."""
    out, pos = [], 0
    for a, b in spans:
        out.append((pos, a))
        pos = b
    out.append((pos, length))
    return out


def _not_in_force(dept, day: date, label: str) -> str:
    """Why ``dept`` cannot be the ``label`` of a decision of ``day``."""
    if dept.since and day < dept.since:
        return (
            f"{label} “{dept.key}”（{dept.name}）自 {dept.since.isoformat()} 起才设立，"
            f"决定日期 {day.isoformat()} 时还不存在。请核对决定日期或决定机关。"
        )
    after = f"，其职责由 “{dept.successor}” 承继" if dept.successor else ""
    return (
        f"{label} “{dept.key}”（{dept.name_on(dept.until)}）已于 {dept.until.isoformat()} 后撤销{after}，"
        f"决定日期 {day.isoformat()} 时已不存在。请核对决定日期或决定机关。"
    )


def _party_code_required(
    record: Record, loaded: Loaded, decided: date | None, bad: set[str]
) -> list[Problem]:
    """An organisation or 个体工商户 needs a 统一社会信用代码; for a decision before
    ``USCC_REQUIRED_FROM`` its 组织机构代码 or 工商注册号 (check digits verified by the schema) will
    do instead (方案 §四(二), the transition to unified codes)."""
    party = record.party
    category = party.get("category")
    if not isinstance(category, str) or category == NATURAL_PERSON or "$.party.category" in bad:
        return []
    if party.get("uscc") is not None or "$.party" in bad:
        return []
    if decided is None:
        return []  # the decision date's own error says what to fix first
    transitional = [k for k in TRANSITIONAL_CODE_KEYS if party.get(k) is not None]
    if decided < USCC_REQUIRED_FROM:
        if transitional:
            return []
        message = (
            f"缺少统一社会信用代码 “uscc”。{category}必须填写统一社会信用代码；"
            f"决定日期 {decided.isoformat()} 在 {USCC_REQUIRED_FROM.isoformat()} 之前（过渡期），"
            "也可以改填组织机构代码 org_code 或工商注册号 business_reg_no。"
        )
    else:
        message = (
            f"缺少统一社会信用代码 “uscc”：{USCC_REQUIRED_FROM.isoformat()} 起作出的决定，{category}必须填写"
            f"统一社会信用代码（决定日期 {decided.isoformat()}）。组织机构代码、工商注册号只能在过渡期"
            f"（{USCC_REQUIRED_FROM.isoformat()} 之前的决定）代替它。"
        )
    return [problem_at(loaded, "$.party.uscc", "party.uscc_required", message)]


def _texts(node, parent: str, key, out: list) -> list[tuple[str, str | int | None, str]]:
    """``(parent path, key or index, text)`` of every string in ``node``, depth first (the path is
    built only for the few texts that get a problem)."""
    if isinstance(node, str):
        out.append((parent, key, node))
    elif isinstance(node, dict):
        here = parent if key is None else child_path(parent, key)
        for k, v in node.items():
            _texts(v, here, k, out)
    elif isinstance(node, list):
        here = parent if key is None else child_path(parent, key)
        for i, v in enumerate(node):
            _texts(v, here, i, out)
    return out
