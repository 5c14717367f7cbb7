"""The last line of the privacy rules: whatever reaches a public output passes ``redact``.

Validation and import reject texts holding personal numbers; ``redact`` is the projection's
safety net for anything that slipped through (an old record, a rule added later), so a number is
masked on the site rather than published.
"""

from __future__ import annotations

from gongshi.core.identifiers import find_unmasked_personal_numbers

MASK = "*"


def _mask_middle(number: str) -> str:
    # Keep the first 3 and last 2 characters (enough to tell two masked numbers apart on paper,
    # too few to identify anyone): 320404200801011232 → 320*************32.
    keep_head, keep_tail = 3, 2
    chars = list(number)
    digits = [i for i, ch in enumerate(chars) if ch.isalnum()]
    for i in digits[keep_head : len(digits) - keep_tail]:
        chars[i] = MASK
    return "".join(chars)


def redact(text: str) -> str:
    """``text`` with every unmasked personal number (resident ID, mobile number: what
    ``core.identifiers.find_unmasked_personal_numbers`` finds) masked: the digits in the middle
    become ``*``, separators stay. Text without such a number is returned unchanged."""
    if not text:
        return text
    found = find_unmasked_personal_numbers(text)
    for _kind, number in sorted(found, key=lambda x: -len(x[1])):
        text = text.replace(number, _mask_middle(number))
    return text
