"""Production settings: pelicanconf.py plus the public address (used by the site workflow).

GONGSHI_SITEURL   e.g. https://example.gov.cn/gongshi (no trailing slash); absolute sitemap URLs
GONGSHI_REPO_URL  e.g. https://github.com/<org>/<repo>; record pages link their commits there
"""

import os
import sys

sys.path.append(os.path.dirname(os.path.abspath(__file__)))
from pelicanconf import *  # noqa: F403

SITEURL = os.environ.get("GONGSHI_SITEURL", "").rstrip("/")
RELATIVE_URLS = False
GONGSHI = {**GONGSHI, "repo_url": os.environ.get("GONGSHI_REPO_URL", "")}  # noqa: F405
