"""Which records' entries changed since the snapshot last loaded at this repository's cache: what
``Snapshot.changed_ids`` says, so an output can redo only what those records reach.

The ids and ``Entry.key`` of every entry are kept (``snapshot-keys.marshal`` in
``core.cachefile.cache_dir``; this module owns it) as two strings, read, compared and written at C
speed; each snapshot also gets a ``state`` (a digest of the code version, the registry as the
outputs show it and every id and key), so a consumer that keeps its own state between builds can
tell whether the changes are against the snapshot it saw last (``Snapshot.previous_state``).
"""

from __future__ import annotations

from pathlib import Path

from gongshi.core import cachefile
from gongshi.core.keys import code_version, digest
from gongshi.snapshot.build import Entry

KEYS_FILE = "snapshot-keys.marshal"


# Beyond this many changed keys, their ids are found through a dict rather than one scan each.
_SCANS = 64


def _ids_of(keys: list[str], wanted: set[str], id_at) -> set[str]:
    """The ids (``id_at(i)``) of the keys ``wanted`` in the list ``keys``."""
    if len(wanted) <= _SCANS:
        return {id_at(keys.index(k)) for k in wanted}
    return {id_at(i) for i, k in enumerate(keys) if k in wanted}


def entry_changes(
    root: Path, registry_key: str, entries: list[Entry], keys: str
) -> tuple[frozenset[str] | None, str | None, str | None]:
    """``(changed ids, state, previous state)`` of the snapshot of ``entries``, whose keys are
    ``keys`` (``Snapshot.keys_text``): the ids of the records added, removed or whose entry key
    differs since the last snapshot kept at ``root``'s cache (None when unknown: no cache, no
    earlier snapshot, other code or registry), this snapshot's state and the kept one's. Keeps
    this snapshot's ids and keys for the next."""
    path = cachefile.cache_path(root, KEYS_FILE)
    if path is None:
        return None, None, None
    version = code_version()
    state = digest(version, registry_key, keys)
    doc = cachefile.read_dict(path)
    previous = doc.get("state") if isinstance(doc.get("state"), str) else None
    if previous == state:
        return frozenset(), state, previous
    changed = None
    old_ids, old_keys = doc.get("ids"), doc.get("keys")
    if (
        doc.get("code") == version
        and doc.get("registry") == registry_key
        and isinstance(old_ids, str)
        and isinstance(old_keys, str)
        and old_ids.count("\n") == old_keys.count("\n")
    ):
        # An entry's key digests its record's id too: equal keys are the same id with the same entry.
        key_list = keys.split("\n") if keys else []
        old_list = old_keys.split("\n") if old_keys else []
        old_set, new_set = set(old_list), set(key_list)
        added, removed = new_set - old_set, old_set - new_set
        ids = _ids_of(key_list, added, lambda i: entries[i].record.id)
        if removed:
            old_id_list = old_ids.split("\n")
            ids |= _ids_of(old_list, removed, old_id_list.__getitem__)
        changed = frozenset(ids)
    ids_text = "\n".join([e.record.id for e in entries])
    doc = {"code": version, "registry": registry_key, "state": state, "ids": ids_text, "keys": keys}
    cachefile.write(path, doc)
    return changed, state, previous
