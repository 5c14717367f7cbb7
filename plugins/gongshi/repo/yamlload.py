"""Strict YAML loading for records and registry files.

Why not ``yaml.safe_load``: YAML 1.1 implicit typing turns ``0123`` into 83, ``no`` into False,
``2024-01-02`` into a date and an all-digit credit code into an int, and a duplicate key silently
keeps the last value. A clerk's file must mean exactly what it says, so we build the document
ourselves from libyaml's event stream (C speed for scanning and parsing):

* every scalar stays a string; the JSON Schema decides what it must look like (``coerce`` in
  ``schemas`` turns the few boolean/number fields into their types afterwards);
* duplicate keys, anchors/aliases (and so "billion laughs" bombs), explicit tags such as
  ``!!python/object`` and non-scalar keys are errors;
* UTF-8 only (a BOM is tolerated), a size cap and a nesting cap;
* text is NFC-normalised and trimmed;
* every value remembers its line, so errors can point at it.
"""

from __future__ import annotations

import os
import stat
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from gongshi.core.problems import Problem
from gongshi.repo.yamlhints import explain_syntax_error

MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 32
_DEFAULT_TAGS = {None, "!", "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
# libyaml's parser (C); the pure-Python one where PyYAML was built without it. Events only: no
# resolver or constructor ever sees the text.
try:
    from yaml.cyaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML without libyaml
    _Parser = yaml.BaseLoader


@dataclass
class Loaded:
    """The result of loading one file: the document (None on error), line of every JSON path, problems."""

    file: str
    data: object = None
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    raw: bytes = b""
    # Every scalar value (not the keys) in document order: checks that look for something in any
    # text can first test them all at once.
    texts: list[str] = field(default_factory=list, repr=False)
    # The mapping key each of ``texts`` stands under (None for a list item or the document itself):
    # a check that skips some fields can leave their values out of that first test.
    text_keys: list[str | None] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def line_of(self, path: str) -> int | None:
        """Line of ``path`` or of its nearest ancestor that has one."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if path in ("$", ""):
                return None
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else "$"


class _Reject(Exception):
    def __init__(self, code: str, message: str, line: int | None, path: str = "$"):
        super().__init__(message)
        self.code, self.message, self.line, self.path = code, message, line, path


def normalise_text(value: str) -> str:
    return unicodedata.normalize("NFC", value).strip()


def child_path(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    if key.replace("_", "").isalnum() and key.isascii():
        return f"{parent}.{key}"
    return f"{parent}[{key!r}]"


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _Reject("yaml.encoding", "文件是 UTF-16 编码。请另存为 UTF-8 编码（无 BOM 或带 BOM 均可）。", 1)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _Reject(
            "yaml.encoding",
            f"第 {line} 行有不是 UTF-8 的字节（可能是 GBK 编码）。请用 UTF-8 编码另存此文件。",
            line,
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise _Reject("yaml.encoding", "文件含有空字符（NUL），不是文本文件。", line)
    return text


# Path suffix of a mapping key (".doc_no" or "['决定日期']"): the same few keys recur in every record.
_KEY_SUFFIX: dict[str, str] = {}
_ScalarEvent, _MappingStartEvent, _SequenceStartEvent = (
    yaml.ScalarEvent,
    yaml.MappingStartEvent,
    yaml.SequenceStartEvent,
)
_END_EVENTS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_SKIPPED_EVENTS = (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)


def _key_suffix(key: str) -> str:
    suffix = _KEY_SUFFIX.get(key)
    if suffix is None:
        suffix = child_path("", key)
        if len(_KEY_SUFFIX) < 4096:
            _KEY_SUFFIX[key] = suffix
    return suffix


def _build(parser, lines: dict[str, int], texts: list[str], text_keys: list[str | None]):
    """Build plain dicts/lists/strs from a libyaml parser's events, enforcing the strict rules.

    This loop runs for every scalar of every record (the loader is a fifth of a cold validation), so
    it is written flat: the frames are lists ``[container, path, pending_key, line, key_lines]`` and
    the common case (a scalar) is tested first; the checks and their order are those of the rules
    above, one event at a time."""
    stack: list[list] = []
    root = None
    seen_document = False
    get_event = parser.get_event
    intern = sys.intern
    normalize = unicodedata.normalize
    add_text = texts.append
    add_key = text_keys.append
    pending = None  # an event read ahead (see the key case below)
    while True:
        if pending is None:
            event = get_event()
        else:
            event, pending = pending, None
        if event is None:
            break
        etype = type(event)
        if etype is _ScalarEvent:
            line = event.start_mark.line + 1
            if event.anchor is not None:
                raise _Reject("yaml.alias", f"不允许使用 YAML 锚点（&{event.anchor}）。请删除它。", line)
            tag = event.tag
            if tag not in _DEFAULT_TAGS:
                raise _Reject("yaml.tag", f"不允许使用 YAML 标签 {tag}。请删除它，直接写值。", line)
            value = normalize("NFC", event.value).strip()  # normalise_text, inlined
            if not stack:
                lines["$"] = line
                root = value
                add_text(value)
                add_key(None)
                continue
            frame = stack[-1]
            container = frame[0]
            if type(container) is dict:
                key = frame[2]
                if key is None:  # this scalar is a key
                    key_lines = frame[4]  # every key seen so far in this mapping
                    if value in key_lines:
                        raise _Reject(
                            "yaml.duplicate_key",
                            f"键 “{value}” 重复出现（上一次在第 {key_lines.get(value, '?')} 行）。"
                            "每个键只能写一次。",
                            line,
                            frame[1] + _key_suffix(value),
                        )
                    key = intern(value)
                    key_lines[key] = line
                    # Most keys have a plain scalar value: take it here, without a round through
                    # the loop (anything else, or a value with an anchor or tag, goes round).
                    event = get_event()
                    if type(event) is _ScalarEvent and event.anchor is None and event.tag in _DEFAULT_TAGS:
                        value = normalize("NFC", event.value).strip()
                        lines[frame[1] + (_KEY_SUFFIX.get(key) or _key_suffix(key))] = line
                        container[key] = value
                        add_text(value)
                        add_key(key)
                        continue
                    frame[2] = key
                    pending = event
                    continue
                # A value under a key is reported at the key's line (where the clerk wrote the name).
                lines[frame[1] + (_KEY_SUFFIX.get(key) or _key_suffix(key))] = frame[4].get(key, line)
                container[key] = value
                frame[2] = None
                add_key(key)
            else:
                lines[f"{frame[1]}[{len(container)}]"] = line
                container.append(value)
                add_key(None)
            add_text(value)
            continue
        if etype in _END_EVENTS:
            value = stack.pop()[0]
            if not stack:
                root = value
            else:
                _attach(stack[-1], value)
            continue
        line = event.start_mark.line + 1 if event.start_mark else None
        if etype is yaml.DocumentStartEvent:
            if seen_document:
                raise _Reject(
                    "yaml.multiple_documents", "一个文件只能有一个 YAML 文档（去掉多余的 “---”）。", line
                )
            seen_document = True
            continue
        if etype in _SKIPPED_EVENTS:
            continue
        if etype is yaml.AliasEvent:
            raise _Reject("yaml.alias", "不允许使用 YAML 别名（*名称）。请把内容直接写出来。", line)
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _Reject("yaml.alias", f"不允许使用 YAML 锚点（&{anchor}）。请删除它。", line)
        tag = getattr(event, "tag", None)
        if tag not in _DEFAULT_TAGS:
            raise _Reject("yaml.tag", f"不允许使用 YAML 标签 {tag}。请删除它，直接写值。", line)
        if etype is _MappingStartEvent or etype is _SequenceStartEvent:
            if stack:
                frame = stack[-1]
                container = frame[0]
                if type(container) is dict:
                    key = frame[2]
                    if key is None:
                        raise _Reject("yaml.key_type", "键必须是普通文字，不能是列表或映射。", line, frame[1])
                    path = frame[1] + _key_suffix(key)
                    value_line = frame[4].get(key, line)
                else:
                    path = f"{frame[1]}[{len(container)}]"
                    value_line = line
            else:
                path, value_line = "$", line
            if len(stack) >= MAX_DEPTH:
                raise _Reject("yaml.too_deep", f"嵌套超过 {MAX_DEPTH} 层，不是有效的记录。", line)
            lines[path] = value_line
            stack.append([{} if etype is _MappingStartEvent else [], path, None, line, {}])
    return root


def _attach(frame: list, value) -> None:
    container = frame[0]
    if type(container) is dict:
        container[frame[2]] = value
        frame[2] = None
    else:
        container.append(value)


def text_line(raw: bytes, position: int) -> int | None:
    """1-based line of a character offset in the decoded text (None when it cannot be told)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return text[:position].count("\n") + 1


def load_yaml_bytes(raw: bytes, file: str) -> Loaded:
    """Load one YAML document strictly. Never raises for bad input: problems say what is wrong."""
    result = Loaded(file=file, raw=raw)
    try:
        if len(raw) > MAX_FILE_BYTES:
            raise _Reject(
                "yaml.too_large",
                f"文件有 {len(raw):,} 字节，超过上限 {MAX_FILE_BYTES:,} 字节。"
                "一条记录不应这么大，请检查是否粘贴了多余内容。",
                None,
            )
        text = _decode(raw)
        lines: dict[str, int] = {}
        texts: list[str] = []
        text_keys: list[str | None] = []
        data = _build(_Parser(text), lines, texts, text_keys)
        result.data, result.lines, result.texts, result.text_keys = data, lines, texts, text_keys
    except _Reject as rej:
        result.problems.append(Problem(file, rej.line, rej.path, rej.code, rej.message))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        context_mark = exc.context_mark
        line, message = explain_syntax_error(
            raw.decode("utf-8-sig", errors="replace"),
            exc.problem or exc.context or "",
            mark.line + 1 if mark else None,
            exc.context or "",
            context_mark.line + 1 if context_mark else None,
        )
        result.problems.append(Problem(file, line, "$", "yaml.syntax", message))
    except yaml.reader.ReaderError as exc:
        line = text_line(raw, exc.position)
        result.problems.append(
            Problem(
                file,
                line,
                "$",
                "yaml.control_character",
                f"第 {line} 行含有不允许的控制字符 U+{exc.character:04X}"
                "（例如从其他软件复制来的不可见字符）。请删除它。"
                if isinstance(exc.character, int)
                else "文件含有不允许的控制字符，请删除它。",
            )
        )
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        result.problems.append(Problem(file, None, "$", "yaml.syntax", f"无法读取 YAML：{exc}"))
    return result


def load_yaml_file(path: Path | str, file: str | None = None) -> Loaded:
    rel = file if file is not None else Path(path).as_posix()

    def refuse(code: str, message: str) -> Loaded:
        return Loaded(file=rel, problems=[Problem(rel, None, "$", code, message)])

    def not_a_plain_file(st: os.stat_result) -> Loaded | None:
        if stat.S_ISLNK(st.st_mode):
            return refuse("file.symlink", "这是符号链接（symlink），不是普通文件。请删除链接，直接写入内容。")
        if not stat.S_ISREG(st.st_mode):
            return refuse(
                "file.not_regular", "这不是普通文件（可能是目录、管道或设备文件），不能作为数据文件读取。"
            )
        return None

    try:
        # A symlink committed to Git could point at /dev/zero (never-ending read) or at a file
        # outside the repository; a FIFO blocks forever. Data files are plain files, nothing else.
        # O_NOFOLLOW refuses a symlink and O_NONBLOCK keeps a FIFO from blocking, so the file is
        # opened first and looked at (lstat) only when that fails or it is no plain file: the same
        # answers as looking first, one system call fewer for every plain file.
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            refused = not_a_plain_file(os.lstat(path))
            if refused is not None:
                return refused
            raise
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                # What it is by its name, as before it was opened (a symlink is never opened).
                return not_a_plain_file(os.lstat(path)) or refuse(
                    "file.not_regular", "这不是普通文件，不能作为数据文件读取。"
                )
            # Never read more than the cap (+1 so the size check still fires); ask for the size the
            # file has (a read of the whole cap would allocate 256 KB per file).
            parts, size = [], 0
            while size <= MAX_FILE_BYTES:
                chunk = os.read(fd, min(MAX_FILE_BYTES + 1 - size, max(st.st_size + 1 - size, 65536)))
                if not chunk:
                    break
                parts.append(chunk)
                size += len(chunk)
                if size == st.st_size:
                    break  # all fstat counted, in a read that asked for more: the end, no read for b""
        finally:
            os.close(fd)
        return load_yaml_bytes(parts[0] if len(parts) == 1 else b"".join(parts), rel)
    except OSError as exc:
        return refuse("file.unreadable", f"无法读取文件：{exc.strerror}")
