"""Cell values: text, codes, dates and amounts as the record schema wants them, and ID masking."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal

from gongshi.core import identifiers, privacy
from gongshi.core.values import parse_amount_text, parse_date_text
from gongshi.sheets import national_standard as ns

EXCEL_EPOCH = date(1899, 12, 30)

_FULLWIDTH_ALNUM = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_FULLWIDTH_ALNUM[0x3000] = 0x20
# Only letters and digits become half-width in free text; Chinese punctuation stays as written.
_TEXT_WIDTH = {k: v for k, v in _FULLWIDTH_ALNUM.items() if chr(v).isalnum() or v == 0x20}
_JUNK_PREFIX_RE = re.compile(
    r"^(?:[(（]\s*\d+\s*/\s*\d+\s*[)）])?\s*"
    r"(?:(?:统一社会信用代码|社会信用代码|信用代码|组织机构代码|工商注册号|注册号|税务登记号|"
    r"身份证号码|身份证号|身份证|证件号码|证件号)\s*[:：])?\s*"
)


def cell_text(value: object) -> str:
    """A cell as text as written: dates in ISO form, whole numbers without “.0”, NFC, trimmed; blank
    for an empty cell or a junk word (“null”, “n/a”, “（空）” ...)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return str(Decimal(repr(value)))
    text = unicodedata.normalize("NFC", str(value)).strip()
    return "" if text.lower() in ns.JUNK_VALUES else text


def clean_text(value: object) -> str:
    """Free text: full-width letters/digits and spaces to half-width, trimmed, junk words dropped."""
    return cell_text(value).translate(_TEXT_WIDTH).strip()


def clean_code(value: object) -> str:
    """A code: NFKC, junk prefixes (“统一社会信用代码：”, “（1/1）”) and separators removed, upper case."""
    text = unicodedata.normalize("NFKC", cell_text(value))
    text = _JUNK_PREFIX_RE.sub("", text, count=1)
    text = re.sub(r"[\s\-－—_]", "", text).upper()
    return "" if text.lower() in ns.JUNK_VALUES else text


def parse_date_value(value: object) -> tuple[str | None, str | None]:
    """(ISO date, None) or (None, Chinese reason) for an Excel date, serial number or date text."""
    if isinstance(value, datetime):
        return value.date().isoformat(), None
    if isinstance(value, date):
        return value.isoformat(), None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, int) and 19000101 <= value <= 21991231:
            return parse_date_value(str(value))
        if 1 <= value < 100_000 and float(value).is_integer():
            return (EXCEL_EPOCH + timedelta(days=int(value))).isoformat(), None
        return None, f"“{cell_text(value)}”不是日期"
    text = unicodedata.normalize("NFKC", cell_text(value)).strip()
    if re.fullmatch(r"\d{5}(\.0+)?", text):  # an Excel serial that arrived as text (CSV)
        return parse_date_value(int(float(text)))
    return parse_date_text(text)


def parse_amount(value: object, in_wan: bool) -> tuple[str | None, str | None]:
    """Yuan as the schema wants it (at most 2 decimals, no exponent), from 万元 or 元; exact arithmetic."""
    return parse_amount_text(cell_text(value), in_wan)


def mask_id_number(number: str, id_type: str) -> str:
    """The masked form that may be stored: 身份证 keeps the first 4 and last 4 characters
    (3204**********1234); other documents keep at most a quarter at each end (the one rule:
    ``identifiers.mask_id_number``, which ``gongshi new`` uses too)."""
    return identifiers.mask_id_number(number, id_type)


def mask_numbers_in(text: str) -> str:
    """Mask any personal number (ID, mobile, bank card, passport) inside a message before it is
    printed or saved: the validator's own detector, ``privacy.redact``."""
    return privacy.redact(text)
