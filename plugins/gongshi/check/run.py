"""Validation of a whole data repository: every problem in every file, as data.

Three layers, all collected (a clerk fixes everything in one round, not one error per CI run):

1. the strict YAML loader (syntax, encoding, duplicate keys, aliases, tags);
2. the JSON Schema of the file's type, with every ``jsonschema`` error turned into a Chinese
   message that says how to fix it (``schema_errors``);
3. the rules a schema cannot express (``record_rules``, ``registry_rules``), and here uniqueness
   of ids and document numbers across the repository.

This module owns the run: finding the files, the loop over them (in forked worker processes when
there are many), the record cache's questions and answers (``check.cache``), and turning rows
(``result.ROW_COLUMNS``) into a ``ValidationResult``. Only records without errors reach
``ValidationResult.records`` (and so the site).
"""

from __future__ import annotations

import gc
import marshal
import multiprocessing
import os
from collections import Counter, defaultdict
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

from gongshi.check import cache as record_cache
from gongshi.check.consistency import repository_consistency
from gongshi.check.fieldnames import titled_problems
from gongshi.check.listing import DataListing, StatusRun, data_listing
from gongshi.check.record_rules import check_record_files, scope_key_of
from gongshi.check.registry_rules import calendar_coverage_problems, ignored_message, registry_problems
from gongshi.check.result import ValidationResult, check_row, row_columns
from gongshi.check.schema_errors import FAST_CHECKED, field_infos
from gongshi.core import gcpause, identifiers
from gongshi.core.problems import Problem
from gongshi.core.records import FOLDER_KIND, Record
from gongshi.repo import schemas
from gongshi.repo.files import (
    CALENDAR_DIR,
    CATALOG_DIR,
    DEPARTMENTS_FILE,
    POLICY_FILE,
    RECORDS_DIR,
    RecordFile,
    Registry,
    load_record,
    load_registry,
)
from gongshi.repo.tracked import tracked_cache_problems

# Below this many records a process pool costs more than it saves.
PARALLEL_THRESHOLD = 400
# Below this many records compiling the fast schema check (≈ 10 ms for both record types, against
# ≈ 0.3 ms of jsonschema per record) costs more than it saves.
FAST_CHECK_MIN = 16

# --------------------------------------------------------------------------------------------
# The repository


def _scope(root: Path, paths: Iterable | None) -> set[str] | None:
    if paths is None:
        return None
    out = set()
    for p in paths:
        p = Path(p)
        if p.is_absolute():
            p = p.resolve().relative_to(root.resolve())
        out.add(p.as_posix())
    return out


def _data_files(root: Path) -> tuple[list[str], list[str]]:
    """Record files (repository-relative paths, in a stable order), and files under data/ that are
    no data file (reported as ignored)."""
    records: list[str] = []
    strays: list[str] = []
    root = Path(root).absolute()
    base = root / "data"
    if not base.is_dir():
        return records, strays
    prefix = len(str(root).rstrip(os.sep)) + 1
    records_prefix = RECORDS_DIR + "/"
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        reldir = dirpath[prefix:].replace(os.sep, "/")
        in_records = (reldir + "/").startswith(records_prefix)
        names = sorted(filenames)
        if in_records and all(n.endswith(".yaml") and not n.startswith(".") for n in names):
            records.extend([f"{reldir}/{name}" for name in names])  # a folder of records only
            continue
        for name in names:
            if name.startswith(".") or name.endswith(".md"):
                continue  # .gitkeep, README.md: notes for people, not data
            rel = f"{reldir}/{name}"
            if in_records and name.endswith((".yaml", ".yml")):
                records.append(rel)
            elif rel in (DEPARTMENTS_FILE, POLICY_FILE) or rel.startswith(CALENDAR_DIR + "/"):
                continue  # registry files; calendar strays are reported with the calendar
            elif rel.startswith(CATALOG_DIR + "/") and name.endswith(".yaml") and rel.count("/") == 2:
                continue
            else:
                strays.append(rel)
    return records, strays


