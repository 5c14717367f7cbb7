"""Consistency warnings across records: what is legal in each record alone but probably a mistake
when the records are read together, or when read on the day they are checked.

* ``consistency.uscc_names``: one 统一社会信用代码 under different party names;
* ``consistency.name_usccs``: one organisation's name under different 统一社会信用代码;
* ``consistency.doc_no_year``: the year in the 文号 two or more years from the decision year;
* ``consistency.late``: a decision not yet published whose publication deadline has passed (it
  will count as late by so many working days once merged);
* ``consistency.id_check_digit``: an 18-character number shaped like a 身份证号码 or 统一社会信用代码
  whose check character is wrong, in any field (a mistyped number escapes the privacy lint);
* ``consistency.doc_no_format``: the 文号 not in its standard form (``core.docno``), with the suggestion.

All are warnings: they never change an exit code. ``gongshi validate`` runs them over the records
it checked; ``gongshi import`` over its rows together with the repository's records. Each names the
other records involved (files, or rows of the imported sheet).
"""

from __future__ import annotations

import marshal
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from gongshi.core import identifiers
from gongshi.core.docno import doc_no_year, standard_doc_no
from gongshi.core.problems import Problem
from gongshi.core.records import Record
from gongshi.history.log import Publication
from gongshi.repo.files import Registry
from gongshi.repo.git import run_git
from gongshi.rules.policy import Policy, PolicyError, evaluate
from gongshi.rules.workdays import Calendar

DOC_NO_YEAR_GAP = 2  # years between the 文号's year and the decision's that are worth a question
_SHOWN = 3  # other records named in one message
_ID_SHAPE_RE = re.compile(r"(?<![0-9A-Za-z])([0-9A-Z]{18})(?![0-9A-Za-z])")
_CANDIDATE_RE = re.compile(r"[0-9A-Za-z０-９Ａ-Ｚａ-ｚ]{18}")
_NAME_SPACE_RE = re.compile(r"\s+")
# Fields whose codes the schema checks already (a wrong check character there is an error).
_CHECKED_ELSEWHERE = frozenset({"party.uscc", "party.id_no_masked", "party.org_code"})


@dataclass
class Subject:
    """One record to look at: where it is (``file`` and ``line`` for the problem, ``label`` for the
    messages of the others), its data, and whether it is still to be published (``unpublished``:
    the lateness warning applies)."""

    file: str
    label: str
    data: dict
    line: int | None = None
    lines: dict[str, int] | None = None  # JSON path → line, when known
    unpublished: bool = False
    report: bool = True  # False: a record only compared against (the repository's, in an import)


def _name_key(name: str) -> str:
    if unicodedata.is_normalized("NFKC", name) and _NAME_SPACE_RE.search(name) is None:
        return name  # most names: no full-width letters, no spaces (a C-speed test)
    return _NAME_SPACE_RE.sub("", unicodedata.normalize("NFKC", name))


def _others(labels: Iterable[str]) -> str:
    listed = list(dict.fromkeys(labels))
    more = f"等 {len(listed)} 处" if len(listed) > _SHOWN else ""
    return "、".join(listed[:_SHOWN]) + more


def _problem(s: Subject, path: str, code: str, message: str) -> Problem:
    line = (s.lines or {}).get(path, s.line)
    return Problem(s.file, line, path, code, message, "warning")


def consistency_problems(
    subjects: list[Subject], registry: Registry, calendar: Calendar | None, as_of: date
) -> list[Problem]:
    """Every consistency warning of the subjects that are reported."""
    problems: list[Problem] = []
    problems += _party_codes(subjects)
    policy = None
    if calendar is not None:
        try:
            policy = Policy.from_data(registry.policy)
        except PolicyError:
            policy = None  # validate reports the policy itself
    for s in subjects:
        if not s.report:
            continue
        problems += _doc_no(s)
        problems += _id_shapes(s)
        if s.unpublished and policy is not None and calendar is not None:
            problems += _late(s, registry, calendar, policy, as_of)
    return problems


