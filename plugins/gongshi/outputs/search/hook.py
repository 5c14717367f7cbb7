"""The search part of the site: the search page (theme template ``search.html``) and its index
under ``search/`` (``index``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gongshi.core.cachefile import cache_path
from gongshi.outputs.search.index import write_search_index
from gongshi.site.output import SiteOutput, remove_stale

if TYPE_CHECKING:
    from gongshi.snapshot.build import Snapshot

SEARCH_PAGE = "search.html"  # the page (theme template of the same name) that queries the index


def write_extra(snapshot: Snapshot, out_dir: Path, site: SiteOutput) -> dict:
    """Site hook (``outputs.registry.OUTPUTS``): the search page and its index under ``search/``,
    every file through ``site`` (kept without being computed when its inputs did not change)."""
    site.render(SEARCH_PAGE, SEARCH_PAGE, title="搜索")
    pieces = cache_path(snapshot.root, "search")
    incremental = pieces is not None
    stats = write_search_index(
        snapshot.entries,  # filtered while grouping (one pass instead of snapshot.public()'s two)
        out_dir,
        record_url=site.record_url("{id}"),
        workers=site.workers,
        output=site,
        incremental=incremental,
        cache_dir=pieces,
        departments=snapshot.registry.departments,
        notice_ids=frozenset(e.id for e in snapshot.withdrawal_notices()),
    )
    if site.writer.in_place:
        # An in-place build (plain ``pelican content``) keeps old files: drop the index files this
        # build did not write (a group that left the site must not keep its rows).
        remove_stale(Path(out_dir), site.writer.written, ("search",))
    return stats
