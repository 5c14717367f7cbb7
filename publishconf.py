"""Production settings: pelicanconf.py plus the public address (used by the site workflow).

GONGSHI_SITEURL   e.g. https://example.gov.cn/gongshi (no trailing slash); absolute sitemap URLs

The data repository is internal: the site carries no link to its commits or files.
"""

import os
import sys

sys.path.append(os.path.dirname(os.path.abspath(__file__)))
from pelicanconf import *  # noqa: F403

SITEURL = os.environ.get("GONGSHI_SITEURL", "").rstrip("/")
RELATIVE_URLS = False