def _path_parts(rel: str) -> tuple[str | None, str | None, str | None, str]:
    """What a record's path says: department, kind, year (None when misplaced) and id (as
    ``repo.describe_record_path``, without resolving every file)."""
    parts = rel.split("/")
    stem = parts[-1].rsplit(".", 1)[0]
    if len(parts) == 6:
        return parts[2], FOLDER_KIND.get(parts[3]), parts[4], stem
    return None, None, None, stem


def _record_file(root: Path, rel: str) -> RecordFile:
    return RecordFile(root / rel, rel, *_path_parts(rel))


# --------------------------------------------------------------------------------------------
# Checking many files: rows (``result`` describes them)


def _file_rows(root: Path, rels: list[str], registry: Registry, as_of: date, fast: bool) -> list[tuple]:
    """The rows of the files ``rels``, checked a batch at a time (``check_record_files``)."""
    return [
        check_row(check)
        for check in check_record_files([_record_file(root, rel) for rel in rels], registry, as_of, fast=fast)
    ]


def _file_scope_keys(root: Path, rels: list[str], registry: Registry, as_of: date, fast: bool) -> list:
    """What a run limited to other paths needs of these files: their ``scope_key`` (loaded, not checked)."""
    out = []
    for rel in rels:
        record, _loaded = load_record(root, _record_file(root, rel))
        key = scope_key_of(record)
        out.append("\0".join(key) if key else None)
    return out


