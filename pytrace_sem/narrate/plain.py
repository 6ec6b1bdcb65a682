"""Plain structured renderings of a trace, to compare formats against the monologues.

* scratchpad: one line per step with the values that changed (the concrete-trace
  baseline): ``[L4] output=[(1, 1)]``; long loops are shortened as in the
  monologues and ``cap`` bounds the number of lines.
* inline: the source with a NExT-style comment on each executed line listing, per
  run, the step number and what it produced: ``for n in nums:  # (2) n=1; (5) n=3``.

    print(render_scratchpad(trace))
    print(render_inline(trace))
"""

from __future__ import annotations

from typing import Any

from pytrace_sem.narrate._plan import CapSkip, LoopSkip, Options, StepItem, plan
from pytrace_sem.narrate._view import TraceView, VStep

__all__ = ["render_scratchpad", "render_inline", "step_summary"]


def _short(value: Any, opts: Options) -> str:
    if value is None:
        return "None"
    text = value.get("repr", "?")
    if len(text) > opts.max_value_chars:
        text = text[: opts.max_value_chars - 3] + "..."
    return text


def step_summary(view: TraceView, s: VStep, opts: Options, *, with_event: bool = True) -> str:
    """What one step did, compactly: ``n=1``, ``branch True``, ``return [1, 2]``."""
    parts = [f"{k}={_short(v, opts)}" for k, v in s.changes.items()]
    parts += [f"del {k}" for k in s.deleted]
    stmt = view.syntax.stmt(s.line)
    if s.event == "call":
        lead = f"call {s.function}" if with_event else ""
        return (lead + (": " if lead and parts else "") + ", ".join(parts)).strip() or f"call {s.function}"
    if s.event == "branch":
        cond = stmt.condition if stmt is not None and stmt.condition else "condition"
        head = f"{cond} -> {bool(s.outcome)}" if with_event else str(bool(s.outcome))
        return ", ".join([head] + parts)
    if s.event == "return":
        return "return " + _short(s.value, opts)
    if s.event in ("raise", "except"):
        exc = s.exception or {}
        word = "raise" if s.event == "raise" else "catch"
        return ", ".join([f"{word} {exc.get('type', 'Exception')}"] + parts)
    if s.event in ("comprehension", "yield"):
        word = "->" if s.event == "comprehension" else "yield"
        return ", ".join([f"{word} {_short(s.value, opts)}"] + parts)
    if s.event == "resume":
        return ", ".join(["resume"] + parts)
    return ", ".join(parts) if parts else "(no change)"


def _skip_line(view: TraceView, item: LoopSkip | CapSkip, opts: Options) -> str:
    if isinstance(item, LoopSkip):
        frame_b = frame_a = item.loop.frame
        head = (f"... iterations {item.first}-{item.last} of the loop at line {item.loop.line} skipped "
                f"({item.last - item.first + 1} iterations)")
    else:
        frame_b, frame_a = view.frame_at(item.start), view.frame_at(item.end)
        head = f"... steps {item.start + 1}-{item.end} skipped ({item.end - item.start} steps)"
    names = view.changed_names(frame_a, item.start, item.end)
    before = [f"{n}={_short(v, opts)}" for n in names
              if (v := view.value_at(frame_b, n, item.start)) is not None]
    after = [f"{n}={_short(v, opts)}" for n in names if (v := view.value_at(frame_a, n, item.end)) is not None]
    tail = []
    if before:
        tail.append("before " + ", ".join(before))
    if after:
        tail.append("after " + ", ".join(after))
    return head + (": " + "; ".join(tail) if tail else "")


def render_scratchpad(trace: Any, *, opts: Options | None = None) -> str:
    """One line per step: ``[L<n>] name=value, ...``."""
    view = trace if isinstance(trace, TraceView) else TraceView(trace)
    opts = opts or Options()
    lines = []
    for item in plan(view, range(len(view.steps)), opts):
        if isinstance(item, StepItem):
            s = view.steps[item.index]
            lines.append(f"[L{s.line}] {step_summary(view, s, opts)}")
        else:
            lines.append(_skip_line(view, item, opts))
    if view.stopped is not None:
        lines.append(f"... recording stopped ({view.stopped.get('reason')}) after step "
                     f"{view.stopped.get('after_step')}")
    if view.exception is not None and view.return_value is None:
        lines.append(f"=> raises {view.exception.get('type')}")
    else:
        lines.append(f"=> {_short(view.return_value, opts)}")
    return "\n".join(lines) + "\n"


def render_inline(trace: Any, *, opts: Options | None = None, per_line: int = 4) -> str:
    """The source with each executed line annotated by its runs: ``# (k) name=value; ...``.

    A line that ran more than ``per_line`` times shows its first runs, a count
    of the ones left out, and its last run.
    """
    view = trace if isinstance(trace, TraceView) else TraceView(trace)
    opts = opts or Options()
    if per_line < 2:
        from pytrace_sem.narrate._errors import NarrateError

        raise NarrateError(f"per_line must be at least 2, got {per_line}")
    runs: dict[int, list[str]] = {}
    for s in view.steps:
        runs.setdefault(s.line, []).append(f"({s.index}) {step_summary(view, s, opts, with_event=False)}")
    out = []
    for number, text in enumerate(view.syntax.lines, 1):
        notes = runs.get(number)
        if not notes:
            out.append(text)
            continue
        if len(notes) > per_line + 1:  # hiding a single run saves nothing
            hidden = len(notes) - per_line
            notes = notes[: per_line - 1] + [f"... {hidden} more"] + notes[-1:]
        out.append(f"{text}  # " + "; ".join(notes))
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out) + "\n"
