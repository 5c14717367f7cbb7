"""The exchange database (前置库): a batch written into the national tables through SQLAlchemy 2.

Tables (docs/reporting.md): ``sgs_xzxk`` (行政许可) and ``sgs_xzcf`` (行政处罚), one row per record,
columns named by the standard's field codes, keyed by ``GS_JLBH`` (the record id); ``sgs_batch``
(one row per delivered batch) and ``sgs_batch_item`` (the records and digests of each batch).

A batch is one transaction: its rows are upserted (a withdrawal, correction or un-publication
updates the record's row in place: 当前状态, 信息使用范围 and the rest), its items and its batch
row inserted, then committed. A crash (even ``kill -9``) before the commit leaves the database as it
was; re-running the batch writes it whole. A batch whose row is already there (the crash came after
the commit, before the ledger file) is not written again: delivery is idempotent.

SQLite (a file path) and PostgreSQL are tested; MySQL and other dialects are untested options
(MySQL upserts with ``ON DUPLICATE KEY UPDATE``, others delete and insert the batch's rows).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    create_engine,
    delete,
    insert,
    select,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from gongshi.core import gcpause
from gongshi.core.clock import CHINA_TZ
from gongshi.report import columns as col
from gongshi.report.batch import PlannedBatch

TABLES = {"licence": "sgs_xzxk", "penalty": "sgs_xzcf"}
BATCH_TABLE = "sgs_batch"
ITEM_TABLE = "sgs_batch_item"
DATE_COLUMNS = frozenset({"许可决定日期", "有效期自", "有效期至", "处罚决定日期", "处罚有效期", "公示截止期"})
AMOUNT_COLUMNS = frozenset({"罚款金额（万元）", "没收违法所得、没收非法财物的金额（万元）"})
KEY = col.CODES["licence"][col.RECORD_ID]  # GS_JLBH, the same in both tables
CHUNK = 2000
# Test-only: sleep after this many rows of a batch are written (the crash test kills the process then).
PAUSE_ENV = "GONGSHI_REPORT_TEST_PAUSE_AFTER_ROWS"
PAUSE_MARK = "gongshi-report: paused"


class ExchangeError(Exception):
    """The database cannot be reached or written; the message is Chinese and names the database."""


def database_url(target: str) -> str:
    """A SQLAlchemy URL; a plain path (no ``://``) is a SQLite file."""
    if "://" in target:
        return target
    return f"sqlite:///{target}"


def _column(name: str, code: str) -> Column:
    if code == KEY:
        return Column(code, String(64), primary_key=True)
    if name in DATE_COLUMNS:
        return Column(code, Date)
    if name in AMOUNT_COLUMNS:
        return Column(code, Numeric(18, 6))
    return Column(code, Text)


def national_tables() -> tuple[MetaData, dict[str, Table], Table, Table]:
    meta = MetaData()
    tables = {
        kind: Table(TABLES[kind], meta, *(_column(n, col.CODES[kind][n]) for n in col.NAMES[kind]))
        for kind in TABLES
    }
    batches = Table(
        BATCH_TABLE,
        meta,
        Column("batch_id", String(32), primary_key=True),
        Column("sequence", Integer, nullable=False),
        Column("as_of", Date, nullable=False),
        Column("head", String(64)),
        Column("rows", Integer, nullable=False),
        Column("delivered_at", DateTime(timezone=True), nullable=False),
    )
    items = Table(
        ITEM_TABLE,
        meta,
        Column("batch_id", String(32), primary_key=True),
        Column("record_id", String(64), primary_key=True),
        Column("kind", String(16), nullable=False),
        Column("digest", String(64), nullable=False),
    )
    return meta, tables, batches, items


def _value(name: str, text: str):
    if text == "":
        return None
    if name in DATE_COLUMNS:
        return date(int(text[:4]), int(text[5:7]), int(text[8:10]))  # YYYY/MM/DD
    if name in AMOUNT_COLUMNS:
        return Decimal(text)
    return text


def db_row(row: dict[str, str], kind: str) -> dict:
    """A report row as the table's values (blank → NULL, dates and amounts typed)."""
    codes = col.CODES[kind]
    return {codes[n]: _value(n, v) for n, v in row.items()}


def _chunks(rows: Sequence[dict], size: int = CHUNK) -> Iterator[Sequence[dict]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _upsert(conn: Connection, table: Table, values: Sequence[dict]) -> None:
    dialect = conn.dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert  # lazy: per dialect
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert  # lazy: per dialect
        stmt = dialect_insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c[KEY]],
            set_={c.name: stmt.excluded[c.name] for c in table.columns if c.name != KEY},
        )
        conn.execute(stmt, list(values))
    elif dialect in ("mysql", "mariadb"):  # untested (docs/reporting.md)
        from sqlalchemy.dialects.mysql import insert as mysql_insert  # lazy: per dialect

        stmt = mysql_insert(table)
        stmt = stmt.on_duplicate_key_update(
            {c.name: stmt.inserted[c.name] for c in table.columns if c.name != KEY}
        )
        conn.execute(stmt, list(values))
    else:  # untested: any dialect, in the same transaction
        conn.execute(delete(table).where(table.c[KEY].in_([v[KEY] for v in values])))
        conn.execute(insert(table), list(values))


