"""The two opening sections: what the function does, and the facts that hold for this call.

"Understanding the Function" comes from the docstring or a given description;
without one it is read off the code's structure (what is created, looped over,
checked, returned). "Key Properties and Constraints" lists facts about this
call that the trace proves (argument types and sizes, how often each loop and
condition ran); none is a guess. Neither section states a value claim the
checker would read: they speak of line numbers as "line 3", never ``[L3]``.

    understanding(view, None)   # "The function `f` takes one argument, `nums`. It ..."
"""

from __future__ import annotations

import ast
from collections import Counter

from pytrace_sem.narrate._common import code_span, describe_value, join_and, type_phrase
from pytrace_sem.narrate._view import TraceView

__all__ = ["understanding", "key_properties"]

_MAX_PHRASES = 7


def _q(text: str) -> str:
    if len(text) > 60:
        text = text[:57].rstrip() + "..."
    return code_span(text) or "an expression"


def understanding(view: TraceView, description: str | None) -> str:
    """One paragraph on what the called function does."""
    if description:
        return " ".join(description.split())
    fn = view.syntax.function(view.function)
    if fn is not None:
        doc = ast.get_docstring(fn)
        if doc:
            para = doc.strip().split("\n\n")[0]
            para = " ".join(line.strip() for line in para.splitlines() if not line.strip().startswith(">>>"))
            if para:
                return f"The function `{fn.name}` is documented as: {para}"
    return _structural(view, fn)


def _signature(view: TraceView, fn: ast.FunctionDef | ast.AsyncFunctionDef | None) -> str:
    name = view.function.rsplit(".", 1)[-1]
    if fn is not None:
        params = [a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs]
        if fn.args.vararg is not None:
            params.append("*" + fn.args.vararg.arg)
        if fn.args.kwarg is not None:
            params.append("**" + fn.args.kwarg.arg)
    else:
        params = list(view.args)
    if not params:
        return f"The function `{name}` takes no arguments."
    quoted = [f"`{p}`" for p in params]
    if len(params) == 1:
        return f"The function `{name}` takes one argument, {quoted[0]}."
    return f"The function `{name}` takes {len(params)} arguments: {join_and(quoted)}."


def _structural(view: TraceView, fn: ast.FunctionDef | ast.AsyncFunctionDef | None) -> str:
    head = _signature(view, fn)
    if fn is None:
        return head
    body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                                        and isinstance(s.value.value, str))]
    phrases = [p for p in (_phrase(view, s, deep=True) for s in body) if p]
    if not phrases:
        return head
    if len(phrases) > _MAX_PHRASES:
        phrases = phrases[: _MAX_PHRASES - 1] + ["does a few more steps", phrases[-1]]
    if len(phrases) == 1:
        text = f"It {phrases[0]}."
    else:
        text = "It first " + ", then ".join(phrases[:-1]) + ", and finally " + phrases[-1] + "."
    return f"{head} {text}"


def _phrase(view: TraceView, node: ast.stmt, deep: bool) -> str:
    seg = view.syntax.segment
    if isinstance(node, ast.Assign):
        targets = " = ".join(seg(t) for t in node.targets)
        value = node.value
        if isinstance(value, (ast.List, ast.Dict, ast.Set, ast.Tuple)) and not getattr(
                value, "elts", getattr(value, "keys", [1])):
            kind = {ast.List: "list", ast.Dict: "dict", ast.Set: "set", ast.Tuple: "tuple"}[type(value)]
            return f"creates an empty {kind} {_q(targets)}"
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and not value.args \
                and value.func.id in ("list", "dict", "set", "str"):
            return f"creates an empty {value.func.id} {_q(targets)}"
        if isinstance(value, ast.Constant):
            return f"starts {_q(targets)} at {_q(seg(value))}"
        return f"computes {_q(targets)} from {_q(seg(value))}"
    if isinstance(node, ast.AugAssign):
        return f"updates {_q(seg(node.target))} with {_q(seg(node))}"
    if isinstance(node, ast.AnnAssign):
        return f"computes {_q(seg(node.target))}"
    if isinstance(node, (ast.For, ast.AsyncFor)):
        text = f"loops over {_q(seg(node.iter))}, naming each item {_q(seg(node.target))}"
        inner = _inner(view, node.body) if deep else ""
        return f"{text}{inner}"
    if isinstance(node, ast.While):
        inner = _inner(view, node.body) if deep else ""
        return f"repeats a block while {_q(seg(node.test))} holds{inner}"
    if isinstance(node, ast.If):
        inner = _inner(view, node.body, "if so, it") if deep else ""
        other = " (with an alternative branch)" if node.orelse else ""
        return f"checks whether {_q(seg(node.test))}{other}{inner}"
    if isinstance(node, ast.Return):
        if node.value is None:
            return "returns None"
        return f"returns {_q(seg(node.value))}"
    if isinstance(node, ast.Expr):
        return f"calls {_q(seg(node.value))}"
    if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
        kinds = [seg(h.type) for h in node.handlers if h.type is not None]  # type: ignore[attr-defined]
        caught = f" that handles {join_and([_q(k) for k in kinds])}" if kinds else ""
        return f"runs a `try` block{caught}"
    if isinstance(node, (ast.With, ast.AsyncWith)):
        return f"enters {_q(', '.join(seg(i) for i in node.items))}"
    if isinstance(node, ast.Match):
        return f"matches {_q(seg(node.subject))} against {len(node.cases)} cases"
    if isinstance(node, ast.Raise):
        return f"raises {_q(seg(node.exc))}" if node.exc is not None else "re-raises the current exception"
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return f"defines a helper `{node.name}`"
    if isinstance(node, ast.Assert):
        return f"asserts {_q(seg(node.test))}"
    if isinstance(node, ast.Delete):
        return f"deletes {join_and([_q(seg(t)) for t in node.targets])}"
    if isinstance(node, (ast.Break, ast.Continue, ast.Pass, ast.Global, ast.Nonlocal)):
        return ""
    return f"runs {_q(seg(node))}"


