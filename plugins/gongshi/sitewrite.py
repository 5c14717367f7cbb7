"""Rendering a ``SitePlan`` with a Jinja environment into an ``OutputWriter`` (no Pelican here).

Record pages are rendered directly with ``Template.render`` (about 10x cheaper than Pelican's
``Writer.write_file``). Everything is written through ``OutputWriter`` (bytes change → write).

The other outputs (see docs/site.md "Adding pages"): every ``Output`` declared in
``gongshi.outputs.registry.OUTPUTS`` is called once per build with a ``SiteOutput`` (render a theme
template, write bytes, add pages to the sitemap).

Above ``PARALLEL_MIN`` records with more than one worker, the outputs, the list pages and the
record pages are one queue of tasks, each in its own fork that inherits the environment, the plan
and the projections (``render_side_by_side``, ``run_forked``). After a small change, one fork child
runs outputs while this process plans and keeps the pages, then both take outputs
(``_side_by_side``).
"""

from __future__ import annotations

import gc
import json
import logging
import multiprocessing
import multiprocessing.connection
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from gongshi import __version__
from gongshi.core import cachefile, phases
from gongshi.core.keys import code_version, digest
from gongshi.outputs.html.keys import record_page_key, record_pages_key
from gongshi.outputs.html.pages import SitePlan, as_of_label, plan_site
from gongshi.outputs.registry import OUTPUTS, Output
from gongshi.outputs.search.hook import SEARCH_PAGE
from gongshi.rules.policy import NATIONAL, ZHONGLOU_NAME
from gongshi.site.early import EarlyWork
from gongshi.site.output import OutputWriter, SiteOutput, WriteStats
from gongshi.site.sitemap import MAX_URLS, robots_txt, sitemap_files, sitemap_names
from gongshi.site.urls import record_path

if TYPE_CHECKING:
    from collections.abc import Callable

    from gongshi.snapshot.build import Snapshot

log = logging.getLogger(__name__)

PARALLEL_MIN = 2000
# At most this many entries changed since the last build: each output has little to do, and a
# fork worker's fixed cost (copying the pages of a large process it touches, sending back its file
# lists) is a large share of it. The outputs then run in this process and in ONE fork worker side
# by side (``_side_by_side``), not in a pool of fork workers.
WARM_MAX_CHANGED = 500
# Outputs with many files first, for this process (what a fork worker wrote is sent back and
# merged: 37,000 organisation pages' paths and keys cost more to send than to keep here); the
# others in the order the child takes them from the end.
PARENT_FIRST = ("orgs", "search", "ledger", "exports", "dashboard", "jsonapi", "feeds", "tianbao")
ENTRY_KEYS_FILE = "output-entry-keys.marshal"  # the entry keys of the last build's outputs

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
class SiteResult:
    pages: int = 0
    record_pages: int = 0
    notices: int = 0
    sitemap_urls: int = 0
    writes: WriteStats = field(default_factory=WriteStats)
    extras: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    # Every file written through the OutputWriter (kept ones are already hard links).
    written: set = field(default_factory=set)
    # Output name -> the files it (re)wrote this build (the change budget, ``registry.change_budget``).
    rewritten: dict = field(default_factory=dict)


def _render_one(env: jinja2.Environment, base: dict, page) -> bytes:
    ctx = {**base, **page.context, "page_url": page.url}
    return env.get_template(page.template + ".html").render(ctx).encode("utf-8")


# The fork pool's workers read these (inherited at fork; never pickled).
_POOL: dict = {}


def _pool_render(bounds: tuple[int, int]) -> tuple:
    plan: SitePlan = _POOL["plan"]
    env, base, writer = _POOL["env"], _POOL["base"], _POOL["writer"]
    local = writer.fork()
    for entry, notice, key in _POOL["items"][bounds[0] : bounds[1]]:
        _write_record_page(plan, env, base, local, entry, notice, key)
    return sorted(local.written), local.changed, local.stats.unchanged, local.manifest and local.manifest.new


