"""Chinese identifiers: 统一社会信用代码, 组织机构代码, 工商注册号, 行政区划代码, 居民身份证号.

Built on python-stdnum and covering what it lacks (domain.md §3.6): letter department codes in the
USCC (A, N, Y), the GB 11714 check char embedded in the USCC, the ``00000000000000000X``
placeholder, 组织机构代码 itself, 15-digit and 港澳台居民居住证 ID numbers, birth dates in the
future and masked ID numbers. The privacy lint for free text is ``gongshi.core.privacy``.

Every ``*_problem`` function returns ``None`` for a valid value or one Chinese sentence that says
what is wrong and what a correct value looks like; the validator wraps it with the file and field.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache, lru_cache
from operator import mul

from stdnum import numdb
from stdnum.cn import ric as _ric
from stdnum.iso7064 import mod_11_10

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_CHARS = frozenset(USCC_ALPHABET)
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_PLACEHOLDER = "00000000000000000X"
USCC_EXAMPLE = "91512081MA62K0260E"
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_CODE_EXAMPLE = "594672399"
BUSINESS_REG_NO_EXAMPLE = "320404000012344"

# 登记管理部门码 → (name, {机构类别码: name}) as in GB 32100-2015 with amendment XG1-2016.
USCC_DEPARTMENTS: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {
            "1": "律师执业机构",
            "2": "公证处",
            "3": "基层法律服务所",
            "4": "司法鉴定机构",
            "5": "仲裁委员会",
            "9": "其他",
        },
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": (
        "旅游",
        {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"},
    ),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商（市场监管）", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
}
# Codes registered by national authorities carry 100000 (全国) as their region; it is not in GB/T 2260.
NATIONAL_REGION = "100000"
# Prefixes of 港澳台居民居住证 numbers (GB 11643 layout with a fixed address code).
RESIDENCE_PERMIT_PREFIXES = {"810000": "香港", "820000": "澳门", "830000": "台湾"}

# The sentences of the ``*_problem`` functions below, as ``str.format`` templates. One table, so the
# on-site form (``outputs/tianbao``) shows exactly these sentences: the build copies the table into
# the page data and the browser fills the same fields ({n}, {expected}, …) with its own check.
MESSAGES: dict[str, str] = {
    "org_length": "组织机构代码应为 9 位，现在是 {n} 位；{example}。",
    "org_case": "组织机构代码中的字母应大写；{example}。",
    "org_body": "组织机构代码前 8 位只能是数字或大写字母；{example}。",
    "org_check_charset": "组织机构代码第 9 位（校验码）只能是数字或 X；{example}。",
    "org_check": (
        "组织机构代码校验码不符：按前 8 位计算应为 {expected}，现在是 {actual}，请核对是否抄错；{example}。"
    ),
    "org_example": "正确的形如 {code}（8 位本体加 1 位校验码）",
    "uscc_example": "正确的形如 {code}（18 位大写字母或数字）",
    "uscc_placeholder": (
        "{placeholder} 只是没有统一社会信用代码的个体工商户使用的占位代码，"
        "这里需要真实的统一社会信用代码；{example}。"
    ),
    "uscc_length": "统一社会信用代码应为 18 位，现在是 {n} 位；{example}。",
    "uscc_case": "统一社会信用代码中的字母应大写；{example}。",
    "uscc_charset": (
        "统一社会信用代码含有不允许的字符 {bad}（只用数字和除 I、O、Z、S、V 以外的大写字母）；{example}。"
    ),
    "uscc_department": (
        "第 1 位登记管理部门码 {dept} 不存在"
        "（应为 1–9、A、N 或 Y，企业和个体工商户为 9，机关为 1）；{example}。"
    ),
    "uscc_region": "第 3–8 位是登记管理机关的行政区划码，必须是 6 位数字，现在是 {region}；{example}。",
    "uscc_org_check": (
        "第 9–17 位（组织机构代码 {org}）的校验码不符：应为 {expected}，现在是 {actual}，"
        "请核对是否抄错；{example}。"
    ),
    "uscc_check": (
        "第 18 位校验码不符：按前 17 位计算应为 {expected}，现在是 {actual}，请核对是否抄错；{example}。"
    ),
    "brn_example": "正确的形如 {code}（15 位数字，末位为校验位）",
    "brn_length": "工商注册号应为 15 位，现在是 {n} 位；{example}。",
    "brn_digits": "工商注册号只能是数字；{example}。",
    "brn_check": (
        "工商注册号校验位不符：按前 14 位计算末位应为 {expected}，现在是 {actual}，"
        "请核对是否抄错；{example}。"
    ),
    "masked_unmasked_id_card": (
        "这是未脱敏的身份证号码，仓库中只能保存脱敏后的号码：用 * 遮盖中间部分，"
        "例如 {example}（至少 8 位为 *，出生月日必须遮盖）。"
    ),
    "masked_unmasked": (
        "证件号码必须脱敏，用 * 遮盖中间部分，例如身份证写成 {example}，其他证件至少遮盖一半字符。"
    ),
    "masked_id_card_shape": (
        "脱敏的身份证号码应为 18 位（或 15 位），由数字、末位 X 和 * 组成，现在是 {n} 位；例如 {example}。"
    ),
    "masked_id_card_too_few": (
        "身份证号码遮盖得太少：至少 {need} 位要写成 *，现在只有 {masked} 位；例如 {example}。"
    ),
    "masked_id_card_birth": "身份证号码中的出生月日（第 {start} 位起 4 位）必须遮盖；例如 {example}。",
    "masked_other_charset": "脱敏的证件号码只能由字母、数字、括号、连字符和 * 组成，例如 E12*****8。",
    "masked_other_too_few": (
        "证件号码遮盖得太少：至少一半字符（{half} 个）要写成 *，现在只有 {masked} 个；例如 E12*****8。"
    ),
}


def message(key: str, **fields: object) -> str:
    """The sentence ``key`` of ``MESSAGES`` with its fields filled in."""
    return MESSAGES[key].format(**fields)


_ORG_BODY_RE = re.compile(r"^[0-9A-Z]{8}$")
_DIGITS_RE = re.compile(r"^[0-9]+$")


# --------------------------------------------------------------------------------------------
# 组织机构代码 (GB 11714)


def _org_char_value(ch: str) -> int:
    return int(ch, 36)  # 0-9 → 0-9, A-Z → 10-35


_ORG_CHAR_VALUE = {ch: _org_char_value(ch) for ch in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def org_code_check_char(body8: str) -> str:
    """The GB 11714 check character of an 8-character body (``c = 11 − Σ mod 11``; 10 → X, 11 → 0)."""
    if len(body8) != 8 or not _ORG_BODY_RE.match(body8):  # ($ also matches before a final newline)
        raise ValueError(f"组织机构代码本体应为 8 位大写字母或数字：{body8!r}")
    c = 11 - sum(map(mul, map(_ORG_CHAR_VALUE.__getitem__, body8), ORG_CODE_WEIGHTS)) % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def make_org_code(body8: str) -> str:
    """A valid 9-character organisation code (no hyphen) from its 8-character body."""
    return body8 + org_code_check_char(body8)


def org_code_problem(v: str) -> str | None:
    """Why ``v`` is not a valid 组织机构代码 (9 characters; a hyphen before the check char is tolerated)."""
    if not isinstance(v, str):
        return "组织机构代码应写成文字。"
    code = v[:8] + v[9:] if len(v) == 10 and v[8] == "-" else v
    example = f"正确的形如 {ORG_CODE_EXAMPLE}（8 位本体加 1 位校验码）"
    if len(code) != 9:
        return f"组织机构代码应为 9 位，现在是 {len(code)} 位；{example}。"
    if code != code.upper():
        return f"组织机构代码中的字母应大写；{example}。"
    if not _ORG_BODY_RE.match(code[:8]):
        return f"组织机构代码前 8 位只能是数字或大写字母；{example}。"
    if code[8] not in "0123456789X":
        return f"组织机构代码第 9 位（校验码）只能是数字或 X；{example}。"
    expected = org_code_check_char(code[:8])
    if code[8] != expected:
        return (
            f"组织机构代码校验码不符：按前 8 位计算应为 {expected}，现在是 {code[8]}，"
            f"请核对是否抄错；{example}。"
        )
    return None


# --------------------------------------------------------------------------------------------
# 统一社会信用代码 (GB 32100)


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters."""
    if len(first17) != 17 or not _USCC_CHARS.issuperset(first17):
        raise ValueError(f"统一社会信用代码前 17 位不合规：{first17!r}")
    total = sum(map(mul, map(_USCC_VALUE.__getitem__, first17), USCC_WEIGHTS))  # 17 and 17: checked above
    return USCC_ALPHABET[(31 - total % 31) % 31]


