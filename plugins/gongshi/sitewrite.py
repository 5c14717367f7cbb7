"""Rendering a ``SitePlan`` with a Jinja environment into an ``OutputWriter`` (no Pelican here).

Record pages are rendered directly with ``Template.render`` (about 10x cheaper than Pelican's
``Writer.write_file``) and, above ``PARALLEL_MIN`` pages, by a fork pool that inherits the
environment and the plan. Everything is written through ``OutputWriter`` (bytes change → write).

Extra outputs from other modules (see docs/site.md "Adding pages"): every module named in
``EXTRA_MODULES`` that defines ``write_extra(snapshot, out_dir, site)`` is called once per build
with a ``SiteOutput`` (render a theme template, write bytes, add pages to the sitemap).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from gongshi import __version__
from gongshi.buildcache import record_page_key, record_pages_key
from gongshi.core.cachefile import cache_dir
from gongshi.core.keys import code_version, digest
from gongshi.outputs.html.pages import SitePlan, as_of_label, plan_site, record_path, url_of
from gongshi.outputs.search.index import SEARCH_PAGE
from gongshi.site.output import OutputWriter, WriteStats
from gongshi.site.sitemap import robots_txt, sitemap_files

if TYPE_CHECKING:
    from gongshi.snapshot.build import Snapshot

PARALLEL_MIN = 2000
# Modules that may contribute pages or files; each is optional and called only if it defines
# ``write_extra``. Order matters only for the sitemap order, which is sorted anyway.
EXTRA_MODULES = (
    "gongshi.outputs.search.index",
    "gongshi.outputs.exports",
    "gongshi.outputs.feeds",
    "gongshi.outputs.jsonapi",
    "gongshi.outputs.dashboard",
)

NAV = (
    ("", "首页"),
    ("list/licence/", "许可公示"),
    ("list/penalty/", "处罚公示"),
    ("search.html", "搜索"),
    ("archives/", "归档"),
    ("dept/", "部门目录"),
    ("data/", "数据下载"),
    ("dashboard/", "评估考核"),
)
FOOTER = (
    ("about.html", "关于双公示"),
    ("help.html", "使用说明"),
    ("data-notes.html", "数据说明"),
    ("rules.html", "公示规则"),
    ("sitemap.html", "网站地图"),
)


def site_globals(snapshot: Snapshot) -> dict:
    """``gs`` in every template (records pages and Pelican's own pages alike): small and static."""
    from gongshi.rules.policy import NATIONAL, ZHONGLOU_NAME

    site = snapshot.policy.site or {}
    p = snapshot.policy
    return {
        "regime_name": ZHONGLOU_NAME if p.regime != NATIONAL else "全国行政处罚信息公示规定",
        "deadline_workdays": p.deadline_workdays,
        "list_days": p.list_days,
        "title": str(site.get("title", "")),
        "region_name": str(site.get("region_name", "")),
        "sample_data": bool(site.get("sample_data", False)),
        "as_of": snapshot.as_of.isoformat(),
        "as_of_label": as_of_label(snapshot.as_of),
        "nav": NAV,
        "footer": FOOTER,
        "search_url": SEARCH_PAGE,
    }


def stable_base(base: dict) -> dict:
    """The template variables for pages that must not show the as-of date (record pages, notices,
    archives): without it they keep their bytes from one day to the next unless their records
    change, so a daily build rewrites only what really changed."""
    gs = {**base.get("gs", {}), "as_of": "", "as_of_label": ""}
    return {**base, "gs": gs}


def strict_autoescape(env: jinja2.Environment) -> None:
    """Autoescape every HTML/XML template of this environment (Pelican's default is off)."""
    env.autoescape = jinja2.select_autoescape(["html", "htm", "xml"], default_for_string=True)


@dataclass
class SiteOutput:
    """What an extra writer gets: render a theme template to a page, write raw bytes, and say
    which of its pages are public (sitemap). Paths are site-relative with ``/``."""

    out_dir: Path
    env: jinja2.Environment
    base: dict
    writer: OutputWriter
    sitemap: list[str] = field(default_factory=list)
    # Processes a writer may use for its own work (1 when the writers already run side by side).
    workers: int = 1

    def render(self, template: str, rel: str, *, in_sitemap: bool = True, **context: Any) -> None:
        page = {**self.base, **context, "page_url": url_of(rel)}
        self.writer.write_text(rel, self.env.get_template(template).render(page))
        if in_sitemap:
            self.sitemap.append(rel)

    def write(self, rel: str, data: bytes) -> None:
        self.writer.write(rel, data)

    def write_keyed(self, rel: str, key: str, produce: Callable[[], bytes]) -> None:
        """Like ``write``, but ``produce`` is only called when ``key`` (a digest of everything the
        file is made from, e.g. ``core.keys.digest(...)``) differs from the previous build's."""
        self.writer.write_keyed(rel, digest(code_version(), key), produce)

    def url(self, rel: str) -> str:
        """The link to a site-relative path, as templates write it."""
        return f"{self.base.get('SITEURL', '')}/{url_of(rel)}"

    @staticmethod
    def record_url(record_id: str) -> str:
        return record_path(record_id)


@dataclass
class SiteResult:
    pages: int = 0
    record_pages: int = 0
    notices: int = 0
    sitemap_urls: int = 0
    writes: WriteStats = field(default_factory=WriteStats)
    extras: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)


