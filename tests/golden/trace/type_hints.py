# call: f([1, 2, 3], scale=2.0)
from __future__ import annotations

from typing import Optional


def f(xs: list[int], scale: float = 1.0, label: Optional[str] = None) -> dict[str, float]:
    total: float = 0.0
    count: int
    for x in xs:
        total += x * scale
    count = len(xs)
    unused: str
    return {'total': total, 'mean': total / count}
