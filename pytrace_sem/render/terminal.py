"""The terminal view of a Trace: the source as written, each step's changes beside its line.

    print(trace)                        # plain text
    trace.show()                        # the same, in colour on a terminal
    pytrace-sem trace examples/sample.py --call "f([1, 2, 3], '-')" --format text

One row per step: the file's line number, the source line with its real
indentation (calls made from the traced function indented one level more per
depth), and what the step did: ``total = 0`` for a first binding, ``total: 3 -> 6``
for a new value, ``self.balance: 10 -> 15`` for an object attribute, ``-> True``
for a branch, ``return 6``. Loops are folded to their first and last ``keep``
rounds with a count of what was left out (``fold=False`` shows every step).
``watch`` adds columns computed from the recorded values (``len(out)``,
``self.balance``); where the values cannot be rebuilt from the trace, a ``?``.

Colour comes from rich: on when the output is a terminal, off when it is piped
or ``NO_COLOR`` is set, or as ``color=True/False`` says.
"""

from __future__ import annotations

import ast
import builtins
import io
import os
import sys
import types
from dataclasses import dataclass, field
from typing import IO, Any, Iterable, Mapping, Sequence

from rich.console import Console
from rich.text import Text

from pytrace_sem.trace import Step, Trace

__all__ = ["render", "show", "to_text"]

#: Characters of a value shown before it is cut with "…".
VALUE_WIDTH = 60
#: The column where a step's changes start (longer code lines push them right).
CODE_WIDTH = 48
#: Rounds kept at each end of a folded loop.
KEEP = 2

_STYLE = {
    "lineno": "dim",
    "code": "",
    "name": "bold cyan",
    "value": "cyan",
    "old": "dim cyan",
    "branch": "magenta",
    "return": "bold green",
    "raise": "bold red",
    "fold": "dim italic",
    "watch": "yellow",
    "head": "bold",
}


def to_text(trace: Trace, **options: Any) -> str:
    """The view as plain text, no colour (what ``str(trace)`` returns)."""
    return _export(render(trace, **options), color=False)


def show(trace: Trace, *, file: IO[str] | None = None, color: bool | None = None, **options: Any) -> None:
    """Print the view to ``file`` (stdout): coloured when it is a terminal, unless ``color`` says.

    ``NO_COLOR`` in the environment turns colour and every other text style
    off; ``options`` are :func:`render`'s.
    """
    stream = file if file is not None else sys.stdout
    if color is None:
        color = Console(file=stream).is_terminal and not os.environ.get("NO_COLOR")
    stream.write(_export(render(trace, **options), color=color))


def _export(lines: Iterable[Text], *, color: bool) -> str:
    if not color:
        return "".join(line.plain.rstrip() + "\n" for line in lines)
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="standard", highlight=False, soft_wrap=True,
                      emoji=False, markup=False, width=10_000)
    for line in lines:
        console.print(line)
    return buffer.getvalue()


def render(trace: Trace, *, first_line: int = 1, fold: bool = True, keep: int = KEEP,
           watch: Sequence[str] = (), value_width: int = VALUE_WIDTH, ending: str | None = None) -> list[Text]:
    """The view as rich ``Text`` lines.

    ``first_line`` is the file line of the trace's line 1 (a trace of a live
    function counts lines from its ``def``); ``keep`` is how many rounds of a
    loop stay at each end when ``fold`` is on; ``ending`` replaces the last
    line (the call's outcome), e.g. for a call that never finished.
    """
    if keep < 1:
        raise ValueError("keep must be at least 1")
    watchers = [_Watch(expr) for expr in watch]
    source_lines = trace.lines
    width = len(str(max([first_line + len(source_lines) - 1, 1])))
    column = min(CODE_WIDTH, max([2 * s.depth + len(source_lines[s.line - 1].rstrip())
                                  for s in trace.steps if 0 < s.line <= len(source_lines)] or [0]))
    folds = _folds(trace, keep) if fold else {}
    frames = _Frames()
    out = [Text(trace.call, style=_STYLE["head"])]
    i = 0
    steps = trace.steps
    while i < len(steps):
        region = folds.get(i)
        if region is not None:
            end, line, rounds = region
            for step in steps[i:end]:
                frames.apply(step)
            depth = steps[i].depth
            out.append(Text(" " * (width + 3) + "  " * depth + f"⋮ {rounds} more rounds of the loop at line "
                            f"{line + first_line - 1} (steps {i}-{end - 1})", style=_STYLE["fold"]))
            i = end
            continue
        step = steps[i]
        before = frames.vars_before(step)
        frames.apply(step)
        out.append(_row(step, before, frames.current(step), source_lines, first_line, width, column, watchers,
                        value_width))
        i += 1
    if trace.stopped is not None:
        out.append(Text(f"... recording stopped ({trace.stopped.reason}) after {trace.stopped.after_step} steps",
                        style=_STYLE["fold"]))
    if ending is not None:
        out.append(Text(ending, style=_STYLE["fold"]))
    elif trace.exception is not None:
        out.append(Text(f"raised {trace.exception.type}: {trace.exception.message}", style=_STYLE["raise"]))
    elif trace.return_value is not None:
        out.append(Text(f"returned {trace.return_value['repr']}", style=_STYLE["return"]))
    return out