def _render_one(env: jinja2.Environment, base: dict, page) -> bytes:
    ctx = {**base, **page.context, "page_url": page.url}
    return env.get_template(page.template + ".html").render(ctx).encode("utf-8")


# The fork pool's workers read these (inherited at fork; never pickled).
_POOL: dict = {}


def _pool_render(bounds: tuple[int, int]) -> tuple:
    plan: SitePlan = _POOL["plan"]
    env, base, writer = _POOL["env"], _POOL["base"], _POOL["writer"]
    local = OutputWriter(writer.root, writer.previous, manifest=writer.manifest and writer.manifest.fork())
    items = _POOL["items"]
    for entry, notice in items[bounds[0] : bounds[1]]:
        _write_record_page(plan, env, base, local, entry, notice, _POOL["fixed"])
    return sorted(local.written), local.changed, local.stats.unchanged, local.manifest and local.manifest.new


def _write_record_page(
    plan: SitePlan, env, base: dict, writer: OutputWriter, entry, notice: bool, fixed
) -> None:
    """Render a record page, or keep the previous one when its inputs did not change (manifest)."""
    key = record_page_key(plan, entry, notice, fixed) if fixed is not None else None
    writer.write_keyed(
        record_path(entry.id), key, lambda: _render_one(env, base, plan.record_page(entry, notice))
    )