def make_uscc(dept: str, category: str, region6: str, org_body8: str) -> str:
    """A valid USCC: department + category + region + organisation code (with its check) + check."""
    if dept not in USCC_DEPARTMENTS or len(category) != 1 or category not in USCC_ALPHABET:
        raise ValueError(f"登记管理部门码或机构类别码不合规：{dept!r}{category!r}")
    if len(region6) != 6 or not _DIGITS_RE.match(region6):
        raise ValueError(f"行政区划码应为 6 位数字：{region6!r}")
    org = make_org_code(org_body8)
    if any(ch not in USCC_ALPHABET for ch in org):
        raise ValueError(f"组织机构代码含有统一社会信用代码不用的字母（I、O、Z、S、V）：{org!r}")
    first17 = dept + category + region6 + org
    return first17 + uscc_check_char(first17)


def uscc_problem(v: str) -> str | None:
    """Why ``v`` is not a valid USCC. The placeholder counts as invalid here (the validator decides
    where it is allowed: 个体工商户 only, with a 工商注册号)."""
    if not isinstance(v, str):
        return "统一社会信用代码应写成文字。"
    return _uscc_problem(v)


@lru_cache(maxsize=4096)  # a record's code is checked by the schema format and again for warnings
def _uscc_problem(v: str) -> str | None:
    example = f"正确的形如 {USCC_EXAMPLE}（18 位大写字母或数字）"
    if v == USCC_PLACEHOLDER:
        return (
            f"{USCC_PLACEHOLDER} 只是没有统一社会信用代码的个体工商户使用的占位代码，"
            f"这里需要真实的统一社会信用代码；{example}。"
        )
    if len(v) != 18:
        return f"统一社会信用代码应为 18 位，现在是 {len(v)} 位；{example}。"
    if v != v.upper():
        return f"统一社会信用代码中的字母应大写；{example}。"
    bad = sorted(set(v) - _USCC_CHARS)
    if bad:
        return (
            f"统一社会信用代码含有不允许的字符 {'、'.join(bad)}"
            f"（只用数字和除 I、O、Z、S、V 以外的大写字母）；{example}。"
        )
    if v[0] not in USCC_DEPARTMENTS:
        return (
            f"第 1 位登记管理部门码 {v[0]} 不存在"
            f"（应为 1–9、A、N 或 Y，企业和个体工商户为 9，机关为 1）；{example}。"
        )
    if not _DIGITS_RE.match(v[2:8]):
        return f"第 3–8 位是登记管理机关的行政区划码，必须是 6 位数字，现在是 {v[2:8]}；{example}。"
    org_expected = org_code_check_char(v[8:16])
    if v[16] != org_expected:
        return (
            f"第 9–17 位（组织机构代码 {v[8:17]}）的校验码不符：应为 {org_expected}，现在是 {v[16]}，"
            f"请核对是否抄错；{example}。"
        )
    expected = uscc_check_char(v[:17])
    if v[17] != expected:
        return (
            f"第 18 位校验码不符：按前 17 位计算应为 {expected}，现在是 {v[17]}，请核对是否抄错；{example}。"
        )
    return None


