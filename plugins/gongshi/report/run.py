"""``gongshi report`` as an engine function: plan the batch, deliver it (files or the exchange
database), record it in the ledger; the result is data the command prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gongshi.core.records import KIND_LABEL, KINDS
from gongshi.report import exchange, files
from gongshi.report.batch import PlannedBatch, plan_batch
from gongshi.report.ledger import read_batches, record_batch
from gongshi.report.rows import Unsealer

if TYPE_CHECKING:
    from pyrage import x25519

    from gongshi.snapshot.build import Snapshot


@dataclass(frozen=True)
class ReportRequest:
    """What to send and where. ``output``: a file or folder (files); ``database``: a URL or SQLite
    path (the exchange database). Exactly one of the two."""

    fmt: str = "xlsx"
    headers: str = "names"
    kind: str | None = None
    since_last: bool = False
    output: Path | None = None
    database: str | None = None
    record: bool = True  # write the batch into the ledger


@dataclass
class ReportOutcome:
    code: int
    lines: list[str] = field(default_factory=list)  # for the user (Chinese)
    warnings: list[str] = field(default_factory=list)
    batch: PlannedBatch | None = None
    written: list[Path] = field(default_factory=list)
    already_delivered: bool = False


def _counts(batch: PlannedBatch) -> str:
    parts = [f"{KIND_LABEL[k]} {len(rows)} 条" for k, rows in batch.rows.items()]
    return "，".join(parts) + f"（新增 {batch.new}，更新 {batch.updated}）"


def _write_files(batch: PlannedBatch, request: ReportRequest) -> list[Path]:
    target = request.output
    assert target is not None
    to_dir = target.is_dir()
    out: list[Path] = []
    if request.fmt == "csv":
        kinds = [request.kind] if request.kind else list(batch.rows)
        for kind in kinds:
            name = files.default_name(batch, "csv", kind)
            path = target / name if to_dir else target
            path.write_bytes(files.render_csv(batch, kind, request.headers))
            out.append(path)
        return out
    data = (
        files.render_xlsx(batch, request.headers)
        if request.fmt == "xlsx"
        else files.render_json(batch, request.headers)
    )
    path = target / files.default_name(batch, request.fmt) if to_dir else target
    path.write_bytes(data)
    return [path]


def _local_targets(request: ReportRequest) -> list[Path]:
    """The files a report writes on this machine (an output, or a SQLite database file)."""
    if request.output is not None:
        return [request.output]
    if request.database is not None and "://" not in request.database:
        return [Path(request.database)]
    return []


def run_report(
    root: Path,
    snapshot: Snapshot,
    request: ReportRequest,
    identities: list[x25519.Identity] | None,
    *,
    cache: bool = True,
) -> ReportOutcome:
    """Plan, deliver and record one batch. Exit codes: 0 delivered (or nothing new), 1 failed."""
    batches = read_batches(root)
    unsealer = Unsealer(identities or ())
    kinds = (request.kind,) if request.kind else KINDS
    batch = plan_batch(
        snapshot,
        batches,
        unsealer,
        since_last=request.since_last,
        kinds=kinds,
        cache_root=root if cache else None,
    )
    outcome = ReportOutcome(0, batch=batch)
    if unsealer.failures:
        shown = "、".join(unsealer.failures[:5]) + ("等" if len(unsealer.failures) > 5 else "")
        outcome.code = 1
        outcome.lines.append(
            f"错误：{len(unsealer.failures)} 条记录的完整证件号码无法用所给私钥解密（{shown}）："
            "请确认私钥是 data/policy.yaml 中 reporting.recipients 对应的私钥。未上报。"
        )
        return outcome
    if unsealer.blank:
        outcome.warnings.append(
            "警告：没有提供私钥（--identity 或环境变量 GONGSHI_AGE_IDENTITY），"
            f"{unsealer.blank} 个完整证件号码留空上报；"
            "之后用私钥再运行 --since-last，这些记录会作为“更新”补报证件号码。"
        )
    if batch.size == 0:
        outcome.lines.append("自上一批次以来没有新增或变更的记录，本次没有上报，也没有记入台账。")
        return outcome
    if request.database is not None:
        engine = exchange.open_engine(request.database)
        try:
            delivery = exchange.deliver(engine, batch)
        finally:
            engine.dispose()
        outcome.already_delivered = delivery.already
        where = f"数据库 {engine.url.render_as_string(hide_password=True)}"
        target = f"database:{engine.dialect.name}"
        if delivery.already:
            outcome.lines.append(f"批次 {batch.batch_id} 已在{where}中（上次写入后未记台账），未重复写入。")
    else:
        outcome.written = _write_files(batch, request)
        where = "、".join(str(p) for p in outcome.written)
        target = "file:" + ",".join(p.name for p in outcome.written)
    if not outcome.already_delivered:
        outcome.lines.append(f"批次 {batch.batch_id} 已上报到 {where}：{_counts(batch)}。")
    if request.record:
        path = record_batch(root, batch.as_recorded(target))
        outcome.lines.append(f"已记入上报台账 {path.relative_to(root).as_posix()}（请提交到仓库）。")
    inside = [p for p in _local_targets(request) if p.resolve().is_relative_to(Path(root).resolve())]
    if inside:
        outcome.warnings.append(
            f"警告：{inside[0]} 在数据仓库目录中。上报数据含完整姓名和证件号码，不要提交到仓库："
            "请移到仓库之外，或把它加入 .gitignore。"
        )
    if request.fmt == "csv" and request.database is None:
        outcome.warnings.append(
            "提示：CSV 导入时请把所有列设为“文本”，否则长数字代码会被改写（见文件第 1 行）。"
        )
    return outcome
