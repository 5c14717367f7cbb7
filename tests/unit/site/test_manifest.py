"""The output manifest (``site.manifest``): what a build saves is what the next one reads back, a
file touched since is not kept, and a manifest of another shape (an older format, a damaged one)
keeps nothing."""

from __future__ import annotations

import os

from gongshi.core.cachefile import write
from gongshi.site.manifest import OutputManifest
from gongshi.site.output import OutputWriter

from tests.support.gitrepo import GitRepo


def test_saved_keys_are_read_back_and_a_touched_file_is_produced_again(tmp_path):
    repo = GitRepo.init(tmp_path / "repo")
    live = tmp_path / "site"
    first = OutputWriter(live, manifest=OutputManifest(repo.path, live))
    for n in range(3):
        first.write_keyed(f"r/{n}.html", f"k{n}", lambda n=n: f"page {n}".encode())
    first.manifest.save()

    made: list[str] = []
    staging = tmp_path / "staging"
    again = OutputWriter(staging, live, manifest=OutputManifest(repo.path, live), delta=True)
    assert again.manifest.old["r/1.html"][0] == "k1"
    # r/1 was edited behind the build's back (another size), r/2's input key changed.
    (live / "r" / "1.html").write_bytes(b"edited by hand")
    for n, key in ((0, "k0"), (1, "k1"), (2, "k2-new")):
        again.write_keyed(f"r/{n}.html", key, lambda n=n: made.append(n) or f"page {n}".encode())
    assert made == [1, 2]
    # A delta build stages only what differs from the live file: r/1 (hand edit undone); r/2's
    # bytes are the same as before, so it stays where it is.
    assert sorted(p.name for p in (staging / "r").iterdir()) == ["1.html"]
    assert again.current("r/0.html") == live / "r" / "0.html"
    assert again.current("r/1.html") == staging / "r" / "1.html"


def test_a_manifest_of_another_shape_keeps_nothing(tmp_path):
    repo = GitRepo.init(tmp_path / "repo")
    live = tmp_path / "site"
    (live / "r").mkdir(parents=True)
    page = live / "r" / "0.html"
    page.write_bytes(b"page 0")
    st = os.stat(page)
    manifest = OutputManifest(repo.path, live)
    # The format before columns: a dict of (key, size, mtime).
    write(manifest.path, {"r/0.html": ("k0", st.st_size, st.st_mtime_ns)})
    assert OutputManifest(repo.path, live).old == {}
    write(manifest.path, ("columns 1", ["r/0.html"], ["k0"], [st.st_size], []))  # damaged
    assert OutputManifest(repo.path, live).old == {}
    write(manifest.path, ("columns 1", ["r/0.html"], ["k0"], [st.st_size], [st.st_mtime_ns]))
    assert OutputManifest(repo.path, live).old == {"r/0.html": ("k0", st.st_size, st.st_mtime_ns)}
