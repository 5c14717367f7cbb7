"""What a YAML syntax error means for a clerk: the line where the mistake really is, and a Chinese
explanation of the usual ones.

libyaml reports where it gave up, which is often a line or more after the mistake: a full-width
colon (``doc_no：…``, the commonest slip on a Chinese keyboard) makes the line a plain text that
libyaml only rejects on the next line. So ``explain_syntax_error`` first looks at the lines up to
the one libyaml names for the mistakes people make (full-width colon or space, tab, no space after
the colon, ``-`` without a space, a value starting with ``@`` or a backquote, an invisible
character), then at what libyaml says, and only then falls back to a general message (libyaml's
own words translated).
"""

from __future__ import annotations

import re

from gongshi.core.invisible import INVISIBLE_CHARACTERS

_KEY = r"[A-Za-z_][A-Za-z0-9_]*"
_FULLWIDTH_COLON_RE = re.compile(rf"^\s*(?:-\s+)?({_KEY})\s*：")
_NO_SPACE_AFTER_COLON_RE = re.compile(rf"^\s*(?:-\s+)?({_KEY}):(?=[^\s/:])")
_DASH_WITHOUT_SPACE_RE = re.compile(r"^\s*-(?![\s-])\S")
_RESERVED_START_RE = re.compile(rf"^\s*(?:(?:-\s+)?{_KEY}:\s+|-\s+)([@`])")
_FLOW_START_RE = re.compile(rf"^\s*(?:-\s+)?({_KEY}):\s+([\[{{])")
_COLON_IN_VALUE_RE = re.compile(rf"^\s*(?:-\s+)?({_KEY}):\s+\S.*?(?<=\S):(\s|$)")
_BLOCK_SCALAR_RE = re.compile(r":\s+[|>][-+0-9]*\s*(#.*)?$")
_INVISIBLE_RE = re.compile("[" + "".join(INVISIBLE_CHARACTERS) + "]")

_UNEXPECTED_KEY = "这里不能出现“键: 值”（通常是缩进不对，或值里有“冒号加空格”）"
# libyaml's words, for the mistakes no rule above recognised.
_LIBYAML_WORDS = {
    "could not find expected ':'": "找不到键后面的冒号“: ”",
    "mapping values are not allowed in this context": _UNEXPECTED_KEY,
    "mapping values are not allowed here": _UNEXPECTED_KEY,
    "did not find expected key": "缩进与上面的行不一致，找不到应有的键",
    "did not find expected '-' indicator": "列表项的缩进与上面的行不一致",
    "found character that cannot start any token": "这一行有一个不能出现在开头的字符",
    "found unexpected end of stream": "文件在引号或括号还没有结束时就结束了",
    "found undefined tag handle": "有未定义的 YAML 标签（以 ! 开头）",
    "expected <block end>, but found '<block sequence start>'": "列表项的缩进与上面的行不一致",
    "expected <block end>, but found '<block mapping start>'": "缩进与上面的行不一致",
    "expected <block end>, but found '<scalar>'": "缩进与上面的行不一致",
    "found a tab character that violates indentation": "用了制表符（Tab）缩进",
    "found unknown escape character": "双引号中有无效的转义写法（\\ 后面的字符）",
}
INDENT_ADVICE = "每一层用两个英文空格缩进，同一层的键左边对齐；列表项写成“  - 值”。"


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _line_mistake(number: int, line: str) -> str | None:
    """The Chinese explanation of a recognisable mistake on one line, or None."""
    indent = line[: len(line) - len(line.lstrip(" \t\u3000"))]
    if "\t" in indent:
        return (
            f"第 {number} 行用了制表符（Tab）缩进。YAML 只能用英文空格缩进：请把 Tab 换成空格。"
            + INDENT_ADVICE
        )
    if "\u3000" in indent:
        return (
            f"第 {number} 行开头有全角空格（中文输入法的空格）。缩进只能用英文半角空格，"
            f"请切换到英文输入法重新输入空格。{INDENT_ADVICE}"
        )
    # In the key (a value may carry them: the text rules warn about those).
    hidden = _INVISIBLE_RE.search(line.split(": ", 1)[0])
    if hidden:
        name = INVISIBLE_CHARACTERS[hidden.group()]
        return (
            f"第 {number} 行有看不见的字符 U+{ord(hidden.group()):04X}（{name}），"
            "通常是从其他软件复制来的。请删除这一行重新输入。"
        )
    m = _FULLWIDTH_COLON_RE.match(line)
    if m and not re.match(rf"^\s*(?:-\s+)?{_KEY}:\s", line):
        return (
            f"第 {number} 行 “{m.group(1)}” 后面的冒号是中文全角冒号“：”。"
            f"键和值之间要用英文半角冒号加一个空格，例如 {m.group(1)}: 值。"
        )
    m = _NO_SPACE_AFTER_COLON_RE.match(line)
    if m:
        return (
            f"第 {number} 行 “{m.group(1)}:” 的冒号后面缺少空格。"
            f"请在冒号后加一个英文空格，例如 {m.group(1)}: 值。"
        )
    if _DASH_WITHOUT_SPACE_RE.match(line):
        return f"第 {number} 行的列表项 “-” 后面缺少空格。请写成 “- 值”（减号后加一个英文空格）。"
    m = _RESERVED_START_RE.match(line)
    if m:
        char = m.group(1)
        return (
            f"第 {number} 行的值以 “{char}” 开头，YAML 不允许这样写。"
            f"请给整个值加上英文单引号，例如 '{char}…'；或去掉开头的 {char}。"
        )
    return None


