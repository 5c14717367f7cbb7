"""The GitHub Actions workflows, Dependabot and pre-commit files say what the design requires.

Parsed as YAML and checked point by point; actionlint runs too when it is installed (optional).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from gongshi.cli import main

ROOT = Path(__file__).resolve().parents[3]
WORKFLOWS = ROOT / ".github" / "workflows"
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # v\d+\.\d+\.\d+\s*$")
RECORD = "data/records/scjg/licences/2026/scjg-xk-2026-0001.yaml"


def load(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def triggers(doc: dict) -> dict:
    # YAML 1.1 reads the bare key `on` as the boolean True.
    return doc.get("on", doc.get(True))


def steps(job: dict) -> list[dict]:
    return job["steps"]


def step_using(job: dict, action: str) -> dict:
    found = [s for s in steps(job) if s.get("uses", "").split("@")[0] == action]
    assert len(found) == 1, f"{action} used {len(found)} times"
    return found[0]


def runs(job: dict) -> str:
    return "\n".join(s.get("run", "") for s in steps(job))


@pytest.fixture(scope="module")
def validate() -> dict:
    return load("validate.yml")


@pytest.fixture(scope="module")
def site() -> dict:
    return load("site.yml")


def test_every_action_is_pinned_by_sha_with_a_version_comment():
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.match(r"^\s*(?:-\s+)?uses:", line):
                assert PINNED.match(line), f"{path.name}:{number}: not pinned by SHA with # vX.Y.Z: {line}"


def test_no_pull_request_target_and_no_expressions_inside_scripts():
    for path in sorted(WORKFLOWS.glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert "pull_request_target" not in triggers(doc), path.name
        for job in doc["jobs"].values():
            for step in steps(job):
                # Untrusted values reach scripts through env, never by ${{ }} substitution.
                assert "${{" not in step.get("run", ""), f"{path.name}: {step.get('name')}"


def test_validate_triggers_permissions_concurrency(validate):
    on = triggers(validate)
    assert set(on) == {"pull_request", "merge_group"}
    assert on["pull_request"] == {"branches": ["main"]}
    for event in on.values():
        assert not (event or {}).keys() & {"paths", "paths-ignore"}, (
            "a required check must not be path-filtered"
        )
    assert validate["permissions"] == {"contents": "read", "pull-requests": "read"}
    assert validate["concurrency"]["cancel-in-progress"] is True
    assert "github.event.pull_request.number" in validate["concurrency"]["group"]
    assert list(validate["jobs"]) == ["validate"]
    assert "permissions" not in validate["jobs"]["validate"]


def test_validate_steps(validate):
    job = validate["jobs"]["validate"]
    checkout = step_using(job, "actions/checkout")["with"]
    assert checkout["fetch-depth"] == 0 and checkout["persist-credentials"] is False
    python = step_using(job, "actions/setup-python")["with"]
    assert python["python-version-file"] == ".python-version"
    assert python["cache"] == "pip"
    assert (ROOT / python["cache-dependency-path"]).is_file()
    script = runs(job)
    order = [
        "make venv",
        "gongshi validate --format github",
        'gongshi check-history --base "$BASE" --format github',
        "gongshi codeowners --check",
        "make test",
        "gongshi build --output output",
    ]
    positions = [script.index(cmd) for cmd in order]
    assert positions == sorted(positions)
    history = next(s for s in steps(job) if "check-history" in s.get("run", ""))
    # A merge-queue group is compared with the commit it was built on, never with main.
    assert history["env"]["BASE"] == (
        "${{ github.event.merge_group.base_sha || format('origin/{0}', github.base_ref) }}"
    )
    assert "merge_group.base_ref" not in (WORKFLOWS / "validate.yml").read_text(encoding="utf-8")
    # The author decides department or platform rules; it comes from GitHub, never from the branch.
    assert history["env"]["GONGSHI_PR_AUTHOR"] == "${{ steps.author.outputs.login }}"
    author = next(s for s in steps(job) if s.get("id") == "author")
    assert author["env"]["PR_AUTHOR"] == "${{ github.event.pull_request.user.login }}"
    assert "test -n" in author["run"]  # no author: the step fails, it never falls back to anyone


def test_site_triggers_and_schedule(site):
    on = triggers(site)
    assert on["push"] == {"branches": ["main"]}
    assert "workflow_dispatch" in on
    [cron] = [s["cron"] for s in on["schedule"]]
    minute, hour, *rest = cron.split()
    assert rest == ["*", "*", "*"]
    # Cron is UTC; the run must fall just after midnight in China (UTC+8).
    utc = datetime(2026, 3, 1, int(hour), int(minute), tzinfo=UTC)
    china = utc.astimezone(timezone(timedelta(hours=8)))
    assert china.hour == 0 and 0 < china.minute <= 30


def test_site_permissions_and_concurrency(site):
    assert site["permissions"] == {"contents": "read"}
    assert site["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    build, deploy = site["jobs"]["build"], site["jobs"]["deploy"]
    assert "permissions" not in build
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["environment"]["url"] == "${{ steps.deployment.outputs.page_url }}"
    assert [s.get("uses", "").split("@")[0] for s in steps(deploy)] == ["actions/deploy-pages"]
    assert steps(deploy)[0]["id"] == "deployment"


def test_site_build_steps(site):
    build = site["jobs"]["build"]
    checkout = step_using(build, "actions/checkout")["with"]
    assert checkout["fetch-depth"] == 0 and checkout["persist-credentials"] is False
    script = runs(build)
    assert "git rev-parse --is-shallow-repository" in script
    # The rewrite check is `gongshi check-published` (merge-base --is-ancestor + first-parent line,
    # tested on real repositories in test_integrity.py).
    assert 'gongshi check-published --build-info "$RUNNER_TEMP/live-build-info.json"' in script
    assert "output/build-info.json" in script
    assert "pelican content -s publishconf.py" in script
    build_step = next(s for s in steps(build) if "publishconf.py" in s.get("run", ""))
    assert build_step["env"]["GONGSHI_SITEURL"] == "${{ steps.pages.outputs.base_url }}"
    forced = next(s for s in steps(build) if "github.event.forced" in str(s.get("if", "")))
    assert "exit 1" in forced["run"]
    assert step_using(build, "actions/configure-pages")["id"] == "pages"
    assert step_using(build, "actions/upload-pages-artifact")["with"]["path"] == "output/"
    names = [s.get("uses", "").split("@")[0] or s.get("run", "")[:40] for s in steps(build)]
    shallow = next(i for i, s in enumerate(steps(build)) if "is-shallow-repository" in s.get("run", ""))
    checkout_at = names.index("actions/checkout")
    assert checkout_at < shallow < names.index("actions/upload-pages-artifact")


def test_dependabot_covers_actions_and_pip():
    doc = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    assert doc["version"] == 2
    assert {u["package-ecosystem"] for u in doc["updates"]} == {"github-actions", "pip"}


@pytest.mark.parametrize("name", [".pre-commit-hooks.yaml", ".pre-commit-config.yaml"])
def test_pre_commit_validate_hook_selects_data_files(name):
    doc = yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))
    hooks = doc if isinstance(doc, list) else [h for r in doc["repos"] for h in r["hooks"]]
    hook = next(h for h in hooks if h["id"] == "gongshi-validate")
    assert hook["entry"].endswith("gongshi validate")
    files = re.compile(hook["files"])
    for path in (RECORD, "data/catalog/scjg.yaml", "data/departments.yaml", "data/calendar/2026.yaml"):
        assert files.search(path), path
    for path in ("README.md", "plugins/gongshi/cli.py", "data/recordsx.yaml", "tests/corpus/valid/a.yaml"):
        assert not files.search(path), path


def test_committed_codeowners_is_current(monkeypatch):
    if not (ROOT / "data" / "departments.yaml").is_file():
        pytest.fail("data/departments.yaml is missing: CODEOWNERS cannot be checked")
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["codeowners", "--check"])
    assert result.exit_code == 0, result.output


@pytest.mark.skipif(shutil.which("actionlint") is None, reason="actionlint is optional")
def test_actionlint():
    proc = subprocess.run(["actionlint", "-no-color"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("name", ["validate.yml", "site.yml"])
def test_build_caches_are_kept_between_runs(name):
    """The caches' folder in the Git directory (core.cachefile.CACHE_FOLDER, never the work tree)
    survives between runs, keyed per workflow and pinned dependencies, restored before the first
    gongshi command that uses it."""
    from gongshi.core.cachefile import CACHE_FOLDER

    job = next(iter(load(name)["jobs"].values()))
    cache = step_using(job, "actions/cache")
    assert cache["with"]["path"] == f".git/{CACHE_FOLDER}"
    assert "hashFiles('pyproject.toml')" in cache["with"]["key"] and "github.sha" in cache["with"]["key"]
    first_use = next(i for i, s in enumerate(steps(job)) if "gongshi " in s.get("run", ""))
    assert steps(job).index(cache) < first_use


def test_rewrite_check_fails_closed(site):
    """Without the live build-info.json the deploy stops unless policy.yaml declares the first
    deploy: the curl failure branch runs `gongshi check-published --live-unavailable` and exits 1
    when it fails; nothing in the step skips the check on its own."""
    step = next(s for s in steps(site["jobs"]["build"]) if "live-build-info.json" in s.get("run", ""))
    script = step["run"]
    failed_fetch = script[script.index("if ! curl") : script.index("gongshi check-published --build-info")]
    assert "gongshi check-published --live-unavailable" in failed_fetch
    assert failed_fetch.index("--live-unavailable") < failed_fetch.index("exit 0")
    assert "exit 1" in failed_fetch
    assert "::notice::" not in script


def test_production_build_installs_runtime_dependencies_from_the_lock(site):
    build = site["jobs"]["build"]
    script = runs(build)
    assert "pip install --require-hashes -r requirements.lock" in script
    assert "pip install --no-deps --no-build-isolation ." in script
    assert script.index("--require-hashes") < script.index("--no-deps")
    assert "make venv" not in script and "[test]" not in script and "-e " not in script
    python = step_using(build, "actions/setup-python")["with"]
    assert python["cache-dependency-path"] == "requirements.lock"


def _lock_entries() -> dict[str, tuple[str, list[str]]]:
    """``{normalised name: (version, [hashes])}`` of requirements.lock."""
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    entries: dict[str, tuple[str, list[str]]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        first = re.match(r"([A-Za-z0-9._-]+)==([^\s\\;]+)", block)
        if first:
            name = re.sub(r"[-_.]+", "-", first.group(1)).lower()
            entries[name] = (first.group(2), re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
    return entries


def test_lock_file_pins_every_runtime_dependency_with_hashes():
    """requirements.lock (pip-compile --generate-hashes) holds every runtime dependency of
    pyproject.toml at the same pinned version, each line with hashes, and no test extra."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    entries = _lock_entries()
    assert entries, "requirements.lock lists nothing"
    for name, (version, hashes) in entries.items():
        assert hashes, f"{name}=={version} has no hash"
    for requirement in project["dependencies"]:
        name, pinned = requirement.split("==")
        key = re.sub(r"[-_.]+", "-", name).lower()
        assert key in entries, f"{requirement} is missing from requirements.lock"
        assert entries[key][0] == pinned, f"{requirement}: the lock has {entries[key][0]}"
    for requirement in project["optional-dependencies"]["test"]:
        key = re.sub(r"[-_.]+", "-", requirement.split("==")[0]).lower()
        assert key not in entries, f"test dependency {key} in the production lock file"