def _write_pages(pages, env, bases: dict, writer: OutputWriter, fixed: dict | None) -> None:
    """Render the site's pages (lists, archives ...), or keep those whose key did not change.
    ``bases``: the template variables of a page with the as-of date (False) and without (True)."""
    for page in pages:
        page_base = bases[page.stable]
        if page.key is None or fixed is None:
            writer.write(page.path, _render_one(env, page_base, page))
        else:
            key = digest(fixed[page.stable], page.template, page.path, page.key)
            writer.write_keyed(page.path, key, lambda p=page, b=page_base: _render_one(env, b, p))


def _pool_pages(bounds: tuple[int, int]) -> tuple:
    """A run of the plan's pages in a fork worker, with its own writer."""
    plan: SitePlan = _POOL["plan"]
    w = _POOL["writer"]
    local = w.fork()
    _write_pages(plan.pages[bounds[0] : bounds[1]], _POOL["env"], _POOL["bases"], local, _POOL["page_keys"])
    return sorted(local.written), local.changed, local.stats.unchanged, local.manifest and local.manifest.new


def _write_record_page(
    plan: SitePlan, env, base: dict, writer: OutputWriter, entry, notice: bool, key: str | None
) -> None:
    """Render a record page (``key``: its input key, or None without a manifest)."""
    writer.write_keyed(
        record_path(entry.id), key, lambda: _render_one(env, base, plan.record_page(entry, notice))
    )


