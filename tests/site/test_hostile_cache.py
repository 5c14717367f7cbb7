"""Hostile caches (issue 15): a pull request that commits cache files can neither run code nor
change what is published.

On the site fixture repository (real Git history, real builds through the installed ``gongshi``
command, the same as CI runs it):

* a committed ``cache/gongshi/history.pickle`` whose unpickling would create a marker file: the
  build and ``gongshi validate`` run, the marker never appears, and both report the tracked file;
* a forged record-cache shard that makes the withheld record public with substituted text,
  committed where caches used to live, or planted in the real cache folder without a matching
  digest: the withheld record stays unpublished.
"""

from __future__ import annotations

import json
import marshal
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from gongshi.core import cachefile

from tests.support.site_fixture import AS_OF, SECRET_STRINGS, build_repo, data_path

GONGSHI = Path(sys.executable).with_name("gongshi")
WITHHELD = "zhzf-cf-2026-0021"
FORGED_TEXT = "伪造缓存替换的公示内容"
pytestmark = pytest.mark.slow


class Payload:
    """Unpickling this runs ``open(marker, "w")``: what a hostile history.pickle would do."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('pwned')",))


def run(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GONGSHI_CACHE": "on"}
    return subprocess.run(
        [str(GONGSHI), *args], cwd=repo, capture_output=True, text=True, env=env, check=False
    )


def outputs_text(folder: Path) -> str:
    return "\n".join(
        p.read_bytes().decode("utf-8", "replace") for p in sorted(folder.rglob("*")) if p.is_file()
    )


def test_committed_history_pickle_never_runs(tmp_path):
    repo = build_repo(tmp_path / "repo")
    marker = tmp_path / "PWNED"
    payload = pickle.dumps(Payload(marker))
    # The attack as filed: force-add past .gitignore, at the path earlier versions unpickled, and
    # the same bytes at the new cache file's name for good measure.
    (repo.path / "cache" / "gongshi").mkdir(parents=True)
    (repo.path / "cache" / "gongshi" / "history.pickle").write_bytes(payload)
    repo.git("add", "-f", "cache/gongshi/history.pickle")
    repo.commit("市场监管局：更新缓存", "2026-11-19T10:00:00+08:00")
    planted = cachefile.cache_dir(repo.path) / "history.marshal"
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_bytes(payload)

    build = run(repo.path, "build", "--as-of", AS_OF.isoformat(), "--output", str(tmp_path / "out"))
    validate = run(repo.path, "validate", "--format", "json")
    history = run(repo.path, "check-history", "--base", "HEAD~1", "--format", "json")

    assert not marker.exists(), "the pickle payload ran"
    assert build.returncode == 1 and "cache/gongshi/history.pickle" in build.stdout + build.stderr
    assert not (tmp_path / "out").exists()
    assert validate.returncode == 1
    errors = json.loads(validate.stdout)["errors"]
    assert [(p["file"], p["code"]) for p in errors] == [("cache/gongshi/history.pickle", "cache.tracked")]
    assert history.returncode == 1 and "cache.tracked" in history.stdout, history.stdout + history.stderr
    # Refused (not a digest-checked cache file), or replaced by the history the build read itself
    # (a warm build reads the history while Git lists the work tree, before validation stops it).
    assert cachefile.read(planted) is None or planted.read_bytes() != payload

    # Once the file is gone from the repository the build goes ahead; the planted file is
    # replaced by a real cache (a shortcut, never an input) and the payload still never ran.
    repo.git("rm", "-r", "--cached", "--quiet", "cache")
    repo.commit("删除缓存", "2026-11-19T11:00:00+08:00")
    again = run(repo.path, "build", "--as-of", AS_OF.isoformat(), "--output", str(tmp_path / "out"))
    assert again.returncode == 0, again.stdout + again.stderr
    assert cachefile.read(planted) is not None and not marker.exists()


def _forge(shard: dict, rel: str) -> dict:
    """The shard with the withheld record made public and its facts replaced."""
    forged = {name: list(value) if isinstance(value, list) else value for name, value in shard.items()}
    i = forged["paths"].index(rel)
    stream = forged["packed"][i]
    data = marshal.loads(stream)
    lines = marshal.loads(stream[len(marshal.dumps(data)) :])
    data["disclosure"] = {"public": True}
    data["facts"] = FORGED_TEXT
    data.pop("procedure", None)
    forged["packed"][i] = marshal.dumps(data) + marshal.dumps(lines)
    return forged


def test_forged_record_cache_cannot_publish_a_withheld_record(tmp_path):
    repo = build_repo(tmp_path / "repo")
    rel = data_path(WITHHELD)
    out = tmp_path / "out"
    first = run(repo.path, "build", "--as-of", AS_OF.isoformat(), "--output", str(out))
    assert first.returncode == 0, first.stdout + first.stderr
    records = cachefile.cache_dir(repo.path) / "records"
    [shard_path] = [p for p in records.glob("*.marshal") if rel in (cachefile.read(p) or {}).get("paths", [])]
    shard = cachefile.read(shard_path)
    forged = _forge(shard, rel)
    assert "public: false" in (repo.path / rel).read_text(encoding="utf-8")

    # 1. Committed where earlier versions kept caches (plain marshal, as they read it): never
    #    read, and an error of validate (so the build stops too).
    legacy = repo.path / "cache" / "gongshi" / "records" / shard_path.name
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(marshal.dumps(forged))
    repo.git("add", "-f", "cache")
    repo.commit("综合执法局：更新缓存", "2026-11-19T10:00:00+08:00")
    attempt = run(repo.path, "build", "--as-of", AS_OF.isoformat(), "--output", str(out))
    assert attempt.returncode == 1 and "cache.tracked" in run(repo.path, "validate").stdout
    repo.git("rm", "-r", "--cached", "--quiet", "cache")
    repo.commit("删除缓存", "2026-11-19T11:00:00+08:00")

    # 2. Planted in the real cache folder with the digest of the genuine shard: refused, the
    #    shard's files are checked again, and the record stays withheld.
    genuine = shard_path.read_bytes()
    header = genuine[: len(cachefile.MAGIC) + 32]
    shard_path.write_bytes(header + marshal.dumps(forged))
    built = run(repo.path, "build", "--as-of", AS_OF.isoformat(), "--output", str(out))
    assert built.returncode == 0, built.stdout + built.stderr
    text = outputs_text(out)
    assert FORGED_TEXT not in text
    for secret in SECRET_STRINGS[WITHHELD]:
        assert secret not in text, secret
    assert cachefile.read(shard_path) is not None  # rewritten from the real files
    assert FORGED_TEXT.encode() not in marshal.dumps(cachefile.read(shard_path))
