"""Hostile files: random bytes, random YAML, every YAML typing trick, odd encodings, hostile file
names and command-line paths. Whatever comes in, the loader and the validator answer with problems
that carry a Chinese message (or accept cleanly), never a traceback or a hang; the CLI exits 0, 1
or 2 only.

Bounded: each property runs ``EXAMPLES`` examples (set GONGSHI_FUZZ_EXAMPLES for a longer run).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from gongshi.check.record_rules import check_record_bytes
from gongshi.check.report import render_github, render_json, render_text
from gongshi.check.run import validate_repository
from gongshi.cli import main
from gongshi.core.problems import Problem
from gongshi.repo.files import load_registry
from gongshi.repo.yamlload import load_yaml_bytes, load_yaml_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HERE = Path(__file__).resolve().parents[2]
REGISTRY = HERE / "fixtures" / "registry"
VALID = sorted((HERE / "corpus" / "valid").glob("*.yaml"))
AS_OF = date(2026, 11, 20)
EXAMPLES = int(os.environ.get("GONGSHI_FUZZ_EXAMPLES", "200"))
SECONDS_PER_EXAMPLE = 10  # a hang is a failure, not a stuck test run
HAN = re.compile(r"[\u4e00-\u9fff]")
GONGSHI = Path(sys.executable).with_name("gongshi")

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples in CI and locally; a failure reproduces
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Plain scalars YAML 1.1 would turn into something else: octal, sexagesimal, booleans, null,
# dates and timestamps, infinities, hex, binary, underscores; and strings that look like syntax.
TRICKS = [
    "0123", "0o17", "0x1F", "0b1010", "1_000", "190:20:30", "1:20", "no", "No", "NO", "off", "yes",
    "on", "y", "n", "true", "False", "~", "null", "Null", "", "2026-03-05", "2026-3-5",
    "2026-03-05T10:00:00+08:00", "2026-02-30", "0000-00-00", "9999-12-31", ".inf", "-.Inf", ".NaN",
    "1e308", "-0", "+1", "3.", "!!binary aGVsbG8=", "!!python/object:os.system", "!ruby/hash {}",
    "<<: *base", "*alias", "&anchor value", "'quoted'", '"\\u0000"', '"\\x07"', "|", ">-", "[a, b]",
    "{a: 1}", "- item", "? key", "%YAML 1.1", "---", "...", "# comment", "@at", "`tick",
    "２０２６-０３-０５", "９１３２０４０４ＭＡ１ＸＹＷ０１Ｘ０", "３２０４０４", "１２００",
    "\u202e反转文字", "零\u200b宽", "\ufeffBOM", "e\u0301", "𠀀𪚥", "<script>alert(1)</script>",
    "../../etc/passwd", "C:\\Windows", "x" * 2000,
]  # fmt: skip

# Every key a record may have (and a few it may not), so mutations reach the deep checks.
KEYS = [
    "kind", "doc_no", "item", "party", "name", "category", "uscc", "legal_rep", "id_type",
    "id_no_masked", "decision_date", "authority", "source_unit", "region_code", "status",
    "status_date", "status_reason", "disclosure", "public", "reason", "until", "corrections",
    "date", "remarks", "doc_title", "content", "valid_from", "valid_to", "violation_type", "facts",
    "basis", "categories", "fine_yuan", "confiscation_yuan", "procedure", "severity",
    "valid_until", "<<", "!!str kind", "? complex", "键", "",
]  # fmt: skip

ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "big5"]


@contextlib.contextmanager
def time_limit(seconds: int = SECONDS_PER_EXAMPLE):
    """Fail (instead of hanging the suite) when one example takes too long."""

    def on_alarm(signum, frame):
        raise TimeoutError(f"took more than {seconds} s: a hang")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def assert_clear(problems: list[Problem]) -> None:
    for p in problems:
        assert isinstance(p, Problem)
        assert p.severity in ("error", "warning")
        assert isinstance(p.code, str) and p.code, p
        assert HAN.search(p.message), f"message without Chinese: {p}"
        assert p.line is None or (isinstance(p.line, int) and p.line >= 1), p
        assert isinstance(p.path, str) and p.path.startswith("$"), p


def assert_plain(node, depth: int = 0) -> None:
    """An accepted document holds only str/dict/list (no int, bool, date, bytes ...)."""
    assert depth <= 40
    if isinstance(node, dict):
        for k, v in node.items():
            assert isinstance(k, str)
            assert_plain(v, depth + 1)
    elif isinstance(node, list):
        for v in node:
            assert_plain(v, depth + 1)
    else:
        assert node is None or isinstance(node, str), repr(node)


@pytest.fixture(scope="module")
def registry_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fuzz") / "repo"
    shutil.copytree(REGISTRY, root)
    return root


@pytest.fixture(scope="module")
def registry(registry_root):
    return load_registry(registry_root)


# --------------------------------------------------------------------------------------------
# Strategies


scalar = st.one_of(
    st.sampled_from(TRICKS),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
)


def yaml_value(depth: int):
    if depth <= 0:
        return scalar
    inner = yaml_value(depth - 1)
    return st.one_of(
        scalar,
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=5),
    )


def render(node, indent: int = 0, style: int = 0) -> str:
    """Hand-rolled YAML so scalars stay unquoted (the tricks must reach the parser as written)."""
    pad = " " * indent
    if isinstance(node, dict):
        if not node:
            return "{}"
        return "".join(f"\n{pad}{k}:{render(v, indent + 2, style)}" for k, v in node.items())
    if isinstance(node, list):
        if not node:
            return " []"
        if style % 2:
            return " [" + ", ".join(render(v, 0, style).strip() for v in node) + "]"
        return "".join(f"\n{pad}-{render(v, indent + 2, style)}" for v in node)
    return " " + node


@st.composite
def yaml_documents(draw) -> bytes:
    doc = draw(st.dictionaries(st.sampled_from(KEYS), yaml_value(3), min_size=1, max_size=8))
    text = render(doc, 0, draw(st.integers(0, 1))).lstrip("\n")
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")


@st.composite
def mutated_records(draw) -> tuple[str, bytes]:
    """A valid corpus record with a few lines changed: a value replaced by a trick, a line
    deleted, duplicated or indented, a key renamed."""
    path = draw(st.sampled_from(VALID))
    lines = path.read_text(encoding="utf-8").splitlines()
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        key, sep, _value = lines[i].partition(":")
        op = draw(st.integers(0, 5))
        if op == 0 and sep:
            lines[i] = f"{key}: {draw(scalar)}"
        elif op == 1:
            del lines[i]
            if not lines:
                lines = ["kind: licence"]
        elif op == 2:
            lines.insert(i, lines[i])
        elif op == 3:
            lines[i] = " " * draw(st.integers(1, 3)) + lines[i]
        elif op == 4 and sep:
            lines[i] = f"{key.rstrip()[: len(key) - len(key.lstrip())]}{draw(st.sampled_from(KEYS))}:{_value}"
        else:
            lines.insert(i, f"{draw(st.sampled_from(KEYS))}: {draw(scalar)}")
    text = "\n".join(lines) + "\n"
    kind = "licences" if "licence" in path.name else "penalties"
    rel = f"data/records/scjg/{kind}/2026/scjg-fuzz-2026-0001.yaml"
    return rel, text.encode(draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "gbk"])), errors="replace")


# --------------------------------------------------------------------------------------------
# The loader


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes(raw):
    with time_limit():
        loaded = load_yaml_bytes(raw, "data/x.yaml")
    assert_clear(loaded.problems)
    if loaded.ok:
        assert_plain(loaded.data)


@FUZZ
@given(yaml_documents())
def test_random_yaml(raw):
    with time_limit():
        loaded = load_yaml_bytes(raw, "data/x.yaml")
    assert_clear(loaded.problems)
    if loaded.ok:
        assert_plain(loaded.data)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"a: " + b"[" * 5000 + b"]" * 5000, "yaml.too_deep"),
        (b"a: " + b"{b: " * 3000 + b"}" * 3000, "yaml.too_deep"),
        (b"- " * 200 + b"x", "yaml.too_deep"),
        (b"a: " + b"x" * 300_000, "yaml.too_large"),
        (b"a: &x [1]\nb: [*x, *x, *x]\n", "yaml.alias"),  # billion laughs needs aliases
        (b"base: &b {k: 1}\nrec:\n  <<: *b\n", "yaml.alias"),
        (b"a: !!binary aGVsbG8=\n", "yaml.tag"),
        (b"a: !!python/object/apply:os.system ['id']\n", "yaml.tag"),
        (b"%TAG ! tag:evil.example,2026:\n---\na: !x 1\n", "yaml.tag"),
        (b"a: 1\n---\nb: 2\n", "yaml.multiple_documents"),
        (b"a: 1\na: 2\n", "yaml.duplicate_key"),
        ("caf\u00e9: 1\ncafe\u0301: 2\n".encode(), "yaml.duplicate_key"),  # equal after NFC
        (b"? [a]\n: b\n", "yaml.key_type"),
        ("kind: 许可\n".encode("gbk"), "yaml.encoding"),
        ("kind: 许可\n".encode("utf-16"), "yaml.encoding"),
        ("kind: licence\n".encode("utf-16-le"), "yaml.encoding"),
        ("kind: licence\n".encode("utf-32"), "yaml.encoding"),
        (b"a: \x00\n", "yaml.encoding"),
        (b"a: \xed\xa0\x80\n", "yaml.encoding"),  # an encoded surrogate
        (b"a: b\nc: \x07\n", "yaml.control_character"),
        (b"a:\n\tb: 1\n", "yaml.syntax"),
        (b"a: 'open\n", "yaml.syntax"),
    ],
)
def test_each_trick_is_named(raw, code):
    with time_limit():
        loaded = load_yaml_bytes(raw, "data/x.yaml")
    assert [p.code for p in loaded.problems] == [code]
    assert_clear(loaded.problems)


def test_typing_tricks_stay_strings():
    raw = (
        "octal: 0123\nsexagesimal: 1:20:30\nbool: no\ndate: 2026-03-05\ninf: .inf\nnull: ~\n"
        "hex: 0x1F\nfullwidth: ２０２６\n"
    ).encode()
    loaded = load_yaml_bytes(raw, "x.yaml")
    assert loaded.ok
    assert loaded.data == {
        "octal": "0123",
        "sexagesimal": "1:20:30",
        "bool": "no",
        "date": "2026-03-05",
        "inf": ".inf",
        "null": "~",
        "hex": "0x1F",
        "fullwidth": "２０２６",
    }


@pytest.mark.parametrize("variant", ["bom", "crlf", "cr", "bom+crlf"])
def test_bom_and_line_ends_are_accepted(variant, registry_root, registry):
    raw = (HERE / "corpus" / "valid" / "licence-company.yaml").read_bytes()
    if "crlf" in variant:
        raw = raw.replace(b"\n", b"\r\n")
    if variant == "cr":
        raw = raw.replace(b"\n", b"\r")
    if "bom" in variant:
        raw = b"\xef\xbb\xbf" + raw
    check = check_record_bytes(
        registry_root, "data/records/scjg/licences/2026/scjg-xk-2026-0001.yaml", raw, registry, AS_OF
    )
    assert [p for p in check.problems if p.severity == "error"] == []


# --------------------------------------------------------------------------------------------
# The validator


@FUZZ
@given(mutated_records())
def test_mutated_records(registry_root, registry, case):
    rel, raw = case
    with time_limit():
        check = check_record_bytes(registry_root, rel, raw, registry, AS_OF)
    assert_clear(check.problems)
    errors = [p for p in check.problems if p.severity == "error"]
    assert (check.record is None) == bool(errors)
    if check.record is not None:
        # Accepted: typed fields parse, and the party name is plain text (a 国家秘密 stub has
        # nothing but kind, item, decision date, authority and the reason).
        assert check.record.decision_date is not None
        if check.record.is_secret_stub:
            assert set(check.record.data) <= {"kind", "item", "decision_date", "authority", "disclosure"}
        else:
            assert isinstance(check.record.party_name, str) and check.record.party_name


@FUZZ
@given(yaml_documents())
def test_random_yaml_as_a_record(registry_root, registry, raw):
    with time_limit():
        check = check_record_bytes(
            registry_root, "data/records/zhzf/penalties/2026/zhzf-cf-2026-0099.yaml", raw, registry, AS_OF
        )
    assert_clear(check.problems)
    assert check.record is None or not [p for p in check.problems if p.severity == "error"]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("９１３２０４０４ＭＡ１ＸＹＷ０１Ｘ０", "identifier.uscc"),
        ("91320404MA1XYW01X0\u200b", "identifier.uscc"),
        ("\u202e91320404MA1XYW01X0", "identifier.uscc"),
    ],
)
def test_full_width_and_invisible_characters_in_codes(registry_root, registry, value, code):
    raw = (HERE / "corpus" / "valid" / "licence-company.yaml").read_text(encoding="utf-8")
    raw = raw.replace("uscc: 91320404MA1XYW01X0", f"uscc: {value}")
    check = check_record_bytes(
        registry_root, "data/records/scjg/licences/2026/scjg-xk-2026-0001.yaml", raw.encode(), registry, AS_OF
    )
    assert code in {p.code for p in check.problems if p.severity == "error"}
    assert check.record is None


# --------------------------------------------------------------------------------------------
# Files on disk: hostile names, links, pipes


name_chars = st.sampled_from([*"abc-_.. 中文\n\t\\'\"$`;|&<>*?", "\u202e", "\u200b", "é", "e\u0301"])


@st.composite
def file_names(draw) -> str:
    name = "".join(draw(st.lists(name_chars, min_size=1, max_size=30)))
    if draw(st.booleans()):
        name = name * draw(st.integers(5, 20))
    name = name.replace("/", "_")[:200]
    return name + draw(st.sampled_from([".yaml", ".yml", ".YAML", ""]))


@FUZZ
@given(names=st.lists(file_names(), min_size=1, max_size=4, unique=True))
def test_hostile_file_names(tmp_path_factory, names):
    root = tmp_path_factory.mktemp("names")
    shutil.copytree(REGISTRY / "data", root / "data")
    folder = root / "data/records/scjg/licences/2026"
    folder.mkdir(parents=True)
    body = (HERE / "corpus" / "valid" / "licence-company.yaml").read_bytes()
    for i, name in enumerate(names):
        if name in (".", "..", ".yaml") or name.startswith("."):
            name = f"x{i}{name}"
        try:
            (folder / name).write_bytes(body.replace("101号".encode(), f"{i}0{i}号".encode()))
        except OSError:
            continue  # a name this file system refuses cannot reach the validator either
    with time_limit():
        result = validate_repository(root, AS_OF)
    assert_clear(result.problems)
    for rec in result.records:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rec.id), rec.id
    for renderer in (render_text, render_json):
        renderer(result)
    # GitHub annotations: a newline in a file name must not start a new workflow command.
    lines = render_github(result).splitlines()
    assert all(line.startswith(("::error ", "::warning ")) for line in lines[:-1])
    assert HAN.search(lines[-1])


def test_links_pipes_and_devices_are_refused(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(REGISTRY / "data", root / "data")
    folder = root / "data/records/scjg/licences/2026"
    folder.mkdir(parents=True)
    secret = tmp_path / "outside.yaml"
    secret.write_bytes((HERE / "corpus" / "valid" / "licence-company.yaml").read_bytes())
    os.symlink(secret, folder / "scjg-xk-2026-0001.yaml")  # a valid record, but outside the repo
    os.symlink("/dev/zero", folder / "scjg-xk-2026-0002.yaml")  # an endless read
    os.symlink("/etc/passwd", folder / "scjg-xk-2026-0003.yaml")
    os.mkfifo(folder / "scjg-xk-2026-0004.yaml")  # blocks a plain open() forever
    with time_limit():
        result = validate_repository(root, AS_OF)
    assert result.records == []
    codes = {(p.file.rsplit("/", 1)[-1], p.code) for p in result.errors}
    assert ("scjg-xk-2026-0001.yaml", "file.symlink") in codes
    assert ("scjg-xk-2026-0002.yaml", "file.symlink") in codes
    assert ("scjg-xk-2026-0003.yaml", "file.symlink") in codes
    assert ("scjg-xk-2026-0004.yaml", "file.not_regular") in codes
    assert_clear(result.problems)
    # The registry files are read the same way.
    (root / "data/departments.yaml").unlink()
    os.symlink("/dev/zero", root / "data/departments.yaml")
    with time_limit():
        loaded = load_yaml_file(root / "data/departments.yaml", "data/departments.yaml")
    assert [p.code for p in loaded.problems] == ["file.symlink"]


# --------------------------------------------------------------------------------------------
# The command line: exit codes 0/1/2 only, never a traceback


path_args = st.one_of(
    st.sampled_from(
        [
            "../",
            "../../etc/passwd",
            "/etc/passwd",
            "/",
            "/dev/zero",
            "data/../../x",
            "data/records/scjg/../../../..",
            "x" * 5000,
            "/" + "a/" * 3000,
            "数据/记录.yaml",
            "a\x00b",
            "\udcff",
            "-",
            "--help",
            "data/departments.yaml",
            "data/records",
        ]
    ),
    st.text(max_size=60),
)
COMMANDS = [
    ["validate", "{p}"],
    ["validate", "--format", "{p}"],
    ["validate", "--as-of", "{p}"],
    ["explain", "{p}"],
    ["explain", "data/records", "--as-of", "{p}"],
    ["deadline", "{p}"],
    ["deadline", "2026-03-05", "--workdays", "{p}"],
    ["new", "licence", "--dept", "{p}"],
    ["new", "penalty", "--dept", "scjg", "--year", "{p}"],
    ["export", "--format", "{p}"],
    ["export", "--format", "json", "--dept", "{p}"],
    ["export", "--format", "csv", "--kind", "{p}"],
    ["import", "{p}", "--dept", "scjg", "--dry-run"],
    ["stats", "--format", "{p}"],
    ["check-published", "--previous", "{p}"],
    ["check-published", "--build-info", "{p}"],
    ["{p}"],
]


@pytest.fixture(scope="module")
def cli_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli") / "repo"
    shutil.copytree(REGISTRY, root)
    folder = root / "data/records/scjg/licences/2026"
    folder.mkdir(parents=True)
    shutil.copy(HERE / "corpus" / "valid" / "licence-company.yaml", folder / "scjg-xk-2026-0101.yaml")
    subprocess.run(["git", "init", "--quiet", str(root)], check=True)
    return root


@settings(FUZZ, max_examples=max(EXAMPLES // 2, 10))
@given(command=st.sampled_from(COMMANDS), arg=path_args)
def test_cli_exit_codes(cli_root, monkeypatch, command, arg):
    monkeypatch.chdir(cli_root)
    argv = [a.replace("{p}", arg) for a in command]
    before = sorted(p.relative_to(cli_root).as_posix() for p in cli_root.rglob("*") if ".git" not in p.parts)
    with time_limit():
        res = CliRunner().invoke(main, argv, catch_exceptions=True)
    assert res.exit_code in (0, 1, 2), (argv, res.exit_code, res.output[-500:])
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise AssertionError(f"{argv!r}: {res.exception!r}") from res.exception
    assert "Traceback" not in res.output
    if res.exit_code == 2 and "Error:" in res.output:
        # Usage errors raised by gongshi itself are Chinese; click's own parser messages
        # (unknown option, missing argument) are click's.
        pass
    # A hostile argument never writes outside the repository or deletes anything in it.
    after = sorted(p.relative_to(cli_root).as_posix() for p in cli_root.rglob("*") if ".git" not in p.parts)
    assert set(before) <= set(after)
    for new in set(after) - set(before):
        (cli_root / new).unlink() if (cli_root / new).is_file() else None


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "x" * 5000],
        ["validate", "../../etc/passwd"],
        ["explain", "/dev/zero"],
        ["deadline", "9999-12-31"],
        ["deadline", "2026-03-05", "--workdays", "99999999"],
        ["export", "--format", "json", "--dept", "../../x"],
        ["check-published", "--previous", "--upload-pack=touch x"],
    ],
)
def test_cli_real_process(cli_root, argv):
    proc = subprocess.run([str(GONGSHI), *argv], cwd=cli_root, capture_output=True, text=True, timeout=60)
    assert proc.returncode in (0, 1, 2), proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert HAN.search(proc.stderr + proc.stdout)
    assert not (cli_root / "x").exists()
