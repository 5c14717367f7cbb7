"""Organisation pages (``outputs/orgs``) on a real build of a generated repository: one page per
organisation code with a decision in public view and no other (a brute-force scan of the
snapshot), no page for a natural person, exactly its records on it, and a one-record change that
re-renders only its own organisation's page (warm = cold)."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from gongshi.core.identifiers import uscc_problem
from gongshi.core.privacy import redact
from gongshi.site.urls import org_path
from gongshi.sitebuild import build
from gongshi.snapshot.load import load

from bench.generate import generate
from tests.support.gitrepo import GitRepo
from tests.support.outputtree import changed as _changed
from tests.support.outputtree import files as _tree

AS_OF = date(2026, 11, 20)


@pytest.fixture(scope="module")
def source_repo(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("orgs") / "repo"
    generate(120, repo, seed=19, end=AS_OF)
    return repo


def brute_force(snapshot) -> dict[str, set[str]]:
    """Code → ids of its public records and withdrawal notices, from the raw records."""
    public: dict[str, set[str]] = defaultdict(set)
    notices: dict[str, set[str]] = defaultdict(set)
    notice_ids = {e.id for e in snapshot.withdrawal_notices()}
    for e in snapshot.entries:
        party = e.record.data.get("party") or {}
        code = str(party.get("uscc") or "").strip()
        if e.record.is_natural_person or uscc_problem(code) is not None or redact(code) != code:
            continue
        if e.is_public:
            public[code].add(e.id)
        elif e.id in notice_ids:
            notices[code].add(e.id)
    return {code: ids | notices[code] for code, ids in public.items()}


def _linked_ids(html: str) -> set[str]:
    return set(re.findall(r'href="/r/([a-z0-9-]+)\.html"', html))


def test_pages_are_exactly_the_brute_force_organisations(source_repo, tmp_path, monkeypatch):
    monkeypatch.setenv("GONGSHI_CACHE", "off")
    out = tmp_path / "site"
    build(source_repo, AS_OF, out, gongshi_overrides={"workers": 1})
    snapshot = load(source_repo, AS_OF, cache=False)
    expected = brute_force(snapshot)
    assert len(expected) > 10
    assert {p.name for p in (out / "org").iterdir()} == {f"{code}.html" for code in expected}
    for code, ids in expected.items():
        html = (out / org_path(code)).read_text(encoding="utf-8")
        assert _linked_ids(html) == ids, code
    # No natural person's name leaves through an organisation page, masked or not.
    persons = {e.record.party_name for e in snapshot.entries if e.record.is_natural_person}
    texts = "".join(p.read_text(encoding="utf-8") for p in (out / "org").iterdir())
    assert persons and not any(name in texts for name in persons)


def test_one_changed_record_rerenders_its_organisation_page_only(source_repo, tmp_path, monkeypatch):
    monkeypatch.setenv("GONGSHI_CACHE", "on")
    clone = GitRepo(tmp_path / "repo")
    GitRepo(source_repo).git("clone", "--quiet", "--no-local", str(source_repo), str(clone.path))
    root = clone.path
    warm = tmp_path / "warm"
    first_build = build(root, AS_OF, warm, gongshi_overrides={"workers": 1})
    organisations = first_build.site.extras["orgs"]["organisations"]
    assert first_build.site.extras["orgs"]["rendered"] == organisations > 10
    first = _tree(warm)
    again = build(root, AS_OF, warm, gongshi_overrides={"workers": 1})
    assert again.site.extras["orgs"]["rendered"] == 0

    snapshot = load(root, AS_OF, cache=False)
    expected = brute_force(snapshot)
    code = sorted(expected)[len(expected) // 2]
    rid = sorted(i for i in expected[code] if any(e.id == i and e.is_public for e in snapshot.entries))[0]
    rel = next((root / "data" / "records").rglob(f"{rid}.yaml")).relative_to(root).as_posix()
    text = (root / rel).read_text(encoding="utf-8")
    if "\nremarks: " in text:
        text = text.replace("\nremarks: ", "\nremarks: 单位页面测试。", 1)
    else:
        text = text.rstrip("\n") + "\nremarks: 单位页面测试。\n"
    clone.commit(f"更正 {rid}", "2026-11-20T22:00:00+08:00", {rel: text})
    after = build(root, AS_OF, warm, gongshi_overrides={"workers": 1})
    assert after.site.extras["orgs"]["rendered"] == 1
    # Remarks are not on the organisation page: its key changed, its bytes need not.
    assert {p for p in _changed(first, _tree(warm)) if p.startswith("org/")} <= {org_path(code)}
    cold = tmp_path / "cold"
    monkeypatch.setenv("GONGSHI_CACHE", "off")
    build(root, AS_OF, cold, gongshi_overrides={"workers": 1})
    assert _tree(cold) == _tree(warm)


def _set_uscc(text: str, code: str) -> str:
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("  uscc: "))
    lines[at] = f'  uscc: "{code}"'
    return "\n".join(lines)


def test_page_keys_kept_between_builds_follow_moves_removals_and_the_registry(
    source_repo, tmp_path, monkeypatch
):
    """The page keys kept between builds (``orgs.CodeCache``) are reused only for organisations no
    changed entry reaches: a record moved to another code re-keys both pages, a deleted record its
    own, a renamed department every page; each warm build equals a cold one."""
    monkeypatch.setenv("GONGSHI_CACHE", "on")
    clone = GitRepo(tmp_path / "repo")
    GitRepo(source_repo).git("clone", "--quiet", "--no-local", str(source_repo), str(clone.path))
    root = clone.path
    warm = tmp_path / "warm"
    build(root, AS_OF, warm, gongshi_overrides={"workers": 1})
    expected = brute_force(load(root, AS_OF, cache=False))
    public = {e.id for e in load(root, AS_OF, cache=False).entries if e.is_public}
    # A public record of one organisation moves to another: the page it left goes, the page it
    # joined is re-keyed (its code is new to that entry) ...
    source = next(c for c in sorted(expected) if expected[c] & public)
    target = next(c for c in sorted(expected) if c != source and expected[c] & public)
    moved = sorted(expected[source] & public)[0]
    rel = next((root / "data" / "records").rglob(f"{moved}.yaml")).relative_to(root).as_posix()
    text = (root / rel).read_text(encoding="utf-8")
    assert f'uscc: "{source}"' in text
    clone.commit(f"更正 {moved}", "2026-11-20T22:00:00+08:00", {rel: _set_uscc(text, target)})

    def rebuild_equals_cold(name: str) -> dict:
        extras = build(root, AS_OF, warm, gongshi_overrides={"workers": 1}).site.extras["orgs"]
        cold = tmp_path / f"cold-{name}"
        monkeypatch.setenv("GONGSHI_CACHE", "off")
        build(root, AS_OF, cold, gongshi_overrides={"workers": 1})
        monkeypatch.setenv("GONGSHI_CACHE", "on")
        assert _tree(cold) == _tree(warm), name
        return extras

    rest = expected[source] - {moved}
    after_move = rebuild_equals_cold("move")
    assert after_move["rendered"] == 1 + bool(rest & public)
    assert moved in _linked_ids((warm / org_path(target)).read_text(encoding="utf-8"))

    # ... and when it is deleted, the page it was on is re-keyed (its code was the entry's last build).
    clone.commit(f"删除 {moved}", "2026-11-20T22:10:00+08:00", {rel: None})
    after_removal = rebuild_equals_cold("removal")
    assert after_removal["rendered"] == 1
    assert after_removal["organisations"] == after_move["organisations"]
    assert moved not in _linked_ids((warm / org_path(target)).read_text(encoding="utf-8"))

    departments = root / "data" / "departments.yaml"
    renamed = departments.read_text(encoding="utf-8").replace("钟楼区", "钟楼区（测试）", 1)
    clone.commit("部门更名", "2026-11-20T22:20:00+08:00", {"data/departments.yaml": renamed})
    after_rename = rebuild_equals_cold("rename")
    assert after_rename["rendered"] == after_rename["organisations"]


def test_a_new_day_keeps_the_dated_organisation_pages(source_repo, tmp_path, monkeypatch):
    """ "截至 <date>，本站无该单位公示中的行政处罚" takes its date from build-info.json in the browser:
    the page's bytes and key carry no date, so the next day's build renders only the pages whose
    records changed state, not every dated page; warm = cold."""
    monkeypatch.setenv("GONGSHI_CACHE", "on")
    clone = GitRepo(tmp_path / "repo")
    GitRepo(source_repo).git("clone", "--quiet", "--no-local", str(source_repo), str(clone.path))
    warm = tmp_path / "warm"
    build(clone.path, AS_OF, warm, gongshi_overrides={"workers": 1})
    pages = {p.name: p.read_text(encoding="utf-8") for p in (warm / "org").iterdir()}
    dated = [name for name, html in pages.items() if "本站无该单位公示中的" in html]
    assert len(dated) > 10
    next_day = date(2026, 11, 21)
    after = build(clone.path, next_day, warm, gongshi_overrides={"workers": 1})
    assert after.site.extras["orgs"]["rendered"] < len(dated) // 2
    for p in (warm / "org").iterdir():
        html = p.read_text(encoding="utf-8")
        assert "2026-11-21" not in html and "11 月 21 日" not in html, p.name  # no record is that new
        if "本站无该单位公示中的" in html:
            assert "截至<span data-as-of>本站最近一次更新</span>，本站无该单位公示中的" in html
    cold = tmp_path / "cold"
    monkeypatch.setenv("GONGSHI_CACHE", "off")
    build(clone.path, next_day, cold, gongshi_overrides={"workers": 1})
    assert _tree(cold) == _tree(warm)
