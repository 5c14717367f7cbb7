"""Sealed identity numbers: full ID numbers kept only encrypted with age to the credit office's keys.

The data repository holds the masked form everywhere (``id_no_masked``); the full number a clerk
enters is sealed next to it (``id_no_sealed``) as an ASCII-armored age message to the recipients
listed in ``data/policy.yaml``. Only ``gongshi report`` with an identity file ever unseals; the
public build never reads the sealed fields.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyrage
from pyrage import x25519

ARMOR_BEGIN = "-----BEGIN AGE ENCRYPTED FILE-----"
ARMOR_END = "-----END AGE ENCRYPTED FILE-----"
IDENTITY_ENV = "GONGSHI_AGE_IDENTITY"


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
