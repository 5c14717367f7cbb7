"""Checking published ledgers (``gongshi ledger verify`` and ``prove``): read a site's ``ledger/``
from a folder or an http(s) URL, recompute its Merkle root from the entries, and prove with RFC 9162
proofs (``core.merkle``) that one ledger extends another, or that a record's entries are in it.

Results are data (``Outcome``: exit code and Chinese lines); nothing here exits or prints.
Exit codes: 0 proven, 1 the history was rewritten (or a ledger contradicts its own head), 2 a
ledger cannot be read.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from gongshi.core import merkle
from gongshi.outputs.ledger import CHUNK_PATH, FORMAT, HEAD, LedgerEntry

TIMEOUT = 30  # seconds per HTTP request
MAX_BYTES = 64 << 20  # a chunk file is ~150 KB; anything this large is not a ledger


class LedgerReadError(Exception):
    """A ledger that cannot be read (missing, unreachable, not a ledger); the message is Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class SiteLedger:
    """One site's published ledger: its head (as published) and all its entries."""

    source: str
    head: dict
    entries: list[LedgerEntry]

    @property
    def size(self) -> int:
        return int(self.head["size"])

    @property
    def root(self) -> str:
        return str(self.head["root"])

    def leaf_hashes(self) -> list[bytes]:
        return [merkle.leaf_hash(e.leaf()) for e in self.entries]


@dataclass
class Outcome:
    code: int  # 0 proven, 1 rewritten or inconsistent, 2 unreadable
    lines: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)


