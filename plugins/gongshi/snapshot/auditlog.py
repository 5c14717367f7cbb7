"""``gongshi log RECORD``: one record's audit trail from the internal repository (docs/audit.md).

For every first-parent commit on the current branch that touched the record file (the merges of
pull requests, or squash commits): its China-time date, commit, author, pull-request number (from
the subject: ``#123``), the fields it changed (a diff of the parsed YAML documents, not of lines),
and the correction entries it added, checked against its own date: a correction dated after the
merge that published it, or merged more than the publication deadline (``policy.deadline_workdays``
working days) after its date, is flagged. Then the publication's timeliness (deadline, day of
publication, delay) and the record's state on each day it changed (the time rules evaluated on the
version in force that day: merges, the end of the rolling list, of the disclosure period, a
withdrawal).

Works for records the site no longer shows (expired, withdrawn) and for files deleted since: it
reads a path-limited first-parent ``git log`` of the one file (``history.log.scan_record_history``;
the cached whole-history scan only to find a deleted file by its id), the versions' blobs
(``history.versions``) and the registry; it validates nothing, so it stays under a second on a
100,000-record repository (``bench/bench_auditlog.py``).

The commit subject is internal: this is a command for the platform team and auditors working on the
repository, and its output never goes into the site.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from gongshi.core.corrections import DEFAULT_NATURE, SUBSTANCE, nature_of_fields, stated_nature
from gongshi.core.records import FOLDER_KIND, Record
from gongshi.core.timeline import STATE_LABEL, Timeline
from gongshi.history.cache import scan_history_cached
from gongshi.history.log import Change, Publication, scan_record_history
from gongshi.history.versions import read_blobs
from gongshi.repo.files import RECORDS_DIR, RecordFile, load_registry, record_from_loaded
from gongshi.repo.git import run_git
from gongshi.repo.yamlload import load_yaml_bytes
from gongshi.rules.policy import Policy, evaluate
from gongshi.rules.workdays import Calendar

LOG_FORMAT_VERSION = 1
PR_NUMBER = re.compile(r"#(\d+)\b")
STATUS_LABEL = {"A": "新增", "M": "修改", "D": "删除"}
DELETED = "deleted"  # the state after a commit that deleted the file


class RecordNotFound(Exception):
    """No record file of that name or id was ever on the branch; the message is Chinese."""


@dataclass(frozen=True)
class FieldChange:
    """One changed field: its dotted path (``party.name``, ``corrections[1].reason``) and values."""

    field: str
    old: object
    new: object

    def to_json(self) -> dict:
        return {"field": self.field, "old": _plain(self.old), "new": _plain(self.new)}


@dataclass(frozen=True)
class CorrectionCheck:
    """A correction entry a commit added, checked against the commit's date, with its nature:
    the one it states (None: none, so it counts as 实质) and the one the fields the commit
    changed suggest (``core.corrections.nature_of_fields``)."""

    date: str
    reason: str
    merged: date
    flag: str  # "" when in order; otherwise a Chinese sentence
    nature: str | None = None
    suggested: str = SUBSTANCE

    @property
    def counted(self) -> str:
        """The nature accuracy counts it as."""
        return self.nature or DEFAULT_NATURE

    def to_json(self) -> dict:
        return {
            "date": self.date,
            "reason": self.reason,
            "merged": self.merged.isoformat(),
            "flag": self.flag,
            "nature": self.nature,
            "nature_counted": self.counted,
            "nature_suggested": self.suggested,
        }


@dataclass
class Event:
    """One first-parent commit that touched the record file."""

    change: Change
    author: str
    pr: int | None
    fields: list[FieldChange] = field(default_factory=list)
    corrections: list[CorrectionCheck] = field(default_factory=list)
    state: str = ""  # the record's state at the end of that day

    def to_json(self) -> dict:
        c = self.change
        return {
            "commit": c.sha,
            "committed_at": c.committed_at,
            "date": c.date.isoformat(),
            "author": self.author,
            "pull_request": self.pr,
            "subject": c.subject,
            "action": {"A": "added", "M": "modified", "D": "deleted"}[c.status],
            "changed": [f.to_json() for f in self.fields],
            "corrections": [k.to_json() for k in self.corrections],
            "state": self.state,
        }


@dataclass(frozen=True)
class StateDay:
    """The day the record's state became ``state`` (the time rules on that day's version)."""

    date: date
    state: str

    def to_json(self) -> dict:
        return {"date": self.date.isoformat(), "state": self.state, "state_label": _state_label(self.state)}


@dataclass
class AuditLog:
    record_id: str
    path: str
    as_of: date
    events: list[Event] = field(default_factory=list)
    states: list[StateDay] = field(default_factory=list)
    timeline: Timeline | None = None  # as of ``as_of``, of the last version (None: deleted)
    flags: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        t = self.timeline
        publication = None
        if t is not None:
            publication = {
                "decision_date": t.decision_date.isoformat(),
                "deadline": t.deadline.isoformat(),
                "published_at": t.published_at.isoformat() if t.published_at else None,
                "on_time": t.on_time,
                "delay_workdays": t.delay_workdays,
                "backfilled": t.backfilled,
                "provisional": t.provisional or t.deadline_provisional,
                "withdrawal_due": t.withdrawal_due.isoformat() if t.withdrawal_due else None,
                "withdrawal_published_at": (
                    t.withdrawal_published_at.isoformat() if t.withdrawal_published_at else None
                ),
                "withdrawal_on_time": t.withdrawal_on_time,
            }
        return {
            "format": LOG_FORMAT_VERSION,
            "id": self.record_id,
            "file": self.path,
            "as_of": self.as_of.isoformat(),
            "state": self.states[-1].state if self.states else None,
            "publication": publication,
            "events": [e.to_json() for e in self.events],
            "states": [s.to_json() for s in self.states],
            "flags": self.flags,
        }


def _plain(value: object) -> object:
    """A YAML value as JSON (dates as ISO strings)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _state_label(state: str) -> str:
    return "文件已删除" if state == DELETED else STATE_LABEL.get(state, state)