def render_record_pages(plan: SitePlan, env, base: dict, writer: OutputWriter, workers: int = 1) -> int:
    items = plan.record_entries()
    fixed = record_pages_key(env, base, plan) if writer.manifest is not None else None
    if workers > 1 and len(items) >= PARALLEL_MIN:
        import multiprocessing

        plan.masker.prepare()  # once here, not once in every fork worker

        chunk = max(200, len(items) // (workers * 8))
        bounds = [(i, min(i + chunk, len(items))) for i in range(0, len(items), chunk)]
        _POOL.update(plan=plan, env=env, base=base, writer=writer, items=items, fixed=fixed)
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for written, changed, n_same, keys in pool.imap(_pool_render, bounds):
                    _merge_worker(writer, written, changed, n_same, keys)
        finally:
            _POOL.clear()
    else:
        for entry, notice in items:
            _write_record_page(plan, env, base, writer, entry, notice, fixed)
    return len(items)


def build_info(snapshot: Snapshot, plan: SitePlan) -> bytes:
    """The only file that says when and from what the site was built: the as-of date and the
    commit, never the wall clock (same inputs → same bytes)."""
    doc = {
        "as_of": snapshot.as_of.isoformat(),
        "commit": snapshot.head,
        "generator": f"gongshi {__version__}",
        "regime": snapshot.policy.regime,
        "records": {
            "total": len(snapshot.entries),
            "public": len(plan.public),
            "withdrawal_notices": len(plan.notices),
        },
    }
    return (json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def extra_writers(modules: Iterable[str] = EXTRA_MODULES) -> list[tuple[str, Callable]]:
    out = []
    for name in modules:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # that part of the site is not installed (yet)
            raise
        fn = getattr(mod, "write_extra", None)
        if callable(fn):
            out.append((name, fn))
    return out


def _merge_worker(writer: OutputWriter, written: list[str], changed: list[str], n_same: int, keys) -> None:
    """Add what a fork worker wrote (its own OutputWriter) to the parent's writer."""
    dup = writer.written.intersection(written)
    if dup:
        raise ValueError(f"two pages want the same output file: {sorted(dup)[0]}")
    writer.written.update(written)
    writer.changed.extend(changed)
    writer.stats.written += len(changed)
    writer.stats.unchanged += n_same
    if keys:
        writer.manifest.new.update(keys)


def _run_extra(fn: Callable, snapshot: Snapshot, site: SiteOutput) -> tuple[dict, float]:
    import time

    te = time.perf_counter()
    out = fn(snapshot, site.out_dir, site)
    return out, round(time.perf_counter() - te, 3)


def _pool_extra(name: str) -> tuple:
    """One extra writer in a fork worker, with its own writer; the parent merges what it wrote."""
    parent: SiteOutput = _POOL["site"]
    w = parent.writer
    local = OutputWriter(w.root, w.previous, manifest=w.manifest and w.manifest.fork())
    # One core each: the writers themselves are what runs side by side.
    site = SiteOutput(parent.out_dir, parent.env, parent.base, local, workers=1)
    out, seconds = _run_extra(dict(_POOL["writers"])[name], _POOL["snapshot"], site)
    keys = local.manifest.new if local.manifest is not None else None
    return name, out, seconds, sorted(local.written), local.changed, local.stats.unchanged, keys, site.sitemap


def run_extra_writers(snapshot: Snapshot, site: SiteOutput, result: SiteResult, workers: int = 1) -> None:
    """Every extra writer (search, downloads, feeds, API, dashboard). They are independent, so with
    more than one worker they run in fork workers side by side (each writes its own files; the
    file lists, manifest keys and sitemap entries are merged here, in the writers' order)."""
    writers = extra_writers()
    if workers <= 1 or len(writers) < 2 or len(snapshot.entries) < PARALLEL_MIN:
        for name, fn in writers:
            result.extras[name], seconds = _run_extra(fn, snapshot, site)
            result.timings[f"{name.rsplit('.', 1)[-1]}_s"] = seconds
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    writer = site.writer
    _POOL.update(site=site, writers=writers, snapshot=snapshot)
    done: dict[str, tuple] = {}
    try:
        # Not multiprocessing.Pool: its workers are daemons, which may not start processes.
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(min(workers, len(writers)), mp_context=ctx) as pool:
            for item in pool.map(_pool_extra, [name for name, _fn in writers]):
                done[item[0]] = item
    finally:
        _POOL.clear()
    for name, _fn in writers:
        _name, out, seconds, written, changed, n_same, keys, sitemap = done[name]
        _merge_worker(writer, written, changed, n_same, keys)
        site.sitemap.extend(sitemap)
        result.extras[name] = out
        result.timings[f"{name.rsplit('.', 1)[-1]}_s"] = seconds


def write_site(
    snapshot: Snapshot,
    env: jinja2.Environment,
    base: dict,
    writer: OutputWriter,
    *,
    repo_url: str = "",
    site_url: str = "",
    workers: int = 1,
    extras: bool = True,
) -> SiteResult:
    """Render every page of the snapshot into ``writer``; returns counts (and the sitemap size)."""
    import time

    result = SiteResult()
    t0 = time.perf_counter()
    base = {**base, "gs": base.get("gs") or site_globals(snapshot)}
    stable = stable_base(base)
    subjects = None
    if writer.manifest is not None:  # caches on
        subjects = cache_dir(snapshot.root) / "page-subjects.marshal"
    plan = plan_site(snapshot, repo_url=repo_url, subjects_cache=subjects)
    fixed = None
    if writer.manifest is not None:
        fixed = {b: record_pages_key(env, v, plan) for b, v in ((False, base), (True, stable))}
    for page in plan.pages:
        page_base = stable if page.stable else base
        if page.key is None or fixed is None:
            writer.write(page.path, _render_one(env, page_base, page))
        else:
            key = digest(fixed[page.stable], page.template, page.path, page.key)
            writer.write_keyed(page.path, key, lambda p=page, b=page_base: _render_one(env, b, p))
        result.pages += 1
    t1 = time.perf_counter()
    result.record_pages = render_record_pages(plan, env, stable, writer, workers)
    plan.masker.save()
    result.notices = len(plan.notices)
    t2 = time.perf_counter()
    site = SiteOutput(Path(writer.root), env, base, writer, workers=workers)
    if extras:
        run_extra_writers(snapshot, site, result, workers)
    t3 = time.perf_counter()
    paths = plan.sitemap_paths() + site.sitemap
    for rel, data in sitemap_files(paths, site_url).items():
        writer.write(rel, data)
    writer.write("robots.txt", robots_txt(site_url))
    writer.write("build-info.json", build_info(snapshot, plan))
    result.sitemap_urls = len(set(paths))
    result.writes = writer.stats
    result.timings |= {
        "pages_s": round(t1 - t0, 3),
        "records_s": round(t2 - t1, 3),
        "extras_s": round(t3 - t2, 3),
        "total_s": round(time.perf_counter() - t0, 3),
    }
    return result