def _inner(view: TraceView, body: list[ast.stmt], lead: str = "and in each pass it") -> str:
    phrases = [p for p in (_phrase(view, s, deep=False) for s in body) if p]
    if not phrases:
        return ""
    if len(phrases) > 3:
        phrases = phrases[:2] + ["more"]
    return f" ({lead} {join_and(phrases)})"


def key_properties(view: TraceView) -> list[str]:
    """Bullet points, each a fact the trace proves about this call."""
    out: list[str] = []
    for name, value in view.args.items():
        out.append(f"- The argument `{name}` is {describe_value(value)}.")
    out.extend(_loop_facts(view))
    out.extend(_branch_facts(view))
    out.extend(_mutation_facts(view))
    if view.exception is not None and view.return_value is None:
        out.append(f"- The call ends with an exception of type `{view.exception.get('type', 'Exception')}`.")
    elif view.return_value is not None:
        out.append(f"- The result is {type_phrase(view.return_value)}.")
    calls = _called_methods(view)
    if calls:
        out.append(f"- The code relies on {join_and(calls)}.")
    return out


def _loop_facts(view: TraceView) -> list[str]:
    totals: Counter[int] = Counter()
    kinds: dict[int, str] = {}
    for inst in view.loops:
        totals[inst.line] += inst.count
        kinds[inst.line] = inst.kind
    out = []
    for line in sorted(totals):
        n = totals[line]
        if kinds[line] == "while":
            out.append(f"- The `while` loop at line {line} checks its condition {n} "
                       f"{'time' if n == 1 else 'times'} in this call.")
        else:
            out.append(f"- The `for` loop at line {line} runs {n} {'iteration' if n == 1 else 'iterations'} "
                       "in this call.")
    return out


def _branch_facts(view: TraceView) -> list[str]:
    counts: dict[int, Counter[bool]] = {}
    for s in view.steps:
        stmt = view.syntax.stmt(s.line)
        if s.event == "branch" and stmt is not None and stmt.kind in ("if", "elif", "case"):
            counts.setdefault(s.line, Counter())[bool(s.outcome)] += 1
    out = []
    for line in sorted(counts):
        c = counts[line]
        kind = view.syntax.stmt(line).kind  # type: ignore[union-attr]
        label = {"if": "`if`", "elif": "`elif`", "case": "`case`"}[kind]
        total = c[True] + c[False]
        out.append(f"- The {label} at line {line} is tested {total} {'time' if total == 1 else 'times'}: "
                   f"true {c[True]}, false {c[False]}.")
    return out


def _mutation_facts(view: TraceView) -> list[str]:
    out = []
    first = view.steps[0] if view.steps else None
    for name in view.args:
        changed = any(name in s.changes or name in s.deleted for s in view.steps
                      if first is not None and s.frame == first.frame and s.index > 0)
        if changed:
            out.append(f"- The argument `{name}` is reassigned or modified during the call.")
        else:
            out.append(f"- The argument `{name}` keeps its initial value throughout.")
    return out


def _called_methods(view: TraceView) -> list[str]:
    fn = view.syntax.function(view.function)
    if fn is None:
        return []
    methods: dict[str, None] = {}
    builtins_: dict[str, None] = {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                methods.setdefault(f"`.{node.func.attr}()`", None)
            elif isinstance(node.func, ast.Name):
                builtins_.setdefault(f"`{node.func.id}()`", None)
    parts = []
    if methods:
        parts.append("the methods " + join_and(list(methods)[:6]))
    if builtins_:
        parts.append("the functions " + join_and(list(builtins_)[:6]))
    return parts
