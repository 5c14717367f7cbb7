"""Organisation pages: ``org/<统一社会信用代码>.html``, everything the site shows about one legal
person or 个体工商户 (issue 19.2; docs/site.md "Organisation pages").

Who gets a page: a party that is not a natural person and whose public projection carries a valid
统一社会信用代码 (``core.identifiers.uscc_problem``; the placeholder of a 个体工商户 without a code
is not one), and only while at least one of its decisions is in public view (listed or query).
When nothing about it is public any more, its page leaves the site with the build. A natural
person never gets a page (the projection gives a natural person no codes at all); a 个体工商户's
page shows its name as the projection publishes it and nothing of its operator.

What a page shows: the organisation's name(s) as its public decisions name it (newest first), its
licences and penalties in public view grouped by state (滚动公示中 / 查询式公示), the withdrawal
notices of its withdrawn decisions (document number and status only, as on the notice itself),
and, for a kind with nothing in public view, the dated statement "截至 <date>，本站无该单位公示中的
行政处罚". The page reads records only through ``PublicRecord`` (rows from ``outputs.html.pages``).

Incremental: a page's key is its entries' keys (``Entry.key``: file, time-rule result), the
registry, the templates and the shared template variables; the as-of date only when the page shows
it (a dated statement). A changed record changes the key of its own organisation's page only, so
a rebuild after one changed record renders one or two pages (two when the change moves the record
to another code) and keeps every other page without rendering.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gongshi.core import cachefile, gcpause
from gongshi.core.keys import code_version, digest, entries_key
from gongshi.core.records import KIND_LABEL, KINDS
from gongshi.core.timeline import LISTED, PUBLIC_STATES, QUERY, STATE_LABEL
from gongshi.outputs.html.keys import templates_key
from gongshi.outputs.html.pages import make_notice_row, make_row
from gongshi.public.record import public_record
from gongshi.site.output import SiteOutput, remove_stale
from gongshi.site.urls import org_path

if TYPE_CHECKING:
    from gongshi.snapshot.build import Entry, Snapshot

TEMPLATE = "org.html"
CODES_FILE = "org-codes.marshal"
ORG_DIR = "org"
STATE_ORDER = (LISTED, QUERY)


@dataclass
class Organisation:
    """One organisation's entries on the snapshot's day: public decisions and withdrawal notices."""

    uscc: str
    public: list[Entry] = field(default_factory=list)
    notices: list[Entry] = field(default_factory=list)


def org_code(entry: Entry, departments) -> str | None:
    """The code an entry's organisation page is keyed by (``PublicRecord.org_code``)."""
    return public_record(entry, departments).org_code


class CodeCache:
    """``org-codes.marshal``: each entry's organisation code by ``Entry.key`` (which covers the
    file and the past names the projection reads), so that a rebuild projects only the records that
    changed instead of every public record (≈ 0.1 ms each); and each page's key of the last build
    with what all keys shared (``org_key``'s ``fixed``, the registry), so that a
    rebuild digests the keys of the pages a change reaches only. Only a shortcut: a missing or
    outdated file means the codes and keys are worked out again."""

    def __init__(self, root: Path | None):
        self.path = cachefile.cache_path(root, CODES_FILE) if root is not None else None
        doc = cachefile.read_dict(self.path)
        fresh = doc.get("version") == code_version()
        codes, keys = (doc.get("codes"), doc.get("keys")) if fresh else (None, None)
        self.old: dict[str, str] = codes if isinstance(codes, dict) else {}
        self.new: dict[str, str] = {}
        # The page keys of the last build (code -> key) and what they shared (``shared_key``).
        self.old_shared: str | None = doc.get("shared") if fresh and isinstance(keys, dict) else None
        self.old_keys: dict[str, str] = keys if self.old_shared is not None else {}
        self.shared: str | None = None
        self.keys: dict[str, str] = {}

    def code(self, entry: Entry, departments) -> str | None:
        key = entry.key
        hit = self.old.get(key)
        if hit is None:
            hit = org_code(entry, departments) or ""
        self.new[key] = hit
        return hit or None

    def reusable_keys(self, shared: str) -> dict[str, str]:
        """The last build's page keys still valid in this one: none when what they shared changed,
        else those of every organisation no changed entry belongs to (or belonged to). Call after
        every entry's code was asked (``organisations``): the entries asked last build and not now
        (changed or gone), and those asked now and not last build (new or changed), mark their
        organisations."""
        self.shared = shared
        if shared != self.old_shared:
            return {}
        old, new = self.old, self.new
        touched = {old[k] for k in old.keys() - new.keys()} | {new[k] for k in new.keys() - old.keys()}
        keys = self.old_keys
        return {code: key for code, key in keys.items() if code not in touched}

    def save(self) -> None:
        same = self.new == self.old and self.keys == self.old_keys and self.shared == self.old_shared
        if self.path is None or same:
            return
        doc = {"version": code_version(), "codes": self.new}
        if self.shared is not None:
            doc |= {"shared": self.shared, "keys": self.keys}
        cachefile.write(self.path, doc)