def flatten(doc: object, prefix: str = "") -> dict[str, object]:
    """A YAML document as ``{dotted path: scalar}`` (lists by index), for a field-level diff."""
    out: dict[str, object] = {}
    if isinstance(doc, dict):
        for key, value in doc.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            out.update(flatten(value, f"{prefix}[{i}]"))
        if not doc:
            out[prefix] = []
    else:
        out[prefix] = doc
    return out


def diff_documents(old: dict | None, new: dict | None) -> list[FieldChange]:
    """The fields that differ between two versions, in the newer document's order (removed last)."""
    a, b = flatten(old or {}), flatten(new or {})
    changed = [FieldChange(k, a.get(k), v) for k, v in b.items() if k not in a or a[k] != v]
    changed += [FieldChange(k, v, None) for k, v in a.items() if k not in b]
    return changed


def find_record(root: Path, record: str) -> str:
    """The repository-relative path of ``record``: a record file (existing or deleted) or a
    record id (looked for in the working tree, then, for a deleted file, in the cached history
    scan). Raises ``RecordNotFound``."""
    root = Path(root)
    given = Path(record)
    for path in (given if given.is_absolute() else Path.cwd() / given, root / record):
        try:
            rel = path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
        if path.is_file() or (rel.startswith(RECORDS_DIR + "/") and rel.endswith(".yaml")):
            return rel
    name = record.removesuffix(".yaml").rsplit("/", 1)[-1]
    found = sorted(p.relative_to(root).as_posix() for p in root.glob(f"{RECORDS_DIR}/*/*/*/{name}.yaml"))
    if not found:  # deleted since: the whole history scan knows every path ever committed
        history = scan_history_cached(root)
        found = sorted({p for p in history.changes if p.rsplit("/", 1)[-1] == f"{name}.yaml"})
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise RecordNotFound(f"记录编号 {name} 对应多个文件：{'、'.join(found)}。请给出文件路径。")
    raise RecordNotFound(f"找不到记录 “{record}”：工作区和主分支的历史中都没有这个文件或记录编号。")


def _record_of(path: str, raw: bytes | None) -> Record | None:
    """The record of one version's bytes (None for a deletion or a file that does not load)."""
    if raw is None:
        return None
    parts = path.split("/")
    dept, folder, year = (parts[2], parts[3], parts[4]) if len(parts) == 6 else ("", "", "")
    stem = parts[-1].removesuffix(".yaml")
    rf = RecordFile(Path(path), path, dept, FOLDER_KIND.get(folder), year, stem)
    record, _loaded = record_from_loaded(rf, load_yaml_bytes(raw, path))
    return record


