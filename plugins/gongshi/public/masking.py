"""How natural persons' names are shown in every public output (pages, search index, feeds, JSON
API, exports): the ONE rule, used by all of them.

Default rule (domain.md §3.4, 信用中国 practice): the surname stays, every other character becomes
``*``: 张三 → 张*, 欧阳娜娜 → 欧阳**. Organisations and 个体工商户 names are public as written.

* ``public_party_name(record)`` — the party name as published;
* ``public_text(record, text)`` — a field of the record (facts, reasons…): the party's own name
  inside it is masked;
* ``NameMasker(names)`` — text not tied to one record (commit subjects, written by clerks): every
  natural person's name of the repository is masked (``natural_person_names``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from gongshi.core import cachefile
from gongshi.core.keys import entries_key
from gongshi.core.records import NATURAL_PERSON, Record
from gongshi.snapshot.build import month_parts

# Two-character surnames common enough that keeping only the first character would mislead.
COMPOUND_SURNAMES = frozenset(
    (
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "钟离",
        "端木",
        "独孤",
        "南宫",
        "西门",
        "百里",
        "呼延",
        "万俟",
    )
)
MASK = "*"


def mask_person_name(name: str) -> str:
    """The public form of a natural person's name: surname + one ``*`` per other character."""
    name = name.strip()
    if not name:
        return ""
    keep = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    if len(name) == 1:
        return MASK
    return name[:keep] + "".join(" " if ch.isspace() else MASK for ch in name[keep:])


def public_party_name(record: Record) -> str:
    """The party name as it may be published (masked for 自然人)."""
    return mask_person_name(record.party_name) if record.is_natural_person else record.party_name


def public_text(record: Record, text: object) -> str:
    """Free text of a record as it may be published: the party's own name is masked when the party
    is a natural person (names of one character are left alone: they would mask ordinary words)."""
    value = "" if text is None else str(text)
    name = record.party_name.strip()
    if record.is_natural_person and len(name) > 1 and name in value:
        value = value.replace(name, mask_person_name(name))
    return value


def natural_person_names(records: Iterable[Record]) -> set[str]:
    return {r.party_name for r in records if r.party_category == NATURAL_PERSON}


class NameMasker:
    """Masks every natural person's name of the repository inside a text (commit subjects are
    written by clerks and may name anyone). Names are matched as whole substrings, longest first."""

    def __init__(self, names: Iterable[str]):
        self.names = {n for n in (x.strip() for x in names) if len(n) > 1}
        self.lengths = sorted({len(n) for n in self.names}, reverse=True)
        # Every name has at least two characters: a position whose two characters start no name
        # is passed over with one set lookup (most commit subjects name no one).
        self.starts = {n[:2] for n in self.names}
        self._cache: dict[str, str] = {}

    @classmethod
    def of_records(cls, records: Iterable[Record]) -> NameMasker:
        return cls(natural_person_names(records))

    def __call__(self, text: str) -> str:
        if not self.names or not text or text.isascii():
            return text
        hit = self._cache.get(text)
        if hit is not None:
            return hit
        starts = self.starts
        out: list[str] = []
        i = 0
        while i < len(text):
            if text[i : i + 2] in starts:
                for n in self.lengths:
                    piece = text[i : i + n]
                    if len(piece) == n and piece in self.names:
                        out.append(mask_person_name(piece))
                        i += n
                        break
                else:
                    out.append(text[i])
                    i += 1
            else:
                out.append(text[i])
                i += 1
        result = "".join(out)
        self._cache[text] = result
        return result


class SubjectMasker:
    """Commit subjects as published: every natural person's name of the repository masked
    (``masking.NameMasker``). Built on the first subject that could name someone (most merge
    commits' subjects are ASCII). At 100,000 records, collecting every name and scanning every
    subject are the costliest steps of a build where little changed, so with ``cache`` (a file):

    * the names are kept per part of the snapshot (``snapshot.build.month_parts``) under the
      part's ``core.keys.entries_key``: only the parts whose records changed are read again;
    * the masked subjects of the last build are kept with its names: a subject is masked again
      only when it is new or contains a name that appeared or disappeared since."""

    def __init__(self, snapshot, cache: Path | None = None):
        self.snapshot = snapshot
        self.cache = cache
        self.masker: NameMasker | None = None
        self.masked: dict[str, str] = {}
        self.stored: dict = {}

    def __call__(self, text: str) -> str:
        if not text or text.isascii():
            return text
        if self.masker is None:
            self.prepare()
        hit = self.masked.get(text)
        if hit is None:
            hit = self.masked[text] = self.masker(text)
        return hit

    def prepare(self) -> None:
        """Collect the names now (before fork workers start, so they share the result)."""
        if self.masker is not None:
            return
        entries = self.snapshot.entries
        if self.cache is None:
            self.masker = NameMasker(natural_person_names(e.record for e in entries))
            return
        old = cachefile.read_dict(self.cache)
        old_parts = old.get("parts") if isinstance(old.get("parts"), dict) else {}
        parts = {}
        for lo, hi in month_parts(entries):
            part = entries[lo:hi]
            key = entries_key(part)
            names = old_parts.get(key)
            parts[key] = names if names is not None else sorted(natural_person_names(e.record for e in part))
        names = {n for group in parts.values() for n in group}
        self.masker = NameMasker(names)
        previous = {n for group in old_parts.values() for n in group}
        changed = [n.strip() for n in names ^ previous if len(n.strip()) > 1]
        masked = old.get("masked") if isinstance(old.get("masked"), dict) else {}
        self.masked = {t: m for t, m in masked.items() if not any(n in t for n in changed)}
        self.stored = {"parts": parts}

    def save(self) -> None:
        """Keep this build's names and masked subjects for the next build (with a cache)."""
        if self.cache is not None and self.masker is not None:
            cachefile.write(self.cache, {**self.stored, "masked": self.masked})
