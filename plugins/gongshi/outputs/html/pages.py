"""Which pages the site has, where they live and what each one lists (plain Python, no Pelican).

Input is a ``Snapshot``; output is a ``SitePlan``: small ``Page`` objects (output path, template,
context of plain views) plus the record pages, produced lazily because there can be 100k of them.
Records are read only through their public projection (``public.record.public_record``) and
turned into page fields by ``recordview``, so everything here handles public views only.

URL scheme (stable: record URLs are derived from the record id and nothing else)::

    index.html                         home
    list/<licence|penalty>/[N.html]    rolling 10-day lists (50 rows a page, newest first)
    archives/                          archive index (by year/month and by department/year)
    archives/<YYYY>/<MM>/[N.html]      public records decided in that month
    archives/<dept>/<YYYY>/[N.html]    public records of a department decided in that year
    archives/<dept>/withdrawn/[N.html] a department's withdrawal notices (newest decided first)
    r/<id>.html                        one record (or its withdrawal notice)
    dept/                              all departments and their 双公示目录
    dept/<key>/                        one department: catalog and recent decisions
    rules.html                         the disclosure rules in force
    sitemap.html                       网站地图: every section, department, feed and data file
    404.html
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

from gongshi.core.keys import digest, entries_key
from gongshi.core.records import KIND_LABEL, KINDS
from gongshi.core.timeline import LISTED, PUBLIC_STATES, STATE_LABEL
from gongshi.public import recordview as rv
from gongshi.public.record import PublicRecord, public_record
from gongshi.rules.policy import NATIONAL, WITHHELD_LABELS, ZHONGLOU_NAME, months_label
from gongshi.rules.regimes import CIVIL_CODE, CIVIL_CODE_ARTICLES
from gongshi.site.urls import org_path, record_path, url_of

if TYPE_CHECKING:
    from gongshi.snapshot.build import Entry, Snapshot


PAGE_SIZE = 50
HOME_ROWS = 10
RECENT_ROWS = 20
SITEMAP_PAGE = "sitemap.html"  # for people; sitemap.xml is for search engines
KIND_SLUG = {"licence": "licence", "penalty": "penalty"}
LIST_TITLE = {"licence": "行政许可公示", "penalty": "行政处罚公示"}


@dataclass(frozen=True)
class Row:
    """One line of a list page."""

    id: str
    url: str
    kind: str
    kind_label: str
    doc_no: str
    party: str
    title: str
    dept: str
    dept_name: str
    decided: str
    published: str
    state_label: str


@dataclass(frozen=True)
class Pager:
    number: int  # 1-based
    count: int
    urls: tuple[str, ...]  # link of every page, in order

    @property
    def prev_url(self) -> str | None:
        return self.urls[self.number - 2] if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.urls[self.number] if self.number < self.count else None

    def window(self, radius: int = 2) -> list[tuple[int, str] | None]:
        """Page links to show: first, last and ``radius`` around the current one; None = gap."""
        keep = {1, self.count, *range(self.number - radius, self.number + radius + 1)}
        out: list[tuple[int, str] | None] = []
        for n in range(1, self.count + 1):
            if n in keep:
                if out and out[-1] is not None and out[-1][0] != n - 1:
                    out.append(None)
                out.append((n, self.urls[n - 1]))
        return out


@dataclass
class Page:
    """One output page. ``content`` is the template context, or a function that makes it: pages
    of many rows are only built when they are rendered. ``key`` (optional) digests everything the
    page shows besides the shared template variables, so an unchanged page is kept without
    rendering (``sitewrite``); ``stable`` pages do not show the as-of date (it is not passed to
    them), so they stay the same from one day to the next unless their records change."""

    path: str
    template: str
    content: dict | Callable[[], dict]
    in_sitemap: bool = True
    key: str | None = None
    stable: bool = False

    @property
    def url(self) -> str:
        return url_of(self.path)

    @cached_property
    def context(self) -> dict:
        return self.content() if callable(self.content) else self.content


def paginate(base: str, rows: list, size: int = PAGE_SIZE) -> list[tuple[str, list, Pager]]:
    """Split ``rows`` into pages under folder ``base``: ``index.html``, ``2.html``, ... (at least one)."""
    count = max(1, -(-len(rows) // size))
    paths = [f"{base}index.html" if n == 1 else f"{base}{n}.html" for n in range(1, count + 1)]
    urls = tuple(url_of(p) for p in paths)
    return [(paths[n], rows[n * size : (n + 1) * size], Pager(n + 1, count, urls)) for n in range(count)]


@dataclass
class SitePlan:
    snapshot: Snapshot
    pages: list[Page] = field(default_factory=list)
    public: list[Entry] = field(default_factory=list)
    notices: list[Entry] = field(default_factory=list)

    def public_record(self, e: Entry) -> PublicRecord:
        """The one public projection of an entry's record (built once per entry and build)."""
        return public_record(e, self.snapshot.registry.departments)

    def record_entries(self) -> list[tuple[Entry, bool]]:
        """Entries with a page of their own: public records, then withdrawal notices (True)."""
        return [(e, False) for e in self.public] + [(e, True) for e in self.notices]

    def record_pages(self) -> Iterator[Page]:
        for entry, notice in self.record_entries():
            yield self.record_page(entry, notice)

    def record_page(self, e: Entry, notice: bool = False) -> Page:
        """The page of a public record, or the withdrawal notice of a withdrawn published one."""
        pr = self.public_record(e)
        if notice:
            return Page(
                record_path(pr.id),
                "notice",
                {
                    "title": f"{pr.doc_no} 撤回公告",
                    "record_id": pr.id,
                    "kind_label": pr.kind_label,
                    "status": pr.status,
                    "status_date": pr.status_date,
                    "fields": rv.notice_fields(pr),
                },
            )
        return Page(
            record_path(pr.id),
            "record",
            {
                "title": f"{pr.doc_no} {pr.party_name}",
                "heading": f"{pr.party_name} {pr.kind_label}决定",
                "doc_no": pr.doc_no,
                "record_id": pr.id,
                "kind": pr.kind,
                "kind_label": pr.kind_label,
                "party_fields": rv.party_fields(pr),
                "decision_fields": rv.decision_fields(pr),
                "timeline": rv.timeline_fields(e.timeline),
                "history": rv.history_rows(pr, e.timeline),
                "state": e.state,
                "state_label": STATE_LABEL.get(e.state, e.state),
                "list_until": rv.iso(e.timeline.list_until),
                "disclosure_until": rv.iso(e.timeline.disclosure_until),
                "dept": pr.authority.key,
                "dept_name": pr.authority.name,
                "org_url": org_path(pr.org_code) if pr.org_code else "",
            },
        )

    def sitemap_paths(self) -> list[str]:
        """Public pages and withdrawal notices (a revoked decision must be findable: the notice
        is what proves it); no 404."""
        out = [p.path for p in self.pages if p.in_sitemap]
        out += [record_path(e.id) for e in self.public]
        out += [record_path(e.id) for e in self.notices]
        return out


