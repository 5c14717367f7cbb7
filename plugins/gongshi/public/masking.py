"""How a natural person's name is shown in every public output (pages, search index, feeds, JSON
API, exports): the ONE rule, applied by the public projection (``public.record``).

Default rule (domain.md §3.4, 信用中国 practice): the surname stays, every other character becomes
``*``: 张三 → 张*, 欧阳娜娜 → 欧阳**. Organisations and 个体工商户 names are public as written.
"""

from __future__ import annotations

# Two-character surnames common enough that keeping only the first character would mislead.
COMPOUND_SURNAMES = frozenset(
    (
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "钟离",
        "端木",
        "独孤",
        "南宫",
        "西门",
        "百里",
        "呼延",
        "万俟",
    )
)
MASK = "*"


def mask_person_name(name: str) -> str:
    """The public form of a natural person's name: surname + one ``*`` per other character."""
    name = name.strip()
    if not name:
        return ""
    keep = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    if len(name) == 1:
        return MASK
    return name[:keep] + "".join(" " if ch.isspace() else MASK for ch in name[keep:])
