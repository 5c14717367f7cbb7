"""The ``gongshi`` command line. Each command is a thin shell over an engine function that returns
data; reporters print it; the command returns an exit code (0 ok, 1 problems found, 2 usage error).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gongshi import __version__
from gongshi.cli_common import UsageProblem, as_of_or_fail, repo_root_or_fail, resolved_path_or_fail
from gongshi.cli_ledger import ledger_group
from gongshi.cli_log import log_command
from gongshi.cli_report import report_command
from gongshi.cli_sealed import ASK, entered_id_number, reseal_command
from gongshi.cli_tianbao import tianbao_link_command
from gongshi.cli_zh import chinese_commands, use_chinese
from gongshi.core.cachefile import enabled as cache_enabled
from gongshi.core.clock import parse_as_of
from gongshi.repo.files import find_repo_root

use_chinese()  # before the decorators below: click's option help texts are made as they run

# More working days than any legal deadline; keeps `gongshi deadline` from looping for ages.
MAX_DEADLINE_WORKDAYS = 10_000


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gongshi")
def main() -> None:
    """gongshi：双公示（行政许可、行政处罚）数据仓库与静态网站工具。"""


@main.command("validate")
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@click.option("--format", "fmt", default="text", metavar="text|json|github", help="输出格式（默认 text）。")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="按哪一天检查（默认今天，中国时间）。")
def validate_command(paths: tuple[str, ...], fmt: str, as_of: str | None) -> None:
    """检查数据文件。不写 PATH 则检查整个仓库；PATH 可以是文件或目录。

    退出码：0 没有错误（可以有警告），1 有错误，2 用法错误。
    """
    # lazy: validation loads jsonschema and every rule (~0.2 s); other commands start without it
    from gongshi.check.report import RENDERERS
    from gongshi.check.run import validate_repository

    if fmt not in RENDERERS:
        raise UsageProblem(f"不支持的输出格式 “{fmt}”。可用：{'、'.join(RENDERERS)}。")
    day = as_of_or_fail(as_of)
    root = find_repo_root() or (find_repo_root(Path(paths[0]).resolve().parent) if paths else None)
    if root is None:
        root = repo_root_or_fail()
    selected = _selected_files(root, paths)
    result = validate_repository(root, day, selected, cache=cache_enabled())
    click.echo(RENDERERS[fmt](result), nl=False)
    click.get_current_context().exit(0 if result.ok else 1)


def _selected_files(root: Path, paths: tuple[str, ...]) -> list[str] | None:
    """Repository-relative files named by PATH arguments; None means the whole repository."""
    if not paths:
        return None
    root = root.resolve()
    out: list[str] = []
    for raw in paths:
        path = resolved_path_or_fail(raw)
        if not path.exists():
            raise UsageProblem(f"找不到 “{raw}”：文件或目录不存在。")
        if path != root and root not in path.parents:
            raise UsageProblem(f"“{raw}” 不在数据仓库 {root.name} 中。")
        if path == root:
            return None
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(root)
                if child.is_file() and not any(part.startswith(".") for part in rel.parts):
                    out.append(rel.as_posix())
        else:
            out.append(path.relative_to(root).as_posix())
    return sorted(set(out))


@main.command("deadline")
@click.argument("decision_date", metavar="DATE")
@click.option("--workdays", "n", type=int, default=None, help="第几个工作日（默认取 data/policy.yaml）。")
def deadline_command(decision_date: str, n: int | None) -> None:
    """打印 DATE 之后的第 N 个工作日（决定当日不计），即公示截止日。

    跨入尚无节假日文件的年份时，按全国年节及纪念日放假办法推算，结果后标“暂定”。"""
    # lazy: the policy and calendar (~0.05 s) only for this command
    from gongshi.repo.files import load_registry
    from gongshi.rules.policy import Policy, PolicyError
    from gongshi.rules.workdays import PROVISIONAL_LABEL, Calendar, missing_calendar_problem

    day = as_of_or_fail(decision_date)
    root = repo_root_or_fail()
    if n is None:
        try:
            n = Policy.from_data(load_registry(root).policy).deadline_workdays
        except PolicyError as exc:
            raise UsageProblem(str(exc)) from None
    if n < 0 or n > MAX_DEADLINE_WORKDAYS:
        raise UsageProblem(f"--workdays 应在 0 到 {MAX_DEADLINE_WORKDAYS} 之间。")
    cal = Calendar.load(root)
    try:
        result, provisional = cal.add_workdays(day, n)
    except OverflowError:
        raise UsageProblem(
            f"{day.isoformat()} 之后第 {n} 个工作日超出了可表示的日期范围（9999 年）。"
        ) from None
    click.echo(result.isoformat() + (f" {PROVISIONAL_LABEL}" if provisional else ""))
    if provisional:
        p = missing_calendar_problem(cal.missing_years(day, result), f"{day.isoformat()} 之后第 {n} 个工作日")
        click.echo(f"警告：{p.message}", err=True)


@main.group("calendar")
def calendar_group() -> None:
    """节假日安排（data/calendar/<年份>.yaml）。"""


@calendar_group.command("generate")
@click.argument("first", type=int)
@click.argument("last", type=int)
def calendar_generate_command(first: int, last: int) -> None:
    """由 chinesecalendar 软件包生成 FIRST 至 LAST 年的节假日文件（覆盖已有文件）。"""
    # lazy: the calendar generator only for this command
    from gongshi.rules.workdays import CalendarSourceError, generate_calendar_files

    if last < first:
        raise UsageProblem("结束年份不能早于开始年份。")
    root = repo_root_or_fail()
    try:
        written = generate_calendar_files(root, first, last)
    except CalendarSourceError as exc:
        raise UsageProblem(str(exc)) from None
    for path in written:
        click.echo(path.relative_to(root).as_posix())


@calendar_group.command("add-notice")
@click.argument("year", type=int)
@click.option(
    "--holiday",
    "holidays",
    multiple=True,
    metavar="起..止",
    help="通知中的一段放假安排（含周末），如 2027-01-01..2027-01-03 或 01-01..01-03；可多次给出。",
)
@click.option(
    "--workday",
    "workdays",
    multiple=True,
    metavar="日期",
    help="调休上班的周六或周日，如 2027-02-20；可多次给出。",
)
@click.option(
    "--source",
    default="",
    help="通知名称和文号，如 国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕X号）。",
)
@click.option("--force", is_flag=True, help="替换已有的节假日文件。")
def calendar_add_notice_command(year: int, holidays, workdays, source: str, force: bool) -> None:
    """按国务院办公厅节假日安排通知录入 YEAR 年的节假日文件 data/calendar/YEAR.yaml。

    不给 --holiday 时逐项提问：按通知逐段输入放假起止日期，再输入调休上班日。"""
    # lazy: the calendar writer and the validator only for this command
    from gongshi.check.run import validate_repository
    from gongshi.core.clock import today_in_china
    from gongshi.rules.workdays import (
        NoticeError,
        notice_calendar_yaml,
        parse_notice_days,
        write_calendar_file,
    )

    if not 2000 <= year <= 2100:
        raise UsageProblem("年份应在 2000 到 2100 之间。")
    root = repo_root_or_fail()
    try:
        if not holidays:
            holidays, workdays, source = _ask_notice(year, source)
        off = [d for text in holidays for d in parse_notice_days(text, year, "放假安排")]
        on = [d for text in workdays for d in parse_notice_days(text, year, "调休上班日")]
        text = notice_calendar_yaml(year, off, on, source)
        path = write_calendar_file(root, year, text, force=force)
    except NoticeError as exc:
        raise UsageProblem(str(exc)) from None
    rel = path.relative_to(root).as_posix()
    result = validate_repository(root, today_in_china(), [rel])
    own = [p for p in result.problems if p.file == rel and p.severity == "error"]
    if own:
        path.unlink()
        for p in own:
            click.echo(f"错误：{rel} {p.path} {p.message}", err=True)
        click.get_current_context().exit(1)
    weekdays_off = sum(1 for d in set(off) if d.weekday() < 5)
    click.echo(rel)
    click.echo(
        f"已写入 {rel}：放假 {len(set(off))} 天（其中工作日 {weekdays_off} 天），调休上班 {len(set(on))} 天。"
        "请提交并合并到主分支。",
        err=True,
    )


def _ask_notice(year: int, source: str) -> tuple[list[str], list[str], str]:
    """The notice, asked for item by item (a blank line ends a list)."""
    click.echo(f"请按国务院办公厅关于{year}年部分节假日安排的通知逐项录入。")
    click.echo("每段放假安排输入起止日期，如 01-01..01-03（单日写一个日期），直接回车结束。")
    holidays: list[str] = []
    while True:
        line = click.prompt(f"放假安排 {len(holidays) + 1}", default="", show_default=False).strip()
        if not line:
            break
        holidays.append(line)
    click.echo("输入因调休而上班的周六、周日，如 02-20，直接回车结束。")
    workdays: list[str] = []
    while True:
        line = click.prompt(f"调休上班日 {len(workdays) + 1}", default="", show_default=False).strip()
        if not line:
            break
        workdays.append(line)
    if not source:
        source = click.prompt("通知名称和文号（可直接回车）", default="", show_default=False).strip()
    return holidays, workdays, source


@main.command("explain")
@click.argument("path", metavar="PATH")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="按哪一天计算（默认今天，中国时间）。")
@click.option("--format", "fmt", default="text", metavar="text|json", help="输出格式（默认 text）。")
def explain_command(path: str, as_of: str | None, fmt: str) -> None:
    """说明一条记录的公示截止日、公示日期、是否按时、滚动公示期、公示截止和当前状态。

    退出码：0 成功，1 记录有错误，2 用法错误。
    """
    # lazy: explain loads validation, history and policy (~0.2 s)
    from gongshi.snapshot.explain import explain_record, render_json, render_text

    if fmt not in ("text", "json"):
        raise UsageProblem(f"不支持的输出格式 “{fmt}”。可用：text、json。")
    day = as_of_or_fail(as_of)
    target = resolved_path_or_fail(path)
    if not target.is_file():
        raise UsageProblem(f"找不到文件 “{path}”。")
    root = find_repo_root(target.parent) or repo_root_or_fail()
    if root.resolve() not in target.parents:
        raise UsageProblem(f"“{path}” 不在数据仓库 {root.name} 中。")
    exp = explain_record(root, target.relative_to(root.resolve()).as_posix(), day)
    click.echo((render_json if fmt == "json" else render_text)(exp), nl=False)
    click.get_current_context().exit(0 if exp.ok else 1)


def _opendata_snapshot(day):
    """The snapshot for export/stats, or None after printing why it cannot be built (Chinese)."""
    # lazy: the snapshot loader pulls in validation, history and policy (~0.25 s)
    from gongshi.check.report import render_text
    from gongshi.snapshot.load import SnapshotError, load

    root = repo_root_or_fail()
    try:
        return load(root, day, cache=False)
    except SnapshotError as exc:
        if exc.files_invalid:  # the same report as gongshi validate
            click.echo(render_text(exc.validation), err=True, nl=False)
        else:
            click.echo(f"错误：{exc.message}", err=True)
        return None


def _date_option(value: str | None, name: str):
    if value is None:
        return None
    try:
        return parse_as_of(value)
    except ValueError as exc:
        raise UsageProblem(f"{name}：{exc}") from None


@main.command("export")
@click.option("--format", "fmt", required=True, metavar="csv|xlsx|json", help="导出格式。")
@click.option("--kind", metavar="licence|penalty", help="只导出行政许可（licence）或行政处罚（penalty）。")
@click.option("--dept", metavar="KEY", help="只导出一个部门（data/departments.yaml 中的 key）。")
@click.option("--since", metavar="YYYY-MM-DD", help="增量：该日以来公示、变更或撤回的记录（含撤回行）。")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="按哪一天导出（默认今天）；即“数据导出时间”。")
@click.option("--output", "output", metavar="FILE|DIR", help="输出文件或已有目录（默认输出到屏幕）。")
def export_command(fmt, kind, dept, since, as_of, output) -> None:
    """按国家双公示数据标准的列导出已公示的记录（CSV 为带 BOM 的 UTF-8，Excel 可直接打开）。

    退出码：0 成功，1 数据有错误无法导出，2 用法错误。
    """
    # lazy: the exports load openpyxl-backed writers (~0.2 s)
    from gongshi.core.records import KIND_LABEL, KINDS
    from gongshi.outputs import exports

    if fmt not in exports.FORMATS:
        raise UsageProblem(f"不支持的导出格式 “{fmt}”。可用：{'、'.join(exports.FORMATS)}。")
    if kind is not None and kind not in KINDS:
        raise UsageProblem(f"不认识的类型 “{kind}”。可用：licence（行政许可）、penalty（行政处罚）。")
    day = as_of_or_fail(as_of)
    since_day = _date_option(since, "--since")
    if since_day is not None and since_day > day:
        raise UsageProblem(f"--since {since_day.isoformat()} 晚于导出日期 {day.isoformat()}。")
    if fmt == "xlsx" and not output:
        raise UsageProblem("XLSX 是二进制文件，请用 --output 指定文件或目录。")
    target = Path(output) if output else None
    to_dir = target is not None and (target.is_dir() or output.endswith(("/", "\\")))
    if fmt == "csv" and kind is None and not to_dir:
        raise UsageProblem(
            "CSV 每个文件只能导出一类数据：请加 --kind licence 或 --kind penalty，或用 --output 指定目录。"
        )
    snapshot = _opendata_snapshot(day)
    if snapshot is None:
        click.get_current_context().exit(1)
    if dept is not None and dept not in snapshot.registry.departments:
        known = "、".join(sorted(snapshot.registry.departments))
        raise UsageProblem(f"不认识的部门 “{dept}”。data/departments.yaml 中有：{known}。")
    selections = [exports.Selection(kind=kind, dept=dept, since=since_day)]
    if fmt == "csv" and kind is None:
        selections = [exports.Selection(kind=k, dept=dept, since=since_day) for k in KINDS]
    for sel in selections:
        data = exports.render(snapshot, fmt, sel)
        if target is None:
            click.echo(data, nl=False)  # bytes go to the binary stream unchanged
            continue
        path = target / exports.default_filename(fmt, sel, day) if to_dir else target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        counts = "，".join(
            f"{KIND_LABEL[k]} {len(exports.export_rows(snapshot, k, sel))} 条" for k in sel.kinds()
        )
        click.echo(f"已导出 {path}（{counts}）。", err=True)


@main.command("check-history")
@click.option("--base", "base", metavar="REV", help="目标分支（默认 origin/main，没有则 main）。")
@click.option("--format", "fmt", default="text", metavar="text|json|github", help="输出格式（默认 text）。")
@click.option(
    "--author",
    "author",
    metavar="LOGIN",
    envvar="GONGSHI_PR_AUTHOR",
    help="合并请求的作者（代码托管平台账号）。是目标分支 departments.yaml 中 platform.members 的成员时，"
    "按平台管理团队的合并请求检查；否则按部门的合并请求检查。",
)
def check_history_command(base: str | None, fmt: str, author: str | None) -> None:
    """检查合并请求的修改是否符合规则：只改一个部门的记录（决定机关也须是该部门，登记的委托除外）；
    部门只能修改本部门的记录文件；已公示的记录不删除、不改名；修改已公示的记录要追加更正记录
    （corrections）；已公示的记录不能无声地撤下；平台文件的修改给出提醒。

    与 REV 和当前提交的合并基点比较。退出码：0 通过，1 不符合规则，2 无法比较。
    """
    # lazy: the pull-request check loads YAML and Git helpers (~0.2 s)
    from gongshi.history.prcheck import FORMATS, PrCheckError, check_history, render

    if fmt not in FORMATS:
        raise UsageProblem(f"不支持的输出格式 “{fmt}”。可用：{'、'.join(FORMATS)}。")
    root = repo_root_or_fail()
    try:
        result = check_history(root, base, author=author)
    except PrCheckError as exc:
        raise UsageProblem(exc.message) from None
    click.echo(render(result, fmt), nl=False)
    click.get_current_context().exit(0 if result.ok else 1)


@main.command("codeowners")
@click.option("--check", "check", is_flag=True, help="只检查 .github/CODEOWNERS 是否最新，过期则退出码 1。")
def codeowners_command(check: bool) -> None:
    """根据 data/departments.yaml 生成 .github/CODEOWNERS（各部门审核本部门的记录）。"""
    # lazy: CODEOWNERS generation only for this command
    from gongshi.repo import codeowners
    from gongshi.repo.files import DEPARTMENTS_FILE, load_registry

    root = repo_root_or_fail()
    registry = load_registry(root)
    broken = [p for p in registry.problems if p.file == DEPARTMENTS_FILE and p.severity == "error"]
    if broken or not registry.departments:
        for p in broken:
            click.echo(f"{p.file}:{p.line or ''}: {p.message}", err=True)
        click.echo(f"{DEPARTMENTS_FILE} 无法读取或没有部门，未生成 CODEOWNERS。", err=True)
        click.get_current_context().exit(1)
    try:
        codeowners.platform_owner(registry)
    except codeowners.CodeownersError as exc:
        click.echo(exc.message, err=True)
        click.echo("未生成 CODEOWNERS。", err=True)
        click.get_current_context().exit(1)
    if check:
        diff = codeowners.stale_diff(root, registry)
        if diff is None:
            click.echo(f"{codeowners.CODEOWNERS_FILE} 与 {DEPARTMENTS_FILE} 一致。")
            return
        click.echo(diff, nl=False)
        click.echo(
            f"{codeowners.CODEOWNERS_FILE} 已过期：请运行 gongshi codeowners 重新生成并提交。", err=True
        )
        click.get_current_context().exit(1)
    path = codeowners.write(root, registry)
    click.echo(f"已写入 {path.relative_to(root).as_posix()}（{len(registry.departments)} 个部门）。")


@main.command("new")
@click.argument("kind", type=click.Choice(["licence", "penalty"]), metavar="licence|penalty")
@click.option("--dept", required=True, metavar="KEY", help="部门代号（data/departments.yaml 中的 key）。")
@click.option("--year", type=int, metavar="YYYY", help="决定年份（默认今年，中国时间）。")
@click.option(
    "--id-no",
    "id_no",
    is_flag=False,
    flag_value=ASK,
    default=None,
    metavar="[号码]",
    help="当事人是自然人：录入完整证件号码（只写 --id-no 则提示输入，不显示也不留在命令历史中），"
    "自动脱敏并加密保存。",
)
@click.option(
    "--legal-rep-id-no",
    "legal_rep_id_no",
    is_flag=False,
    flag_value=ASK,
    default=None,
    metavar="[号码]",
    help="当事人是单位或个体工商户：录入法定代表人的完整证件号码（同上），加密保存。",
)
@click.option("--id-type", metavar="类型", help="证件类型（默认按号码判断为身份证），例如 护照号。")
def new_command(
    kind: str,
    dept: str,
    year: int | None,
    id_no: str | None,
    legal_rep_id_no: str | None,
    id_type: str | None,
) -> None:
    """在正确的位置生成一条带注释的记录模板，并打印文件路径。

    录入的完整证件号码只以脱敏形式和加密形式（按 data/policy.yaml 中 reporting.recipients 列出的
    市信用办公钥加密）写入文件，绝不以明文写入。
    """
    # lazy: the template writer loads the schemas (~0.15 s)
    from gongshi.core.clock import today_in_china
    from gongshi.repo.files import load_registry
    from gongshi.repo.newrecord import TemplateError, create_template

    root = repo_root_or_fail()
    registry = load_registry(root)
    entered = entered_id_number(registry, id_no, legal_rep_id_no, id_type)
    try:
        today = today_in_china()
        # ``--year 0`` is a year to check, not "no year": only a missing option means this year.
        made = create_template(
            root,
            registry,
            kind,
            dept,
            today.year if year is None else year,
            today,
            entered.fields if entered else None,
        )
    except TemplateError as exc:
        raise UsageProblem(str(exc)) from None
    if entered and entered.notice:
        click.echo(f"注意：{entered.notice}", err=True)
    click.echo(made.relpath)


@main.command("import")
@click.argument("file", metavar="FILE.xlsx|FILE.xls|FILE.csv")
@click.option("--dept", required=True, metavar="KEY", help="导入部门的代号；记录写入该部门的目录。")
@click.option("--kind", type=click.Choice(["licence", "penalty"]), help="许可或处罚（默认按表头判断）。")
@click.option("--item", "item_code", metavar="CODE", help="表格没有“目录事项”列时所用的事项编码。")
@click.option("--dry-run", is_flag=True, help="只检查，不写入任何文件。")
@click.option("--write-valid", is_flag=True, help="有错误时仍写入正确的行。")
@click.option("--errors", "errors_out", metavar="OUT.xlsx", help="错误清单（默认 <输入文件>.errors.xlsx）。")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="按哪一天检查（默认今天，中国时间）。")
@click.option("--max-rows", type=click.IntRange(min=1), help="一个文件最多导入的行数（默认 20000）。")
@click.option("--skip-existing", is_flag=True, help="跳过与仓库中已有记录相同的行（重新导入时）。")
def import_command(
    file, dept, kind, item_code, dry_run, write_valid, errors_out, as_of, max_rows, skip_existing
) -> None:
    """把国家标准格式的 Excel（.xlsx、.xls）或 CSV 表格逐行转换为记录文件。

    每一行先用与 gongshi validate 相同的规则检查；有错误的行连同行号、列名和原因一起报告，
    并保存为错误清单表格。有任何错误时不写入记录（除非加 --write-valid）。
    退出码：0 全部通过，1 有被拒绝的行，2 用法错误（文件无法读取、部门不存在、表头无法识别）。
    """
    # lazy: the importer loads openpyxl and validation (~0.2 s)
    from gongshi.sheets.importer import (
        ImportLimits,
        ImportUsageError,
        error_report_path,
        render_text,
        run_import,
        write_error_report,
        write_records,
    )

    root = repo_root_or_fail()
    day = as_of_or_fail(as_of)
    path = Path(file)
    try:
        report_path = error_report_path(root, path, errors_out)
        limits = ImportLimits(max_rows=max_rows) if max_rows else None
        result = run_import(
            root, path, dept, kind, as_of=day, item_code=item_code, limits=limits, skip_existing=skip_existing
        )
    except ImportUsageError as exc:
        raise UsageProblem(str(exc)) from None
    if not dry_run:
        write_records(root, result, write_valid)
    report = None
    if result.rejected and (errors_out or not dry_run):
        report = report_path
        try:
            write_error_report(result, report)
        except OSError as exc:
            raise UsageProblem(f"无法写入错误清单 {report}：{exc.strerror}") from None
    click.echo(render_text(result, dry_run, write_valid, str(report) if report else None), nl=False)
    click.get_current_context().exit(1 if result.rejected else 0)


@main.command("template")
@click.option("--format", "fmt", default="xlsx", metavar="xlsx", help="模板格式（目前只有 xlsx）。")
@click.option("--kind", type=click.Choice(["licence", "penalty"]), help="许可或处罚（默认两种各生成一个）。")
@click.option("--dept", metavar="KEY", help="部门代号：给“目录事项”列加上本部门目录的下拉列表。")
@click.option("--out", metavar="FILE", help="输出文件（不写 --kind 时为输出目录）。")
def template_command(fmt: str, kind: str | None, dept: str | None, out: str | None) -> None:
    """生成带国家标准表头、填写说明和下拉列表的空白导入表格。"""
    # lazy: the workbook template loads openpyxl (~0.3 s)
    from gongshi.repo.files import load_registry
    from gongshi.sheets.workbook_template import write_templates

    if fmt != "xlsx":
        raise UsageProblem(f"不支持的模板格式 “{fmt}”。目前只能生成 xlsx。")
    registry = None
    if dept:
        root = repo_root_or_fail()
        registry = load_registry(root)
        if dept not in registry.departments:
            known = "、".join(sorted(registry.departments))
            raise UsageProblem(f"部门代号 “{dept}” 不在 data/departments.yaml 中。可用的部门：{known}。")
    for path in write_templates(Path(out) if out else None, kind, registry, dept):
        click.echo(str(path))


@main.command("stats")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="统计截至哪一天（默认今天，中国时间）。")
@click.option("--format", "fmt", default="text", metavar="text|json|csv", help="输出格式（默认 text）。")
def stats_command(as_of: str | None, fmt: str) -> None:
    """按部门和月份统计：公示数量、按时率、迟报工作日、必填字段完整性、覆盖面、准确性、不予公开、更正和撤回。

    不予公开的记录只计数，不输出内容。退出码：0 成功，1 数据有错误，2 用法错误。
    """
    # lazy: statistics load the snapshot loader (~0.2 s)
    from gongshi.outputs.assessment import report
    from gongshi.outputs.stats import RENDERERS

    if fmt not in RENDERERS:
        raise UsageProblem(f"不支持的输出格式 “{fmt}”。可用：{'、'.join(RENDERERS)}。")
    snapshot = _opendata_snapshot(as_of_or_fail(as_of))
    if snapshot is None:
        click.get_current_context().exit(1)
    click.echo(report(snapshot, fmt), nl=False)


@main.command("build")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="按哪一天生成网站（默认今天，中国时间）。")
@click.option("--output", "output", metavar="DIR", default="output", show_default=True, help="输出目录。")
@click.option(
    "--settings", "settings", metavar="FILE", help="Pelican 设置文件（默认仓库中的 pelicanconf.py）。"
)
@click.option("--profile", "profile", is_flag=True, help="生成后列出各阶段用时（秒），用于查找慢的步骤。")
def build_command(as_of: str | None, output: str, settings: str | None, profile: bool) -> None:
    """生成网站（与 pelican content 相同）。先检查全部数据，有错误则不生成；
    生成在输出目录旁的临时目录中进行，成功后才替换原网站，内容没有变化的文件不重写。

    退出码：0 成功，1 数据有错误（网站未生成），2 用法错误。
    """
    # lazy: the site build loads Pelican (~0.45 s); no other command needs it
    from gongshi.sitebuild import BuildError, UnsafeOutput, build, profile_table

    day = as_of_or_fail(as_of)
    root = repo_root_or_fail()
    settings_path = Path(settings).resolve() if settings else None
    if settings_path is not None and not settings_path.is_file():
        raise UsageProblem(f"找不到设置文件 “{settings}”。")
    try:
        result = build(root, day, resolved_path_or_fail(output), settings_path=settings_path)
    except UnsafeOutput as exc:
        raise UsageProblem("\n".join(exc.lines)) from None
    except BuildError as exc:
        for line in exc.lines:
            click.echo(line, err=True)
        said = any("网站未生成" in line for line in exc.lines)
        click.echo("原有网站保持不变。" if said else "网站未生成，原有网站保持不变。", err=True)
        click.get_current_context().exit(1)
    for w in result.warnings:
        click.echo(f"警告：{w.file}: {w.message}", err=True)
    site = result.site
    click.echo(
        f"网站已生成到 {result.output}（按 {day.isoformat()}）：{site.pages} 个列表等页面，"
        f"{site.record_pages} 个记录页面（撤回公告 {site.notices} 个）；"
        f"写入 {site.writes.written} 个文件，{site.writes.unchanged + result.relinked} 个未变；"
        f"用时 {result.seconds:.1f} 秒。"
    )
    if profile:
        click.echo(profile_table(result.phases, result.seconds))


@main.command("demo")
@click.option("--out", "out", required=True, metavar="DIR", help="演示仓库目录（旧的演示仓库会重新生成）。")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="演示的日期（默认今天，中国时间）。")
def demo_command(out: str, as_of: str | None) -> None:
    """用本仓库 data/ 中的样例数据生成演示仓库：每条记录经分支合并进入 main，带有模拟的公示历史。"""
    # lazy: the demo writes a Git repository; only for this command
    from gongshi.demo import DemoError, make_demo

    day = as_of_or_fail(as_of)
    root = repo_root_or_fail()
    try:
        result = make_demo(root, Path(out), day)
    except DemoError as exc:
        raise UsageProblem(exc.message) from None
    span = f"{result.first} 至 {result.last}" if result.first else "无"
    click.echo(
        f"已生成演示仓库 {out}：{result.records} 条记录"
        f"（补录 {result.backfilled} 条，超期公示 {result.late} 条），{result.merges} 次合并，"
        f"公示日期 {span}，HEAD {result.head[:12]}。"
    )
    if result.skipped:
        click.echo(f"跳过 {len(result.skipped)} 个无法读取或决定日期晚于 {day} 的文件。", err=True)


@main.command("check-published")
@click.option("--previous", "previous", metavar="SHA", help="线上网站发布自哪个提交。")
@click.option("--build-info", "build_info", metavar="FILE", help="线上网站的 build-info.json。")
@click.option(
    "--live-unavailable",
    "live_unavailable",
    is_flag=True,
    help="取不到线上网站的 build-info.json：只有 data/policy.yaml 声明 first_deploy: true 时才通过。",
)
@click.option("--current", "current", default="HEAD", show_default=True, metavar="REV", help="要发布的版本。")
@click.option("--format", "fmt", default="text", metavar="text|json", help="输出格式（默认 text）。")
def check_published_command(previous, build_info, live_unavailable, current, fmt) -> None:
    """检查历史是否被改写：线上网站发布自的提交必须仍在 main 主线（第一父提交链）上。

    取不到线上 build-info.json 时用 --live-unavailable：除非 data/policy.yaml 声明首次发布
    （first_deploy: true），否则不通过。

    退出码：0 历史完整，1 历史被改写（或浅克隆、取不到线上信息而无法判断），2 用法错误。
    """
    import json

    # lazy: the integrity check only for this command
    from gongshi.history.integrity import (
        IntegrityUsageError,
        check_published,
        check_without_live,
        previous_commit_from_build_info,
    )

    if fmt not in ("text", "json"):
        raise UsageProblem(f"不支持的输出格式 “{fmt}”。可用：text、json。")
    if [previous is not None, build_info is not None, live_unavailable].count(True) != 1:
        raise UsageProblem("请给出 --previous SHA、--build-info FILE 或 --live-unavailable（三者选一）。")
    root = repo_root_or_fail()
    try:
        if live_unavailable:
            result = check_without_live(root, current)
        else:
            if build_info is not None:
                previous = previous_commit_from_build_info(resolved_path_or_fail(build_info))
            result = check_published(root, previous, current)
    except IntegrityUsageError as exc:
        raise UsageProblem(exc.message) from None
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(("" if result.ok else "错误：") + result.message, err=not result.ok)
    click.get_current_context().exit(0 if result.ok else 1)


main.add_command(ledger_group)
main.add_command(reseal_command)
main.add_command(log_command)
main.add_command(report_command)
main.add_command(tianbao_link_command)
chinese_commands(main)  # last: every command's help in Chinese


def run() -> None:  # pragma: no cover - console entry for `python -m gongshi`
    sys.exit(main(standalone_mode=True))
