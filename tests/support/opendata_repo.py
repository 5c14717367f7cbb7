"""A small real Git data repository with known publication dates, for exports, feeds, stats and the
JSON API. Every figure the tests expect is computed by hand from the table below.

Calendar (written by ``build_repo`` so the figures do not depend on the shared fixture): 2026
holidays 01-01, 10-01, 10-02, 10-05; 09-27 (Sunday) is a make-up working day.
Deadline = 7th working day after the decision.

| id                | dept | kind    | decided    | added      | deadline   | timeliness            |
|-------------------|------|---------|------------|------------|------------|-----------------------|
| scjg-xk-2026-0101 | scjg | licence | 2026-03-05 | 2026-03-06 | 2026-03-16 | on time; corrected 04-02 |
| wjw-xk-2026-0003  | wjw  | licence | 2026-03-05 | 2026-03-18 | 2026-03-16 | late 2 (03-17, 03-18) |
| scjg-cf-2026-0015 | scjg | penalty | 2026-09-22 | 2026-10-06 | 2026-09-30 | late 1 (10-01..05 off) |
| scjg-cf-2026-0016 | scjg | penalty | 2026-03-05 | 2026-03-09 | 2026-03-16 | on time; 撤销 05-10 (c. 05-11)
| scjg-cf-2026-0023 | scjg | penalty | 2026-03-05 | 2026-03-06 | 2026-03-16 | on time               |
| scjg-cf-2026-0031 | scjg | penalty | 2026-09-28 | 2026-09-29 | 2026-10-12 | on time (natural person) |
| scjg-cf-2016-0001 | scjg | penalty | 2016-05-10 | 2026-03-06 | —          | back-filled           |
| zhzf-cf-2026-0001 | zhzf | penalty | 2026-03-02 | 2026-03-20 | —          | withheld (简易程序)    |
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from tests.support.gitrepo import GitRepo

HERE = Path(__file__).resolve().parents[1]
REGISTRY = HERE / "fixtures" / "registry"
AS_OF = date(2026, 10, 12)
PERSON_NAME = "张小明"  # the natural person of scjg-cf-2026-0016 (must never appear in public output)

COMPANY_PARTY = """party:
  name: 常州市测试餐饮有限公司
  category: 法人及非法人组织
  uscc: 91320404MA1XYW01X0
  legal_rep: 王某某
"""

LICENCE_A = """# yaml-language-server: $schema=../../../../../schemas/licence.schema.json
kind: licence
doc_no: 钟测市监许〔2026〕101号
item: scjg-xk-001
party:
  name: 常州市测试便利店有限公司
  category: 法人及非法人组织
  uscc: 91320404MA1XYW01X0
  legal_rep: 李某某
  org_code: MA1XYW01X
  legal_rep_id_type: 身份证
decision_date: 2026-03-05
authority: scjg
doc_title: 食品经营许可决定书
category: 普通
certificate_name: 食品经营许可证
licence_no: {licence_no}
content: 准予从事预包装食品销售（含冷藏冷冻食品）。
valid_from: 2026-03-05
valid_to: 2031-03-04
remarks: 原许可证到期换发。
"""
LICENCE_A_CORRECTION = """corrections:
  - date: 2026-04-01
    reason: 更正许可编号。
"""

LICENCE_B = """# yaml-language-server: $schema=../../../../../schemas/licence.schema.json
kind: licence
doc_no: 钟测卫许〔2026〕3号
item: wjw-xk-001
party:
  name: 常州市测试便利店有限公司
  category: 法人及非法人组织
  uscc: 91320404MA1XYW01X0
  legal_rep: 李某某
decision_date: 2026-03-05
authority: wjw
doc_title: 公共场所卫生许可决定书
category: 其他
category_other: 备案
content: 准予经营公共浴室。
valid_from: 2026-03-05
"""

PENALTY_C = (
    """# yaml-language-server: $schema=../../../../../schemas/penalty.schema.json
kind: penalty
doc_no: 钟测市监罚〔2026〕15号
item: scjg-cf-001
"""
    + COMPANY_PARTY
    + """decision_date: 2026-09-22
