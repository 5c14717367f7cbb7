"""The party fields a full ID number becomes when a clerk enters one (``gongshi new --id-no`` /
``--legal-rep-id-no``): the type, the masked form (a natural person's only) and the sealed form.

The full number is checked, masked and sealed with age to ``reporting.recipients`` of
``data/policy.yaml``; it is never returned, written or printed. Without recipients the sealed form
is left out and ``notice`` says how to configure them (the masked form is kept all the same).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from gongshi.core import identifiers
from gongshi.core.records import NATURAL_PERSON
from gongshi.core.sealed import HOW_TO_CONFIGURE, SealError, seal

ID_TYPES = ("身份证", "护照号", "港澳居民来往内地通行证", "台湾居民来往大陆通行证", "外国人永久居留身份证")
_ID_CARD_SHAPE = re.compile(r"\d{17}[\dX]|\d{15}")
_OTHER_SHAPE = re.compile(r"[0-9A-Z()\-]{4,40}")


class IdNumberError(Exception):
    """An entered number or type that cannot be used; the Chinese message never quotes the number."""


@dataclass(frozen=True)
class EnteredNumber:
    fields: dict[str, str] = field(default_factory=dict)  # party key → value, in file order
    notice: str = ""  # why the full number was not kept, and how to keep it next time


def _normal(number: str) -> str:
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", number)).upper()


def _checked(number: str, id_type: str | None, who: str) -> tuple[str, str]:
    """(the full number in canonical form, its type); IdNumberError when it cannot be used."""
    number = _normal(number)
    if not number:
        raise IdNumberError(f"没有输入{who}的证件号码。")
    if "*" in number:
        raise IdNumberError(
            f"{who}的证件号码已经脱敏（含 *）：这里要输入完整号码，系统会自动脱敏并加密保存。"
        )
    if id_type is None:
        if not _ID_CARD_SHAPE.fullmatch(number):
            raise IdNumberError(f"请用 --id-type 写明{who}的证件类型（号码不是身份证号码的形式）。")
        id_type = identifiers.ID_CARD
    if id_type not in ID_TYPES and not re.fullmatch(r"其他-\S.{0,29}", id_type):
        raise IdNumberError(f"证件类型 “{id_type}” 无效。可填：{'、'.join(ID_TYPES)}，或“其他-证件名称”。")
    if id_type == identifiers.ID_CARD:
        if len(number) == 15 and number.isdigit():
            try:
                number = identifiers.resident_id_15_to_18(number)
            except ValueError:
                raise IdNumberError(f"{who}的身份证号码无效：15 位号码中的出生日期不对。") from None
        why = identifiers.resident_id_problem(number)
        if why:
            raise IdNumberError(f"{who}的身份证号码无效：{why}")
    elif not _OTHER_SHAPE.fullmatch(number):
        raise IdNumberError(f"{who}的证件号码只能由字母、数字、括号和连字符组成，4–40 个字符。")
    return number, id_type


def _sealed(number: str, recipients: tuple[str, ...], kept: str) -> tuple[str | None, str]:
    if not recipients:
        notice = (
            f"完整证件号码没有保存（只写入了{kept}）：data/policy.yaml 没有配置接收方公钥，"
            f"完整号码只能加密保存。{HOW_TO_CONFIGURE}"
        )
        return None, notice
    try:
        return seal(number, recipients), ""
    except SealError as exc:
        raise IdNumberError(str(exc)) from None


def person_id_fields(number: str, id_type: str | None, recipients: tuple[str, ...]) -> EnteredNumber:
    """A natural person's category, ID type, masked and sealed number."""
    number, id_type = _checked(number, id_type, "当事人")
    fields = {
        "category": NATURAL_PERSON,
        "id_type": id_type,
        "id_no_masked": identifiers.mask_id_number(number, id_type),
    }
    sealed, notice = _sealed(number, recipients, "证件类型和脱敏号码")
    if sealed:
        fields["id_no_sealed"] = sealed
    return EnteredNumber(fields, notice)


def legal_rep_id_fields(number: str, id_type: str | None, recipients: tuple[str, ...]) -> EnteredNumber:
    """A legal representative's ID type and sealed number (the record keeps no masked form of it)."""
    number, id_type = _checked(number, id_type, "法定代表人")
    fields = {"legal_rep_id_type": id_type}
    sealed, notice = _sealed(number, recipients, "证件类型")
    if sealed:
        fields["legal_rep_id_no_sealed"] = sealed
    return EnteredNumber(fields, notice)