def organisations(snapshot: Snapshot, cache: CodeCache | None = None) -> dict[str, Organisation]:
    """Every organisation with at least one decision in public view, by code; its notices too.
    Every public entry on every build: the cache's dicts are read inline (``CodeCache.code``)."""
    departments = snapshot.registry.departments
    codes = cache if cache is not None else CodeCache(None)
    old, new = codes.old, codes.new
    found: dict[str, Organisation] = {}
    for e in snapshot.entries:
        if e.timeline.state not in PUBLIC_STATES:
            continue
        key = e.key
        code = old.get(key)
        if code is None:
            code = org_code(e, departments) or ""
        new[key] = code
        if code:
            org = found.get(code)
            if org is None:
                org = found[code] = Organisation(code)
            org.public.append(e)
    for e in snapshot.withdrawal_notices():
        code = codes.code(e, departments)
        if code is not None and code in found:
            found[code].notices.append(e)
    return found


def _newest_first(entries: list[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (-e.timeline.decision_date.toordinal(), e.id))


def _kind(e: Entry) -> str:
    return e.record.folder_kind or e.record.kind


def org_context(snapshot: Snapshot, org: Organisation) -> dict:
    """The template context of one organisation's page (plain values)."""
    reg = snapshot.registry
    public = _newest_first(org.public)
    names: list[str] = []
    for e in public:
        name = public_record(e, reg.departments).party_name
        if name and name not in names:
            names.append(name)
    groups: dict[str, list[dict]] = {}
    empty: list[str] = []
    for kind in KINDS:
        of_kind = [e for e in public if _kind(e) == kind]
        by_state: dict[str, list] = defaultdict(list)
        for e in of_kind:
            by_state[e.state].append(make_row(e, reg))
        groups[kind] = [
            {"state": s, "label": STATE_LABEL[s], "rows": by_state[s]} for s in STATE_ORDER if by_state.get(s)
        ]
        if not of_kind:
            empty.append(kind)
    return {
        "title": names[0] if names else org.uscc,
        "uscc": org.uscc,
        "names": names,
        "groups": [(kind, KIND_LABEL[kind], groups[kind]) for kind in KINDS],
        "counts": {kind: sum(len(g["rows"]) for g in groups[kind]) for kind in KINDS},
        "notices": [make_notice_row(e, reg) for e in _newest_first(org.notices)],
    }


def org_key(snapshot: Snapshot, org: Organisation, fixed: str) -> str:
    """Everything one page is made from besides ``fixed`` (templates, shared variables): its
    entries and notices, the registry (department names). Not the as-of date: the statement
    "截至 <date>，本站无…" takes its date from build-info.json in the reader's browser, so a
    daily build keeps every page whose records did not change."""
    public = sorted(org.public, key=lambda e: e.id)
    notices = sorted(org.notices, key=lambda e: e.id)
    return digest(fixed, snapshot.registry_key, org.uscc, entries_key(public), entries_key(notices))


def page_base(site: SiteOutput) -> dict:
    """The shared template variables without the footer's as-of date: a page shows a date only
    in its own dated statements, so an undated page keeps its bytes from one day to the next."""
    gs = {**site.base.get("gs", {}), "as_of": "", "as_of_label": ""}
    return {**site.base, "gs": gs}


def write_extra(snapshot: Snapshot, out_dir: Path, site: SiteOutput) -> dict:
    """Site hook (``outputs.registry.OUTPUTS``): one page per organisation, each kept without
    rendering when its key did not change."""
    with gcpause.paused():
        codes = CodeCache(snapshot.root)
        orgs = organisations(snapshot, codes)
        base = page_base(site)
        fixed = digest(TEMPLATE, templates_key(site.env), repr(sorted(base.items())))
        # A page's key is worked out again only for organisations a changed entry reaches.
        # Not the as-of date: no page key holds it (a state that changes with the day changes the
        # entry's key, which marks its organisation).
        reuse = codes.reusable_keys(digest(fixed, snapshot.registry_key))
        template = site.env.get_template(TEMPLATE)
        rendered = 0
        for code in sorted(orgs):
            org = orgs[code]
            rel = org_path(code)

            def produce(org=org, rel=rel) -> bytes:
                nonlocal rendered
                rendered += 1
                context = {**base, **org_context(snapshot, org), "page_url": rel}
                return template.render(context).encode("utf-8")

            key = reuse.get(code) or org_key(snapshot, org, fixed)
            codes.keys[code] = key
            site.write_keyed(rel, key, produce)
            site.sitemap.append(rel)
        codes.save()
    if site.writer.in_place:
        # An in-place build keeps old files: drop the pages of organisations no longer public.
        remove_stale(Path(out_dir), site.writer.written, (ORG_DIR,))
    # ``rendered``: pages whose key changed (the rest were kept without rendering).
    return {
        "organisations": len(orgs),
        "rendered": rendered,
        "notices": sum(len(o.notices) for o in orgs.values()),
    }
