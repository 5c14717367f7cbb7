"""Atom feeds: valid Atom 1.0 (RFC 4287 required elements, checked with xml.etree), built from the
Git history, deterministic, capped, and free of anything that must not be published."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
from gongshi.outputs.feeds import write_feeds

from tests.support.opendata_repo import (
    PERSON_NAME,
    PUBLIC_PERSON,
    WITHHELD_PARTY,
    WITHHELD_SECRET,
    shared_snapshot,
)

A = "{http://www.w3.org/2005/Atom}"
SITE = "https://gongshi.example.cn"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@pytest.fixture(scope="module")
def snap(tmp_path_factory):
    return shared_snapshot(tmp_path_factory)


@pytest.fixture(scope="module")
def site(snap, tmp_path_factory):
    out = tmp_path_factory.mktemp("feeds")
    written = write_feeds(snap, out, site_url=SITE)
    return out, written


def _one(parent, tag, where):
    found = parent.findall(A + tag)
    assert len(found) == 1, f"{where}: exactly one atom:{tag} required, found {len(found)}"
    return found[0]


def _date(el, where) -> datetime:
    text = (el.text or "").strip()
    assert RFC3339.match(text), f"{where}: {el.tag} is not an RFC 3339 date-time: {text!r}"
    return datetime.fromisoformat(text)


def _absolute_iri(text: str) -> bool:
    if text.startswith("urn:uuid:"):
        uuid.UUID(text.removeprefix("urn:uuid:"))
        return True
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", text))


def assert_valid_atom(data: bytes, self_href: str) -> ET.Element:
    """RFC 4287 §4.1.1/§4.1.2 required elements plus feedvalidator-style checks."""
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    feed = ET.fromstring(data)
    assert feed.tag == A + "feed"
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-CN"
    feed_id = _one(feed, "id", "feed").text
    assert _absolute_iri(feed_id)
    assert (_one(feed, "title", "feed").text or "").strip()
    feed_updated = _date(_one(feed, "updated", "feed"), "feed")
    feed_author = feed.findall(A + "author")
    for author in feed_author:
        assert (_one(author, "name", "author").text or "").strip()
    links = feed.findall(A + "link")
    selfs = [ln for ln in links if ln.get("rel") == "self"]
    assert len(selfs) == 1 and selfs[0].get("href") == self_href
    alternates = [ln for ln in links if ln.get("rel", "alternate") == "alternate"]
    assert len({(ln.get("type"), ln.get("hreflang")) for ln in alternates}) == len(alternates) >= 1
    ids = set()
    previous = None
    for entry in feed.findall(A + "entry"):
        eid = _one(entry, "id", "entry").text
        assert _absolute_iri(eid) and eid not in ids, f"entry id must be a unique absolute IRI: {eid}"
        ids.add(eid)
        assert (_one(entry, "title", eid).text or "").strip()
        updated = _date(_one(entry, "updated", eid), eid)
        assert updated.utcoffset().total_seconds() == 8 * 3600, "China time"
        published = entry.findall(A + "published")
        assert len(published) <= 1
        if published:
            assert _date(published[0], eid) <= updated
        assert updated <= feed_updated
        if previous is not None:
            assert updated <= previous, "newest first"
        previous = updated
        # §4.1.1: an entry without its own author needs a feed-level author.
        assert entry.findall(A + "author") or feed_author
        for author in entry.findall(A + "author"):
            assert (_one(author, "name", eid).text or "").strip()
        alt = [ln for ln in entry.findall(A + "link") if ln.get("rel", "alternate") == "alternate"]
        assert alt and all(ln.get("href", "").startswith(SITE + "/") for ln in alt)
        # §4.1.1.1: without atom:content an entry needs a summary with text.
        if entry.find(A + "content") is None:
            assert (_one(entry, "summary", eid).text or "").strip()
    return feed


def test_every_feed_is_valid_atom(site):
    out, written = site
    assert set(written) == {
        "feeds/all.atom.xml",
        "feeds/scjg.atom.xml",
        "feeds/wjw.atom.xml",
        "feeds/zhzf.atom.xml",
    }
    for rel, count in written.items():
        feed = assert_valid_atom((out / rel).read_bytes(), f"{SITE}/{rel}")
        assert len(feed.findall(A + "entry")) == count
    # Six public records and the one withdrawal notice; not the withheld record.
    assert written["feeds/all.atom.xml"] == 7 and written["feeds/zhzf.atom.xml"] == 0


def test_entries_from_git_history(site):
    out, _ = site
    feed = ET.fromstring((out / "feeds/all.atom.xml").read_bytes())
    entries = {e.find(A + "link").get("href").rsplit("/", 1)[1]: e for e in feed.findall(A + "entry")}
    assert feed.find(A + "updated").text == "2026-10-06T09:30:00+08:00"
    corrected = entries["scjg-xk-2026-0101.html"]
    assert corrected.find(A + "published").text == "2026-03-06T10:00:00+08:00"
    assert corrected.find(A + "updated").text == "2026-04-02T08:45:00+08:00"
    assert "changed" in {c.get("term") for c in corrected.findall(A + "category")}
    withdrawn = entries["scjg-cf-2026-0016.html"]
    assert withdrawn.find(A + "updated").text == "2026-05-11T14:00:00+08:00"
    assert "已撤回" in withdrawn.find(A + "title").text
    summary = withdrawn.find(A + "summary").text
    assert "撤销" in summary and "2026-05-10" in summary and "张" not in summary
    assert "摊位" not in summary, "no facts in a withdrawal notice"
    h = entries["scjg-cf-2026-0031.html"]
    assert "欧阳**" in h.find(A + "title").text


def test_nothing_private_in_feeds(site):
    out, written = site
    text = "".join((out / rel).read_text(encoding="utf-8") for rel in written)
    for secret in (PERSON_NAME, PUBLIC_PERSON, WITHHELD_PARTY, WITHHELD_SECRET, "钟测执法罚", "********"):
        assert secret not in text


def test_deterministic_and_capped(snap, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    write_feeds(snap, a, site_url=SITE)
    write_feeds(snap, b, site_url=SITE)
    for name in ("all", "scjg", "wjw", "zhzf"):
        assert (a / f"feeds/{name}.atom.xml").read_bytes() == (b / f"feeds/{name}.atom.xml").read_bytes()
    capped = write_feeds(snap, tmp_path / "c", site_url=SITE, limit=2)
    assert capped["feeds/all.atom.xml"] == 2
    feed = assert_valid_atom((tmp_path / "c/feeds/all.atom.xml").read_bytes(), f"{SITE}/feeds/all.atom.xml")
    assert [e.find(A + "updated").text for e in feed.findall(A + "entry")] == [
        "2026-10-06T09:30:00+08:00",
        "2026-09-29T17:05:00+08:00",
    ]


def test_empty_feed_is_dated_by_as_of(site):
    out, _ = site
    feed = assert_valid_atom((out / "feeds/zhzf.atom.xml").read_bytes(), f"{SITE}/feeds/zhzf.atom.xml")
    assert feed.find(A + "updated").text == "2026-10-12T00:00:00+08:00"


@pytest.mark.parametrize("limit", [1, 2, 3, 100])
def test_newest_selects_what_feed_items_would(snap, limit):
    from gongshi.outputs.feeds import ALL_FEED, feed_items, newest

    notice_ids = frozenset(e.id for e in snap.withdrawal_notices())
    chosen = newest(snap, limit)
    assert set(chosen) == {ALL_FEED, "scjg", "wjw", "zhzf"}
    for key, entries in chosen.items():
        scope = snap.entries if key == ALL_FEED else [e for e in snap.entries if e.record.authority == key]
        assert [e.id for e in entries] == [i.entry.id for i in feed_items(scope, notice_ids, limit)], key


def test_unchanged_feeds_are_not_rendered_again(tmp_path, monkeypatch):
    from gongshi.outputs import feeds
    from gongshi.outputs.feeds import write_extra
    from gongshi.site.manifest import OutputManifest
    from gongshi.site.output import OutputWriter, SiteOutput
    from gongshi.snapshot.load import load

    from tests.support.opendata_repo import AS_OF, PATHS, build_repo

    repo = build_repo(tmp_path / "repo")
    keys, previous = {}, None
    rendered = []
    real = feeds.render_feed
    monkeypatch.setattr(
        feeds, "render_feed", lambda *a, **kw: rendered.append(kw["feed_rel"]) or real(*a, **kw)
    )

    def run(n: int) -> OutputWriter:
        nonlocal keys, previous
        out = tmp_path / f"out{n}"
        manifest = OutputManifest(None, out)
        manifest.old = keys
        writer = OutputWriter(out, previous, manifest=manifest)
        write_extra(
            load(repo.path, AS_OF, cache=False), out, SiteOutput(out, None, {"SITEURL": SITE}, writer)
        )
        keys, previous = manifest.new, out
        return writer

    run(1)
    assert len(rendered) == 4
    rendered.clear()
    assert run(2).changed == [] and rendered == []
    # A wjw record changes: the site feed and the wjw feed, not the other departments'.
    rel = PATHS["wjw-xk-2026-0003"]
    text = (repo.path / rel).read_text(encoding="utf-8")
    # First a commit the public cannot see as a correction (as `gongshi reseal` makes): the feeds
    # move it to the top (a new updated time) but do not call it 【更正】.
    repo.commit("格式", "2026-10-12T09:00:00+08:00", {rel: text + "\n"})
    run(3)
    feed = ET.fromstring((previous / "feeds/wjw.atom.xml").read_bytes())
    assert "【更正】" not in feed.find(A + "entry").find(A + "title").text
    rendered.clear()
    correction = "remarks: 更正备注。\ncorrections:\n  - date: 2026-10-12\n    reason: 补充备注。\n"
    repo.commit("更正", "2026-10-12T10:00:00+08:00", {rel: text + correction})
    writer = run(4)
    assert sorted(writer.changed) == sorted(rendered) == ["feeds/all.atom.xml", "feeds/wjw.atom.xml"]
    feed = ET.fromstring((previous / "feeds/wjw.atom.xml").read_bytes())
    assert "【更正】" in feed.find(A + "entry").find(A + "title").text
