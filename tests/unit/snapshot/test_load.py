"""The one snapshot loader: whatever stops it (bad files, a history or a policy that cannot be used)
is one SnapshotError with Chinese problems, and every caller reports it without a traceback."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from gongshi.cli import main
from gongshi.generator import BuildStopped, GongshiSettings, load_snapshot
from gongshi.snapshot.explain import explain_record
from gongshi.snapshot.load import SnapshotError, load

REPO = Path(__file__).resolve().parents[3]
FIXTURE_REGISTRY = REPO / "tests" / "fixtures" / "registry"
PENALTY = "data/records/scjg/penalties/2026/scjg-cf-2026-0015.yaml"
AS_OF = date(2026, 3, 20)


@pytest.fixture
def root(tmp_path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE_REGISTRY, root)
    path = root / PENALTY
    path.parent.mkdir(parents=True)
    shutil.copy(REPO / "tests" / "corpus" / "valid" / "penalty-company-fine.yaml", path)
    return root


def break_policy(root: Path) -> None:
    pol = root / "data" / "policy.yaml"
    # Passes the schema (it cannot compare two fields) but not Policy.from_data.
    text = pol.read_text(encoding="utf-8").replace(
        "{min_months: 3, max_months: 12}", "{min_months: 13, max_months: 12}", 1
    )
    pol.write_text(text, "utf-8")


def test_loads_every_valid_record_or_only_the_paths_given(root):
    snap = load(root, AS_OF, cache=False)
    assert [e.record.path for e in snap.entries] == [PENALTY]
    assert load(root, AS_OF, cache=False, paths=["data/departments.yaml"]).entries == []


def test_bad_files_stop_with_their_errors(root):
    (root / PENALTY).write_text("kind: penalty\ndoc_no: x\n", encoding="utf-8")
    with pytest.raises(SnapshotError) as err:
        load(root, AS_OF, cache=False)
    exc = err.value
    assert exc.files_invalid and exc.problems == exc.validation.errors
    assert exc.message == f"有 {len(exc.problems)} 个错误，网站未生成。"


def test_a_bad_policy_is_one_problem(root, monkeypatch):
    break_policy(root)
    with pytest.raises(SnapshotError) as err:
        load(root, AS_OF, cache=False)
    exc = err.value
    assert not exc.files_invalid
    assert [(p.file, p.code) for p in exc.problems] == [("data/policy.yaml", "policy.invalid")]
    assert exc.message == exc.problems[0].message and exc.message.startswith(
        "data/policy.yaml：national.regimes[0]"
    )
    # The build, explain and stats report that same problem once: one line, no traceback.
    with pytest.raises(BuildStopped) as stop:
        load_snapshot(GongshiSettings(root, AS_OF, 1))
    assert stop.value.lines == [exc.message]
    assert [p.code for p in explain_record(root, PENALTY, AS_OF).problems] == ["policy.invalid"]
    monkeypatch.chdir(root)
    r = CliRunner().invoke(main, ["stats", "--as-of", AS_OF.isoformat()], catch_exceptions=False)
    assert r.exit_code == 1
    assert r.output == f"错误：{exc.message}\n"