# -- one row ---------------------------------------------------------------------------------


def _row(step: Step, before: Mapping[str, Mapping[str, Any]], now: Mapping[str, Mapping[str, Any]],
         source_lines: Sequence[str], first_line: int, width: int, column: int, watchers: Sequence["_Watch"],
         value_width: int) -> Text:
    code = source_lines[step.line - 1].rstrip() if 0 < step.line <= len(source_lines) else ""
    row = Text()
    row.append(f"{step.line + first_line - 1:>{width}} ", style=_STYLE["lineno"])
    row.append("│ ", style=_STYLE["lineno"])
    row.append("  " * step.depth)
    row.append(code, style=_STYLE["code"])
    detail = _detail(step, before, value_width)
    if detail or watchers:
        row.append(" " * max(2, column + 2 - 2 * step.depth - len(code)))
    for n, part in enumerate(detail):
        if n:
            row.append(", ")
        row.append_text(part)
    if watchers:
        shown = ", ".join(f"{w.expr} = {w.value(now, value_width)}" for w in watchers)
        row.append(("  " if detail else "") + f"[{shown}]", style=_STYLE["watch"])
    return row


def _detail(step: Step, before: Mapping[str, Mapping[str, Any]], value_width: int) -> list[Text]:
    parts: list[Text] = []
    if step.event == "call":
        parts.append(Text("call ", style=_STYLE["branch"]))
    for name, value in step.changes.items():
        parts.extend(_change(name, before.get(name), value, value_width))
    if step.event == "call" and len(parts) > 1:
        parts = [parts[0] + parts[1], *parts[2:]]
    elif step.event == "call":
        parts = [Text("call", style=_STYLE["branch"])]
    for name in step.deleted:
        parts.append(Text(f"del {name}", style=_STYLE["name"]))
    if step.outcome is not None:
        parts.append(Text(f"-> {step.outcome}", style=_STYLE["branch"]))
    if step.value is not None:
        label = {"comprehension": "=", "resume": "resumed with"}.get(step.event, step.event)
        style = _STYLE["return"] if step.event == "return" else _STYLE["value"]
        parts.append(Text(f"{label} {_cut(step.value['repr'], value_width)}", style=style))
    if step.exception is not None:
        verb = "caught" if step.event == "except" else "raises"
        parts.append(Text(f"{verb} {step.exception.type}: {_cut(step.exception.message, value_width)}",
                          style=_STYLE["raise"]))
    return parts


def _change(name: str, old: Mapping[str, Any] | None, new: Mapping[str, Any], value_width: int) -> list[Text]:
    """``name = v``, ``name: a -> b``, or one entry per changed attribute of an object."""
    if old is not None and "attrs" in new and old.get("type") == new.get("type") and (
            "attrs" in old or old.get("repr") == new.get("repr")):
        changed = _attr_changes(name, old.get("attrs", {}), new["attrs"], value_width)
        if changed:
            return changed
    return [_binding(name, old, new, value_width)]


def _attr_changes(prefix: str, old: Mapping[str, Any], new: Mapping[str, Any], value_width: int) -> list[Text]:
    parts: list[Text] = []
    for attr, value in new.items():
        before = old.get(attr)
        if before is not None and _same(before, value):
            continue
        if before is not None and "attrs" in value and before.get("type") == value.get("type") and (
                "attrs" in before or before.get("repr") == value.get("repr")):
            parts.extend(_attr_changes(f"{prefix}.{attr}", before.get("attrs", {}), value["attrs"], value_width))
        else:
            parts.append(_binding(f"{prefix}.{attr}", before, value, value_width))
    for attr in old:
        if attr not in new:
            parts.append(Text(f"del {prefix}.{attr}", style=_STYLE["name"]))
    return parts


def _binding(name: str, old: Mapping[str, Any] | None, new: Mapping[str, Any], value_width: int) -> Text:
    text = Text(name, style=_STYLE["name"])
    if old is None:
        text.append(" = ")
    else:
        text.append(": ")
        text.append(_cut(old["repr"], value_width), style=_STYLE["old"])
        text.append(" -> ")
    text.append(_cut(new["repr"], value_width), style=_STYLE["value"])
    if old is None and new.get("attrs"):
        attrs = ", ".join(f"{k}={v['repr']}" for k, v in new["attrs"].items())
        text.append(f" ({_cut(attrs, value_width)})", style=_STYLE["old"])
    return text


def _same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return a.get("type") == b.get("type") and a.get("repr") == b.get("repr") and a.get("attrs") == b.get("attrs")


def _cut(text: str, width: int) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= width else text[: width - 1] + "…"


# -- frames: each call's variables, step by step ---------------------------------------------


