"""The data repository is internal (issue 14): a site built with ``policy.yaml: forge`` configured
names neither the forge's host nor the repository in any output file. The on-site form learns them
from its bookmark link's fragment (``gongshi tianbao-link``), which is no part of the site.

Every output file is scanned byte-wise, lower-cased, decompressed and unzipped (the privacy
canaries' ``scan_tree``), for the host, the repository path and each of its two names, also
percent-encoded and JSON-escaped; the bookmark link made from the same repository must hold them,
so the test fails if the forge was not configured at all."""

from __future__ import annotations

from urllib.parse import quote

from gongshi.outputs import tianbao
from gongshi.repo.files import load_registry
from gongshi.sitebuild import build

from tests.site.test_canaries import scan_tree
from tests.support.golden_site import CODE_ROOT
from tests.support.site_fixture import HEAD_DAY, build_repo

HOST = "canary-forge.zhonglou-internal.example"
OWNER = "canary-owner-q7"
NAME = "canary-data-k3"
FORGE = f"""
forge:
  kind: gitea
  base_url: https://{HOST}:8443/git
  repository: {OWNER}/{NAME}
  branch: release/main
"""


def test_a_site_built_with_a_forge_names_neither_its_host_nor_the_repository(tmp_path):
    repo = build_repo(tmp_path / "repo")
    policy = (tmp_path / "repo" / "data" / "policy.yaml").read_text(encoding="utf-8")
    repo.commit("平台：代码托管平台", "2026-11-25T10:00:00+08:00", {"data/policy.yaml": policy + FORGE})
    out = tmp_path / "output"
    build(tmp_path / "repo", HEAD_DAY, out, settings_path=CODE_ROOT / "pelicanconf.py")

    link = tianbao.bookmark_link("https://gongshi.example.gov.cn", load_registry(tmp_path / "repo").policy)
    assert link == (
        "https://gongshi.example.gov.cn/tianbao/"
        f"#forge=gitea:https://{HOST}:8443/git/{OWNER}/{NAME}@release/main"
    )

    path = f"{OWNER}/{NAME}"
    needles = {HOST, OWNER, NAME, path, quote(path, safe=""), path.replace("/", "\\/")}
    files = scan_tree(out)
    assert any(name == "tianbao/index.html" for name, _ in files)
    assert any(name == "tianbao/form-data.js" for name, _ in files)
    leaks = sorted(
        (name, needle)
        for name, blob in files
        for needle in needles
        if needle.lower().encode() in blob.lower()
    )
    assert leaks == []
