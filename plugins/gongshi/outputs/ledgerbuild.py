"""The ledger output (``ledger/``, ``ledger.html``), built in proportion to what changed.

The entries, their hashes and the files are defined in ``outputs.ledger`` (docs/ledger.md). A
build brings the kept state up to date (``outputs.ledgerstate``: every record's events, keyed on
its entry and history, in one sorted list of event strings, ``outputs.ledgerevents``), grows the
Merkle tree of the published prefix (the events dated before the as-of day) from its last kept
full chunk (``outputs.ledgertree``) and writes the chunk files, the head, the roots of every day
and the page. A kept chunk (the same subtree root) is linked, never compressed again. A cold
build is the same computation from an empty state, so a warm build writes the same bytes.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from gongshi.core import gcpause
from gongshi.core.keys import digest
from gongshi.outputs import ledger
from gongshi.outputs.ledger import CHUNK, CHUNK_PATH, FORMAT, HEAD, PAGE, ROOTS, TEMPLATE
from gongshi.outputs.ledgerevents import leaf_of
from gongshi.outputs.ledgerstate import LedgerState
from gongshi.outputs.ledgertree import grow_tree
from gongshi.site.output import SiteOutput

if TYPE_CHECKING:
    from gongshi.snapshot.build import Snapshot

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_HEX = re.compile(r"[0-9a-f]*")


def _root_line(as_of: str, size: int, root: str) -> str:
    """A day's line of ``roots.json``: ``ledger.canonical`` of ``{as_of, root, size}`` (sorted keys),
    written directly when nothing in it needs escaping (ISO dates, hex roots: always, in practice)."""
    if _ISO_DAY.fullmatch(as_of) and _HEX.fullmatch(root):
        return f'{{"as_of":"{as_of}","root":"{root}","size":{size}}}'
    return ledger.canonical({"as_of": as_of, "size": size, "root": root}).decode("utf-8")


def write_extra(snapshot: Snapshot, out_dir: Path, site: SiteOutput) -> dict:
    """Write the ledger files and its page; returns the size and root."""
    state = LedgerState(snapshot)
    with gcpause.paused():  # bulk work without cycles (``core.gcpause``)
        changed_from = state.update(snapshot, site.early_result("ledger"))
        events = state.events
        cut = events.bisect_left(snapshot.as_of.isoformat())  # the events of the days that are over
        hashed: list[bytes] = []  # the leaves of events[start:cut], hashed by grow_tree
        tree, start = grow_tree(events, cut, state.tree, changed_from, leaves=hashed)

    def produce(n: int) -> bytes:
        first, end = n * CHUNK, min((n + 1) * CHUNK, cut)
        if first >= start:
            leaves = hashed[first - start : end - start]
        else:
            leaves = [leaf_of(s) for s in events[first:end]]
        return gzip.compress(ledger.chunk_bytes(n, leaves), compresslevel=ledger.GZIP_LEVEL, mtime=0)

    for n in range(-(-cut // CHUNK)):
        # A full chunk is named by its subtree root (the root commits to its entries); the last,
        # partial one by the tree's root and size. Kept chunks are linked, never compressed again.
        full = (n + 1) * CHUNK <= cut
        name = tree.chunk_roots[n].hex() if full else f"{tree.root.hex()} {cut}"
        site.write_keyed(CHUNK_PATH.format(n=n), digest(FORMAT, str(n), name), lambda n=n: produce(n))
    head = ledger.head_doc(snapshot.as_of, cut, tree.root)
    site.write(HEAD, (json.dumps(head, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    lines = ",\n".join(_root_line(a, s, r) for a, s, r in tree.days)
    site.write(ROOTS, f'{{"format":"{FORMAT}","roots":[\n{lines}\n]}}\n'.encode())
    site.render(TEMPLATE, PAGE, title="公示账本", ledger=head)
    state.save(tree)
    return {
        "size": cut,
        "root": tree.root.hex(),
        "early": state.taken_early,
    }