authority: scjg
violation_type: 经营超过保质期的食品
facts: 当事人于2026年8月在其经营场所销售超过保质期的饮料12瓶，货值金额96元。
basis: 《中华人民共和国食品安全法》第一百二十四条第一款第（五）项
categories:
  - 警告
  - 罚款
content: 警告，罚款人民币5000元。
fine_yuan: 5000
"""
)

PENALTY_D = f"""# yaml-language-server: $schema=../../../../../schemas/penalty.schema.json
kind: penalty
doc_no: 钟测市监罚〔2026〕16号
item: scjg-cf-001
party:
  name: {PERSON_NAME}
  category: 自然人
  id_type: 身份证
  id_no_masked: 320404********1234
decision_date: 2026-03-05
authority: scjg
violation_type: 经营超过保质期的食品
facts: {PERSON_NAME}于2026年1月在其摊位销售超过保质期的饮料3瓶。
basis: 《中华人民共和国食品安全法》第一百二十四条第一款第（五）项
categories:
  - 警告
  - 罚款
content: 警告，罚款人民币1234.5元。
fine_yuan: 1234.5
"""
PUBLIC_PERSON = "欧阳娜娜"  # scjg-cf-2026-0031: public, shown as 欧阳**
PENALTY_H = f"""# yaml-language-server: $schema=../../../../../schemas/penalty.schema.json
kind: penalty
doc_no: 钟测市监罚〔2026〕31号
item: scjg-cf-001
party:
  name: {PUBLIC_PERSON}
  category: 自然人
  id_type: 身份证
  id_no_masked: 320404********5678
decision_date: 2026-09-28
authority: scjg
violation_type: 经营超过保质期的食品
facts: {PUBLIC_PERSON}于2026年9月在其摊位销售超过保质期的饮料5瓶。
basis: 《中华人民共和国食品安全法》第一百二十四条第一款第（五）项
categories:
  - 警告
  - 罚款
content: 警告，罚款人民币1234.5元。
fine_yuan: 1234.5
"""
PENALTY_D_REVOKED = """status: 撤销
status_date: 2026-05-10
status_reason: 经行政复议撤销原处罚决定。
"""

PENALTY_G = (
    """# yaml-language-server: $schema=../../../../../schemas/penalty.schema.json
kind: penalty
doc_no: 钟测市监罚〔2026〕23号
item: scjg-cf-001
"""
    + COMPANY_PARTY
    + """decision_date: 2026-03-05
authority: scjg
violation_type: 经营超过保质期的食品
facts: 当事人于2026年1月在其经营场所销售超过保质期的饮料12瓶，货值金额96元。
basis: 《中华人民共和国食品安全法》第一百二十四条第一款第（五）项
categories:
  - 罚款
  - 没收违法所得
  - 没收非法财物
  - 吊销许可证件
  - 其他
category_other: 责令限期改正
content: 罚款十二万元，没收违法所得860.5元，没收超过保质期的饮料12瓶，吊销食品经营许可证。
fine_yuan: 120000.00
confiscation_yuan: 860.5
licence_affected: 食品经营许可证（JY13204040012345）
severity: 严重
valid_until: 2029-03-04
"""
)

PENALTY_F = (
    """# yaml-language-server: $schema=../../../../../schemas/penalty.schema.json
kind: penalty
doc_no: 钟测市监罚〔2016〕1号
item: scjg-cf-001
"""
    + COMPANY_PARTY
    + """decision_date: 2016-05-10
authority: scjg
violation_type: 经营超过保质期的食品
facts: 当事人于2016年4月销售超过保质期的食品。
basis: 《中华人民共和国食品安全法》第一百二十四条第一款第（五）项
categories:
  - 警告
content: 警告。
valid_until: 2030-12-31
"""
)

PENALTY_E = """# yaml-language-server: $schema=../../../../../schemas/penalty.schema.json
kind: penalty
doc_no: 钟测执法罚〔2026〕1号
item: zhzf-cf-001
party:
  name: 常州市保密测试有限公司
  category: 法人及非法人组织
  uscc: 91320404MA1XYW01X0
  legal_rep: 赵某某
