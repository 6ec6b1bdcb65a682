"""Pieces every narrative shares: quoting values, one step in words, skips, answers.

    text = step_text(view, 3, phrases, opts)   # "[L4] `count += 1`: `count` becomes `1`."
"""

from __future__ import annotations

import ast
from typing import Any, Mapping

from pytrace_sem.narrate._plan import CapSkip, Item, LoopSkip, Options, StepItem, loop_targets
from pytrace_sem.narrate._templates import Phrases
from pytrace_sem.narrate._view import TraceView

__all__ = [
    "code_span", "quote_value", "describe_value", "step_text", "skip_text", "answer_block",
    "message_suffix", "join_and", "numbered", "type_phrase", "quote_code", "item_texts",
]

Value = Mapping[str, Any]

_ARTICLE = {"int": "an int", "float": "a float", "str": "a string", "bool": "a bool", "list": "a list",
            "tuple": "a tuple", "dict": "a dict", "set": "a set", "frozenset": "a frozenset",
            "NoneType": "None", "bytes": "a bytes object", "complex": "a complex number",
            "range": "a range"}


def code_span(text: str) -> str | None:
    """``text`` as inline code: `x`, or `` x `` when it holds a backtick; None if it cannot be quoted."""
    if "\n" in text:
        return None
    if "`" not in text:
        return f"`{text}`"
    if "``" not in text:
        return f"`` {text} ``"
    return None


def type_phrase(value: Value) -> str:
    t = value.get("type", "object")
    return _ARTICLE.get(t, f"a `{t}` object" if t.isidentifier() else "an object")


def describe_value(value: Value) -> str:
    """Words for a value too long to quote: "a list of 300 items"."""
    t = value.get("type", "object")
    n = value.get("len")
    if n is None and t in ("str", "bytes"):
        n = _literal_len(value.get("repr", ""))
    base = type_phrase(value)
    if n is None:
        return base
    unit = "character" if t == "str" else ("byte" if t == "bytes" else "item")
    if t == "dict":
        unit = "entry" if n == 1 else "entries"
    elif n != 1:
        unit += "s"
    return f"{base} of {n} {unit}"


def _literal_len(text: str) -> int | None:
    try:
        return len(ast.literal_eval(text))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def quote_value(value: Value | None, opts: Options) -> str | None:
    """The value as checkable inline code, or None if it is cut, too long or unquotable."""
    if value is None or value.get("truncated") or _has_truncated(value):
        return None
    text = value.get("repr", "")
    if len(text) > opts.max_value_chars:
        return None
    return code_span(text)


def _has_truncated(value: Value, depth: int = 0) -> bool:
    if depth > 50:
        return True
    if value.get("truncated"):
        return True
    for item in value.get("items", ()) or ():
        if _has_truncated(item, depth + 1):
            return True
    for pair in value.get("entries", ()) or ():
        for part in pair:
            if _has_truncated(part, depth + 1):
                return True
    return False