@dataclass(frozen=True)
class Delivery:
    """What writing a batch did."""

    batch_id: str
    rows: int
    already: bool  # the batch was delivered before (nothing written)


def open_engine(target: str) -> Engine:
    try:
        return create_engine(database_url(target))
    except (ArgumentError, SQLAlchemyError, ImportError) as exc:
        raise ExchangeError(f"无法使用数据库 “{_safe(target)}”：{exc.__class__.__name__}") from exc


def _safe(target: str) -> str:
    """The target without its password (for messages)."""
    try:
        from sqlalchemy.engine import make_url  # lazy: only for a message

        return make_url(database_url(target)).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "（无法解析的地址）"


def deliver(engine: Engine, batch: PlannedBatch, when: datetime | None = None) -> Delivery:
    """Write ``batch`` in one transaction (tables created when missing)."""
    with gcpause.paused():  # tens of thousands of row dicts and statement parameters
        return _deliver(engine, batch, when)


def _deliver(engine: Engine, batch: PlannedBatch, when: datetime | None) -> Delivery:
    meta, tables, batches, items = national_tables()
    pause = int(os.environ.get(PAUSE_ENV, "0") or 0)
    try:
        meta.create_all(engine)
        with engine.begin() as conn:
            done = conn.execute(
                select(batches.c.batch_id).where(batches.c.batch_id == batch.batch_id)
            ).first()
            if done is not None:
                return Delivery(batch.batch_id, 0, already=True)
            written = 0
            for kind, rows in batch.rows.items():
                values = [db_row(r, kind) for r in rows]
                for chunk in _chunks(values):
                    _upsert(conn, tables[kind], chunk)
                    written += len(chunk)
                    if pause and written >= pause:
                        print(PAUSE_MARK, file=sys.stderr, flush=True)
                        time.sleep(600)
            item_rows = [
                {
                    "batch_id": batch.batch_id,
                    "record_id": r[col.RECORD_ID],
                    "kind": kind,
                    "digest": r[col.CONTENT_DIGEST],
                }
                for kind, rows in batch.rows.items()
                for r in rows
            ]
            for chunk in _chunks(item_rows, 5000):
                conn.execute(insert(items), list(chunk))
            conn.execute(
                insert(batches),
                {
                    "batch_id": batch.batch_id,
                    "sequence": batch.sequence,
                    "as_of": date.fromisoformat(batch.as_of),
                    "head": batch.head,
                    "rows": batch.size,
                    "delivered_at": when or datetime.now(CHINA_TZ),
                },
            )
    except SQLAlchemyError as exc:
        raise ExchangeError(
            f"写入数据库 “{_safe(str(engine.url))}” 失败，本批次未写入（整批回滚），"
            f"可直接重新运行：{exc.__class__.__name__}"
        ) from exc
    return Delivery(batch.batch_id, batch.size, already=False)
