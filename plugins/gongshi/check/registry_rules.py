"""The rules of the registry files (departments, catalog, policy, calendar): each file's schema
(``schema_errors``) and the rules a schema cannot express (unique department keys and item codes,
catalog file name = department, item code prefixes and kinds, calendar years). Also
``ignored_message``, the warning for a file under ``data/`` that is no data file.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from gongshi.check.schema_errors import DOC_LABEL, problem_at, schema_problems
from gongshi.core import identifiers
from gongshi.core.problems import Problem
from gongshi.core.records import parse_date
from gongshi.repo import schemas
from gongshi.repo.files import CALENDAR_DIR, DEPARTMENTS_FILE, POLICY_FILE, Registry
from gongshi.repo.yamlload import Loaded, load_yaml_file
from gongshi.rules.workdays import calendar_relpath, missing_calendar_problem


def registry_problems(root: Path, registry: Registry) -> dict[str, list[Problem]]:
    """Problems of the registry files, by file."""
    out: dict[str, list[Problem]] = {}
    for rel, loaded in registry.loaded.items():
        if rel == DEPARTMENTS_FILE:
            doc_type = "departments"
        elif rel == POLICY_FILE:
            doc_type = "policy"
        else:
            doc_type = "catalog"
        out[rel] = _registry_file_problems(root, rel, loaded, doc_type, registry)
    cal_dir = root / CALENDAR_DIR
    if cal_dir.is_dir():
        for path in sorted(cal_dir.iterdir()):
            if path.name.startswith(".") or not path.is_file():
                continue
            rel = path.relative_to(root).as_posix()
            if not path.name.endswith(".yaml"):
                out[rel] = [Problem(rel, None, "$", "path.ignored", ignored_message(rel), "warning")]
                continue
            loaded = load_yaml_file(path, rel)
            out[rel] = _registry_file_problems(root, rel, loaded, "calendar", registry)
    return out


def calendar_coverage_problems(root: Path, record_years: set[int], as_of: date) -> list[Problem]:
    """One warning per year that deadlines are counted in but that has no calendar file: the years
    of the records, the as-of year, and in December the next (this month's deadlines reach it).
    Such results are 暂定 (statutory holidays by rule, no make-up working days)."""
    years = set(record_years) | {as_of.year}
    if as_of.month == 12:
        years.add(as_of.year + 1)
    out = []
    for y in sorted(years):
        if 2000 <= y <= as_of.year + 1 and not (root / calendar_relpath(y)).is_file():
            out.append(missing_calendar_problem([y], f"{y} 年的公示截止日和迟报工作日数"))
    return out


def ignored_message(rel: str) -> str:
    """The warning for ``rel``, a file under ``data/`` that is no data file."""
    return f"{rel} 不是数据文件（数据文件扩展名为 .yaml，并放在规定的目录中），已被忽略。"


def _registry_file_problems(root: Path, rel: str, loaded: Loaded, doc_type: str, registry: Registry):
    if not (root / rel).exists():
        need = "必须有" if doc_type in ("departments", "policy") else "缺少"
        return [Problem(rel, None, "$", "file.missing", f"{need}文件 {rel}（{DOC_LABEL[doc_type]}）。")]
    problems = list(loaded.problems)
    if not loaded.ok:
        return problems
    if not isinstance(loaded.data, dict):
        problems.append(problem_at(loaded, "$", "yaml.not_mapping", "文件的顶层必须是“键: 值”形式的映射。"))
        return problems
    if not schemas.has_schema(doc_type):
        return problems
    data = schemas.coerce_document(loaded.data, doc_type)
    problems.extend(schema_problems(data, doc_type, loaded))
    bad = {p.path for p in problems if p.severity == "error"}
    check = {
        "departments": _departments_rules,
        "catalog": _catalog_rules,
        "calendar": _calendar_rules,
        "policy": _policy_rules,
    }.get(doc_type)
    if check is not None:
        problems.extend(check(rel, data, loaded, bad, registry))
    return problems


def _departments_rules(rel, data, loaded, bad, registry) -> list[Problem]:
    out = []
    seen: dict[str, int] = {}
    for i, d in enumerate(data.get("departments") or []):
        if not isinstance(d, dict):
            continue
        base = f"$.departments[{i}]"
        key = d.get("key")
        if isinstance(key, str):
            if key in seen:
                out.append(
                    problem_at(
                        loaded,
                        f"{base}.key",
                        "unique.department_key",
                        f"部门代号 “{key}” 重复（第 {seen[key] + 1} 项已经用过）。每个部门的 key 必须唯一。",
                    )
                )
            seen.setdefault(key, i)
        uscc = d.get("uscc")
        if isinstance(uscc, str) and f"{base}.uscc" not in bad:
            why = identifiers.uscc_problem(uscc)
            if why:
                out.append(
                    problem_at(
                        loaded,
                        f"{base}.uscc",
                        "identifier.uscc",
                        f"部门的统一社会信用代码 {uscc} 无效：{why}",
                    )
                )
            else:
                for w in identifiers.uscc_warnings(uscc):
                    out.append(
                        problem_at(
                            loaded,
                            f"{base}.uscc",
                            "identifier.uscc_warning",
                            f"统一社会信用代码 {uscc}：{w}",
                            "warning",
                        )
                    )
        region = d.get("region_code")
        if (
            isinstance(region, str)
            and f"{base}.region_code" not in bad
            and not identifiers.region_code_known(region)
        ):
            out.append(
                problem_at(
                    loaded,
                    f"{base}.region_code",
                    "identifier.region_unknown",
                    f"行政区划编码 {region} 不在 GB/T 2260 代码表中（可能已撤销或写错）。请核对。",
                    "warning",
                )
            )
        out.extend(_delegation_rules(d, base, loaded, bad, registry))
        out.extend(_department_dates(loaded, base, d, data, bad))
    return out


def _delegation_rules(d: dict, base: str, loaded, bad, registry) -> list[Problem]:
    """A delegation names another registered department and only the delegating department's items."""
    out = []
    key = d.get("key")
    own = {i.code for i in registry.catalog_by_dept.get(key, [])} if isinstance(key, str) else set()
    delegates = d.get("delegates")
    for j, entry in enumerate(delegates if isinstance(delegates, list) else []):
        if not isinstance(entry, dict):
            continue
        where = f"{base}.delegates[{j}]"
        to = entry.get("to")
        if isinstance(to, str) and f"{where}.to" not in bad and (to == key or to not in registry.departments):
            out.append(
                problem_at(
                    loaded,
                    f"{where}.to",
                    "ref.delegate",
                    f"委托的受委托部门 “{to}” 应是登记册中的另一个部门。"
                    f"可用的部门：{'、'.join(sorted(k for k in registry.departments if k != key))}。",
                )
            )
        items = entry.get("items")
        for n, code in enumerate(items if isinstance(items, list) and registry.catalog else []):
            if isinstance(code, str) and code not in own:
                out.append(
                    problem_at(
                        loaded,
                        f"{where}.items[{n}]",
                        "ref.delegate",
                        f"委托事项 “{code}” 不在 data/catalog/{key}.yaml 中：只能委托本部门目录中的事项。",
                    )
                )
    return out


def _department_dates(loaded, base: str, d: dict, data: dict, bad) -> list[Problem]:
    """The effective dates of one department: from ≤ until, former names in order and before the
    current name, and predecessors/successor that exist and were abolished."""
    out = []
    keys = {x.get("key"): x for x in data.get("departments") or [] if isinstance(x, dict)}
    since, until = parse_date(d.get("from")), parse_date(d.get("until"))
    if since and until and until < since and f"{base}.until" not in bad:
        out.append(
            problem_at(
                loaded,
                f"{base}.until",
                "date.order",
                f"撤销日期 {until.isoformat()} 早于设立日期 {since.isoformat()}。请核对两个日期。",
            )
        )
    formers = d.get("former_names") if isinstance(d.get("former_names"), list) else []
    previous = since - _ONE_DAY if since else None
    for j, f in enumerate(formers):
        day = parse_date(f.get("until")) if isinstance(f, dict) else None
        path = f"{base}.former_names[{j}].until"
        if day is None or path in bad:
            continue
        if (previous and day <= previous) or (until and day >= until):
            bounds = "在设立日期之后、" if since else ""
            out.append(
                problem_at(
                    loaded,
                    path,
                    "department.former_name_order",
                    f"曾用名称的使用截止日期 {day.isoformat()} 不对：曾用名称应按时间先后排列，"
                    f"截止日期逐个递增，{bounds}早于部门的撤销日期（如有）。",
                )
            )
        previous = day
    successor = d.get("successor")
    if isinstance(successor, str) and f"{base}.successor" not in bad:
        if successor not in keys or successor == d.get("key"):
            out.append(
                problem_at(
                    loaded,
                    f"{base}.successor",
                    "ref.department",
                    f"承继部门 “{successor}” 不是登记册中的另一个部门代号。",
                )
            )
        if until is None:
            out.append(
                problem_at(
                    loaded,
                    f"{base}.successor",
                    "department.successor_without_until",
                    "写了承继部门（successor）的部门必须写撤销日期 until：它最后履职的一天。",
                )
            )
    for j, key in enumerate(d.get("predecessors") if isinstance(d.get("predecessors"), list) else []):
        path = f"{base}.predecessors[{j}]"
        if not isinstance(key, str) or path in bad:
            continue
        other = keys.get(key)
        if other is None or key == d.get("key"):
            out.append(
                problem_at(loaded, path, "ref.department", f"前身部门 “{key}” 不是登记册中的另一个部门代号。")
            )
        elif parse_date(other.get("until")) is None:
            out.append(
                problem_at(
                    loaded,
                    path,
                    "department.predecessor_active",
                    f"前身部门 “{key}” 没有撤销日期 until：并入本部门的原部门须写明最后履职的一天"
                    f"（并写 successor: {d.get('key')}）。",
                )
            )
    return out


_ONE_DAY = timedelta(days=1)


def _catalog_rules(rel, data, loaded, bad, registry) -> list[Problem]:
    out = []
    stem = rel.rsplit("/", 1)[-1].removesuffix(".yaml")
    if registry.departments and stem not in registry.departments:
        out.append(
            Problem(
                rel,
                None,
                "$",
                "ref.department",
                f"目录文件名 “{stem}” 不是登记册中的部门代号。文件名应为 <部门代号>.yaml，"
                f"可用的部门：{'、'.join(sorted(registry.departments))}。",
            )
        )
    dept = data.get("department")
    if isinstance(dept, str) and "$.department" not in bad and dept != stem:
        out.append(
            problem_at(
                loaded,
                "$.department",
                "catalog.department_mismatch",
                f"department 写的是 “{dept}”，但文件名是 {stem}.yaml。两者必须相同。",
            )
        )
    seen: dict[str, int] = {}
    for i, it in enumerate(data.get("items") or []):
        if not isinstance(it, dict):
            continue
        base = f"$.items[{i}]"
        code = it.get("code")
        if not isinstance(code, str) or f"{base}.code" in bad:
            continue
        if code in seen:
            out.append(
                problem_at(
                    loaded,
                    f"{base}.code",
                    "unique.item_code",
                    f"事项编码 “{code}” 重复（第 {seen[code] + 1} 项已经用过）。每个事项的编码必须唯一。",
                )
            )
        seen.setdefault(code, i)
        if not code.startswith(stem + "-"):
            out.append(
                problem_at(
                    loaded,
                    f"{base}.code",
                    "catalog.code_prefix",
                    f"事项编码 “{code}” 应以本部门代号开头：{stem}-xk-001 或 {stem}-cf-001 的形式。",
                )
            )
        domain = it.get("domain")
        if isinstance(domain, str) and f"{base}.domain" not in bad:
            out.extend(_domain_problems(loaded, f"{base}.domain", domain, registry))
        since, until = parse_date(it.get("from")), parse_date(it.get("until"))
        if since and until and until < since and f"{base}.until" not in bad:
            out.append(
                problem_at(
                    loaded,
                    f"{base}.until",
                    "date.order",
                    f"事项 “{code}” 的停止实施日期 {until.isoformat()} 早于实施日期 {since.isoformat()}。",
                )
            )
        kind = it.get("kind")
        expected = "licence" if "-xk-" in code else "penalty"
        if kind in ("licence", "penalty") and kind != expected:
            out.append(
                problem_at(
                    loaded,
                    f"{base}.kind",
                    "catalog.code_kind",
                    f"事项编码 “{code}” 中的 {'xk' if expected == 'licence' else 'cf'} 表示"
                    f"{'行政许可' if expected == 'licence' else '行政处罚'}，与 kind: {kind} 不符。",
                )
            )
    return out


def policy_domains(policy: object) -> set[str]:
    """The catalog domains ``policy.yaml`` names (domain minimum periods, 轻微 opt-in)."""
    nat = policy.get("national") if isinstance(policy, dict) else None
    if not isinstance(nat, dict):
        return set()
    out = set()
    for r in nat.get("regimes") or []:
        if isinstance(r, dict) and isinstance(r.get("domain_min_months"), dict):
            out.update(str(k) for k in r["domain_min_months"])
    if isinstance(nat.get("minor_opt_in"), dict):
        out.update(str(k) for k in nat["minor_opt_in"])
    return out


def _policy_rules(rel, data, loaded, bad, registry) -> list[Problem]:
    """The departments named for the market-supervision rule must exist."""
    out = []
    nat = data.get("national") if isinstance(data.get("national"), dict) else {}
    market = nat.get("market_supervision") if isinstance(nat.get("market_supervision"), dict) else {}
    for i, dept in enumerate(market.get("departments") or []):
        if registry.departments and dept not in registry.departments:
            out.append(
                problem_at(
                    loaded,
                    f"$.national.market_supervision.departments[{i}]",
                    "ref.department",
                    f"“{dept}” 不是登记册中的部门代号。",
                )
            )
    return out


def _domain_problems(loaded, path: str, domain: str, registry) -> list[Problem]:
    """A catalog domain that nearly matches a domain of the policy (特种设备安全 vs 特种设备) would
    silently miss its rule: an error, so the two are written the same."""
    near = sorted(k for k in policy_domains(registry.policy) if k != domain and (k in domain or domain in k))
    if not near:
        return []
    return [
        problem_at(
            loaded,
            path,
            "catalog.domain_mismatch",
            f"领域 “{domain}” 与公示规则 data/policy.yaml 中的领域 “{near[0]}” 不一致，"
            "相关公示期规定将不适用。"
            f"请统一写作 “{near[0]}”（或在 policy.yaml 中改为 “{domain}”）。",
        )
    ]


def _calendar_rules(rel, data, loaded, bad, registry) -> list[Problem]:
    out = []
    stem = rel.rsplit("/", 1)[-1].removesuffix(".yaml")
    if not re.fullmatch(r"\d{4}", stem):
        out.append(
            Problem(rel, None, "$", "path.layout", "节假日文件应命名为 <四位年份>.yaml，例如 2026.yaml。")
        )
        return out
    year = data.get("year")
    if isinstance(year, int) and "$.year" not in bad and str(year) != stem:
        out.append(
            problem_at(
                loaded, "$.year", "calendar.year_mismatch", f"year 写的是 {year}，但文件名是 {stem}.yaml。"
            )
        )
    dates: dict[str, dict[date, str]] = {"holidays": {}, "workdays": {}}
    for key in ("holidays", "workdays"):
        for i, v in enumerate(data.get(key) or []):
            p = f"$.{key}[{i}]"
            d = parse_date(v)
            if d is None or p in bad:
                continue
            dates[key][d] = p
            if str(d.year) != stem:
                out.append(
                    problem_at(
                        loaded,
                        p,
                        "calendar.outside_year",
                        f"{d.isoformat()} 不在 {stem} 年内，请移到对应年份的文件。",
                    )
                )
            if key == "workdays" and d.weekday() < 5:
                out.append(
                    problem_at(
                        loaded,
                        p,
                        "calendar.workday_not_weekend",
                        f"调休上班日 {d.isoformat()} 本来就是工作日（不是周六或周日）。请核对。",
                        "warning",
                    )
                )
    for d, p in dates["workdays"].items():
        if d in dates["holidays"]:
            out.append(
                problem_at(
                    loaded,
                    p,
                    "calendar.conflict",
                    f"{d.isoformat()} 同时写在放假日期和调休上班日中，只能写在一处。",
                )
            )
    return out
