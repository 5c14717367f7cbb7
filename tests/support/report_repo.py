"""A history for upward reporting: the open-data repository (tests/support/opendata_repo.py) plus
the records only the internal report carries, with full ID numbers sealed to a throwaway key.

| id                | what                                                     | 当前状态 | 信息使用范围 |
|-------------------|----------------------------------------------------------|------|--------|
| scjg-xk-2026-0101 | corrected 04-02; legal representative's full ID sealed   | 有效 | 社会公示 |
| scjg-cf-2026-0016 | natural person 张小明, revoked 05-10, full ID sealed      | 撤销 | 社会公示 |
| scjg-cf-2026-0031 | natural person 欧阳娜娜, public, full ID sealed           | 有效 | 社会公示 |
| zhzf-cf-2026-0001 | 简易程序, withheld                                        | 有效 | 内部共享 |
| scjg-cf-2026-0041 | natural person 司马相如, withheld 个人隐私, ID sealed      | 有效 | 内部共享 |
| scjg-xk-2026-0051 | published, un-published 10-09 (public: false + unpublish) | 有效 | 内部共享 |
| scjg-xk-2026-0061 | 国家秘密 stub: never reported                             | —    | —      |
"""

from __future__ import annotations

from pathlib import Path

from gongshi.core.identifiers import id_check_char
from gongshi.core.sealed import generate_identity, seal

from tests.support.gitrepo import GitRepo
from tests.support.opendata_repo import (
    LICENCE_A,
    LICENCE_A_CORRECTION,
    PATHS,
    PENALTY_D,
    PENALTY_D_REVOKED,
    PENALTY_H,
    build_repo,
)

AS_OF = "2026-10-12"
IDENTITY, RECIPIENT = generate_identity()
OTHER_IDENTITY, _OTHER_RECIPIENT = generate_identity()


def _id(first17: str) -> str:
    return first17 + id_check_char(first17)


PUBLIC_PERSON_ID = _id("32040419900101123")  # 欧阳娜娜 (scjg-cf-2026-0031)
PRIVATE_PERSON = "司马相如"
PRIVATE_PERSON_ID = _id("32040419851212567")
LEGAL_REP_ID = _id("32040419700707345")
REVOKED_PERSON_ID = _id("32040419800303123")  # 张小明 (scjg-cf-2026-0016)
UNPUBLISHED_PARTY = "常州市撤下测试有限公司"

P = "data/records"
REPORT_PATHS = {
    **PATHS,
    "scjg-cf-2026-0041": f"{P}/scjg/penalties/2026/scjg-cf-2026-0041.yaml",
    "scjg-xk-2026-0051": f"{P}/scjg/licences/2026/scjg-xk-2026-0051.yaml",
    "scjg-xk-2026-0061": f"{P}/scjg/licences/2026/scjg-xk-2026-0061.yaml",
}


def sealed_block(key: str, number: str, indent: str = "  ") -> str:
    """``key: |`` and the armored age message, indented as a field of ``party``."""
    text = seal(number, [RECIPIENT])
    body = "".join(f"{indent}  {line}\n" for line in text.strip().splitlines())
    return f"{indent}{key}: |\n{body}"


def _with_party_extra(record: str, after: str, extra: str) -> str:
    assert after in record
    return record.replace(after, after + extra, 1)


PRIVATE_PENALTY = f"""kind: penalty
doc_no: 钟测市监罚〔2026〕41号
item: scjg-cf-001
party:
  name: {PRIVATE_PERSON}
  category: 自然人
  id_type: 身份证
  id_no_masked: 320404********{PRIVATE_PERSON_ID[-4:]}
{{sealed}}decision_date: 2026-09-01
authority: scjg
violation_type: 经营超过保质期的食品
facts: {PRIVATE_PERSON}于2026年8月销售超过保质期的饮料2瓶。
basis: 《中华人民共和国食品安全法》第一百二十四条第一款第（五）项
categories:
  - 警告
content: 警告。
disclosure:
  public: false
  reason: 个人隐私
"""

UNPUBLISHED_LICENCE = f"""kind: licence
doc_no: 钟测市监许〔2026〕151号
item: scjg-xk-001
party:
  name: {UNPUBLISHED_PARTY}
  category: 法人及非法人组织
  uscc: 91320404MA1XYW01X0
  legal_rep: 钱某某
decision_date: 2026-06-01
authority: scjg
doc_title: 食品经营许可决定书
category: 普通
content: 准予从事预包装食品销售。
valid_from: 2026-06-01
"""
UNPUBLISH = """disclosure:
  public: false
  reason: 商业秘密
corrections:
  - date: 2026-06-10
    reason: 涉及商业秘密，撤下公示
    unpublish: true
"""
SECRET_STUB = """kind: licence
item: scjg-xk-001
decision_date: 2026-06-01
authority: scjg
disclosure:
  public: false
  reason: 国家秘密
"""


def build_report_repo(path: Path) -> GitRepo:
    repo = build_repo(path)
    c = REPORT_PATHS
    policy = (path / "data/policy.yaml").read_text(encoding="utf-8")
    policy += f"\nreporting:\n  recipients:\n    - {RECIPIENT}\n  long_term: 2099-12-31\n"
    licence_a = LICENCE_A.format(licence_no="JY13204040012345") + LICENCE_A_CORRECTION
    licence_a = _with_party_extra(
        licence_a, "  legal_rep_id_type: 身份证\n", sealed_block("legal_rep_id_no_sealed", LEGAL_REP_ID)
    )
    person = _with_party_extra(
        PENALTY_H, "  id_no_masked: 320404********5678\n", sealed_block("id_no_sealed", PUBLIC_PERSON_ID)
    )
    revoked = _with_party_extra(
        PENALTY_D + PENALTY_D_REVOKED,
        "  id_no_masked: 320404********1234\n",
        sealed_block("id_no_sealed", REVOKED_PERSON_ID),
    )
    repo.commit(
        "平台：上报公钥；补录加密证件号码",
        "2026-10-07T09:00:00+08:00",
        {
            "data/policy.yaml": policy,
            c["scjg-xk-2026-0101"]: licence_a,
            c["scjg-cf-2026-0031"]: person,
            c["scjg-cf-2026-0016"]: revoked,
        },
    )
    repo.commit(
        "新增许可（后撤下）与国家秘密",
        "2026-10-08T09:00:00+08:00",
        {c["scjg-xk-2026-0051"]: UNPUBLISHED_LICENCE, c["scjg-xk-2026-0061"]: SECRET_STUB},
    )
    repo.commit(
        "撤下公示", "2026-10-09T09:00:00+08:00", {c["scjg-xk-2026-0051"]: UNPUBLISHED_LICENCE + UNPUBLISH}
    )
    private = PRIVATE_PENALTY.format(sealed=sealed_block("id_no_sealed", PRIVATE_PERSON_ID))
    repo.commit("不予公开的自然人处罚", "2026-10-09T10:00:00+08:00", {c["scjg-cf-2026-0041"]: private})
    return repo


def write_identity(folder: Path, identity: str = IDENTITY) -> Path:
    path = folder / "credit-office.key"
    path.write_text(f"# throwaway test key\n{identity}\n", encoding="utf-8")
    return path
