"""The site's download files are sharded (department × decision year × kind) and keyed on their
records: a changed record rewrites only the files that contain it, the other shards are not even
computed, a new day rewrites none of them, and a warm build equals a cold one byte for byte.
Real Git repository (tests/support/opendata_repo.py), real theme templates, the site's own writer."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from pathlib import Path

import jinja2
import pytest
from gongshi.outputs import exports
from gongshi.site.manifest import OutputManifest
from gongshi.site.output import OutputWriter, SiteOutput
from gongshi.sitewrite import site_globals, strict_autoescape
from gongshi.snapshot.load import load

from tests.support.opendata_repo import AS_OF, PATHS, build_repo

THEME = Path(__file__).resolve().parents[3] / "theme" / "templates"
PAGE = "data/index.html"


@pytest.fixture
def repo(tmp_path):
    return build_repo(tmp_path / "repo")


class Rows:
    """Which records had their export row computed (a kept shard computes none)."""

    def __init__(self, monkeypatch):
        self.ids: list[str] = []
        original = exports.record_row

        def counting(entry, snapshot):
            self.ids.append(entry.id)
            return original(entry, snapshot)

        monkeypatch.setattr(exports, "record_row", counting)


def run(snapshot, out: Path, previous: Path | None, manifest) -> OutputWriter:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(THEME)))
    strict_autoescape(env)
    base = {"SITENAME": "测试", "SITEURL": "", "THEME_STATIC_DIR": "theme", "gs": site_globals(snapshot)}
    writer = OutputWriter(out, previous, manifest=manifest)
    exports.write_extra(snapshot, out, SiteOutput(out, env, base, writer))
    if manifest is not None:
        manifest.save()
    return writer


# Long enough that the file sizes the downloads page shows (one decimal of KB) change for certain.
LONGER = "补充说明" * 40


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_one_changed_record_rewrites_only_its_shards(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("GONGSHI_CACHE", "on")
    root, site = repo.path, tmp_path / "site"
    first = run(load(root, AS_OF, cache=False), tmp_path / "a", None, OutputManifest(root, site))
    assert first.stats.unchanged == 0
    before = files(tmp_path / "a")

    # Nothing changed: no row is computed, every file is kept (hard link to the previous output).
    rows = Rows(monkeypatch)
    same = run(load(root, AS_OF, cache=False), tmp_path / "b", tmp_path / "a", OutputManifest(root, site))
    assert rows.ids == [] and same.changed == [] and files(tmp_path / "b") == before
    shard = tmp_path / "b" / "data/scjg/2026-penalty.csv.zip"
    assert shard.stat().st_ino == (tmp_path / "a" / "data/scjg/2026-penalty.csv.zip").stat().st_ino

    # One penalty of scjg decided in 2026 corrected: its department-year files and the site's 2026
    # penalty file change (and the page, which shows their sizes); nothing else is computed.
    path = PATHS["scjg-cf-2026-0023"]
    text = (root / path).read_text(encoding="utf-8")
    repo.commit("更正备注", "2026-10-11T10:00:00+08:00", {path: text + f"remarks: 分片测试更正。{LONGER}\n"})
    snapshot = load(root, AS_OF, cache=False)
    rows.ids.clear()
    changed = run(snapshot, tmp_path / "c", tmp_path / "b", OutputManifest(root, site))
    after = files(tmp_path / "c")
    shard_ids = {"scjg-cf-2026-0015", "scjg-cf-2026-0023", "scjg-cf-2026-0031"}
    assert sorted(rows.ids) == sorted(shard_ids), "only the changed record's shard is computed"
    want = {
        "data/scjg/2026-penalty.csv.zip",
        "data/scjg/2026-penalty.xlsx",
        "data/2026-penalty.csv.zip",
        PAGE,
    }
    assert {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)} == want
    assert set(changed.changed) == want
    department = unzip(after["data/scjg/2026-penalty.csv.zip"])
    assert list(department) == ["scjg-2026-penalty.csv"]
    assert "分片测试更正。".encode() in department["scjg-2026-penalty.csv"]
    # The site's year file is joined from the departments' files, the kept ones read back from
    # their zips: the corrected row is in it, and so are the rows of the other departments.
    year = unzip(after["data/2026-penalty.csv.zip"])["2026-penalty.csv"]
    assert "分片测试更正。".encode() in year
    assert year.count(b"\r\n") - 1 == sum(
        unzip(data)[name.split("/")[1] + "-" + name.split("/")[2].removesuffix(".zip")].count(b"\r\n") - 1
        for name, data in after.items()
        if re.fullmatch(r"data/[a-z]+/2026-penalty\.csv\.zip", name)
    )

    # The warm output equals a cold build of the same commit.
    monkeypatch.setenv("GONGSHI_CACHE", "off")
    run(snapshot, tmp_path / "cold", None, None)
    assert files(tmp_path / "cold") == after


def test_a_new_day_rewrites_no_download_file(repo, tmp_path, monkeypatch):
    """The files do not show the build day: the next day's build keeps every one of them (only the
    page, which says 信息截至, changes). A record moving from the rolling list to the query period
    changes its key, so its shard is computed again, and comes out with the same bytes."""
    monkeypatch.setenv("GONGSHI_CACHE", "on")
    root, site = repo.path, tmp_path / "site"
    run(load(root, AS_OF, cache=False), tmp_path / "a", None, OutputManifest(root, site))
    before = files(tmp_path / "a")
    rows = Rows(monkeypatch)
    next_day = run(
        load(root, date(2026, 10, 13), cache=False),
        tmp_path / "b",
        tmp_path / "a",
        OutputManifest(root, site),
    )
    assert rows.ids == [] and next_day.changed == [PAGE]
    # scjg-cf-2026-0015 (published 10-06) is listed through 10-16 (10 days, the day of
    # publication not counted) and leaves the rolling list on 10-17.
    later = run(
        load(root, date(2026, 10, 17), cache=False),
        tmp_path / "c",
        tmp_path / "b",
        OutputManifest(root, site),
    )
    assert "scjg-cf-2026-0015" in rows.ids
    assert later.changed == [PAGE]
    assert {k: v for k, v in files(tmp_path / "c").items() if k != PAGE} == {
        k: v for k, v in before.items() if k != PAGE
    }


def test_downloads_page_lists_every_file_with_its_size(repo, tmp_path):
    snapshot = load(repo.path, AS_OF, cache=False)
    run(snapshot, tmp_path, None, None)
    html = (tmp_path / PAGE).read_text(encoding="utf-8")
    listed = set(re.findall(r'href="/(data/[^"]+)" download>', html))
    on_disk = {p.relative_to(tmp_path).as_posix() for p in (tmp_path / "data").rglob("*") if p.is_file()}
    assert listed == on_disk - {PAGE}
    for rel in listed:
        size = exports.size_label((tmp_path / rel).stat().st_size)
        assert re.search(rf'href="/{re.escape(rel)}" download>[^<]+</a> {re.escape(size)}', html), rel
    # Two tables with captions and column headers; a row group per department (the department
    # pages link to data/#<key>), a row header per year; a department without files says so.
    assert html.count("<caption>") == 2
    for key in snapshot.registry.departments:
        assert f'<tbody id="{key}">' in html
    assert html.count('<th scope="rowgroup"') == len(snapshot.registry.departments)
    assert '<th scope="row">2016</th>' in html and '<th scope="row">2026</th>' in html
    zhzf = html.split('<tbody id="zhzf">')[1].split("</tbody>")[0]
    assert "暂无处于公示期内的决定" in zhzf
    assert "all.json" not in html
