"""The command line in Chinese, click's own words included.

click (8.x) writes its help and errors through ``gettext`` (“Usage:”, “Error: …”, “Missing option”,
“Show this message and exit.”), looking the function up in each of its modules when it speaks.
``use_chinese`` gives those modules a lookup in ``CLICK_MESSAGES`` instead, so every message click
prints reads in Chinese whatever the machine's locale; a message not in the table stays as click
wrote it (a newer click may add some: the CLI test lists the English words that must not appear).
``chinese_commands`` does the same for the placeholders click puts in a usage line
(``[OPTIONS]``, ``COMMAND [ARGS]...``), the type names it shows for numbers and its help headings.
"""

from __future__ import annotations

import gettext

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types
import click.utils

# click's message → ours. The placeholders ({name}, %(prog)s ...) are click's and must stay.
CLICK_MESSAGES: dict[str, str] = {
    "Usage:": "用法：",
    "required": "必填",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "%(prog)s, version %(version)s": "%(prog)s 版本 %(version)s",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 “{command} {option}” 查看帮助。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing command.": "缺少子命令。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "Invalid start character for option ({option})": "选项的开头字符无效（{option}）",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的数字。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "{value!r} 不是有效的布尔值。可用：{states}"
    ),
    "{value!r} is not a valid UUID.": "{value!r} 不是有效的 UUID。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "Aborted!": "已中止。",
    "unknown error": "未知错误",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "(dynamic)": "（动态）",
    "deprecated": "已弃用",
    "Error: invalid input": "错误：输入无效",
    "Error: The two entered values do not match.": "错误：两次输入的值不一致。",
    "Repeat for confirmation": "请再输入一次以确认",
    "Press any key to continue...": "按任意键继续……",
    "Do you want to continue?": "是否继续？",
    "Confirm the action without prompting.": "不询问，直接确认。",
    "file": "文件",
    "directory": "目录",
    "path": "路径",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是目录。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 不可写。",
    "{name} {filename!r} is not executable.": "{name} {filename!r} 不可执行。",
}
# click's (singular, plural) → ours (Chinese has one form; click passes the placeholders of both).
CLICK_PLURALS: dict[tuple[str, str], str] = {
    (
        "Got unexpected extra argument ({args})",
        "Got unexpected extra arguments ({args})",
    ): "多余的参数（{args}）",
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."): (
        "选项 {name!r} 后面要写一个值。"
    ),
    (
        "Did you mean {possibility}?",
        "(Did you mean one of: {possibilities}?)",
    ): "（是否想写 {possibilities}？）",
    (
        "{value!r} is not {choice}.",
        "{value!r} is not one of {choices}.",
    ): "{value!r} 不是可选的值：{choices}。",
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."): (
        "需要 {nargs} 个值。"
    ),
    (
        "{value!r} does not match the format {format}.",
        "{value!r} does not match the formats {formats}.",
    ): "{value!r} 不符合格式 {formats}。",
    (
        "{len_type} values are required, but {len_value} was given.",
        "{len_type} values are required, but {len_value} were given.",
    ): "需要 {len_type} 个值，现在是 {len_value} 个。",
}
USAGE_OPTIONS = "[选项]"
USAGE_SUBCOMMAND = "命令 [参数]..."
NUMBER_METAVAR = "整数"
_CLICK_MODULES = (
    click.core,
    click.decorators,
    click.exceptions,
    click.formatting,
    click.parser,
    click.termui,
    click.types,
    click.utils,
)


def chinese(message: str) -> str:
    """click's ``gettext``: our words for ``message``, or ``message`` itself."""
    return CLICK_MESSAGES.get(message, message)


def chinese_plural(singular: str, plural: str, n: int) -> str:
    """click's ``ngettext``: our words for the pair, or click's own form for ``n``."""
    found = CLICK_PLURALS.get((singular, plural))
    if found is None:
        return singular if n == 1 else plural
    return found


def use_chinese() -> None:
    """Make click speak Chinese: its modules' ``gettext``/``ngettext`` become ours (idempotent)."""
    for module in _CLICK_MODULES:
        if getattr(module, "_", None) in (gettext.gettext, chinese):
            module._ = chinese
        if getattr(module, "ngettext", None) in (gettext.ngettext, chinese_plural):
            module.ngettext = chinese_plural


class ChineseHelpFormatter(click.HelpFormatter):
    """Help headings end with a full-width colon (“选项：”), as Chinese text does."""

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")


class ChineseContext(click.Context):
    formatter_class = ChineseHelpFormatter


def chinese_commands(command: click.Command) -> None:
    """Chinese placeholders in the usage lines of ``command`` and all its subcommands, and
    headings with a full-width colon."""
    command.context_class = ChineseContext
    command.options_metavar = USAGE_OPTIONS
    for param in command.params:
        if param.metavar is None and isinstance(param.type, (click.types.IntParamType, click.IntRange)):
            param.metavar = NUMBER_METAVAR
    if isinstance(command, click.Group):
        command.subcommand_metavar = USAGE_SUBCOMMAND
        for sub in command.commands.values():
            chinese_commands(sub)
