"""``registry_key``: one digest of the registry files (departments, policy, catalogs, calendar) and
the code version. Every cache whose entries depend on the registry (validated records, timelines)
is keyed by it: a changed department name, catalog item or holiday invalidates them.
"""

from __future__ import annotations

from pathlib import Path

from gongshi.core.keys import code_version, digest

REGISTRY_GLOBS = ("data/departments.yaml", "data/policy.yaml", "data/catalog/*.yaml", "data/calendar/*.yaml")


def registry_key(root: Path) -> str:
    """The digest of the code version and every registry file's path and bytes ("?" if unreadable)."""
    parts = []
    for pattern in REGISTRY_GLOBS:
        for path in sorted(Path(root).glob(pattern)):
            try:
                parts.append(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
            except OSError:
                parts.append(b"?")
    return digest(code_version(), *parts)