def _party_codes(subjects: list[Subject]) -> list[Problem]:
    """One code under several names, and one name under several codes (organisations only)."""
    pairs: list[tuple[Subject, str, str]] = []
    for s in subjects:
        party = s.data.get("party")
        if not isinstance(party, dict):
            continue
        uscc, name = party.get("uscc"), party.get("name")
        valid = isinstance(uscc, str) and isinstance(name, str) and uscc and name
        if valid and uscc != identifiers.USCC_PLACEHOLDER:
            pairs.append((s, uscc, name))
    # Only the codes and names of the reported subjects matter: the others are not indexed.
    wanted_codes = {u for s, u, _ in pairs if s.report}
    wanted_names = {_name_key(n) for s, _, n in pairs if s.report}
    by_code: dict[str, list[tuple[Subject, str]]] = defaultdict(list)
    by_name: dict[str, list[tuple[Subject, str]]] = defaultdict(list)
    for s, uscc, name in pairs:
        if uscc in wanted_codes:
            by_code[uscc].append((s, name))
        key = _name_key(name)
        if key in wanted_names:
            by_name[key].append((s, uscc))
    out = []
    for uscc, entries in by_code.items():
        names = {_name_key(n) for _, n in entries}
        if len(names) < 2:
            continue
        for s, name in entries:
            if not s.report:
                continue
            others = [f"{o.label}（{n}）" for o, n in entries if _name_key(n) != _name_key(name)]
            out.append(
                _problem(
                    s,
                    "$.party.name",
                    "consistency.uscc_names",
                    f"统一社会信用代码 {uscc} 在其他记录中是另一个名称：{_others(others)}。"
                    "同一代码应是同一主体，请核对名称或代码（单位更名的，可在备注中说明）",
                )
            )
    for entries in by_name.values():
        codes = {c for _, c in entries}
        if len(codes) < 2:
            continue
        for s, uscc in entries:
            if not s.report:
                continue
            others = [f"{o.label}（{c}）" for o, c in entries if c != uscc]
            out.append(
                _problem(
                    s,
                    "$.party.uscc",
                    "consistency.name_usccs",
                    f"同一名称在其他记录中是另一个统一社会信用代码：{_others(others)}。请核对代码是否填错",
                )
            )
    return out


def _doc_no(s: Subject) -> list[Problem]:
    doc_no = s.data.get("doc_no")
    if not isinstance(doc_no, str) or not doc_no:
        return []
    out = []
    standard = standard_doc_no(doc_no)
    if standard != doc_no:
        out.append(
            _problem(
                s,
                "$.doc_no",
                "consistency.doc_no_format",
                f"文号建议写作“{standard}”（年份用六角括号〔〕，数字用半角），与同一机关的其他文号一致",
            )
        )
    year = doc_no_year(doc_no)
    decided = s.data.get("decision_date")
    if year is not None and isinstance(decided, str) and decided[:4].isdigit():
        gap = abs(int(decided[:4]) - year)
        if gap >= DOC_NO_YEAR_GAP:
            out.append(
                _problem(
                    s,
                    "$.doc_no",
                    "consistency.doc_no_year",
                    f"文号中的年份 {year} 与决定日期 {decided} 相差 {gap} 年。请核对文号或决定日期",
                )
            )
    return out


