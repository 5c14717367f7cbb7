"""Every output declared in ``gongshi.outputs.registry.OUTPUTS`` is part of the golden site: each,
run on its own on the golden fixture repository, writes files that are in tests/golden."""

from __future__ import annotations

import jinja2
import pytest
from gongshi.outputs.registry import OUTPUTS
from gongshi.site.output import OutputWriter, SiteOutput
from gongshi.sitewrite import site_globals, strict_autoescape
from gongshi.snapshot.load import load

from tests.support.golden_site import CODE_ROOT, GOLDEN, tree
from tests.support.site_fixture import AS_OF, build_repo

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    repo = tmp_path_factory.mktemp("declared") / "repo"
    build_repo(repo)
    return load(repo, AS_OF, cache=False)


def test_output_names_are_unique():
    names = [output.name for output in OUTPUTS]
    assert len(set(names)) == len(names) and all(names)


@pytest.mark.parametrize("output", OUTPUTS, ids=lambda o: o.name)
def test_output_is_in_the_golden_site(output, snapshot, tmp_path, monkeypatch):
    monkeypatch.setenv("GONGSHI_CACHE", "off")  # no cache files next to the fixture repository
    # As the golden site's build sees it (pelicanconf.py): Pelican's environment settings.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(CODE_ROOT / "theme" / "templates"),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    strict_autoescape(env)
    base = {
        "SITENAME": "钟楼区双公示",
        "SITEURL": "",
        "THEME_STATIC_DIR": "theme",
        "gs": site_globals(snapshot),
    }
    writer = OutputWriter(tmp_path)
    output.write(snapshot, tmp_path, SiteOutput(tmp_path, env, base, writer))
    golden = tree(GOLDEN)
    assert writer.written, f"{output.name} wrote nothing"
    missing = sorted(writer.written - set(golden))
    assert not missing, f"{output.name} writes files that are not in tests/golden: {missing[:5]}"
    differ = sorted(
        rel for rel in writer.written if (tmp_path / rel).read_bytes() != golden[rel].read_bytes()
    )
    assert not differ, f"{output.name} writes other bytes than tests/golden: {differ[:5]}"
