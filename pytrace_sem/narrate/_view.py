"""A read-only view of one trace, shared by every renderer and by the checker.

The renderers and the checker must agree exactly on what "the state at this
point", "iteration 3 of the loop at line 4" or "the 2nd run of line 7" mean;
both ask this module, so they cannot drift apart.

    view = TraceView(trace)              # a Trace or its JSON dict
    view.value_at(frame=0, name="total", point=5)   # value after steps[:5]
"""

from __future__ import annotations

import ast
import bisect
import keyword
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from pytrace_sem.narrate._errors import NarrateError

__all__ = ["TraceView", "VStep", "Frame", "LoopInstance", "Syntax", "DELETED", "is_name"]

Value = Mapping[str, Any]

# Python counts lines at \n, \r\n and \r only.
_LINES = re.compile(r"\r\n|\r|\n")

HEADER_EVENTS = {"for": "iteration", "while": "branch"}


class _Deleted:
    """Marks a variable removed by ``del`` in a value history."""

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "DELETED"


DELETED: Any = _Deleted()


def is_name(text: str) -> bool:
    """True for a plain variable name (not a keyword such as ``None``)."""
    return text.isidentifier() and not keyword.iskeyword(text)


@dataclass(frozen=True, slots=True)
class VStep:
    """One step of the trace, with the id of the frame it ran in."""

    index: int
    line: int
    depth: int
    function: str
    event: str
    changes: Mapping[str, Value]
    deleted: tuple[str, ...]
    outcome: bool | None
    value: Value | None
    exception: Mapping[str, str] | None
    frame: int


@dataclass(slots=True)
class Frame:
    """One activation of a traced function: where it starts and ends in the steps."""

    ident: int
    function: str
    depth: int
    start: int
    parent: int | None
    end: int = -1  # index of its last step


@dataclass(frozen=True, slots=True)
class LoopInstance:
    """One execution of a loop statement in one frame: its iteration header steps.

    Iteration ``k`` (1-based) spans steps ``[headers[k-1], headers[k])``; the
    last one ends at ``end``. For a ``while`` loop every evaluation of the
    condition is a header, the final False one included.
    """

    ident: int
    line: int
    kind: str
    frame: int
    start: int
    end: int
    headers: tuple[int, ...]
    broke: bool

    @property
    def count(self) -> int:
        return len(self.headers)

    def bounds(self, k: int) -> tuple[int, int]:
        """Step-index range ``[start, end)`` of iteration ``k`` (1-based)."""
        start = self.headers[k - 1]
        end = self.headers[k] if k < len(self.headers) else self.end
        return start, end


@dataclass(frozen=True, slots=True)
class _Stmt:
    node: ast.AST
    kind: str  # "for", "while", "if", "elif", "case", "return", "simple", "try", "with", "def", "except", ...
    header: str  # the code to quote for this line
    condition: str | None
    end_line: int
    enclosing: tuple[int, ...]  # header lines of the compound statements around it, innermost last
    uses: frozenset[str]


