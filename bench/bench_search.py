"""Search index benchmark: build time, index size, and per-query bytes and time in headless Chromium.

    .venv/bin/python bench/bench_search.py            # 10,000 and 100,000 records
    .venv/bin/python bench/bench_search.py 20000      # other sizes

For each size it builds the index for synthetic public records (bench/synth.py when it
exists, otherwise the deterministic generator below), serves it with the real search page over
loopback, types each query of a fixed set into the page in Chromium and reads the page's own
measurements: bytes fetched (gzip-compressed size of every index file the query fetched) and the
time from the last byte to the rendered results. It also times the incremental rebuild (caches on,
staged output) after one record is renamed. Targets at 100,000 records: ≤ 300 KB for any query,
≤ 50 KB for a credit code or document number, ≤ 100 ms from data to results, cold build ≤ 15 s,
rebuild after one changed record ≤ 0.5 s.
"""

from __future__ import annotations

import gzip
import json
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gongshi.core.records import Department, Record  # noqa: E402
from gongshi.core.timeline import QUERY, Timeline  # noqa: E402

DEPTS = [
    ("scjg", "钟楼区市场监督管理局", "钟市监"),
    ("zjj", "钟楼区住房和城乡建设局", "钟住建"),
    ("hbj", "钟楼区生态环境局", "钟环"),
    ("wsj", "钟楼区卫生健康局", "钟卫"),
    ("jtj", "钟楼区交通运输局", "钟交"),
    ("yjj", "钟楼区应急管理局", "钟应急"),
    ("swj", "钟楼区税务局", "钟税"),
    ("cgj", "钟楼区城市管理局", "钟城管"),
]
PLACES = ["常州", "钟楼", "江苏", "武进", "新北", "天宁", "金坛", "溧阳", "苏州", "无锡"]
TRADES = [
    "机械制造",
    "装饰工程",
    "餐饮管理",
    "电子科技",
    "建筑材料",
    "物流",
    "商贸",
    "纺织",
    "食品",
    "环保科技",
    "汽车服务",
    "医药",
    "信息技术",
    "房地产开发",
    "文化传媒",
]
SUFFIXES = ["有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司", "经营部"]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
# Brand characters: a wide set so that name bigrams are realistically rare.
BRAND = "华恒昌润鑫盛达通宏泰嘉和丰瑞祥德隆兴源安康永信诚明辉光远恒宇博创凯新天成金银海江山川林森旭晨阳春秋佳美优品众合联邦汇豐业腾飞翔龙凤鹏程万里宝利富贵福禄寿喜乐云峰岳松柏竹梅兰菊荣耀星月晶晟昊昱煜炜烨彤婷雅静怡然卓越精工匠心诺亚方舟锦绣前程蓝天白云绿野红日紫金青石"  # noqa: E501
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰凤云"


@dataclass
class SynthEntry:
    """The parts of a snapshot Entry the index reads (record, timeline, department, key)."""

    record: Record
    timeline: Timeline
    department: Department
    item = None
    past_names: tuple[str, ...] = ()
    projection = None  # set by gongshi.public.record.public_record

    @property
    def key(self) -> str:
        if "_key" not in self.__dict__:
            from gongshi.core.keys import digest

            self.__dict__["_key"] = digest(self.record.id, repr(self.record.data), repr(self.timeline))
        return self.__dict__["_key"]


def _uscc(rng: random.Random) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return "91320404" + "".join(rng.choice(alphabet) for _ in range(10))


