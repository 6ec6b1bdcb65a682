"""The backward monologue (input prediction), grounded in a dynamic backward slice.

The slice holds the steps the returned value actually depends on: starting at
the final ``return``, each step pulls in the last earlier step that set each
name it reads (data), the condition or loop header it ran under (control), and
the calls whose results it used. The Reverse Deduction walks that slice from
the output back to the arguments; every step names its line and which run of
that line it is (``[L4] (run 3 of 6)``), so the checker can find it exactly.
The constraints listed for the input are facts proved by this run (types,
conditions on unchanged arguments, loop counts over them), so each one holds
for the real input.

    text = render_backward(trace)
    idx = dynamic_slice(TraceView(trace))      # step indices, ascending
"""

from __future__ import annotations

import ast
from typing import Any

from pytrace_sem.narrate._common import (
    answer_block, code_span, describe_value, join_and, numbered, quote_code, quote_value, skip_text,
    type_phrase,
)
from pytrace_sem.narrate._describe import understanding
from pytrace_sem.narrate._plan import Options, StepItem, loop_targets, plan
from pytrace_sem.narrate._templates import Phrases
from pytrace_sem.narrate._view import TraceView

__all__ = ["dynamic_slice", "step_dependencies", "input_constraints", "render_backward"]

_SIZED = ("list", "tuple", "str", "dict", "set", "frozenset", "bytes", "range")
_TYPES = ("int", "float", "str", "bool", "list", "tuple", "dict", "set", "frozenset", "bytes", "complex")


def step_dependencies(view: TraceView, i: int) -> list[int]:
    """The steps step ``i`` depends on directly (data, control and callee results)."""
    s = view.steps[i]
    syn = view.syntax
    stmt = syn.stmt(s.line)
    deps: list[int] = []
    if s.event == "call":
        frame = view.frames[s.frame]
        if frame.parent is not None:
            site = next((j for j in range(i + 1, len(view.steps)) if view.steps[j].frame == frame.parent), None)
            if site is not None:
                site_stmt = syn.stmt(view.steps[site].line)
                for name in sorted(site_stmt.uses if site_stmt is not None else ()):
                    d = view.last_change(frame.parent, name, i)
                    if d is not None:
                        deps.append(d)
        return deps
    for name in sorted(stmt.uses if stmt is not None else ()):
        d = view.last_change(s.frame, name, i)
        if d is not None:
            deps.append(d)
    prev = next((j for j in range(i - 1, -1, -1) if view.steps[j].frame == s.frame), -1)
    for callee in view.callees(s.frame):
        if prev < callee.start < i:
            deps.append(callee.end)
    if stmt is not None:
        for header in stmt.enclosing:
            for j in range(i - 1, -1, -1):
                t = view.steps[j]
                if t.frame == s.frame and t.line == header and t.event in ("branch", "iteration", "except"):
                    deps.append(j)
                    break
    return deps


def dynamic_slice(view: TraceView, start: int | None = None) -> list[int]:
    """Steps the value at step ``start`` (default: the call's final return) depends on, ascending."""
    if not view.steps:
        return []
    first = view.final_step if start is None else start
    seen = {first}
    work = [first]
    while work:
        i = work.pop()
        for d in step_dependencies(view, i):
            if d not in seen:
                seen.add(d)
                work.append(d)
    return sorted(seen)