def render_record_pages(plan: SitePlan, env, base: dict, writer: OutputWriter, workers: int = 1) -> int:
    """Every record page and withdrawal notice. The pages whose key is unchanged are kept first, in
    this process (a key and a look at the previous file each); only the rest are rendered, by a
    fork pool when there are many (a cold build), so a rebuild forks nothing and sends no file
    lists between processes."""
    todo = record_pages_to_render(plan, env, base, writer)
    if forks_workers(workers, len(todo)):
        chunk = max(200, len(todo) // (workers * 8))
        bounds = [(i, min(i + chunk, len(todo))) for i in range(0, len(todo), chunk)]
        _POOL.update(plan=plan, env=env, base=base, writer=writer, items=todo)
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for written, changed, n_same, keys in pool.imap(_pool_render, bounds):
                    _merge_worker(writer, written, changed, n_same, keys)
        finally:
            _POOL.clear()
    else:
        for entry, notice, key in todo:
            _write_record_page(plan, env, base, writer, entry, notice, key)
    return len(plan.record_entries())


def forks_workers(workers: int, items: int) -> bool:
    """Whether a build with ``workers`` forks worker processes for ``items`` records or pages
    (one rule for the record pages, the cold build's queue and the early work)."""
    return workers > 1 and items >= PARALLEL_MIN


def record_pages_to_render(plan: SitePlan, env, base: dict, writer: OutputWriter) -> list[tuple]:
    """``(entry, notice, key)`` of every record page and notice that must be rendered: with a
    manifest, the pages whose key is unchanged are kept here first (a key and a look at the
    previous file each), in this process, so that no fork is needed for them."""
    items = plan.record_entries()
    if writer.manifest is None:
        return [(entry, notice, None) for entry, notice in items]
    fixed = record_pages_key(env, base, plan)
    keep = writer.keep
    todo = []
    for entry, notice in items:
        key = record_page_key(plan, entry, notice, fixed)
        if not keep(record_path(entry.id), key):
            todo.append((entry, notice, key))
    return todo


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


def _run_extra(output: Output, snapshot: Snapshot, site: SiteOutput) -> tuple[dict, float]:
    te = time.perf_counter()
    out = output.write(snapshot, site.out_dir, site)
    return out, round(time.perf_counter() - te, 3)


def _pool_extra(index: int) -> tuple:
    """One output in a fork worker, with its own writer; the parent merges what it wrote."""
    parent: SiteOutput = _POOL["site"]
    local = parent.writer.fork()
    # One core each: the writers themselves are what runs side by side.
    site = SiteOutput(parent.out_dir, parent.env, parent.base, local, workers=1, early=parent.early)
    out, seconds = _run_extra(_POOL["outputs"][index], _POOL["snapshot"], site)
    keys = local.manifest.new if local.manifest is not None else None
    written = sorted(local.written)
    return index, out, seconds, written, local.changed, local.stats.unchanged, keys, site.sitemap


def changed_since_last_build(snapshot: Snapshot) -> int | None:
    """How many entries' keys (``Entry.key``) the last build's outputs did not see, or None when
    unknown (first build, no cache, other code). A hint for scheduling only (``run_extra_writers``):
    every output keys its own files and caches, so a wrong count costs time, never bytes. The
    keys of this build are saved for the next one."""
    path = cachefile.cache_path(snapshot.root, ENTRY_KEYS_FILE)
    if path is None:
        return None
    # One string of every key, not a list of 100,000: read, checked and written at C speed.
    keys = snapshot.keys_text
    doc = cachefile.read_dict(path)
    old = doc.get("keys") if doc.get("version") == code_version() else None
    if old == keys:
        return 0
    if isinstance(old, str):
        changed = len(set(keys.split("\n")).difference(old.split("\n"))) if keys else 0
    else:
        changed = None
    cachefile.write(path, {"version": code_version(), "keys": keys})
    return changed


def _take(bounds, order: list[int], last: bool) -> int | None:
    """The next output no process has taken yet (``bounds``: the first and the end of what is left
    of ``order``, shared by the parent and its child): the first for the parent, the last for the
    child; None when none is left."""
    with bounds.get_lock():
        first, end = bounds[0], bounds[1]
        if first >= end:
            return None
        if last:
            bounds[1] = end - 1
            return order[end - 1]
        bounds[0] = first + 1
        return order[first]


def _child_extras(conn, bounds, order: list[int]) -> None:
    """The fork child of ``_side_by_side``: outputs from the end of ``order`` until none is left,
    then everything it wrote, sent to the parent (or the error)."""
    try:
        done = []
        while (index := _take(bounds, order, last=True)) is not None:
            done.append(_pool_extra(index))
        conn.send(("ok", done))
    except BaseException:
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


def _side_by_side(
    snapshot: Snapshot,
    site: SiteOutput,
    result: SiteResult,
    outputs: tuple[Output, ...],
    before: Callable[[], None] | None = None,
) -> None:
    """The outputs of a warm build in this process and in one fork child at the same time: two
    cores at the cost of one fork (a pool forks a worker per core, and this process would only
    wait). This process first does ``before`` (the site's own pages: the child starts on the
    outputs meanwhile), then takes outputs from the start of ``PARENT_FIRST`` order, the child from
    its end, until they meet: what each takes depends on how long the others took."""
    ctx = multiprocessing.get_context("fork")
    first = [i for name in PARENT_FIRST for i, o in enumerate(outputs) if o.name == name]
    order = first + [i for i in range(len(outputs)) if i not in first]
    bounds = ctx.Array("i", [0, len(order)])
    receive, send = ctx.Pipe(duplex=False)
    writer = site.writer
    mine: dict[int, tuple] = {}
    _POOL.update(site=site, outputs=outputs, snapshot=snapshot)
    try:
        child = ctx.Process(target=_child_extras, args=(send, bounds, order))
        child.start()
        send.close()
        try:
            if before is not None:
                before()
            while (index := _take(bounds, order, last=False)) is not None:
                own = SiteOutput(site.out_dir, site.env, site.base, writer, workers=1, early=site.early)
                before = len(writer.changed)
                out, seconds = _run_extra(outputs[index], snapshot, own)
                mine[index] = (out, seconds, writer.changed[before:], own.sitemap)
        finally:
            try:
                status, payload = receive.recv()
            except EOFError:
                status, payload = "error", f"the output worker ended without a result ({child.exitcode})"
            child.join()
    finally:
        _POOL.clear()
    if status != "ok":
        raise RuntimeError(f"an output failed in its worker process:\n{payload}")
    theirs = {item[0]: item for item in payload}
    for index, output in enumerate(outputs):
        if index in theirs:
            _index, out, seconds, written, changed, n_same, keys, sitemap = theirs[index]
            _merge_worker(writer, written, changed, n_same, keys)
        else:
            out, seconds, changed, sitemap = mine[index]
        site.sitemap.extend(sitemap)
        result.extras[output.name] = out
        result.timings[f"{output.name}_s"] = seconds
        result.rewritten[output.name] = list(changed)


def _pool_task(task: tuple[str, object]) -> tuple:
    """One task of ``render_side_by_side``'s pool: an output (its index) or a run of record pages."""
    kind, arg = task
    if kind == "output":
        return _pool_extra(arg)  # type: ignore[arg-type]
    return _pool_pages(arg) if kind == "pages" else _pool_render(arg)  # type: ignore[arg-type]


def _forked_child(send, run: Callable[[Any], Any], task: object) -> None:
    text = ""
    try:
        result = (True, run(task))
    except BaseException as exc:  # handed to the parent, which raises it
        result, text = (False, exc), traceback.format_exc()
    try:
        send.send(result)
    except Exception:  # a result or exception that does not pickle: the task's traceback
        send.send((False, RuntimeError(text or traceback.format_exc())))
    finally:
        send.close()


def run_forked(run: Callable[[Any], Any], tasks: list, workers: int) -> dict[int, Any]:
    """``run(task)`` for each task in its own fork of this process, at most ``workers`` at a time,
    started in order; returns task number -> result (it must pickle). One process per task, not a
    pool: a pool's worker keeps what its earlier tasks allocated (Python rarely returns memory),
    so two memory-heavy outputs in one worker added up; a fresh fork starts every task from this
    process's size. A task that fails raises its exception here (after the running ones end; no
    new one starts)."""
    ctx = multiprocessing.get_context("fork")
    pending = list(enumerate(tasks))
    running: dict = {}  # receiving end -> (task number, process)
    results: dict[int, tuple] = {}
    failure: BaseException | None = None
    while running or (pending and failure is None):
        while pending and failure is None and len(running) < workers:
            n, task = pending.pop(0)
            recv, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_forked_child, args=(send, run, task))
            proc.start()
            send.close()
            running[recv] = (n, proc)
        for conn in multiprocessing.connection.wait(list(running)):
            n, proc = running.pop(conn)
            try:
                ok, value = conn.recv()
            except EOFError:
                ok, value = False, RuntimeError(f"a build worker ended without a result (task {tasks[n]})")
            conn.close()
            proc.join()
            if ok:
                results[n] = value
            elif failure is None:
                failure = value
    if failure is not None:
        raise failure
    return results


