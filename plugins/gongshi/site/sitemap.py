"""sitemap.xml (public pages only) and robots.txt, as bytes: deterministic, no dates.

More than ``MAX_URLS`` pages: ``sitemap.xml`` becomes a sitemap index of ``sitemap-N.xml`` files
(the protocol's limit is 50,000 URLs per file).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from gongshi.site.urls import url_of

MAX_URLS = 50_000
NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _urlset(urls: list[str]) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{NS}">']
    lines += [f"<url><loc>{escape(u)}</loc></url>" for u in urls]
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def sitemap_names(count: int, max_urls: int = MAX_URLS) -> list[str]:
    """The files ``sitemap_files`` makes for ``count`` distinct pages, without making them."""
    if count <= max_urls:
        return ["sitemap.xml"]
    return [f"sitemap-{n}.xml" for n in range(1, -(-count // max_urls) + 1)] + ["sitemap.xml"]


def sitemap_files(paths: list[str], site_url: str, max_urls: int = MAX_URLS) -> dict[str, bytes]:
    """``{site-relative file: bytes}``. ``site_url`` is absolute in production (``SITEURL``);
    empty in development, which gives root-relative locations."""
    base = site_url.rstrip("/") + "/"
    urls = [base + url_of(p) for p in sorted(set(paths))]
    if len(urls) <= max_urls:
        return {"sitemap.xml": _urlset(urls)}
    out: dict[str, bytes] = {}
    index = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sitemapindex xmlns="{NS}">']
    for n, start in enumerate(range(0, len(urls), max_urls), start=1):
        name = f"sitemap-{n}.xml"
        out[name] = _urlset(urls[start : start + max_urls])
        index.append(f"<sitemap><loc>{escape(base + name)}</loc></sitemap>")
    index.append("</sitemapindex>")
    out["sitemap.xml"] = ("\n".join(index) + "\n").encode("utf-8")
    return out


def robots_txt(site_url: str) -> bytes:
    base = site_url.rstrip("/") + "/"
    return f"User-agent: *\nAllow: /\nSitemap: {base}sitemap.xml\n".encode()
