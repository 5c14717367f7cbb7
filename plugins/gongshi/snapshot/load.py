"""The one snapshot loader: validate → history → policy and calendar → evaluate.

``load`` is what the site build, the Pelican generator and ``gongshi export``/``stats`` call;
``gongshi explain`` reads the same inputs through ``read_inputs`` (the one place that sequences
the steps before evaluation) and evaluates its one record in detail. Whatever stops a snapshot
comes out as one ``SnapshotError`` with Chinese problems: errors in the files, a Git history that
cannot be used (``HistoryError``) or an unusable data/policy.yaml (``PolicyError``).
"""

from __future__ import annotations

import gc
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from operator import attrgetter, itemgetter
from pathlib import Path

from gongshi.check.listing import StatusRun
from gongshi.check.result import ValidationResult
from gongshi.check.run import validate_repository
from gongshi.core import cachefile, gcpause, phases
from gongshi.core.clock import CHINA_TZ
from gongshi.core.problems import Problem
from gongshi.core.records import NATURAL_PERSON, Record
from gongshi.history.cache import scan_history_cached
from gongshi.history.log import HistoryError, HistoryIndex, scan_history
from gongshi.history.versions import BlobError, read_blobs, version_data
from gongshi.repo.files import POLICY_FILE, RECORDS_DIR, Registry
from gongshi.repo.git import run_git
from gongshi.rules.policy import Policy, PolicyError, evaluate
from gongshi.rules.workdays import MISSING_YEAR, Calendar
from gongshi.snapshot.build import Entry, Snapshot
from gongshi.snapshot.changes import entry_changes
from gongshi.snapshot.timelines import TimelineCache

_TIMELINE, _RECORD, _PATH = attrgetter("timeline"), attrgetter("record"), attrgetter("path")
PAST_NAMES_CACHE = "past-names.marshal"  # in cachefile.cache_dir: path -> (blob ids, names)


class SnapshotError(Exception):
    """The repository cannot be published as it is; ``problems`` say why (Chinese messages).

    Either the files have errors (``files_invalid``: ``problems`` are those errors, as ``gongshi
    validate`` reports them, and ``message`` counts them), or the Git history or data/policy.yaml
    cannot be used (``problems`` is that one problem, coded ``history.unavailable`` or
    ``policy.invalid``, and ``message`` is its text). ``validation`` is the check of the files
    either way (``gongshi explain`` shows a record's own warnings from it)."""

    def __init__(self, message: str, problems: list[Problem], validation: ValidationResult):
        super().__init__(message)
        self.message = message
        self.problems = problems
        self.validation = validation

    @property
    def files_invalid(self) -> bool:
        """True when validation stopped it; False for the history or the policy."""
        return not self.validation.ok


@dataclass
class Inputs:
    """Everything the time rules read, checked: the valid records, the history, policy and calendar."""

    validation: ValidationResult
    history: HistoryIndex
    policy: Policy
    calendar: Calendar


def read_inputs(root: Path, as_of: date, *, cache: bool, paths: Iterable[str] | None = None) -> Inputs:
    """Validate (only ``paths`` when given; uniqueness still against the whole repository), read the
    history from Git, then the policy and the calendar. Raises SnapshotError when it must not publish.
    ``cache``: reuse validated records and the history read by earlier builds (``check.cache``,
    ``history.cache``)."""
    history: HistoryIndex | None = None
    failed: HistoryError | None = None
    status = None
    if cache:
        # Git stats the work tree for the validation (``check.listing``) while the history loads.
        status = StatusRun(root)
        try:
            with phases.timed("snapshot/history"):
                history = scan_history_cached(root)
        except HistoryError as exc:
            failed = exc
        except BaseException:
            status.close()  # no validation will read it: Git's process and its output file go
            raise
    with phases.timed("snapshot/validate"):
        result = validate_repository(root, as_of, paths, cache=cache, status=status)
    if result.errors:
        raise SnapshotError(f"有 {len(result.errors)} 个错误，网站未生成。", result.errors, result)
    try:
        if failed is not None:
            raise failed
        if history is None:
            with phases.timed("snapshot/history"):
                history = scan_history(root)
    except HistoryError as exc:
        problem = Problem(RECORDS_DIR, None, "$", "history.unavailable", exc.message)
        raise SnapshotError(exc.message, [problem], result) from None
    try:
        policy = Policy.from_data(result.registry.policy)
    except PolicyError as exc:
        problem = Problem(POLICY_FILE, None, "$", "policy.invalid", str(exc))
        raise SnapshotError(str(exc), [problem], result) from None
    return Inputs(result, history, policy, Calendar.load(root))


