"""A data repository whose organisations change over time, with REAL dated ``--no-ff`` merges:
the 2019 机构改革 merges 工商局 (gsj) and 食药监局 (spj) into a new 市场监管局 (scjg), renames
the 环境保护局 (sthj) 生态环境局 with a new credit code, and the environment catalog retires one
penalty item at the end of 2020 and adds its successor from 2021. Legal persons decided before
2018 carry only the transitional codes (组织机构代码, 工商注册号).

Timeline of main (China time; each record on its own branch, merged with ``--no-ff``):

| merged on  | what                                                                  |
|------------|-----------------------------------------------------------------------|
| 2017-10-09 | registry: gsj, spj, sthj (named 环境保护局); calendars; catalogs       |
| 2017-11-06 | gsj-xk-2017-0001 (decided 2017-11-01, 工商注册号 only)                  |
| 2018-01-04 | spj-cf-2017-0001 (decided 2017-12-28, 组织机构代码 only)                 |
| 2018-07-05 | sthj-cf-2018-0001 (decided 2018-07-02, item sthj-cf-001)               |
| 2019-03-01 | registry: the 机构改革 (scjg from 2019-02-28; gsj, spj until 2019-02-27) |
| 2019-04-03 | scjg-cf-2019-0001 (decided 2019-04-01)                                 |
| 2020-12-30 | registry: sthj-cf-001 retired (until 2020-12-31), sthj-cf-002 from 2021 |
| 2021-03-04 | sthj-cf-2021-0001 (decided 2021-03-01, item sthj-cf-002)               |
"""

from __future__ import annotations

from pathlib import Path

from tests.support.gitrepo import GitRepo

ROOT = Path(__file__).resolve().parents[2]

POLICY = """regime: zhonglou-2016
records_since: 2016-01-01
platform_start: 2016-08-20
deadline_workdays: 7
list_days: 10
default_query_years: 7
site:
  title: 测试公示
  region_name: 常州市钟楼区
  sample_data: true
"""

OLD_NAME = "钟楼区测试环境保护局"
NEW_NAME = "钟楼区测试生态环境局"
OLD_USCC = "11320404014123482E"
NEW_USCC = "11320404MB01234575"
GSJ_NAME = "钟楼区测试工商行政管理局"
SCJG_NAME = "钟楼区测试市场监督管理局"

DEPARTMENTS_2017 = f"""departments:
  - key: gsj
    name: {GSJ_NAME}
    uscc: 11320404014123458X
    region_code: "320404"
  - key: spj
    name: 钟楼区测试食品药品监督管理局
    uscc: 11320404014123466Q
    region_code: "320404"
  - key: sthj
    name: {OLD_NAME}
    uscc: {OLD_USCC}
    region_code: "320404"
"""

DEPARTMENTS_2019 = f"""departments:
  - key: gsj
    name: {GSJ_NAME}
    uscc: 11320404014123458X
    region_code: "320404"
    until: 2019-02-27
    successor: scjg
  - key: spj
    name: 钟楼区测试食品药品监督管理局
    uscc: 11320404014123466Q
    region_code: "320404"
    until: 2019-02-27
    successor: scjg
  - key: sthj
    name: {NEW_NAME}
    short_name: 测试生态环境局
    uscc: {NEW_USCC}
    region_code: "320404"
    former_names:
      - name: {OLD_NAME}
        short_name: 测试环保局
        uscc: {OLD_USCC}
        until: 2019-02-27
  - key: scjg
    name: {SCJG_NAME}
    uscc: 11320404014123474K
    region_code: "320404"
    from: 2019-02-28
    predecessors: [gsj, spj]
"""

GSJ_CATALOG = """department: gsj
items:
  - code: gsj-xk-001
    kind: licence
    name: 企业登记
    basis: 《企业法人登记管理条例》
"""
SPJ_CATALOG = """department: spj
items:
  - code: spj-cf-001
    kind: penalty
    name: 食品安全违法行为的处罚
    basis: 《中华人民共和国食品安全法》
    severity: 一般
"""
SCJG_CATALOG = """department: scjg
items:
  - code: scjg-cf-001
    kind: penalty
    name: 经营超过保质期食品的处罚
    basis: 《中华人民共和国食品安全法》第一百二十四条
    severity: 一般
    from: 2019-02-28
"""
STHJ_CATALOG = """department: sthj
items:
  - code: sthj-cf-001
    kind: penalty
    name: 超标排放大气污染物的处罚（旧）
    basis: 《中华人民共和国大气污染防治法》第九十九条
    severity: 一般
"""
STHJ_CATALOG_2021 = """department: sthj
items:
  - code: sthj-cf-001
    kind: penalty
    name: 超标排放大气污染物的处罚（旧）
    basis: 《中华人民共和国大气污染防治法》第九十九条
    severity: 一般
    until: 2020-12-31
  - code: sthj-cf-002
    kind: penalty
    name: 超标排放大气污染物的处罚
    basis: 《中华人民共和国大气污染防治法》第九十九条
    severity: 一般
    from: 2021-01-01
"""


