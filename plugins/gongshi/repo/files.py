"""Finding and loading the files of a data repository (no validation here: see ``gongshi.check``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from gongshi.core.problems import Problem
from gongshi.core.records import FOLDER_KIND, CatalogItem, Department, FormerName, Record, parse_date
from gongshi.repo.schemas import coerce_document
from gongshi.repo.yamlload import Loaded, load_yaml_file

RECORDS_DIR = "data/records"
# Changes to these need the platform team (the credit office) to review: CODEOWNERS gives them
# to it (repo/codeowners.py) and check-history flags them (history/prcheck.py).
PLATFORM_PATHS = (
    "schemas/",
    "data/policy.yaml",
    "data/calendar/",
    "data/departments.yaml",
    "data/catalog/",
    "plugins/",
    "theme/",
    ".github/",
)
DEPARTMENTS_FILE = "data/departments.yaml"
POLICY_FILE = "data/policy.yaml"
CATALOG_DIR = "data/catalog"
CALENDAR_DIR = "data/calendar"
# The first decision date a repository takes when neither the department nor the policy says.
DEFAULT_RECORDS_SINCE = date(2016, 1, 1)


@dataclass
class RecordFile:
    """A record file found on disk, with what its path says (parts may be None when misplaced)."""

    abspath: Path
    relpath: str
    dept: str | None
    folder_kind: str | None
    folder_year: str | None
    id: str


def find_repo_root(start: Path | None = None) -> Path | None:
    """The nearest ancestor of ``start`` (default: cwd) that holds ``data/departments.yaml``."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / DEPARTMENTS_FILE).is_file():
            return candidate
    return None


def describe_record_path(root: Path, abspath: Path) -> RecordFile:
    rel = abspath.resolve().relative_to(root.resolve()).as_posix()
    parts = rel.split("/")
    stem = abspath.name[:-5] if abspath.name.endswith(".yaml") else abspath.stem
    dept = kind = year = None
    # data/records/<dept>/<kind-folder>/<YYYY>/<id>.yaml
    if len(parts) == 6 and parts[0] == "data" and parts[1] == "records":
        dept, folder, year = parts[2], parts[3], parts[4]
        kind = FOLDER_KIND.get(folder)
    return RecordFile(abspath, rel, dept, kind, year, stem)


def iter_record_files(root: Path) -> list[RecordFile]:
    """Every ``*.yaml``/``*.yml`` file under ``data/records`` in a stable order."""
    base = root / RECORDS_DIR
    found: list[RecordFile] = []
    if not base.is_dir():
        return found
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith((".yaml", ".yml")):
                found.append(describe_record_path(root, Path(dirpath) / name))
    return found


def load_record(root: Path, rf: RecordFile) -> tuple[Record | None, Loaded]:
    return record_from_loaded(rf, load_yaml_file(rf.abspath, rf.relpath))


def record_from_loaded(rf: RecordFile, loaded: Loaded) -> tuple[Record | None, Loaded]:
    """The record of a loaded file (None when it is no mapping); also used on content not yet written."""
    if not loaded.ok or not isinstance(loaded.data, dict):
        if loaded.ok:
            loaded.problems.append(
                Problem(rf.relpath, 1, "$", "yaml.not_mapping", "记录文件的顶层必须是“键: 值”形式的映射。")
            )
        return None, loaded
    kind = loaded.data.get("kind") if loaded.data.get("kind") in ("licence", "penalty") else rf.folder_kind
    data = coerce_document(loaded.data, kind or "licence")
    record = Record(
        id=rf.id,
        path=rf.relpath,
        dept=rf.dept or "",
        folder_kind=rf.folder_kind or "",
        folder_year=rf.folder_year or "",
        data=data,
        lines=loaded.lines,
    )
    return record, loaded


@dataclass
class Registry:
    """Departments, catalog and policy: the small files every record refers to."""

    departments: dict[str, Department] = field(default_factory=dict)
    catalog: dict[str, CatalogItem] = field(default_factory=dict)  # by item code
    catalog_by_dept: dict[str, list[CatalogItem]] = field(default_factory=dict)
    policy: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    loaded: dict[str, Loaded] = field(default_factory=dict)  # by relpath, for schema validation


