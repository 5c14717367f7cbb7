"""The written form of a document number (文号): the year in 六角括号 〔〕 and half-width digits.

GB/T 9704 (党政机关公文格式) writes the year of a 发文字号 in 〔〕; clerks type （２０２６）, (2026),
[2026] or 【2026】, often with full-width digits from a Chinese input method, so one register shows
``钟市监罚（2026）101号`` next to ``钟市监罚〔2026〕102号``. ``standard_doc_no`` is the one rewrite,
used by ``gongshi import`` (it writes the standard form) and by ``gongshi validate`` (it suggests it).
"""

from __future__ import annotations

import re

_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_OPEN = "(（[［【〔﹝〖「"
_CLOSE = ")）]］】〕﹞〗」"
# A four-digit year between any pair of brackets, spaces allowed inside.
_YEAR_RE = re.compile("[" + re.escape(_OPEN) + r"]\s*(\d{4})\s*[" + re.escape(_CLOSE) + "]")


def standard_doc_no(doc_no: str) -> str:
    """``doc_no`` with half-width digits and its year in 〔〕; unchanged when already so."""
    text = doc_no.translate(_DIGITS)
    return _YEAR_RE.sub(lambda m: f"〔{m.group(1)}〕", text)


def doc_no_year(doc_no: str) -> int | None:
    """The year in the brackets of a document number (``钟市监罚〔2026〕101号`` → 2026), or None."""
    m = _YEAR_RE.search(doc_no.translate(_DIGITS))
    return int(m.group(1)) if m else None