def _authors(root: Path, shas: list[str]) -> dict[str, str]:
    """``name <email>`` of each commit's author, in one ``git log --no-walk``."""
    if not shas:
        return {}
    out = run_git(root, "log", "--no-walk=unsorted", "--format=%H%x1f%an <%ae>", *sorted(set(shas)))
    authors = {}
    for line in out.stdout.splitlines():
        sha, _, author = line.partition("\x1f")
        authors[sha] = author
    return authors


def _pr_number(subject: str) -> int | None:
    m = PR_NUMBER.search(subject)
    return int(m.group(1)) if m else None


def _correction_key(c: object) -> tuple[str, str]:
    if not isinstance(c, dict):
        return (str(c), "")
    d = c.get("date")
    return (d.isoformat() if isinstance(d, date) else str(d or ""), str(c.get("reason") or ""))


def check_correction(day: str, merged: date, calendar: Calendar, policy: Policy) -> str:
    """Why a correction dated ``day`` and merged on ``merged`` is out of order ("" when it is not)."""
    try:
        dated = date.fromisoformat(day)
    except ValueError:
        return f"更正日期 “{day}” 不是有效日期"
    if dated > merged:
        return (
            f"更正日期 {dated.isoformat()} 晚于合并日期 {merged.isoformat()}（更正记录写在了合并之后的日期）"
        )
    late, _provisional = calendar.workdays_between(dated, merged)
    if late > policy.deadline_workdays:
        return (
            f"更正日期 {dated.isoformat()} 之后第 {late} 个工作日才合并（{merged.isoformat()}），"
            f"超过公示期限 {policy.deadline_workdays} 个工作日"
        )
    return ""


def audit_log(root: Path, record: str, as_of: date) -> AuditLog:
    """The audit trail of ``record`` (a path or a record id) up to ``as_of``. Raises
    ``RecordNotFound`` and ``history.log.HistoryError``."""
    root = Path(root)
    path = find_record(root, record)
    history = scan_record_history(root, path)
    changes = [c for c in reversed(history.changes.get(path, [])) if c.date <= as_of]  # oldest first
    log = AuditLog(path.rsplit("/", 1)[-1].removesuffix(".yaml"), path, as_of)
    if not changes:
        log.flags.append("该文件从未提交到主分支（尚未公示）。")
        return log
    registry = load_registry(root)
    policy = Policy.from_data(registry.policy)
    calendar = Calendar.load(root)
    # A few blobs: straight from Git (the build's blob cache is megabytes to load and rewrite).
    blobs = read_blobs(root, [c.blob for c in changes if c.blob], cached=False)
    authors = _authors(root, [c.sha for c in changes])
    first = next((c for c in changes if c.status == "A"), changes[0])
    publication = Publication(first.date, first.sha, False)

    versions: list[tuple[date, Record | None, int]] = []  # (merge day, record, index in changes)
    previous: dict | None = None
    for i, c in enumerate(changes):
        raw = blobs.get(c.blob) if c.blob else None
        rec = _record_of(path, raw)
        doc = rec.data if rec is not None else None
        event = Event(c, authors.get(c.sha, ""), _pr_number(c.subject))
        event.fields = diff_documents(previous, doc) if c.status != "D" else []
        if doc is not None:
            before = {_correction_key(k) for k in (previous or {}).get("corrections") or []}
            suggested = nature_of_fields([f.field for f in event.fields])
            for k in doc.get("corrections") or []:
                day, reason = _correction_key(k)
                if (day, reason) not in before:
                    flag = check_correction(day, c.date, calendar, policy)
                    event.corrections.append(
                        CorrectionCheck(day, reason, c.date, flag, stated_nature(k), suggested)
                    )
                    if flag:
                        log.flags.append(f"{c.date.isoformat()} {c.sha[:12]}：{flag}")
        log.events.append(event)
        versions.append((c.date, rec, i))
        previous = doc if doc is not None else previous

    def state_on(day: date) -> tuple[str, Timeline | None]:
        in_force = [v for v in versions if v[0] <= day]
        if not in_force:
            return "", None
        _d, rec, i = in_force[-1]
        if rec is None:
            return DELETED, None
        seen = list(reversed(changes[: i + 1]))  # newest first, as the history keeps them
        item = registry.catalog.get(rec.item)
        timeline, _notes = evaluate(rec, day, publication, calendar, policy, item, seen)
        return timeline.state, timeline

    # The days the state can change: merges, and the ends the time rules set for each version.
    days = {c.date for c in changes}
    for day in sorted(days):
        _s, t = state_on(day)
        if t is not None:
            for end in (t.list_until, t.disclosure_until):
                if end is not None:
                    days.add(end + timedelta(days=1))
            if t.withdrawn_on is not None:
                days.add(t.withdrawn_on)
    last = ""
    by_day: dict[date, str] = {}
    for day in sorted(d for d in days if d <= as_of):
        state, _t = state_on(day)
        by_day[day] = state
        if state and state != last:
            log.states.append(StateDay(day, state))
            last = state
    for event in log.events:
        event.state = by_day.get(event.change.date, "")
    _s, log.timeline = state_on(as_of)
    t = log.timeline
    if t is not None and t.on_time is False:
        log.flags.append(f"公示迟于截止日 {t.deadline.isoformat()} {t.delay_workdays} 个工作日。")
    if t is not None and t.withdrawal_on_time is False:
        log.flags.append(f"撤回迟于应撤回日 {t.withdrawal_due.isoformat() if t.withdrawal_due else ''}。")
    return log


