"""Validation benchmark: `validate_repository` over a synthetic repository of N records.

    .venv/bin/python bench/bench_validate.py            # 10,000 records
    .venv/bin/python bench/bench_validate.py 50000      # other sizes

The repository is the test fixture registry plus N copies of the valid corpus records, each with
its own id, document number and decision date. Prints the time with one process and with the
default process pool (one worker per CPU). Target: 10,000 records well under 10 s.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gongshi.validate import default_jobs, validate_repository  # noqa: E402

AS_OF = date(2026, 11, 20)


def make_repository(base: Path, n: int) -> Path:
    root = base / "repo"
    shutil.copytree(ROOT / "tests" / "fixtures" / "registry", root)
    templates = []
    for path in sorted((ROOT / "tests" / "corpus" / "valid").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if "# place:" in text or "authority: scjg" not in text:
            continue
        templates.append(text)
    start = date(2024, 1, 2)
    for i in range(n):
        text = templates[i % len(templates)]
        decided = start + timedelta(days=i % 1000)
        kind = "licences" if "kind: licence" in text else "penalties"
        text = re.sub(r"(?m)^doc_no: .*$", f"doc_no: 钟测第{i:06d}号", text)
        text = re.sub(r"(?m)^(decision_date|valid_from): .*$", rf"\1: {decided.isoformat()}", text)
        text = re.sub(
            r"(?m)^(status_date|  - date): .*$", rf"\1: {(decided + timedelta(days=3)).isoformat()}", text
        )
        text = re.sub(
            r"(?m)^valid_to: .*$", f"valid_to: {(decided + timedelta(days=1800)).isoformat()}", text
        )
        text = re.sub(
            r"(?m)^valid_until: .*$", f"valid_until: {(decided + timedelta(days=700)).isoformat()}", text
        )
        folder = root / "data" / "records" / "scjg" / kind / str(decided.year)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"scjg-{i:06d}.yaml").write_text(text, encoding="utf-8")
    return root


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        root = make_repository(Path(tmp), n)
        print(f"generated {n} records in {time.perf_counter() - t0:.1f} s")
        for jobs in (1, default_jobs()):
            t0 = time.perf_counter()
            result = validate_repository(root, AS_OF, jobs=jobs)
            elapsed = time.perf_counter() - t0
            print(
                f"validate_repository jobs={jobs}: {elapsed:.2f} s for {result.files_checked} files "
                f"({elapsed / max(1, n) * 1000:.3f} ms/record), {len(result.errors)} errors, "
                f"{len(result.warnings)} warnings, {len(result.records)} valid records"
            )
            if result.errors:
                print(
                    "first errors:",
                    *[f"  {p.file}: [{p.code}] {p.message}" for p in result.errors[:5]],
                    sep="\n",
                )


if __name__ == "__main__":
    main()
