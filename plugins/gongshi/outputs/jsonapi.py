"""A static JSON API written into the site at build time (documented in docs/api.md).

* ``api/index.json``                 counts, departments, months, the list of record shards and
                                     where everything else is (small; rewritten every build).
* ``api/records/<shard>.json.gz``    the public records and withdrawal notices of one department,
                                     kind and decision year (gzip-compressed JSON). ``<shard>`` is
                                     the record's folder ``<dept>-<xk|cf>-<year>``: for an id made
                                     the usual way (``scjg-cf-2026-0015``) the id without its last
                                     ``-<number>``; the index lists the ids where that rule fails.
* ``api/schema/*.schema.json``       the JSON Schemas describing all of the above (and the export).

Each record is stored once (no per-record files, no month or department copies): 100,000 records
give about 8 MB of shards instead of 150 MB of per-record files and lists. A shard shows no as-of
date, so it is rewritten only when one of its records (file, time-rule result, catalog item, shown
past names) or the department/catalog registry changes; unchanged shards are not even computed
(``site.write_keyed``). Same repository and date give the same bytes (gzip without timestamp).
URLs are site-relative (no leading slash), so the documents work wherever the site is hosted.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from gongshi.core import gcpause
from gongshi.core.keys import digest
from gongshi.core.records import KIND_CODE, KINDS, PARTY_CODE_KEYS
from gongshi.core.timeline import PUBLIC_STATES, STATE_LABEL
from gongshi.outputs.exports import wan_yuan
from gongshi.public.record import PublicRecord, Unit, public_record
from gongshi.public.recordview import history_rows
from gongshi.repo.schemas import SCHEMA_DIR
from gongshi.site.output import FileTarget, OutputWriter, SiteOutput
from gongshi.site.urls import record_path

if TYPE_CHECKING:
    from gongshi.snapshot.build import Entry, Snapshot

RECORD_FORMAT = "gongshi-record/3"  # 3: history from structured data, no commit subjects
NOTICE_FORMAT = "gongshi-withdrawal/2"
SHARD_FORMAT = "gongshi-shard/2"
INDEX_FORMAT = "gongshi-index/2"
API_SCHEMAS = (
    "api-index.schema.json",
    "api-shard.schema.json",
    "api-export.schema.json",
)
INDEX_PATH = "api/index.json"
SHARD_PATH = "api/records/{shard}.json.gz"
# gzip level 6: 12x smaller than the JSON at about 100 MB/s; level 9 saves 4 % more at half the speed.
GZIP_LEVEL = 6

PageUrl = Callable[[str], str]


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _opt(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _page_url(page_url: PageUrl | None, record_id: str) -> str:
    return page_url(record_id) if page_url else record_path(record_id)


# Record documents ----------------------------------------------------------------------------
def _unit(u: Unit) -> dict:
    return {"key": u.key, "name": u.name, "uscc": u.uscc}


def _party(pr: PublicRecord) -> dict:
    natural = pr.is_natural_person
    out = {"name": pr.party_name, "category": pr.party_category}
    for key in PARTY_CODE_KEYS:
        out[key] = None if natural else _opt(pr.party_code(key))
    out["legal_rep"] = None if natural else _opt(pr.legal_rep)
    out["legal_rep_id_type"] = None  # a legal representative's ID fields are never published
    # Natural persons: the ID type only; the (masked) number is never published.
    out["id_type"] = _opt(pr.id_type) if natural else None
    return out


def _amount(value) -> str | None:
    return None if value is None else str(value)


def _licence_fields(pr: PublicRecord) -> dict:
    return {
        "doc_title": pr.doc_title,
        "category": pr.category,
        "category_other": _opt(pr.category_other),
        "certificate_name": _opt(pr.certificate_name),
        "licence_no": _opt(pr.licence_no),
        "content": pr.content,
        "valid_from": _opt(pr.valid_from),
        "valid_to": _opt(pr.valid_to),  # null = 长期
    }


def _penalty_fields(pr: PublicRecord) -> dict:
    return {
        "violation_type": pr.violation_type,
        "facts": pr.facts,
        "basis": pr.basis,
        "categories": list(pr.categories),
        "category_other": _opt(pr.category_other),
        "content": pr.content,
        "fine_yuan": _amount(pr.fine_yuan),
        "fine_wan": wan_yuan(pr.fine_yuan) or None,
        "confiscation_yuan": _amount(pr.confiscation_yuan),
        "confiscation_wan": wan_yuan(pr.confiscation_yuan) or None,
        "licence_affected": _opt(pr.licence_affected),
        "procedure": pr.procedure,
        "severity": _opt(pr.severity),
        "valid_until": _opt(pr.valid_until),
    }


def record_document(entry: Entry, snapshot: Snapshot, page_url: PageUrl | None = None) -> dict:
    """The JSON document of one public record (schema: api-shard.schema.json, ``$defs/record``),
    made from its public projection only. Its ``history`` is the record page's: publication,
    corrections and status changes from the record's own data (``recordview.history_rows``)."""
    pr = public_record(entry, snapshot.registry.departments)
    t = entry.timeline
    return {
        "format": RECORD_FORMAT,
        "id": pr.id,
        "kind": pr.kind,
        "kind_label": pr.kind_label,
        "url": _page_url(page_url, pr.id),
        "state": t.state,
        "state_label": STATE_LABEL[t.state],
        "doc_no": pr.doc_no,
        "item": {"code": pr.item_code, "name": pr.item_name or None},
        "party": _party(pr),
        "decision_date": _opt(pr.decision_date),
        "authority": _unit(pr.authority),
        "source_unit": _unit(pr.source_unit),
        "region_code": pr.region_code,
        "status": pr.status,
        "status_date": _opt(pr.status_date),
        "status_reason": _opt(pr.status_reason),
        "timeline": {
            "published_at": _iso(t.published_at),
            "deadline": _iso(t.deadline),
            "on_time": t.on_time,
            "backfilled": t.backfilled,
            "delay_workdays": t.delay_workdays,
            "list_until": _iso(t.list_until),
            "disclosure_until": _iso(t.disclosure_until),
        },
        pr.kind: _licence_fields(pr) if pr.kind == "licence" else _penalty_fields(pr),
        "corrections": [c.to_json() for c in pr.corrections],
        "remarks": _opt(pr.remarks),
        "history": [
            {"date": h.date, "event": h.event, "detail": h.detail} for h in history_rows(pr, entry.timeline)
        ],
    }


