"""The limits of one trace: their defaults and allowed ranges, in one place.

Standard library only (the recorder imports it). ``trace_call``, ``trace``,
``@traced``, the narration functions and every CLI take their defaults from
``DEFAULT_LIMITS``; the public API checks values against ``LIMIT_RANGES``.
"""

from __future__ import annotations

from typing import Mapping

__all__ = ["DEFAULT_LIMITS", "LIMIT_RANGES"]

DEFAULT_LIMITS: Mapping[str, int] = {
    "max_steps": 10_000,     # steps recorded; the call runs to its end anyway
    "max_items": 100,        # items kept per container value
    "max_depth": 8,          # nesting kept per value
    "max_string": 1_000,     # characters kept per string or repr
    "max_size": 5_000_000,   # estimated characters of the trace's JSON
}

LIMIT_RANGES: Mapping[str, tuple[int, int]] = {
    "max_steps": (1, 100_000_000),
    "max_items": (1, 1_000_000),
    "max_depth": (1, 1_000),
    "max_string": (8, 100_000_000),
    "max_size": (1_000, 10_000_000_000),
}
