"""The example-file corpus: every file in tests/corpus/valid must validate, every file in
tests/corpus/invalid must produce exactly the problems its header announces.

Header lines (comments at the top of a corpus file):

    # expect: <code> <json path>          an error that must be reported for this file
    # expect-warning: <code> <json path>  a warning that must be reported for this file
    # place: <repository path>            where the file goes (default: derived from its content)
    # with: <corpus file>                 another corpus file placed alongside (e.g. for duplicates)

Each case runs in a fresh copy of the fixture registry (tests/fixtures/registry) at a fixed as-of
date, through the engine and through the CLI (which must never print a traceback).
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from gongshi.check.run import validate_repository
from gongshi.cli import main
from gongshi.repo.yamlload import load_yaml_bytes

HERE = Path(__file__).resolve().parents[2]
CORPUS = HERE / "corpus"
REGISTRY = HERE / "fixtures" / "registry"
AS_OF = date(2026, 11, 20)
HEADER_RE = re.compile(r"^#\s*(expect|expect-warning|place|with):\s*(.+?)\s*$")

VALID = sorted((CORPUS / "valid").glob("*.yaml"))
INVALID = sorted((CORPUS / "invalid").glob("*.yaml"))


def header_text(raw: bytes) -> str:
    if raw.startswith(b"\xff\xfe"):
        return raw.decode("utf-16-le", errors="replace").lstrip("\ufeff")
    return raw.decode("utf-8", errors="replace")


def header(path: Path) -> dict:
    out = {"expect": set(), "expect-warning": set(), "place": None, "with": []}
    for line in header_text(path.read_bytes()).splitlines():
        if not line.startswith("#"):
            break
        m = HEADER_RE.match(line)
        if not m:
            continue
        word, value = m.groups()
        if word in ("expect", "expect-warning"):
            code, _, json_path = value.partition(" ")
            out[word].add((code, json_path.strip()))
        elif word == "place":
            out["place"] = value
        else:
            out["with"].append(value)
    return out


def default_place(path: Path) -> str:
    """data/records/<authority>/<kind folder>/<decision year>/<stem>.yaml from the file's content."""
    loaded = load_yaml_bytes(path.read_bytes(), path.name)
    data = loaded.data if isinstance(loaded.data, dict) else {}
    kind = data.get("kind") if data.get("kind") in ("licence", "penalty") else "penalty"
    dept = data.get("authority") if data.get("authority") in ("scjg", "zhzf", "wjw") else "scjg"
    year_match = re.match(r"(\d{4})-", str(data.get("decision_date", "")))
    year = year_match.group(1) if year_match else "2026"
    folder = "licences" if kind == "licence" else "penalties"
    return f"data/records/{dept}/{folder}/{year}/{path.stem}.yaml"


def make_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(REGISTRY, root)
    (root / "data" / "records").mkdir(exist_ok=True)
    return root


def place(root: Path, path: Path) -> str:
    rel = header(path)["place"] or default_place(path)
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    return rel


def run_case(tmp_path: Path, path: Path):
    root = make_repo(tmp_path)
    for companion in header(path)["with"]:
        place(root, CORPUS / companion)
    rel = place(root, path)
    result = validate_repository(root, AS_OF, jobs=1)
    mine = [p for p in result.problems if p.file == rel]
    return root, rel, result, mine


def describe(problems) -> str:
    return "\n".join(f"  {p.severity} [{p.code}] {p.path} (line {p.line}): {p.message}" for p in problems)


def test_corpus_is_big_enough():
    assert len(INVALID) >= 40
    assert len(VALID) >= 10
    for path in INVALID:
        assert header(path)["expect"], f"{path.name} has no '# expect:' header"


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_file(tmp_path, path):
    expected = header(path)
    _root, rel, _result, mine = run_case(tmp_path, path)
    errors = [p for p in mine if p.severity == "error"]
    assert not errors, f"{rel} should be valid:\n{describe(errors)}"
    warnings = {(p.code, p.path) for p in mine if p.severity == "warning"}
    assert warnings == expected["expect-warning"], describe(mine)
    # The record reached the result, so it would be published.
    assert rel in {r.path for r in _result.records}


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_file(tmp_path, path, monkeypatch):
    expected = header(path)
    root, rel, result, mine = run_case(tmp_path, path)
    errors = {(p.code, p.path) for p in mine if p.severity == "error"}
    assert errors == expected["expect"], (
        f"{rel}: expected {sorted(expected['expect'])}, got:\n{describe(mine)}"
    )
    if expected["expect-warning"]:
        warnings = {(p.code, p.path) for p in mine if p.severity == "warning"}
        assert warnings == expected["expect-warning"], describe(mine)
    for p in mine:
        assert p.message and re.search(r"[\u4e00-\u9fff]", p.message), f"message not Chinese: {p}"
        if p.line is not None:
            assert p.line >= 1
    # A file with errors never becomes a record of the result.
    assert rel not in {r.path for r in result.records}

    # The same repository through the CLI: exit 1, JSON output, no traceback.
    monkeypatch.chdir(root)
    cli = CliRunner().invoke(main, ["validate", "--format", "json", "--as-of", AS_OF.isoformat()])
    assert cli.exception is None or isinstance(cli.exception, SystemExit), cli.output
    assert "Traceback" not in cli.output
    assert cli.exit_code == 1, cli.output
    doc = json.loads(cli.output)
    assert {(e["code"], e["path"]) for e in doc["errors"] if e["file"] == rel} == expected["expect"]


