"""The search tokenizer and match rule, shared with ``theme/static/js/tokenize.js``.

Both implementations must agree exactly; ``tests/search_vectors.json`` holds the cases both are
checked against (Python in the unit tests, JavaScript in Chromium).

Rules:

* ``normalize``: NFKC (full-width letters/digits become ASCII, compatibility ideographs become
  unified ones), then lower case.
* A *run* is a maximal stretch of Han characters (URO, extensions A-H, compatibility block, 〇)
  or of ASCII letters/digits. Everything else (punctuation such as 〔〕, spaces, emoji, kana,
  Latin letters with accents) separates runs.
* ``tokens``: a Han run gives its overlapping bigrams (one character gives itself); an ASCII run is
  one whole token (credit codes, years, serial numbers).
* ``pairs``: for each two adjacent runs, the last character (Han) or the whole run (ASCII) of the
  first, a space, and the first character (Han) or the whole run (ASCII) of the second. The index
  holds them next to the tokens; a query looks them up to narrow its candidates.
* ``canonical``: the runs joined by one space. Punctuation and spacing therefore never matter:
  ``钟市监罚〔2024〕12号`` and ``钟市监罚 2024 12号`` are the same ``钟市监罚 2024 12 号``.
* ``matches(query, fields)``: the query's canonical form occurs inside one field's canonical form,
  a Han run of the query may be a fragment of a Han run of the field only at the query's two ends,
  and ASCII runs must be whole (``123`` does not match ``1234``). The index never misses such a
  match: every token of the query (minus one-character Han runs) is a token of the field.
"""

from __future__ import annotations

import re
import unicodedata

_HAN = (
    "\u3007"  # 〇 (ideographic zero, used in dates)
    "\u3400-\u4dbf"  # extension A
    "\u4e00-\u9fff"  # unified ideographs
    "\uf900-\ufaff"  # compatibility ideographs (NFKC maps most of them)
    "\U00020000-\U0003134f"  # extensions B-G (planes 2 and 3)
    "\U00031350-\U000323af"  # extension H
)
_RUN_RE = re.compile(f"([{_HAN}]+)|([0-9a-z]+)")
_HAN_RE = re.compile(f"[{_HAN}]")


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def runs(text: str) -> list[str]:
    """The Han and ASCII runs of the normalized text, in order."""
    return [m.group(0) for m in _RUN_RE.finditer(normalize(text))]


def is_han(run: str) -> bool:
    return bool(_HAN_RE.match(run))


def run_tokens(run: str) -> list[str]:
    if is_han(run) and len(run) > 1:
        return [run[i : i + 2] for i in range(len(run) - 1)]
    return [run]


def tokens(text: str) -> list[str]:
    """Every token in order, duplicates kept. The indexer calls this for every record of a cold
    build, so it reads the regex groups (Han or ASCII) instead of testing each run again."""
    out: list[str] = []
    for han, ascii_run in _RUN_RE.findall(normalize(text)):
        if not han:
            out.append(ascii_run)
        elif len(han) > 1:
            out.extend(map(str.__add__, han[:-1], han[1:]))  # overlapping bigrams
        else:
            out.append(han)
    return out


def _edge_pairs(found: list[tuple[str, str]]) -> list[str]:
    """Run pairs from ``_RUN_RE.findall`` groups: the last character of a Han run or a whole ASCII
    run, a space, then the first character of the next Han run or the next whole ASCII run."""
    out = []
    prev = None
    for han, ascii_run in found:
        if prev is not None:
            out.append(prev + " " + (han[0] if han else ascii_run))
        prev = han[-1] if han else ascii_run
    return out


def pairs(text: str) -> list[str]:
    """Adjacent run pairs (``钟市监罚〔2024〕12号`` → ``罚 2024``, ``2024 12``, ``12 号``), duplicates
    kept. A query's pairs are pairs of every field it matches (its first Han run ends like the field's
    run, its last one starts like it, the runs between are equal), so they narrow document numbers
    and codes whose parts are each common."""
    return _edge_pairs(_RUN_RE.findall(normalize(text)))


def index_terms(fields: list[str]) -> list[str]:
    """Everything the index holds for one record: the tokens and the pairs of each field (pairs
    never span two fields), duplicates kept."""
    out: list[str] = []
    for field in fields:
        found = _RUN_RE.findall(normalize(field))
        for han, ascii_run in found:
            if not han:
                out.append(ascii_run)
            elif len(han) > 1:
                out.extend(map(str.__add__, han[:-1], han[1:]))
            else:
                out.append(han)
        if len(found) > 1:
            out.extend(_edge_pairs(found))
    return out


def canonical(text: str) -> str:
    return " ".join(runs(text))


def query_terms(query: str) -> list[str]:
    """Distinct tokens a matching record must contain, in query order.

    One-character Han runs are left out: the index stores bigrams, so a lone ``号`` in the query may
    be part of a longer run in the record. Verification (``matches``) still checks it.
    """
    seen: dict[str, None] = {}
    for run in runs(query):
        if is_han(run) and len(run) == 1:
            continue
        for t in run_tokens(run):
            seen.setdefault(t, None)
    return list(seen)


def matches(query: str, fields: list[str]) -> bool:
    """True when the query occurs in one of the fields (see the module docstring)."""
    q_runs = runs(query)
    if not q_runs:
        return False
    needle = " ".join(q_runs)
    first_ascii = not is_han(q_runs[0])
    last_ascii = not is_han(q_runs[-1])
    for field in fields:
        hay = " " + canonical(field) + " "
        start = hay.find(needle)
        while start != -1:
            end = start + len(needle)
            if (not first_ascii or hay[start - 1] == " ") and (not last_ascii or hay[end] == " "):
                return True
            start = hay.find(needle, start + 1)
    return False
