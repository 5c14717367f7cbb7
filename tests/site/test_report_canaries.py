"""Reporting stays internal: after ``gongshi report`` (full names, unsealed ID numbers, withheld
records, a ledger in the repository), the public site and every public export still hold no full
natural-person name, no ID number, no sealed text and nothing of the report ledger. The same needles
are found in the report itself, so the scan cannot pass by seeing nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import gongshi
import pytest

from tests.site.test_canaries import find, scan_tree
from tests.support.opendata_repo import PERSON_NAME, PUBLIC_PERSON, WITHHELD_SECRET
from tests.support.report_repo import (
    AS_OF,
    LEGAL_REP_ID,
    PRIVATE_PERSON,
    PRIVATE_PERSON_ID,
    PUBLIC_PERSON_ID,
    REVOKED_PERSON_ID,
    build_report_repo,
    write_identity,
)

pytestmark = pytest.mark.slow
PLUGINS = Path(gongshi.__file__).resolve().parents[1]
SECRETS = {
    "full name (public record)": PUBLIC_PERSON,
    "full name (withdrawn record)": PERSON_NAME,
    "full name (withheld record)": PRIVATE_PERSON,
    "ID (public record)": PUBLIC_PERSON_ID,
    "ID (withheld record)": PRIVATE_PERSON_ID,
    "ID (withdrawn record)": REVOKED_PERSON_ID,
    "legal representative's ID": LEGAL_REP_ID,
    "简易程序 facts": WITHHELD_SECRET,
}
NOT_PUBLIC = ("BEGIN AGE ENCRYPTED", "gongshi-report-batch", "reports/ledger")


def gongshi_run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(PLUGINS)}
    proc = subprocess.run(
        [sys.executable, "-m", "gongshi", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        timeout=600,
        check=False,
    )
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return proc


def test_report_holds_everything_and_the_public_outputs_nothing(tmp_path):
    repo = build_report_repo(tmp_path / "repo").path
    identity = write_identity(tmp_path)
    internal = tmp_path / "internal"
    internal.mkdir()
    gongshi_run(
        repo,
        "report",
        "--format",
        "json",
        "--output",
        str(internal / "r.json"),
        "--as-of",
        AS_OF,
        "--identity",
        str(identity),
    )
    gongshi_run(
        repo,
        "report",
        "--output",
        str(internal / "r.xlsx"),
        "--as-of",
        AS_OF,
        "--identity",
        str(identity),
        "--no-record",
    )
    report = scan_tree(internal)
    for label, needle in SECRETS.items():
        assert find(report, needle), f"the report must carry the {label}"
    assert (repo / "reports/ledger").is_dir(), "the batch was recorded in the repository"

    public = tmp_path / "public"
    gongshi_run(repo, "build", "--as-of", AS_OF, "--output", str(public / "site"))
    exports = public / "exports"
    exports.mkdir()
    for fmt in ("csv", "xlsx", "json"):
        gongshi_run(repo, "export", "--format", fmt, "--output", str(exports) + "/", "--as-of", AS_OF)
        gongshi_run(
            repo,
            "export",
            "--format",
            fmt,
            "--since",
            "2026-01-01",
            "--output",
            str(exports) + "/",
            "--as-of",
            AS_OF,
        )
    items = scan_tree(public)
    assert find(items, "钟测市监罚〔2026〕31号"), "the public record is on the site (the scan sees content)"
    leaks = {label: find(items, needle)[:3] for label, needle in SECRETS.items() if find(items, needle)}
    leaks.update({needle: find(items, needle)[:3] for needle in NOT_PUBLIC if find(items, needle)})
    assert leaks == {}