decision_date: 2026-03-02
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
"""
CALENDAR_2026 = """# yaml-language-server: $schema=../../schemas/calendar.schema.json
year: 2026
source: 测试用数据（不是官方节假日安排）
holidays:
  - 2026-01-01
  - 2026-10-01
  - 2026-10-02
  - 2026-10-05
workdays:
  - 2026-09-27
"""
WITHHELD_SECRET = "保密事实不得公开"
WITHHELD_PARTY = "常州市保密测试有限公司"

P = "data/records"
PATHS = {
    "scjg-xk-2026-0101": f"{P}/scjg/licences/2026/scjg-xk-2026-0101.yaml",
    "wjw-xk-2026-0003": f"{P}/wjw/licences/2026/wjw-xk-2026-0003.yaml",
    "scjg-cf-2026-0015": f"{P}/scjg/penalties/2026/scjg-cf-2026-0015.yaml",
    "scjg-cf-2026-0016": f"{P}/scjg/penalties/2026/scjg-cf-2026-0016.yaml",
    "scjg-cf-2026-0023": f"{P}/scjg/penalties/2026/scjg-cf-2026-0023.yaml",
    "scjg-cf-2026-0031": f"{P}/scjg/penalties/2026/scjg-cf-2026-0031.yaml",
    "scjg-cf-2016-0001": f"{P}/scjg/penalties/2016/scjg-cf-2016-0001.yaml",
    "zhzf-cf-2026-0001": f"{P}/zhzf/penalties/2026/zhzf-cf-2026-0001.yaml",
}


_BUILT: dict[str, Path] = {}


def shared_repo(tmp_path_factory) -> Path:
    """The fixture repository, built once per test process (tests only read it)."""
    if "root" not in _BUILT:
        _BUILT["root"] = build_repo(tmp_path_factory.mktemp("opendata") / "repo").path
    return _BUILT["root"]


def shared_snapshot(tmp_path_factory, as_of: date = AS_OF):
    from gongshi.snapshot.load import load

    return load(shared_repo(tmp_path_factory), as_of, cache=False)


def build_repo(path: Path) -> GitRepo:
    """Create the repository (registry committed first, then one commit per event)."""
    path.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REGISTRY / "data", path / "data")
    (path / "data/calendar/2026.yaml").write_text(CALENDAR_2026, encoding="utf-8")
    repo = GitRepo.init(path)
    repo.git("add", "--all")
    repo.commit("登记册、目录与日历", "2026-01-05T09:00:00+08:00")
    c = PATHS
    repo.commit(
        "市场监管局：新增许可与处罚（含补录）",
        "2026-03-06T10:00:00+08:00",
        {
            c["scjg-xk-2026-0101"]: LICENCE_A.format(licence_no="JY13204040012340"),
            c["scjg-cf-2026-0023"]: PENALTY_G,
            c["scjg-cf-2016-0001"]: PENALTY_F,
        },
    )
    repo.commit(
        "市场监管局：新增自然人处罚", "2026-03-09T16:30:00+08:00", {c["scjg-cf-2026-0016"]: PENALTY_D}
    )
    repo.commit(
        "卫健委：新增公共场所卫生许可", "2026-03-18T11:00:00+08:00", {c["wjw-xk-2026-0003"]: LICENCE_B}
    )
    repo.commit(
        "综合执法局：简易程序处罚归集", "2026-03-20T09:15:00+08:00", {c["zhzf-cf-2026-0001"]: PENALTY_E}
    )
    repo.commit(
        "市场监管局：更正许可编号",
        "2026-04-02T08:45:00+08:00",
        {c["scjg-xk-2026-0101"]: LICENCE_A.format(licence_no="JY13204040012345") + LICENCE_A_CORRECTION},
    )
    repo.commit(
        "市场监管局：撤销处罚决定",
        "2026-05-11T14:00:00+08:00",
        {c["scjg-cf-2026-0016"]: PENALTY_D + PENALTY_D_REVOKED},
    )
    repo.commit(
        "市场监管局：新增自然人处罚", "2026-09-29T17:05:00+08:00", {c["scjg-cf-2026-0031"]: PENALTY_H}
    )
    repo.commit("市场监管局：新增处罚", "2026-10-06T09:30:00+08:00", {c["scjg-cf-2026-0015"]: PENALTY_C})
    return repo
