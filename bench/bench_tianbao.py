"""The on-site flow, simulated locally: how long from a clerk's "检查并生成" on a phone to the decision
on the public site (docs/tianbao.md "From the phone to the site").

    .venv/bin/python bench/bench_tianbao.py            # on a synthetic repository of 1,000 records
    .venv/bin/python bench/bench_tianbao.py 10000

Steps, each timed:

1. ``form``: the built ``tianbao/`` page in headless Chromium at 375 px (the real page, its real
   scripts): load it, fill a penalty (typed by the script, so no human typing time), check it and
   read the record file and path it writes;
2. ``commit``: what the forge's "new file" page does: the file committed on a branch of a clone;
3. ``validate``: CI on the pull request, ``gongshi validate`` of the whole repository (record
   cache warm, as a runner that keeps it) and ``gongshi check-history --base main``;
4. ``merge``: the pull request merged into main (``--no-ff``, as the forge merges);
5. ``build``: ``gongshi build`` after the merge, the previous build's output in place;

then the record's public page is looked for in the output. The forge's own latency (page load,
the merge queue, CI runner start-up and the deployment upload) is not on this machine and is not
measured: add it from the forge's own figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "plugins"))

from gongshi.site.urls import record_path  # noqa: E402
from gongshi.sitebuild import build  # noqa: E402

from bench.generate import generate  # noqa: E402
from bench.synth import SAMPLE_END  # noqa: E402

OUT = ROOT / "bench" / "out"
CHROMIUM = "/usr/bin/chromium"
COMMIT_DATE = f"{SAMPLE_END.isoformat()}T18:00:00+08:00"  # the day the site is built as of

# The penalty the clerk types in (department and catalog item: the first the page offers).
PENALTY = {
    "doc_no": "钟市监罚〔2026〕9001号",
    "party.name": "常州市现场测试有限公司",
    "party.category": "法人及非法人组织",
    "party.uscc": "91512081MA62K0260E",
    "party.legal_rep": "张三",
    "decision_date": SAMPLE_END.isoformat(),
    "violation_type": "经营超过保质期的食品",
    "facts": "当事人在经营场所销售超过保质期的食品。",
    "basis": "《中华人民共和国食品安全法》第一百二十四条第一款",
    "content": "警告。",
}


def repository(n: int) -> Path:
    repo = OUT / f"r{n // 1000}k" if n % 1000 == 0 else OUT / f"r{n}"
    if not (repo / "data" / "departments.yaml").is_file():
        generate(n, repo)
    return repo


def gongshi(*args: str, cwd: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "plugins")}
    run = subprocess.run(
        [sys.executable, "-m", "gongshi", *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    if run.returncode != 0:
        raise SystemExit(f"gongshi {' '.join(args)} failed:\n{run.stdout}{run.stderr}")


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": COMMIT_DATE, "GIT_COMMITTER_DATE": COMMIT_DATE}
    return subprocess.run(
        ["git", "-C", str(repo), *args], env=env, check=True, capture_output=True, text=True
    ).stdout


def fill_form(site: Path) -> tuple[str, str, float]:
    """The real page in Chromium: returns (path, record file text, seconds from opening the page
    to the record file shown; starting Chromium itself is left out, a phone's browser is open)."""
    import functools
    import http.server
    import threading

    from playwright.sync_api import sync_playwright

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
            page = browser.new_page(viewport={"width": 375, "height": 740})
            t0 = time.perf_counter()
            page.goto(f"http://127.0.0.1:{server.server_port}/tianbao/")
            form = "#form-penalty"
            page.check('input[name="tb-kind"][value="penalty"]')
            depts = page.eval_on_selector_all(
                f"{form} [name=item] optgroup", "gs => gs.map(g => g.dataset.dept)"
            )
            page.select_option(f"{form} [name=authority]", depts[0])
            item = page.eval_on_selector(
                f"{form} [name=item] optgroup:not([disabled]) option", "o => o.value"
            )
            page.select_option(f"{form} [name=item]", item)
            for name, value in PENALTY.items():
                selector = f'{form} [name="{name}"]'
                if page.eval_on_selector(selector, "e => e.tagName") == "SELECT":
                    page.select_option(selector, value)
                else:
                    page.fill(selector, value)
            page.check(f'{form} input[name="categories"][value="警告"]')
            page.click(f"{form} .tb-submit")
            page.wait_for_selector("#tb-output:not([hidden])", timeout=10_000)
            seconds = time.perf_counter() - t0
            path = page.inner_text("#tb-path")
            text = page.eval_on_selector("#tb-yaml", "e => e.textContent")
            browser.close()
            return path, text, seconds
    finally:
        server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=1000, help="records in the synthetic repository")
    args = parser.parse_args()
    source = repository(args.n)
    with tempfile.TemporaryDirectory(prefix="tianbao-bench-") as tmp:
        repo, site = Path(tmp) / "repo", Path(tmp) / "site"
        subprocess.run(["git", "clone", "--quiet", str(source), str(repo)], check=True)
        t = time.perf_counter()
        build(repo, SAMPLE_END, site, settings_path=ROOT / "pelicanconf.py")
        gongshi("validate", "--as-of", SAMPLE_END.isoformat(), cwd=repo)  # fills the record cache
        before = time.perf_counter() - t
        print(f"{args.n} records; previous build and warm validation (not counted): {before:.1f} s")

        steps: list[tuple[str, float]] = []

        def step(name: str, fn) -> object:
            t0 = time.perf_counter()
            result = fn()
            steps.append((name, time.perf_counter() - t0))
            return result

        path, text, seconds = fill_form(site)
        steps.append(("form", seconds))

        def commit() -> None:
            git(repo, "checkout", "--quiet", "-b", "tianbao")
            (repo / path).parent.mkdir(parents=True, exist_ok=True)
            (repo / path).write_text(text, encoding="utf-8")
            git(repo, "add", path)
            git(repo, "commit", "--quiet", "--no-gpg-sign", "-m", f"现场填报：{Path(path).name}")

        step("commit", commit)

        def validate() -> None:
            gongshi("validate", "--as-of", SAMPLE_END.isoformat(), cwd=repo)
            gongshi("check-history", "--base", "main", cwd=repo)

        step("validate", validate)

        def merge() -> None:
            git(repo, "checkout", "--quiet", "main")
            git(repo, "merge", "--quiet", "--no-ff", "--no-gpg-sign", "-m", "合并现场填报", "tianbao")

        step("merge", merge)
        step("build", lambda: build(repo, SAMPLE_END, site, settings_path=ROOT / "pelicanconf.py"))
        record_id = Path(path).stem
        page = site / record_path(record_id)
        page = page / "index.html" if page.is_dir() or str(page).endswith("/") else page
        published = page.is_file() or any(site.glob(f"**/{record_id}*"))
        width = max(len(n) for n, _ in steps)
        for name, seconds in steps:
            print(f"{name:<{width}}  {seconds:6.2f} s")
        print(f"{'total':<{width}}  {sum(s for _, s in steps):6.2f} s")
        print(f"record {record_id}: {'on the site' if published else 'NOT on the site'} ({path})")
        shutil.rmtree(site, ignore_errors=True)


if __name__ == "__main__":
    main()
