"""The committed sample data (``data/``) as users see it: ``gongshi demo`` turns it into a Git
repository with a simulated publication history and ``gongshi build`` builds its site, at the
Makefile's demo date. For browser tests of the real pages (search, dashboard) on real-size data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

CODE_ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2026, 11, 20)  # DEMO_AS_OF in the Makefile


def build_sample_site(workdir: Path) -> tuple[Path, Path]:
    """Demo repository and its built site under ``workdir``; returns (repo, output)."""
    from gongshi.demo import make_demo
    from gongshi.sitebuild import build

    repo = Path(workdir) / "repo"
    make_demo(CODE_ROOT, repo, AS_OF)
    out = Path(workdir) / "output"
    build(repo, AS_OF, out, settings_path=CODE_ROOT / "pelicanconf.py")
    return repo, out
