"""Sealed ID numbers end to end: ``gongshi new`` seals what the clerk enters (or keeps only the
masked form, and says why), ``gongshi validate`` checks the sealed fields without decrypting, and
``gongshi reseal`` re-seals every number to rotated keys, changing nothing else in any file.
Real Git repositories, throwaway age keys."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from gongshi.cli import main
from gongshi.core import identifiers
from gongshi.core.sealed import generate_identity, is_sealed_text, load_identities, recipient_stanzas, unseal
from gongshi.history.prcheck import correction_problem
from gongshi.repo.yamlload import load_yaml_bytes

from tests.support.gitrepo import GitRepo

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "registry"
PROJECT = Path(__file__).resolve().parents[3]
AS_OF = "2026-01-15"
PERSON_ID = "32040419870623451" + identifiers.id_check_char("32040419870623451")
REP_ID = "32040419780322456" + identifiers.id_check_char("32040419780322456")
COMPANY_USCC = identifiers.make_uscc("9", "1", "320404", "59467239")


class Office:
    """A throwaway key pair of the credit office: the secret in a file, the public recipient."""

    def __init__(self, folder: Path, name: str):
        secret, self.public = generate_identity()
        self.key = folder / f"{name}.key"
        self.key.write_text(f"# {name}\n{secret}\n", encoding="utf-8")

    def opens(self, sealed: str) -> str:
        return unseal(sealed, load_identities(self.key))


def set_recipients(root: Path, recipients: list[str]) -> None:
    policy = root / "data" / "policy.yaml"
    text = re.sub(r"\nreporting:\n(  .*\n)*", "\n", policy.read_text(encoding="utf-8"))
    if recipients:
        text += "\nreporting:\n  recipients:\n" + "".join(f"    - {r}\n" for r in recipients)
    policy.write_text(text, encoding="utf-8")


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE / "data", root / "data")
    shutil.copy(PROJECT / "data" / "policy.yaml", root / "data" / "policy.yaml")
    monkeypatch.chdir(root)
    monkeypatch.delenv("GONGSHI_AGE_IDENTITY", raising=False)
    return root


@pytest.fixture
def office(tmp_path):
    return Office(tmp_path, "office-2026")


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, [str(a) for a in args], input=stdin, catch_exceptions=False)


def fill(text: str, key: str, value: str) -> str:
    new, n = re.subn(rf"^(\s*){re.escape(key)}:[ \t]*$", rf"\g<1>{key}: {value}", text, count=1, flags=re.M)
    assert n == 1, key
    return new


def filled(text: str, doc: int, name: str) -> str:
    """The required blanks of a ``gongshi new`` penalty template filled in."""
    text = fill(text, "doc_no", f"钟市监罚〔2025〕{doc}号")
    text = fill(text, "item", "scjg-cf-001")
    text = fill(text, "name", name)
    text = fill(text, "decision_date", "2025-06-02")
    text = fill(text, "violation_type", "经营超过保质期的食品")
    text = fill(text, "facts", "当事人销售超过保质期的食品。")
    text = fill(text, "basis", "《中华人民共和国食品安全法》第一百二十四条")
    text = text.replace("categories:\n  -\n", "categories:\n  - 警告\n")
    return fill(text, "content", "警告")


def new_person(root: Path, doc: int, *extra: str, stdin: str | None = None) -> tuple[Path, object]:
    result = run("new", "penalty", "--dept", "scjg", "--year", "2025", *extra, stdin=stdin)
    assert result.exit_code == 0, result.output
    path = root / result.stdout.strip().splitlines()[-1]
    path.write_text(filled(path.read_text(encoding="utf-8"), doc, "李四"), encoding="utf-8")
    return path, result


def new_company(root: Path, doc: int, *extra: str) -> Path:
    result = run("new", "penalty", "--dept", "scjg", "--year", "2025", *extra)
    assert result.exit_code == 0, result.output
    path = root / result.stdout.strip().splitlines()[-1]
    text = filled(path.read_text(encoding="utf-8"), doc, "常州市某某食品店")
    text = fill(text, "category", "法人及非法人组织")
    text = text.replace("  # uscc:\n", f"  uscc: {COMPANY_USCC}\n").replace(
        "  # legal_rep:\n", "  legal_rep: 周八\n"
    )
    path.write_text(text, encoding="utf-8")
    return path


def party(path: Path) -> dict:
    return load_yaml_bytes(path.read_bytes(), path.name).data["party"]


def test_new_seals_the_entered_number_next_to_the_masked_form(repo, office):
    set_recipients(repo, [office.public])
    path, result = new_person(repo, 21, "--id-no", PERSON_ID)
    text = path.read_text(encoding="utf-8")
    assert PERSON_ID not in text and PERSON_ID[6:14] not in text and PERSON_ID not in result.output
    p = party(path)
    assert p["category"] == "自然人" and p["id_type"] == "身份证"
    assert p["id_no_masked"] == PERSON_ID[:4] + "*" * 10 + PERSON_ID[-4:]
    assert office.opens(p["id_no_sealed"]) == PERSON_ID
    check = run("validate", "--as-of", AS_OF)
    assert check.exit_code == 0, check.output
    assert "0 个警告" in check.output


def test_new_asks_at_a_hidden_prompt_and_without_recipients_keeps_only_the_masked_form(repo):
    path, result = new_person(repo, 22, "--id-no", stdin=PERSON_ID + "\n")
    assert "输入时不显示" in result.output
    assert PERSON_ID not in result.output  # hidden input is not echoed
    assert "完整证件号码没有保存" in result.output and "reporting:" in result.output
    text = path.read_text(encoding="utf-8")
    assert PERSON_ID not in text and "BEGIN AGE" not in text and "id_no_sealed" not in text
    assert party(path)["id_no_masked"] == PERSON_ID[:4] + "*" * 10 + PERSON_ID[-4:]
    assert run("validate", "--as-of", AS_OF).exit_code == 0


def test_new_seals_a_legal_representatives_number(repo, office):
    set_recipients(repo, [office.public])
    path = new_company(repo, 23, "--legal-rep-id-no", REP_ID)
    assert REP_ID not in path.read_text(encoding="utf-8")
    p = party(path)
    assert p["legal_rep_id_type"] == "身份证" and "id_no_masked" not in p
    assert office.opens(p["legal_rep_id_no_sealed"]) == REP_ID
    check = run("validate", "--as-of", AS_OF)
    assert check.exit_code == 0, check.output


def test_new_refuses_a_bad_or_masked_number_without_echoing_it(repo, office):
    set_recipients(repo, [office.public])
    wrong = PERSON_ID[:-1] + ("0" if PERSON_ID[-1] != "0" else "1")
    bad = run("new", "penalty", "--dept", "scjg", "--year", "2025", "--id-no", wrong)
    assert bad.exit_code == 2 and "身份证号码无效" in bad.output and wrong not in bad.output
    masked = run("new", "penalty", "--dept", "scjg", "--year", "2025", "--id-no", "3204**********1234")
    assert masked.exit_code == 2 and "已经脱敏" in masked.output
    both = run(
        "new",
        "penalty",
        "--dept",
        "scjg",
        "--year",
        "2025",
        "--id-no",
        PERSON_ID,
        "--legal-rep-id-no",
        REP_ID,
    )
    assert both.exit_code == 2
    passport = run("new", "penalty", "--dept", "scjg", "--year", "2025", "--id-no", "E12345678")
    assert passport.exit_code == 2 and "--id-type" in passport.output
    assert not (repo / "data" / "records" / "scjg" / "penalties").exists()


def test_validate_rejects_clear_text_and_misplaced_sealed_fields(repo, office):
    set_recipients(repo, [office.public])
    path, _ = new_person(repo, 24, "--id-no", PERSON_ID)
    text = path.read_text(encoding="utf-8")
    clear = re.sub(r"  id_no_sealed: \|\n(    .*\n)+", f"  id_no_sealed: {PERSON_ID}\n", text)
    path.write_text(clear, encoding="utf-8")
    out = run("validate", "--as-of", AS_OF)
    assert out.exit_code == 1
    assert "[sealed.format]" in out.output and "[privacy.unmasked_number]" in out.output
    assert PERSON_ID not in out.output
    # A company's record cannot carry a natural person's sealed number.
    company = new_company(repo, 25, "--legal-rep-id-no", REP_ID)
    block = re.search(
        r"  legal_rep_id_no_sealed: \|\n(?:    .*\n)+", company.read_text(encoding="utf-8")
    ).group(0)
    moved = company.read_text(encoding="utf-8").replace(
        block, block.replace("legal_rep_id_no_sealed", "id_no_sealed")
    )
    company.write_text(moved, encoding="utf-8")
    out = run("validate", str(company.relative_to(repo)), "--as-of", AS_OF)
    assert out.exit_code == 1 and "[schema.forbidden]" in out.output and "只用于自然人" in out.output


def test_validate_warns_when_the_keys_changed_and_reseal_rotates_them(repo, tmp_path, office):
    set_recipients(repo, [office.public])
    person, _ = new_person(repo, 26, "--id-no", PERSON_ID)
    company = new_company(repo, 27, "--legal-rep-id-no", REP_ID)
    git = GitRepo.init(repo)
    git.git("add", "--all")
    git.commit("录入", "2026-01-10T10:00:00+08:00")
    before = {p: p.read_bytes() for p in (person, company)}

    # The office rotates: two new keys replace the old one.
    new_a, new_b = Office(tmp_path, "office-2027a"), Office(tmp_path, "office-2027b")
    set_recipients(repo, [new_a.public, new_b.public])
    warned = run("validate", "--as-of", AS_OF)
    assert warned.exit_code == 0 and warned.output.count("[sealed.recipients_changed]") == 2
    assert "gongshi reseal" in warned.output

    dry = run("reseal", "--identity", office.key, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "将重新加密 2 个字段（2 个文件）" in dry.output
    assert {p: p.read_bytes() for p in (person, company)} == before

    wrong = run("reseal", "--identity", new_a.key)  # cannot open the old values: nothing rewritten
    assert wrong.exit_code == 1 and "无法解密" in wrong.output and "2 个文件没有改写" in wrong.output
    assert {p: p.read_bytes() for p in (person, company)} == before

    done = run("reseal", "--identity", office.key)
    assert done.exit_code == 0, done.output
    assert "已把 2 个字段（2 个文件）重新加密给 2 个接收方公钥" in done.output
    assert PERSON_ID not in done.output and REP_ID not in done.output
    for who in (new_a, new_b):
        assert who.opens(party(person)["id_no_sealed"]) == PERSON_ID
        assert who.opens(party(company)["legal_rep_id_no_sealed"]) == REP_ID
    assert recipient_stanzas(party(person)["id_no_sealed"]) == 2
    with pytest.raises(Exception, match="无法解密"):
        office.opens(party(person)["id_no_sealed"])
    # Only the lines of the sealed blocks changed: every other line of each file is as it was.
    diff = git.git("diff", "--unified=0", "--", "data/records")
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed and all(
        re.fullmatch(r"[+-]    [A-Za-z0-9+/=-]+( [A-Z ]+-----)?", line) for line in changed
    )
    for path, old in before.items():
        keep = [line for line in old.decode().splitlines() if not line.startswith("    ")]
        assert keep == [
            line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("    ")
        ]
    clean = run("validate", "--as-of", AS_OF)
    assert clean.exit_code == 0 and "sealed" not in clean.output
    # Run again with an identity file holding the old and a new key: everything opens, all re-sealed.
    both = tmp_path / "both.key"
    both.write_text(office.key.read_text(encoding="utf-8") + new_a.key.read_text(encoding="utf-8"), "utf-8")
    again = run("reseal", "--identity", both)
    assert again.exit_code == 0 and "已把 2 个字段（2 个文件）" in again.output
    assert new_b.opens(party(person)["id_no_sealed"]) == PERSON_ID

    # A published record re-sealed needs no public correction.
    old = load_yaml_bytes(before[person], "old.yaml").data
    new = load_yaml_bytes(person.read_bytes(), "new.yaml").data
    assert old != new and correction_problem(old, new) is None
    changed_name = dict(new, party=dict(new["party"], name="李五"))
    assert correction_problem(old, changed_name) is not None


def test_reseal_without_recipients_or_identity_is_a_usage_error(repo, office):
    no_keys = run("reseal", "--identity", office.key)
    assert no_keys.exit_code == 2 and "reporting:" in no_keys.output
    set_recipients(repo, [office.public])
    no_identity = run("reseal")
    assert no_identity.exit_code == 2 and "GONGSHI_AGE_IDENTITY" in no_identity.output
    assert is_sealed_text("-----BEGIN AGE ENCRYPTED FILE-----\nYQ==\n-----END AGE ENCRYPTED FILE-----")
