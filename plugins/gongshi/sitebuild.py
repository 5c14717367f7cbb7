"""``gongshi build``: the same Pelican run as ``pelican content``, made atomic.

The snapshot is built (and checked) first, so a repository with errors stops before anything is
written. Pelican then writes into a staging folder next to the output: the whole site for a first
build, renamed into place when finished; over an existing output only the files whose bytes change,
moved in by a journal once the build finished (``site.output``: a delta build). Files whose bytes
did not change keep their inode and mtime. A failed build deletes the staging folder and leaves the
old site as it was; a build killed while applying its journal is finished by the next build.

The output folder is replaced as a whole, so before anything is read or written ``build`` refuses
(``UnsafeOutput``) an output that is the repository itself, one of its ancestors, its ``data``
folder or anything inside it, a ``.git`` folder or anything inside one, and any existing folder
that is not empty and not a previous gongshi output (``build-info.json`` naming gongshi as its
``generator``): replacing any of those would delete what is in it.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from gongshi.core import phases
from gongshi.core.problems import Problem
from gongshi.site.output import (
    apply_delta,
    discard,
    lock_output,
    make_staging,
    prune_unchanged,
    swap_in,
    unlock_output,
    walk_files,
)

SETTINGS_FILE = "pelicanconf.py"
# The code checkout this package was installed from (editable install): its pelicanconf.py and
# theme/ are used when the data repository has none of its own (e.g. a fixture repository).
CODE_ROOT = Path(__file__).resolve().parents[2]


class BuildError(Exception):
    """The site was not built; ``lines`` are the Chinese messages to print."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


class UnsafeOutput(BuildError):
    """The output folder may not be replaced (``output_refusal``); nothing was touched. A usage
    error: the command exits 2."""


BUILD_INFO = "build-info.json"
GENERATOR_PREFIX = "gongshi "  # build-info.json "generator": "gongshi <version>" (sitewrite)


def is_gongshi_output(folder: Path) -> bool:
    """True when ``folder`` holds a ``build-info.json`` written by a gongshi build."""
    try:
        doc = json.loads((Path(folder) / BUILD_INFO).read_bytes())
    except (OSError, ValueError):
        return False
    generator = doc.get("generator") if isinstance(doc, dict) else None
    return isinstance(generator, str) and generator.startswith(GENERATOR_PREFIX)


def output_refusal(root: Path, output: Path) -> str | None:
    """Why ``output`` must not be replaced by the site of the repository at ``root`` (Chinese), or
    None when it may. Both are resolved first, so symbolic links and ``..`` change nothing."""
    root, output = Path(root).resolve(), Path(output).resolve()
    shown = str(output)
    if output == root:
        return f"输出目录 {shown} 是数据仓库本身。生成网站会替换整个输出目录，这会删除仓库。"
    if output in root.parents:
        return f"输出目录 {shown} 是数据仓库 {root} 的上级目录。生成网站会替换整个输出目录，这会删除仓库。"
    if ".git" in output.parts:
        return f"输出目录 {shown} 在 Git 目录（.git）中。生成网站会替换整个输出目录，这会破坏仓库的历史。"
    data = root / "data"
    if output == data or data in output.parents:
        return f"输出目录 {shown} 在数据目录 data/ 中。生成网站会替换整个输出目录，这会删除数据文件。"
    if output.exists() and not output.is_dir():
        return f"输出目录 {shown} 已存在，但不是目录。"
    if output.is_dir():
        try:
            empty = next(output.iterdir(), None) is None
        except OSError as exc:
            return f"无法读取输出目录 {shown}：{exc.strerror}。"
        if not empty and not is_gongshi_output(output):
            return (
                f"输出目录 {shown} 不是空目录，也不是以前用 gongshi 生成的网站（其中没有 gongshi 写的 "
                f"{BUILD_INFO}）。生成网站会替换整个输出目录，为安全起见不会删除其中的文件。"
                "请换一个新的或空的目录。"
            )
    return None


@dataclass
class BuildResult:
    output: Path
    as_of: date
    seconds: float
    site: object = None  # sitewrite.SiteResult
    warnings: list[Problem] = field(default_factory=list)
    relinked: int = 0
    # Seconds per phase (``core.phases``), in the order they ran: ``gongshi build --profile``.
    phases: dict[str, float] = field(default_factory=dict)