def uscc_warnings(v: str) -> list[str]:
    """Doubts about a valid USCC that are not errors: unknown department/category pair, unknown region."""
    out: list[str] = []
    if uscc_problem(v) is not None:
        return out
    dept_name, categories = USCC_DEPARTMENTS[v[0]]
    if v[1] not in categories:
        known = "、".join(f"{k}（{n}）" for k, n in categories.items())
        out.append(
            f"登记管理部门码 {v[0]}（{dept_name}）下没有机构类别码 {v[1]}（已知的有 {known}），请核对。"
        )
    if not region_code_known(v[2:8]):
        out.append(f"第 3–8 位行政区划码 {v[2:8]} 不在 GB/T 2260 代码表中，请核对。")
    return out


# --------------------------------------------------------------------------------------------
# 工商注册号 (15 digits, ISO 7064 MOD 11,10)


def make_business_reg_no(body14: str) -> str:
    """A valid 15-digit 工商注册号 from its first 14 digits."""
    if len(body14) != 14 or not _DIGITS_RE.match(body14):
        raise ValueError(f"工商注册号前 14 位应为数字：{body14!r}")
    return body14 + mod_11_10.calc_check_digit(body14)


def business_reg_no_problem(v: str) -> str | None:
    """Why ``v`` is not a valid 15-digit 工商注册号."""
    if not isinstance(v, str):
        return "工商注册号应写成文字。"
    example = f"正确的形如 {BUSINESS_REG_NO_EXAMPLE}（15 位数字，末位为校验位）"
    if len(v) != 15:
        return f"工商注册号应为 15 位，现在是 {len(v)} 位；{example}。"
    if not _DIGITS_RE.match(v):
        return f"工商注册号只能是数字；{example}。"
    if not mod_11_10.is_valid(v):
        expected = mod_11_10.calc_check_digit(v[:14])
        return (
            f"工商注册号校验位不符：按前 14 位计算末位应为 {expected}，现在是 {v[14]}，"
            f"请核对是否抄错；{example}。"
        )
    return None


