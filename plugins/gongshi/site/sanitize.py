"""The hand-written pages (``content/pages/*.md``) as safe HTML: what Markdown may produce, and
nothing a hostile edit could add.

Markdown passes raw HTML through, so one line in ``content/pages`` could send every reader to
another host (``<meta http-equiv="refresh">``), run script or frame another site. ``sanitise_html``
keeps an allow-list of tags and attributes (with nh3, the binding of the Ammonia sanitiser) and
drops everything else: scripts and styles with their content, event attributes, ``style`` (except
``text-align`` on table cells, which Markdown's tables write), and every URL whose scheme is not
http, https or mailto (``javascript:``, ``data:`` ...). Images may only come from the site itself
(a relative ``src``): a picture from another host would tell that host who reads the page.

The allow-list covers what Python-Markdown with Pelican's extensions writes (headings, lists,
tables, definition lists, footnotes, abbreviations, fenced and highlighted code), so ordinary
pages come out byte for byte as Markdown wrote them.
"""

from __future__ import annotations

import re

import nh3

ALLOWED_TAGS = frozenset(
    {
        "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "pre", "code", "kbd",
        "samp", "ul", "ol", "li", "dl", "dt", "dd", "table", "caption", "thead", "tbody", "tfoot",
        "tr", "th", "td", "a", "em", "strong", "b", "i", "s", "del", "ins", "sub", "sup", "small",
        "mark", "abbr", "q", "cite", "span", "div", "img", "figure", "figcaption",
    }
)  # fmt: skip
# ``id`` for heading anchors and footnotes; ``class`` for footnotes and highlighted code (the
# site's own CSS, nothing more).
_ANCHORED = {"id", "class"}
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"} | _ANCHORED,
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"colspan", "rowspan", "align", "style"},
    "td": {"colspan", "rowspan", "align", "style"},
    "ol": {"start", "class"},
    **{tag: set(_ANCHORED) for tag in ("h1", "h2", "h3", "h4", "h5", "h6", "li", "sup", "div")},
    **{tag: {"class"} for tag in ("pre", "code", "span")},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Removed with everything inside them (the others lose only the tag and keep their text).
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "frame", "frameset", "object", "embed", "noscript", "template",
     "textarea", "select", "svg", "math", "title"}
)  # fmt: skip
_SCHEME_RE = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.-]*:|^\s*//")
_ID_RE = re.compile(r"^[A-Za-z][\w:.-]{0,79}$")


def _attribute(tag: str, name: str, value: str) -> str | None:
    """Nh3's per-attribute hook: the values the tag/attribute allow-list alone cannot judge."""
    if name == "src":  # images from the site only (see the module docstring)
        return None if _SCHEME_RE.match(value) else value
    if name == "style":  # Markdown's table alignment, nothing else
        return value if re.fullmatch(r"text-align:\s*(left|right|center);?", value.strip()) else None
    if name == "id":
        return value if _ID_RE.match(value) else None
    return value


def sanitise_html(html: str) -> str:
    """``html`` with only the allowed tags, attributes and URL schemes left."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_attribute,
        url_schemes=set(URL_SCHEMES),
        link_rel=None,  # Markdown's links stay as written (no rel added to the site's own links)
        strip_comments=True,
    )
