"""The golden site: the fixture repository of tests/support/site_fixture.py (real Git history) built with
``gongshi build`` (real Pelican) at a fixed as-of date, compared file by file with tests/golden/.

After an intended change of the output, regenerate and review the difference::

    make golden        # = .venv/bin/python -m tests.support.golden_site --regenerate
    git diff --stat tests/golden

Not compared: ``theme/`` (static files copied verbatim from the theme). Everything else is compared
byte for byte, ``*.xlsx`` too (they are written with fixed dates: ``gongshi.sheets.xlsxsave``).
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import sys
import tempfile
from pathlib import Path

from tests.support.site_fixture import AS_OF, build_repo

HERE = Path(__file__).resolve().parents[1]
GOLDEN = HERE / "golden"
CODE_ROOT = HERE.parent
SKIP_DIRS = ("theme/",)


def build_golden_site(workdir: Path) -> Path:
    """Create the fixture repository under ``workdir`` and build its site; returns the output."""
    from gongshi.sitebuild import build

    repo = workdir / "repo"
    build_repo(repo)
    out = workdir / "output"
    build(repo, AS_OF, out, settings_path=CODE_ROOT / "pelicanconf.py")
    return out


def tree(root: Path) -> dict[str, Path]:
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith(SKIP_DIRS):
            out[rel] = path
    return out


def compare(expected: Path, actual: Path) -> list[str]:
    """Differences as readable lines (empty when the trees match)."""
    a, b = tree(expected), tree(actual)
    problems = [f"missing: {p}" for p in sorted(set(a) - set(b))]
    problems += [f"unexpected: {p}" for p in sorted(set(b) - set(a))]
    for rel in sorted(set(a) & set(b)):
        old, new = a[rel].read_bytes(), b[rel].read_bytes()
        if old == new:
            continue
        try:
            diff = difflib.unified_diff(
                old.decode("utf-8").splitlines(), new.decode("utf-8").splitlines(), rel, rel, lineterm="", n=1
            )
            problems.append("\n".join(list(diff)[:40]))
        except UnicodeDecodeError:
            problems.append(f"differs (binary): {rel}")
    return problems


def regenerate() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = build_golden_site(Path(tmp))
        if GOLDEN.exists():
            shutil.rmtree(GOLDEN)
        GOLDEN.mkdir()
        for rel, path in tree(out).items():
            target = GOLDEN / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    print(f"tests/golden regenerated ({len(tree(GOLDEN))} files, as of {AS_OF}).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regenerate", action="store_true", help="rewrite tests/golden from a fresh build")
    args = parser.parse_args(argv)
    if args.regenerate:
        regenerate()
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        problems = compare(GOLDEN, build_golden_site(Path(tmp)))
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
