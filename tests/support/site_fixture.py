"""A small data repository with REAL Git history for the site tests (pages, golden site, browser).

Its own registry, catalog and policy are written here (not shared), so the golden site changes
only when this file or the site code changes. Calendars are the repository's official files.

As of ``AS_OF`` (2026-11-20), with list_days 10 (published on D → listed through D+10):

| id                | kind    | party (category)          | decided    | committed   | state       |
|-------------------|---------|---------------------------|------------|-------------|-------------|
| scjg-xk-2026-0201 | licence | 常州市晨光测试食品有限公司 | 2026-11-09 | 11-11       | listed (to 11-20) |
| scjg-cf-2026-0202 | penalty | 欧阳明华 (自然人)          | 2026-11-12 | 11-16       | listed      |
| wjw-xk-2026-0011  | licence | 常州市晨光测试食品有限公司 | 2026-03-02 | 03-04; 04-10 | query (corrected) |
| scjg-cf-2025-0031 | penalty | 钟楼区测试小吃店 (个体)    | 2025-12-01 | 2025-12-03  | query       |
| scjg-xk-2019-0007 | licence | 常州市过期测试商行有限公司 | 2019-05-06 | 01-06 (补录) | expired    |
| scjg-cf-2026-0203 | penalty | 常州市撤销测试有限公司     | 2026-02-02 | 02-04; 06-02 | withdrawn  |
| zhzf-cf-2026-0021 | penalty | 常州市保密测试有限公司     | 2026-03-10 | 03-12       | withheld    |
| scjg-cf-2026-0205 | penalty | — (国家秘密: a stub)       | 2026-05-06 | 05-08       | withheld    |
| scjg-cf-2026-0204 | penalty | 常州市未来测试有限公司     | 2026-11-18 | 11-25       | pending     |

Commit dates are 2026 unless written in full. The expired licence's validity ended 2021-05-05; the
withdrawn penalty was revoked (撤销) on 2026-06-01; the withheld one is 简易程序; the pending one was
committed after AS_OF.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from tests.support.gitrepo import GitRepo

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2026, 11, 20)
# The day of the fixture's last commit: a build as of an earlier day reads main as it stood then and
# leaves uncommitted edits out, so tests of a broken work tree build as of this day.
HEAD_DAY = date(2026, 11, 25)

# Strings that must never appear in any output file (withheld, expired, withdrawn, pending records;
# the natural person's full name and masked ID number).
SECRET_STRINGS = {
    "zhzf-cf-2026-0021": [
        "常州市保密测试有限公司",
        "保密事实不得公开",
        "钟测执法罚〔2026〕21号",
        "91320404MA1XYW044M",
    ],
    "scjg-xk-2019-0007": ["常州市过期测试商行有限公司", "过期许可内容说明", "钟测市监许〔2019〕7号"],
    "scjg-cf-2026-0203": ["常州市撤销测试有限公司", "撤销案件事实描述", "91320404MA1XYW036T"],
    "scjg-cf-2026-0204": ["常州市未来测试有限公司", "未来案件事实描述", "钟测市监罚〔2026〕204号"],
    "scjg-cf-2026-0205": ["scjg-cf-2026-0205"],
    "person": ["欧阳明华", "明华", "320404********5678"],
}
# The withdrawn record's notice shows these (and nothing about the party or facts).
NOTICE_STRINGS = ["钟测市监罚〔2026〕203号", "经行政复议撤销原处罚决定"]

DEPARTMENTS = """# Site test registry: fictitious departments.
departments:
  - key: scjg
    name: 钟楼区测试市场监督管理局
    short_name: 测试市场监管局
    uscc: 11320404014123458X
    region_code: "320404"
    owners: ["@example/scjg"]
  - key: wjw
    name: 钟楼区测试卫生健康委员会
    short_name: 测试卫健委
    uscc: 11320404014123474K
    region_code: "320404"
    owners: ["@example/wjw"]
  - key: zhzf
    name: 钟楼区测试综合行政执法局
    short_name: 测试综合执法局
    uscc: 11320404014123466Q
    region_code: "320404"
    owners: ["@example/zhzf"]
"""
CATALOG = {
    "scjg": """department: scjg
items:
  - code: scjg-xk-001
    kind: licence
    name: 食品经营许可
    basis: 《中华人民共和国食品安全法》第三十五条
    domain: 食品安全
  - code: scjg-cf-001
    kind: penalty
    name: 经营超过保质期食品的处罚
    basis: 《中华人民共和国食品安全法》第一百二十四条
    severity: 一般
    domain: 食品安全
""",
    "wjw": """department: wjw
items:
  - code: wjw-xk-001
    kind: licence
    name: 公共场所卫生许可
    basis: 《公共场所卫生管理条例》第八条
