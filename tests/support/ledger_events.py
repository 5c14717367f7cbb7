"""Random ledger event strings for the ledger's unit tests: a few ids that prefix one another
("a-1", "a-10"), every kind of event, random hashes."""

from __future__ import annotations

import random

from gongshi.outputs.ledgerevents import event_string


def random_events(rng: random.Random, n: int, months: int = 3) -> list[str]:
    """``n`` event strings in the first ``months`` months of 2026, sorted."""
    out = []
    for _ in range(n):
        day = f"2026-{rng.randint(1, months):02d}-{rng.randint(10, 28)}"
        rid = rng.choice(["a-1", "a-10", "a-2", "b-1", "b"])
        event = rng.choice(["published", "corrected", "withdrawn", "expired"])
        out.append(event_string(day, rid, event, f"{rng.getrandbits(256):064x}"))
    return sorted(out)
