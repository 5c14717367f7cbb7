"""Atom 1.0 feeds (RFC 4287) of new, changed and withdrawn records: ``feeds/all.atom.xml`` for the
whole site and ``feeds/<dept>.atom.xml`` per department.

One Atom entry per record, identified for ever by the same id, so a feed reader shows a correction
or a withdrawal as an update of the entry it already has. Dates come from the Git history
(committer dates, China time, ``+08:00``); nothing reads the wall clock, so the same repository and
as-of date give the same bytes. A withdrawn record's entry is a notice only: document number,
status, date and reason — no party name, no facts.
"""

from __future__ import annotations

import heapq
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from gongshi.core import gcpause
from gongshi.core.keys import digest
from gongshi.core.records import Department
from gongshi.core.timeline import PUBLIC_STATES
from gongshi.public.record import PublicRecord, public_record
from gongshi.site.output import FileTarget, OutputWriter, SiteOutput
from gongshi.site.urls import RECORD_PATH, record_path

if TYPE_CHECKING:
    from gongshi.snapshot.build import Entry, Snapshot

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_DIR = "feeds"
ALL_FEED = "all"
DEFAULT_LIMIT = 100
GENERATOR = "gongshi"


def _start_of_day(d: date) -> str:
    return f"{d.isoformat()}T00:00:00+08:00"


@dataclass(frozen=True)
class FeedItem:
    """What one Atom entry says about one record."""

    entry: Entry
    public: PublicRecord  # the entry's public projection: all the item says of the record
    kind_of_news: str  # new / changed / withdrawn
    published: str  # RFC 3339, +08:00
    updated: str
    title: str
    summary: str


def _commits_until(entry: Entry, as_of: date) -> list:
    return sorted((c for c in entry.history if c.date <= as_of), key=lambda c: c.committed_at)


def feed_item(
    entry: Entry,
    notice_ids: frozenset[str] = frozenset(),
    departments: Mapping[str, Department] | None = None,
) -> FeedItem | None:
    """The entry for a public record or a withdrawal notice (ids in ``notice_ids``); else None.
    ``departments``: the registry's, for the record's public projection."""
    as_of = entry.timeline.as_of
    t = entry.timeline
    commits = _commits_until(entry, as_of)
    if t.published_at is None:
        return None
    pr = public_record(entry, departments if departments is not None else {})
    # Preview (not committed yet): the as-of day stands in for the commit time.
    published = commits[0].committed_at if commits else _start_of_day(t.published_at)
    updated = commits[-1].committed_at if commits else published
    if entry.state in PUBLIC_STATES:
        # A correction is what the record's public 更正 entries say, not any later commit: re-sealing
        # ID numbers (gongshi reseal) or reformatting a file changes nothing the public sees.
        changed = bool(pr.corrections)
        news = "changed" if changed else "new"
        prefix = "【更正】" if changed else ""
        title = f"{prefix}{pr.kind_label}：{pr.party_name}（{pr.doc_no}）"
        summary = (
            f"{pr.authority.name}于{pr.decision_date}作出{pr.kind_label}决定（{pr.doc_no}）：{pr.title}。"
        )
        if changed and pr.corrections:
            last = pr.corrections[-1]
            summary += f"更正（{last.date}）：{last.reason.rstrip('。.')}。"
        return FeedItem(entry, pr, news, published, updated, title, summary)
    if entry.id in notice_ids:
        if t.withdrawn_on is not None:
            updated = max(updated, _start_of_day(t.withdrawn_on))
        when = t.withdrawn_on.isoformat() if t.withdrawn_on else ""
        title = f"【已撤回】{pr.kind_label}决定 {pr.doc_no}"
        reason = pr.status_reason.rstrip("。.")
        summary = (
            f"{pr.authority.name}的{pr.kind_label}决定 {pr.doc_no} 已于{when}{pr.status}"
            + (f"，原因：{reason}" if reason else "")
            + "。原公示内容已撤下。"
        )
        return FeedItem(entry, pr, "withdrawn", published, updated, title, summary)
    return None


