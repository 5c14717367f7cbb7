"""The input keys of the HTML pages: a page whose key equals the previous build's (and whose file
is untouched) is kept without rendering (``site.manifest.OutputManifest``)."""

from __future__ import annotations

import hashlib

from gongshi.core.keys import code_version, digest


def record_pages_key(env, base: dict, plan) -> str:
    """What every record page shares: code, templates, the common template variables, the links,
    and the departments/catalog/policy (names shown on the page)."""
    shared = (repr(sorted(base.items())), plan.snapshot.registry_key)
    return digest(code_version(), templates_key(env), *shared)


def record_page_key(plan, entry, notice: bool, fixed: str) -> str:
    """Everything one record page is made from (besides ``fixed``): the entry (file, timeline,
    catalog item, past names: ``Entry.key``). Its change history comes from the record's own data,
    so the entry's key covers it too. One hash of one string (``fixed`` and ``entry.key`` are hex
    digests of fixed length): this runs for every record page of every build."""
    return hashlib.blake2b(f"{fixed}{notice:d}{entry.key}".encode(), digest_size=20).hexdigest()


def templates_key(env) -> str:
    """Every template the environment can load (a changed include changes every page)."""
    h = hashlib.blake2b(digest_size=20)
    try:
        names = sorted(env.list_templates())
    except TypeError:
        return digest("unlisted", id(env))  # a loader that cannot list: never reuse
    for name in names:
        try:
            source = env.loader.get_source(env, name)[0]
        except Exception:  # an unreadable template changes the key
            source = "?"
        h.update(name.encode() + b"\0" + source.encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()
