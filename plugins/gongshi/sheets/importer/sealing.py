"""Sealing the full ID numbers a sheet carries: a natural person's (证件号码, masked as before) and a
legal representative's (法定代表人证件号码, which has no masked form in a record).

Each full number is encrypted with age to the credit office's keys (``reporting.recipients`` of
``data/policy.yaml``) and stored next to the masked form (``party.id_no_sealed``,
``party.legal_rep_id_no_sealed``). Without recipients the full number is dropped (masking still
happens) and the import says how to configure them; a number is never written in clear.
"""

from __future__ import annotations

import contextlib
import re
from datetime import date

from gongshi.core import identifiers
from gongshi.core.records import NATURAL_PERSON
from gongshi.core.sealed import HOW_TO_CONFIGURE, SealError, seal
from gongshi.sheets.importer.cells import clean_code, parse_date_value
from gongshi.sheets.importer.row import ConvertedRow

LEGAL_REP_ID_NO = "legal_rep_id_no"  # the column id of 法定代表人证件号码
_ID_SHAPE = re.compile(r"\d{17}[\dX]|\d{15}")


def legal_rep_number(row: ConvertedRow) -> str | None:
    """The legal representative's full ID number of ``row``, checked (None: no number, a masked one,
    or one that cannot be used: the row then has an error naming the column)."""
    raw = row.raw.get(LEGAL_REP_ID_NO)
    if isinstance(raw, float) and raw >= 1e15:
        row.error(
            LEGAL_REP_ID_NO,
            "法定代表人证件号码被 Excel 存成了数字，末几位已经丢失。请把这一列设为“文本”格式后重新填写",
            "$.party.legal_rep_id_no_sealed",
        )
        return None
    number = clean_code(raw)
    if not number or "*" in number:
        return None  # nothing to seal: a masked number has no use in the repository
    if re.fullmatch(r"\d(\.\d+)?E\+?\d+", number):
        row.error(
            LEGAL_REP_ID_NO,
            "法定代表人证件号码被写成了科学计数法，末几位已经丢失。请把这一列设为“文本”格式后重新填写",
            "$.party.legal_rep_id_no_sealed",
        )
        return None
    if row.party.get("category") == NATURAL_PERSON:
        row.error(
            LEGAL_REP_ID_NO,
            "行政相对人是自然人，没有法定代表人：请删除法定代表人证件号码（自然人的号码填在“证件号码”列）",
            "$.party.legal_rep_id_no_sealed",
        )
        return None
    id_type = row.party.get("legal_rep_id_type")
    if id_type is None and "$.party.legal_rep_id_type" not in row.bad_paths and _ID_SHAPE.fullmatch(number):
        id_type = "身份证"
        row.put("party.legal_rep_id_type", id_type, LEGAL_REP_ID_NO)
    if id_type == "身份证":
        if len(number) == 15 and number.isdigit():
            with contextlib.suppress(ValueError):  # resident_id_problem says why
                number = identifiers.resident_id_15_to_18(number)
        decided = parse_date_value(row.raw.get("decision_date"))[0]
        why = identifiers.resident_id_problem(number, date.fromisoformat(decided) if decided else None)
        if why:
            row.error(LEGAL_REP_ID_NO, f"法定代表人身份证号码无效：{why}", "$.party.legal_rep_id_no_sealed")
            return None
    return number


def seal_row_numbers(row: ConvertedRow, recipients: tuple[str, ...]) -> int:
    """Seal the row's full numbers into its party (when there are ``recipients``); the number of full
    numbers the row carried (sealed, or dropped for want of recipients)."""
    numbers = dict(row.clear_numbers)
    row.clear_numbers.clear()  # the full numbers leave the row here, sealed or not at all
    if not recipients:
        # Nothing will be kept: the legal representative's column is not even checked (as before
        # sealing existed, it cannot reject a row), only counted for the notice.
        raw = clean_code(row.raw.get(LEGAL_REP_ID_NO))
        return len(numbers) + (1 if raw and "*" not in raw else 0)
    legal = legal_rep_number(row)
    if legal is not None:
        numbers["legal_rep_id_no_sealed"] = legal
    for key, number in numbers.items():
        try:
            row.party[key] = seal(number, recipients)
        except SealError as exc:  # a recipient the schema let through but age rejects
            row.error(LEGAL_REP_ID_NO if key.startswith("legal_rep") else "party.id_no", str(exc))
            continue
        row.sources[f"$.party.{key}"] = row.column(
            LEGAL_REP_ID_NO if key.startswith("legal_rep") else "party.id_no"
        )
    if row.party and "party" not in row.data:
        row.data["party"] = row.party
    return len(numbers)


def unsealed_notice(count: int) -> str:
    """The import's notice when ``count`` full numbers could not be kept (no recipients)."""
    return (
        f"有 {count} 个完整证件号码没有保存：data/policy.yaml 没有配置接收方公钥（reporting.recipients），"
        "完整号码只能加密保存，因此只保存了脱敏号码。" + HOW_TO_CONFIGURE.replace("\n", " ")
    )


def sealed_notice(count: int) -> str:
    return f"有 {count} 个完整证件号码已用市信用办的公钥加密保存（只有 gongshi report 持私钥才能解密上报）。"
