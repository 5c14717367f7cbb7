"""A build stopped by bad records says each problem exactly once, in ``gongshi validate``'s text
format, exits 1 and prints no traceback: through ``gongshi build`` and through plain
``pelican content`` with the repository's settings."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CODE_ROOT = Path(__file__).resolve().parents[2]
REGISTRY = Path(__file__).resolve().parents[1] / "fixtures" / "registry"
BIN = Path(sys.executable).parent
AS_OF = "2026-10-12"


@pytest.fixture
def broken_repo(tmp_path):
    """The fixture registry with two bad records (a syntax error, missing fields)."""
    root = tmp_path / "repo"
    shutil.copytree(REGISTRY, root)
    folder = root / "data/records/scjg/licences/2026"
    folder.mkdir(parents=True)
    (folder / "scjg-xk-2026-0998.yaml").write_text(
        "kind: licence\ndoc_no: 钟测许〔2026〕1号\n", encoding="utf-8"
    )
    (folder / "scjg-xk-2026-0999.yaml").write_text("kind: licence\ndoc_no: [\n", encoding="utf-8")
    return root


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


def validate_block(root: Path) -> list[str]:
    """What ``gongshi validate`` prints, without its summary line; and its problem lines."""
    proc = run([str(BIN / "gongshi"), "validate", "--as-of", AS_OF], root)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    block = proc.stdout.splitlines()[:-1]
    problems = [line for line in block if line.startswith("  ")]
    assert len(problems) >= 3 and any("[yaml.syntax]" in p for p in problems), proc.stdout
    return block


def assert_reported_once(output: str, block: list[str]) -> None:
    assert "Traceback" not in output, output
    assert "\n".join(block) in output, output  # the same grouped text as gongshi validate
    for line in block:
        if line.startswith("  "):
            assert output.count(line.strip()) == 1, f"printed {output.count(line.strip())} times: {line}"


def test_gongshi_build_prints_each_problem_once(broken_repo, tmp_path):
    block = validate_block(broken_repo)
    out = tmp_path / "site"
    proc = run([str(BIN / "gongshi"), "build", "--as-of", AS_OF, "--output", str(out)], broken_repo)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert_reported_once(proc.stdout + proc.stderr, block)
    count = sum(1 for line in block if line.startswith("  "))
    assert f"有 {count} 个错误，网站未生成。" in proc.stderr
    assert proc.stderr.count("网站未生成") == 1 and proc.stderr.rstrip().endswith("原有网站保持不变。")
    assert not out.exists()


def test_pelican_content_prints_each_problem_once(broken_repo, tmp_path):
    block = validate_block(broken_repo)
    out = tmp_path / "site"
    settings = f'GONGSHI={{"repo_root": "{broken_repo}", "as_of": "{AS_OF}"}}'
    cmd = [str(BIN / "pelican"), str(CODE_ROOT / "content"), "-s", str(CODE_ROOT / "pelicanconf.py")]
    proc = run([*cmd, "-o", str(out), "-e", settings], broken_repo)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    # Plain lines on stderr: not wrapped or prefixed by Pelican's log handler.
    assert_reported_once(proc.stdout + proc.stderr, block)
    assert "\n".join(block) in proc.stderr
    assert not (out / "r").exists()
