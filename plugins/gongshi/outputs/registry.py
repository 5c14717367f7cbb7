"""The outputs of the site besides its HTML pages, declared: ``sitewrite`` calls every entry of
``OUTPUTS`` once per build, after the record pages (docs/site.md "Adding pages or files").

Direct imports, no names looked up at run time: a missing or broken output is an import error, not
a part of the site that silently goes missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from gongshi.outputs import dashboard, exports, feeds, jsonapi, ledgerbuild
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


@dataclass(frozen=True)
class HookOutput:
    """An output made by a module's ``write_extra(snapshot, out_dir, site)`` hook."""

    name: str
    hook: Callable[[Snapshot, Path, SiteOutput], dict]

    def write(self, snapshot: Snapshot, out_dir: Path, site: SiteOutput) -> dict:
        return self.hook(snapshot, out_dir, site)


# The order is the order they run (and report) in; the sitemap is sorted anyway.
OUTPUTS: tuple[Output, ...] = (
    HookOutput("search", search.write_extra),
    HookOutput("exports", exports.write_extra),
    HookOutput("feeds", feeds.write_extra),
    HookOutput("jsonapi", jsonapi.write_extra),
    HookOutput("dashboard", dashboard.write_extra),
    HookOutput("ledger", ledgerbuild.write_extra),
)
