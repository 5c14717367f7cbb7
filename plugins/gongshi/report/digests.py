"""Each record's report-row digest, kept between runs (``report-digests.marshal``, owned here).

``--since-last`` compares every record's row digest with what the ledger says was sent; computing
100,000 rows to find the one that changed costs tens of seconds. A row depends only on what the
entry's key covers (the file, the time rules' result, the catalog item), the registry (department
names and codes: ``Snapshot.registry_key``), the policy's ``reporting`` block (长期), whether ID
numbers were opened, and the code: so the digest is kept by entry key under a key of the rest. A
missing or outdated cache is rebuilt; it only ever saves time (the same rows either way).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gongshi.core import cachefile
from gongshi.core.keys import code_version, digest

if TYPE_CHECKING:
    from gongshi.snapshot.build import Snapshot

CACHE_NAME = "report-digests.marshal"


def cache_key(snapshot: Snapshot, unsealed: bool) -> str:
    reporting = snapshot.registry.policy.get("reporting")
    return digest("report-digests/1", code_version(), snapshot.registry_key, repr(reporting), unsealed)


def load_digests(root: Path, key: str) -> dict[str, str]:
    """``{entry key: row digest}`` of the last run with the same ``key`` (else empty)."""
    doc = cachefile.read_dict(cachefile.cache_path(root, CACHE_NAME))
    digests = doc.get("digests")
    return digests if doc.get("key") == key and isinstance(digests, dict) else {}


def save_digests(root: Path, key: str, digests: dict[str, str]) -> None:
    cachefile.write(cachefile.cache_path(root, CACHE_NAME), {"key": key, "digests": digests})
