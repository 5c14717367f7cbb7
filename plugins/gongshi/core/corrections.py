"""The nature of a correction (更正性质): of substance (实质) or of form (形式).

A ``corrections`` entry may say ``nature: 实质`` or ``nature: 形式``. A correction of substance
changed what the decision is: the party, an amount, a penalty, a date, the decision's number,
content or status. A correction of form fixed how it is written (a typo in the facts, the
remarks, a formatting fix). Only corrections of substance count against accuracy (方案 §六(四)).

An entry without ``nature`` counts as 实质: the record alone cannot show what that edit changed,
and an unstated correction should not look better than a stated one. ``gongshi log`` and
``gongshi check-history`` read the YAML diff of the merge and say which nature its fields suggest
(``nature_of_fields``).
"""

from __future__ import annotations

SUBSTANCE = "实质"
FORM = "形式"
NATURES = (SUBSTANCE, FORM)
NATURE_KEY = "nature"
DEFAULT_NATURE = SUBSTANCE

# Top-level record fields whose change is a correction of form: descriptive text that does not
# alter who was decided about, what was decided, when, or for how much. Any other field changed
# (party, amounts, categories, content, dates, document number, authority, status...) is substance.
FORM_FIELDS = frozenset(
    {
        "facts",  # 违法事实
        "violation_type",  # 违法行为类型
        "basis",  # 处罚依据 (the wording of the citation; the penalty itself is in categories/content)
        "remarks",  # 备注
        "doc_title",  # 行政许可决定文书名称
        "certificate_name",  # 许可证书名称
        "status_reason",  # 状态变更原因
    }
)
# Fields that record the correction itself (not corrected content).
BOOKKEEPING_FIELDS = frozenset({"corrections"})


def stated_nature(entry: object) -> str | None:
    """The nature an entry states (``实质``/``形式``), or None when it states none."""
    if isinstance(entry, dict):
        value = entry.get(NATURE_KEY)
        if isinstance(value, str) and value.strip() in NATURES:
            return value.strip()
    return None


def correction_nature(entry: object) -> str:
    """The nature an entry counts as: the stated one, else ``DEFAULT_NATURE`` (实质)."""
    return stated_nature(entry) or DEFAULT_NATURE


def is_substantive(entry: object) -> bool:
    return correction_nature(entry) == SUBSTANCE


def top_field(path: str) -> str:
    """The top-level key of a dotted field path (``party.name`` → ``party``, ``categories[1]``
    → ``categories``)."""
    return path.split(".", 1)[0].split("[", 1)[0]


def substantive_fields(changed: set[str] | list[str]) -> list[str]:
    """The changed top-level fields (or dotted paths) that make a correction one of substance."""
    tops = {top_field(f) for f in changed}
    return sorted(t for t in tops if t not in FORM_FIELDS and t not in BOOKKEEPING_FIELDS)


def nature_of_fields(changed: set[str] | list[str]) -> str:
    """The nature a change of these fields suggests: 形式 when only form fields changed."""
    return SUBSTANCE if substantive_fields(changed) else FORM