def _strings(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def department_from_data(d: dict) -> Department:
    """A department of data/departments.yaml (schema-checked elsewhere: what is malformed here is
    left out, and ``check.registry_rules`` says why)."""
    former = []
    for f in d.get("former_names") if isinstance(d.get("former_names"), list) else []:
        until = parse_date(f.get("until")) if isinstance(f, dict) else None
        if until is not None and isinstance(f.get("name"), str):
            former.append(
                FormerName(
                    name=f["name"],
                    until=until,
                    uscc=str(f.get("uscc", "")),
                    short_name=str(f.get("short_name", "")),
                )
            )
    successor = d.get("successor")
    return Department(
        key=d["key"],
        name=str(d.get("name", "")),
        uscc=str(d.get("uscc", "")),
        region_code=str(d.get("region_code", "")),
        short_name=str(d.get("short_name", "")),
        owners=_strings(d.get("owners")),
        data=d,
        since=parse_date(d.get("from")),
        until=parse_date(d.get("until")),
        former_names=tuple(sorted(former, key=lambda f: f.until)),
        predecessors=_strings(d.get("predecessors")),
        successor=successor if isinstance(successor, str) else None,
    )


def load_registry(root: Path) -> Registry:
    reg = Registry()
    dep = load_yaml_file(root / DEPARTMENTS_FILE, DEPARTMENTS_FILE)
    reg.loaded[DEPARTMENTS_FILE] = dep
    reg.problems.extend(dep.problems)
    if dep.ok and isinstance(dep.data, dict) and isinstance(dep.data.get("departments"), list):
        for d in dep.data["departments"]:
            if isinstance(d, dict) and isinstance(d.get("key"), str):
                reg.departments[d["key"]] = department_from_data(d)
    pol = load_yaml_file(root / POLICY_FILE, POLICY_FILE)
    reg.loaded[POLICY_FILE] = pol
    reg.problems.extend(pol.problems)
    if pol.ok and isinstance(pol.data, dict):
        reg.policy = coerce_document(pol.data, "policy")
    cat_dir = root / CATALOG_DIR
    if cat_dir.is_dir():
        for path in sorted(cat_dir.glob("*.yaml")):
            rel = path.relative_to(root).as_posix()
            cat = load_yaml_file(path, rel)
            reg.loaded[rel] = cat
            reg.problems.extend(cat.problems)
            if not (cat.ok and isinstance(cat.data, dict)):
                continue
            dept = path.stem
            items = cat.data.get("items") if isinstance(cat.data.get("items"), list) else []
            for it in items:
                if isinstance(it, dict) and isinstance(it.get("code"), str):
                    item = CatalogItem(
                        code=it["code"],
                        dept=dept,
                        kind=str(it.get("kind", "")),
                        name=str(it.get("name", "")),
                        basis=str(it.get("basis", "")),
                        severity=str(it["severity"]) if it.get("severity") else None,
                        domain=str(it["domain"]) if it.get("domain") else None,
                        since=parse_date(it.get("from")),
                        until=parse_date(it.get("until")),
                    )
                    reg.catalog[item.code] = item
                    reg.catalog_by_dept.setdefault(dept, []).append(item)
    return reg


def records_since(registry: Registry, dept: str) -> date:
    """The first decision date the repository takes for ``dept`` (its own, else the policy's)."""
    d = registry.departments.get(dept)
    since = parse_date(d.data.get("records_since")) if d is not None else None
    return since or parse_date(registry.policy.get("records_since")) or DEFAULT_RECORDS_SINCE


def delegation_allows(
    registry: Registry, authority: str, to: str, item: object, decided: date | None
) -> bool:
    """True when ``authority`` declares in departments.yaml (``delegates``) that department ``to``
    decides in its name (委托) for catalog item ``item`` on ``decided``: the one case in which a record
    with that authority may sit in ``to``'s folder and be submitted by ``to``."""
    d = registry.departments.get(authority)
    delegates = d.data.get("delegates") if d is not None else None
    if not isinstance(delegates, list) or decided is None:
        return False
    for entry in delegates:
        if not isinstance(entry, dict) or entry.get("to") != to:
            continue
        items = entry.get("items")
        if items is not None and (not isinstance(items, list) or item not in items):
            continue
        start, end = parse_date(entry.get("from")), parse_date(entry.get("until"))
        if start is not None and start <= decided and (end is None or decided <= end):
            return True
    return False
