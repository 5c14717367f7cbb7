"""Each record's report-row digest, kept between runs (``report-digests.marshal``, owned here).

``--since-last`` compares every record's row digest with what the ledger says was sent; computing
100,000 rows to find the one that changed costs tens of seconds. A row depends only on the record's
id and file (its Git blob), the one date the time rules add (公示截止期), the registry (department
names and codes: ``Snapshot.registry_key``), the policy's ``reporting`` block (长期), whether ID
numbers were opened, and the code: so the digest is kept by ``row_key`` under a key of the rest
(cheaper than ``Entry.key``, which hashes the whole timeline). A record without a blob id (outside
Git) is not cached. A missing or outdated cache is rebuilt; it only ever saves time (the same rows
either way).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gongshi.core import cachefile
from gongshi.core.keys import code_version, digest

if TYPE_CHECKING:
    from gongshi.snapshot.build import Entry, Snapshot

CACHE_NAME = "report-digests.marshal"


def cache_key(snapshot: Snapshot, unsealed: bool) -> str:
    reporting = snapshot.registry.policy.get("reporting")
    return digest("report-digests/3", code_version(), snapshot.registry_key, repr(reporting), unsealed)


def row_key(entry: Entry) -> str | None:
    """What a record's row depends on besides the cache key: id, blob id, 公示截止期 (None: no blob id)."""
    r = entry.record
    if not r.blob_sha:
        return None
    until = entry.timeline.disclosure_until
    return f"{r.id} {r.blob_sha} {until.toordinal() if until else 0}"  # an ordinal: cheaper than isoformat


def load_digests(root: Path, key: str) -> dict[str, str]:
    """``{row_key: row digest}`` of the last run with the same ``key`` (else empty)."""
    doc = cachefile.read_dict(cachefile.cache_path(root, CACHE_NAME))
    digests = doc.get("digests")
    return digests if doc.get("key") == key and isinstance(digests, dict) else {}


def save_digests(root: Path, key: str, digests: dict[str, str]) -> None:
    cachefile.write(cachefile.cache_path(root, CACHE_NAME), {"key": key, "digests": digests})
