"""The assessment dashboard (评估考核, ``dashboard/index.html``): the figures of ``stats`` as
accessible SVG charts drawn at build time, each beside a table with the same numbers.

Charts are plain SVG strings (no script, no inline style: the site's Content-Security-Policy forbids
both); colours are presentation attributes. Every chart has ``role="img"`` with ``<title>`` and
``<desc>`` referenced by ``aria-labelledby``; the table beside it is the accessible, printable
source of truth. Late records are listed only when public (linked); the rest are counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from gongshi.core import cachefile, gcpause
from gongshi.outputs.assessment import MEASURES, Assessment, assess, bulletin, bulletin_month, per_100
from gongshi.outputs.stats import Figures, Stats, compute_stats, percent
from gongshi.site.output import SiteOutput

if TYPE_CHECKING:
    from gongshi.snapshot.build import Snapshot

PAGE = "dashboard/index.html"
TEMPLATE = "dashboard.html"
BULLETIN_PAGE = "dashboard/bulletin.html"  # the monthly 通报 (方案 §六(四)), printable
BULLETIN_TEMPLATE = "bulletin.html"
# Colours with at least 3:1 contrast against white (WCAG 1.4.11, non-text contrast).
LICENCE_COLOUR = "#1f5fa8"
PENALTY_COLOUR = "#a8441f"
RATE_COLOUR = "#2d6a2d"
DELAY_COLOUR = "#8a4b00"
TEXT_COLOUR = "#222222"
AXIS_COLOUR = "#595959"
MAX_MONTHS = 24
MIN_BAR = 3  # px: the shortest bar drawn for a value above zero


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    desc: str
    svg: str


def _esc(text: object) -> str:
    return escape(str(text), quote=True)


def _svg(chart_id: str, title: str, desc: str, width: int, height: int, body: list[str]) -> Chart:
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{chart_id}-t {chart_id}-d" focusable="false">'
        f'<title id="{chart_id}-t">{_esc(title)}</title><desc id="{chart_id}-d">{_esc(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )
    return Chart(chart_id, title, desc, svg)


def _text(x: float, y: float, text: object, *, anchor: str = "start", size: int = 12) -> str:
    return (
        f'<text x="{x:g}" y="{y:g}" font-size="{size}" text-anchor="{anchor}" fill="{TEXT_COLOUR}">'
        f"{_esc(text)}</text>"
    )


def _rect(x: float, y: float, w: float, h: float, fill: str) -> str:
    return f'<rect x="{x:g}" y="{y:g}" width="{max(w, 0):g}" height="{max(h, 0):g}" fill="{fill}"/>'


def text_width(text: object, size: float) -> float:
    """About how wide ``text`` is drawn at ``size`` px: CJK and full-width characters one em, the
    rest (digits, Latin, %) about 0.6 em (enough to keep labels inside the chart)."""
    return sum(size if ord(ch) >= 0x2E80 else size * 0.6 for ch in str(text))


def _bar_length(full: float, value: float, peak: float) -> float:
    """``full * value / peak``, but at least ``MIN_BAR`` for any value above zero: a count of 1
    next to a peak of thousands must still be visible."""
    if value <= 0 or peak <= 0:
        return 0.0
    return max(full * value / peak, MIN_BAR)


def _line(x1: float, y1: float, x2: float, y2: float) -> str:
    return f'<line x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}" stroke="{AXIS_COLOUR}" stroke-width="1"/>'


def volume_chart(months: list[tuple[str, Figures]]) -> Chart:
    """Stacked bars: records published per month (许可 + 处罚)."""
    width, height, left, bottom, top = 640, 260, 40, 40, 20
    plot_h = height - bottom - top
    peak = max([f.published for _, f in months] + [1])
    n = max(len(months), 1)
    slot = (width - left - 10) / n
    bar = min(40.0, slot * 0.7)
    body = [
        _line(left, top, left, height - bottom),
        _line(left, height - bottom, width - 10, height - bottom),
    ]
    body += [
        _text(left - 6, height - bottom + 4, 0, anchor="end"),
        _text(left - 6, top + 4, peak, anchor="end"),
    ]
    for i, (month, f) in enumerate(months):
        x = left + i * slot + (slot - bar) / 2
        lic, pen = f.published_by_kind["licence"], f.published_by_kind["penalty"]
        h_lic, h_pen = _bar_length(plot_h, lic, peak), _bar_length(plot_h, pen, peak)
        base = height - bottom
        if h_lic:
            body.append(_rect(x, base - h_lic, bar, h_lic, LICENCE_COLOUR))
        if h_pen:
            body.append(_rect(x, base - h_lic - h_pen, bar, h_pen, PENALTY_COLOUR))
        body.append(_text(x + bar / 2, base - h_lic - h_pen - 4, f.published, anchor="middle", size=11))
        if n <= 12 or i % max(1, n // 12) == 0:
            body.append(_text(x + bar / 2, base + 16, month[2:], anchor="middle", size=11))
    body.append(_rect(left + 10, height - 14, 10, 10, LICENCE_COLOUR))
    body.append(_text(left + 24, height - 5, "行政许可", size=11))
    body.append(_rect(left + 90, height - 14, 10, 10, PENALTY_COLOUR))
    body.append(_text(left + 104, height - 5, "行政处罚", size=11))
    parts = "；".join(
        f"{m}：许可 {f.published_by_kind['licence']}，处罚 {f.published_by_kind['penalty']}"
        for m, f in months
    )
    desc = f"柱状图，按月显示公示的记录数（许可与处罚叠加）。{parts or '没有数据'}。"
    return _svg("chart-volume", "每月公示数量", desc, width, height, body)


def rate_chart(rows: list[tuple[str, Figures]]) -> Chart:
    """Horizontal bars: on-time rate per department (0–100 %). Each name stands on its own line
    above its bar, so a long name is never cut off; the margin right of the bars fits the widest
    label ("100.0%（1234/1234）")."""
    left, top, name_h, bar_h, gap, axis_h = 8, 10, 16, 14, 10, 24
    labels = [
        f"{percent(f.on_time_rate)}（{f.on_time}/{f.timed}）"
        if f.on_time_rate is not None
        else "无可计时记录"
        for _name, f in rows
    ]
    right = max([text_width(label, 11) for label in labels] + [40.0]) + 12
    widest = max([text_width(name, 12) for name, _f in rows] + [0.0])
    width = max(640, round(left + widest + 8), round(left + right + 200))
    plot_w = width - left - right
    row_h = name_h + bar_h + gap
    height = top + row_h * max(len(rows), 1) + axis_h
    body = []
    for i, ((name, f), label) in enumerate(zip(rows, labels, strict=True)):
        y = top + i * row_h
        body.append(_text(left, y + 12, name))
        body.append(_line(left, y + name_h - 2, left, y + name_h + bar_h + 2))  # the 0 % baseline
        rate = f.on_time_rate
        bar = _bar_length(plot_w, rate or 0, 1)
        if bar:
            body.append(_rect(left, y + name_h, bar, bar_h, RATE_COLOUR))
        body.append(_text(left + bar + 6, y + name_h + bar_h - 3, label, size=11))
    body.append(_text(left, height - 6, "0%", anchor="start", size=11))
    body.append(_text(left + plot_w, height - 6, "100%", anchor="middle", size=11))
    desc = "条形图，各部门在 7 个工作日内公示的比例。" + "；".join(
        f"{name}：{percent(f.on_time_rate)}" for name, f in rows
    )
    return _svg("chart-rate", "各部门按时公示率", desc + "。", width, height, body)


def delay_chart(total: Figures) -> Chart:
    """Bars: how many records were on time, and late by 1, 2, … working days."""
    dist = total.delay_distribution()
    buckets = [("按时", total.on_time)] + [(f"{d} 天", n) for d, n in dist.items()]
    width, height, left, bottom, top = 640, 220, 40, 30, 20
    peak = max([n for _, n in buckets] + [1])
    slot = (width - left - 10) / max(len(buckets), 1)
    bar = min(48.0, slot * 0.7)
    plot_h = height - bottom - top
    body = [_line(left, height - bottom, width - 10, height - bottom)]
    for i, (label, n) in enumerate(buckets):
        x = left + i * slot + (slot - bar) / 2
        h = _bar_length(plot_h, n, peak)
        if h:
            body.append(_rect(x, height - bottom - h, bar, h, RATE_COLOUR if i == 0 else DELAY_COLOUR))
        body.append(_text(x + bar / 2, height - bottom - h - 4, n, anchor="middle", size=11))
        body.append(_text(x + bar / 2, height - bottom + 16, label, anchor="middle", size=11))
    desc = "柱状图，公示所用时间的分布（迟报按超过期限的工作日数）。" + "；".join(
        f"{lb}：{n} 条" for lb, n in buckets
    )
    return _svg("chart-delay", "迟报工作日分布", desc + "。", width, height, body)


def dashboard_context(
    stats: Stats,
    record_url,
    assessment: Assessment | None = None,
    short_names: dict[str, str] | None = None,
) -> dict:
    """Everything the template needs (data only; the template lays it out). Departments appear
    under their short names (``short_name`` in departments.yaml) so that tables and charts fit a
    phone; the full name is in each row's ``title``. No month after the as-of date is charted."""
    as_of_month = f"{stats.as_of.year:04d}-{stats.as_of.month:02d}"
    months = [
        (m, stats.by_month[m]) for m in stats.months() if stats.by_month[m].records and m <= as_of_month
    ][-MAX_MONTHS:]
    short = short_names or {}
    depts = [(short.get(k) or stats.departments[k], stats.by_dept[k], k) for k in stats.departments]
    completeness = {}
    for name, f, _key in depts:
        for kind, fields in f.completeness().items():
            for field_name, v in fields.items():
                completeness.setdefault(kind, {}).setdefault(field_name, {})[name] = v
    reasons = sorted({r for _, f, _ in depts for r in f.withheld_by_reason})
    return {
        "stats": stats,
        "total": stats.total,
        "months": months,
        "depts": depts,
        "charts": {
            "volume": volume_chart(months),
            "rate": rate_chart([(n, f) for n, f, _ in depts]),
            "delay": delay_chart(stats.total),
        },
        "late": [(x, record_url(x.id)) for x in stats.late_records],
        "completeness": completeness,
        "dept_names": [n for n, _, _ in depts],
        "reasons": reasons,
        "percent": percent,
        "full_names": stats.departments,
        "dept_short": {k: short.get(k) or n for k, n in stats.departments.items()},
        "assessment": assessment,
        "measures": MEASURES,
        "per_100": per_100,
    }


