"""Hostile hand-written pages (issue 15, 9): raw HTML in ``content/pages/*.md`` is sanitised.

A data repository with its own ``pelicanconf.py`` and ``content/pages`` (as the real one has) gets a
page with a refresh ``<meta>`` to another host, a ``<script>``, an ``onclick``, an ``<iframe>``, a
``javascript:`` link, a ``<style>``, an outside image and an ``<svg onload>``; ``gongshi build``
(CI's command) must write it with none of them, and the ordinary pages as before (the golden site
compares those byte for byte).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.gitrepo import GitRepo

CODE_ROOT = Path(__file__).resolve().parents[2]
GONGSHI = Path(sys.executable).with_name("gongshi")
AS_OF = "2026-10-12"
pytestmark = pytest.mark.slow

HOSTILE_PAGE = """Title: 通知
Slug: notice-page

<meta http-equiv="refresh" content="0;url=https://evil.example/meta">
<script>window.location = "https://evil.example/script"</script>
<style>body { display: none }</style>

## 办事指南

请点击<a href="https://example.gov.cn/guide" onclick="location='https://evil.example/onclick'">这里</a>，
或<a href="javascript:location='https://evil.example/js'">这里</a>，
或 [这里](javascript:alert(1))。

<iframe src="https://evil.example/frame"></iframe>
<img src="https://evil.example/pixel.gif" alt="像素"> <svg onload="alert(1)"></svg>
<div onmouseover="alert(2)" style="position:fixed;top:0">遮罩</div>

| 项目 | 说明 |
|:---|---:|
| 许可 | [列表](list/licence/) |

联系邮箱：<a href="mailto:xinyong@example.gov.cn">xinyong@example.gov.cn</a>
"""


def prose(html: str) -> str:
    """The page's own content (base.html around it has the site's own meta and script tags)."""
    m = re.search(r'<div class="prose">(.*?)</div>\s*</main>', html, re.S)
    assert m, html
    return m.group(1)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("pages")
    root = tmp / "repo"
    shutil.copytree(CODE_ROOT / "tests" / "fixtures" / "registry" / "data", root / "data")
    shutil.copytree(CODE_ROOT / "content", root / "content")
    conf = (CODE_ROOT / "pelicanconf.py").read_text(encoding="utf-8")
    # The theme and plugin of this checkout; everything else (content/, the data) is the repository's.
    conf += f"\nTHEME = {str(CODE_ROOT / 'theme')!r}\nPLUGIN_PATHS = [{str(CODE_ROOT / 'plugins')!r}]\n"
    (root / "pelicanconf.py").write_text(conf, encoding="utf-8")
    (root / "content" / "pages" / "notice-page.md").write_text(HOSTILE_PAGE, encoding="utf-8")
    repo = GitRepo.init(root)
    repo.git("add", "--all")
    repo.commit("登记册与页面", "2026-01-05T09:00:00+08:00")
    out = tmp / "site"
    proc = subprocess.run(
        [str(GONGSHI), "build", "--as-of", AS_OF, "--output", str(out)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def test_hostile_markup_does_not_survive(site):
    html = (site / "notice-page.html").read_text(encoding="utf-8")
    body = prose(html)
    assert "evil.example" not in html  # no refresh, script, handler, frame or pixel to that host
    for needle in ("<meta", "<script", "<style", "<iframe", "<svg", "javascript:", "onclick", "onload",
                   "onmouseover", "style=\"position"):  # fmt: skip
        assert needle not in body.lower(), needle
    # The page's own text and its safe links are all there.
    assert "<h2>办事指南</h2>" in body
    assert '<a href="https://example.gov.cn/guide">这里</a>' in body
    assert '<a href="mailto:xinyong@example.gov.cn">' in body
    assert '<th style="text-align: left;">项目</th>' in body
    assert '<a href="list/licence/">列表</a>' in body
    assert "遮罩" in body and 'alt="像素"' in body


def test_ordinary_pages_are_unchanged(site):
    """The repository's own pages pass the sanitiser untouched (Markdown's tables, links, lists)."""
    import markdown

    for name in ("about", "help", "data-notes"):
        source = (CODE_ROOT / "content" / "pages" / f"{name}.md").read_text(encoding="utf-8")
        text = source.split("\n\n", 1)[1]  # after the metadata block
        md = markdown.Markdown(
            extensions=["markdown.extensions.codehilite", "markdown.extensions.extra"],
            extension_configs={"markdown.extensions.codehilite": {"css_class": "highlight"}},
            output_format="html5",
        )
        expected = md.convert(text)
        built = prose((site / f"{name}.html").read_text(encoding="utf-8"))
        assert built.strip() == expected.strip(), name