def render_json(log: AuditLog) -> str:
    return json.dumps(log.to_json(), ensure_ascii=False, indent=2) + "\n"


def _value(v: object) -> str:
    if v is None:
        return "（无）"
    text = json.dumps(_plain(v), ensure_ascii=False) if isinstance(v, (dict, list)) else str(_plain(v))
    return text if len(text) <= 60 else text[:57] + "…"


def _nature_text(k: CorrectionCheck) -> str:
    if k.nature is None:
        return f"未注明，按{DEFAULT_NATURE}计（本次改动的字段看是{k.suggested}更正）"
    if k.nature != k.suggested:
        return f"{k.nature}（本次改动的字段看是{k.suggested}更正，请核对）"
    return k.nature


def render_text(log: AuditLog) -> str:
    lines = [f"记录 {log.record_id}（{log.path}），截至 {log.as_of.isoformat()}"]
    t = log.timeline
    if t is not None:
        if t.published_at is None:
            timely = "未公示"
        elif t.on_time is None:
            timely = "不评价时效"
        elif t.on_time:
            timely = "按时"
        else:
            timely = f"迟 {t.delay_workdays} 个工作日"
        mark = "（暂定）" if t.provisional or t.deadline_provisional else ""
        lines.append(
            f"决定日期 {t.decision_date.isoformat()}，公示截止日 {t.deadline.isoformat()}{mark}，"
            f"公示日期 {t.published_at.isoformat() if t.published_at else '—'}：{timely}"
        )
        if t.withdrawal_due is not None:
            done = t.withdrawal_published_at.isoformat() if t.withdrawal_published_at else "尚未撤下"
            lines.append(f"应撤回日 {t.withdrawal_due.isoformat()}，撤下日期 {done}")
    if log.states:
        lines.append(f"当前状态：{_state_label(log.states[-1].state)}")
    lines += ["", "合并记录（主分支首父提交，中国时间）："]
    for e in log.events:
        c = e.change
        pr = f" PR #{e.pr}" if e.pr is not None else ""
        lines.append(f"{c.committed_at}  {c.sha[:12]}  {e.author}{pr}  {STATUS_LABEL[c.status]}")
        lines.append(f"    提交说明：{c.subject}")
        if e.state:
            lines.append(f"    当日状态：{_state_label(e.state)}")
        if c.status != "A":
            for f in e.fields:
                lines.append(f"    {f.field}: {_value(f.old)} → {_value(f.new)}")
        for k in e.corrections:
            lines.append(f"    更正 {k.date}：{k.reason}" + (f"  ⚠ {k.flag}" if k.flag else "  （日期相符）"))
            lines.append(f"      更正性质：{_nature_text(k)}")
    lines += ["", "状态变化："]
    lines += [f"  {s.date.isoformat()}  {_state_label(s.state)}" for s in log.states] or ["  （无）"]
    lines += ["", "需要注意："]
    lines += [f"  - {f}" for f in log.flags] or ["  （无）"]
    return "\n".join(lines) + "\n"
