"""Values as people write them, and the form the record schema wants: the code lists of the national
双公示 standard with the synonyms seen in real feeds, dates written 2026年3月5日 or 2026/3/5, amounts
written 5,000元 or 0.5万元, and names compared without spaces or width differences.

Pure functions on text, in core because two layers need them: the importer converts spreadsheet
cells with them, and ``gongshi validate`` suggests the normalised value of a hand-written record
(“可以改为 2026-03-05”) whenever the importer would have understood what the clerk wrote.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

# --------------------------------------------------------------------------------------------
# Code lists (code → label). Keys are normalised codes: digits without leading zeros.

PARTY_CATEGORIES = ("法人及非法人组织", "自然人", "个体工商户")
PARTY_CATEGORY_CODES = {"1": "自然人", "2": "法人及非法人组织", "3": "法人及非法人组织", "4": "个体工商户"}
PARTY_CATEGORY_SYNONYMS = {
    "法人": "法人及非法人组织",
    "非法人组织": "法人及非法人组织",
    "法人和非法人组织": "法人及非法人组织",
    "法人或非法人组织": "法人及非法人组织",
    "法人及其他组织": "法人及非法人组织",
    "法人和其他组织": "法人及非法人组织",
    "个人": "自然人",
    "个体户": "个体工商户",
}

ID_TYPES = ("身份证", "护照号", "港澳居民来往内地通行证", "台湾居民来往大陆通行证", "外国人永久居留身份证")
ID_TYPE_CODES = {str(i + 1): label for i, label in enumerate(ID_TYPES)}
ID_TYPE_SYNONYMS = {
    "居民身份证": "身份证",
    "身份证号": "身份证",
    "身份证号码": "身份证",
    "护照": "护照号",
    "港澳通行证": "港澳居民来往内地通行证",
    "台湾通行证": "台湾居民来往大陆通行证",
    "台胞证": "台湾居民来往大陆通行证",
    "外国人永久居留证": "外国人永久居留身份证",
}

LICENCE_CATEGORIES = ("普通", "特许", "认可", "核准", "登记", "其他")
LICENCE_CATEGORY_CODES = {str(i + 1): label for i, label in enumerate(LICENCE_CATEGORIES)}

PENALTY_CATEGORIES = (
    "警告",
    "通报批评",
    "罚款",
    "没收违法所得",
    "没收非法财物",
    "暂扣许可证件",
    "降低资质等级",
    "吊销许可证件",
    "限制开展生产经营活动",
    "责令停产停业",
    "责令关闭",
    "限制从业",
    "行政拘留",
    "其他",
)
# A provincial feed's numeric codes (domain notes §2.2).
PENALTY_CATEGORY_CODES = {
    "1": "警告",
    "2": "罚款",
    "3": "没收违法所得",
    "4": "责令停产停业",
    "5": "吊销许可证件",
    "6": "行政拘留",
    "7": "其他",
    "8": "通报批评",
    "9": "没收非法财物",
    "10": "降低资质等级",
    "11": "暂扣许可证件",
    "12": "限制开展生产经营活动",
    "13": "限制从业",
    "14": "责令关闭",
}
PENALTY_CATEGORY_SYNONYMS = {
    "暂扣许可证": "暂扣许可证件",
    "暂扣许可证照": "暂扣许可证件",
    "暂扣执照": "暂扣许可证件",
    "吊销许可证": "吊销许可证件",
    "吊销许可证照": "吊销许可证件",
    "吊销执照": "吊销许可证件",
    "吊销营业执照": "吊销许可证件",
    "限制开展经营活动": "限制开展生产经营活动",
    "责令停业": "责令停产停业",
    "责令停产": "责令停产停业",
    "没收违法所得和非法财物": None,
    "法律、行政法规规定的其他行政处罚": "其他",
    "法律行政法规规定的其他行政处罚": "其他",
}

STATUSES = ("有效", "撤销", "变更", "注销", "失效", "已修复")
STATUS_CODES = {"1": "有效", "2": "失效"}
STATUS_SYNONYMS = {"正常": "有效", "无效": "失效", "已撤销": "撤销", "已注销": "注销", "已失效": "失效"}


def code_key(value: str) -> str | None:
    """``"01"``, ``"1"``, ``"1.0"`` → ``"1"``; None when ``value`` is not a numeric code."""
    m = re.fullmatch(r"0*(\d{1,3})(?:\.0+)?", value)
    if not m:
        return None
    return m.group(1) or "0"


def choose(text: str, labels, codes: dict, synonyms: dict) -> str | None:
    """The label ``text`` stands for: a numeric code, the label itself or a known synonym."""
    key = code_key(text)
    if key is not None:
        return codes.get(key)
    if text in labels:
        return text
    return synonyms.get(text)


def name_key(text: str) -> str:
    """A name as compared: NFKC (full-width letters and digits to half-width), without spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


_DATE_RES = (
    re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date_text(text: str) -> tuple[str | None, str | None]:
    """(ISO date, None) or (None, Chinese reason) for a date written as text: 2026-03-05,
    2026/3/5, 2026.3.5, 2026年3月5日, 20260305 (a time of day after it is ignored)."""
    text = unicodedata.normalize("NFKC", text).strip()
    text = re.sub(r"[T\s]+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "", text).strip()
    for pattern in _DATE_RES:
        m = pattern.match(text)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat(), None
            except ValueError:
                return None, f"“{text}”不是真实存在的日期"
    return None, f"无法识别的日期“{text}”，请写成 2026-03-05、2026/3/5、2026年3月5日 或 20260305"


def plain_amount(amount: Decimal) -> str:
    """An amount without exponent or trailing zeros: 5000, 1234.5."""
    if amount == amount.to_integral_value():
        return str(int(amount))
    return format(amount.normalize(), "f")


def parse_amount_text(text: str, in_wan: bool) -> tuple[str | None, str | None]:
    """Yuan as the schema wants it (at most 2 decimals, no exponent) from an amount written as text
    in 万元 or 元 (“5,000元”, “¥5000”, “0.5万元”); exact arithmetic."""
    text = unicodedata.normalize("NFKC", text).replace(",", "").replace(" ", "")
    if text.endswith("万元"):
        text, in_wan = text[:-2], True
    elif text.endswith("元"):
        text, in_wan = text[:-1], False
    text = text.removeprefix("¥").removeprefix("￥")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None, f"金额“{text}”不是数字"
    if not amount.is_finite() or amount < 0:
        return None, f"金额“{text}”无效"
    yuan = amount * 10000 if in_wan else amount
    if yuan != yuan.quantize(Decimal("0.01")):
        unit = "万元" if in_wan else "元"
        return None, f"金额 {text} {unit}换算为元后是 {plain_amount(yuan)} 元，超过两位小数（分），请核对"
    return plain_amount(yuan), None
