"""The Pelican adapter: one ``Generator`` subclass that reads the records and writes their pages.

Everything else is plain Python (``snapshot`` → ``pages`` → ``sitewrite``); this module only reads
the settings, hands Pelican's Jinja environment to the engine and reports problems. Settings: one
dict ``GONGSHI = {"repo_root": ..., "as_of": None | "YYYY-MM-DD", "workers": N}``.
"""

from __future__ import annotations

import gc
import logging
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pelican import signals
from pelican.contents import Article, Page
from pelican.generators import Generator

from gongshi.check.report import problem_block
from gongshi.core import phases
from gongshi.core.cachefile import enabled as cache_enabled
from gongshi.core.clock import parse_as_of
from gongshi.core.workers import default_workers
from gongshi.site.manifest import OutputManifest
from gongshi.site.output import OutputWriter, remove_stale
from gongshi.site.sanitize import sanitise_html
from gongshi.sitewrite import site_globals, strict_autoescape, write_site
from gongshi.snapshot.load import SnapshotError, load

logger = logging.getLogger(__name__)

SETTING = "GONGSHI"
PREBUILT = "GONGSHI_SNAPSHOT"  # set by ``gongshi build``: the snapshot it already built
PREVIOUS = "GONGSHI_PREVIOUS_OUTPUT"  # set by ``gongshi build``: the output being replaced
FINAL_OUTPUT = "GONGSHI_FINAL_OUTPUT"  # set by ``gongshi build``: where the staged output will go
DELTA = "GONGSHI_DELTA"  # set by ``gongshi build``: stage only what changes (``site.output``)
OWNED_FOLDERS = ("r", "list", "archives", "dept", "data", "ledger")  # data/, ledger/: shards, chunks
KNOWN_KEYS = {
    "repo_root": "数据仓库目录（含 data/departments.yaml）",
    "as_of": "按哪一天生成（YYYY-MM-DD；不写则为今天，中国时间）",
    "workers": "生成记录页面的进程数（默认 2）",
}
# Keys that existed once, with why they are gone (a clearer message than "unknown key").
REMOVED_KEYS = {
    "repo_url": "数据仓库是内部仓库（只供各部门、平台组、信用办和审计人员使用），网站不再链接它的提交或文件。"
    "请从设置中删除这一项。",
}


class BuildStopped(SystemExit):
    """Stops the build; ``lines`` say why (Chinese). A SystemExit, so that Pelican's command line
    exits with status 1 without printing a traceback. Whoever catches it prints the lines once:
    ``gongshi build`` itself, or ``generate_context`` under plain ``pelican content``."""

    def __init__(self, lines: list[str]):
        super().__init__(1)
        self.lines = lines
        self.message = "\n".join(lines)
        self.reported = False  # set once the lines were printed


@dataclass(frozen=True)
class GongshiSettings:
    repo_root: Path
    as_of: date
    workers: int

    @classmethod
    def from_settings(cls, settings: dict) -> GongshiSettings:
        """Validate the whole ``GONGSHI`` dict and report every bad key at once."""
        raw = settings.get(SETTING) or {}
        problems = []
        if not isinstance(raw, dict):
            raise BuildStopped([f"设置 {SETTING} 必须是一个字典（dict）。"])
        for key in sorted(set(raw) - set(KNOWN_KEYS)):
            if key in REMOVED_KEYS:
                problems.append(f"设置 {SETTING}['{key}'] 已取消：{REMOVED_KEYS[key]}")
                continue
            allowed = "、".join(KNOWN_KEYS)
            problems.append(f"设置 {SETTING}['{key}'] 不认识。可用的键：{allowed}。")
        root = Path(str(raw.get("repo_root") or ".")).expanduser().resolve()
        if not (root / "data" / "departments.yaml").is_file():
            problems.append(f"设置 {SETTING}['repo_root']：{root} 中没有 data/departments.yaml。")
        try:
            as_of = parse_as_of(raw.get("as_of") or None)
        except ValueError as exc:
            problems.append(f"设置 {SETTING}['as_of']：{exc}")
            as_of = date.today()
        workers = raw.get("workers", default_workers())
        if not isinstance(workers, int) or workers < 1:
            problems.append(f"设置 {SETTING}['workers'] 必须是正整数。")
            workers = 1
        if problems:
            raise BuildStopped(problems)
        return cls(root, as_of, workers)


