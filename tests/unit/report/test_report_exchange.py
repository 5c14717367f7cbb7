"""The exchange database (前置库): ``gongshi report --to`` into SQLite and a real PostgreSQL cluster
(tests/support/postgres.py): rows equal the records, a re-run changes nothing, a withdrawal updates
the row in place, ``kill -9`` in the middle of a batch leaves nothing half-written and the re-run
completes it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import gongshi
import pytest
import sqlalchemy
from click.testing import CliRunner
from gongshi.cli import main
from gongshi.report import columns as col
from gongshi.report.batch import plan_batch
from gongshi.report.exchange import (
    BATCH_TABLE,
    ITEM_TABLE,
    PAUSE_ENV,
    PAUSE_MARK,
    TABLES,
    database_url,
    db_row,
    deliver,
    open_engine,
)
from gongshi.report.ledger import read_batches
from gongshi.report.rows import Unsealer
from gongshi.snapshot.load import load
from pyrage import x25519

from tests.support.gitrepo import GitRepo
from tests.support.opendata_repo import PENALTY_C
from tests.support.report_repo import AS_OF, IDENTITY, REPORT_PATHS, build_report_repo, write_identity

PLUGINS = Path(gongshi.__file__).resolve().parents[1]
REPORTED = 10  # every record of the fixture but the 国家秘密 stub: 3 licences, 7 penalties


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("exchange")
    build_report_repo(base / "repo")
    return base / "repo"


@pytest.fixture
def repo(built, tmp_path, monkeypatch) -> Path:
    copy = tmp_path / "repo"
    shutil.copytree(built, copy, symlinks=True)
    monkeypatch.chdir(copy)
    monkeypatch.setenv("GONGSHI_AGE_IDENTITY", str(write_identity(tmp_path)))
    return copy


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "report.db")  # a plain path: the embedded SQLite default
    return request.getfixturevalue("postgres_url")


def report_to(database: str, *extra: str):
    result = CliRunner().invoke(
        main, ["report", "--to", database, "--as-of", AS_OF, *extra], catch_exceptions=False
    )
    assert "Traceback" not in result.output
    return result


def table_rows(database: str) -> dict[str, list[dict]]:
    engine = sqlalchemy.create_engine(database_url(database))
    meta = sqlalchemy.MetaData()
    meta.reflect(engine)
    out = {}
    with engine.connect() as conn:
        for name in (*TABLES.values(), BATCH_TABLE, ITEM_TABLE):
            table = meta.tables[name]
            order = list(table.primary_key.columns)
            out[name] = [dict(r._mapping) for r in conn.execute(sqlalchemy.select(table).order_by(*order))]
    engine.dispose()
    return out


def expected_rows(repo: Path) -> dict[str, dict[str, dict]]:
    """The records as the tables must hold them, from the report's own planning of a fresh batch."""
    snapshot = load(repo, date.fromisoformat(AS_OF), cache=False)
    batch = plan_batch(snapshot, [], Unsealer([x25519.Identity.from_str(IDENTITY)]), since_last=False)
    return {kind: {r[col.RECORD_ID]: db_row(r, kind) for r in rows} for kind, rows in batch.rows.items()}


def comparable(row: dict) -> dict:
    # 上报类型 and 上报批次 say how a row was sent, not what the record is.
    return {k: v for k, v in row.items() if k not in ("GS_SBLX", "GS_SBPC")}


def test_rows_equal_the_records_and_a_rerun_changes_nothing(repo, database):
    result = report_to(database)
    assert result.exit_code == 0, result.output
    tables = table_rows(database)
    want = expected_rows(repo)
    for kind, name in TABLES.items():
        got = {r["GS_JLBH"]: r for r in tables[name]}
        assert set(got) == set(want[kind])
        for rid, row in got.items():
            assert comparable(row) == comparable(want[kind][rid]), rid
    assert sum(len(tables[n]) for n in TABLES.values()) == REPORTED
    penalty = {r["GS_JLBH"]: r for r in tables["sgs_xzcf"]}
    assert (
        penalty["scjg-cf-2026-0016"]["CF_ZT"] == "撤销"
        and penalty["scjg-cf-2026-0016"]["CF_XDR_MC"] == "张小明"
    )
    assert str(penalty["scjg-cf-2026-0023"]["CF_NR_FK"]).startswith("12.000000")
    assert penalty["zhzf-cf-2026-0001"]["CF_SYFW"] == "仅政府部门内部共享"
    assert len(tables[BATCH_TABLE]) == 1 and len(tables[ITEM_TABLE]) == REPORTED
    # --since-last right after: nothing new, nothing written, nothing recorded.
    again = report_to(database, "--since-last")
    assert again.exit_code == 0 and "没有新增或变更" in again.output
    assert table_rows(database) == tables and len(read_batches(repo)) == 1
    # A full re-run is a new batch with the same rows: the records' tables do not change.
    full = report_to(database)
    assert full.exit_code == 0
    after = table_rows(database)
    for name in TABLES.values():
        assert [comparable(r) for r in after[name]] == [comparable(r) for r in tables[name]]
    assert len(after[BATCH_TABLE]) == 2


