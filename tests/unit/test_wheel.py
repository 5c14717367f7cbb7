"""A non-editable wheel carries every subpackage and the JSON Schemas, and validates on its own.

The wheel is built from a copy of the sources (a build in the checkout would leave ``build/`` and
``*.egg-info`` there), installed with ``pip install --target`` and run from outside the repository
with only that folder on PYTHONPATH; the dependencies come from this interpreter's environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = ROOT / "tests" / "fixtures" / "registry"


def run(args: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


@pytest.mark.slow
def test_wheel_ships_subpackages_and_schemas(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "plugins", source / "plugins", ignore=shutil.ignore_patterns("__pycache__"))
    built = run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), "."], source
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("gongshi-*.whl")
    target = tmp_path / "site"
    installed = run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        tmp_path,
    )
    assert installed.returncode == 0, installed.stderr

    repo = tmp_path / "repo"
    shutil.copytree(REGISTRY, repo)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(target)}
    where = run(
        [sys.executable, "-c", "import gongshi.repo.schemas as s; print(s.__file__); print(s.SCHEMA_DIR)"],
        repo,
        env,
    )
    assert where.returncode == 0, where.stderr
    module, schema_dir = where.stdout.splitlines()
    assert Path(module).is_relative_to(target) and Path(schema_dir) == target / "gongshi" / "schemas"
    assert sorted(p.name for p in Path(schema_dir).glob("*.json")) == sorted(
        p.name for p in (ROOT / "plugins" / "gongshi" / "schemas").glob("*.json")
    )

    ok = run([sys.executable, "-m", "gongshi", "validate", "--as-of", "2026-11-20"], repo, env)
    assert ok.returncode == 0, ok.stdout + ok.stderr

    # The schemas are really read from the wheel: an unknown key in the registry is a schema error.
    departments = repo / "data" / "departments.yaml"
    departments.write_text(departments.read_text(encoding="utf-8") + "colour: blue\n", encoding="utf-8")
    bad = run(
        [sys.executable, "-m", "gongshi", "validate", "--as-of", "2026-11-20", "--format", "json"], repo, env
    )
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert [e["code"] for e in json.loads(bad.stdout)["errors"]] == ["schema.unknown_key"]