def _error_line_mistake(number: int, line: str, problem: str) -> str | None:
    """Explanations that only hold on the line where libyaml stopped."""
    indentation = ("expected key", "block end", "'-'")
    if line.lstrip().startswith("- ") and any(word in problem for word in indentation):
        return (
            f"第 {number} 行的列表项缩进与同一列表的上一项不一致。"
            "同一列表的各项要左边对齐，例如都写成“  - 值”（两个空格、减号、一个空格）。"
        )
    m = _FLOW_START_RE.match(line)
    if m and not re.search(r"[\]}]\s*(#.*)?$", line):
        bracket = m.group(2)
        return (
            f"第 {number} 行 “{m.group(1)}” 的值以英文方括号或花括号 “{bracket}” 开头，"
            "YAML 会把它当作列表或映射。"
            "文号中的年份请用六角括号〔〕；确实要以这个符号开头时，请给整个值加上英文单引号。"
        )
    if "mapping values" in problem:
        m = _COLON_IN_VALUE_RE.match(line)
        if m:
            return (
                f"第 {number} 行 “{m.group(1)}” 的值中有“冒号加空格”，YAML 会把它当成又一个键。"
                "请给整个值加上英文单引号，例如 '…: …'；或把值中的冒号改为中文冒号“：”。"
            )
    return None


def _quote_mistake(lines: list[str], context: str, context_line: int | None) -> tuple[int, str] | None:
    if "quoted scalar" not in context or not context_line or context_line > len(lines):
        return None
    line = lines[context_line - 1]
    value = line.split(": ", 1)[-1].lstrip(" -")
    quote = "“'”（英文单引号）" if value.startswith("'") else '“"”（英文双引号）'
    return context_line, (
        f"第 {context_line} 行的引号 {quote} 没有配对：值开头有引号，结尾也要有同样的引号。"
        "请在值的末尾补上引号，或把两端的引号都删掉。"
    )


def explain_syntax_error(
    text: str, problem: str, problem_line: int | None, context: str = "", context_line: int | None = None
) -> tuple[int | None, str]:
    """(line, Chinese message) for libyaml's ``problem`` reported at ``problem_line`` (1-based)."""
    lines = text.splitlines()
    quoted = _quote_mistake(lines, context, context_line)
    if quoted:
        return quoted
    last = min(problem_line or len(lines), len(lines))
    block_indent = None  # inside a block scalar (key: | or key: >): its lines are text, not YAML
    for number in range(1, last + 1):
        line = lines[number - 1]
        if not _is_content(line):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if block_indent is not None and indent > block_indent:
            continue
        block_indent = indent if _BLOCK_SCALAR_RE.search(line) else None
        found = _line_mistake(number, line)
        if found:
            return number, found
    if problem_line and problem_line <= len(lines):
        found = _error_line_mistake(problem_line, lines[problem_line - 1], problem)
        if found:
            return problem_line, found
    words = _LIBYAML_WORDS.get(problem)
    if words is None:
        words = next((v for k, v in _LIBYAML_WORDS.items() if problem.startswith(k.split(",")[0])), None)
    where = f"第 {problem_line} 行" if problem_line else "文件中"
    if words is None:
        return problem_line, f"{where}的 YAML 格式有误（{problem}）。请检查缩进、冒号后的空格和引号是否成对。"
    return problem_line, f"{where}的 YAML 格式有误：{words}。{INDENT_ADVICE}"