def _function_locals(view: TraceView) -> set[str]:
    fn = view.syntax.function(view.function)
    if fn is None:
        return set()
    names = {a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
    return names


def _unchanged(view: TraceView, name: str, upto: int) -> bool:
    frame = view.steps[0].frame if view.steps else 0
    return view.last_change(frame, name, upto) in (None, 0)


def input_constraints(view: TraceView) -> list[tuple[str, str]]:
    """(Python expression over the arguments, why it must hold) pairs; each is True for this input."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(expr: str, why: str) -> None:
        if expr not in seen:
            seen.add(expr)
            out.append((expr, why))

    for name, value in view.args.items():
        t = value.get("type")
        if t == "NoneType":
            add(f"{name} is None", f"`{name}` is None")
        elif t in _TYPES:
            # A parameter may shadow the type's name (``def f(list): ...``).
            expr = f"type({name}).__name__ == {t!r}" if t in view.args else f"isinstance({name}, {t})"
            add(expr, f"`{name}` is {type_phrase(value)}")
    if not view.steps:
        return out
    params = set(view.args)
    local = _function_locals(view)
    top = view.steps[0].frame
    for i in dynamic_slice(view):
        s = view.steps[i]
        if s.event != "branch" or s.frame != top:
            continue
        stmt = view.syntax.stmt(s.line)
        if stmt is None or not stmt.condition or stmt.kind == "case" or not stmt.uses:
            continue
        if not all((u in params and _unchanged(view, u, i)) or u not in local for u in stmt.uses):
            continue
        if not stmt.uses & params:
            continue
        test = getattr(stmt.node, "test", None)
        boolean = isinstance(test, ast.Compare) or (isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not))
        if s.outcome:
            expr = stmt.condition if boolean else f"bool({stmt.condition})"
        else:
            expr = f"not ({stmt.condition})"
        add(expr, f"the condition at line {s.line} must be {bool(s.outcome)}")
    for inst in view.loops:
        if inst.frame != top or inst.kind != "for":
            continue
        stmt = view.syntax.stmt(inst.line)
        it = getattr(stmt.node, "iter", None) if stmt is not None else None
        if not isinstance(it, ast.Name) or it.id not in params:
            continue
        name = it.id
        if view.args[name].get("type") not in _SIZED or not _unchanged(view, name, inst.end):
            continue
        normal = (not inst.broke and inst.end < len(view.steps)
                  and view.steps[inst.end].frame == inst.frame
                  and view.steps[inst.end - 1].event not in ("return", "raise"))
        if normal:
            add(f"len({name}) == {inst.count}", f"the loop at line {inst.line} runs {inst.count} times over it")
        else:
            add(f"len({name}) >= {inst.count}", f"the loop at line {inst.line} gets through {inst.count} items")
    return out


def _run(view: TraceView, i: int) -> str:
    k, m = view.run_number(i)
    return f"run {k} of {m}"


def _step_text(view: TraceView, i: int, phrases: Phrases, opts: Options) -> str:
    s = view.steps[i]
    line = s.line
    run = _run(view, i)
    code = quote_code(view.syntax.code(line))
    stmt = view.syntax.stmt(line)
    if s.event == "return":
        quoted = quote_value(s.value, opts)
        value = quoted if quoted is not None else (describe_value(s.value) if s.value else "None")
        names = [f"`{u}`" for u in sorted(stmt.uses if stmt is not None else ())
                 if view.value_at(s.frame, u, i) is not None]
        uses = phrases.say("b_uses", names=join_and(names)) if names else ""
        return phrases.say("b_return", line=line, run=run, value=value, uses=uses)
    if s.event == "call":
        parts = []
        for name, value in s.changes.items():
            quoted = quote_value(value, opts)
            parts.append(phrases.say("b_binding", name=name, value=quoted if quoted else describe_value(value)))
        if not parts:
            return phrases.say("b_plain", line=line, run=run, code=code)
        return phrases.say("b_call", line=line, run=run, bindings=join_and(parts))
    if s.event == "branch":
        cond = quote_code(stmt.condition) if stmt is not None and stmt.condition else code
        return phrases.say("b_branch", line=line, run=run, cond=cond, outcome=bool(s.outcome))
    if s.event == "iteration":
        found = view.iteration_of(i)
        k = found[1] if found is not None else 1
        parts = []
        for name, value in s.changes.items():
            quoted = quote_value(value, opts)
            if quoted is not None:
                parts.append((name, quoted))
        if parts:
            first = phrases.say("b_iteration", line=line, run=run, k=k, name=parts[0][0], value=parts[0][1])
            more = [f"`{n}` to {v}" for n, v in parts[1:]]
            return first.rstrip(".") + (", and " + join_and(more) if more else "") + "."
        kept = []
        for name in loop_targets(view, line):
            quoted = quote_value(view.value_at(s.frame, name, i + 1), opts)
            if quoted is not None:
                kept.append(f"`{name}` remains {quoted}")
        detail = join_and(kept) if kept else "the loop variable keeps its value"
        return f"[L{line}] ({run}) In iteration {k} {detail}."
    if s.event == "comprehension":
        quoted = quote_value(s.value, opts)
        if quoted is None:
            return phrases.say("b_plain", line=line, run=run, code=code)
        return phrases.say("b_comprehension", line=line, run=run, value=quoted)
    if s.event in ("except", "raise"):
        from pytrace_sem.narrate._common import message_suffix

        etype = (s.exception or {}).get("type", "Exception")
        key = "b_except" if s.event == "except" else "b_raise"
        return phrases.say(key, line=line, run=run, etype=etype, message=message_suffix(s.exception))
    changed = list(s.changes.items())
    if not changed:
        return phrases.say("b_plain", line=line, run=run, code=code)
    name, value = changed[0]
    before = _before(view, i, name, phrases, opts)
    if view.value_at(s.frame, name, i) is None:  # a first assignment: nothing is "updated"
        text = phrases.say("b_def_new", line=line, run=run, code=code, name=name, value=_value_words(value, opts))
    else:
        text = phrases.say("b_def", line=line, run=run, code=code, name=name, value=_value_words(value, opts),
                           before=before)
    extra = [f"`{n}` to {_value_words(v, opts)}" for n, v in changed[1:]]
    if extra:
        text = text.rstrip(".") + "; it also sets " + join_and(extra) + "."
    return text


def _value_words(value: Any, opts: Options) -> str:
    quoted = quote_value(value, opts)
    return quoted if quoted is not None else describe_value(value)


def _before(view: TraceView, i: int, name: str, phrases: Phrases, opts: Options) -> str:
    s = view.steps[i]
    old = view.value_at(s.frame, name, i)
    if old is None:
        return ""
    quoted = quote_value(old, opts)
    if quoted is None:
        return ""
    return phrases.say("b_before", name=name, value=quoted)


def render_backward(trace: Any, *, seed: int = 0, opts: Options | None = None) -> str:
    """The backward monologue of ``trace`` (a Trace or its JSON dict)."""
    view = trace if isinstance(trace, TraceView) else TraceView(trace)
    opts = opts or Options()
    phrases = Phrases(seed)
    constraints = input_constraints(view)
    props = [f"- {code_span(expr) or expr}: {why}." for expr, why in constraints]
    rv = view.return_value
    if view.exception is not None and rv is None:
        props.append(f"- The call must end by raising `{view.exception.get('type', 'Exception')}`.")
        output_words = f"an exception `{view.exception.get('type', 'Exception')}`"
    else:
        if rv is not None:
            props.append(f"- The output is {type_phrase(rv)}.")
        output_words = _value_words(rv, opts) if rv is not None else "`None`"
    items = plan(view, dynamic_slice(view), opts, reverse=True)
    texts = []
    for item in reversed(items):
        if isinstance(item, StepItem):
            texts.append(_step_text(view, item.index, phrases, opts))
        else:
            texts.append(skip_text(view, item, phrases, opts))
    call = code_span(view.call) or "the call"
    if view.exception is not None and rv is None:
        conclusion = phrases.say("b_conclusion_raise", call=call, etype=view.exception.get("type", "Exception"))
    else:
        conclusion = phrases.say("b_conclusion", call=call, value=_value_words(rv, opts) if rv else "`None`")
    out = ["[MONOLOGUE]", "### Understanding the Function", understanding(view, opts.description), "",
           "### Key Properties and Constraints", "For this output, the input must satisfy:", *props, "",
           "### Reverse Deduction", phrases.say("b_intro", output=output_words), "",
           *numbered(texts), "", "### Conclusion", conclusion, "", "[/MONOLOGUE]", *answer_block(view)]
    return "\n".join(out) + "\n"