def notice_document(entry: Entry, snapshot: Snapshot, page_url: PageUrl | None = None) -> dict:
    """A withdrawn/credit-repaired record that had been published: the notice only (no party, no facts)."""
    pr = public_record(entry, snapshot.registry.departments)
    t = entry.timeline
    return {
        "format": NOTICE_FORMAT,
        "id": pr.id,
        "kind": pr.kind,
        "kind_label": pr.kind_label,
        "url": _page_url(page_url, pr.id),
        "state": t.state,
        "state_label": STATE_LABEL[t.state],
        "doc_no": pr.doc_no,
        "decision_date": _opt(pr.decision_date),
        "authority": _unit(pr.authority),
        "region_code": pr.region_code,
        "status": pr.status,
        "status_date": _opt(pr.status_date),
        "status_reason": _opt(pr.status_reason),
        "published_at": _iso(t.published_at),
        "withdrawn_on": _iso(t.withdrawn_on),
    }


# Shards --------------------------------------------------------------------------------------
def shard_path(shard: str) -> str:
    return SHARD_PATH.format(shard=shard)


def id_prefix(record_id: str) -> str:
    """Where an API user looks for a record first: its id without the last ``-<number>``."""
    return record_id.rpartition("-")[0]


@dataclass
class Shard:
    """The public records and withdrawal notices of one record folder (snapshot order: newest
    first), with what its key is made of."""

    name: str
    dept: str
    kind: str
    year: str
    records: list[Entry] = field(default_factory=list)
    notices: list[Entry] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)  # per entry: Entry.key

    @property
    def path(self) -> str:
        return shard_path(self.name)


@dataclass
class ShardPlan:
    shards: dict[str, Shard]  # by name, sorted
    elsewhere: dict[str, str]  # id -> shard, where the shard is not id_prefix(id)

    @property
    def records(self) -> int:
        return sum(len(s.records) for s in self.shards.values())

    @property
    def notices(self) -> int:
        return sum(len(s.notices) for s in self.shards.values())


def plan_shards(snapshot: Snapshot) -> ShardPlan:
    """Every public record and withdrawal notice in its shard, in one pass over the snapshot (at
    100,000 records, touching each entry's objects once is most of the cost of an unchanged build).

    Each shard's ``inputs`` are what its key is made of: per entry ``Entry.key`` (file, time-rule
    result, catalog item, past names: everything its public projection and history come from)."""
    notice_ids = {id(e) for e in snapshot.withdrawal_notices()}
    shards: dict[str, Shard] = {}
    elsewhere: dict[str, str] = {}
    for e in snapshot.entries:
        if e.timeline.state in PUBLIC_STATES:
            notice = False
        elif id(e) in notice_ids:
            notice = True
        else:
            continue
        r = e.record
        kind = r.folder_kind or r.kind  # the same once validated; the folder names the shard
        name = f"{r.dept}-{KIND_CODE.get(kind, kind)}-{r.folder_year}"
        shard = shards.get(name)
        if shard is None:
            shard = shards[name] = Shard(name, r.dept, kind, r.folder_year)
        rid = r.id
        if rid.rpartition("-")[0] != name:  # not where id_prefix(rid) points
            elsewhere[rid] = name
        if notice:
            shard.notices.append(e)
            shard.inputs.append("notice " + e.key)
            continue
        shard.records.append(e)
        shard.inputs.append(e.key)
    return ShardPlan(dict(sorted(shards.items())), dict(sorted(elsewhere.items())))


