"""Sealed identity numbers: full ID numbers kept only encrypted with age to the credit office's keys.

The data repository holds the masked form everywhere (``id_no_masked``); the full number a clerk
enters is sealed next to it (``id_no_sealed``) as an ASCII-armored age message to the recipients
listed in ``data/policy.yaml``. Only ``gongshi report`` with an identity file ever unseals; the
public build never reads the sealed fields.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pyrage
from pyrage import x25519

ARMOR_BEGIN = "-----BEGIN AGE ENCRYPTED FILE-----"
ARMOR_END = "-----END AGE ENCRYPTED FILE-----"
IDENTITY_ENV = "GONGSHI_AGE_IDENTITY"
# The party keys that hold sealed text: a natural person's full ID number and a legal
# representative's. Nothing but ``gongshi report`` (and ``gongshi reseal``) reads them.
SEALED_PARTY_KEYS = ("id_no_sealed", "legal_rep_id_no_sealed")
# What a clerk is told when the repository has no recipients to seal to.
HOW_TO_CONFIGURE = (
    "请在 data/policy.yaml 中写明市信用办的 age 公钥：\n"
    "  reporting:\n    recipients:\n      - age1…\n"
    "（公钥由市信用办提供；配置后重新导入或重新填写即可加密保存完整证件号码）"
)


class SealError(Exception):
    """A sealing or unsealing failure; the message is one Chinese sentence a user can act on."""


def parse_recipients(recipients: Iterable[str]) -> list[x25519.Recipient]:
    parsed = []
    for text in recipients:
        try:
            parsed.append(x25519.Recipient.from_str(text.strip()))
        except Exception as exc:  # pyrage raises its own RecipientError or ValueError
            raise SealError(f"接收方公钥 {text!r} 无效：应为 age1 开头的 age X25519 公钥") from exc
    if not parsed:
        raise SealError("没有接收方公钥：请在 data/policy.yaml 的 reporting.recipients 中列出 age 公钥")
    return parsed


def seal(plaintext: str, recipients: Sequence[str]) -> str:
    """``plaintext`` encrypted to every recipient, as one ASCII-armored age message."""
    try:
        sealed = pyrage.encrypt(plaintext.encode("utf-8"), parse_recipients(recipients), armored=True)
    except SealError:
        raise
    except Exception as exc:
        raise SealError(f"加密失败：{exc}") from exc
    return sealed.decode("ascii").strip() + "\n"


def policy_recipients(policy_data: Mapping | None) -> tuple[str, ...]:
    """The recipients listed under ``reporting.recipients`` of the loaded ``policy.yaml`` (raw
    strings, in file order; empty when there are none). Their validity is the schema's and
    ``parse_recipients``'s business."""
    reporting = (policy_data or {}).get("reporting")
    listed = reporting.get("recipients") if isinstance(reporting, Mapping) else None
    if not isinstance(listed, list):
        return ()
    return tuple(str(r).strip() for r in listed if str(r).strip())


def without_sealed(data: Mapping) -> dict:
    """``data`` (a record) with the sealed party fields left out: what is compared when the question
    is whether published content changed (re-sealing to new keys, or sealing a number later, is
    not a correction of the published record)."""
    out = dict(data)
    party = out.get("party")
    if isinstance(party, Mapping) and any(k in party for k in SEALED_PARTY_KEYS):
        out["party"] = {k: v for k, v in party.items() if k not in SEALED_PARTY_KEYS}
    return out


def recipient_stanzas(sealed: str) -> int | None:
    """How many X25519 recipient stanzas the age header of ``sealed`` lists (None when the text is
    not readable armored age). Read from the header only, without decrypting: the header names no
    key, only one stanza per recipient (and possibly a random "grease" stanza, not counted)."""
    if not is_sealed_text(sealed):
        return None
    body = "".join(sealed.strip().splitlines()[1:-1])
    try:
        raw = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return None
    header, sep, _ = raw.partition(b"\n--- ")
    if not sep or not header.startswith(b"age-encryption.org/v1\n"):
        return None
    return sum(1 for line in header.split(b"\n") if line.startswith(b"-> X25519 "))


def is_sealed_text(value: object) -> bool:
    """Whether ``value`` has the shape of an armored age message (not whether it decrypts)."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    return text.startswith(ARMOR_BEGIN) and text.endswith(ARMOR_END)


def load_identities(path: str | os.PathLike[str] | None = None) -> list[x25519.Identity]:
    """The age identities in ``path`` (or ``$GONGSHI_AGE_IDENTITY``), one ``AGE-SECRET-KEY-1…`` a line."""
    where = path if path is not None else os.environ.get(IDENTITY_ENV)
    if not where:
        raise SealError(f"没有私钥文件：请用 --identity 指定，或设置环境变量 {IDENTITY_ENV}")
    try:
        text = Path(where).read_text(encoding="utf-8")
    except OSError as exc:
        raise SealError(f"无法读取私钥文件 {where}：{exc.strerror or exc}") from exc
    identities = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            identities.append(x25519.Identity.from_str(line))
        except Exception as exc:
            raise SealError(f"私钥文件 {where} 中有一行不是 age 私钥（AGE-SECRET-KEY-1…）") from exc
    if not identities:
        raise SealError(f"私钥文件 {where} 中没有 age 私钥")
    return identities


def unseal(sealed: str, identities: Sequence[x25519.Identity]) -> str:
    """The plaintext of one sealed value; ``SealError`` when no identity opens it."""
    if not is_sealed_text(sealed):
        raise SealError("加密字段格式不对：应为 age 加密后的文本（-----BEGIN AGE ENCRYPTED FILE----- 开头）")
    try:
        return pyrage.decrypt(sealed.strip().encode("ascii"), list(identities)).decode("utf-8")
    except Exception as exc:
        raise SealError("无法解密：所给私钥不是这条记录的接收方之一（是否已轮换公钥？）") from exc


def generate_identity() -> tuple[str, str]:
    """A new (secret identity, public recipient) pair as text, for tests and `gongshi keys`-style set-up."""
    identity = x25519.Identity.generate()
    return str(identity), str(identity.to_public())