STATS_CACHE = "stats-parts.marshal"  # in cachefile.cache_dir: compute_stats' figures per part


def write_extra(snapshot: Snapshot, out_dir: Path, site: SiteOutput) -> dict:
    """Site hook (``outputs.registry.OUTPUTS``): render the dashboard page. The figures of each part of
    the snapshot are cached (``compute_stats``), so a rebuild after one change recomputes one part;
    the page itself (it shows the as-of date) is rendered every build: it is small."""
    cache = cachefile.cache_path(snapshot.root, STATS_CACHE)
    with gcpause.paused():  # a cyclic collection would walk every object of a large snapshot
        stats = compute_stats(snapshot, cache=cache)
        measures = assess(snapshot, stats)
        short = {k: d.short_name or d.name for k, d in snapshot.registry.departments.items()}
        ctx = dashboard_context(stats, site.record_url, measures, short)
        site.render(TEMPLATE, PAGE, title="评估考核", **ctx)
        month = bulletin_month(snapshot.as_of)
        report = bulletin(stats, measures, month)
        site.render(
            BULLETIN_TEMPLATE,
            BULLETIN_PAGE,
            title=f"双公示工作通报（{month}）",
            bulletin=report,
            short_names=short,
            full_names=stats.departments,
            measures=MEASURES,
            percent=percent,
            per_100=per_100,
            as_of=snapshot.as_of.isoformat(),
        )
    return {"late_public": len(stats.late_records), "late_not_public": stats.late_not_public}
