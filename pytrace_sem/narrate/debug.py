"""Rubber-duck debugging narratives (PyX-R style) from a buggy and a fixed trace of one call.

The narrative simulates the buggy run up to the first step where its state
departs from the correct run's, names that step, names the root cause (the
statement the fix changes, and the wrong value it produced), and ends with the
fixed code between ``[Refined]`` and ``[/Refined]``. Both runs are compared step
by step; lines are matched between the two sources with ``difflib``, so the fix
may add or remove lines.

    text = render_debug(buggy_trace, fixed_trace)
    text = debug_from_sources(buggy_src, fixed_src, "f([3, 1, 2])")
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from pytrace_sem.narrate._common import code_span, join_and, quote_code, quote_value, describe_value
from pytrace_sem.narrate._errors import NarrateError
from pytrace_sem.narrate._plan import Options
from pytrace_sem.narrate._templates import Phrases
from pytrace_sem.narrate._view import TraceView, VStep
from pytrace_sem.narrate.backward import dynamic_slice
from pytrace_sem.narrate.forward import simulation_lines

__all__ = ["Divergence", "find_divergence", "render_debug", "debug_from_sources", "line_map"]


@dataclass(frozen=True, slots=True)
class Divergence:
    """Where a buggy run first departs from the correct run, and the statement to blame.

    ``step`` is the first step index at which the two runs differ (it may equal
    the length of the shorter run); ``kind`` is one of "value", "branch", "flow",
    "return", "exception", "end"; ``root_line`` is a line of the buggy source.
    """

    step: int
    kind: str
    root_line: int
    root_step: int | None
    changed_lines: tuple[int, ...]


def line_map(buggy: str, fixed: str) -> tuple[dict[int, int], tuple[int, ...]]:
    """(buggy line -> fixed line for lines that correspond, buggy lines the fix changes)."""
    a = buggy.splitlines()
    b = fixed.splitlines()
    mapping: dict[int, int] = {}
    changed: set[int] = set()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                mapping[i1 + k + 1] = j1 + k + 1
        elif tag == "replace":
            for k in range(min(i2 - i1, j2 - j1)):
                mapping[i1 + k + 1] = j1 + k + 1
            changed.update(range(i1 + 1, i2 + 1))
        elif tag == "delete":
            changed.update(range(i1 + 1, i2 + 1))
        elif tag == "insert":
            # Code the fix adds: blame the line just before the insertion point.
            changed.add(max(i1, 1))
    return mapping, tuple(sorted(changed))


def _sig(s: VStep, line: int | None) -> tuple:
    return (line, s.depth, s.event, s.outcome, tuple((k, v.get("repr")) for k, v in s.changes.items()),
            s.deleted, (s.value or {}).get("repr"), (s.exception or {}).get("type"))


def find_divergence(buggy: TraceView, fixed: TraceView) -> Divergence:
    """Compare two runs of the same call step by step; raise if they never differ."""
    mapping, changed = line_map(buggy.source, fixed.source)
    n = min(len(buggy.steps), len(fixed.steps))
    k = 0
    while k < n and _sig(buggy.steps[k], mapping.get(buggy.steps[k].line)) == _sig(fixed.steps[k], fixed.steps[k].line):
        k += 1
    same_end = (buggy.return_value or {}).get("repr") == (fixed.return_value or {}).get("repr") and \
        (buggy.exception or {}).get("type") == (fixed.exception or {}).get("type")
    if k == n and len(buggy.steps) == len(fixed.steps) and same_end:
        raise NarrateError("the buggy and the fixed run behave the same on this call; "
                           "pick an input on which the buggy version fails")
    if k < n:
        b, f = buggy.steps[k], fixed.steps[k]
        if mapping.get(b.line) != f.line or b.depth != f.depth or b.event != f.event:
            kind = "flow"
        elif b.event == "branch" and b.outcome != f.outcome:
            kind = "branch"
        elif b.event == "return":
            kind = "return"
        elif (b.exception or {}) != (f.exception or {}):
            kind = "exception"
        else:
            kind = "value"
    else:
        kind = "end"
    root_step = _root_step(buggy, fixed, k, mapping, changed)
    if root_step is not None:
        root_line = buggy.steps[root_step].line
    else:
        root_line = _root_line_without_step(buggy, fixed, k, mapping, changed)
    return Divergence(k, kind, root_line, root_step, changed)


def _root_step(buggy: TraceView, fixed: TraceView, k: int, mapping: dict[int, int],
               changed: tuple[int, ...]) -> int | None:
    changed_set = set(changed)
    last = min(k, len(buggy.steps) - 1)
    if last < 0:
        return None
    if k < len(buggy.steps) and buggy.steps[k].line in changed_set:
        return k
    # The correct run went to a line the fix changed: blame that line's last run in the buggy code.
    if k < len(fixed.steps):
        back = {v: key for key, v in mapping.items()}
        b_line = back.get(fixed.steps[k].line)
        if b_line in changed_set:
            runs = [i for i in buggy.line_steps(b_line) if i <= last]
            if runs:
                return runs[-1]
    for i in reversed(dynamic_slice(buggy, last)):
        if buggy.steps[i].line in changed_set:
            return i
    for i in range(last, -1, -1):
        if buggy.steps[i].line in changed_set:
            return i
    return None


def _root_line_without_step(buggy: TraceView, fixed: TraceView, k: int, mapping: dict[int, int],
                            changed: tuple[int, ...]) -> int:
    if k < len(fixed.steps):
        back = {v: key for key, v in mapping.items()}
        line = back.get(fixed.steps[k].line)
        if line in set(changed):
            return line
    if changed:
        return changed[0]
    return buggy.steps[min(k, len(buggy.steps) - 1)].line if buggy.steps else 1


def _effect(view: TraceView, s: VStep, opts: Options, also: tuple[str, ...] = ()) -> str:
    """What a step did, in words with checkable values: "sets `x` to `3`"."""
    if s.event == "branch":
        stmt = view.syntax.stmt(s.line)
        cond = quote_code(stmt.condition) if stmt is not None and stmt.condition else "its condition"
        return f"finds {cond} to be `{bool(s.outcome)}`"
    if s.event in ("return", "comprehension", "yield"):
        verb = {"return": "returns", "comprehension": "builds", "yield": "yields"}[s.event]
        quoted = quote_value(s.value, opts)
        return f"{verb} {quoted if quoted else describe_value(s.value or {})}"
    if s.event in ("raise", "except"):
        verb = "raises" if s.event == "raise" else "catches"
        return f"{verb} `{(s.exception or {}).get('type', 'Exception')}`"
    parts = []
    for name, value in s.changes.items():
        quoted = quote_value(value, opts)
        parts.append(f"`{name}` to {quoted if quoted else describe_value(value)}")
    kept = []
    for name in also:
        if name in s.changes:
            continue
        value = view.value_at(s.frame, name, s.index + 1)
        if value is not None:
            quoted = quote_value(value, opts)
            kept.append(f"`{name}` at {quoted if quoted else describe_value(value)}")
    text = "sets " + join_and(parts) if parts else ""
    if kept:
        text += (" and " if text else "") + "keeps " + join_and(kept)
    if s.deleted:
        text += (" and " if text else "") + "deletes " + join_and([f"`{n}`" for n in s.deleted])
    return text or "changes nothing"


def _line_text(source: str, line: int) -> str:
    lines = source.splitlines()
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def _outcome(view: TraceView, opts: Options) -> str:
    if view.exception is not None and view.return_value is None:
        return f"raises `{view.exception.get('type', 'Exception')}`"
    quoted = quote_value(view.return_value, opts)
    return f"returns {quoted if quoted else describe_value(view.return_value or {})}"


def render_debug(buggy: Any, fixed: Any, *, seed: int = 0, opts: Options | None = None) -> str:
    """The debugging narrative for two traces of the same call (buggy first)."""
    bv = buggy if isinstance(buggy, TraceView) else TraceView(buggy)
    fv = fixed if isinstance(fixed, TraceView) else TraceView(fixed)
    if bv.call.split("(", 1)[1:] != fv.call.split("(", 1)[1:]:
        raise NarrateError(f"the two traces are of different calls ({bv.call!r} and {fv.call!r}); "
                           "trace the buggy and the fixed code on the same input")
    opts = opts or Options()
    phrases = Phrases(seed)
    div = find_divergence(bv, fv)
    call = code_span(bv.call) or "the call"
    out = ["### Simulating the Buggy Code", f"Let's run {call} through the buggy code step by step.", ""]
    upto = min(div.step + 1, len(bv.steps))
    out.extend(simulation_lines(bv, phrases, opts, upto=upto))
    rest = len(bv.steps) - upto
    if rest > 0:
        out += ["", f"(The buggy run goes on for {rest} more steps and {_outcome(bv, opts)}.)"]
    out += ["", "### Where It Goes Wrong", _divergence_text(bv, fv, div, opts), "",
            "### Root Cause", _root_text(bv, fv, div, opts), "",
            "### Fix", _fix_text(bv, fv, div, opts), "", "[Refined]", "```python",
            fv.source.rstrip("\n"), "```", "[/Refined]"]
    return "\n".join(out) + "\n"


def _divergence_text(bv: TraceView, fv: TraceView, div: Divergence, opts: Options) -> str:
    k = div.step
    if div.kind == "end":
        longer, name = (bv, "buggy") if len(bv.steps) > len(fv.steps) else (fv, "correct")
        if k < len(longer.steps):
            s = longer.steps[k]
            return (f"Both runs agree for {k} steps. Then the {name} run continues at line {s.line} "
                    f"({quote_code(_line_text(longer.source, s.line))}) while the other has finished: the buggy "
                    f"call {_outcome(bv, opts)}, but the correct one {_outcome(fv, opts)}.")
        return (f"Both runs take the same {k} steps, but the buggy call {_outcome(bv, opts)} while the "
                f"correct one {_outcome(fv, opts)}.")
    b, f = bv.steps[k], fv.steps[k]
    head = f"The runs agree for {k} steps; step {k + 1} is the first that differs."
    if div.kind == "flow":
        return (f"{head} The buggy code goes to [L{b.line}] ({quote_code(_line_text(bv.source, b.line))}), "
                f"while the correct code goes to line {f.line} of the fixed version "
                f"({quote_code(_line_text(fv.source, f.line))}).")
    if div.kind == "branch":
        stmt = bv.syntax.stmt(b.line)
        cond = quote_code(stmt.condition) if stmt is not None and stmt.condition else "the condition"
        return (f"{head} At [L{b.line}] the buggy code finds {cond} to be `{bool(b.outcome)}`, while in the "
                f"correct run the condition is `{bool(f.outcome)}`.")
    names = tuple(dict.fromkeys([*b.changes, *f.changes]))
    return (f"{head} At [L{b.line}] the buggy code {_effect(bv, b, opts, names)}, while the correct code "
            f"{_effect(fv, f, opts, names)} at this point.")


def _root_text(bv: TraceView, fv: TraceView, div: Divergence, opts: Options) -> str:
    mapping, _ = line_map(bv.source, fv.source)
    line = div.root_line
    bad = _line_text(bv.source, line)
    good_line = mapping.get(line)
    text = f"The root cause is [L{line}] {quote_code(bad)}."
    if good_line is not None and _line_text(fv.source, good_line) != bad:
        text += f" The correct code has {quote_code(_line_text(fv.source, good_line))} here."
    elif good_line is None:
        text += " The fix rewrites this part of the code."
    r = div.root_step
    if r is not None and r < len(fv.steps) and r <= div.step:
        b, f = bv.steps[r], fv.steps[r]
        names = tuple(dict.fromkeys([*b.changes, *f.changes]))
        eb, ef = _effect(bv, b, opts, names), _effect(fv, f, opts, names)
        if eb != ef and mapping.get(b.line) == f.line:
            text += f" When it runs (step {r + 1}), the buggy line {eb}, where the correct line {ef}."
        elif r < div.step:
            text += (f" It last runs at step {r + 1}; its effect shows at step {div.step + 1}, "
                     "where the two runs part ways.")
    elif r is not None:
        text += f" It runs at step {r + 1} of the buggy run."
    else:
        text += " The buggy run never reaches a changed line, so the difference comes from what is missing."
    return text


def _fix_text(bv: TraceView, fv: TraceView, div: Divergence, opts: Options) -> str:
    changed = len(div.changed_lines)
    where = join_and([f"line {n}" for n in div.changed_lines[:5]]) + (" and more" if changed > 5 else "")
    return (f"Changing {where} as below repairs the function: with the fix {code_span(fv.call) or 'the call'} "
            f"{_outcome(fv, opts)}, where the buggy code {_outcome(bv, opts)}.")


def debug_from_sources(buggy_source: str, fixed_source: str, call: str, *, seed: int = 0,
                       opts: Options | None = None, **limits: int) -> str:
    """Trace ``call`` on both sources with :func:`pytrace_sem.trace_call` and narrate the bug."""
    from pytrace_sem import trace_call

    return render_debug(trace_call(buggy_source, call, **limits), trace_call(fixed_source, call, **limits),
                        seed=seed, opts=opts)