def test_problem_lines_point_at_the_field(tmp_path):
    """A wrong value is reported at the line where the clerk wrote the key."""
    path = CORPUS / "invalid" / "amount-with-comma.yaml"
    _root, _rel, _result, mine = run_case(tmp_path, path)
    (problem,) = mine
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[problem.line - 1].startswith("fine_yuan:")


def test_twenty_megabyte_file_is_refused_quickly(tmp_path):
    root = make_repo(tmp_path)
    huge = root / "data/records/scjg/penalties/2026/huge.yaml"
    huge.parent.mkdir(parents=True)
    line = "facts: " + "很长的文字" * 20 + "\n"
    with huge.open("w", encoding="utf-8") as fh:
        while fh.tell() < 20 * 1024 * 1024:
            fh.write(line)
    result = validate_repository(root, AS_OF, jobs=1)
    assert [(p.code, p.path) for p in result.errors] == [("yaml.too_large", "$")]


def test_paths_limit_the_report_but_not_uniqueness(tmp_path):
    root = make_repo(tmp_path)
    first = place(root, CORPUS / "valid" / "penalty-company-fine.yaml")
    second = place(root, CORPUS / "invalid" / "duplicate-doc-no.yaml")
    bad = place(root, CORPUS / "invalid" / "missing-doc-no.yaml")
    result = validate_repository(root, AS_OF, [second], jobs=1)
    assert {p.file for p in result.problems} == {second}
    assert [(p.code, p.path) for p in result.errors] == [("unique.doc_no", "$.doc_no")]
    assert first in result.errors[0].message
    assert result.files_checked == 1
    whole = validate_repository(root, AS_OF, jobs=1)
    assert {p.file for p in whole.errors} == {first, second, bad}
    assert whole.files_checked == 3 + 3 + 2 + 2  # records, catalogs, calendars, departments + policy


def test_registry_errors_are_reported_even_when_not_selected(tmp_path):
    root = make_repo(tmp_path)
    rec = place(root, CORPUS / "valid" / "penalty-company-fine.yaml")
    (root / "data/policy.yaml").write_text("regime: nope\n", encoding="utf-8")
    result = validate_repository(root, AS_OF, [rec], jobs=1)
    assert {p.file for p in result.errors} == {"data/policy.yaml"}


def test_missing_registry_files(tmp_path):
    root = make_repo(tmp_path)
    (root / "data/policy.yaml").unlink()
    result = validate_repository(root, AS_OF, jobs=1)
    assert [(p.file, p.code) for p in result.errors] == [("data/policy.yaml", "file.missing")]


def test_stray_files_are_warned_about(tmp_path):
    root = make_repo(tmp_path)
    stray = root / "data/records/scjg/penalties/2026/note.txt"
    stray.parent.mkdir(parents=True)
    stray.write_text("x", encoding="utf-8")
    (root / "data/records/README.md").write_text("说明", encoding="utf-8")
    result = validate_repository(root, AS_OF, jobs=1)
    assert result.ok
    assert [(p.file, p.code) for p in result.warnings] == [
        (stray.relative_to(root).as_posix(), "path.ignored")
    ]


def test_parallel_and_serial_agree(tmp_path):
    """The process pool used for big repositories gives the same result as one process."""
    root = make_repo(tmp_path)
    for path in VALID + INVALID[:30]:
        if not header(path)["place"] and not header(path)["with"]:
            place(root, path)
    serial = validate_repository(root, AS_OF, jobs=1)
    import gongshi.check.run as v

    old = v.PARALLEL_THRESHOLD
    v.PARALLEL_THRESHOLD = 1
    try:
        parallel = validate_repository(root, AS_OF, jobs=2)
    finally:
        v.PARALLEL_THRESHOLD = old
    assert parallel.problems == serial.problems
    assert [r.path for r in parallel.records] == [r.path for r in serial.records]


def test_catalog_domain_must_match_the_policy_spelling(tmp_path):
    """特种设备安全 in the catalog vs 特种设备 in policy.yaml: the 令第58号 minimum would be lost."""
    root = make_repo(tmp_path)
    cat = root / "data/catalog/scjg.yaml"
    text = cat.read_text(encoding="utf-8")
    cat.write_text(text.replace("domain: 食品安全", "domain: 特种设备安全", 1), encoding="utf-8")
    result = validate_repository(root, AS_OF, jobs=1)
    bad = [p for p in result.errors if p.code == "catalog.domain_mismatch"]
    assert len(bad) == 1 and bad[0].path == "$.items[0].domain" and "特种设备" in bad[0].message
    cat.write_text(text.replace("domain: 食品安全", "domain: 特种设备", 1), encoding="utf-8")
    assert validate_repository(root, AS_OF, jobs=1).ok


def test_missing_calendar_year_warned_once(tmp_path):
    root = make_repo(tmp_path)
    result = validate_repository(root, date(2026, 12, 10), jobs=1)
    warned = [p for p in result.warnings if p.code == "calendar.missing_year"]
    assert [p.file for p in warned] == ["data/calendar/2027.yaml"]
    assert "gongshi calendar add-notice 2027" in warned[0].message
    assert not [
        p
        for p in validate_repository(root, date(2026, 11, 10), jobs=1).warnings
        if p.code == "calendar.missing_year"
    ]
