"""Every output keeps within its change budget (``outputs.registry.change_budget``): after a
correction of one public record, a warm rebuild of a real generated repository rewrites at most that
many of the output's files. Counted files, not seconds: the budget is what makes a one-record
rebuild cost the same at 300 records and at 100,000."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from gongshi.outputs.registry import OUTPUTS, change_budget
from gongshi.sitebuild import build

from bench.generate import generate
from bench.run import change_one_record
from tests.support.gitrepo import GitRepo

AS_OF = date(2026, 11, 20)


def _correct_party_name(repo: GitRepo, rel: str) -> None:
    """A correction of the party's name (searchable: search reaches it), on the as-of day."""
    text = (repo.path / rel).read_text(encoding="utf-8")
    assert "\nparty:\n  name: " in text and "category: 法人及非法人组织" in text
    lines = text.split("\n")
    at = lines.index("party:") + 1
    lines[at] = "  name: 常州东方红更正工程有限公司"
    repo.commit("更正当事人名称", f"{AS_OF.isoformat()}T23:30:00+08:00", {rel: "\n".join(lines)})


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    """The site of 300 generated records built with caches, then rebuilt after a correction of one
    record's remarks, and again after a correction of its party's name."""
    tmp = tmp_path_factory.mktemp("budget")
    repo = tmp / "repo"
    generate(300, repo, seed=5, end=AS_OF)
    out = tmp / "site"
    mp = pytest.MonkeyPatch()
    mp.setenv("GONGSHI_CACHE", "on")
    try:
        first = build(repo, AS_OF, out, gongshi_overrides={"workers": 1})
        rel = change_one_record(repo, AS_OF.isoformat())
        remarks = build(repo, AS_OF, out, gongshi_overrides={"workers": 1})
        _correct_party_name(GitRepo(repo), rel)
        content = build(repo, AS_OF, out, gongshi_overrides={"workers": 1})
    finally:
        mp.undo()
    return first.site, remarks.site, content.site, Path(rel).stem


def test_every_output_declares_a_small_constant_budget():
    for output in OUTPUTS:
        assert 1 <= change_budget(output) <= 40, output.name


@pytest.mark.parametrize("which", ["remarks", "party_name"])
def test_one_changed_record_rewrites_at_most_each_outputs_budget(rebuilt, which):
    first, remarks, content, record_id = rebuilt
    second = remarks if which == "remarks" else content
    assert set(first.rewritten) == set(second.rewritten) == {o.name for o in OUTPUTS}
    # The cold build wrote everything; the rebuild only what the correction reaches.
    assert sum(len(v) for v in first.rewritten.values()) > 10 * sum(len(v) for v in second.rewritten.values())
    over = {
        o.name: second.rewritten[o.name] for o in OUTPUTS if len(second.rewritten[o.name]) > change_budget(o)
    }
    assert not over, f"outputs over their change budget after correcting {record_id}: {over}"
    # The correction did reach the outputs that show the record (the test is not vacuous).
    for name in ("exports", "jsonapi", *(["search"] if which == "party_name" else [])):
        assert second.rewritten[name], name