def run_extra_writers(
    snapshot: Snapshot,
    site: SiteOutput,
    result: SiteResult,
    outputs: tuple[Output, ...] = OUTPUTS,
    *,
    side_by_side: bool = False,
    before: Callable[[], None] | None = None,
) -> None:
    """Every output (search, downloads, feeds, API, dashboard, ledger ...). ``side_by_side``
    (after a small change, ``changed_since_last_build``): in this process and one fork worker at
    the same time (``_side_by_side``); otherwise one after the other in this process (a small
    site, or one worker). A large build with much to do uses ``render_side_by_side`` instead.
    ``before``: work of this process that comes first (beside the fork worker's outputs)."""
    if side_by_side and len(outputs) >= 2:
        _side_by_side(snapshot, site, result, outputs, before)
        return
    if before is not None:
        before()
    for output in outputs:
        before = len(site.writer.changed)
        result.extras[output.name], seconds = _run_extra(output, snapshot, site)
        result.timings[f"{output.name}_s"] = seconds
        result.rewritten[output.name] = site.writer.changed[before:]


def render_side_by_side(
    plan: SitePlan,
    env,
    bases: dict,
    page_keys: dict | None,
    snapshot: Snapshot,
    site: SiteOutput,
    result: SiteResult,
    workers: int,
    outputs: tuple[Output, ...] = OUTPUTS,
) -> float:
    """The site's pages, the record pages and every output as ONE queue of tasks, each in its own
    fork (``run_forked``), ``workers`` at a time: the outputs first, in their declared order (the
    longest of a cold build first), then the list pages and the record pages in runs that fill
    the workers' remaining time. Separate phases one after the other left a core idle at the end
    of each (the longest output alone, the last pages). This process only plans and projects
    (every task inherits the projections), so every fork starts from its size. Each task writes
    with its own writer; the file lists, manifest keys and sitemap entries are merged here in a
    fixed order (pages, record pages, then the outputs in order), whatever order they finished
    in. ``bases``: the template variables with the as-of date (False) and without (True);
    ``page_keys``: the pages' fixed keys (None: no manifest). Returns the seconds it took."""
    stable = bases[True]
    writer = site.writer
    items = record_pages_to_render(plan, env, stable, writer)
    run = max(200, len(items) // (workers * 8))
    bounds = [(i, min(i + run, len(items))) for i in range(0, len(items), run)]
    page_run = max(100, len(plan.pages) // (workers * 2))
    page_bounds = [(i, min(i + page_run, len(plan.pages))) for i in range(0, len(plan.pages), page_run)]
    tasks: list[tuple[str, object]] = [("output", i) for i in range(len(outputs))]
    tasks += [("pages", b) for b in page_bounds] + [("records", b) for b in bounds]
    _POOL.update(plan=plan, env=env, base=stable, writer=writer, items=items)
    _POOL.update(site=site, outputs=outputs, snapshot=snapshot, bases=bases, page_keys=page_keys)
    t0 = time.perf_counter()
    try:
        # What the parent made (the plan, the projections) lives as long as the workers: out of
        # the cyclic collector's reach, the workers' collections do not walk (and copy) it.
        gc.freeze()
        done = run_forked(_pool_task, tasks, workers)
    finally:
        _POOL.clear()
    records_s = time.perf_counter() - t0
    for n, (kind, _arg) in enumerate(tasks):
        if kind == "pages":
            _merge_worker(writer, *done[n])
            result.pages += page_bounds[n - len(outputs)][1] - page_bounds[n - len(outputs)][0]
    for n, (kind, _arg) in enumerate(tasks):
        if kind == "records":
            _merge_worker(writer, *done[n])
    for index, output in enumerate(outputs):
        _index, out, seconds, written, changed, n_same, keys, sitemap = done[index]
        _merge_worker(writer, written, changed, n_same, keys)
        site.sitemap.extend(sitemap)
        result.extras[output.name] = out
        result.timings[f"{output.name}_s"] = seconds
        result.rewritten[output.name] = list(changed)
    result.record_pages = len(plan.record_entries())
    return records_s


def start_early_work(snapshot: Snapshot, outputs: tuple[Output, ...] = OUTPUTS) -> dict[str, EarlyWork]:
    """Start the early work of the outputs that declare some (``HookOutput.early``), each in a
    fork child (``site.early``), by output name."""
    started: dict[str, EarlyWork] = {}
    for output in outputs:
        make = getattr(output, "early", None)
        if make is None:
            continue
        try:
            started[output.name] = EarlyWork(make(snapshot))
        except OSError as exc:  # no process to spare: the output does the work itself
            log.warning("%s 的提前计算未能启动（%s），改为在输出时计算。", output.name, exc)
    return started


def end_early_work(started: dict[str, EarlyWork]) -> None:
    for work in started.values():
        work.end()


def write_sitemap(writer: OutputWriter, paths: list[str], site_url: str) -> None:
    """``sitemap.xml`` (and its parts) for the sorted distinct ``paths``, keyed on them: an unchanged
    list of pages keeps the files without writing or comparing megabytes of XML."""
    if writer.manifest is None:
        for rel, data in sitemap_files(paths, site_url).items():
            writer.write(rel, data)
        return
    key = digest(code_version(), site_url, MAX_URLS, "\n".join(paths))
    made: dict[str, bytes] = {}

    def produce(name: str) -> bytes:
        if not made:
            made.update(sitemap_files(paths, site_url))
        return made[name]

    for name in sitemap_names(len(paths)):
        writer.write_keyed(name, digest(key, name), lambda name=name: produce(name))


def write_site(
    snapshot: Snapshot,
    env: jinja2.Environment,
    base: dict,
    writer: OutputWriter,
    *,
    site_url: str = "",
    workers: int = 1,
    extras: bool = True,
) -> SiteResult:
    """Render every page of the snapshot into ``writer``; returns counts (and the sitemap size)."""
    result = SiteResult()
    t0 = time.perf_counter()
    base = {**base, "gs": base.get("gs") or site_globals(snapshot)}
    stable = stable_base(base)
    bases = {False: base, True: stable}
    site = SiteOutput(Path(writer.root), env, base, writer, workers=workers)
    parallel = extras and forks_workers(workers, len(snapshot.entries))
    # After a small change (a warm build) the outputs run in a fork child and in this process,
    # which first plans and keeps or renders the pages and record pages (``_side_by_side``); with
    # much to do, everything is one queue of forked tasks (``render_side_by_side``).
    warm = False
    if parallel and writer.manifest is not None:
        changed = changed_since_last_build(snapshot)
        warm = changed is not None and changed <= WARM_MAX_CHANGED
    made: dict = {}

    def plan_and_pages() -> None:
        plan = made["plan"] = plan_site(snapshot)
        fixed = None
        if writer.manifest is not None:
            fixed = {b: record_pages_key(env, v, plan) for b, v in ((False, base), (True, stable))}
        result.notices = len(plan.notices)
        if parallel and not warm:
            # The projections first, in this process: every task (pages, record pages, outputs)
            # inherits them.
            for e in plan.public + plan.notices:
                plan.public_record(e)
            made["t1"] = time.perf_counter()
            made["outputs_s"] = render_side_by_side(plan, env, bases, fixed, snapshot, site, result, workers)
            made["t2"] = made["t1"] + made["outputs_s"]  # the pages, record pages and outputs overlap
            return
        _write_pages(plan.pages, env, bases, writer, fixed)
        result.pages += len(plan.pages)
        made["t1"] = time.perf_counter()
        result.record_pages = render_record_pages(plan, env, stable, writer, workers)
        made["t2"] = time.perf_counter()

    try:
        if parallel and not warm:
            # This process plans and projects alone first: the outputs' early work uses the other
            # core.
            site.early = start_early_work(snapshot)
        snapshot.versions = {}  # what the early work needs of them, it has (a fork's copy)
        if parallel and not warm:
            plan_and_pages()
            outputs_s = made["outputs_s"]
        elif extras:
            run_extra_writers(snapshot, site, result, side_by_side=warm, before=plan_and_pages)
            outputs_s = time.perf_counter() - made["t2"]
        else:
            plan_and_pages()
            outputs_s = 0.0
    finally:
        end_early_work(site.early)
    plan, t1, t2 = made["plan"], made["t1"], made["t2"]
    t3 = time.perf_counter()
    paths = sorted(set(plan.sitemap_paths() + site.sitemap))
    write_sitemap(writer, paths, site_url)
    writer.write("robots.txt", robots_txt(site_url))
    writer.write("build-info.json", build_info(snapshot, plan))
    result.sitemap_urls = len(paths)
    result.writes = writer.stats
    result.written = writer.written
    # Planning and rendering the pages (beside the workers: planning and projecting).
    pages_s = t1 - t0
    for name, seconds in (("pages", pages_s), ("record_pages", t2 - t1), ("outputs", outputs_s)):
        phases.record(f"site/{name}", seconds)
    for output in OUTPUTS if extras else ():
        phases.record(f"output/{output.name}", result.timings.get(f"{output.name}_s", 0.0))
    phases.record("site/sitemap_info", time.perf_counter() - t3)
    result.timings |= {
        "pages_s": round(pages_s, 3),
        "records_s": round(t2 - t1, 3),
        "extras_s": round(outputs_s, 3),
        "total_s": round(time.perf_counter() - t0, 3),
    }
    return result
