"""``gongshi build``: the same Pelican run as ``pelican content``, made atomic.

The snapshot is built (and checked) first, so a repository with errors stops before anything is
written. Pelican then writes into a staging folder next to the output; only a finished build is
renamed into place, and files whose bytes did not change keep their inode and mtime (hard links to
the previous output). A failed build deletes the staging folder and leaves the old site as it was.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from gongshi.core.problems import Problem
from gongshi.site.output import discard, make_staging, relink_unchanged, swap_in

SETTINGS_FILE = "pelicanconf.py"
# The code checkout this package was installed from (editable install): its pelicanconf.py and
# theme/ are used when the data repository has none of its own (e.g. a fixture repository).
CODE_ROOT = Path(__file__).resolve().parents[2]


class BuildError(Exception):
    """The site was not built; ``lines`` are the Chinese messages to print."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass
class BuildResult:
    output: Path
    as_of: date
    seconds: float
    site: object = None  # sitewrite.SiteResult
    warnings: list[Problem] = field(default_factory=list)
    relinked: int = 0


def settings_file(root: Path) -> Path:
    own = root / SETTINGS_FILE
    return own if own.is_file() else CODE_ROOT / SETTINGS_FILE


def build(
    root: Path,
    as_of: date,
    output: Path,
    *,
    settings_path: Path | None = None,
    overrides: dict | None = None,
    gongshi_overrides: dict | None = None,
) -> BuildResult:
    """Build the site of ``root`` as of ``as_of`` into ``output`` atomically. Raises BuildError."""
    # lazy: Pelican and the generator load in ~0.45 s; importing this module for BuildError or
    # CODE_ROOT (the CLI, bench) must not pay that
    from pelican import Pelican
    from pelican.settings import read_settings

    # lazy: as above (the generator imports Pelican)
    from gongshi.generator import (
        FINAL_OUTPUT,
        PREBUILT,
        PREVIOUS,
        SETTING,
        BuildStopped,
        GongshiSettings,
        RecordGenerator,
        load_snapshot,
    )

    start = time.perf_counter()
    root, output = Path(root).resolve(), Path(output).resolve()
    if output == root or output in root.parents:
        raise BuildError([f"输出目录 {output} 不能是数据仓库本身或它的上级目录。"])
    conf_path = settings_path or settings_file(root)
    if not conf_path.is_file():
        raise BuildError([f"找不到网站设置文件 {conf_path}。"])
    logging.getLogger("gongshi").setLevel(logging.INFO)
    base = read_settings(str(conf_path))
    gongshi = {
        **(base.get(SETTING) or {}),
        **(gongshi_overrides or {}),
        "repo_root": str(root),
        "as_of": as_of.isoformat(),
    }
    try:
        conf = GongshiSettings.from_settings({SETTING: gongshi})
        snapshot = load_snapshot(conf)
    except BuildStopped as exc:
        raise BuildError(exc.lines) from None
    staging = make_staging(output)
    try:
        settings = read_settings(
            str(conf_path),
            override={
                **(overrides or {}),
                "OUTPUT_PATH": str(staging),
                "DELETE_OUTPUT_DIRECTORY": False,
                SETTING: gongshi,
                PREBUILT: snapshot,
                PREVIOUS: str(output) if output.is_dir() else None,
                FINAL_OUTPUT: str(output),
            },
        )
        RecordGenerator.last_result = None
        Pelican(settings).run()
        site = RecordGenerator.last_result
        relinked = relink_unchanged(staging, output)
        swap_in(staging, output)
    except BuildStopped as exc:
        discard(staging)
        raise BuildError([] if exc.reported else exc.lines) from None
    except BaseException:
        discard(staging)
        raise
    return BuildResult(output, as_of, time.perf_counter() - start, site, snapshot.warnings, relinked)