def _dept_name(registry, key: str, day=None) -> str:
    """The department's name in force on ``day`` (a decision date; None: the current name)."""
    d = registry.departments.get(key)
    return d.name_on(day) if d else key


def make_row(entry: Entry, registry) -> Row:
    t = entry.timeline
    pr = public_record(entry, registry.departments)
    return Row(
        id=pr.id,
        url=record_path(pr.id),
        kind=pr.kind,
        kind_label=pr.kind_label,
        doc_no=pr.doc_no,
        party=pr.party_name,
        title=pr.title,
        dept=pr.authority.key,
        dept_name=pr.authority.name,
        decided=rv.iso(t.decision_date),
        published=rv.iso(t.published_at),
        state_label=STATE_LABEL.get(t.state, t.state),
    )


def make_notice_row(entry: Entry, registry) -> Row:
    """A line for a withdrawal notice: its document number, authority and status, never the party
    or the content of the withdrawn decision (the same fields as the notice page)."""
    t = entry.timeline
    pr = public_record(entry, registry.departments)
    return Row(
        id=pr.id,
        url=record_path(pr.id),
        kind=pr.kind,
        kind_label=pr.kind_label,
        doc_no=pr.doc_no,
        party="撤回公告",
        title=f"已{pr.status}" + (f"（{pr.status_date}）" if pr.status_date else ""),
        dept=pr.authority.key,
        dept_name=pr.authority.name,
        decided=rv.iso(t.decision_date),
        published=rv.iso(t.published_at),
        state_label=STATE_LABEL.get(t.state, t.state),
    )