def profile_table(seconds: dict[str, float], total: float) -> str:
    """``gongshi build --profile``: each phase and its seconds, a phase inside another indented
    under it (``snapshot/validate`` under ``snapshot``; ``site/*`` under ``pelican``)."""
    lines = ["各阶段用时（秒；缩进的阶段包含在上一级中，output/* 在两个进程中并行）："]
    for name, s in seconds.items():
        depth = 0 if "/" not in name else 2 if name.startswith("output/") else 1
        lines.append(f"{'  ' * (depth + 1)}{name:<{28 - 2 * depth}} {s:>8.3f}")
    top = sum(s for name, s in seconds.items() if "/" not in name)
    lines.append(f"  {'(其他)':<26} {max(total - top, 0.0):>8.3f}")
    lines.append(f"  {'total':<28} {total:>8.3f}")
    return "\n".join(lines)


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
    """Build the site of ``root`` as of ``as_of`` into ``output`` atomically. Raises BuildError
    (``UnsafeOutput`` before anything is touched when ``output_refusal`` refuses the output)."""
    refusal = output_refusal(root, output)
    if refusal is not None:
        raise UnsafeOutput([refusal, "网站未生成，没有改动任何文件。"])
    start = time.perf_counter()
    phases.start()
    with phases.timed("import"):
        # lazy: Pelican and the generator load in ~0.45 s; importing this module for BuildError or
        # CODE_ROOT (the CLI, bench) must not pay that
        from pelican import Pelican
        from pelican.settings import read_settings

        # lazy: as above (the generator imports Pelican)
        from gongshi.generator import (
            SETTING,
            BuildStopped,
            GongshiSettings,
            RecordGenerator,
            load_snapshot,
        )

    root, output = Path(root).resolve(), Path(output).resolve()
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
        with phases.timed("snapshot"):
            snapshot = load_snapshot(conf)
    except BuildStopped as exc:
        raise BuildError(exc.lines) from None
    lock = lock_output(output)  # one build of this output at a time (a delta build edits it)
    failed = True
    try:
        relinked = _build_locked(output, conf_path, overrides, gongshi, snapshot, Pelican, read_settings)
        failed = False
    finally:
        unlock_output(lock, output, failed=failed)
    site = RecordGenerator.last_result
    seconds = time.perf_counter() - start
    return BuildResult(output, as_of, seconds, site, snapshot.warnings, relinked, phases.seconds())


def _build_locked(
    output: Path, conf_path: Path, overrides, gongshi: dict, snapshot, pelican, read_settings
) -> int:
    """Pelican into a staging folder, then into place (the caller holds the output's lock). Over an
    existing output the build is a delta (``site.output``): only changed files are staged and the
    journal moves them in; otherwise the staging folder is the whole site and is swapped in.
    Returns how many staged files were found unchanged (linked or dropped)."""
    # lazy: as in build (the generator imports Pelican)
    from gongshi.generator import (
        DELTA,
        FINAL_OUTPUT,
        PREBUILT,
        PREVIOUS,
        SETTING,
        BuildStopped,
        RecordGenerator,
    )

    staging = make_staging(output)  # replays a journal a killed build left, before anything reads
    delta = next(output.iterdir(), None) is not None
    committed = False
    try:
        with phases.timed("pelican"):  # Pelican's own pages and static files, and the site below
            settings = read_settings(
                str(conf_path),
                override={
                    **(overrides or {}),
                    "OUTPUT_PATH": str(staging),
                    "DELETE_OUTPUT_DIRECTORY": False,
                    SETTING: gongshi,
                    PREBUILT: snapshot,
                    PREVIOUS: str(output) if delta else None,
                    FINAL_OUTPUT: str(output),
                    DELTA: delta,
                },
            )
            RecordGenerator.last_result = None
            pelican(settings).run()
            site = RecordGenerator.last_result
        if site is None:
            raise BuildError(["网站生成器没有运行，网站未生成。"])
        if not delta:
            # A first build: the output folder is empty (``lock_output`` made it), so there is
            # nothing to link unchanged files to; the staged site replaces it whole.
            phases.record("relink", 0.0)  # the profile lists every phase of every build
            with phases.timed("swap"):
                swap_in(staging, output)
            return 0
        with phases.timed("relink"):
            relinked, others = prune_unchanged(staging, output, site.written)
            deletions = set(walk_files(output)).difference(site.written, others)
        with phases.timed("swap"):
            committed = True  # from here on the journal, not the staging folder's removal, decides
            apply_delta(staging, output, deletions)
        return relinked
    except BuildStopped as exc:
        discard(staging)
        raise BuildError([] if exc.reported else exc.lines) from None
    except BaseException:
        if not committed:
            discard(staging)
        raise