# --------------------------------------------------------------------------------------------
# 行政区划代码 (GB/T 2260)


@cache
def _region_info(code: str) -> dict[str, str]:
    info: dict[str, str] = {}
    for _part, props in numdb.get("cn/loc").info(code):
        info.update(props)
    return info


def region_code_known(code: str) -> bool:
    """True when ``code`` is (or was) a GB/T 2260 code (python-stdnum's table), or 100000 (全国)."""
    if not isinstance(code, str) or len(code) != 6 or not _DIGITS_RE.match(code):
        return False
    if code == NATIONAL_REGION:
        return True
    info = _region_info(code)
    return "province" in info and "county" in info


def region_name(code: str) -> str | None:
    """The name of a region code (the latest name where it changed), e.g. 320404 → 江苏省钟楼区."""
    if not region_code_known(code):
        return None
    if code == NATIONAL_REGION:
        return "全国"
    info = _region_info(code)
    county = info["county"].split(",")[-1]
    county = county.split("]", 1)[1] if county.startswith("[") else county
    return info["province"] if county == info["province"] else info["province"] + county


# --------------------------------------------------------------------------------------------
# 居民身份证号 (GB 11643)


def id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of an 18-digit ID number."""
    return _ric.calc_check_digit(first17 + "0")


def _birth_date(text: str) -> date | None:
    try:
        return date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def resident_id_problem(v: str, on: date | None = None) -> str | None:
    """Why ``v`` is not a valid resident ID number (18 digits, 15-digit legacy numbers or
    港澳台居民居住证 numbers). The birth date must not be later than ``on`` (default: today)."""
    if not isinstance(v, str):
        return "身份证号码应写成文字。"
    on = on or date.today()
    example = "正确的是 18 位（末位可以是 X）或 15 位数字"
    if len(v) == 15:
        if not _DIGITS_RE.match(v):
            return f"15 位身份证号码只能是数字；{example}。"
        birth = _birth_date("19" + v[6:12])
        region = v[:6]
    elif len(v) == 18:
        if not _DIGITS_RE.match(v[:17]) or v[17] not in "0123456789X":
            return f"身份证号码前 17 位必须是数字，末位是数字或大写 X；{example}。"
        expected = id_check_char(v[:17])
        if v[17] != expected:
            return f"身份证号码校验位不符：按前 17 位计算应为 {expected}，现在是 {v[17]}，请核对。"
        birth = _birth_date(v[6:14])
        region = v[:6]
    else:
        return f"身份证号码应为 18 位，现在是 {len(v)} 位；{example}。"
    if birth is None or birth.year < 1900:
        return "身份证号码中的出生日期不存在，请核对。"
    if birth > on:
        return f"身份证号码中的出生日期 {birth.isoformat()} 晚于 {on.isoformat()}，请核对。"
    if region not in RESIDENCE_PERMIT_PREFIXES and not region_code_known(region):
        return f"身份证号码前 6 位地址码 {region} 不在 GB/T 2260 代码表中，请核对。"
    return None


def resident_id_15_to_18(v: str) -> str:
    """The 18-digit form of a valid 15-digit ID number (century 19 inserted, check digit added)."""
    if len(v) != 15 or not _DIGITS_RE.match(v):
        raise ValueError("不是 15 位身份证号码")
    first17 = v[:6] + "19" + v[6:]
    return first17 + id_check_char(first17)


# --------------------------------------------------------------------------------------------
# Masked ID numbers
#
# Accepted masks (the digits kept must not allow the number to be recovered):
# * 身份证 (18 characters): digits (X only at the end) or *, at least 8 *, and the birth month
#   and day (positions 11–14) all masked — e.g. 3204**********1234 or 320404********1234.
#   15-digit legacy numbers: at least 7 *, positions 9–12 (month, day) masked.
# * every other ID type: at least half of the characters are *, e.g. E12*****8 for a passport.

ID_CARD = "身份证"
_MASKED_ID_CARD_RE = re.compile(r"^[0-9*]{17}[0-9X*]$|^[0-9*]{15}$")
_MASKED_OTHER_RE = re.compile(r"^[0-9A-Za-z*()（）\-]+$")
MASKED_ID_EXAMPLE = "3204**********1234"


def mask_id_number(number: str, id_type: str) -> str:
    """The masked form of a full ID number that may be stored: 身份证 keeps the first 4 and last 4
    characters (3204**********1234); other documents keep at most a quarter at each end. Every
    result passes ``masked_id_problem``."""
    if id_type == ID_CARD and len(number) == 18:
        return number[:4] + "*" * 10 + number[-4:]
    keep = len(number) // 4
    return number[:keep] + "*" * (len(number) - 2 * keep) + (number[-keep:] if keep else "")


def masked_id_problem(value: str, id_type: str) -> str | None:
    """Why ``value`` is not an acceptable masked ID number of type ``id_type`` (see the rules above)."""
    if not isinstance(value, str):
        return "证件号码应写成文字。"
    if "*" not in value:
        if id_type == ID_CARD and resident_id_problem(value) is None:
            return (
                f"这是未脱敏的身份证号码，仓库中只能保存脱敏后的号码：用 * 遮盖中间部分，"
                f"例如 {MASKED_ID_EXAMPLE}（至少 8 位为 *，出生月日必须遮盖）。"
            )
        return (
            f"证件号码必须脱敏，用 * 遮盖中间部分，例如身份证写成 {MASKED_ID_EXAMPLE}，"
            "其他证件至少遮盖一半字符。"
        )
    if id_type == ID_CARD:
        if not _MASKED_ID_CARD_RE.match(value):
            return (
                f"脱敏的身份证号码应为 18 位（或 15 位），由数字、末位 X 和 * 组成，"
                f"现在是 {len(value)} 位；例如 {MASKED_ID_EXAMPLE}。"
            )
        masked = value.count("*")
        need, birth_md = (8, value[10:14]) if len(value) == 18 else (7, value[8:12])
        if masked < need:
            return (
                f"身份证号码遮盖得太少：至少 {need} 位要写成 *，现在只有 {masked} 位；"
                f"例如 {MASKED_ID_EXAMPLE}。"
            )
        if set(birth_md) != {"*"}:
            start = 11 if len(value) == 18 else 9
            return f"身份证号码中的出生月日（第 {start} 位起 4 位）必须遮盖；例如 {MASKED_ID_EXAMPLE}。"
        return None
    if not _MASKED_OTHER_RE.match(value):
        return "脱敏的证件号码只能由字母、数字、括号、连字符和 * 组成，例如 E12*****8。"
    masked = value.count("*")
    if masked * 2 < len(value):
        half = (len(value) + 1) // 2
        return (
            f"证件号码遮盖得太少：至少一半字符（{half} 个）要写成 *，现在只有 {masked} 个；例如 E12*****8。"
        )
    return None


def _masked_id_any_type(value: str) -> bool:
    """Format check without knowing the ID type: acceptable as a 身份证 mask or as another type's."""
    return masked_id_problem(value, ID_CARD) is None or masked_id_problem(value, "其他") is None


# --------------------------------------------------------------------------------------------
# JSON Schema formats


def register_formats(checker) -> None:
    """Register the identifier formats on a ``jsonschema.FormatChecker``. Non-strings pass (the
    schema's ``type`` reports them)."""

    def fmt(name: str, ok):
        checker.checks(name)(lambda v: not isinstance(v, str) or bool(ok(v)))

    fmt("uscc", lambda v: v == USCC_PLACEHOLDER or uscc_problem(v) is None)
    fmt("org-code", lambda v: org_code_problem(v) is None)
    fmt("business-reg-no", lambda v: business_reg_no_problem(v) is None)
    fmt("region-code", lambda v: len(v) == 6 and _DIGITS_RE.match(v) is not None)
    fmt("masked-id-no", _masked_id_any_type)