def _kind(e: Entry) -> str:
    """licence/penalty from the record's folder (validation makes ``kind`` agree with it): reading
    the folder does not unpack a cached record's data, which most pages of a rebuild never need."""
    return e.record.folder_kind or e.record.kind


def _newest_decided_first(entries: list[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (-e.timeline.decision_date.toordinal(), e.record.id))


def _memoised_rows(
    make: Callable[[Entry], Row],
) -> tuple[Callable[[Entry], Row], Callable[[list[Entry]], Callable[[], list[Row]]]]:
    """``make`` once per record id (a row is shown on several pages), and a lazy list of rows:
    a page builds its rows only when it is rendered."""
    memo: dict[str, Row] = {}

    def one(e: Entry) -> Row:
        hit = memo.get(e.id)
        if hit is None:
            hit = memo[e.id] = make(e)
        return hit

    def of(entries: list[Entry]) -> Callable[[], list[Row]]:
        return lambda: [one(e) for e in entries]

    return one, of


def plan_site(snapshot: Snapshot, *, page_size: int = PAGE_SIZE) -> SitePlan:
    """Every page of the site for this snapshot (record pages lazily via ``SitePlan.record_pages``).
    List pages carry a key (their entries' keys and what else they show) and build their rows
    only when rendered, so a rebuild renders only the pages whose records changed."""
    reg = snapshot.registry
    public = [e for e in snapshot.entries if e.timeline.state in PUBLIC_STATES]
    notices = list(snapshot.withdrawal_notices())
    plan = SitePlan(snapshot=snapshot, public=public, notices=notices)
    row, rows_of = _memoised_rows(lambda e: make_row(e, reg))

    pages = plan.pages
    shared = snapshot.registry_key  # department names appear in every row

    # Rolling lists: newest publication first (the snapshot's order).
    listed: dict[str, list[Entry]] = {k: [] for k in KINDS}
    for e in public:
        if e.timeline.state == LISTED:
            listed[_kind(e)].append(e)
    for kind in KINDS:
        for path, chunk, pager in paginate(f"list/{KIND_SLUG[kind]}/", listed[kind], page_size):
            head = {
                "title": LIST_TITLE[kind],
                "kind": kind,
                "pager": pager,
                "total": len(listed[kind]),
                "list_days": snapshot.policy.list_days,
            }
            pages.append(
                Page(
                    path,
                    "list",
                    _with_rows(head, rows_of(chunk)),
                    key=digest(shared, repr(head), entries_key(chunk)),
                )
            )

    # Archives: public records by decision month and by department and year, newest decided first.
    # Sorted once: every group below is filled in this order, so it is sorted too.
    by_month: dict[tuple[int, int], list[Entry]] = defaultdict(list)
    by_dept_year: dict[tuple[str, int], list[Entry]] = defaultdict(list)
    by_dept: dict[str, list[Entry]] = defaultdict(list)
    counts = {k: {"licence": 0, "penalty": 0} for k in reg.departments}
    for e in _newest_decided_first(public):
        d = e.timeline.decision_date
        dept = e.department.key
        by_month[(d.year, d.month)].append(e)
        by_dept_year[(dept, d.year)].append(e)
        by_dept[dept].append(e)
        counts.setdefault(dept, {"licence": 0, "penalty": 0})[_kind(e)] += 1
    groups: list[tuple[str, str, list[Entry], dict]] = []
    for (y, m), group in sorted(by_month.items(), reverse=True):
        groups.append((f"archives/{y:04d}/{m:02d}/", f"{y} 年 {m} 月作出的决定", group, {}))
    for (dept, y), group in sorted(by_dept_year.items(), key=lambda kv: (kv[0][0], -kv[0][1])):
        groups.append(
            (f"archives/{dept}/{y:04d}/", f"{_dept_name(reg, dept)} {y} 年作出的决定", group, {"dept": dept})
        )
    for folder, title, ordered, extra in groups:
        for path, chunk, pager in paginate(folder, ordered, page_size):
            head = {"title": title, "pager": pager, "total": len(ordered), **extra}
            pages.append(
                Page(
                    path,
                    "archive",
                    _with_rows(head, rows_of(chunk)),
                    key=digest(shared, repr(head), entries_key(chunk)),
                    stable=True,
                )
            )
    # Withdrawal notices per department: a revoked decision stays findable by browsing too.
    notices_by_dept: dict[str, list[Entry]] = defaultdict(list)
    for e in _newest_decided_first(notices):
        notices_by_dept[e.department.key].append(e)
    _notice_row, notice_rows = _memoised_rows(lambda e: make_notice_row(e, reg))

    withdrawn_lists: dict[str, tuple[int, str]] = {}
    for dept, ordered in sorted(notices_by_dept.items()):
        folder = f"archives/{dept}/withdrawn/"
        withdrawn_lists[dept] = (len(ordered), url_of(f"{folder}index.html"))
        for path, chunk, pager in paginate(folder, ordered, page_size):
            head = {"title": f"{_dept_name(reg, dept)} 撤回公告", "pager": pager, "total": len(ordered)}
            pages.append(
                Page(
                    path,
                    "withdrawn",
                    _with_rows(head, notice_rows(chunk)),
                    key=digest(shared, repr(head), entries_key(chunk)),
                    stable=True,
                )
            )
    years: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for (y, m), group in sorted(by_month.items(), reverse=True):
        years[y].append((m, len(group), url_of(f"archives/{y:04d}/{m:02d}/index.html")))
    dept_years: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for (dept, y), group in sorted(by_dept_year.items(), key=lambda kv: (kv[0][0], -kv[0][1])):
        dept_years[dept].append((y, len(group), url_of(f"archives/{dept}/{y:04d}/index.html")))
    pages.append(
        Page(
            "archives/index.html",
            "archives",
            {
                "title": "归档查询",
                "years": sorted(years.items(), reverse=True),
                "departments": [
                    (k, _dept_name(reg, k), dept_years.get(k, [])) for k in sorted(reg.departments)
                ],
                "withdrawn": withdrawn_lists,
                "total": len(public),
            },
            stable=True,
        )
    )

    # Departments: the catalog of all departments, then one page each.
    dept_rows = []
    for key in sorted(reg.departments):
        d = reg.departments[key]
        items = reg.catalog_by_dept.get(key, [])
        dept_rows.append(
            {
                "key": key,
                "name": d.name,
                "url": url_of(f"dept/{key}/index.html"),
                "items": {k: sum(1 for i in items if i.kind == k) for k in KINDS},
                "public": counts.get(key, {}),
            }
        )
        recent = by_dept.get(key, [])[:RECENT_ROWS]
        recent_notices = notices_by_dept.get(key, [])[:RECENT_ROWS]
        head = {
            "title": d.name,
            "years": dept_years.get(key, []),
            "counts": counts.get(key, {}),
            "withdrawn": withdrawn_lists.get(key),
        }
        context = _dept_context(head, d, items, rows_of(recent))
        pages.append(
            Page(
                f"dept/{key}/index.html",
                "department",
                _with_notices(context, notice_rows(recent_notices)),
                key=digest(shared, repr(head), entries_key(recent), entries_key(recent_notices)),
            )
        )
    pages.append(
        Page("dept/index.html", "departments", {"title": "部门与双公示目录", "departments": dept_rows})
    )

    # Home: counts, today's rolling lists, latest changes.
    # Latest changes: the newest commit touching each public record (ISO times, all +08:00).
    latest = heapq.nlargest(  # = sorted(..., reverse=True)[:HOME_ROWS], without sorting them all
        HOME_ROWS, (e for e in public if e.history), key=lambda e: (e.history[0].committed_at, e.record.id)
    )
    pages.append(
        Page(
            "index.html",
            "home",
            lambda: {
                "title": "首页",
                "listed": {k: [row(e) for e in listed[k][:HOME_ROWS]] for k in KINDS},
                "listed_total": {k: len(listed[k]) for k in KINDS},
                "public_total": {k: sum(c.get(k, 0) for c in counts.values()) for k in KINDS},
                "dept_count": len(reg.departments),
                "latest": [
                    (e.history[0].date.isoformat(), rv.CHANGE_ACTION.get(e.history[0].status, ""), row(e))
                    for e in latest
                ],
                "list_days": snapshot.policy.list_days,
            },
        )
    )
    pages.append(Page("rules.html", "rules", {"title": "公示规则", "rules": rules_view(snapshot)}))
    pages.append(
        Page(
            SITEMAP_PAGE,
            "sitemap",
            {
                "title": "网站地图",
                "departments": [
                    {
                        "key": k,
                        "name": reg.departments[k].name,
                        "url": url_of(f"dept/{k}/index.html"),
                        "feed": f"feeds/{k}.atom.xml",
                    }
                    for k in sorted(reg.departments)
                ],
            },
            stable=True,
        )
    )
    pages.append(Page("404.html", "404", {"title": "页面不存在"}, in_sitemap=False, stable=True))
    return plan


def _with_rows(head: dict, rows: Callable[[], list[Row]]) -> Callable[[], dict]:
    return lambda: {**head, "rows": rows()}


def _with_notices(context: Callable[[], dict], notices: Callable[[], list[Row]]) -> Callable[[], dict]:
    return lambda: {**context(), "notices": notices()}


def _dept_context(head: dict, dept, items, recent: Callable[[], list[Row]]) -> Callable[[], dict]:
    return lambda: {
        **head,
        "dept": dept,
        "catalog": {k: [i for i in items if i.kind == k] for k in KINDS},
        "recent": recent(),
    }


def rules_view(snapshot: Snapshot) -> dict:
    """The disclosure rules in force, as plain values for the rules page (from ``policy.yaml``):
    the regime actually configured, its periods and how they are counted."""
    p = snapshot.policy
    national = []
    if p.regime == NATIONAL:
        for reg in p.national_regimes:
            national.append(
                {
                    "name": reg.name,
                    "from": rv.iso(reg.in_force_from),
                    "until": rv.iso(reg.in_force_until) or "现行有效",
                    "periods": [
                        (
                            sev,
                            months_label(per.min_months) if per.publish else "不公示",
                            months_label(per.max_months)
                            if per.publish
                            else (
                                f"原则上不公示；确有必要的最长 {months_label(per.opt_in_max_months)}"
                                if per.opt_in_max_months
                                else "不公示"
                            ),
                        )
                        for sev, per in reg.periods.items()
                    ],
                    "domains": [
                        f"{domain}领域最短 {months_label(m)}"
                        for domain, m in sorted(reg.domain_min_months.items())
                    ],
                }
            )
    market = p.market_supervision if p.regime == NATIONAL else None
    civil = p.period_convention == CIVIL_CODE
    return {
        "regime": p.regime,
        "regime_name": ZHONGLOU_NAME if p.regime != NATIONAL else "全国行政处罚信息公示规定",
        "deadline_workdays": p.deadline_workdays,
        "list_days": p.list_days,
        "list_rule": (
            f"自公示之日起 {p.list_days} 天，公示当日不计入（公示日 D 起至 D+{p.list_days}）"
            if civil
            else f"自公示之日起 {p.list_days} 天（含当日）"
        ),
        "period_rule": (
            f"期间开始的当日不计入，按年、月计算的至对应日届满，没有对应日的至该月末日（{CIVIL_CODE_ARTICLES}）"
            if civil
            else "期间开始的当日计入"
        ),
        "default_query_years": p.default_query_years,
        "query_scope": (
            f"行政许可，以及全国公示期规定施行（{rv.iso(p.national_regimes[0].in_force_from)}）以前作出的行政处罚"
            if p.regime == NATIONAL and p.national_regimes
            else ""
        ),
        "records_since": rv.iso(p.records_since),
        "platform_start": rv.iso(p.platform_start),
        "withdrawal_workdays": p.withdrawal_workdays,
        "national": national,
        "minor_opt_in": [f"{d}：{months_label(m)}" for d, m in sorted(p.minor_opt_in.items())]
        if national
        else [],
        "market": (
            {
                "name": market.name,
                "from": rv.iso(market.in_force_from),
                "departments": [
                    snapshot.registry.departments[k].name if k in snapshot.registry.departments else k
                    for k in market.departments
                ],
                "short": months_label(market.short_months),
                "long": months_label(market.long_months),
                "low_fine": market.low_fine_max_yuan,
            }
            if market is not None
            else None
        ),
        "withheld_labels": sorted(set(WITHHELD_LABELS.values())),
        "states": [(STATE_LABEL[s], s) for s in STATE_LABEL],
        "kinds": [KIND_LABEL[k] for k in KINDS],
        "as_of": snapshot.as_of.isoformat(),
    }


def as_of_label(d: date) -> str:
    return f"{d.year} 年 {d.month} 月 {d.day} 日"
