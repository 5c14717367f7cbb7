"""The screenshots of the clerk's documents (docs/editing.md, docs/import.md), taken from the real
pages of the fixture site in headless Chromium at 375 px (a phone):

    PYTHONPATH=$PWD/plugins .venv/bin/python -m tests.support.doc_screenshots

writes ``docs/img/*.png`` (one phone screen each, at device scale 1, so each stays small)."""

from __future__ import annotations

import functools
import http.server
import tempfile
import threading
from pathlib import Path

from tests.support.golden_site import CODE_ROOT
from tests.support.site_fixture import HEAD_DAY, build_repo

IMG = CODE_ROOT / "docs" / "img"
FORGE = """
forge:
  kind: gitea
  base_url: https://git.example.gov.cn
  repository: zhonglou/gongshi-data
  branch: main
"""
WIDTH, HEIGHT = 375, 667
CHROMIUM = "/usr/bin/chromium"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _site(work: Path) -> Path:
    from gongshi.sitebuild import build

    repo = build_repo(work / "repo")
    policy = (work / "repo" / "data" / "policy.yaml").read_text(encoding="utf-8")
    repo.commit(
        "平台：现场填报的代码托管平台", "2026-11-25T10:00:00+08:00", {"data/policy.yaml": policy + FORGE}
    )
    out = work / "output"
    build(work / "repo", HEAD_DAY, out, settings_path=CODE_ROOT / "pelicanconf.py")
    return out


def _fill(page, values: dict[str, str]) -> None:
    form = "#form-penalty"
    page.check('input[name="tb-kind"][value="penalty"]')
    page.select_option(f"{form} [name=authority]", "scjg")
    page.select_option(f"{form} [name=item]", "scjg-cf-001")
    for name, value in values.items():
        selector = f'{form} [name="{name}"]'
        if page.eval_on_selector(selector, "e => e.tagName") == "SELECT":
            page.select_option(selector, value)
        else:
            page.fill(selector, value)


def take(out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    IMG.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []
    values = {
        "doc_no": "钟市监罚〔2026〕302号",
        "party.name": "常州市现场测试有限公司",
        "party.category": "法人及非法人组织",
        "party.uscc": "91512081MA62K0260F",
        "party.legal_rep": "张三",
        "decision_date": "2026-11-24",
        "violation_type": "经营超过保质期的食品",
        "facts": "当事人在经营场所销售超过保质期的食品。",
        "basis": "《中华人民共和国食品安全法》第一百二十四条第一款",
        "content": "警告。",
    }
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox"], headless=True
            )
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT}, device_scale_factor=1)

            def shot(name: str) -> None:
                path = IMG / name
                page.screenshot(path=str(path))
                shots.append(path)

            # The bookmark link of `gongshi tianbao-link`: the site itself never names the repository.
            page.goto(base + "/tianbao/#forge=gitea:https://git.example.gov.cn/zhonglou/gongshi-data@main")
            shot("tianbao-form.png")
            _fill(page, values)
            page.click("#form-penalty .tb-submit")
            page.wait_for_selector("#tb-problems li")
            page.locator("#tb-result").scroll_into_view_if_needed()
            shot("tianbao-problems.png")
            page.fill('#form-penalty [name="party.uscc"]', "91512081MA62K0260E")
            page.check('#form-penalty input[name="categories"][value="警告"]')
            page.click("#form-penalty .tb-submit")
            page.wait_for_selector("#tb-output:not([hidden])")
            page.evaluate("document.getElementById('tb-forge-note').scrollIntoView({block: 'end'})")
            shot("tianbao-ready.png")
            page.goto(base + "/dept/scjg/")
            shot("dept-page.png")
            browser.close()
    finally:
        server.shutdown()
    return shots


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for path in take(_site(Path(tmp))):
            print(f"{path.relative_to(CODE_ROOT)}  {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