def feed_items(
    entries: list[Entry],
    notice_ids: frozenset[str] = frozenset(),
    limit: int = DEFAULT_LIMIT,
    departments: Mapping[str, Department] | None = None,
) -> list[FeedItem]:
    """Newest update first (then id), at most ``limit``."""
    items = [i for e in entries if (i := feed_item(e, notice_ids, departments)) is not None]
    items.sort(key=lambda i: (i.updated, i.entry.id), reverse=True)
    return items[:limit]


def _entry_id(site_key: str, record_id: str) -> str:
    # A name-based UUID: stable across builds and hosts of the same site, and a valid absolute IRI.
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{site_key}/r/{record_id}"))


def _join(site_url: str, rel: str) -> str:
    # Like the templates' {{ SITEURL }}/path: absolute in production, root-relative without SITEURL.
    return f"{site_url.rstrip('/')}/{rel}"


def render_feed(
    snapshot: Snapshot,
    items: list[FeedItem],
    *,
    site_url: str,
    feed_rel: str,
    title: str,
    author: str,
    page_url: Callable[[str], str] | None = None,
) -> bytes:
    ET.register_namespace("", ATOM_NS)
    q = lambda tag: f"{{{ATOM_NS}}}{tag}"  # noqa: E731
    site_key = site_url.rstrip("/") or str(snapshot.registry.policy.get("site", {}).get("title", "gongshi"))
    feed = ET.Element(q("feed"), {"{http://www.w3.org/XML/1998/namespace}lang": "zh-CN"})
    ET.SubElement(feed, q("id")).text = "urn:uuid:" + str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"{site_key}/{feed_rel}")
    )
    ET.SubElement(feed, q("title")).text = title
    ET.SubElement(feed, q("subtitle")).text = "新公示、更正和撤回的行政许可、行政处罚决定"
    updated = items[0].updated if items else _start_of_day(snapshot.as_of)
    ET.SubElement(feed, q("updated")).text = updated
    ET.SubElement(ET.SubElement(feed, q("author")), q("name")).text = author
    ET.SubElement(
        feed, q("link"), {"rel": "self", "type": "application/atom+xml", "href": _join(site_url, feed_rel)}
    )
    ET.SubElement(feed, q("link"), {"rel": "alternate", "type": "text/html", "href": _join(site_url, "")})
    ET.SubElement(feed, q("generator")).text = GENERATOR
    for item in items:
        r = item.public
        e = ET.SubElement(feed, q("entry"))
        ET.SubElement(e, q("id")).text = _entry_id(site_key, r.id)
        ET.SubElement(e, q("title")).text = item.title
        ET.SubElement(e, q("published")).text = item.published
        ET.SubElement(e, q("updated")).text = item.updated
        ET.SubElement(ET.SubElement(e, q("author")), q("name")).text = item.entry.authority_name
        page = page_url(r.id) if page_url else record_path(r.id)
        ET.SubElement(e, q("link"), {"rel": "alternate", "type": "text/html", "href": _join(site_url, page)})
        ET.SubElement(e, q("category"), {"term": item.kind_of_news, "label": _NEWS_LABEL[item.kind_of_news]})
        ET.SubElement(e, q("category"), {"term": r.kind, "label": r.kind_label})
        ET.SubElement(e, q("summary"), {"type": "text"}).text = item.summary
    ET.indent(feed, space=" ")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


_NEWS_LABEL = {"new": "新公示", "changed": "更正", "withdrawn": "撤回"}


def _updated(entry: Entry, as_of: date, notice: bool) -> str | None:
    """The entry's ``updated`` time exactly as ``feed_item`` computes it, without building the item:
    the last commit up to the as-of date (or the publication day of a preview), for a notice at
    least its withdrawal day. None when the record has no publication date (no entry)."""
    t = entry.timeline
    if t.published_at is None:
        return None
    last = None
    for c in entry.history:
        if c.date <= as_of and (last is None or c.committed_at > last):
            last = c.committed_at
    if last is None:
        last = _start_of_day(t.published_at)
    if notice and t.withdrawn_on is not None:
        last = max(last, _start_of_day(t.withdrawn_on))
    return last


