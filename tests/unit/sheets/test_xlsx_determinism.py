"""Every .xlsx the system writes is byte-identical for the same inputs: exports (dated by the as-of
day), import error reports (dated by the day the rows were checked) and blank templates (a constant
date). Run as separate processes with different hash seeds, so neither the wall clock nor set order
can leak in; the dates inside are checked too (openpyxl would write the wall clock there)."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from gongshi.sheets import national_standard as ns

from tests.support.opendata_repo import AS_OF, shared_repo

PROJECT = Path(__file__).resolve().parents[3]
FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "registry"


def gongshi(cwd: Path, *args: object, seed: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    command = [sys.executable, "-m", "gongshi", *(str(a) for a in args)]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def dates_inside(data: bytes) -> tuple[set, set[str]]:
    """(zip entry times, created/modified of docProps/core.xml)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        times = {i.date_time for i in z.infolist()}
        core = z.read("docProps/core.xml").decode("utf-8")
    return times, set(re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]*)<", core))


def twice(cwd: Path, out_a: Path, out_b: Path, *args: object) -> tuple[bytes, bytes]:
    for seed, out in (("1", out_a), ("2", out_b)):
        result = gongshi(cwd, *[out if a == "OUT" else a for a in args], seed=seed)
        assert out.is_file(), result.stdout + result.stderr
    return out_a.read_bytes(), out_b.read_bytes()


def test_export_xlsx_same_bytes_dated_by_as_of(tmp_path_factory, tmp_path):
    repo = shared_repo(tmp_path_factory)
    a, b = twice(
        repo,
        tmp_path / "a.xlsx",
        tmp_path / "b.xlsx",
        "export",
        "--format",
        "xlsx",
        "--as-of",
        AS_OF,
        "--output",
        "OUT",
    )
    assert a == b
    day = (AS_OF.year, AS_OF.month, AS_OF.day, 0, 0, 0)
    assert dates_inside(a) == ({day}, {f"{AS_OF.isoformat()}T00:00:00Z"})


def test_template_xlsx_same_bytes_with_a_constant_date(tmp_path):
    a, b = twice(
        tmp_path, tmp_path / "a.xlsx", tmp_path / "b.xlsx", "template", "--kind", "penalty", "--out", "OUT"
    )
    assert a == b
    assert dates_inside(a) == ({(2016, 1, 1, 0, 0, 0)}, {"2016-01-01T00:00:00Z"})


def test_import_error_report_same_bytes_dated_by_as_of(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE / "data", repo / "data")
    shutil.copy(PROJECT / "data" / "policy.yaml", repo / "data" / "policy.yaml")
    headers = [*ns.PENALTY_HEADERS, "数据导出时间"]
    bad = dict.fromkeys(headers, "")
    bad |= {
        "行政相对人名称": "常州市某某餐饮有限公司",
        "处罚决定日期": "2025-13-45",
        "罚款金额（万元）": "很多",
    }
    src = tmp_path / "bad.csv"
    with src.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([headers, [bad[h] for h in headers], [bad[h] for h in headers]])
    common = ("import", src, "--dept", "scjg", "--item", "scjg-cf-001", "--as-of", "2026-01-15", "--dry-run")
    a, b = twice(repo, tmp_path / "a.xlsx", tmp_path / "b.xlsx", *common, "--errors", "OUT")
    assert a == b
    assert dates_inside(a) == ({(2026, 1, 15, 0, 0, 0)}, {"2026-01-15T00:00:00Z"})
