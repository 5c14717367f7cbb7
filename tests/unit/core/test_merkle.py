"""core.merkle against RFC 9162 §2.1: hand-computed trees, the Certificate Transparency reference
vectors, and every proof of every tree size up to 40 (with tampered proofs failing)."""

from __future__ import annotations

import hashlib

import pytest
from gongshi.core.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)
from hypothesis import given, settings
from hypothesis import strategies as st


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


# The leaves and roots of the Certificate Transparency test data (RFC 6962 hashing, unchanged in
# RFC 9162), used by every CT implementation.
CT_LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243",
             "5051525354555657", "606162636465666768696a6b6c6d6e6f")]  # fmt: skip
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def hashes(n: int) -> list[bytes]:
    return [leaf_hash(f"entry {i}".encode()) for i in range(n)]


def test_hashing_by_hand():
    assert EMPTY_ROOT == sha(b"") == root([])
    assert leaf_hash(b"x") == sha(b"\x00x")
    assert node_hash(b"L", b"R") == sha(b"\x01LR")
    a, b, c = (leaf_hash(x) for x in (b"a", b"b", b"c"))
    assert root([a]) == a
    assert root([a, b]) == sha(b"\x01" + a + b)
    # Three leaves: k = 2, so the left subtree is (a, b) and c stands alone on the right.
    assert root([a, b, c]) == sha(b"\x01" + sha(b"\x01" + a + b) + c)


def test_ct_reference_roots():
    leaves = [leaf_hash(x) for x in CT_LEAVES]
    for n in range(9):
        assert root(leaves[:n]).hex() == CT_ROOTS[n], n
    assert [p.hex() for p in inclusion_proof(0, leaves)] == [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]


def test_rfc_example_tree_of_seven():
    """The example of RFC 9162 §2.1.5: leaves d0..d6 named a..f, j; nodes g, h, i, k, l."""
    a, b, c, d, e, f, j = hashes(7)
    g, h, i = node_hash(a, b), node_hash(c, d), node_hash(e, f)
    k, l = node_hash(g, h), node_hash(i, j)  # noqa: E741 (the RFC's names)
    leaves = [a, b, c, d, e, f, j]
    assert root(leaves) == node_hash(k, l)
    assert inclusion_proof(0, leaves) == [b, h, l]
    assert inclusion_proof(3, leaves) == [c, g, l]
    assert inclusion_proof(4, leaves) == [f, j, k]
    assert inclusion_proof(6, leaves) == [i, k]
    assert consistency_proof(3, leaves) == [c, d, g, l]
    assert consistency_proof(4, leaves) == [l]
    assert consistency_proof(6, leaves) == [i, j, k]


def tampered(proof: list[bytes]) -> list[list[bytes]]:
    """Each element flipped, one dropped, one added, two swapped."""
    out = []
    for n in range(len(proof)):
        bad = list(proof)
        bad[n] = bytes([bad[n][0] ^ 1]) + bad[n][1:]
        out.append(bad)
    if proof:
        out.append(proof[:-1])
    out.append([*proof, proof[0] if proof else b"\0" * 32])
    if len(proof) > 1 and proof[0] != proof[1]:
        out.append([proof[1], proof[0], *proof[2:]])
    return out


def test_every_inclusion_proof_up_to_40():
    all_leaves = hashes(40)
    for n in range(1, 41):
        leaves = all_leaves[:n]
        r = root(leaves)
        bad_root = node_hash(r, r)
        for m in range(n):
            proof = inclusion_proof(m, leaves)
            assert verify_inclusion(leaves[m], m, n, proof, r), (m, n)
            assert not verify_inclusion(leaves[m], m, n, proof, bad_root)
            assert not verify_inclusion(leaf_hash(b"other"), m, n, proof, r)
            if n > 1:
                assert not verify_inclusion(leaves[m], (m + 1) % n, n, proof, r)
            for bad in tampered(proof):
                assert not verify_inclusion(leaves[m], m, n, bad, r), (m, n, bad)
        assert not verify_inclusion(leaves[0], n, n, [], r)


def test_every_consistency_proof_up_to_40():
    all_leaves = hashes(40)
    roots = [root(all_leaves[:n]) for n in range(41)]
    for n in range(0, 41):
        leaves = all_leaves[:n]
        for m in range(0, n + 1):
            proof = consistency_proof(m, leaves)
            assert verify_consistency(m, n, roots[m], roots[n], proof), (m, n)
            if 0 < m < n:
                assert not verify_consistency(m, n, roots[m - 1], roots[n], proof)
                assert not verify_consistency(m, n, roots[m], roots[n - 1], proof)
                assert not verify_consistency(m, n, roots[m], node_hash(roots[n], roots[n]), proof)
                for bad in tampered(proof):
                    assert not verify_consistency(m, n, roots[m], roots[n], bad), (m, n, bad)
    # A tree with a different old leaf is not an extension of the old tree.
    other = list(all_leaves[:10])
    other[3] = leaf_hash(b"rewritten")
    for m in range(4, 10):
        proof = consistency_proof(m, [*other, *all_leaves[10:20]])
        assert not verify_consistency(m, 20, roots[m], root([*other, *all_leaves[10:20]]), proof)


def test_bad_arguments():
    with pytest.raises(ValueError):
        inclusion_proof(3, hashes(3))
    with pytest.raises(ValueError):
        consistency_proof(4, hashes(3))
    assert not verify_consistency(4, 3, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(0, 3, root(hashes(1)), root(hashes(3)), [])
    assert not verify_consistency(2, 3, root(hashes(2)), root(hashes(3)), [])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=8), min_size=1, max_size=70), st.data())
def test_proofs_of_random_trees(entries, data):
    leaves = [leaf_hash(e) for e in entries]
    n = len(leaves)
    m = data.draw(st.integers(0, n))
    idx = data.draw(st.integers(0, n - 1))
    r = root(leaves)
    assert verify_inclusion(leaves[idx], idx, n, inclusion_proof(idx, leaves), r)
    assert verify_consistency(m, n, root(leaves[:m]), r, consistency_proof(m, leaves))