def commit_as_of(root: Path, as_of: date) -> str | None:
    """The last first-parent commit of HEAD whose committer date is on or before the end of
    ``as_of`` in China time, when that is an older commit than HEAD; None when HEAD itself is
    (or there is no usable Git history: the history scan then says why). Raises SnapshotError
    when the main branch had no commit yet at the end of that day."""
    if shutil.which("git") is None:
        return None
    if run_git(root, "rev-parse", "--is-shallow-repository").stdout.strip() != "false":
        return None  # not in Git, or a shallow clone (scan_history reports it)
    end = datetime.combine(as_of + timedelta(days=1), time(), CHINA_TZ).timestamp()
    # The usual build is of today: HEAD's own date settles it without listing 40,000 commits.
    head = run_git(root, "log", "-1", "--format=%ct", "HEAD")
    if head.returncode != 0:
        return None  # no commit yet
    stamp = head.stdout.strip()
    if stamp.isdigit() and int(stamp) < end:
        return None
    log = run_git(root, "log", "--first-parent", "--format=%H %ct", "HEAD")
    if log.returncode != 0:
        return None
    for n, line in enumerate(log.stdout.splitlines()):
        sha, _, stamp = line.partition(" ")
        if stamp.isdigit() and int(stamp) < end:
            return None if n == 0 else sha
    message = f"{as_of.isoformat()} 当天结束时主分支上还没有任何提交，无法按这一天生成。请选择更晚的日期。"
    problem = Problem(RECORDS_DIR, None, "$", "history.unavailable", message)
    raise SnapshotError(message, [problem], ValidationResult(Registry(), [], [], 0))


@contextmanager
def tree_as_of(root: Path, as_of: date) -> Iterator[Path]:
    """The data root to evaluate as of ``as_of``: ``root`` itself, or, when ``as_of`` is before
    the day of HEAD's commit, the repository as it stood at the end of that day on main (first
    parent; ``commit_as_of``), checked out into a temporary detached worktree that is removed
    afterwards. Records merged later are absent there, and the registry, policy and calendar are
    those of that commit; HEAD's working tree is not touched."""
    root = Path(root)
    sha = commit_as_of(root, as_of)
    if sha is None:
        yield root
        return
    prefix = run_git(root, "rev-parse", "--show-prefix").stdout.strip()
    top = Path(tempfile.mkdtemp(prefix="gongshi-as-of-"))
    tree = top / "tree"
    added = run_git(root, "worktree", "add", "--detach", "--quiet", str(tree), sha)
    try:
        if added.returncode != 0:
            detail = added.stderr.strip().splitlines()[-1:] or [""]
            message = f"无法取出 {as_of.isoformat()} 当天的仓库版本（{sha[:12]}）：{detail[0]}"
            problem = Problem(RECORDS_DIR, None, "$", "history.unavailable", message)
            raise SnapshotError(message, [problem], ValidationResult(Registry(), [], [], 0))
        yield tree / prefix
    finally:
        if added.returncode == 0:
            run_git(root, "worktree", "remove", "--force", str(tree))
        shutil.rmtree(top, ignore_errors=True)
        run_git(root, "worktree", "prune")


def load(root: Path, as_of: date, *, cache: bool, paths: Iterable[str] | None = None) -> Snapshot:
    """The snapshot of ``root`` as of ``as_of``: every valid record (of ``paths`` when given)
    evaluated, newest first. Raises SnapshotError when it must not publish.

    A day before HEAD's is evaluated on the repository as it stood at the end of that day
    (``tree_as_of``); the snapshot's ``root`` is still ``root`` (outputs keep their caches there)."""
    with tree_as_of(root, as_of) as tree:
        snapshot = _load(tree, as_of, cache=cache, paths=paths)
    if tree == Path(root):
        return snapshot
    return replace(snapshot, root=Path(root), warnings=[*snapshot.warnings, *_ignored_edits(root, as_of)])


def _ignored_edits(root: Path, as_of: date) -> list[Problem]:
    """A past day is built from main as it stood then: say so when the work tree holds edits to
    data/ that this build therefore leaves out (a clerk checking a local change would miss it)."""
    proc = run_git(root, "status", "--porcelain", "--untracked-files=all", "--", "data")
    if proc.returncode != 0 or not proc.stdout.strip():
        return []
    count = len(proc.stdout.strip().splitlines())
    return [
        Problem(
            "data",
            None,
            "$",
            "history.past_day_ignores_edits",
            f"按过去的日期 {as_of.isoformat()} 生成：网站按当天主分支上的内容计算，"
            f"工作区中 {count} 个未提交的修改不计入。"
            "要检查这些修改，请用今天的日期（不写 --as-of）运行，或先运行 gongshi validate。",
            "warning",
        )
    ]