def shard_key(shard: Shard, snapshot: Snapshot, page_url: PageUrl | None) -> str:
    """Everything the shard file is made from: its entries (``Shard.inputs``),
    the registry (department names) and the record page address pattern. Not the as-of date: the
    file does not show it, and a record's change of state is in its ``Entry.key``."""
    head = [SHARD_FORMAT, shard.name, snapshot.registry_key, _page_url(page_url, "{id}")]
    return digest("\n".join(head + shard.inputs))


def shard_document(shard: Shard, snapshot: Snapshot, page_url: PageUrl | None) -> dict:
    """The shard file (schema: api-shard.schema.json)."""
    return {
        "format": SHARD_FORMAT,
        "shard": shard.name,
        "department": shard.dept,
        "kind": shard.kind,
        "year": shard.year,
        "records": [record_document(e, snapshot, page_url) for e in shard.records],
        "withdrawn": [notice_document(e, snapshot, page_url) for e in shard.notices],
    }


# Writing -------------------------------------------------------------------------------------
def dump(doc: dict) -> bytes:
    """Indented JSON (the index: small, read by people too)."""
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def dump_gzip(doc: dict) -> bytes:
    """Compact JSON, gzip-compressed without a timestamp (same document, same bytes)."""
    data = (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)


def load_gzip(data: bytes) -> dict:
    """The inverse of ``dump_gzip`` (tests, tools)."""
    return json.loads(gzip.decompress(data).decode("utf-8"))


def write_json_api(
    snapshot: Snapshot,
    out_dir: Path,
    page_url: PageUrl | None = None,
    output: FileTarget | None = None,
) -> dict:
    """Write the index, every shard and the schemas; returns counts. ``output`` (the site's) calls
    a shard's ``produce`` only when its key changed since the last build; without it, the files are
    written under ``out_dir``."""
    out = output if output is not None else OutputWriter(Path(out_dir))
    made = 0

    def producer(shard: Shard) -> Callable[[], bytes]:
        def produce() -> bytes:
            nonlocal made
            made += 1
            return dump_gzip(shard_document(shard, snapshot, page_url))

        return produce

    plan = plan_shards(snapshot)
    for shard in plan.shards.values():
        out.write_keyed(shard.path, shard_key(shard, snapshot, page_url), producer(shard))
    out.write(INDEX_PATH, dump(index_document(snapshot, plan, page_url)))
    for name in API_SCHEMAS:
        out.write(f"api/schema/{name}", (SCHEMA_DIR / name).read_bytes())
    return {
        "records": plan.records,
        "notices": plan.notices,
        "shards": len(plan.shards),
        "shards_made": made,
    }


def index_document(snapshot: Snapshot, plan: ShardPlan, page_url: PageUrl | None = None) -> dict:
    """``api/index.json`` (schema: api-index.schema.json): counts and shards; shows the as-of date.
    Counts come from the shards (no second pass over the records): a department's are those of its
    record folders."""
    reg = snapshot.registry
    shards = plan.shards.values()
    counts: dict[str, dict] = {}
    for s in shards:
        c = counts.setdefault(s.dept, {**dict.fromkeys(KINDS, 0), "withdrawn": 0})
        c[s.kind] += len(s.records)
        c["withdrawn"] += len(s.notices)
    departments = []
    for key in sorted(set(reg.departments) | set(counts)):
        dept = reg.departments.get(key)
        c = counts.get(key) or {**dict.fromkeys(KINDS, 0), "withdrawn": 0}
        departments.append(
            {
                "key": key,
                "name": dept.name if dept else key,
                "short_name": (dept.short_name or dept.name) if dept else key,
                "uscc": dept.uscc if dept else "",
                "counts": {k: c[k] for k in KINDS},
                "withdrawn": c["withdrawn"],
            }
        )
    total = {k: sum(d["counts"][k] for d in departments) for k in KINDS}
    return {
        "format": INDEX_FORMAT,
        "as_of": snapshot.as_of.isoformat(),
        "title": str(reg.policy.get("site", {}).get("title", "")) or "双公示",
        "counts": {**total, "withdrawn": plan.notices},
        "departments": departments,
        "shards": [
            {
                "shard": s.name,
                "url": s.path,
                "department": s.dept,
                "kind": s.kind,
                "year": s.year,
                "records": len(s.records),
                "withdrawn": len(s.notices),
            }
            for s in shards
        ],
        "shard_url_template": SHARD_PATH,
        "shard_of": plan.elsewhere,
        "page_url_template": _page_url(page_url, "{id}"),
        "schemas": {name.removesuffix(".schema.json"): f"api/schema/{name}" for name in API_SCHEMAS},
        "feeds": {"all": "feeds/all.atom.xml", "department": "feeds/{key}.atom.xml"},
        "downloads": "data/",
    }


def write_extra(snapshot: Snapshot, out_dir: Path, site: SiteOutput) -> dict:
    """Site hook (``outputs.registry.OUTPUTS``): the JSON documents, linked to the site's record pages.
    No cyclic garbage collection meanwhile: a collection walks every object of a large snapshot."""
    with gcpause.paused():
        return write_json_api(snapshot, out_dir, page_url=site.record_url, output=site)
