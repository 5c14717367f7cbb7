"""Where a page lives and how it is linked: shared by the pages, the sitemap and every output that
links a record (record URLs are derived from the record id and nothing else, so they are stable)."""

from __future__ import annotations

RECORD_PATH = "r/{id}.html"
ORG_PATH = "org/{uscc}.html"  # an organisation's page, by its 统一社会信用代码


def record_path(record_id: str) -> str:
    """The site-relative path of a record's page (or its withdrawal notice)."""
    return RECORD_PATH.format(id=record_id)


def org_path(uscc: str) -> str:
    """The site-relative path of an organisation's page (``outputs.orgs``)."""
    return ORG_PATH.format(uscc=uscc)


def url_of(path: str) -> str:
    """The link to an output path: directory style for ``index.html`` files."""
    if path == "index.html":
        return ""
    return path[: -len("index.html")] if path.endswith("/index.html") else path
