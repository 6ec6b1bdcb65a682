"""Which steps a narrative shows, and which it replaces by an explicit skip.

Long loops keep their first and last few iterations; the ones in between
become a :class:`LoopSkip` that names the iterations, their count and the
state before and after. A cap on the number of items replaces the middle of a
long narrative by a :class:`CapSkip` over raw step numbers. Both skips are
phrased so that the checker can jump over exactly the same steps.

    items = plan(view, range(len(view.steps)), Options())
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Iterable, Sequence, Union

from pytrace_sem.narrate._errors import NarrateError
from pytrace_sem.narrate._view import LoopInstance, TraceView

__all__ = ["Options", "StepItem", "LoopSkip", "CapSkip", "Item", "plan", "item_start", "item_end"]


@dataclass(frozen=True, slots=True)
class Options:
    """Rendering options shared by every style.

    ``cap``: at most this many numbered steps (None: no cap); ``long_loop``: a
    loop with more iterations than this is shortened to its first
    ``loop_head`` and last ``loop_tail`` iterations; ``max_value_chars``: longer
    values are described ("a list of 300 items") instead of quoted.
    """

    cap: int | None = None
    long_loop: int = 6
    loop_head: int = 2
    loop_tail: int = 2
    max_value_chars: int = 200
    description: str | None = None

    def __post_init__(self) -> None:
        if self.cap is not None and (isinstance(self.cap, bool) or not isinstance(self.cap, int) or self.cap < 4):
            raise NarrateError(f"cap must be an integer of at least 4 (or None), got {self.cap!r}")
        for name in ("long_loop", "loop_head", "loop_tail"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise NarrateError(f"{name} must be a positive integer, got {value!r}")
        if self.loop_head + self.loop_tail >= self.long_loop + 1:
            raise NarrateError(
                f"loop_head + loop_tail ({self.loop_head} + {self.loop_tail}) must be at most long_loop "
                f"({self.long_loop}) so that a long loop has iterations left to skip")
        if isinstance(self.max_value_chars, bool) or not isinstance(self.max_value_chars, int) \
                or self.max_value_chars < 8:
            raise NarrateError(f"max_value_chars must be an integer of at least 8, got {self.max_value_chars!r}")


@dataclass(frozen=True, slots=True)
class StepItem:
    index: int


@dataclass(frozen=True, slots=True)
class LoopSkip:
    """Iterations ``first``..``last`` (1-based) of ``loop``: steps ``[start, end)``."""

    loop: LoopInstance
    first: int
    last: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class CapSkip:
    """Steps ``[start, end)`` left out to respect the cap."""

    start: int
    end: int


Item = Union[StepItem, LoopSkip, CapSkip]


def item_start(item: Item) -> int:
    return item.index if isinstance(item, StepItem) else item.start


def item_end(item: Item) -> int:
    return item.index + 1 if isinstance(item, StepItem) else item.end


def plan(view: TraceView, indices: Iterable[int], opts: Options, *, reverse: bool = False) -> list[Item]:
    """Items (in execution order) covering ``indices``: steps, loop skips, a cap skip.

    ``reverse`` says the narrative will be read backwards (the backward
    monologue); skips are checked against the reading direction so that the
    checker finds the same loop the renderer meant.
    """
    idx = sorted(set(indices))
    keep_whole: set[int] = set()
    while True:
        items = _plan_range(view, idx, None, opts, keep_whole)
        bad = _unresolvable(view, items, reverse)
        if not bad:
            break
        keep_whole |= bad
    return _cap(view, items, opts.cap)


def _plan_range(view: TraceView, idx: Sequence[int], container: LoopInstance | None, opts: Options,
                keep_whole: set[int]) -> list[Item]:
    out: list[Item] = []
    children = [c for c in view.children(container)]
    i = 0
    for child in children:
        while i < len(idx) and idx[i] < child.start:
            out.append(StepItem(idx[i]))
            i += 1
        j = i
        while j < len(idx) and idx[j] < child.end:
            j += 1
        inside = idx[i:j]
        i = j
        if inside:
            out.extend(_plan_loop(view, inside, child, opts, keep_whole))
    out.extend(StepItem(k) for k in idx[i:])
    return out


def _plan_loop(view: TraceView, idx: Sequence[int], loop: LoopInstance, opts: Options,
               keep_whole: set[int]) -> list[Item]:
    # Only the iterations up to the last wanted step count (a narrative may stop mid-loop).
    last_wanted = max(idx)
    n = sum(1 for h in loop.headers if h <= last_wanted)
    if n <= opts.long_loop or loop.ident in keep_whole:
        return _plan_range(view, idx, loop, opts, keep_whole)
    first, last = opts.loop_head + 1, n - opts.loop_tail
    start, end = loop.bounds(first)[0], loop.bounds(last)[1]
    before = [k for k in idx if k < start]
    skipped = [k for k in idx if start <= k < end]
    after = [k for k in idx if k >= end]
    if not skipped:
        return _plan_range(view, idx, loop, opts, keep_whole)
    return (_plan_range(view, before, loop, opts, keep_whole)
            + [LoopSkip(loop, first, last, start, end)]
            + _plan_range(view, after, loop, opts, keep_whole))


def _unresolvable(view: TraceView, items: list[Item], reverse: bool) -> set[int]:
    """Loop skips the checker would attach to a different loop instance."""
    bad: set[int] = set()
    for k, item in enumerate(items):
        if not isinstance(item, LoopSkip):
            continue
        if reverse:
            point = item_start(items[k + 1]) if k + 1 < len(items) else len(view.steps)
        else:
            point = item_end(items[k - 1]) if k > 0 else 0
        found = view.resolve_loop(item.loop.line, item.first, item.last, point, reverse)
        if found is None or found.ident != item.loop.ident:
            bad.add(item.loop.ident)
    return bad


def _cap(view: TraceView, items: list[Item], cap: int | None) -> list[Item]:
    if cap is None or len(items) <= cap:
        return items
    head = cap // 2
    tail = cap - head - 1
    start = item_start(items[head])
    end = item_start(items[len(items) - tail]) if tail > 0 else len(view.steps)
    return items[:head] + [CapSkip(start, end)] + items[len(items) - tail:]


def loop_targets(view: TraceView, line: int) -> list[str]:
    """The names a ``for`` loop at ``line`` assigns on each iteration."""
    stmt = view.syntax.stmt(line)
    if stmt is None or stmt.kind != "for":
        return []
    target = stmt.node.target  # type: ignore[attr-defined]
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
