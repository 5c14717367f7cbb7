"""Personal numbers in free text: the privacy lint of ``gongshi validate`` and ``gongshi import``,
and ``redact``, the last line of defence of the public projection.

What counts as a personal number (``find_personal_numbers``):

* 身份证号码: 18 characters (17 digits + digit or X) whose first two digits are a province code and
  whose digits 7–14 are a plausible birth date; a wrong check digit is still reported (a typo leaks
  the number all the same) when the first six digits are a known region code. 15-digit numbers of
  the first generation: province code and a plausible birth date 19YYMMDD, unless it is a valid
  工商注册号 (MOD 11,10) without 身份证 written just before it.
* 手机号码: 1[3-9] + 9 digits, optionally after 86 / +86 / 0086, written as one run or grouped
  3-4-4, 3-8 or 7-4.
* 银行卡号: 16–19 digits passing Luhn, starting 3–6 or 9 (card schemes), one run or groups of 4.
* 护照号码: Chinese passport shapes (E + 8 digits, E + letter + 7 digits, G + 8 digits, P/S/D + 7
  digits) only where 护照 is written shortly before or after, so document numbers stay clear.

A number may be written with full-width digits, with spaces, hyphens or dots between its groups,
with letters right before or after it (``ID320404…``), or split by invisible characters (zero-width
space, word joiner, soft hyphen …): the finding then says ``hidden``. Digits are grouped at the
boundaries the writer put there: ``913812345678`` holds no mobile number, ``0519-88888888`` is an
office number, ``2026-01-01`` a date, ``12345678.90`` an amount.

Everything here is pure and fast: ``may_hold_personal_number`` is the pre-filter run over every
text of every record. Texts may be joined with NUL (``TEXT_SEPARATOR``) and checked or redacted at
once: each gives exactly the findings it gives alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from stdnum import luhn
from stdnum.iso7064 import mod_11_10

from gongshi.core.identifiers import (
    RESIDENCE_PERMIT_PREFIXES,
    id_check_char,
    region_code_known,
    uscc_problem,
)
from gongshi.core.invisible import INVISIBLE_CHARACTERS

# Joins texts checked at once: no number runs across it and no look at the text around a
# number reaches past it, so ``redact`` of texts joined with it is each text's ``redact``, joined.
TEXT_SEPARATOR = "\x00"
ID_NUMBER = "身份证号码"
MOBILE = "手机号码"
BANK_CARD = "银行卡号"
PASSPORT = "护照号码"
KINDS = (ID_NUMBER, MOBILE, BANK_CARD, PASSPORT)

# Characters that separate the groups of a number as people write it, and invisible characters
# that split it without being seen (these make the finding ``hidden``).
INVISIBLE_SEPARATORS = "".join(INVISIBLE_CHARACTERS)
_VISIBLE_SEPARATORS = " \u00a0\u3000\t\\-\u2010\u2011\u2012\u2013\u2014\uff0d.\uff0e"
_SEP = "[" + _VISIBLE_SEPARATORS + INVISIBLE_SEPARATORS + "]"
_INVISIBLE_SET = frozenset(INVISIBLE_SEPARATORS)

# Full-width digits and letters mapped one to one, so positions in the mapped text are those of
# the original.
_WIDTH = str.maketrans(
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ",
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
)
# Any character ``_WIDTH`` maps.
_FULL_WIDTH_RE = re.compile("[０-９Ａ-Ｚａ-ｚ]")
_DIGIT = "[0-9０-９]"
# Everything ``find_personal_numbers`` reports holds 11 digits with at most three separator
# characters between any two, or is a passport (护照 written nearby); ``find_hidden_digits`` needs a
# digit followed by an invisible character. A text with none of these (most texts) is answered by
# one scan that starts only at digits (a single branch, so the regex engine skips to the next digit)
# and a substring search; the possessive separator loop keeps the failing attempts short.
_CANDIDATE_RE = re.compile(_DIGIT + "(?:" + _SEP + "{0,3}+" + _DIGIT + "){10}")
# A passport number's shape, full-width letters and digits included (``护照号`` as an ID type next
# to a masked number is no reason to scan).
_PASSPORT_SHAPE_RE = re.compile(r"[EGPSDegpsdＥＧＰＳＤｅｇｐｓｄ][A-Za-zＡ-Ｚａ-ｚ]?[0-9０-９]{7}")
_DIGIT_HIDDEN_RE = re.compile(_DIGIT + "[" + INVISIBLE_SEPARATORS + "]")
# A run of digit groups: maximal digit sequences joined by 1–3 separator characters, an 18th X
# allowed at the end.
_RUN_RE = re.compile(r"[0-9]+(?:" + _SEP + r"{1,3}[0-9]+)*[Xx]?")
_GROUP_RE = re.compile(r"[0-9]+[Xx]?")
_HIDDEN_RE = re.compile(r"[0-9０-９][" + INVISIBLE_SEPARATORS + r"]+(?=[0-9０-９])")
# Any case, ASCII only: matched in the text itself, not in its ``upper()``, which may be longer
# (ß -> SS) and would move every position after it.
_PASSPORT_RE = re.compile(
    r"(?<![A-Za-z0-9])(E[0-9]{8}|E[A-Z][0-9]{7}|G[0-9]{8}|[PSD][0-9]{7})(?![A-Za-z0-9])",
    re.ASCII | re.IGNORECASE,
)
_PASSPORT_WORD = "护照"
# How far (characters) 护照 may stand before or after a passport number.
_PASSPORT_BEFORE, _PASSPORT_AFTER = 16, 8
# Words that, written just before a 15-digit number, make it an ID number even when it also passes
# the 工商注册号 check.
_ID_WORDS = ("身份证", "证件号", "公民身份")
# Words just before an 18-digit number that make it a document or licence number: there a wrong
# check digit is a different numbering scheme, not a typo in an ID number.
_CODE_WORDS = (
    "编号",
    "证号",
    "文号",
    "许可证",
    "登记号",
    "注册号",
    "案号",
    "流水号",
    "订单号",
    "单号",
    "批号",
)

# The province-level codes of GB/T 2260 (71 台湾), and 81–83 of the 港澳台居民居住证.
PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 "  # noqa: SIM905
    "71 81 82 83".split()
)
_MOBILE_GROUPS = {(11,), (3, 4, 4), (3, 8), (7, 4)}


@dataclass(frozen=True, slots=True)
class Finding:
    """One personal number in a text: ``kind`` (身份证号码 / 手机号码 / 银行卡号 / 护照号码), ``span``
    (start, end) in the text as given, ``text`` (the matched characters, separators included),
    ``hidden`` (split by an invisible character) and ``exact`` (the number carries a check that
    passed: False for an 18-digit ID number with a wrong check digit and for a 15-digit one, which
    has none; the validator skips such findings in the fields of document and licence numbers)."""

    kind: str
    span: tuple[int, int]
    text: str
    hidden: bool = False
    exact: bool = True


def may_hold_personal_number(text: str, *, invisible: bool = True) -> bool:
    """False when ``find_personal_numbers`` and ``find_hidden_digits`` certainly find nothing in
    ``text`` (texts may be joined with NUL to test many at once). ``invisible=False``: the caller
    knows ``text`` holds no invisible character, so no digit can be split by one."""
    return (
        _CANDIDATE_RE.search(text) is not None
        or (_PASSPORT_WORD in text and _PASSPORT_SHAPE_RE.search(text) is not None)
        or (invisible and not text.isascii() and _DIGIT_HIDDEN_RE.search(text) is not None)
    )


def find_personal_numbers(text: str, today: date | None = None) -> list[Finding]:
    """Every personal number in ``text`` (see the module docstring), in order. ``today`` bounds
    plausible birth dates (default: the machine's date)."""
    if not isinstance(text, str) or not text or not may_hold_personal_number(text):
        return []
    return _find_personal_numbers(text, today)


def _find_personal_numbers(text: str, today: date | None) -> list[Finding]:
    """``find_personal_numbers`` of a text that passed ``may_hold_personal_number``."""
    # Mapping every character costs more than the scan that finds none to map (most texts).
    norm = text.translate(_WIDTH) if _FULL_WIDTH_RE.search(text) else text
    today = today or date.today()
    out: list[Finding] = []
    for run in _RUN_RE.finditer(norm):
        if run.end() - run.start() >= 11:
            out.extend(_numbers_in_run(text, norm, run, today))
    if _PASSPORT_WORD in norm:
        for m in _PASSPORT_RE.finditer(norm):
            before = _before(norm, m.start(), _PASSPORT_BEFORE)
            after = _after(norm, m.end(), _PASSPORT_AFTER)
            if _PASSPORT_WORD in before or _PASSPORT_WORD in after:
                out.append(Finding(PASSPORT, (m.start(), m.end()), text[m.start() : m.end()]))
    out.sort(key=lambda f: f.span)
    return out


def find_hidden_digits(text: str) -> list[tuple[int, int]]:
    """Spans of invisible characters standing between two digits (``139\\u200b1234``): a number
    split so that it escapes a reader and every scan, whatever number it is."""
    if not isinstance(text, str) or text.isascii():
        return []
    return [(m.start() + 1, m.end()) for m in _HIDDEN_RE.finditer(text)]


def redact(text: str) -> str:
    """``text`` with every personal number masked: a few leading and trailing characters kept, the
    rest ``*`` (3204**********1238, 139****5678, 6222***********1234, E*******8), separators and
    invisible characters inside the number dropped. Text without one comes back unchanged."""
    if not isinstance(text, str) or not text or not may_hold_personal_number(text):
        return text
    findings = _find_personal_numbers(text, None)
    if not findings:
        return text
    parts: list[str] = []
    pos = 0
    for f in findings:
        start, end = f.span
        if start < pos:
            continue
        parts.append(text[pos:start])
        parts.append(mask(f))
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def mask(finding: Finding) -> str:
    """The masked form of one finding (see ``redact``), written without separators."""
    chars = [c for c in finding.text if c.isalnum() or c == "+"]
    alnum = [i for i, c in enumerate(chars) if c.isalnum()]
    n = len(alnum)
    if finding.kind == MOBILE:
        head, tail = n - 8, 4  # the 4 digits before the last 4: 139****5678, 86139****5678
    elif finding.kind == PASSPORT:
        head, tail = 1, 1
    elif finding.kind == ID_NUMBER and n == 15:
        head, tail = 4, 3
    else:
        head, tail = 4, 4
    for i in alnum[head : n - tail]:
        chars[i] = "*"
    return "".join(chars)


# --------------------------------------------------------------------------------------------


def _numbers_in_run(text: str, norm: str, run: re.Match, today: date) -> list[Finding]:
    groups = [(m.start() + run.start(), m.end() + run.start()) for m in _GROUP_RE.finditer(run.group())]
    out: list[Finding] = []
    i = 0
    while i < len(groups):
        found = None
        digits = ""
        lengths: list[int] = []
        for j in range(i, len(groups)):
            g = norm[groups[j][0] : groups[j][1]]
            if digits.endswith(("X", "x")):
                break  # an X ends an ID number
            digits += g
            if j > i and _INVISIBLE_SET.issuperset(norm[groups[j - 1][1] : groups[j][0]]):
                lengths[-1] += len(g)  # an invisible split is no grouping the reader sees
            else:
                lengths.append(len(g))
            if len(digits) > 19:
                break
            kind, exact = _classify(digits.upper(), tuple(lengths), norm, groups[i][0], today)
            if kind:
                found = (j, kind, exact)  # keep the longest: 86 + mobile over the mobile alone
        if found is None:
            i += 1
            continue
        j, kind, exact = found
        start, end = groups[i][0], groups[j][1]
        while start > 0 and norm[start - 1] == "+" and kind == MOBILE:
            start -= 1
        span_text = text[start:end]
        hidden = any(c in _INVISIBLE_SET for c in span_text)
        out.append(Finding(kind, (start, end), span_text, hidden, exact))
        i = j + 1
    return out


def _classify(
    digits: str, lengths: tuple[int, ...], norm: str, start: int, today: date
) -> tuple[str | None, bool]:
    """(kind, exact) of a candidate made of whole digit groups, or (None, True)."""
    n = len(digits)
    if digits[-1] == "X":
        if n == 18 and _id18(digits, norm, start, today) is not None:
            return ID_NUMBER, digits[17] == id_check_char(digits[:17])
        return None, True
    if n == 11:
        return (MOBILE, True) if _mobile(digits, lengths) else (None, True)
    if n == 13 and digits.startswith("86") and _mobile_prefixed(digits[2:], lengths, 2):
        return MOBILE, True
    if n == 15:
        if digits.startswith("0086") and _mobile_prefixed(digits[4:], lengths, 4):
            return MOBILE, True
        if _id15(digits, norm, start, today):
            return ID_NUMBER, False  # no check digit: weaker evidence than an 18-digit number
        return None, True
    if n == 18:
        exact = _id18(digits, norm, start, today)
        if exact is not None:
            return ID_NUMBER, exact
    if 16 <= n <= 19 and digits[0] in "34569" and _card_groups(lengths) and luhn.is_valid(digits):
        return BANK_CARD, True
    return None, True


def _mobile(digits: str, lengths: tuple[int, ...]) -> bool:
    return digits[0] == "1" and digits[1] in "3456789" and lengths in _MOBILE_GROUPS


def _mobile_prefixed(rest: str, lengths: tuple[int, ...], prefix: int) -> bool:
    """A mobile after a country prefix of ``prefix`` digits: the prefix is its own group or joined
    to the number, whose own grouping must be a mobile's."""
    if lengths[0] == prefix:
        return _mobile(rest, lengths[1:])
    if lengths[0] > prefix:
        return _mobile(rest, (lengths[0] - prefix, *lengths[1:]))
    return False


def _card_groups(lengths: tuple[int, ...]) -> bool:
    return len(lengths) == 1 or (all(x == 4 for x in lengths[:-1]) and 1 <= lengths[-1] <= 4)


def _birth(text: str, today: date) -> bool:
    try:
        born = date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= today


def _id18(number: str, norm: str, start: int, today: date) -> bool | None:
    """True for an ID number with a valid check digit, False for one with a wrong check digit (known
    region, not after a document-number word), None when it is not an ID number."""
    if number[:2] not in PROVINCES or not _birth(number[6:14], today):
        return None
    if number[17] == id_check_char(number[:17]):
        return True
    if uscc_problem(number) is None:
        return None  # an all-digit 统一社会信用代码
    known = number[:6] in RESIDENCE_PERMIT_PREFIXES or region_code_known(number[:6])
    before = _before(norm, start, 8)
    if not known or (any(w in before for w in _CODE_WORDS) and not any(w in before for w in _ID_WORDS)):
        return None
    return False


def _id15(number: str, norm: str, start: int, today: date) -> bool:
    if number[:2] not in PROVINCES or not _birth("19" + number[6:12], today):
        return False
    if mod_11_10.is_valid(number):  # also a valid 工商注册号: only where the text says 身份证
        before = _before(norm, start, 12)
        return any(w in before for w in _ID_WORDS)
    return True


def _before(norm: str, start: int, n: int) -> str:
    """Up to ``n`` characters before ``start``, not reaching back past a NUL: texts joined with NUL
    (``redact`` of many texts at once) give each the findings it gives alone."""
    text = norm[max(0, start - n) : start]
    return text[text.rfind(TEXT_SEPARATOR) + 1 :]


def _after(norm: str, end: int, n: int) -> str:
    """Up to ``n`` characters after ``end``, stopping at a NUL (``_before``)."""
    return norm[end : end + n].split(TEXT_SEPARATOR, 1)[0]