def _texts(node: object, path: str) -> Iterable[tuple[str, str]]:
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _texts(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _texts(value, f"{path}[{i}]")


def _bad_number(number: str) -> str | None:
    """What a mistyped 18-character number was meant to be: it is neither a valid 身份证号码 nor a
    valid 统一社会信用代码, but becomes one with another check character (None otherwise)."""
    is_id_shape = re.fullmatch(r"\d{17}[\dX]", number) is not None
    is_uscc_shape = all(c in identifiers.USCC_ALPHABET for c in number)
    if is_id_shape and identifiers.resident_id_problem(number) is None:
        return None
    if is_uscc_shape and identifiers.uscc_problem(number) is None:
        return None
    if (
        is_id_shape
        and identifiers.resident_id_problem(number[:17] + identifiers.id_check_char(number[:17])) is None
    ):
        return "身份证号码"
    if (
        is_uscc_shape
        and identifiers.uscc_problem(number[:17] + identifiers.uscc_check_char(number[:17])) is None
    ):
        return "统一社会信用代码"
    return None


def _id_shapes(s: Subject) -> list[Problem]:
    out = []
    for path, text in _texts(s.data, "$"):
        if not _CANDIDATE_RE.search(text):
            continue  # no run of 18 letters or digits: most texts, answered by one scan
        if path.removeprefix("$.") in _CHECKED_ELSEWHERE or path.endswith("_sealed"):
            continue
        for m in _ID_SHAPE_RE.finditer(unicodedata.normalize("NFKC", text).upper()):
            what = _bad_number(m.group(1))
            if what is None:
                continue
            shown = m.group(1)[:4] + "*" * 10 + m.group(1)[-4:]
            out.append(
                _problem(
                    s,
                    path,
                    "consistency.id_check_digit",
                    f"这里的 18 位号码 {shown} 像是{what}，但校验位不对，可能抄错了一位。请核对"
                    + ("；个人身份证号码不应写入记录" if what == "身份证号码" else ""),
                )
            )
    return out


def _late(s: Subject, registry: Registry, calendar: Calendar, policy: Policy, as_of: date) -> list[Problem]:
    """A record that is still to be merged, checked as if it were published on ``as_of``."""
    decided = s.data.get("decision_date")
    if not isinstance(decided, str):
        return []
    try:
        decision = date.fromisoformat(decided)
    except ValueError:
        return []
    if decision > as_of:
        return []
    record = Record(s.label, s.file, "", str(s.data.get("kind", "")), decided[:4], s.data)
    item = registry.catalog.get(str(s.data.get("item", "")))
    try:
        timeline, _ = evaluate(record, as_of, Publication(as_of, None, True), calendar, policy, item)
    except (ValueError, KeyError, TypeError):
        return []  # a record validate rejects: its errors say why
    if timeline.on_time is not False or timeline.backfilled:
        return []  # on time, withheld, or 补录 (counted apart, never as late)
    return [
        _problem(
            s,
            "$.decision_date",
            "consistency.late",
            f"公示截止日 {timeline.deadline.isoformat()} 已过（决定日期 {decided}，"
            f"按 {as_of.isoformat()} 计）：合并后将计为迟报 {timeline.delay_workdays} 个工作日。"
            "请尽快提交合并",
        )
    ]


def working_set(root: Path) -> tuple[set[str], set[str]]:
    """Record files the clerk is working on: (new: untracked or only added, so not published;
    changed: new or modified). Both empty outside Git. No rename detection (as
    ``check.listing.StatusRun``): a moved file is its new path added and its old one deleted, and
    every entry is one path."""
    done = run_git(
        root, "status", "--porcelain", "-z", "--no-renames", "--untracked-files=all", "--", "data/records"
    )
    if done.returncode != 0:
        return set(), set()
    new, changed = set(), set()
    for entry in done.stdout.split("\0"):
        if len(entry) <= 3:
            continue
        path = entry[3:]
        changed.add(path)
        if entry[:2] == "??" or entry[0] == "A":
            new.add(path)
    return new, changed


def repository_consistency(
    root: Path,
    records: list[Record],
    registry: Registry,
    as_of: date,
    *,
    scoped: bool,
    working: tuple[set[str], set[str]] | None = None,
) -> list[Problem]:
    """``consistency_problems`` for ``gongshi validate``: reported for the records named on the
    command line (``scoped``) or else for the record files Git shows as new or modified (a clean
    checkout costs nothing: no record is unpacked); compared with every record checked. The
    lateness warning only for files Git does not know yet. ``working``: ``working_set(root)``,
    when the caller has it already."""
    new, changed = working if working is not None else working_set(root)
    reported = [r for r in records if scoped or r.path in changed]
    if not reported:
        return []
    chosen = {r.path for r in reported}
    subjects = [Subject(r.path, r.path, r.data, lines=r.lines, unpublished=r.path in new) for r in reported]
    # The others only for the codes and names: read from their packed form, left packed.
    subjects += [
        Subject(r.path, r.path, marshal.loads(r.pack()), report=False)
        for r in records
        if r.path not in chosen
    ]
    calendar = Calendar.load(root) if new & chosen else None
    return consistency_problems(subjects, registry, calendar, as_of)