def _load(root: Path, as_of: date, *, cache: bool, paths: Iterable[str] | None) -> Snapshot:
    # The history, the timelines and 100,000 entries are many small objects and no cycles.
    with gcpause.paused():
        inputs = read_inputs(root, as_of, cache=cache, paths=paths)
        history = inputs.history
        warnings = list(inputs.validation.warnings) + list(history.warnings)
        entries: list[Entry] = []
        try:
            past_cache = cachefile.cache_path(root, PAST_NAMES_CACHE) if cache else None
            with phases.timed("snapshot/past_names"):
                versions: dict[str, dict | None] = {}
                past = past_person_names(root, history, inputs.validation.records, past_cache, versions)
        except BlobError as exc:
            problem = Problem(RECORDS_DIR, None, "$", "history.unavailable", exc.message)
            raise SnapshotError(exc.message, [problem], inputs.validation) from None
        with phases.timed("snapshot/evaluate"):
            timelines = TimelineCache(root, as_of) if cache else None
            _evaluate_all(inputs, as_of, timelines, entries, warnings, past)
            if timelines is not None:
                timelines.save()
            _newest_first(entries)
        # The collector resumes when this block ends, and its first pass would walk every object
        # made here (millions: a quarter of a second at 100,000 records). They live as long as the
        # snapshot: into the permanent generation first (refcounting still frees them).
        gc.freeze()
    registry, policy, calendar = inputs.validation.registry, inputs.policy, inputs.calendar
    snapshot = Snapshot(root, as_of, registry, policy, calendar, entries, history.head, warnings)
    snapshot.versions = versions
    if cache and paths is None:  # a snapshot of some paths only is no state of the repository
        with phases.timed("snapshot/changes"):
            changed, state, previous = entry_changes(root, snapshot.registry_key, entries, snapshot.keys_text)
        snapshot.changed_ids, snapshot.state, snapshot.previous_state = changed, state, previous
    return snapshot


def _newest_first(entries: list[Entry]) -> None:
    """Sort ``entries`` by ``Entry.sort_key``, its keys made in one comprehension (100,000
    property calls cost twice as much). Ids are unique, so no two keys are equal."""
    keys = [
        (-(t.published_at or t.decision_date).toordinal(), -t.decision_date.toordinal(), r.id)
        for t, r in zip(map(_TIMELINE, entries), map(_RECORD, entries), strict=True)
    ]
    entries[:] = [e for _key, e in sorted(zip(keys, entries, strict=True), key=itemgetter(0))]


def past_person_names(
    root: Path,
    history: HistoryIndex,
    records: Iterable[Record],
    cache: Path | None = None,
    parsed: dict[str, dict | None] | None = None,
) -> dict[str, tuple[str, ...]]:
    """Record path -> the natural persons' names of its earlier committed versions (those whose
    blob differs from the current file), oldest first: the public projection masks them too, so
    a correction that renames a person leaves the old full name nowhere. A name counts when that
    version's party was a natural person, or when the party is one now (the same person, the name
    corrected). Records with one version (most) cost one dict lookup; the earlier versions' bytes
    are read at once (``history.versions.read_blobs``, cached by blob id). With ``cache`` (a file),
    the names are kept per record under the blob ids they were read from, so a build reads and
    parses only the versions of records that changed since the last one (at 100,000 records,
    parsing every earlier version took about a second per build). ``parsed``: receives the
    document of every version parsed here, by blob id (None: it does not load)."""
    wanted: dict[str, tuple[Record, list[str]]] = {}
    records = list(records)
    changes_of = history.changes.get
    # Most records have one version, the current one: left out in one comprehension (a loop
    # of 100,000 records cost twice as much).
    several = [
        (record, changes)
        for record, changes in zip(records, map(changes_of, map(_PATH, records)), strict=True)
        if changes and (len(changes) > 1 or (record.blob_sha or changes[0].blob) != changes[0].blob)
    ]
    for record, changes in several:  # changes: newest first
        # Without the validation cache the file's blob id is unknown: take the last commit's
        # (the file as committed; an uncommitted edit is a preview build, never deployed).
        current = record.blob_sha or changes[0].blob
        blobs = [c.blob for c in reversed(changes) if c.blob and c.blob != current]
        if blobs:
            wanted[record.path] = (record, list(dict.fromkeys(blobs)))
    old = cachefile.read_dict(cache) if cache is not None else {}
    kept: dict[str, tuple[str, tuple[str, ...]]] = {}
    out: dict[str, tuple[str, ...]] = {}
    todo: dict[str, tuple[Record, list[str]]] = {}
    for path, (record, blobs) in wanted.items():
        # The blob ids decide the names: a change of the current file (its category included) adds
        # a blob to this list. Reading no record data here keeps cached records packed.
        key = " ".join(blobs)
        hit = old.get(path)
        if isinstance(hit, tuple) and len(hit) == 2 and hit[0] == key:
            kept[path] = hit
            if hit[1]:
                out[path] = tuple(hit[1])
        else:
            todo[path] = (record, blobs)
    if todo:
        contents = read_blobs(root, (b for _, blobs in todo.values() for b in blobs))
        for path, (record, blobs) in todo.items():
            names = _person_names(record, blobs, contents, path, parsed)
            kept[path] = (" ".join(blobs), names)
            if names:
                out[path] = names
    if cache is not None and kept != old:
        cachefile.write(cache, kept)
    return out