""",
    "zhzf": """department: zhzf
items:
  - code: zhzf-cf-001
    kind: penalty
    name: 擅自占用城市道路的处罚
    basis: 《城市道路管理条例》第四十二条
    severity: 一般
""",
}
POLICY = """regime: zhonglou-2016
records_since: 2016-01-01
platform_start: 2016-08-20
deadline_workdays: 7
list_days: 10
default_query_years: 7
site:
  title: 钟楼区行政许可和行政处罚信用信息公示
  region_name: 常州市钟楼区
  sample_data: true
"""

LICENCE_HEADER = "# yaml-language-server: $schema=../../../../../schemas/licence.schema.json\n"
PENALTY_HEADER = "# yaml-language-server: $schema=../../../../../schemas/penalty.schema.json\n"

RECORDS = {
    "scjg-xk-2026-0201": LICENCE_HEADER
    + """kind: licence
doc_no: 钟测市监许〔2026〕201号
item: scjg-xk-001
party:
  name: 常州市晨光测试食品有限公司
  category: 法人及非法人组织
  uscc: 91320404MA1XYW0280
  legal_rep: 李某某
decision_date: 2026-11-09
authority: scjg
doc_title: 食品经营许可决定书
category: 普通
certificate_name: 食品经营许可证
licence_no: JY13204040000201
content: 准予从事预包装食品销售。
valid_from: 2026-11-09
valid_to: 2031-11-08
""",
    "scjg-cf-2026-0202": PENALTY_HEADER
    + """kind: penalty
doc_no: 钟测市监罚〔2026〕202号
item: scjg-cf-001
party:
  name: 欧阳明华
  category: 自然人
  id_type: 身份证
  id_no_masked: 320404********5678
decision_date: 2026-11-12
authority: scjg
violation_type: 经营超过保质期的食品
facts: 欧阳明华于2026年10月在其摊位销售超过保质期的饮料3瓶。
basis: 《中华人民共和国食品安全法》第一百二十四条第一款第（五）项
categories:
  - 警告
  - 罚款
content: 警告，罚款人民币2000元。
fine_yuan: 2000
""",
    "wjw-xk-2026-0011": LICENCE_HEADER
    + """kind: licence
doc_no: 钟测卫许〔2026〕11号
item: wjw-xk-001
party:
  name: 常州市晨光测试食品有限公司
  category: 法人及非法人组织
  uscc: 91320404MA1XYW0280
  legal_rep: 李某某
decision_date: 2026-03-02
authority: wjw
doc_title: 公共场所卫生许可决定书
category: 其他
category_other: 备案
content: 准予经营公共浴室。
valid_from: 2026-03-02
remarks: 营业面积<b>120</b>平方米 & 更衣室 2 间。
""",
    "scjg-cf-2025-0031": PENALTY_HEADER
    + """kind: penalty
doc_no: 钟测市监罚〔2025〕31号
item: scjg-cf-001
party:
  name: 钟楼区测试小吃店
  category: 个体工商户
  uscc: "00000000000000000X"
  business_reg_no: "320404600123457"
  legal_rep: 周某某
decision_date: 2025-12-01
authority: scjg
violation_type: 经营超过保质期的食品
facts: 当事人于2025年11月销售超过保质期的糕点2盒。
basis: 《中华人民共和国食品安全法》第一百二十四条第一款第（五）项
categories:
  - 警告
content: 警告。
""",
    "scjg-xk-2019-0007": LICENCE_HEADER
    + """kind: licence
doc_no: 钟测市监许〔2019〕7号
item: scjg-xk-001
party:
  name: 常州市过期测试商行有限公司
  category: 法人及非法人组织
  uscc: 91320404MA1XYW052G
  legal_rep: 钱某某
decision_date: 2019-05-06
authority: scjg
doc_title: 食品经营许可决定书
category: 普通
content: 过期许可内容说明。
valid_from: 2019-05-06
valid_to: 2021-05-05
""",
    "scjg-cf-2026-0203": PENALTY_HEADER
    + """kind: penalty
doc_no: 钟测市监罚〔2026〕203号
item: scjg-cf-001
party:
  name: 常州市撤销测试有限公司
  category: 法人及非法人组织
  uscc: 91320404MA1XYW036T
  legal_rep: 孙某某
decision_date: 2026-02-02
authority: scjg
violation_type: 经营超过保质期的食品
facts: 撤销案件事实描述。
basis: 《中华人民共和国食品安全法》第一百二十四条第一款第（五）项
categories:
  - 罚款
content: 罚款人民币5000元。
fine_yuan: 5000
""",
    "zhzf-cf-2026-0021": PENALTY_HEADER
    + """kind: penalty
