"""Whether records are public on a day as one commit of the repository sees them (check-history).

A pull request may take a published record out of public view by editing the record (``public:
false``, an early ``disclosure.until`` or ``status_date``) or by editing the files every record is
evaluated with (a catalog item's severity, the policy). To see what a change does, ``check-history``
evaluates each affected record twice with the time rules of ``rules.policy``: the base record with
the base's registry, policy and calendar, and the head record with the head's. Both sides are read
from Git objects (``git ls-tree`` and one ``git cat-file --batch``), never from the work tree, so
uncommitted files change nothing and no checkout is needed.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from gongshi.core.records import Record
from gongshi.core.timeline import PUBLIC_STATES, REPAIRED, WITHDRAWN, Timeline
from gongshi.repo.files import (
    CALENDAR_DIR,
    CATALOG_DIR,
    DEPARTMENTS_FILE,
    POLICY_FILE,
    RECORDS_DIR,
    Registry,
    describe_record_path,
    load_registry,
    record_from_loaded,
)
from gongshi.repo.git import run_git
from gongshi.repo.yamlload import load_yaml_bytes
from gongshi.rules.policy import Policy, PolicyError, evaluate
from gongshi.rules.workdays import Calendar

# The files a record is evaluated with, besides the record itself.
REGISTRY_PATHS = (DEPARTMENTS_FILE, POLICY_FILE, CATALOG_DIR, CALENDAR_DIR)


@dataclass
class TreeRules:
    """The registry, policy and calendar of one commit. ``policy`` is None when policy.yaml
    cannot be used there (``gongshi validate`` reports why)."""

    rev: str
    registry: Registry
    policy: Policy | None
    calendar: Calendar


def list_tree(root: Path, rev: str, prefix: str, paths: tuple[str, ...]) -> dict[str, str]:
    """``{path relative to the data root: blob id}`` of the regular files under ``paths`` at ``rev``."""
    proc = run_git(
        root, "ls-tree", "-r", "-z", "--full-tree", rev, "--", *(prefix + p for p in paths), text=False
    )
    out: dict[str, str] = {}
    for entry in proc.stdout.split(b"\0"):
        if not entry:
            continue
        meta, _, raw = entry.partition(b"\t")
        mode, kind, blob = meta.decode("ascii").split(" ")
        if kind != "blob" or mode not in ("100644", "100755"):
            continue  # symlinks and submodules are no data files
        path = raw.decode("utf-8", "surrogateescape")
        if path.startswith(prefix):
            out[path[len(prefix) :]] = blob
    return out


def read_blobs(root: Path, blobs: list[str]) -> dict[str, bytes]:
    """Contents of many blobs with one ``git cat-file --batch``."""
    if not blobs:
        return {}
    batch = "".join(b + "\n" for b in blobs).encode()
    proc = run_git(root, "cat-file", "--batch", input_bytes=batch, text=False)
    out: dict[str, bytes] = {}
    data = proc.stdout
    pos = 0
    for blob in blobs:
        end = data.index(b"\n", pos)
        header = data[pos:end].split(b" ")
        pos = end + 1
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        out[blob] = data[pos : pos + size]
        pos += size + 1
    return out


def tree_rules(root: Path, rev: str, prefix: str) -> TreeRules:
    """The registry, policy and calendar of commit ``rev``, loaded with the same loaders as a build
    (the few registry files are written to a temporary folder for them)."""
    files = list_tree(root, rev, prefix, REGISTRY_PATHS)
    contents = read_blobs(root, sorted(set(files.values())))
    with tempfile.TemporaryDirectory(prefix="gongshi-tree-") as tmp:
        base = Path(tmp)
        for rel, blob in files.items():
            if ".." in rel.split("/"):
                continue
            target = base / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(contents.get(blob, b""))
        registry = load_registry(base)
        calendar = Calendar.load(base)
    try:
        policy: Policy | None = Policy.from_data(registry.policy)
    except PolicyError:
        policy = None
    return TreeRules(rev, registry, policy, calendar)


def record_of(relpath: str, raw: bytes) -> Record | None:
    """The record a file at ``relpath`` holding ``raw`` would be; None when it is no mapping."""
    rf = describe_record_path(Path("/"), Path("/") / relpath)
    record, _ = record_from_loaded(rf, load_yaml_bytes(raw, relpath))
    return record


def timeline_of(record: Record | None, rules: TreeRules, publication, as_of: date) -> Timeline | None:
    """The record's timeline under ``rules``; None when it cannot be evaluated (an invalid record or
    policy: ``gongshi validate`` reports those)."""
    if record is None or rules.policy is None or record.decision_date is None:
        return None
    item = rules.registry.catalog.get(record.item) if isinstance(record.item, str) else None
    try:
        timeline, _ = evaluate(record, as_of, publication, rules.calendar, rules.policy, item)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return timeline


def is_public(timeline: Timeline | None) -> bool:
    return timeline is not None and timeline.state in PUBLIC_STATES


def leaves_a_notice(timeline: Timeline) -> bool:
    """True when a record off the site says so itself: withdrawn or credit-repaired after its
    publication (a status dated after it, or a correction marked ``unpublish``)."""
    return (
        timeline.state in (WITHDRAWN, REPAIRED)
        and timeline.published_at is not None
        and timeline.withdrawn_on is not None
        and timeline.withdrawn_on > timeline.published_at
    )


def record_paths(root: Path, rev: str, prefix: str, depts: set[str] | None) -> dict[str, str]:
    """``{record path: blob}`` at ``rev``, only of the folders of ``depts`` unless None."""
    if depts is None:
        folders: tuple[str, ...] = (RECORDS_DIR,)
    else:
        folders = tuple(f"{RECORDS_DIR}/{d}" for d in sorted(depts))
    if not folders:
        return {}
    return {p: b for p, b in list_tree(root, rev, prefix, folders).items() if p.endswith((".yaml", ".yml"))}
