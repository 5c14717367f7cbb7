"""``site.sanitize``: the allow-list for hand-written pages."""

from __future__ import annotations

import pytest
from gongshi.site.sanitize import sanitise_html


@pytest.mark.parametrize(
    "html",
    [
        '<meta http-equiv="refresh" content="0;url=https://evil.example">',
        "<script>alert(1)</script>",
        "<style>body{display:none}</style>",
        '<iframe src="https://evil.example"></iframe>',
        '<object data="https://evil.example/x.swf"></object>',
        '<base href="https://evil.example/">',
        '<link rel="stylesheet" href="https://evil.example/x.css">',
        '<form action="https://evil.example"><input name="q"></form>',
        '<svg onload="alert(1)"><script>alert(2)</script></svg>',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="  JaVaScRiPt:alert(1)">x</a>',
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
        '<a href="vbscript:msgbox(1)">x</a>',
        '<p onclick="alert(1)">x</p>',
        '<img src="https://evil.example/p.gif" onerror="alert(1)">',
        '<img src="//evil.example/p.gif">',
        '<div style="background:url(https://evil.example)">x</div>',
    ],
)
def test_dangerous_markup_is_removed(html):
    out = sanitise_html(html).lower()
    for needle in ("evil.example", "<script", "<meta", "<iframe", "<style", "<object", "<base", "<link",
                   "<form", "<input", "<svg", "javascript:", "vbscript:", "data:", "onclick", "onerror",
                   "onload", "style="):  # fmt: skip
        assert needle not in out, (html, out)


@pytest.mark.parametrize(
    "html",
    [
        "<h2>标题</h2>\n<p>正文 <strong>加粗</strong> <em>强调</em> <code>gongshi</code></p>",
        '<p><a href="https://www.gov.cn/">政府网</a> <a href="list/licence/">列表</a> '
        '<a href="mailto:a@example.gov.cn">邮件</a> <a href="#fn:1">1</a></p>',
        '<table>\n<thead>\n<tr>\n<th style="text-align: left;">a</th>\n</tr>\n</thead>\n'
        '<tbody>\n<tr>\n<td style="text-align: left;">1</td>\n</tr>\n</tbody>\n</table>',
        '<ul>\n<li>一</li>\n</ul>\n<ol start="3">\n<li>三</li>\n</ol>\n'
        "<blockquote>\n<p>引</p>\n</blockquote>",
        '<p><abbr title="双公示">双公示</abbr> <img src="theme/img/logo.png" alt="标志"></p>',
        '<div class="highlight"><pre><span></span><code><span class="n">x</span>\n</code></pre></div>',
    ],
)
def test_markdown_output_is_unchanged(html):
    assert sanitise_html(html) == html