def test_a_withdrawal_updates_the_row_in_place(repo, database):
    assert report_to(database).exit_code == 0
    GitRepo(repo).commit(
        "撤销处罚决定",
        "2026-10-10T09:00:00+08:00",
        {
            REPORT_PATHS["scjg-cf-2026-0015"]: PENALTY_C
            + "status: 撤销\nstatus_date: 2026-10-09\nstatus_reason: 复议撤销。\n"
        },
    )
    result = report_to(database, "--since-last")
    assert result.exit_code == 0 and "行政处罚 1 条（新增 0，更新 1）" in result.output, result.output
    rows = {r["GS_JLBH"]: r for r in table_rows(database)["sgs_xzcf"]}
    assert len(rows) == 7
    changed = rows["scjg-cf-2026-0015"]
    assert (changed["CF_ZT"], changed["CF_ZTBGYY"], changed["GS_SBLX"]) == ("撤销", "复议撤销。", "更新")
    assert changed["CF_XDR_MC"] == "常州市测试餐饮有限公司" and changed["CF_SY"], (
        "the full record, not a blank row"
    )


def test_a_batch_delivered_before_its_ledger_file_is_not_written_twice(repo, database):
    """The crash came after the commit, before the ledger file: the re-run finds the batch."""
    snapshot = load(repo, date.fromisoformat(AS_OF), cache=False)
    batch = plan_batch(
        snapshot, read_batches(repo), Unsealer([x25519.Identity.from_str(IDENTITY)]), since_last=True
    )
    engine = open_engine(database)
    deliver(engine, batch)
    engine.dispose()
    before = table_rows(database)
    result = report_to(database, "--since-last")
    assert result.exit_code == 0 and "未重复写入" in result.output, result.output
    assert table_rows(database) == before
    (recorded,) = read_batches(repo)
    assert recorded.batch_id == batch.batch_id and len(recorded.records) == REPORTED


def test_kill_9_in_the_middle_of_a_batch_then_rerun(repo, database, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(PLUGINS), PAUSE_ENV: "1"}
    cmd = [sys.executable, "-m", "gongshi", "report", "--to", database, "--as-of", AS_OF]
    proc = subprocess.Popen(cmd, cwd=repo, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    try:
        for line in proc.stderr:  # wait until rows of the batch are written inside its transaction
            if PAUSE_MARK.encode() in line:
                break
        else:
            pytest.fail("the report never reached the pause")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    # Nothing of the killed batch is visible, and nothing was recorded.
    engine = sqlalchemy.create_engine(database_url(database))
    with engine.connect() as conn:
        for name in (*TABLES.values(), BATCH_TABLE, ITEM_TABLE):
            assert conn.exec_driver_sql(f"SELECT COUNT(*) FROM {name}").scalar() == 0, name
    engine.dispose()
    assert read_batches(repo) == []
    # The re-run writes the whole batch once.
    rerun = subprocess.run(cmd, cwd=repo, env={**env, PAUSE_ENV: ""}, capture_output=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr.decode()
    tables = table_rows(database)
    ids = [r["GS_JLBH"] for n in TABLES.values() for r in tables[n]]
    assert len(ids) == len(set(ids)) == REPORTED
    want = expected_rows(repo)
    for kind, name in TABLES.items():
        assert {r["GS_JLBH"]: comparable(r) for r in tables[name]} == {
            k: comparable(v) for k, v in want[kind].items()
        }
    assert len(tables[BATCH_TABLE]) == 1 and len(read_batches(repo)) == 1
    assert json.loads((repo / "reports/ledger").glob("*.json").__next__().read_text(encoding="utf-8"))[
        "target"
    ] == ("database:" + ("sqlite" if "://" not in database else "postgresql"))