def _map_files(
    fn, root: Path, relpaths: list[str], indices: list[int], registry: Registry, as_of: date, jobs: int
) -> list:
    """``fn(root, [relpaths[i] for i in indices], registry, as_of, fast)``: one value per file, in
    that order; in forked worker processes (chunks of consecutive files, each sent back as one
    marshal string) when there are many."""
    fast = len(indices) >= FAST_CHECK_MIN
    if jobs <= 1 or len(indices) < PARALLEL_THRESHOLD:
        # jsonschema's errors of an invalid record form cycles: those of thousands must not pile up.
        with gcpause.resumed():
            return fn(root, [relpaths[i] for i in indices], registry, as_of, fast)
    if fn is _file_rows:
        _prepare_for_workers()
    size = max(50, min(1000, len(indices) // (jobs * 8)))
    spans = [(start, min(start + size, len(indices))) for start in range(0, len(indices), size)]
    out: list = []
    with ProcessPoolExecutor(
        jobs,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_init_worker,
        initargs=(fn, root, relpaths, indices, registry, as_of, fast),
    ) as ex:
        for chunk in ex.map(_map_in_worker, spans):
            out.extend(marshal.loads(chunk))
    return out


_WORKER: tuple | None = None


def _init_worker(*state) -> None:
    global _WORKER
    _WORKER = state
    # A worker keeps only its chunk's rows: normal collection, never walking what it inherited.
    gc.freeze()
    gc.enable()


def _map_in_worker(span: tuple[int, int]) -> bytes:
    fn, root, relpaths, indices, registry, as_of, fast = _WORKER
    return marshal.dumps(fn(root, [relpaths[i] for i in indices[span[0] : span[1]]], registry, as_of, fast))


def _prepare_for_workers() -> None:
    """Build what every check needs once, in the parent: forked workers inherit it."""
    for doc_type in FAST_CHECKED:
        schemas.fast_check(doc_type)
        schemas.validator(doc_type)
        field_infos(doc_type)
    identifiers.region_code_known("320404")  # loads python-stdnum's region table


def _compute_rows(
    root: Path, relpaths: list[str], indices: list[int], registry: Registry, as_of: date, jobs: int
) -> dict[str, list]:
    """Rows (as columns) of ``relpaths[i]`` for ``i`` in ``indices``, in that order."""
    return row_columns(_map_files(_file_rows, root, relpaths, indices, registry, as_of, jobs))


def _check_all(
    root: Path,
    relpaths: list[str],
    registry: Registry,
    as_of: date,
    jobs: int,
    listing=None,
    files: DataListing | None = None,
) -> tuple[dict[str, list], list[str] | None]:
    """``(rows, blob ids or None)`` of the record files ``relpaths``. With a ``listing``
    (``cache.GitListing``) or ``files`` (``listing.DataListing``, whose records ``relpaths`` are):
    reuse the rows of files checked before, by Git blob id, check only the others and store their
    rows."""
    if listing is not None or files is not None:
        blobs = files.blobs if files is not None else None
        cached = record_cache.look_up(root, relpaths, as_of, listing, blobs=blobs)
        computed = None
        if cached.missing:
            computed = _compute_rows(root, relpaths, cached.missing, registry, as_of, jobs)
        cached.store(computed)
        return cached.rows, cached.blobs
    return _compute_rows(root, relpaths, list(range(len(relpaths))), registry, as_of, jobs), None


def _some(files: list[str], limit: int = 3) -> str:
    shown = "、".join(files[:limit])
    return shown if len(files) <= limit else f"{shown} 等 {len(files)} 个文件"


def default_jobs() -> int:
    try:
        return max(1, min(len(os.sched_getaffinity(0)), 8))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, min(os.cpu_count() or 1, 8))


def validate_repository(
    root: Path,
    as_of: date,
    paths: Iterable | None = None,
    *,
    jobs: int | None = None,
    cache: bool = False,
    status: StatusRun | None = None,
):
    """Validate the repository at ``root`` as of ``as_of``.

    ``paths`` (repository-relative or absolute) limits the *report* to those files; uniqueness is
    still checked against every record in the repository. Registry errors are always reported,
    because every record is checked against the registry. ``cache``: reuse the results of files
    checked before (``check.cache``: by Git blob id, code version and registry). ``status``: the
    ``git status`` of data/ the caller started earlier (with ``cache``).
    """
    # The results of 100,000 files hold no cycles: no collection walks them while they are built.
    with gcpause.paused():
        return _validate_repository(Path(root), as_of, paths, jobs, cache, status)


def _validate_repository(
    root: Path, as_of: date, paths, jobs: int | None, cache: bool, status: StatusRun | None
) -> ValidationResult:
    scope = _scope(root, paths)
    listing = files = None
    if status is not None and not cache:
        status.close()
    if cache:
        # The files from Git's tree and status (no walk of data/), else the walk and Git's listing.
        files = data_listing(root, status or StatusRun(root))
        if files is None:
            listing = record_cache.GitListing(root)  # runs while the registry loads and the tree is walked
    try:
        return _validate_files(root, as_of, scope, jobs, listing, files)
    finally:
        if listing is not None:
            listing.close()


def _validate_files(
    root: Path, as_of: date, scope: set[str] | None, jobs: int | None, listing, files: DataListing | None
) -> ValidationResult:
    registry = load_registry(root)
    if listing is not None or files is not None:  # a run with the caches
        reg_problems = record_cache.registry_problems_cached(root, lambda: registry_problems(root, registry))
    else:
        reg_problems = registry_problems(root, registry)
    problems: list[Problem] = []
    files_checked = 0
    for rel, probs in reg_problems.items():
        if scope is None or rel in scope:
            files_checked += 1
            problems.extend(probs)
        else:
            problems.extend(p for p in probs if p.severity == "error")

    record_files, strays = (files.records, files.strays) if files is not None else _data_files(root)
    jobs = jobs if jobs is not None else default_jobs()
    # A limited run still compares document numbers with every other record: with the cache it
    # checks them all (their rows are mostly cached and hold the key), else it loads the others.
    whole = scope is None or listing is not None or files is not None
    checked = record_files if whole else [rel for rel in record_files if rel in scope]
    rows, blobs = _check_all(root, checked, registry, as_of, jobs, listing, files)
    other_keys: list[tuple[str, str]] = []
    if scope is None:
        selected = record_files
    elif whole:
        pick = [i for i, rel in enumerate(record_files) if rel in scope]
        scope_keys = rows["scope_keys"]
        other_keys = [
            (k, rel) for k, rel in zip(scope_keys, record_files, strict=True) if k and rel not in scope
        ]
        selected = [record_files[i] for i in pick]
        rows = {name: [column[i] for i in pick] for name, column in rows.items()}
        blobs = [blobs[i] for i in pick] if blobs is not None else None
    else:
        selected = checked
        others = [i for i, rel in enumerate(record_files) if rel not in scope]
        keys = _map_files(_file_scope_keys, root, record_files, others, registry, as_of, jobs)
        other_keys = [(k, record_files[i]) for k, i in zip(keys, others, strict=True) if k]
    files_checked += len(selected)

    # Records (left packed) and problems (only where there are some), in file order.
    ids = [rel[rel.rfind("/") + 1 :].rsplit(".", 1)[0] for rel in record_files]
    selected_ids = ids if scope is None else [rel[rel.rfind("/") + 1 :].rsplit(".", 1)[0] for rel in selected]
    for probs in filter(None, rows["problems"]):
        problems.extend(Problem(*p) for p in probs)
    records: list[Record] = []
    folders: dict[str, tuple[str, str, str]] = {}  # what each folder says: dept, kind, year
    for i, packed in enumerate(rows["packed"]):
        if packed is None:
            continue
        rel = selected[i]
        folder = rel[: rel.rfind("/")]
        where = folders.get(folder)
        if where is None:
            dept, kind, year, _id = _path_parts(rel)
            where = folders[folder] = (dept or "", kind or "", year or "")
        records.append(
            Record.packed(selected_ids[i], rel, *where, packed, blobs[i] if blobs is not None else None)
        )

    # Uniqueness against the whole repository (unselected files only need their id and doc_no).
    # Only ids and keys used more than once are looked at further.
    doubled_ids = {rid for rid, n in Counter(ids).items() if n > 1}
    keys = rows["keys"]
    key_files: list[tuple[str, str]] = [(k, selected[i]) for i, k in enumerate(keys) if k] + other_keys
    doubled_keys = {k for k, n in Counter(k for k, _rel in key_files).items() if n > 1}
    bad_files: set[str] = set()
    if doubled_ids:
        by_id: dict[str, list[str]] = defaultdict(list)
        for rel, rid in zip(record_files, ids, strict=True):
            if rid in doubled_ids:
                by_id[rid].append(rel)
        for rel, rid in zip(selected, selected_ids, strict=True):
            others = [p for p in by_id.get(rid, ()) if p != rel]
            if others:
                bad_files.add(rel)
                problems.append(
                    Problem(
                        rel,
                        None,
                        "$",
                        "unique.id",
                        f"编号 “{rid}” 在仓库中重复：{_some(others)} 也用了这个文件名。"
                        "编号必须全仓库唯一，请改名。",
                    )
                )
    if doubled_keys:
        by_key: dict[str, list[str]] = defaultdict(list)
        for k, rel in key_files:
            if k in doubled_keys:
                by_key[k].append(rel)
        for i, k in enumerate(keys):
            if not k or k not in doubled_keys:
                continue
            rel = selected[i]
            others = [o for o in by_key[k] if o != rel]
            if others:
                bad_files.add(rel)
                problems.append(
                    Problem(
                        rel,
                        rows["doc_lines"][i],
                        "$.doc_no",
                        "unique.doc_no",
                        f"决定书文号在同一机关内重复：{_some(others)} 已使用相同的文号。请核对是否重复录入。",
                    )
                )

    # Always, whatever the scope: a committed cache file is an attack on every build.
    tracked = tracked_cache_problems(root)
    files_checked += len(tracked)
    problems.extend(tracked)
    for rel in strays:
        if scope is None or rel in scope:
            files_checked += 1
            problems.append(Problem(rel, None, "$", "path.ignored", ignored_message(rel), "warning"))
    if scope is not None:
        known = set(reg_problems) | set(record_files) | set(strays)
        for rel in sorted(scope - known):
            files_checked += 1
            problems.append(Problem(rel, None, "$", "path.ignored", ignored_message(rel), "warning"))

    record_years = {int(y) for _dept, _kind, y in folders.values() if y.isdigit()}
    problems.extend(calendar_coverage_problems(root, record_years, as_of))

    valid = [r for r in records if r.path not in bad_files] if bad_files else records
    working = (files.new, files.changed) if files is not None else None
    problems.extend(
        repository_consistency(root, valid, registry, as_of, scoped=scope is not None, working=working)
    )
    problems = titled_problems(problems)  # field names by their Chinese titles, whoever wrote them
    ordered = sorted(problems, key=lambda p: (p.file, p.line or 0, p.path, p.code, p.message))
    return ValidationResult(registry, valid, ordered, files_checked)