doc_no: 钟测执法罚〔2026〕21号
item: zhzf-cf-001
party:
  name: 常州市保密测试有限公司
  category: 法人及非法人组织
  uscc: 91320404MA1XYW044M
  legal_rep: 赵某某
decision_date: 2026-03-10
authority: zhzf
violation_type: 擅自占用城市道路
facts: 保密事实不得公开。
basis: 《城市道路管理条例》第四十二条
categories:
  - 警告
content: 警告。
procedure: 简易程序
disclosure:
  public: false
  reason: 简易程序
""",
    # 国家秘密: only what the assessment counts is collected (docs/records.md).
    "scjg-cf-2026-0205": PENALTY_HEADER
    + """kind: penalty
item: scjg-cf-001
decision_date: 2026-05-06
authority: scjg
disclosure:
  public: false
  reason: 国家秘密
""",
    "scjg-cf-2026-0204": PENALTY_HEADER
    + """kind: penalty
doc_no: 钟测市监罚〔2026〕204号
item: scjg-cf-001
party:
  name: 常州市未来测试有限公司
  category: 法人及非法人组织
  uscc: 91320404MA1XYW036T
  legal_rep: 吴某某
decision_date: 2026-11-18
authority: scjg
violation_type: 经营超过保质期的食品
facts: 未来案件事实描述。
basis: 《中华人民共和国食品安全法》第一百二十四条第一款第（五）项
categories:
  - 警告
content: 警告。
""",
}
CORRECTION = """corrections:
  - date: 2026-04-10
    reason: 更正许可内容的文字。
"""
REVOCATION = """status: 撤销
status_date: 2026-06-01
status_reason: 经行政复议撤销原处罚决定。
"""
FOLDER = {"licence": "licences", "penalty": "penalties"}


def data_path(record_id: str) -> str:
    dept, code, year, _n = record_id.split("-")
    kind = "licence" if code == "xk" else "penalty"
    return f"data/records/{dept}/{FOLDER[kind]}/{year}/{record_id}.yaml"


def build_repo(path: Path) -> GitRepo:
    """Create the repository: registry first, then one commit per event (dates in China time)."""
    path = Path(path)
    (path / "data" / "catalog").mkdir(parents=True, exist_ok=True)
    (path / "data" / "departments.yaml").write_text(DEPARTMENTS, encoding="utf-8")
    (path / "data" / "policy.yaml").write_text(POLICY, encoding="utf-8")
    for key, text in CATALOG.items():
        (path / "data" / "catalog" / f"{key}.yaml").write_text(text, encoding="utf-8")
    (path / "data" / "calendar").mkdir(parents=True, exist_ok=True)
    for year in range(2019, 2027):
        shutil.copy(ROOT / "data" / "calendar" / f"{year}.yaml", path / "data" / "calendar" / f"{year}.yaml")
    repo = GitRepo.init(path)
    repo.git("add", "--all")
    repo.commit("登记册、目录、公示规则与日历", "2025-11-03T09:00:00+08:00")

    def add(message: str, when: str, *ids: str, extra: str = "") -> None:
        repo.commit(message, when, {data_path(i): RECORDS[i] + extra for i in ids})

    add("市场监管局：新增个体工商户处罚", "2025-12-03T10:00:00+08:00", "scjg-cf-2025-0031")
    add("市场监管局：补录2019年许可", "2026-01-06T15:00:00+08:00", "scjg-xk-2019-0007")
    add("市场监管局：新增处罚", "2026-02-04T09:30:00+08:00", "scjg-cf-2026-0203")
    add("卫健委：新增公共场所卫生许可", "2026-03-04T11:00:00+08:00", "wjw-xk-2026-0011")
    add("综合执法局：简易程序处罚归集", "2026-03-12T16:00:00+08:00", "zhzf-cf-2026-0021")
    add("卫健委：更正许可内容", "2026-04-10T08:45:00+08:00", "wjw-xk-2026-0011", extra=CORRECTION)
    add("市场监管局：国家秘密决定存根", "2026-05-08T09:00:00+08:00", "scjg-cf-2026-0205")
    add("市场监管局：撤销处罚决定", "2026-06-02T14:00:00+08:00", "scjg-cf-2026-0203", extra=REVOCATION)
    add("市场监管局：新增食品经营许可", "2026-11-11T10:00:00+08:00", "scjg-xk-2026-0201")
    # A clerk wrote the person's full name into the subject: the site must mask it.
    add("市场监管局：新增欧阳明华的处罚", "2026-11-16T17:20:00+08:00", "scjg-cf-2026-0202")
    add("市场监管局：新增处罚", "2026-11-25T09:00:00+08:00", "scjg-cf-2026-0204")
    return repo
