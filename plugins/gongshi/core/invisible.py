"""Invisible formatting characters in text: bidirectional overrides and isolates, zero-width
characters, the byte-order mark and the other characters that show nothing (soft hyphen, word
joiner, invisible operators, fillers).

They cannot be seen in an editor or on the site, yet they reorder what a reader sees (U+202E shows
"fdp.exe" as "exe.pdf") or split a word so that search and duplicate checks miss it. A clerk never
means to type them; they come from copy and paste. ``gongshi validate`` warns about each one, and
reports digits split by one as an error (``privacy.hidden_number``).
"""

from __future__ import annotations

import re

# Chinese names, as the warning shows them.
INVISIBLE_CHARACTERS: dict[str, str] = {
    "\u200b": "零宽空格",
    "\u200c": "零宽非连接符",
    "\u200d": "零宽连接符",
    "\u200e": "从左到右标记",
    "\u200f": "从右到左标记",
    "\u202a": "从左到右嵌入",
    "\u202b": "从右到左嵌入",
    "\u202c": "结束方向格式",
    "\u202d": "从左到右覆盖",
    "\u202e": "从右到左覆盖",
    "\u2066": "从左到右隔离",
    "\u2067": "从右到左隔离",
    "\u2068": "首强字符隔离",
    "\u2069": "结束方向隔离",
    "\ufeff": "零宽不换行空格（字节顺序标记）",
    # Characters that show nothing either and are pasted between digits to split a number
    # (``gongshi.core.privacy`` reports digits split by any of these as an error).
    "\u00ad": "软连字符",
    "\u034f": "组合用字形连接符",
    "\u061c": "阿拉伯字母标记",
    "\u115f": "谚文初声填充符",
    "\u1160": "谚文中声填充符",
    "\u180e": "蒙古文元音分隔符",
    "\u2060": "字连接符",
    "\u2061": "不可见函数应用符",
    "\u2062": "不可见乘号",
    "\u2063": "不可见分隔符",
    "\u2064": "不可见加号",
    "\u3164": "谚文填充符",
}
_PATTERN = re.compile("[" + "".join(INVISIBLE_CHARACTERS) + "]")


def describe(char: str) -> str:
    """``U+202E 从右到左覆盖``."""
    return f"U+{ord(char):04X} {INVISIBLE_CHARACTERS[char]}"


def find_invisible(text: str) -> list[str]:
    """The distinct invisible characters in ``text``, in order of first appearance."""
    return list(dict.fromkeys(_PATTERN.findall(text)))


def invisible_message(chars: list[str]) -> str:
    names = "、".join(describe(c) for c in chars)
    return (
        f"文字中有看不见的字符：{names}。它不显示，却会改变文字的显示顺序或把词隔开，"
        f"使网站显示、搜索与数据不一致：请删除它（看不见时，可删掉这段文字后重新输入）。"
    )
