"""Pelican settings for development builds (``pelican content`` or ``gongshi build``).

The records are not Pelican content: they live in data/records and are read by the gongshi plugin
(plugins/gongshi/generator.py). content/ holds only the hand-written pages.
"""

from pathlib import Path

_HERE = Path(__file__).resolve().parent

SITENAME = "钟楼区双公示"
SITEURL = ""
RELATIVE_URLS = False
PATH = "content"
OUTPUT_PATH = "output"
THEME = "theme"
TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh-CN"

PLUGIN_PATHS = ["plugins"]
PLUGINS = ["gongshi"]
# The plugin's one settings dict (validated by the plugin; unknown keys are errors).
#   repo_root  the data repository (this checkout)
#   as_of      None = today in China time; "YYYY-MM-DD" builds the site of that day
# The data repository is internal (departments, platform team, credit office, auditors): the site
# links nowhere into it.
GONGSHI = {"repo_root": str(_HERE), "as_of": None}

# Only the hand-written pages go through Pelican's readers: no articles, no blog indexes.
ARTICLE_PATHS = []
PAGE_PATHS = ["pages"]
STATIC_PATHS = []
PAGE_URL = "{slug}.html"
PAGE_SAVE_AS = "{slug}.html"
DIRECT_TEMPLATES = []
DEFAULT_PAGINATION = False
SLUGIFY_SOURCE = "basename"

# Feeds are written by the gongshi plugin (public records only), not by Pelican.
FEED_ALL_ATOM = None
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
AUTHOR_SAVE_AS = ""
CATEGORY_SAVE_AS = ""
TAG_SAVE_AS = ""

# Autoescape every template (the plugin enforces it for its own pages as well).
JINJA_ENVIRONMENT = {"trim_blocks": True, "lstrip_blocks": True, "extensions": [], "autoescape": True}

# Same inputs → same bytes: no dates derived from file times.
DEFAULT_DATE = None
DELETE_OUTPUT_DIRECTORY = False
