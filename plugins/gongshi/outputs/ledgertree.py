"""The ledger's Merkle tree, grown from what an earlier build kept (RFC 9162 hashes, ``core.merkle``).

The tree of the published prefix of the sorted events is kept as the roots of its full chunks (a
chunk is a whole subtree, ``CHUNK`` being a power of two) and the (size, root) of every day. After
a change, everything before the first changed place keeps its chunk roots and day roots; the tree
is grown from the last kept full chunk: one leaf hash per new or moved entry, one node hash per
merge (``grow_tree``). A cold build is the same computation from nothing, so a warm build gives
the same tree as a cold one.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date, timedelta

from gongshi.core import merkle
from gongshi.outputs.ledger import CHUNK
from gongshi.outputs.ledgerevents import AFTER_SEP, leaf_of


@dataclass
class Tree:
    """The published prefix's Merkle tree: ``root``, the roots of its full chunks and the
    (as_of, size, root hex) of every day that has events (``ledger/roots.json``)."""

    root: bytes
    chunk_roots: list[bytes] = field(default_factory=list)
    days: list[tuple[str, int, str]] = field(default_factory=list)


def _fold(stack: list[tuple[int, bytes]]) -> bytes:
    """The root of the tree whose perfect subtrees, left to right, are ``stack`` (RFC 9162: the
    right-most subtrees are joined first)."""
    root = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        root = merkle.node_hash(left, root)
    return root


def _push(stack: list[tuple[int, bytes]], size: int, h: bytes) -> None:
    while stack and stack[-1][0] == size:
        size, h = size * 2, merkle.node_hash(stack.pop()[1], h)
    stack.append((size, h))


def _next_day(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def _levels(hashes: list[bytes]) -> list[list[bytes]]:
    """The perfect subtrees of a run of leaf hashes, level by level: ``levels[k][i]`` is the root
    of leaves ``i×2^k … i×2^k+2^k-1`` (a whole chunk's last level is its root). One list
    comprehension per level: a call per node, not a stack push per leaf."""
    levels = [hashes]
    node = merkle.node_hash
    while len(level := levels[-1]) > 1:
        # An odd last subtree has no partner on its level yet (``_frontier`` reads it there).
        levels.append([node(a, b) for a, b in zip(level[0::2], level[1::2], strict=False)])
    return levels


def _frontier(levels: list[list[bytes]], size: int) -> list[tuple[int, bytes]]:
    """The perfect subtrees, largest first, of the first ``size`` leaves of ``levels``."""
    out, first = [], 0
    for k in range(size.bit_length() - 1, -1, -1):
        if size >> k & 1:
            out.append((1 << k, levels[k][first >> k]))
            first += 1 << k
    return out


def grow_tree(
    events: list[str],
    cut: int,
    kept: Tree | None,
    changed_from: int,
    chunk: int = CHUNK,
    leaves: list[bytes] | None = None,
) -> tuple[Tree, int]:
    """The tree of ``events[:cut]`` (sorted event strings), reusing ``kept`` (the tree of an
    earlier build of the list, which was the same as ``events`` before position ``changed_from``).
    Returns the tree and the first position whose chunk was recomputed: the kept full chunks end
    there, and only leaves from there on are hashed. ``leaves``: receives those leaves (the
    chunk files written next hold them: a cold build made each twice)."""
    kept = kept or Tree(merkle.EMPTY_ROOT)
    n_chunks = min(min(changed_from, cut) // chunk, len(kept.chunk_roots))
    start = n_chunks * chunk
    chunk_roots = kept.chunk_roots[:n_chunks]
    days = [d for d in kept.days if d[1] < start]  # a day ending at `start` is decided again below
    stack: list[tuple[int, bytes]] = []  # perfect subtrees of whole chunks
    for r in chunk_roots:
        _push(stack, chunk, r)
    if start and (start == cut or events[start][:10] != events[start - 1][:10]):
        day = events[start - 1][:10]
        days.append((_next_day(day), start, _fold(stack).hex()))
    local: list[tuple[int, bytes]] = []  # perfect subtrees of the last, partial chunk
    made = leaves if leaves is not None else []
    for first in range(start, cut, chunk):
        end = min(first + chunk, cut)
        part = list(map(leaf_of, events[first:end]))
        made.extend(part)
        levels = _levels(list(map(merkle.leaf_hash, part)))
        n = first
        while n < end:  # the days that end in this chunk, found by bisection (a few per chunk)
            day = events[n][:10]
            n = bisect.bisect_left(events, day + AFTER_SEP, n, cut)  # past the day's last event
            if n <= end:
                days.append((_next_day(day), n, _fold(stack + _frontier(levels, n - first)).hex()))
        if end - first == chunk:  # a full chunk: a whole subtree
            chunk_roots.append(levels[-1][0])
            _push(stack, chunk, chunk_roots[-1])
        else:
            local = _frontier(levels, end - first)
    root = _fold(stack + local) if cut else merkle.EMPTY_ROOT
    return Tree(root, chunk_roots, days), start