def join_and(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def message_suffix(exc: Mapping[str, str] | None) -> str:
    """`` (the message)`` for an exception, backticks removed so it reads as prose."""
    if not exc:
        return ""
    msg = " ".join(str(exc.get("message", "")).replace("`", "'").split())
    if not msg:
        return ""
    if len(msg) > 80:
        msg = msg[:77] + "..."
    return f" ({msg})"


def _changes(view: TraceView, step_index: int, phrases: Phrases, opts: Options) -> list[str]:
    s = view.steps[step_index]
    parts = []
    for name, value in s.changes.items():
        quoted = quote_value(value, opts)
        if quoted is None:
            parts.append(phrases.say("change_opaque", name=name, what=describe_value(value)))
        else:
            parts.append(phrases.say("change", name=name, value=quoted))
    for name in s.deleted:
        parts.append(phrases.say("deleted", name=name))
    return parts


def _bindings(view: TraceView, step_index: int, phrases: Phrases, opts: Options, key: str = "binding") -> str:
    s = view.steps[step_index]
    parts = []
    for name, value in s.changes.items():
        quoted = quote_value(value, opts)
        parts.append(phrases.say(key, name=name, value=quoted if quoted is not None else describe_value(value)))
    return join_and(parts)


def quote_code(text: str) -> str:
    """Code as inline code; code that cannot be quoted becomes plain words."""
    return code_span(text) or "this statement"


def step_text(view: TraceView, i: int, phrases: Phrases, opts: Options) -> str:
    """One forward step in words, starting with ``[L<n>]``."""
    s = view.steps[i]
    line = s.line
    code = quote_code(view.syntax.code(line))
    if s.event == "call":
        if not s.changes:
            return phrases.say("call_none", line=line, fn=s.function)
        if s.depth == 0:
            return phrases.say("call", line=line, fn=s.function, bindings=_bindings(view, i, phrases, opts))
        return phrases.say("call_nested", line=line, fn=s.function, depth=s.depth,
                           bindings=_bindings(view, i, phrases, opts))
    if s.event == "branch":
        stmt = view.syntax.stmt(line)
        kind = stmt.kind if stmt is not None else "if"
        cond = quote_code(stmt.condition) if stmt is not None and stmt.condition else code
        family = {"while": "while", "case": "case"}.get(kind, "if")
        then = phrases.pick(f"then_{family}_{'true' if s.outcome else 'false'}")
        text = phrases.say("branch", line=line, cond=cond, outcome=bool(s.outcome), then=then)
        return _with_changes(view, i, text, phrases, opts)
    if s.event == "iteration":
        parts = _changes(view, i, phrases, opts)
        if not parts:
            for name in loop_targets(view, line):
                value = view.value_at(s.frame, name, i + 1)
                quoted = quote_value(value, opts) if value is not None else None
                if quoted is not None:
                    parts.append(phrases.say("remains", name=name, value=quoted))
        k = _iteration_number(view, i)
        changes = join_and(parts) if parts else "the loop variable keeps its value"
        return phrases.say("iteration", line=line, k=k, changes=changes)
    if s.event == "return":
        quoted = quote_value(s.value, opts)
        if quoted is None:
            what = describe_value(s.value) if s.value is not None else "None"
            return phrases.say("return_opaque", line=line, what=what)
        if s.depth == 0:
            return phrases.say("return", line=line, value=quoted, code=code)
        return phrases.say("return_nested", line=line, value=quoted, fn=s.function)
    if s.event == "raise":
        etype = (s.exception or {}).get("type", "Exception")
        return phrases.say("raise", line=line, code=code, etype=etype, message=message_suffix(s.exception))
    if s.event == "except":
        etype = (s.exception or {}).get("type", "Exception")
        text = phrases.say("except", line=line, etype=etype, message=message_suffix(s.exception))
        return _with_changes(view, i, text, phrases, opts)
    if s.event == "comprehension":
        quoted = quote_value(s.value, opts)
        if quoted is None:
            what = describe_value(s.value) if s.value is not None else "a value"
            return phrases.say("comprehension_opaque", line=line, what=what)
        return phrases.say("comprehension", line=line, value=quoted)
    if s.event == "yield":
        quoted = quote_value(s.value, opts)
        if quoted is None:
            return phrases.say("nothing", line=line, code=code)
        return phrases.say("yield", line=line, value=quoted)
    if s.event == "resume":
        return _with_changes(view, i, phrases.say("resume", line=line), phrases, opts)
    parts = _changes(view, i, phrases, opts)
    if not parts:
        return phrases.say("nothing", line=line, code=code)
    return phrases.say("assign", line=line, code=code, changes=join_and(parts))


def _with_changes(view: TraceView, i: int, text: str, phrases: Phrases, opts: Options) -> str:
    """Append the changes of an event that usually has none (a walrus in a condition)."""
    parts = _changes(view, i, phrases, opts)
    if not parts:
        return text
    return text.rstrip(".") + "; " + join_and(parts) + "."


def _iteration_number(view: TraceView, i: int) -> int:
    found = view.iteration_of(i)
    return found[1] if found is not None else 1


def _state_list(view: TraceView, frame: int, names: list[str], point: int, opts: Options) -> list[str]:
    parts = []
    for name in names:
        value = view.value_at(frame, name, point)
        quoted = quote_value(value, opts) if value is not None else None
        if quoted is not None:
            parts.append(f"`{name}` is {quoted}")
    return parts


def skip_text(view: TraceView, item: LoopSkip | CapSkip, phrases: Phrases, opts: Options) -> str:
    """The sentence for a skip: which steps, how many, the state before and after."""
    if isinstance(item, LoopSkip):
        frame_before = frame_after = item.loop.frame
        names = view.changed_names(item.loop.frame, item.start, item.end)
    else:
        frame_before = view.frame_at(item.start)
        frame_after = view.frame_at(item.end)
        names = view.changed_names(frame_after, item.start, item.end)
    before = _state_list(view, frame_before, names if frame_before == frame_after
                         else view.changed_names(frame_before, item.start, item.end), item.start, opts)
    after = _state_list(view, frame_after, names, item.end, opts)
    states = []
    if before:
        states.append("before them " + join_and(before))
    if after:
        states.append("after them " + join_and(after))
    state_text = ", ".join(states) if states else "no variable we follow changes in them"
    if isinstance(item, LoopSkip):
        return phrases.say("skip_loop", first=item.first, last=item.last, line=item.loop.line,
                           count=item.last - item.first + 1, states=state_text)
    return phrases.say("skip_steps", first=item.start + 1, last=item.end, count=item.end - item.start,
                       states=state_text)


def answer_block(view: TraceView, call: str | None = None) -> list[str]:
    """``[ANSWER] assert f(...) == <output> [/ANSWER]`` (or the exception the call raises)."""
    call = call or view.call
    if view.exception is not None and view.return_value is None:
        body = f"{call}  # raises {view.exception.get('type', 'Exception')}"
    else:
        rv = view.return_value
        body = f"assert {call} == {rv.get('repr', 'None') if rv is not None else 'None'}"
    return ["[ANSWER]", body, "[/ANSWER]"]


def numbered(lines: list[str]) -> list[str]:
    return [f"{k}. {text}" for k, text in enumerate(lines, 1)]


def item_texts(view: TraceView, items: list[Item], phrases: Phrases, opts: Options,
               notes: bool = True) -> list[str]:
    """Forward text for planned items, with a note where a loop finishes."""
    ends: dict[int, Any] = {}
    if notes:
        for inst in view.loops:
            if inst.end < len(view.steps) and view.steps[inst.end].frame == inst.frame:
                ends.setdefault(inst.end, inst)
    out = []
    for item in items:
        if isinstance(item, StepItem):
            text = step_text(view, item.index, phrases, opts)
            inst = ends.get(item.index)
            if inst is not None:
                if inst.broke:
                    note = phrases.say("loop_break", line=inst.line, n=inst.count)
                else:
                    unit = "condition checks" if inst.kind == "while" else "iterations"
                    if inst.count == 1:
                        unit = "condition check" if inst.kind == "while" else "iteration"
                    note = phrases.say("loop_done", line=inst.line, n=inst.count, unit=unit)
                text = f"{note} {text}"
            out.append(text)
        else:
            out.append(skip_text(view, item, phrases, opts))
    return out
