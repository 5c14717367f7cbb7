"""A real Git data repository where every record that must not be published, and every field that
must never be shown, carries a unique marker ("canary"). Built as of ``AS_OF``.

Markers are lower-case ASCII ending in a digit, so they survive the search tokenizer (whole ASCII
runs, lower-cased) unchanged: a leak through the search index is a leak of the
exact marker. ``NEVER`` lists markers that must appear in no output file; ``EXPECTED`` lists markers
of public content that must appear (the test can fail both ways).

| id | state as of 2026-10-12 | how |
|---|---|---|
| scjg-xk-2025-0001 | expired | licence valid to 2025-12-31 |
| scjg-cf-2026-0101 | withdrawn, notice | published 04-13, 撤销 06-01 (notice: 文号/机关/状态/日期/原因) |
| scjg-cf-2026-0102 | withdrawn, a notice | 撤销 before it was ever committed: a notice at once |
| scjg-cf-2026-0103 | repaired | national regime, 已修复 08-03 after the 3-month minimum |
| ...-0201..0209 | withheld | every declared reason + 轻微 (2026 national regime); 0201 国家秘密 is a stub |
| scjg-cf-2026-0301 | pending | committed on main after the as-of date |
| scjg-cf-2026-0302 | pending | branch commit dated before, merge commit after the as-of date |
| scjg-xk-2026-0401 | listed | public licence (legal_rep_id_type is a marker: never shown) |
| scjg-cf-2026-0402 | query | public natural person: full name and ID number never shown |
| scjg-cf-2026-0403 | listed | public company penalty |
| scjg-cf-2026-0404 | query | natural person renamed by a correction (old name in reason, subject) |
| scjg-xk-2026-0405 | query | natural person named in doc_no, licence_no and category_other |
| scjg-cf-2026-0406 | query | company penalty merged with 0210 under a subject with ID, mobile, name |
| scjg-xk-2026-0210 | withheld | 商业秘密, co-committed with 0406 (its company named in the subject) |

Issue 17: full ID numbers sealed with age (``party.id_no_sealed`` of every natural person,
``party.legal_rep_id_no_sealed`` of every company) are read by no output: neither the armored text
(any of its lines), nor the number, nor a fragment of it appears anywhere (``Canaries.sealed``).

Issue 14: commit subjects are never published (``SUBJECT_LEAKS`` must appear nowhere), every
natural person's full name, current or past (``person_names``), is absent from every output.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from gongshi.core.identifiers import id_check_char
from gongshi.core.sealed import generate_identity, seal

from tests.support.gitrepo import GitRepo

HERE = Path(__file__).resolve().parents[1]
REGISTRY = HERE / "fixtures" / "registry"
AS_OF = date(2026, 10, 12)
HEAD_DAY = date(2026, 10, 20)  # the last commit's day (see tests/support/site_fixture.py)
COMPANY_USCC = "91320404MA1XYW01X0"


def marker(label: str) -> str:
    """A stable unique marker for ``label``: ``cnry`` + 10 hex digits + ``7``."""
    return "cnry" + hashlib.sha256(label.encode()).hexdigest()[:10] + "7"


@dataclass
class Canaries:
    never: dict[str, str] = field(default_factory=dict)  # marker -> what it is
    expected: dict[str, str] = field(default_factory=dict)
    # Only in upward-reporting batches (``gongshi export --since``): the withdrawal row of a record
    # that was public and then left the site (文号, 日期, 机关, 状态, 原因) tells the platform to take
    # it down. Never on the site, never in a full export.
    reporting: dict[str, str] = field(default_factory=dict)
    masked_names: list[str] = field(default_factory=list)  # public masked forms that must appear
    person_names: list[str] = field(default_factory=list)  # every natural person's full name, current or past
    # Public fields holding a natural person's name: (label, masked form that must appear)
    masked_fields: dict[str, str] = field(default_factory=dict)

    # Issue 17: needles of the sealed ID numbers (armored lines, plaintexts and their fragments).
    sealed: dict[str, str] = field(default_factory=dict)  # needle -> what it is
    recipients: list[str] = field(default_factory=list)  # the throwaway key the repository seals to

    def seal(self, label: str, number: str) -> str:
        """``number`` sealed to the repository's recipient as an indented YAML block value; the
        number, its fragments and every line of the armored text become needles."""
        if not self.recipients:
            self.recipients.append(generate_identity()[1])
        armored = seal(number, self.recipients).strip()
        self.sealed[number] = f"{label}: the number"
        for a, b in ((0, 14), (6, 14), (4, -4), (-10, None)):
            if len(number[a:b]) >= 8:
                self.sealed[number[a:b]] = f"{label}: a fragment of the number"
        for i, line in enumerate(armored.splitlines()[1:-1]):
            self.sealed[line] = f"{label}: line {i + 1} of the sealed text"
        return "|\n" + "".join(f"    {line}\n" for line in armored.splitlines())

    def no(self, label: str) -> str:
        m = marker(label)
        self.never[m] = label
        return m

    def yes(self, label: str) -> str:
        m = marker(label)
        self.expected[m] = label
        return m

    def reported(self, label: str) -> str:
        m = marker(label)
        self.reporting[m] = label
        return m


def _policy(registry_policy: str, recipients: list[str]) -> str:
    # The national regimes decide penalties from 2019-07 on (轻微 withheld from 2026-04-01,
    # 信用修复 after the minimum period); licences stay under zhonglou-2016.
    assert "regime: zhonglou-2016" in registry_policy
    national = registry_policy.replace("regime: zhonglou-2016", "regime: national", 1)
    return national + "\nreporting:\n  recipients:\n" + "".join(f"    - {r}\n" for r in recipients)


def company(c: Canaries, tag: str, *, never: bool = True) -> str:
    pick = c.no if never else c.yes
    return (
        "party:\n"
        f"  name: 常州市{pick(tag + ':party.name')}有限公司\n"
        "  category: 法人及非法人组织\n"
        f"  uscc: {COMPANY_USCC}\n"
        f"  legal_rep: 王{pick(tag + ':party.legal_rep')}\n"
        f"  legal_rep_id_type: 其他-{c.no(tag + ':party.legal_rep_id_type')}\n"
        f"  social_org_reg_no: 苏{pick(tag + ':party.social_org_reg_no')}号\n"
        f"  legal_rep_id_no_sealed: {c.seal(tag + ':legal_rep_id_no', _resident_id(tag))}"
    )


def _resident_id(tag: str) -> str:
    """A valid, unique 身份证号码 for ``tag`` (born 1950–1999, so its digits stand out)."""
    n = int(hashlib.sha256(tag.encode()).hexdigest()[:8], 16)
    first17 = f"320404{1950 + n % 50}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


def person(c: Canaries, tag: str, surname: str = "司马") -> tuple[str, str]:
    """A natural person: the full name and the ID fields are never shown. Returns (yaml, name)."""
    name = surname + c.no(tag + ":party.name(full)")
    masked_id = c.no(tag + ":party.id_no_masked").upper()[:10] + "*" * 10
    passport = "E" + str(int(hashlib.sha256(tag.encode()).hexdigest()[:12], 16))[-8:]
    text = (
        f"party:\n  name: {name}\n  category: 自然人\n  id_type: 护照号\n  id_no_masked: {masked_id}\n"
        f"  id_no_sealed: {c.seal(tag + ':id_no', passport)}"
    )
    c.person_names.append(name)
    return text, name


def licence(c: Canaries, tag: str, doc_no: str, decided: str, *, valid_to: str | None = None,
            never: bool = True, extra: str = "", party: str | None = None) -> str:  # fmt: skip
    pick = c.no if never else c.yes
    return (
        "# yaml-language-server: $schema=../../../../../schemas/licence.schema.json\n"
        "kind: licence\n"
        f"doc_no: {doc_no}\n"
        "item: scjg-xk-001\n" + (party or company(c, tag, never=never)) + f"decision_date: {decided}\n"
        "authority: scjg\n"
        f"doc_title: 食品经营许可决定书{pick(tag + ':doc_title')}\n"
        "category: 普通\n"
        f"certificate_name: 食品经营许可证{pick(tag + ':certificate_name')}\n"
        f"licence_no: JY{pick(tag + ':licence_no').upper()}\n"
        f"content: 准予从事预包装食品销售{pick(tag + ':content')}。\n"
        f"valid_from: {decided}\n"
        + (f"valid_to: {valid_to}\n" if valid_to else "")
        + f"remarks: 备注{pick(tag + ':remarks')}\n"
        + extra
    )


def penalty(c: Canaries, tag: str, doc_no: str, decided: str, *, never: bool = True, extra: str = "",
            party: str | None = None, name: str | None = None, item: str = "scjg-cf-001",
            authority: str = "scjg", full: bool = True) -> str:  # fmt: skip
    """``full``: also 吊销许可证件 and 其他 (more marked fields); under the national regime that makes
    the decision 严重 (at least 12 months), so repaired and 轻微 records use ``full=False``."""
    pick = c.no if never else c.yes
    who = name or "当事人"
    more = (
        "  - 吊销许可证件\n"
        "  - 其他\n"
        f"category_other: 责令改正{pick(tag + ':category_other')}\n"
        f"licence_affected: 食品经营许可证（JY{pick(tag + ':licence_affected').upper()}）\n"
    )
    # 轻微 item: 警告 only (the other categories would raise the severity).
    categories = "  - 警告\n" if item == "scjg-cf-002" else "  - 警告\n  - 罚款\n" + (more if full else "")
    return (
        "# yaml-language-server: $schema=../../../../../schemas/penalty.schema.json\n"
        "kind: penalty\n"
        f"doc_no: {doc_no}\n"
        f"item: {item}\n" + (party or company(c, tag, never=never)) + f"decision_date: {decided}\n"
        f"authority: {authority}\n"
        f"violation_type: 经营超过保质期的食品{pick(tag + ':violation_type')}\n"
        f"facts: {who}于2026年在其经营场所销售超过保质期的饮料{pick(tag + ':facts')}。\n"
        f"basis: 《中华人民共和国食品安全法》第一百二十四条{pick(tag + ':basis')}\n"
        "categories:\n"
        + categories
        + f"content: 警告，罚款人民币5000元{pick(tag + ':content')}。\n"
        + ("fine_yuan: 5000\n" if "罚款" in categories else "")
        + f"remarks: 备注{pick(tag + ':remarks')}\n"
        + extra
    )


def withheld(reason: str) -> str:
    return f"disclosure:\n  public: false\n  reason: {reason}\n"


P = "data/records"
# A clerk's merge subject (issue 14): an ID number (wrong check digit: a typo) and a mobile number.
MERGE_SUBJECT = "新增处罚 当事人身份证320404200801011232 手机13912345678"
SUBJECT_LEAKS = ("320404200801011232", "13912345678", "当事人身份证", "的许可及一条处罚")


def rec_path(rid: str) -> str:
    dept, kind_code, year, _n = rid.split("-")
    folder = "licences" if kind_code == "xk" else "penalties"
    return f"{P}/{dept}/{folder}/{year}/{rid}.yaml"


@dataclass
class CanaryRepo:
    repo: GitRepo
    canaries: Canaries
    public_ids: list[str]
    notice_ids: list[str]
    hidden_ids: list[str]  # no page, no row, nowhere

    @property
    def path(self) -> Path:
        return self.repo.path


def build_canary_repo(path: Path) -> CanaryRepo:
    c = Canaries()
    path.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REGISTRY / "data", path / "data")
    policy = path / "data/policy.yaml"
    c.recipients.append(generate_identity()[1])
    policy.write_text(_policy(policy.read_text(encoding="utf-8"), c.recipients), encoding="utf-8")
    repo = GitRepo.init(path)
    repo.git("add", "--all")
    repo.commit("登记册、目录与日历", "2025-01-02T09:00:00+08:00")

    def add(message: str, when: str, files: dict[str, str]) -> None:
        repo.commit(message, when, {rec_path(k): v for k, v in files.items()})

    # Expired: the licence ran out on 2025-12-31.
    add(
        "新增许可（已过期）",
        "2025-03-05T10:00:00+08:00",
        {
            "scjg-xk-2025-0001": licence(
                c,
                "expired",
                f"钟测市监许〔2025〕{c.no('expired:doc_no')}号",
                "2025-03-03",
                valid_to="2025-12-31",
            )
        },
    )
    # Withdrawn after publication: the notice shows 文号, 机关, 状态, 日期 and 原因 only.
    notice_doc = f"钟测市监罚〔2026〕{c.yes('withdrawn-notice:doc_no')}号"
    w1 = penalty(c, "withdrawn-notice", notice_doc, "2026-04-10")
    add("新增处罚", "2026-04-13T10:00:00+08:00", {"scjg-cf-2026-0101": w1})
    # Credit repair (national regime, 一般: at least 3 months, then off the site).
    r1 = penalty(
        c, "repaired", f"钟测市监罚〔2026〕{c.reported('repaired:doc_no')}号", "2026-04-15", full=False
    )
    add("新增处罚", "2026-04-17T10:00:00+08:00", {"scjg-cf-2026-0103": r1})
    # Withdrawn before it was ever published: straight to a withdrawal notice (nothing published
    # disappears without one; issue 16), showing the notice's fields only.
    w2 = penalty(
        c,
        "withdrawn-unpublished",
        f"钟测市监罚〔2026〕{c.yes('withdrawn-unpublished:doc_no')}号",
        "2026-05-06",
        extra="status: 撤销\nstatus_date: 2026-05-08\n"
        f"status_reason: 撤销{c.yes('withdrawn-unpublished:status_reason')}\n",
    )
    add("新增已撤销的处罚", "2026-05-09T10:00:00+08:00", {"scjg-cf-2026-0102": w2})
    add(
        "撤销处罚决定",
        "2026-06-02T10:00:00+08:00",
        {
            "scjg-cf-2026-0101": w1
            + "status: 撤销\nstatus_date: 2026-06-01\n"
            + f"status_reason: 经复议撤销{c.yes('withdrawn-notice:status_reason')}\n"
        },
    )

    # A public natural person (query period): the name is shown as 司马 + stars, never in full.
    pub_party, pub_name = person(c, "public-person")
    c.masked_names.append("司马" + "*" * (len(pub_name) - 2))
    pub2 = penalty(
        c,
        "public-person",
        "钟测市监罚〔2026〕402号",
        "2026-06-01",
        never=False,
        party=pub_party,
        name=pub_name,
    )
    add("新增自然人处罚", "2026-06-03T10:00:00+08:00", {"scjg-cf-2026-0402": pub2})
    add(
        "信用修复",
        "2026-08-04T10:00:00+08:00",
        {
            "scjg-cf-2026-0103": r1
            + "status: 已修复\nstatus_date: 2026-08-03\n"
            + f"status_reason: 修复{c.reported('repaired:status_reason')}\n"
        },
    )

    # Withheld, every reason (and 轻微 computed by the 2026 national penalty regime).
    held: dict[str, str] = {}
    # 国家秘密: a stub (kind, item, decision date, authority, reason), nothing else is collected.
    held["scjg-xk-2026-0201"] = (
        "kind: licence\nitem: scjg-xk-001\ndecision_date: 2026-09-01\nauthority: scjg\n"
        + withheld("国家秘密")
    )
    for n, reason in enumerate(["商业秘密", "其他"], start=2):
        tag = f"withheld-{reason}"
        held[f"scjg-xk-2026-020{n}"] = licence(
            c, tag, f"钟测市监许〔2026〕{c.no(tag + ':doc_no')}号", "2026-09-01", extra=withheld(reason)
        )
    for n, reason in enumerate(["个人隐私", "未成年人"], start=4):
        tag = f"withheld-{reason}"
        party, name = person(c, tag, surname="欧阳")
        held[f"scjg-cf-2026-020{n}"] = penalty(
            c, tag, f"钟测市监罚〔2026〕{c.no(tag + ':doc_no')}号", "2026-09-01", party=party, name=name,
            extra=withheld(reason),
        )  # fmt: skip
    for n, reason in enumerate(["危害安全稳定", "轻微违法"], start=6):
        tag = f"withheld-{reason}"
        held[f"scjg-cf-2026-020{n}"] = penalty(
            c, tag, f"钟测市监罚〔2026〕{c.no(tag + ':doc_no')}号", "2026-09-01", extra=withheld(reason)
        )
    held["zhzf-cf-2026-0208"] = penalty(
        c,
        "withheld-简易程序",
        f"钟测执法罚〔2026〕{c.no('withheld-简易程序:doc_no')}号",
        "2026-09-01",
        item="zhzf-cf-001",
        authority="zhzf",
        extra="procedure: 简易程序\n" + withheld("简易程序"),
    )
    held["scjg-cf-2026-0209"] = penalty(
        c,
        "withheld-轻微",
        f"钟测市监罚〔2026〕{c.no('withheld-轻微:doc_no')}号",
        "2026-09-01",
        item="scjg-cf-002",
    )
    add("归集不予公开的决定", "2026-09-03T10:00:00+08:00", held)

    # Public, on the rolling lists.
    add(
        "新增许可与处罚",
        "2026-10-09T10:00:00+08:00",
        {
            "scjg-xk-2026-0401": licence(
                c, "public-licence", "钟测市监许〔2026〕401号", "2026-10-08", never=False
            ),
            "scjg-cf-2026-0403": penalty(
                c, "public-penalty", "钟测市监罚〔2026〕403号", "2026-10-08", never=False
            ),
        },
    )
    # Issue 14. A natural person renamed by a correction: the old full name stays in the
    # correction's reason and in a commit subject, and must be masked (or absent) everywhere.
    old_party, old_name = person(c, "renamed-person:old")
    new_party, new_name = person(c, "renamed-person:new")
    first = penalty(c, "renamed-person", "钟测市监罚〔2026〕404号", "2026-09-08", never=False,
                    party=old_party, name=old_name)  # fmt: skip
    add("新增自然人处罚", "2026-09-10T10:00:00+08:00", {"scjg-cf-2026-0404": first})
    fixed = penalty(c, "renamed-person", "钟测市监罚〔2026〕404号", "2026-09-08", never=False,
                    party=new_party, name=new_name)  # fmt: skip
    fixed += f"corrections:\n  - date: 2026-09-20\n    reason: 当事人姓名误录为{old_name}，更正为{new_name}\n"
    add(f"更正：{old_name}改为{new_name}", "2026-09-21T10:00:00+08:00", {"scjg-cf-2026-0404": fixed})
    c.masked_fields["renamed-person:correction"] = "误录为司马" + "*" * (len(old_name) - 2)

    # A natural person's name in 文号, 许可编号 and 其他许可类别 (clerks write them): masked there too.
    np_party, np_name = person(c, "person-in-fields")
    star = "司马" + "*" * (len(np_name) - 2)
    lic = licence(c, "person-in-fields", f"钟测市监许〔2026〕{np_name}405号", "2026-09-15", never=False,
                  party=np_party)  # fmt: skip
    lic = lic.replace("category: 普通\n", f"category: 其他\ncategory_other: 备案{np_name}\n")
    lic = re.sub(r"licence_no: .*\n", f"licence_no: JY{np_name}\n", lic)
    c.expected.pop(marker("person-in-fields:licence_no"))  # replaced by the name
    add("新增自然人许可", "2026-09-16T10:00:00+08:00", {"scjg-xk-2026-0405": lic})
    c.masked_fields |= {
        "person-in-fields:doc_no": f"{star}405号",
        "person-in-fields:licence_no": f"JY{star}",
        "person-in-fields:category_other": f"备案{star}",
    }

    # A pull request that adds a public penalty and a 商业秘密 licence together, merged under a
    # subject naming an ID number, a mobile number and the secret company.
    repo.branch("pr-secret")
    secret = licence(c, "cocommitted-商业秘密", f"钟测市监许〔2026〕{c.no('cocommitted-商业秘密:doc_no')}号",
                     "2026-09-22", extra=withheld("商业秘密"))  # fmt: skip
    secret_company = secret.split("  name: ", 1)[1].split("\n", 1)[0]
    add(f"新增 {secret_company} 的许可及一条处罚", "2026-09-23T10:00:00+08:00", {
        "scjg-xk-2026-0210": secret,
        "scjg-cf-2026-0406": penalty(c, "cocommitted-public", "钟测市监罚〔2026〕406号", "2026-09-22",
                                     never=False),
    })  # fmt: skip
    repo.checkout("main")
    repo.merge("pr-secret", f"{MERGE_SUBJECT}（含{secret_company}）", "2026-09-24T09:00:00+08:00")

    # Pending: decided before the as-of date, on main only after it.
    repo.branch("feature")
    p2 = penalty(c, "pending-branch", f"钟测市监罚〔2026〕{c.no('pending-branch:doc_no')}号", "2026-10-08")
    add("分支：新增处罚", "2026-10-09T11:00:00+08:00", {"scjg-cf-2026-0302": p2})
    repo.checkout("main")
    repo.merge("feature", "合并：新增处罚", "2026-10-15T09:00:00+08:00")
    p1 = penalty(c, "pending-main", f"钟测市监罚〔2026〕{c.no('pending-main:doc_no')}号", "2026-10-09")
    add("新增处罚（检查日之后）", "2026-10-20T10:00:00+08:00", {"scjg-cf-2026-0301": p1})

    hidden = ["scjg-xk-2025-0001", "scjg-cf-2026-0103", *held, "scjg-cf-2026-0301",
              "scjg-cf-2026-0302", "scjg-xk-2026-0210"]  # fmt: skip
    return CanaryRepo(
        repo=repo,
        canaries=c,
        public_ids=[
            "scjg-xk-2026-0401",
            "scjg-cf-2026-0402",
            "scjg-cf-2026-0403",
            "scjg-cf-2026-0404",
            "scjg-xk-2026-0405",
            "scjg-cf-2026-0406",
        ],
        notice_ids=["scjg-cf-2026-0101", "scjg-cf-2026-0102"],
        hidden_ids=hidden,
    )
