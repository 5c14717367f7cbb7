"""The outputs of the site besides its HTML pages, declared: ``sitewrite`` calls every entry of
``OUTPUTS`` once per build, after the site's pages (beside the record pages on a large site;
docs/site.md "Adding pages or files").

Direct imports, no names looked up at run time: a missing or broken output is an import error, not
a part of the site that silently goes missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from gongshi.outputs import dashboard, exports, feeds, jsonapi, ledgerbuild, ledgerstate, orgs, tianbao
from gongshi.outputs.search import hook as search
from gongshi.site.output import SiteOutput

if TYPE_CHECKING:
    from gongshi.snapshot.build import Snapshot


class Output(Protocol):
    """One output: ``name`` (its key in the build result and ``<name>_s`` in the timings) and
    ``write``, which writes its files and pages through ``site`` and returns a small dict of counts.
    Outputs are independent of each other: with several workers they run side by side in fork
    workers, each with its own writer (merged by ``sitewrite``)."""

    name: str

    def write(self, snapshot: Snapshot, out_dir: Path, site: SiteOutput) -> dict: ...


DEFAULT_CHANGE_BUDGET = 6


def change_budget(output: Output) -> int:
    """How many files ``output`` may rewrite after a one-record change (a correction of one public
    record, built the next day): its ``change_budget`` attribute, ``DEFAULT_CHANGE_BUDGET`` for an
    output that declares none. A constant, whatever the number of records: an output keys its files
    on what they are made of (``SiteOutput.write_keyed``), so one record reaches O(1) of them.
    ``tests/site/test_change_budget.py`` counts the files each output rewrote."""
    return int(getattr(output, "change_budget", DEFAULT_CHANGE_BUDGET))


@dataclass(frozen=True)
class HookOutput:
    """An output made by a module's ``write_extra(snapshot, out_dir, site)`` hook."""

    name: str
    hook: Callable[[Snapshot, Path, SiteOutput], dict]
    change_budget: int = DEFAULT_CHANGE_BUDGET  # files rewritten after a one-record change
    # Work to start before the pages are planned (``site.early``): given the snapshot, what to run
    # in a fork child; the output reads its result with ``SiteOutput.early_result``.
    early: Callable[[Snapshot], Callable[[], object]] | None = None

    def write(self, snapshot: Snapshot, out_dir: Path, site: SiteOutput) -> dict:
        return self.hook(snapshot, out_dir, site)


# The order is the order they start in (and report in; the sitemap is sorted anyway): the longest
# of a cold build first, so that the two workers finish together; the record pages fill the
# workers' time after them (``sitewrite.render_side_by_side``). 100,000 records, CPU seconds of a
# cold build: orgs ≈ 10–13, downloads ≈ 10–13, ledger ≈ 3 (and ≈ 4.5 before, in its early work),
# then search, the dashboard and the JSON API ≈ 2–3 each, the rest well under a second.
OUTPUTS: tuple[Output, ...] = (
    # The changed record's organisation page (and the one it left, when its party changed).
    HookOutput("orgs", orgs.write_extra, change_budget=2),
    # The department × year CSV and xlsx, the year's zipped CSV, the downloads page.
    HookOutput("exports", exports.write_extra, change_budget=5),
    # The last (partial) chunk, head.json, roots.json, ledger.html.
    HookOutput("ledger", ledgerbuild.write_extra, change_budget=4, early=ledgerstate.early_events),
    # Its doc chunk and the term shards of the terms and pairs a record gained or lost (a party
    # name of 15 characters holds about 30); search/meta.json.
    HookOutput("search", search.write_extra, change_budget=40),
    HookOutput("dashboard", dashboard.write_extra, change_budget=2),
    HookOutput("jsonapi", jsonapi.write_extra, change_budget=2),  # the record folder's shard, the index
    HookOutput("feeds", feeds.write_extra, change_budget=3),  # the whole site's, the department's
    HookOutput("tianbao", tianbao.write_extra, change_budget=1),  # made from the registry: none in fact
)