def _fetch(source: str, rel: str) -> bytes:
    if source.startswith(("http://", "https://")):
        url = source.rstrip("/") + "/" + rel
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT) as resp:
                data = resp.read(MAX_BYTES + 1)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise LedgerReadError(f"无法下载 {url}：{getattr(exc, 'reason', exc)}") from None
    else:
        path = Path(source) / rel
        try:
            with open(path, "rb") as fh:
                data = fh.read(MAX_BYTES + 1)
        except OSError as exc:
            raise LedgerReadError(f"无法读取 {path}：{exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise LedgerReadError(f"{source} 的 {rel} 太大，不是公示账本文件。")
    return data


def _gunzip(source: str, rel: str, data: bytes) -> bytes:
    """A chunk file's JSON, decompressed no further than ``MAX_BYTES`` (a gzip bomb stops there)."""
    try:
        unzip = zlib.decompressobj(wbits=31)  # gzip header and trailer
        out = unzip.decompress(data, MAX_BYTES + 1)
    except zlib.error:
        raise LedgerReadError(f"{source} 的 {rel} 不是有效的 gzip 文件。") from None
    if len(out) > MAX_BYTES:
        raise LedgerReadError(f"{source} 的 {rel} 太大，不是公示账本文件。")
    if not unzip.eof:
        raise LedgerReadError(f"{source} 的 {rel} 不完整（gzip 数据被截断）。")
    return out


def _json(source: str, rel: str) -> dict:
    try:
        data = _fetch(source, rel)
        doc = json.loads((_gunzip(source, rel, data) if rel.endswith(".gz") else data).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise LedgerReadError(f"{source} 的 {rel} 不是有效的 JSON。") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise LedgerReadError(f"{source} 的 {rel} 不是本程序认识的公示账本（格式应为 {FORMAT}）。")
    return doc


def read_ledger(source: str) -> SiteLedger:
    """The ledger of the site at ``source`` (a built site's folder or its http(s) URL)."""
    head = _json(source, HEAD)
    try:
        size, chunk, root = int(head["size"]), int(head["chunk_size"]), str(head["root"])
        bytes.fromhex(root)
    except (KeyError, TypeError, ValueError):
        raise LedgerReadError(f"{source} 的 {HEAD} 缺少条目数、分块大小或根摘要。") from None
    if size < 0 or chunk <= 0:
        raise LedgerReadError(f"{source} 的 {HEAD} 中的条目数或分块大小不对。")
    entries: list[LedgerEntry] = []
    for n in range(-(-size // chunk)):
        rel = CHUNK_PATH.format(n=n)
        doc = _json(source, rel)
        raw = doc.get("entries")
        if not isinstance(raw, list):
            raise LedgerReadError(f"{source} 的 {rel} 没有条目列表。")
        for i, item in enumerate(raw):
            try:
                entries.append(LedgerEntry.from_json(item))
            except ValueError as exc:
                raise LedgerReadError(f"{source} 的 {rel} 第 {i + 1} 条：{exc}。") from None
    return SiteLedger(source, head, entries)


def _self_check(ledger: SiteLedger, name: str) -> str | None:
    """Why the ledger contradicts its own head (None when it does not)."""
    if len(ledger.entries) != ledger.size:
        return f"{name}账本公布的条目数是 {ledger.size}，条目文件里却有 {len(ledger.entries)} 条。"
    root = merkle.root(ledger.leaf_hashes()).hex()
    if root != ledger.root:
        return f"{name}账本公布的根摘要 {ledger.root} 与按条目重新计算的 {root} 不一致。"
    return None


def _describe(n: int, e: LedgerEntry) -> str:
    return f"第 {n + 1} 条（{e.date} {e.id} {e.event} {e.sha256[:16]}…）"


def verify(old_source: str, new_source: str) -> Outcome:
    """Prove that the ledger at ``new_source`` extends the one at ``old_source``."""
    try:
        old, new = read_ledger(old_source), read_ledger(new_source)
    except LedgerReadError as exc:
        return Outcome(2, [exc.message])
    for ledger, name in ((old, "旧"), (new, "新")):
        problem = _self_check(ledger, name)
        if problem:
            return Outcome(1, [f"错误：{problem}（{ledger.source}）"])
    data = {"old": {"size": old.size, "root": old.root}, "new": {"size": new.size, "root": new.root}}
    if new.size < old.size:
        message = f"错误：新账本只有 {new.size} 条，比旧账本的 {old.size} 条少：公示记录被删除了。"
        return Outcome(1, [message], data)
    for n, (a, b) in enumerate(zip(old.entries, new.entries[: old.size], strict=True)):
        if a != b:
            return Outcome(
                1,
                [
                    "错误：历史被改写：新账本与旧账本从"
                    f"{_describe(n, a)}起不同，新账本此处为{_describe(n, b)}。",
                    "以前公示过的内容、日期或顺序被改动了。",
                ],
                data,
            )
    hashes = new.leaf_hashes()
    proof = merkle.consistency_proof(old.size, hashes)
    ok = merkle.verify_consistency(
        old.size, new.size, bytes.fromhex(old.root), bytes.fromhex(new.root), proof
    )
    data["consistency_proof"] = [p.hex() for p in proof]
    if not ok:  # cannot happen when the entries agree; kept as the proof's own verdict
        return Outcome(1, ["错误：一致性证明没有通过：新账本不是旧账本的延续。"], data)
    return Outcome(
        0,
        [
            f"旧账本：{old.size} 条，根摘要 {old.root}",
            f"新账本：{new.size} 条，根摘要 {new.root}",
            f"一致性证明（{len(proof)} 个摘要）通过：新账本是旧账本的延续，以前的 {old.size} 条一条未改。",
        ],
        data,
    )


def prove(source: str, record_id: str) -> Outcome:
    """Inclusion proofs of every entry of ``record_id`` in the ledger at ``source``, verified."""
    try:
        ledger = read_ledger(source)
    except LedgerReadError as exc:
        return Outcome(2, [exc.message])
    problem = _self_check(ledger, "")
    if problem:
        return Outcome(1, [f"错误：{problem}（{ledger.source}）"])
    hashes = ledger.leaf_hashes()
    root = bytes.fromhex(ledger.root)
    proofs = []
    lines = [f"账本：{ledger.size} 条，根摘要 {ledger.root}"]
    all_ok = True
    for n, e in enumerate(ledger.entries):
        if e.id != record_id:
            continue
        path = merkle.inclusion_proof(n, hashes)
        ok = merkle.verify_inclusion(hashes[n], n, ledger.size, path, root)
        all_ok &= ok
        proofs.append({"index": n, "entry": e.to_json(), "leaf_hash": hashes[n].hex(),
                       "proof": [p.hex() for p in path], "verified": ok})  # fmt: skip
        lines.append(f"{_describe(n, e)}：包含证明 {len(path)} 个摘要，{'验证通过' if ok else '验证失败'}")
        lines.extend(f"  {p.hex()}" for p in path)
    data = {"size": ledger.size, "root": ledger.root, "record_id": record_id, "entries": proofs}
    if not proofs:
        message = f"错误：账本中没有决定 “{record_id}” 的条目（尚未公示、不予公开或编号有误）。"
        return Outcome(1, [message], data)
    return Outcome(0 if all_ok else 1, lines, data)