@dataclass
class _Frames:
    """The variables of every live call, kept up to date one step at a time."""

    stack: list[dict[str, Mapping[str, Any]]] = field(default_factory=list)

    def _frame(self, step: Step) -> dict[str, Mapping[str, Any]]:
        if step.event == "call":
            del self.stack[step.depth:]
        while len(self.stack) < step.depth:
            self.stack.append({})
        if step.event == "call":
            self.stack.append({})
        while len(self.stack) <= step.depth:
            self.stack.append({})
        del self.stack[step.depth + 1:]
        return self.stack[step.depth]

    def vars_before(self, step: Step) -> Mapping[str, Mapping[str, Any]]:
        if step.event == "call" or step.depth >= len(self.stack):
            return {}
        return dict(self.stack[step.depth])

    def apply(self, step: Step) -> None:
        frame = self._frame(step)
        frame.update(step.changes)
        for name in step.deleted:
            frame.pop(name, None)

    def current(self, step: Step) -> Mapping[str, Mapping[str, Any]]:
        return self.stack[step.depth] if step.depth < len(self.stack) else {}


# -- loop folding ------------------------------------------------------------------------------


def _loop_spans(source: str) -> dict[int, int]:
    """Header line -> last line of every ``for``/``while`` loop in ``source``."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return {}
    return {node.lineno: node.end_lineno or node.lineno for node in ast.walk(tree)
            if isinstance(node, (ast.For, ast.AsyncFor, ast.While))}


def _folds(trace: Trace, keep: int) -> dict[int, tuple[int, int, int]]:
    """Step index where a fold starts -> (index after it, loop header line, rounds left out).

    A round of a loop starts at its ``iteration`` step (``for``) or at its
    ``branch`` step that went ``True`` (``while``). A run of a loop is its rounds
    in one call, ended by a step of that call outside the loop's lines; a run of
    ``2 * keep + 2`` rounds or more loses the middle ones.
    """
    spans = _loop_spans(trace.source)
    lines = trace.lines
    runs: list[list[int]] = []
    open_runs: dict[tuple[int, int], list[int]] = {}   # (call serial, header line) -> round starts
    calls: list[int] = []                               # call serial per depth
    serial = 0
    for step in trace.steps:
        if step.event == "call":
            serial += 1
            del calls[step.depth:]
            calls.append(serial)
        while len(calls) <= step.depth:
            serial += 1
            calls.append(serial)
        del calls[step.depth + 1:]
        call = calls[step.depth]
        for key in [k for k in open_runs if k[0] == call]:
            header = key[1]
            if not header <= step.line <= spans.get(header, header):
                runs.append(open_runs.pop(key))
        if _starts_round(step, lines):
            open_runs.setdefault((call, step.line), []).append(step.index)
    runs.extend(open_runs.values())
    folds: dict[int, tuple[int, int, int]] = {}
    for starts in runs:
        if len(starts) >= 2 * keep + 2:  # one round folded away would save nothing
            first, after = starts[keep], starts[len(starts) - keep]
            folds[first] = (after, trace.steps[first].line, len(starts) - 2 * keep)
    return folds


def _starts_round(step: Step, lines: Sequence[str]) -> bool:
    if step.event == "iteration":
        return True
    if step.event == "branch" and step.outcome and 0 < step.line <= len(lines):
        return lines[step.line - 1].lstrip().startswith("while")
    return False


# -- watch expressions -------------------------------------------------------------------------

_WATCH_BUILTINS = {name: getattr(builtins, name)
                   for name in ("len", "sum", "min", "max", "abs", "sorted", "any", "all", "round", "str", "int",
                                "float", "bool", "list", "tuple", "set", "dict", "repr", "reversed", "enumerate",
                                "zip", "range")}


class _Watch:
    """An expression over a frame's variables, rebuilt as Python values from their reprs."""

    def __init__(self, expr: str) -> None:
        self.expr = expr
        try:
            self.code = compile(expr, "<watch>", "eval")
        except SyntaxError as exc:
            raise ValueError(f"--watch {expr!r} is not a Python expression: {exc.msg}") from None

    def value(self, variables: Mapping[str, Mapping[str, Any]], width: int) -> str:
        names = {}
        for name in self.code.co_names:
            if name in variables:
                rebuilt = _rebuild(variables[name])
                if rebuilt is _UNKNOWN:
                    return "?"
                names[name] = rebuilt
        try:
            result = eval(self.code, {"__builtins__": _WATCH_BUILTINS}, names)  # noqa: S307 - the user's own expression
        except Exception:  # noqa: BLE001 - a name not bound yet, a wrong type: not computable here
            return "?"
        return _cut(repr(result), width)


_UNKNOWN = object()


def _rebuild(value: Mapping[str, Any]) -> Any:
    """The Python value a recorded value stands for, or ``_UNKNOWN`` when the trace cannot say."""
    if value.get("truncated"):
        return _UNKNOWN
    if "attrs" in value:
        attrs = {k: _rebuild(v) for k, v in value["attrs"].items()}
        if any(v is _UNKNOWN for v in attrs.values()):
            return _UNKNOWN
        return types.SimpleNamespace(**attrs)
    try:
        return ast.literal_eval(value["repr"])
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _UNKNOWN
