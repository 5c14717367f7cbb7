"""Merkle trees as in RFC 9162 (Certificate Transparency v2) §2.1: pure functions, no I/O.

The publication ledger is a list of entries (leaves, as bytes). Its Merkle Tree Hash (MTH) is::

    MTH({})     = SHA-256()
    MTH({d0})   = SHA-256(0x00 || d0)                      (leaf hash)
    MTH(D[n])   = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))   k: the largest power of two < n

An inclusion proof (audit path, §2.1.3) shows that one leaf is in a tree of a given size and root;
a consistency proof (§2.1.4) shows that the tree of size m is a prefix of the tree of size n, i.e.
that the ledger only appended. The verification functions are the algorithms of §2.1.3.2 and
§2.1.4.2, written from the RFC's steps, so any other implementation of the RFC checks our proofs.

Every function below takes the *leaf hashes* (``leaf_hash`` of each entry), computed once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH of the empty tree


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data): the hash of one leaf (the 0x00 prefix keeps leaves and nodes apart)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _mth(hashes: Sequence[bytes], lo: int, hi: int) -> bytes:
    n = hi - lo
    if n == 1:
        return hashes[lo]
    k = _split(n)
    return node_hash(_mth(hashes, lo, lo + k), _mth(hashes, lo + k, hi))


def root(hashes: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of the leaves whose leaf hashes are ``hashes``."""
    return _mth(hashes, 0, len(hashes)) if hashes else EMPTY_ROOT


def inclusion_proof(index: int, hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[n]) of RFC 9162 §2.1.3.1 for the tree of ``hashes`` (n = len), leaf first."""
    n = len(hashes)
    if not 0 <= index < n:
        raise ValueError(f"leaf index {index} outside a tree of size {n}")
    path: list[bytes] = []
    lo, hi, m = 0, n, index
    # Walk down from the root, collecting the sibling of each subtree holding the leaf; the RFC
    # lists them from the leaf up, so reverse at the end.
    while hi - lo > 1:
        k = _split(hi - lo)
        if m < k:
            path.append(_mth(hashes, lo + k, hi))
            hi = lo + k
        else:
            path.append(_mth(hashes, lo, lo + k))
            lo, m = lo + k, m - k
    path.reverse()
    return path


def consistency_proof(old_size: int, hashes: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 §2.1.4.1 for m = ``old_size`` and the tree of ``hashes``.
    Empty when m is 0 or n (nothing to prove: any tree extends the empty one, a tree itself)."""
    n = len(hashes)
    if not 0 <= old_size <= n:
        raise ValueError(f"old size {old_size} outside 0..{n}")
    if old_size in (0, n):
        return []
    path: list[bytes] = []
    lo, hi, m, complete = 0, n, old_size, True
    # SUBPROOF(m, D[lo:hi], complete), unrolled from the root down; the RFC appends each sibling
    # after the recursive part, so reverse at the end.
    while True:
        if m == hi - lo:
            if not complete:
                path.append(_mth(hashes, lo, hi))
            break
        k = _split(hi - lo)
        if m <= k:
            path.append(_mth(hashes, lo + k, hi))
            hi = lo + k
        else:
            path.append(_mth(hashes, lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    path.reverse()
    return path


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes) -> bool:
    """RFC 9162 §2.1.3.2: whether ``proof`` shows the leaf with leaf hash ``leaf`` at ``index``
    in the tree of ``size`` leaves and root ``root_hash``."""
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root_hash


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: whether ``proof`` shows that the tree of ``old_size`` leaves and root
    ``old_root`` is a prefix of the tree of ``new_size`` leaves and root ``new_root``. Sizes 0 and
    equal sizes (outside the RFC's 0 < m < n) need an empty proof and, for equal sizes, equal roots."""
    if not 0 <= old_size <= new_size:
        return False
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of two: the old root is a node of the new tree
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0