class Syntax:
    """What the source's syntax says about each line (loops, conditions, names read)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines = _LINES.split(source)
        self.by_line: dict[int, _Stmt] = {}
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.break_lines: set[int] = set()
        self.try_bodies: dict[int, tuple[int, int]] = {}
        try:
            with warnings.catch_warnings():  # the user's invalid escapes are not our warnings
                warnings.simplefilter("ignore")
                tree = ast.parse(source)
        except SyntaxError:
            self.tree: ast.Module | None = None
            return
        self.tree = tree
        self._collect_functions(tree, "")
        self._walk(tree.body, ())

    # -- functions -----------------------------------------------------------------

    def _collect_functions(self, node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                qual = f"{prefix}{child.name}"
                self.functions.setdefault(qual, child)
                self.functions.setdefault(child.name, child)
                self._collect_functions(child, f"{qual}.<locals>.")
            elif isinstance(child, ast.ClassDef):
                self._collect_functions(child, f"{prefix}{child.name}.")
            else:
                self._collect_functions(child, prefix)

    def function(self, qualname: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        return self.functions.get(qualname) or self.functions.get(qualname.rsplit(".", 1)[-1])

    # -- statements ----------------------------------------------------------------

    def segment(self, node: ast.AST) -> str:
        text = ast.get_source_segment(self.source, node) or ""
        return " ".join(text.split())

    def _add(self, line: int, stmt: _Stmt) -> None:
        self.by_line.setdefault(line, stmt)

    def _walk(self, body: Sequence[ast.stmt], enclosing: tuple[int, ...]) -> None:
        for node in body:
            self._statement(node, enclosing)

    def _statement(self, node: ast.stmt, enclosing: tuple[int, ...]) -> None:
        line = node.lineno
        end = getattr(node, "end_lineno", line) or line
        seg = self.segment
        if isinstance(node, (ast.For, ast.AsyncFor)):
            header = f"for {seg(node.target)} in {seg(node.iter)}"
            self._add(line, _Stmt(node, "for", header, None, end, enclosing, _names(node.iter)))
            inner = enclosing + (line,)
            self._walk(node.body, inner)
            self._walk(node.orelse, inner)
        elif isinstance(node, ast.While):
            cond = seg(node.test)
            self._add(line, _Stmt(node, "while", f"while {cond}", cond, end, enclosing, _names(node.test)))
            inner = enclosing + (line,)
            self._walk(node.body, inner)
            self._walk(node.orelse, inner)
        elif isinstance(node, ast.If):
            self._if(node, enclosing, "if")
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            items = ", ".join(seg(i) for i in node.items)
            uses = frozenset().union(*(_names(i.context_expr) for i in node.items))
            self._add(line, _Stmt(node, "with", f"with {items}", None, end, enclosing, uses))
            self._walk(node.body, enclosing)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            self._add(line, _Stmt(node, "try", "try", None, end, enclosing, frozenset()))
            self._walk(node.body, enclosing)
            body_lines = (node.body[0].lineno, node.body[-1].end_lineno or node.body[-1].lineno)  # type: ignore[attr-defined]
            for handler in node.handlers:  # type: ignore[attr-defined]
                self.try_bodies[handler.lineno] = body_lines
                what = f"except {seg(handler.type)}" if handler.type is not None else "except"
                self._add(handler.lineno, _Stmt(handler, "except", what, None,
                                                handler.end_lineno or handler.lineno, enclosing, frozenset()))
                self._walk(handler.body, enclosing + (handler.lineno,))
            self._walk(node.orelse, enclosing)  # type: ignore[attr-defined]
            self._walk(node.finalbody, enclosing)  # type: ignore[attr-defined]
        elif isinstance(node, ast.Match):
            subject = seg(node.subject)
            self._add(line, _Stmt(node, "match", f"match {subject}", None, end, enclosing, _names(node.subject)))
            for case in node.cases:
                pattern = seg(case.pattern)
                cond = f"case {pattern}" + (f" if {seg(case.guard)}" if case.guard is not None else "")
                cline = case.pattern.lineno
                uses = _names(node.subject) | (_names(case.guard) if case.guard is not None else frozenset())
                self._add(cline, _Stmt(case, "case", cond, cond, case.body[-1].end_lineno or cline,
                                       enclosing, uses))
                self._walk(case.body, enclosing + (cline,))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = ", ".join(a.arg for a in node.args.posonlyargs + node.args.args)
            self._add(line, _Stmt(node, "def", f"def {node.name}({args})", None, end, enclosing, frozenset()))
            for deco in node.decorator_list:
                self._add(deco.lineno, _Stmt(node, "def", f"def {node.name}({args})", None, end,
                                             enclosing, frozenset()))
            self._walk(node.body, ())
        elif isinstance(node, ast.ClassDef):
            self._add(line, _Stmt(node, "class", f"class {node.name}", None, end, enclosing, frozenset()))
            self._walk(node.body, ())
        else:
            kind = "return" if isinstance(node, ast.Return) else "simple"
            if isinstance(node, ast.Break):
                self.break_lines.add(line)
            uses = _names(node)
            if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                uses = uses | {node.target.id}
            self._add(line, _Stmt(node, kind, seg(node), None, end, enclosing, uses))

    def _if(self, node: ast.If, enclosing: tuple[int, ...], kind: str) -> None:
        line = node.lineno
        cond = self.segment(node.test)
        text = f"{kind} {cond}"
        end = node.end_lineno or line
        self._add(line, _Stmt(node, kind, text, cond, end, enclosing, _names(node.test)))
        inner = enclosing + (line,)
        self._walk(node.body, inner)
        orelse = node.orelse
        if len(orelse) == 1 and isinstance(orelse[0], ast.If) and self._is_elif(orelse[0]):
            self._if(orelse[0], inner, "elif")
        else:
            self._walk(orelse, inner)

    def _is_elif(self, node: ast.If) -> bool:
        text = self.lines[node.lineno - 1][node.col_offset:] if node.lineno - 1 < len(self.lines) else ""
        return text.startswith("elif")

    # -- queries -------------------------------------------------------------------

    def stmt(self, line: int) -> _Stmt | None:
        return self.by_line.get(line)

    def code(self, line: int, limit: int = 80) -> str:
        """The code of the statement at ``line``, on one line, cut at ``limit`` characters."""
        stmt = self.by_line.get(line)
        text = stmt.header if stmt is not None else (
            self.lines[line - 1].strip() if 0 < line <= len(self.lines) else "")
        text = text.rstrip(":").strip()
        if len(text) > limit:
            text = text[: limit - 3].rstrip() + "..."
        return text

    def try_body(self, handler_line: int) -> tuple[int, int] | None:
        """First and last line of the ``try`` body an ``except`` at ``handler_line`` guards."""
        return self.try_bodies.get(handler_line)

    def loop_kind(self, line: int) -> str | None:
        stmt = self.by_line.get(line)
        return stmt.kind if stmt is not None and stmt.kind in ("for", "while") else None

    def loop_range(self, line: int) -> tuple[int, int]:
        stmt = self.by_line[line]
        return line, stmt.end_line


def _names(node: ast.AST) -> frozenset[str]:
    """Names a piece of code reads, leaving out the variables its comprehensions and lambdas bind."""
    bound: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.comprehension):
            for t in ast.walk(sub.target):
                if isinstance(t, ast.Name):
                    bound.add(t.id)
        elif isinstance(sub, ast.Lambda):
            for a in sub.args.posonlyargs + sub.args.args + sub.args.kwonlyargs:
                bound.add(a.arg)
    found = {
        sub.id for sub in ast.walk(node)
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and sub.id not in bound
    }
    return frozenset(found)


@dataclass
class _History:
    indices: list[int] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)


_COMP_SCOPES = (".<listcomp>", ".<setcomp>", ".<dictcomp>")


class TraceView:
    """Frames, loop iterations, value histories and line runs of one trace."""

    def __init__(self, trace: Any) -> None:
        data = trace.to_json() if hasattr(trace, "to_json") else trace
        if not isinstance(data, Mapping):
            raise NarrateError(f"expected a Trace or its JSON dict, got {type(trace).__name__}")
        version = data.get("schema_version")
        if version != 1:
            raise NarrateError(
                f"this renderer reads trace schema version 1, got {version!r}; re-record the trace "
                "with a matching pytrace_sem")
        try:
            self.source: str = data["source"]
            self.function: str = data["function"]
            self.call: str = data["call"]
            self.args: Mapping[str, Value] = dict(data["args"])
            # A comprehension's own iterations (steps in its scope, one level
            # deeper) are summarised by the "comprehension" step that reports the
            # value it produced, as SemCoder's monologues do.
            raw_steps = [st for st in data["steps"] if not str(st.get("function", "")).endswith(_COMP_SCOPES)]
            self.return_value: Value | None = data.get("return")
            self.exception: Mapping[str, str] | None = data.get("exception")
            self.truncated: bool = bool(data.get("truncated", False))
            self.stopped: Mapping[str, Any] | None = data.get("stopped")
        except (KeyError, TypeError) as exc:
            raise NarrateError(f"not a valid trace: missing or malformed {exc}") from None
        self.syntax = Syntax(self.source)
        self.frames: dict[int, Frame] = {}
        self.steps: list[VStep] = self._build_steps(raw_steps)
        self._history: dict[tuple[int, str], _History] = {}
        self._line_steps: dict[int, list[int]] = {}
        for s in self.steps:
            self._line_steps.setdefault(s.line, []).append(s.index)
            for name, value in s.changes.items():
                h = self._history.setdefault((s.frame, name), _History())
                h.indices.append(s.index)
                h.values.append(value)
            for name in s.deleted:
                h = self._history.setdefault((s.frame, name), _History())
                h.indices.append(s.index)
                h.values.append(DELETED)
        self._callees: dict[int, list[Frame]] = {}
        for fr in self.frames.values():
            if fr.parent is not None:
                self._callees.setdefault(fr.parent, []).append(fr)
        self.loops: list[LoopInstance] = self._find_loops()
        self._headers: dict[int, tuple[LoopInstance, int]] = {
            h: (inst, k) for inst in self.loops for k, h in enumerate(inst.headers, 1)}
        self._loop_children: dict[int | None, list[LoopInstance]] = {}
        self._nest_loops()

    # -- construction --------------------------------------------------------------

    def _build_steps(self, raw: list[Mapping[str, Any]]) -> list[VStep]:
        steps: list[VStep] = []
        stack: list[int] = []  # frame ids, index = depth
        for i, s in enumerate(raw):
            depth = int(s.get("depth", 0))
            event = s.get("event", "line")
            if event == "call" or depth >= len(stack):
                del stack[depth:]
                while len(stack) < depth:  # a trace that starts deep: invent the missing frames
                    stack.append(self._new_frame(s.get("function", "?"), len(stack), i, stack))
                stack.append(self._new_frame(s.get("function", "?"), depth, i, stack))
            else:
                del stack[depth + 1:]
                if self.frames[stack[depth]].function != s.get("function", self.frames[stack[depth]].function):
                    # A resumed generator or a frame we did not see start.
                    stack[depth] = self._new_frame(s.get("function", "?"), depth, i, stack[:depth])
            frame = stack[depth]
            self.frames[frame].end = i
            exc = s.get("exception")
            steps.append(VStep(
                index=i, line=int(s["line"]), depth=depth, function=s.get("function", ""), event=event,
                changes=dict(s.get("changes") or {}), deleted=tuple(s.get("deleted") or ()),
                outcome=s.get("outcome"), value=s.get("value"),
                exception=dict(exc) if exc is not None else None, frame=frame,
            ))
        return steps

    def _new_frame(self, function: str, depth: int, start: int, stack: Sequence[int]) -> int:
        ident = len(self.frames)
        parent = stack[depth - 1] if depth > 0 and len(stack) >= depth else None
        self.frames[ident] = Frame(ident, function, depth, start, parent, start)
        return ident

    def _find_loops(self) -> list[LoopInstance]:
        syn = self.syntax
        found: list[LoopInstance] = []
        # per frame: active instances, innermost last: [line, kind, start, headers, broke]
        active: dict[int, list[list[Any]]] = {}

        def close(frame: int, upto: int, keep: int = 0) -> None:
            stack = active.get(frame, [])
            while len(stack) > keep:
                line, kind, start, headers, broke = stack.pop()
                found.append(LoopInstance(0, line, kind, frame, start, upto, tuple(headers), broke))

        for s in self.steps:
            stack = active.setdefault(s.frame, [])
            # Leave the loops this line is not part of.
            keep = len(stack)
            for pos, entry in enumerate(stack):
                lo, hi = syn.loop_range(entry[0])
                if not lo <= s.line <= hi:
                    keep = pos
                    break
            close(s.frame, s.index, keep)
            kind = syn.loop_kind(s.line)
            if kind is not None and s.event == HEADER_EVENTS[kind]:
                if stack and stack[-1][0] == s.line:
                    stack[-1][3].append(s.index)
                else:
                    stack.append([s.line, kind, s.index, [s.index], False])
            if s.line in syn.break_lines:
                innermost = None
                for entry in stack:
                    lo, hi = syn.loop_range(entry[0])
                    if lo <= s.line <= hi:
                        innermost = entry
                if innermost is not None:
                    innermost[4] = True
            if s.event in ("return", "raise") and s.depth == self.frames[s.frame].depth:
                close(s.frame, s.index + 1)
        for frame in list(active):
            close(frame, self.frames[frame].end + 1)
        found.sort(key=lambda inst: (inst.start, -inst.end))
        return [LoopInstance(i, l.line, l.kind, l.frame, l.start, l.end, l.headers, l.broke)
                for i, l in enumerate(found)]

    def _nest_loops(self) -> None:
        stack: list[LoopInstance] = []
        for inst in self.loops:  # sorted by start, outer first on ties
            while stack and not (stack[-1].start <= inst.start and inst.end <= stack[-1].end):
                stack.pop()
            parent = stack[-1].ident if stack else None
            self._loop_children.setdefault(parent, []).append(inst)
            stack.append(inst)

    # -- queries -------------------------------------------------------------------

    def children(self, loop: LoopInstance | None) -> list[LoopInstance]:
        return self._loop_children.get(loop.ident if loop is not None else None, [])

    def value_at(self, frame: int, name: str, point: int) -> Any:
        """The value of ``name`` in ``frame`` after ``steps[:point]`` ran; None if it has none."""
        h = self._history.get((frame, name))
        if h is None:
            return None
        k = bisect.bisect_left(h.indices, point)
        if k == 0:
            return None
        value = h.values[k - 1]
        return None if value is DELETED else value

    def last_change(self, frame: int, name: str, before: int) -> int | None:
        """Index of the last step before ``before`` that changed (or deleted) ``name`` in ``frame``."""
        h = self._history.get((frame, name))
        if h is None:
            return None
        k = bisect.bisect_left(h.indices, before)
        return h.indices[k - 1] if k > 0 else None

    def callees(self, frame: int) -> list[Frame]:
        """Frames called directly from ``frame``, in call order."""
        return self._callees.get(frame, [])

    def frame_at(self, point: int) -> int:
        """The frame that ran the last step before ``point`` (the called function's frame at 0)."""
        if not self.steps:
            return 0
        return self.steps[max(0, min(point, len(self.steps)) - 1)].frame

    def lookup(self, name: str, point: int, frame: int | None = None) -> Any:
        """``name``'s value at ``point`` in ``frame`` (default: the current one) or its callers."""
        if point <= 0 and frame in (None, 0):
            return self.args.get(name)
        f: int | None = self.frame_at(point) if frame is None else frame
        while f is not None:
            value = self.value_at(f, name, point)
            if value is not None:
                return value
            f = self.frames[f].parent
        return None

    def changed_names(self, frame: int, start: int, end: int) -> list[str]:
        """Names of ``frame`` that change in ``steps[start:end]``, in order of first change."""
        seen: dict[str, None] = {}
        for s in self.steps[start:end]:
            if s.frame == frame:
                for name in s.changes:
                    seen.setdefault(name, None)
        return list(seen)

    def line_steps(self, line: int) -> list[int]:
        return self._line_steps.get(line, [])

    def run_number(self, index: int) -> tuple[int, int]:
        """(k, m): step ``index`` is the k-th of the m steps recorded at its line."""
        runs = self._line_steps[self.steps[index].line]
        return bisect.bisect_left(runs, index) + 1, len(runs)

    def iteration_of(self, index: int) -> tuple[LoopInstance, int] | None:
        """(loop instance, k) when step ``index`` starts iteration k of that instance."""
        return self._headers.get(index)

    def line_run(self, anchor: int, reverse: bool = False) -> list[int]:
        """The steps of the anchor's frame at the anchor's line, next to the anchor.

        Calls made from that line (deeper frames) are passed over, so ``y = g(x)``
        anchored at its own step still sees the steps around it.
        """
        a = self.steps[anchor]
        out = [anchor]
        rng = range(anchor - 1, -1, -1) if reverse else range(anchor + 1, len(self.steps))
        for i in rng:
            s = self.steps[i]
            if s.frame == a.frame:
                if s.line != a.line:
                    break
                out.append(i)
            elif s.depth <= a.depth:
                break
        return out

    def resolve_loop(self, line: int, first: int, last: int, point: int, reverse: bool) -> LoopInstance | None:
        """The loop instance a "skip iterations first..last of the loop at line" refers to.

        Reading forward (``point`` = the first step not yet covered) it is the
        instance whose iteration ``first`` starts nearest at or after ``point``;
        reading backward (``point`` = the earliest step covered so far) the one
        whose iteration ``last`` ends nearest at or before ``point``.
        """
        best: LoopInstance | None = None
        best_key = None
        for inst in self.loops:
            if inst.line != line or not 1 <= first <= last <= inst.count:
                continue
            if reverse:
                end = inst.bounds(last)[1]
                if end <= point and (best_key is None or end > best_key):
                    best, best_key = inst, end
            else:
                start = inst.bounds(first)[0]
                if start >= point and (best_key is None or start < best_key):
                    best, best_key = inst, start
        return best

    @property
    def final_step(self) -> int:
        """Index of the step that ends the called function (its return or raise), else the last step."""
        for s in reversed(self.steps):
            if s.depth == 0 and s.event in ("return", "raise"):
                return s.index
        return len(self.steps) - 1

    @property
    def params(self) -> list[str]:
        return list(self.args)