def report_stop(exc: BuildStopped) -> None:
    """Print the lines once, as plain text on stderr: Pelican's log handler would prefix and wrap
    every line, and ``gongshi validate`` prints the same problems the same way."""
    if not exc.reported:
        sys.stderr.write("".join(f"{line}\n" for line in exc.lines))
        sys.stderr.flush()
        exc.reported = True


def load_snapshot(conf: GongshiSettings):
    """The snapshot, or BuildStopped with every problem (Chinese, no traceback)."""
    try:
        snapshot = load(conf.repo_root, conf.as_of, cache=cache_enabled())
    except SnapshotError as exc:
        # Bad files: each problem as gongshi validate prints it, then the count; else one line.
        lines = [*problem_block(exc.problems), exc.message] if exc.files_invalid else [exc.message]
        raise BuildStopped(lines) from None
    # The snapshot lives until the build ends: take its objects out of the cyclic collector's
    # reach, or the first full collection of every later stage walks all of them (1–2 s at
    # 100,000 records), and fork workers would touch (copy) their pages doing so.
    gc.freeze()
    return snapshot


class RecordGenerator(Generator):
    """Record pages, lists, archives, departments, rules, sitemap and the extras (search, data)."""

    last_result = None  # the SiteResult of the latest run (read by ``gongshi build``)

    def generate_context(self) -> None:
        try:
            self.conf = GongshiSettings.from_settings(self.settings)
            self.snapshot = self.settings.get(PREBUILT) or load_snapshot(self.conf)
        except BuildStopped as exc:
            report_stop(exc)
            raise
        # Shared with Pelican's own pages (about, help ...), so base.html has one set of variables.
        self.context["gs"] = site_globals(self.snapshot)

    def generate_output(self, writer) -> None:  # Pelican's writer is not used (too slow per page)
        strict_autoescape(self.env)
        previous = self.settings.get(PREVIOUS) or self.output_path
        final = self.settings.get(FINAL_OUTPUT) or self.output_path
        manifest = OutputManifest(self.conf.repo_root, Path(final)) if cache_enabled() else None
        delta = bool(self.settings.get(DELTA))
        out = OutputWriter(Path(self.output_path), Path(previous), manifest=manifest, delta=delta)
        base = {
            "SITENAME": self.settings.get("SITENAME", ""),
            "SITEURL": self.settings.get("SITEURL", ""),
            "THEME_STATIC_DIR": self.settings.get("THEME_STATIC_DIR", "theme"),
            "gs": self.context["gs"],
        }
        try:
            result = write_site(
                self.snapshot,
                self.env,
                base,
                out,
                site_url=self.settings.get("SITEURL", ""),
                workers=self.conf.workers,
            )
        finally:
            gc.unfreeze()  # frozen in load_snapshot; a long-lived process (pelican --listen) goes on
        if manifest is not None:
            with phases.timed("site/manifest_save"):
                manifest.save()
        if out.in_place:
            removed = remove_stale(Path(self.output_path), out.written, OWNED_FOLDERS)
            if removed:
                logger.info("删除了 %d 个已不再公开的页面", len(removed))
        RecordGenerator.last_result = result
        logger.info(
            "gongshi：%d 个页面、%d 条记录页面（其中撤回公告 %d），写入 %d 个文件，%d 个未变",
            result.pages,
            result.record_pages,
            result.notices,
            result.writes.written,
            result.writes.unchanged,
        )


def get_generators(_pelican):
    return RecordGenerator


def sanitise_content(instance) -> None:
    """Pelican's ``content_object_init``: a hand-written page's HTML through the allow-list
    (``site.sanitize``) before any template sees it."""
    if isinstance(instance, (Page, Article)) and isinstance(instance._content, str):
        instance._content = sanitise_html(instance._content)


def register() -> None:
    signals.get_generators.connect(get_generators)
    signals.content_object_init.connect(sanitise_content)