def newest(snapshot: Snapshot, limit: int = DEFAULT_LIMIT) -> dict[str, list[Entry]]:
    """The entries of every feed (``all`` and each department key), newest update first: the same
    as ``feed_items`` per scope, but only the newest ``limit`` per feed are ever turned into items
    (one light pass over the snapshot; ids are unique, so the tuples never compare entries)."""
    as_of = snapshot.as_of
    notice_ids = {id(e) for e in snapshot.withdrawal_notices()}
    scored: list[tuple[str, str, Entry]] = []
    by_dept: dict[str, list] = {k: [] for k in sorted(snapshot.registry.departments)}
    for e in snapshot.entries:
        state = e.timeline.state
        if state in PUBLIC_STATES:
            notice = False
        elif id(e) in notice_ids:
            notice = True
        else:
            continue
        updated = _updated(e, as_of, notice)
        if updated is not None:
            item = (updated, e.record.id, e)
            scored.append(item)
            dept = e.department.key  # the authority's registry entry
            (by_dept.get(dept) or by_dept.setdefault(dept, [])).append(item)
    scopes = {ALL_FEED: scored, **by_dept}
    return {key: [x[2] for x in heapq.nlargest(limit, items)] for key, items in scopes.items()}


def feed_key(snapshot: Snapshot, rel: str, entries: list[Entry], fixed: tuple) -> str:
    """Everything one feed file is made from: its entries (``Entry.key``: file, time-rule result),
    their commits up to the as-of date (ids fix times), which are notices, the registry (names),
    the titles and links (``fixed``); the as-of date only for an empty feed (its ``updated``)."""
    as_of = snapshot.as_of
    notice_ids = {e.record.id for e in entries if e.state not in PUBLIC_STATES}
    parts = [rel, snapshot.registry_key, repr(fixed)]
    for e in entries:
        parts.append(("notice " if e.record.id in notice_ids else "") + e.key)
        parts += [c.sha for c in e.history if c.date <= as_of]
    if not entries:
        parts.append(as_of.isoformat())
    return digest("\n".join(parts))


def write_feeds(
    snapshot: Snapshot,
    out_dir: Path,
    *,
    site_url: str = "",
    page_url: Callable[[str], str] | None = None,
    limit: int = DEFAULT_LIMIT,
    output: FileTarget | None = None,
) -> dict[str, int]:
    """Write the site feed and one feed per department; returns {feed path: number of entries}.
    With ``output`` (the site's), a feed whose entries did not change is not even rendered; without
    it, the feeds are written under ``out_dir``."""
    out = output if output is not None else OutputWriter(Path(out_dir))
    site_title = str(snapshot.registry.policy.get("site", {}).get("title", "")) or "双公示"
    probe = page_url("{id}") if page_url else RECORD_PATH
    written: dict[str, int] = {}
    for key, entries in newest(snapshot, limit).items():
        dept = snapshot.registry.departments.get(key)
        if key == ALL_FEED:
            title, author = site_title, site_title
        else:
            name = dept.name if dept else key
            title, author = f"{name} — {site_title}", name
        rel = f"{FEED_DIR}/{key}.atom.xml"

        def produce(entries=entries, rel=rel, title=title, author=author) -> bytes:
            notice_ids = frozenset(e.record.id for e in entries if e.state not in PUBLIC_STATES)
            departments = snapshot.registry.departments
            items = [i for e in entries if (i := feed_item(e, notice_ids, departments)) is not None]
            return render_feed(
                snapshot,
                items,
                site_url=site_url,
                feed_rel=rel,
                title=title,
                author=author,
                page_url=page_url,
            )

        fixed = (site_url, probe, title, author, limit)
        out.write_keyed(rel, feed_key(snapshot, rel, entries, fixed), produce)
        written[rel] = len(entries)
    return written


def write_extra(snapshot: Snapshot, out_dir: Path, site: SiteOutput) -> dict:
    """Site hook (``outputs.registry.OUTPUTS``): the feeds, with absolute links when SITEURL is set.
    No cyclic garbage collection meanwhile: a collection walks every object of a large snapshot."""

    with gcpause.paused():
        return write_feeds(
            snapshot,
            out_dir,
            site_url=str(site.base.get("SITEURL", "")),
            page_url=site.record_url,
            output=site,
        )