def penalty(dept: str, no: str, item: str, decided: str, party: str) -> str:
    return f"""kind: penalty
doc_no: 钟测{dept}罚〔{decided[:4]}〕{no}号
item: {item}
party:
{party}decision_date: {decided}
authority: {dept}
violation_type: 测试违法行为
facts: 测试违法事实。
basis: 《测试法》第一条
categories:
  - 警告
content: 警告。
"""


COMPANY_USCC = (
    "  name: 常州市测试有限公司\n  category: 法人及非法人组织\n"
    "  uscc: 91320404MA1XYW01X0\n  legal_rep: 王某某\n"
)
COMPANY_ORG_CODE = (
    "  name: 常州市旧码测试有限公司\n  category: 法人及非法人组织\n"
    '  org_code: "137600488"\n  legal_rep: 李某某\n'
)
SHOP_BUSINESS_REG_NO = (
    '  name: 常州市注册号测试商行\n  category: 法人及非法人组织\n  business_reg_no: "320404000012344"\n'
    "  legal_rep: 赵某某\n"
)

LICENCE_2017 = f"""kind: licence
doc_no: 钟测工商许〔2017〕1号
item: gsj-xk-001
party:
{SHOP_BUSINESS_REG_NO}decision_date: 2017-11-01
authority: gsj
doc_title: 准予设立登记通知书
category: 登记
content: 准予设立登记。
valid_from: 2017-11-01
"""

RECORDS = {
    "data/records/gsj/licences/2017/gsj-xk-2017-0001.yaml": LICENCE_2017,
    "data/records/sthj/penalties/2018/sthj-cf-2018-0001.yaml": penalty(
        "sthj", "1", "sthj-cf-001", "2018-07-02", COMPANY_USCC
    ),
    "data/records/spj/penalties/2017/spj-cf-2017-0001.yaml": penalty(
        "spj", "1", "spj-cf-001", "2017-12-28", COMPANY_ORG_CODE
    ),
    "data/records/scjg/penalties/2019/scjg-cf-2019-0001.yaml": penalty(
        "scjg", "1", "scjg-cf-001", "2019-04-01", COMPANY_USCC
    ),
    "data/records/sthj/penalties/2021/sthj-cf-2021-0001.yaml": penalty(
        "sthj", "2", "sthj-cf-002", "2021-03-01", COMPANY_USCC
    ),
}
# Path → (commit day on the branch, merge day on main).
MERGES = [
    ("data/records/gsj/licences/2017/gsj-xk-2017-0001.yaml", "2017-11-06"),
    ("data/records/spj/penalties/2017/spj-cf-2017-0001.yaml", "2018-01-04"),
    ("data/records/sthj/penalties/2018/sthj-cf-2018-0001.yaml", "2018-07-05"),
    ("registry-2019", "2019-03-01"),
    ("data/records/scjg/penalties/2019/scjg-cf-2019-0001.yaml", "2019-04-03"),
    ("registry-2021", "2020-12-30"),
    ("data/records/sthj/penalties/2021/sthj-cf-2021-0001.yaml", "2021-03-04"),
]
REGISTRY_CHANGES = {
    "registry-2019": {
        "data/departments.yaml": DEPARTMENTS_2019,
        "data/catalog/scjg.yaml": SCJG_CATALOG,
    },
    "registry-2021": {"data/catalog/sthj.yaml": STHJ_CATALOG_2021},
}


def build_effective_repo(path: Path) -> GitRepo:
    """The repository above, HEAD at the last merge (2021-03-04)."""
    path = Path(path)
    repo = GitRepo.init(path)
    files = {
        "data/policy.yaml": POLICY,
        "data/departments.yaml": DEPARTMENTS_2017,
        "data/catalog/gsj.yaml": GSJ_CATALOG,
        "data/catalog/spj.yaml": SPJ_CATALOG,
        "data/catalog/sthj.yaml": STHJ_CATALOG,
    }
    for year in range(2016, 2022):
        rel = f"data/calendar/{year}.yaml"
        files[rel] = (ROOT / rel).read_text(encoding="utf-8")
    repo.commit("登记册、目录、公示规则与日历", "2017-10-09T09:00:00+08:00", files)
    for n, (what, day) in enumerate(MERGES, start=1):
        branch = f"change-{n}"
        repo.branch(branch)
        changes = REGISTRY_CHANGES.get(what) or {what: RECORDS[what]}
        repo.commit(f"变更 {n}", f"{day}T09:00:00+08:00", changes)
        repo.checkout("main")
        repo.merge(branch, f"合并 #{n}", f"{day}T15:00:00+08:00")
    return repo
