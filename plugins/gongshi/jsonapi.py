"""A static JSON API written into the site at build time (documented in docs/api.md).

* ``r/<id>.json``                 one document per public record, next to its page; a withdrawn
                                  record that had been published gets a short *notice* document.
* ``api/index.json``              counts, departments, months, and where everything else is.
* ``api/departments/<key>.json``  the public records of one department (summaries).
* ``api/months/<YYYY-MM>.json``   the records published in one month (summaries).
* ``api/schema/*.schema.json``    the JSON Schemas describing all of the above (and the export).

Every document carries ``format`` (a versioned name) and ``as_of`` (the build date, not the wall
clock), so the same repository and date always give the same bytes. URLs are site-relative
(no leading slash), so the documents work wherever the site is hosted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from .exports import wan_yuan
from .masking import NameMasker, public_party_name, public_text
from .records import KIND_LABEL, KINDS, PARTY_CODE_KEYS, Record
from .schemas import SCHEMA_DIR
from .timeline import PUBLIC_STATES, STATE_LABEL

if TYPE_CHECKING:
    from .snapshot import Entry, Snapshot

RECORD_FORMAT = "gongshi-record/1"
NOTICE_FORMAT = "gongshi-withdrawal/1"
LIST_FORMAT = "gongshi-list/1"
INDEX_FORMAT = "gongshi-index/1"
API_SCHEMAS = (
    "api-record.schema.json",
    "api-list.schema.json",
    "api-index.schema.json",
    "api-export.schema.json",
)
RECORD_JSON = "r/{id}.json"
RECORD_PAGE = "r/{id}.html"  # the site's record page (the site passes its own pattern if it differs)
COMMIT_STATUS = {"A": "added", "M": "modified", "D": "deleted"}

PageUrl = Callable[[str], str]


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _opt(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _unit(snapshot: Snapshot, key: str) -> dict:
    d = snapshot.registry.departments.get(key)
    return {"key": key, "name": d.name if d else key, "uscc": d.uscc if d else ""}


def _page_url(page_url: PageUrl | None, record_id: str) -> str:
    return page_url(record_id) if page_url else RECORD_PAGE.format(id=record_id)


# Record documents ----------------------------------------------------------------------------
def _party(r: Record) -> dict:
    p = r.party
    natural = r.is_natural_person
    out = {"name": public_party_name(r), "category": r.party_category}
    for key in PARTY_CODE_KEYS:
        out[key] = None if natural else _opt(p.get(key))
    out["legal_rep"] = None if natural else _opt(p.get("legal_rep"))
    out["legal_rep_id_type"] = None  # a legal representative's ID fields are never published
    # Natural persons: the ID type only; the (masked) number is never published.
    out["id_type"] = _opt(p.get("id_type")) if natural else None
    return out


def _licence_fields(r: Record) -> dict:
    d = r.data
    return {
        "doc_title": public_text(r, d.get("doc_title")),
        "category": str(d.get("category", "")),
        "category_other": _opt(d.get("category_other")),
        "certificate_name": _opt(public_text(r, d.get("certificate_name"))),
        "licence_no": _opt(d.get("licence_no")),
        "content": public_text(r, d.get("content")),
        "valid_from": _opt(d.get("valid_from")),
        "valid_to": _iso(r.valid_to),  # null = 长期
    }


def _penalty_fields(r: Record) -> dict:
    d = r.data
    return {
        "violation_type": public_text(r, d.get("violation_type")),
        "facts": public_text(r, d.get("facts")),
        "basis": public_text(r, d.get("basis")),
        "categories": r.categories,
        "category_other": _opt(d.get("category_other")),
        "content": public_text(r, d.get("content")),
        "fine_yuan": _opt(d.get("fine_yuan")),
        "fine_wan": wan_yuan(r.fine_yuan) or None,
        "confiscation_yuan": _opt(d.get("confiscation_yuan")),
        "confiscation_wan": wan_yuan(r.confiscation_yuan) or None,
        "licence_affected": _opt(public_text(r, d.get("licence_affected"))),
        "procedure": r.procedure,
        "severity": r.severity,
        "valid_until": _iso(r.valid_until),
    }


def _history(entry: Entry, as_of: date, mask: NameMasker) -> list[dict]:
    """The Git audit trail up to the as-of date, oldest first (what the record page shows, with
    every natural person's name of the repository masked in the subjects, as there)."""
    out = []
    for c in sorted(entry.history, key=lambda c: c.committed_at):
        if c.date > as_of:
            continue
        out.append(
            {
                "date": c.date.isoformat(),
                "committed_at": c.committed_at,
                "commit": c.sha,
                "subject": mask(c.subject),
                "change": COMMIT_STATUS.get(c.status, c.status),
            }
        )
    return out


def record_document(
    entry: Entry, snapshot: Snapshot, page_url: PageUrl | None = None, mask: NameMasker | None = None
) -> dict:
    """The JSON document of one public record (schema: api-record.schema.json, ``record``).
    ``mask``: the snapshot's ``NameMasker`` (built here when not given; pass it when writing many)."""
    if mask is None:
        mask = NameMasker.of_records(e.record for e in snapshot.entries)
    r = entry.record
    t = entry.timeline
    item = entry.item
    doc = {
        "format": RECORD_FORMAT,
        "as_of": snapshot.as_of.isoformat(),
        "id": r.id,
        "kind": r.kind,
        "kind_label": KIND_LABEL[r.kind],
        "url": _page_url(page_url, r.id),
        "state": t.state,
        "state_label": STATE_LABEL[t.state],
        "doc_no": r.doc_no,
        "item": {"code": r.item, "name": item.name if item else None},
        "party": _party(r),
        "decision_date": _iso(r.decision_date),
        "authority": _unit(snapshot, r.authority),
        "source_unit": _unit(snapshot, r.source_unit),
        "region_code": str(r.data.get("region_code") or entry.department.region_code),
        "status": r.status,
        "status_date": _iso(r.status_date),
        "status_reason": _opt(public_text(r, r.data.get("status_reason"))),
        "timeline": {
            "published_at": _iso(t.published_at),
            "deadline": _iso(t.deadline),
            "on_time": t.on_time,
            "backfilled": t.backfilled,
            "delay_workdays": t.delay_workdays,
            "list_until": _iso(t.list_until),
            "disclosure_until": _iso(t.disclosure_until),
        },
        r.kind: _licence_fields(r) if r.kind == "licence" else _penalty_fields(r),
        "corrections": [
            {"date": str(c.get("date", "")), "reason": public_text(r, c.get("reason"))} for c in r.corrections
        ],
        "remarks": _opt(public_text(r, r.data.get("remarks"))),
        "history": _history(entry, snapshot.as_of, mask),
    }
    return doc


def notice_document(entry: Entry, snapshot: Snapshot, page_url: PageUrl | None = None) -> dict:
    """A withdrawn/credit-repaired record that had been published: the notice only (no party, no facts)."""
    r = entry.record
    t = entry.timeline
    return {
        "format": NOTICE_FORMAT,
        "as_of": snapshot.as_of.isoformat(),
        "id": r.id,
        "kind": r.kind,
        "kind_label": KIND_LABEL[r.kind],
        "url": _page_url(page_url, r.id),
        "state": t.state,
        "state_label": STATE_LABEL[t.state],
        "doc_no": r.doc_no,
        "decision_date": _iso(r.decision_date),
        "authority": _unit(snapshot, r.authority),
        "status": r.status,
        "status_date": _iso(r.status_date),
        "status_reason": _opt(public_text(r, r.data.get("status_reason"))),
        "published_at": _iso(t.published_at),
        "withdrawn_on": _iso(t.withdrawn_on),
    }


def _summary(entry: Entry, page_url: PageUrl | None) -> dict:
    r = entry.record
    t = entry.timeline
    return {
        "id": r.id,
        "kind": r.kind,
        "doc_no": r.doc_no,
        "title": public_text(r, r.title),
        "party_name": public_party_name(r),
        "party_category": r.party_category,
        "authority": r.authority,
        "decision_date": _iso(r.decision_date),
        "published_at": _iso(t.published_at),
        "state": t.state,
        "url": _page_url(page_url, r.id),
        "json": RECORD_JSON.format(id=r.id),
    }


def _notice_summary(entry: Entry, page_url: PageUrl | None) -> dict:
    r = entry.record
    return {
        "id": r.id,
        "kind": r.kind,
        "doc_no": r.doc_no,
        "authority": r.authority,
        "status": r.status,
        "withdrawn_on": _iso(entry.timeline.withdrawn_on),
        "url": _page_url(page_url, r.id),
        "json": RECORD_JSON.format(id=r.id),
    }


# Writing -------------------------------------------------------------------------------------
def dump(doc: dict) -> bytes:
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


Write = Callable[[str, bytes], object]


def file_writer(out_dir: Path) -> Write:
    """Write site-relative files under ``out_dir`` (the site passes its own writer instead)."""

    def write(rel: str, data: bytes) -> None:
        path = Path(out_dir) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    return write


def notices(snapshot: Snapshot) -> list[Entry]:
    """The site's withdrawal notices (the same list the record pages use)."""
    return snapshot.withdrawal_notices()


def write_json_api(
    snapshot: Snapshot, out_dir: Path, page_url: PageUrl | None = None, write: Write | None = None
) -> dict:
    """Write every document; returns counts (records, notices, departments, months)."""
    put = write or file_writer(out_dir)

    def _write(_out, rel: str, doc: dict) -> None:
        put(rel, dump(doc))

    public = [e for e in snapshot.entries if e.state in PUBLIC_STATES]
    withdrawn = notices(snapshot)
    mask = NameMasker.of_records(e.record for e in snapshot.entries)
    for e in public:
        _write(out_dir, RECORD_JSON.format(id=e.id), record_document(e, snapshot, page_url, mask))
    for e in withdrawn:
        _write(out_dir, RECORD_JSON.format(id=e.id), notice_document(e, snapshot, page_url))

    as_of = snapshot.as_of.isoformat()
    departments = []
    for key in sorted(snapshot.registry.departments):
        dept = snapshot.registry.departments[key]
        mine = [e for e in public if e.record.authority == key]
        gone = [e for e in withdrawn if e.record.authority == key]
        rel = f"api/departments/{key}.json"
        _write(
            out_dir,
            rel,
            _list_doc(as_of, {"type": "department", "key": key, "name": dept.name}, mine, gone, page_url),
        )
        departments.append(
            {
                "key": key,
                "name": dept.name,
                "short_name": dept.short_name or dept.name,
                "uscc": dept.uscc,
                "counts": _counts(mine),
                "url": rel,
            }
        )

    by_month: dict[str, tuple[list[Entry], list[Entry]]] = {}
    for e in public:
        month = (e.timeline.published_at or e.timeline.decision_date).strftime("%Y-%m")
        by_month.setdefault(month, ([], []))[0].append(e)
    for e in withdrawn:
        month = (e.timeline.withdrawn_on or snapshot.as_of).strftime("%Y-%m")
        by_month.setdefault(month, ([], []))[1].append(e)
    months = []
    for month in sorted(by_month, reverse=True):
        mine, gone = by_month[month]
        rel = f"api/months/{month}.json"
        _write(out_dir, rel, _list_doc(as_of, {"type": "month", "month": month}, mine, gone, page_url))
        months.append({"month": month, "counts": _counts(mine), "withdrawn": len(gone), "url": rel})

    index = {
        "format": INDEX_FORMAT,
        "as_of": as_of,
        "title": str(snapshot.registry.policy.get("site", {}).get("title", "")) or "双公示",
        "counts": {**_counts(public), "withdrawn": len(withdrawn)},
        "departments": departments,
        "months": months,
        "record_url_template": RECORD_JSON.format(id="{id}"),
        "schemas": {name.removesuffix(".schema.json"): f"api/schema/{name}" for name in API_SCHEMAS},
        "feeds": {"all": "feeds/all.atom.xml", "department": "feeds/{key}.atom.xml"},
        "downloads": {"all": "data/all.json", "department": "data/{key}/all.json"},
    }
    _write(out_dir, "api/index.json", index)
    for name in API_SCHEMAS:
        put(f"api/schema/{name}", (SCHEMA_DIR / name).read_bytes())
    return {
        "records": len(public),
        "notices": len(withdrawn),
        "departments": len(departments),
        "months": len(months),
    }


def _counts(entries: list[Entry]) -> dict:
    out = {k: 0 for k in KINDS}
    for e in entries:
        out[e.record.kind] += 1
    return out


def _list_doc(
    as_of: str, scope: dict, entries: list[Entry], gone: list[Entry], page_url: PageUrl | None
) -> dict:
    return {
        "format": LIST_FORMAT,
        "as_of": as_of,
        "scope": scope,
        "records": [_summary(e, page_url) for e in entries],
        "withdrawn": [_notice_summary(e, page_url) for e in gone],
    }


def write_extra(snapshot: Snapshot, out_dir: Path, site) -> dict:
    """Site hook (sitewrite.EXTRA_MODULES): the JSON documents, linked to the site's record pages."""
    return write_json_api(snapshot, out_dir, page_url=site.record_url, write=site.write)