def synth_entries(n: int, seed: int = 1, as_of: date = date(2026, 11, 20)) -> list[SynthEntry]:
    rng = random.Random(seed)
    depts = {
        k: Department(k, name, f"11320404MB{i:07d}X", "320404", short)
        for i, (k, name, short) in enumerate(DEPTS)
    }
    serial: dict[tuple[str, str, int], int] = {}
    out = []
    for i in range(n):
        key, _, short = DEPTS[rng.randrange(len(DEPTS))]
        kind = "penalty" if rng.random() < 0.5 else "licence"
        decided = as_of - timedelta(days=rng.randrange(7 * 365))
        s = serial[(key, kind, decided.year)] = serial.get((key, kind, decided.year), 0) + 1
        doc_no = f"{short}{'罚' if kind == 'penalty' else '许'}〔{decided.year}〕{s}号"
        r = rng.random()
        party: dict = {}
        if r < 0.1:
            party = {
                "category": "自然人",
                "name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
            }
        elif r < 0.25:
            brand = "".join(rng.choice(BRAND) for _ in range(2))
            party = {
                "category": "个体工商户",
                "name": f"钟楼区{brand}{rng.choice(['小吃店', '便利店', '五金店', '理发店'])}",
                "uscc": "92320404" + _uscc(rng)[8:],
            }
        else:
            brand = "".join(rng.choice(BRAND) for _ in range(rng.choice((2, 2, 3))))
            name = rng.choice(PLACES) + brand + rng.choice(TRADES) + rng.choice(SUFFIXES)
            party = {"category": "法人及非法人组织", "name": name, "uscc": _uscc(rng)}
        data = {"kind": kind, "doc_no": doc_no, "party": party, "decision_date": decided.isoformat()}
        rid = f"{key}-{'cf' if kind == 'penalty' else 'xk'}-{decided.year}-{i:06d}"
        folder = "penalties" if kind == "penalty" else "licences"
        rec = Record(
            rid, f"data/records/{key}/{folder}/{decided.year}/{rid}.yaml", key, kind, str(decided.year), data
        )
        tl = Timeline(
            record_id=rid,
            as_of=as_of,
            decision_date=decided,
            deadline=decided + timedelta(days=9),
            deadline_provisional=False,
            published_at=decided + timedelta(days=3),
            preview=False,
            on_time=True,
            backfilled=False,
            delay_workdays=0,
            list_until=decided + timedelta(days=12),
            disclosure_until=decided + timedelta(days=7 * 366),
            withdrawn_on=None,
            state=QUERY,
            regime="zhonglou-2016",
            rule="",
        )
        out.append(SynthEntry(rec, tl, depts[key]))
    return out


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def query_set(entries) -> list[tuple[str, str]]:
    """The fixed queries, taken from the generated records so each has a known answer."""
    org = next(e for e in entries[len(entries) // 2 :] if e.record.party_category == "法人及非法人组织")
    other = next(e for e in entries[len(entries) // 3 :] if e.record.party_category == "法人及非法人组织")
    name = other.record.party_name
    return [
        ("full name", org.record.party_name),
        ("4-char fragment", name[2:6]),
        ("credit code", org.record.uscc),
        ("document number", other.record.doc_no),
        ("common word 公司", "公司"),
        ("miss", "不存在的单位名称"),
    ]


def gz(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 6))


def incremental(entries, workdir: Path) -> dict:
    """Seconds of a staged rebuild after one record's name changed (as ``gongshi build`` with caches
    on does it), and how many files were produced."""
    import os

    from gongshi.outputs.search.index import write_search_index
    from gongshi.site.manifest import OutputManifest
    from gongshi.site.output import OutputWriter, SiteOutput

    os.environ["GONGSHI_CACHE"] = "on"
    repo = workdir / "repo"
    repo.mkdir()
    previous = None
    result = {}
    for step, batch in (("first", entries), ("same", entries), ("one", _renamed(entries))):
        out = workdir / step
        manifest = OutputManifest(repo, workdir / "final")
        site = SiteOutput(out, None, {}, OutputWriter(out, previous, manifest=manifest), workers=2)
        t0 = time.perf_counter()
        stats = write_search_index(
            batch, out, record_url="r/{id}.html", output=site, incremental=True, cache_dir=repo / "cache"
        )
        result[step] = (time.perf_counter() - t0, stats["produced"], stats["tokenized_groups"])
        manifest.save()
        previous = out
    return result


def _renamed(entries):
    import dataclasses

    i = next(i for i in range(len(entries) - 1, -1, -1) if entries[i].record.party_category != "自然人")
    e = entries[i]
    party = {**e.record.data["party"], "name": e.record.data["party"]["name"] + "更名"}
    record = dataclasses.replace(e.record, data={**e.record.data, "party": party})
    return [*entries[:i], SynthEntry(record, e.timeline, e.department), *entries[i + 1 :]]


def run_size(n: int, browser) -> None:
    from tests.support.search_fixture import build_site, serve

    entries = synth_entries(n)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        t0 = time.perf_counter()
        stats = build_site(entries, out)
        build = time.perf_counter() - t0
        files = list((out / "search").rglob("*.json"))
        total_raw = sum(p.stat().st_size for p in files)
        total_gz = sum(gz(p) for p in files)
        print(
            f"\n## {n:,} records: build {build:.1f} s, {len(files):,} files, {total_raw / 1e6:.1f} MB raw, "
            f"{total_gz / 1e6:.1f} MB gzip"
        )
        print(f"   {stats['groups']} groups (months), {stats['shards']} term shards")
        work = out / "incremental"
        work.mkdir()
        inc = incremental(entries, work)
        print(
            "   incremental (cache on): "
            + ", ".join(
                f"{k} {s:.2f} s ({p} files produced, {g} groups tokenized)" for k, (s, p, g) in inc.items()
            )
        )
        server = serve(out)
        print(f"| {'query':<18} | {'text':<24} | results | files | KB gzip | cold ms | warm ms |")
        print(f"|{'-' * 20}|{'-' * 26}|---------|-------|---------|---------|---------|")
        try:
            for label, q in query_set(entries):
                ctx = browser.new_context(bypass_csp=True)
                page = ctx.new_page()
                page.goto(f"{server.url}/search/")
                page.wait_for_selector("#search-app[data-state=done]")
                page.fill("#search-q", q)
                page.press("#search-q", "Enter")
                page.wait_for_function(
                    "window.gongshiSearch.last && window.gongshiSearch.last.query === " + json.dumps(q)
                )
                cold = page.evaluate("window.gongshiSearch.last")
                # Warm: everything cached, so this is the time from data to rendered results.
                page.evaluate("window.gongshiSearch.last = null")
                page.evaluate("document.getElementById('search-form').requestSubmit()")
                page.wait_for_function("window.gongshiSearch.last")
                warm = page.evaluate("window.gongshiSearch.last")
                fetched = ["meta.json", *cold["fetched"]]
                kb = sum(gz(out / "search" / f) for f in dict.fromkeys(fetched)) / 1024
                total = ("" if cold["exact"] else "~") + str(cold["total"])
                print(
                    f"| {label:<18} | {q[:24]:<24} | {total:>7} | {len(set(fetched)):>5} | {kb:>7.1f} "
                    f"| {cold['ms']:>7.0f} | {warm['ms']:>7.1f} |"
                )
                ctx.close()
        finally:
            server.close()


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    sizes = [int(a) for a in argv] or [10_000, 100_000]
    assets = [
        ROOT / "theme/static/vendor/lunr-2.3.9/lunr.min.js",
        *sorted((ROOT / "theme/static/js").glob("*.js")),
    ]
    print(
        "Page scripts (fetched once, cacheable): "
        + ", ".join(f"{p.name} {gz(p) / 1024:.1f} KB" for p in assets)
    )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for n in sizes:
                run_size(n, browser)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