def _person_names(
    record: Record, blobs: list[str], contents: dict[str, bytes], path: str, parsed: dict | None
) -> tuple[str, ...]:
    """The natural persons' names of the versions ``blobs`` of one record (see ``past_person_names``)."""
    now_person = record.is_natural_person
    names: list[str] = []
    for b in blobs:
        doc = version_data(contents[b], path)
        if parsed is not None:
            parsed[b] = doc
        party = doc.get("party") if doc else None
        if not isinstance(party, dict):
            continue
        name = party.get("name")
        was_person = party.get("category") == NATURAL_PERSON
        if isinstance(name, str) and name.strip() and (was_person or now_person) and name not in names:
            names.append(name)
    return tuple(names)


def _evaluate_all(
    inputs: Inputs,
    as_of: date,
    timelines,
    entries: list[Entry],
    warnings: list[Problem],
    past: dict[str, tuple[str, ...]] | None = None,
) -> None:
    """One Entry per valid record into ``entries`` (timelines from the cache where it has them)."""
    result, history, policy, calendar = inputs.validation, inputs.history, inputs.policy, inputs.calendar
    calendar_warned = any(p.code == MISSING_YEAR for p in result.warnings)
    departments, catalog = result.registry.departments, result.registry.catalog
    changes_of, first_added = history.changes.get, history.first_added.get
    records = result.records
    paths = [r.path for r in records]
    pub_shas: list = [None] * len(records)
    hits: list = pub_shas
    if timelines is not None:
        pub_shas = [None if a is None else a.sha for a in map(first_added, paths)]
        hits = timelines.take_all(paths, [r.blob_sha for r in records], pub_shas)
    new_entry, past_of = object.__new__, (past or {}).get
    for record, path, hit, pub_sha in zip(records, paths, hits, pub_shas, strict=True):
        changes = changes_of(path, [])
        if hit is None:
            published = history.publication(path, as_of)
            item_code, authority = record.item, record.authority
            item = catalog.get(item_code)
            timeline, notes = evaluate(record, as_of, published, calendar, policy, item, changes)
        else:
            timeline, notes, key, item_code, authority = hit
            item = catalog.get(item_code)
        for note in notes:
            # The validation warns once per year without a calendar file; a build does not repeat
            # it for each record whose verdict is 暂定 (``gongshi explain`` shows the record's own).
            if note.code != MISSING_YEAR or not calendar_warned:
                warnings.append(note)
                calendar_warned = calendar_warned or note.code == MISSING_YEAR
        # Entry's __init__, without its call (100,000 of them): the fields, the projection unset.
        entry = new_entry(Entry)
        names = past_of(path, ())
        entry.__dict__ = {
            "record": record,
            "timeline": timeline,
            "history": changes,
            "department": departments[authority],
            "item": item,
            "past_names": names,
            "projection": None,
        }
        if hit is not None:
            if key is not None and not names:
                entry.__dict__["key"] = key  # the cached_property, from the same inputs
        elif timelines is not None:
            # Past names are no input of the cache: such an entry's key is computed every time.
            timelines.put(record, pub_sha, timeline, notes, None if entry.past_names else entry.key)
        entries.append(entry)
