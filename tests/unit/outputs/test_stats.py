"""Statistics against figures computed by hand from the table in tests/support/opendata_repo.py."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from gongshi.cli import main
from gongshi.outputs.stats import compute_stats, render_csv, render_text, to_json

from tests.support.opendata_repo import (
    PUBLIC_PERSON,
    WITHHELD_PARTY,
    WITHHELD_SECRET,
    shared_repo,
    shared_snapshot,
)

# Working days (by the fixture's calendar) from the 补录 deadline 2016-08-20 to F's publication 2026-03-06.
F_DELAY = 2384


@pytest.fixture(scope="module")
def stats(tmp_path_factory):
    return compute_stats(shared_snapshot(tmp_path_factory))


def test_totals(stats):
    t = stats.total
    # 8 records: 7 committed and published, 1 withheld (简易程序).
    assert (t.records, t.published, t.withheld, t.preview) == (8, 7, 1, 0)
    assert dict(t.withheld_by_reason) == {"简易程序（归集上报、暂不公开）": 1}
    # Timed: A, D, G, H on time; B late 2; C late 1 (10-01..10-05 off); F back-filled (decided
    # 2016-05-10) but published in 2026, long after the 补录 deadline 2016-08-20: late too.
    # E withheld.
    assert (t.on_time, t.late, t.backfilled, t.timed) == (4, 3, 0, 7)
    assert t.on_time_rate == round(4 / 7, 4)
    assert t.delay_median == 2 and t.delay_max == F_DELAY
    assert t.delay_distribution() == {1: 1, 2: 1, F_DELAY: 1}
    assert t.corrections == 1 and t.corrected_records == 1
    assert dict(t.withdrawals) == {"撤销": 1} and t.repaired == 0


def test_per_department(stats):
    scjg, wjw, zhzf = stats.by_dept["scjg"], stats.by_dept["wjw"], stats.by_dept["zhzf"]
    assert (scjg.records, scjg.on_time, scjg.late, scjg.backfilled) == (6, 4, 2, 0)
    assert scjg.on_time_rate == round(4 / 6, 4) and scjg.delay_max == F_DELAY
    assert (wjw.records, wjw.on_time, wjw.late, wjw.on_time_rate, wjw.delay_median) == (1, 0, 1, 0.0, 2.0)
    assert (zhzf.records, zhzf.withheld, zhzf.timed, zhzf.on_time_rate) == (1, 1, 0, None)


def test_per_month_and_event_months(stats):
    assert stats.months() == ["2026-03", "2026-04", "2026-05", "2026-09", "2026-10"]
    march = stats.by_month["2026-03"]
    # A, G, F (03-06), D (03-09), B (03-18), E (03-20).
    assert (march.records, march.published, march.withheld, march.on_time, march.late) == (6, 5, 1, 3, 2)
    # The correction counts in April (its date 04-01), the withdrawal in May (status_date 05-10).
    assert stats.by_month["2026-04"].corrections == 1 and stats.by_month["2026-04"].records == 0
    assert dict(stats.by_month["2026-05"].withdrawals) == {"撤销": 1}
    oct_scjg = stats.by_dept_month[("scjg", "2026-10")]
    assert (oct_scjg.records, oct_scjg.late, oct_scjg.delays) == (1, 1, [1])
    sep = stats.by_dept_month[("scjg", "2026-09")]
    assert (sep.records, sep.on_time) == (1, 1)


def test_completeness(stats):
    comp = stats.by_dept["scjg"].completeness()
    # scjg penalties C, D, G, H, F: 处罚有效期 filled by G and F.
    assert comp["penalty"]["处罚有效期"] == {"filled": 2, "applicable": 5, "share": 0.4}
    # Organisation-only fields do not apply to the natural persons D and H.
    assert comp["penalty"]["法定代表人证件类型"]["applicable"] == 3
    assert comp["licence"]["行政相对人代码_3（组织机构代码）"] == {"filled": 1, "applicable": 1, "share": 1.0}
    assert stats.by_dept["wjw"].completeness()["licence"]["有效期至"]["share"] == 0.0


def test_late_list_names_public_records_only(stats):
    assert [(x.id, x.delay_workdays) for x in stats.late_records] == [
        ("scjg-cf-2016-0001", F_DELAY),
        ("wjw-xk-2026-0003", 2),
        ("scjg-cf-2026-0015", 1),
    ]
    assert stats.late_not_public == 0


def test_renderers_never_print_withheld_content(stats):
    outputs = [render_text(stats), render_csv(stats), json.dumps(to_json(stats), ensure_ascii=False)]
    for out in outputs:
        for secret in (WITHHELD_PARTY, WITHHELD_SECRET, "zhzf-cf-2026-0001", "钟测执法罚", PUBLIC_PERSON):
            assert secret not in out
    doc = to_json(stats)
    assert doc["total"]["timeliness"]["on_time_rate"] == round(4 / 7, 4)
    assert doc["validation_history"] is None
    rows = list(csv.reader(io.StringIO(render_csv(stats).lstrip("\ufeff"), newline="")))
    assert rows[-1][:5] == ["", "全部", "合计", "8", "7"]
    wjw = next(r for r in rows if r[0] == "wjw" and r[2] == "合计")
    assert wjw[10:13] == ["0.0000", "2", "2"]


def test_cli_stats(tmp_path_factory, monkeypatch):
    monkeypatch.chdir(shared_repo(tmp_path_factory))
    r = CliRunner().invoke(main, ["stats", "--as-of", "2026-10-12", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["total"]["records"] == 8
    r = CliRunner().invoke(main, ["stats", "--as-of", "2026-10-12"])
    assert r.exit_code == 0 and "按时率 66.7%（4/6）" in r.output
    r = CliRunner().invoke(main, ["stats", "--format", "xml"])
    assert r.exit_code == 2 and "不支持的输出格式" in r.output


def test_parts_and_cache_give_the_same_figures(tmp_path_factory, tmp_path, monkeypatch):
    import random
    from dataclasses import replace

    from gongshi.core import cachefile
    from gongshi.outputs import stats as stats_module
    from gongshi.snapshot.build import month_parts

    snap = shared_snapshot(tmp_path_factory)
    plain = to_json(compute_stats(snap))
    cache = tmp_path / "parts.marshal"
    assert to_json(compute_stats(snap, cache=cache)) == plain  # cache filled
    made = []
    real = stats_module._part_figures
    monkeypatch.setattr(stats_module, "_part_figures", lambda e, d, m: made.append(len(e)) or real(e, d, m))
    assert to_json(compute_stats(snap, cache=cache)) == plain and made == [], "every part from the cache"

    # Another order makes other parts; the figures are the same.
    shuffled = replace(snap, entries=random.Random(8).sample(snap.entries, len(snap.entries)))
    assert to_json(compute_stats(shuffled)) == plain

    # One changed entry: only its part is computed again; the cache keeps only the current parts.
    entries = list(snap.entries)
    i = next(i for i, e in enumerate(entries) if e.id == "scjg-cf-2026-0031")
    e = entries[i]
    entries[i] = replace(
        e, record=replace(e.record, data={**e.record.data, "remarks": "新备注"}, blob_sha="1" * 40)
    )
    changed = replace(snap, entries=entries)
    made.clear()
    after = to_json(compute_stats(changed, cache=cache))
    assert made == [1], "the part of September 2026 holds one record"
    assert after == to_json(compute_stats(changed))
    assert len(cachefile.read_dict(cache)) == len(month_parts(entries))
