"""Fast tests of the renderers: sections, wording, loops, skips, seeds, caps, plain formats, errors."""

from __future__ import annotations

import ast
import re

import pytest

import pytrace_sem
from pytrace_sem.narrate import NarrateError, Options, check_against_trace, narrate
from pytrace_sem.narrate._templates import TEMPLATES, Phrases
from pytrace_sem.narrate._view import TraceView
from pytrace_sem.narrate.backward import dynamic_slice, input_constraints


def _v(r: str, t: str = "int", **kw: object) -> dict:
    return {"type": t, "repr": r, **kw}


# A trace written by hand from the format spec (docs/trace-format.md), not recorded.
HAND_SOURCE = "def f(xs):\n    total = 0\n    for x in xs:\n        if x > 1:\n            total += x\n    return total\n"
HAND = {
    "schema_version": 1, "source": HAND_SOURCE, "function": "f", "call": "f([1, 2])",
    "args": {"xs": _v("[1, 2]", "list", len=2, items=[_v("1"), _v("2")])},
    "steps": [
        {"index": 0, "line": 1, "depth": 0, "function": "f", "event": "call",
         "changes": {"xs": _v("[1, 2]", "list", len=2, items=[_v("1"), _v("2")])}},
        {"index": 1, "line": 2, "depth": 0, "function": "f", "event": "line", "changes": {"total": _v("0")}},
        {"index": 2, "line": 3, "depth": 0, "function": "f", "event": "iteration", "changes": {"x": _v("1")}},
        {"index": 3, "line": 4, "depth": 0, "function": "f", "event": "branch", "changes": {}, "outcome": False},
        {"index": 4, "line": 3, "depth": 0, "function": "f", "event": "iteration", "changes": {"x": _v("2")}},
        {"index": 5, "line": 4, "depth": 0, "function": "f", "event": "branch", "changes": {}, "outcome": True},
        {"index": 6, "line": 5, "depth": 0, "function": "f", "event": "line", "changes": {"total": _v("2")}},
        {"index": 7, "line": 6, "depth": 0, "function": "f", "event": "return", "changes": {}, "value": _v("2")},
    ],
    "return": _v("2"), "exception": None, "truncated": False, "stopped": None, "untraced": [],
}


def _simulation(text: str) -> list[str]:
    body = text.split("### Execution Simulation", 1)[1].split("### Conclusion", 1)[0]
    return [line for line in body.splitlines() if re.match(r"\d+\. ", line)]


def test_forward_from_a_hand_written_trace_has_semcoder_sections() -> None:
    text = narrate(HAND, "forward")
    heads = [line for line in text.splitlines() if line.startswith("### ")]
    assert heads == ["### Understanding the Function", "### Key Properties and Constraints",
                     "### Execution Simulation", "### Conclusion"]
    assert text.startswith("[MONOLOGUE]\n")
    assert text.rstrip().endswith("[/MONOLOGUE]\n[ANSWER]\nassert f([1, 2]) == 2\n[/ANSWER]")
    steps = _simulation(text)
    assert len(steps) == len(HAND["steps"])
    assert all(re.match(r"\d+\. (\(.*\) )?\[L\d+\] ", s) for s in steps)
    assert "`total`" in steps[1] and "`0`" in steps[1]
    assert "`x > 1`" in steps[3] and "`False`" in steps[3]
    assert "`True`" in steps[5]
    report = check_against_trace(HAND, text)
    assert report.claims_wrong == 0 and report.answer_correct is True and report.claims_checked >= 15


def test_hand_written_trace_matches_the_recorded_one() -> None:
    # The spec and the tracer agree on this function; if they drift, adapt the renderers.
    recorded = pytrace_sem.trace_call(HAND_SOURCE, "f([1, 2])").to_json()
    simplify = [(s["line"], s["event"], {k: v["repr"] for k, v in s["changes"].items()}) for s in recorded["steps"]]
    expected = [(s["line"], s["event"], {k: v["repr"] for k, v in s["changes"].items()}) for s in HAND["steps"]]
    assert simplify == expected


def test_understanding_uses_the_docstring_or_a_description() -> None:
    src = 'def f(a):\n    """Double a number."""\n    return a * 2\n'
    t = pytrace_sem.trace_call(src, "f(2)")
    assert "Double a number." in narrate(t)
    assert "Adds nothing." in narrate(t, description="Adds nothing.")
    derived = narrate(pytrace_sem.trace_call("def g(a, b):\n    c = []\n    return a\n", "g(1, 2)"))
    assert "takes 2 arguments: `a` and `b`" in derived and "creates an empty list `c`" in derived


LOOP = "def f(n):\n    total = 0\n    i = 0\n    while i < n:\n        total += i\n        i += 1\n    return total\n"


def test_long_loops_are_shortened_with_counts_and_state() -> None:
    t = pytrace_sem.trace_call(LOOP, "f(20)")
    text = narrate(t)
    skip = [s for s in _simulation(text) if "are skipped" in s]
    assert len(skip) == 1
    m = re.search(r"[Ii]terations (\d+) to (\d+).*?\((\d+) iterations\)", skip[0])
    assert m and int(m.group(3)) == int(m.group(2)) - int(m.group(1)) + 1
    assert "before them `total` is" in skip[0] and "after them `total` is" in skip[0]
    assert len(_simulation(text)) < len(t.steps)
    full = narrate(t, long_loop=1000)
    assert "skipped" not in full and len(_simulation(full)) == len(t.steps)
    for rendered in (text, full):
        report = check_against_trace(t, rendered)
        assert report.claims_wrong == 0 and report.answer_correct


def test_cap_bounds_the_number_of_steps_and_stays_checkable() -> None:
    t = pytrace_sem.trace_call(LOOP, "f(30)")
    for cap in (4, 7, 12):
        text = narrate(t, cap=cap, long_loop=1000)
        steps = _simulation(text)
        assert len(steps) <= cap
        assert any("steps" in s and "skipped" in s for s in steps)
        report = check_against_trace(t, text)
        assert report.claims_wrong == 0 and report.answer_correct
    with pytest.raises(NarrateError, match="cap"):
        narrate(t, cap=2)


def test_same_seed_same_text_and_seeds_vary_wording() -> None:
    t = pytrace_sem.trace_call(LOOP, "f(4)")
    for style in ("forward", "backward"):
        assert narrate(t, style, seed=5) == narrate(t, style, seed=5)
        texts = {narrate(t, style, seed=s) for s in range(6)}
        assert len(texts) > 1
        for text in texts:
            assert check_against_trace(t, text).claims_wrong == 0


def test_every_template_variant_is_used_by_some_seed() -> None:
    # Each variant must stay inside the checker's grammar, so each must actually be exercised.
    p = Phrases(0)
    seen = {key: set() for key in TEMPLATES}
    for _ in range(400):
        for key in TEMPLATES:
            seen[key].add(p.pick(key))
    assert all(seen[key] == set(TEMPLATES[key]) for key in TEMPLATES)


EXC = """def g(a):
    return 10 // a

def f(xs):
    out = [g(x) for x in xs if x]
    try:
        bad = 1 / 0
    except ZeroDivisionError:
        bad = None
    del bad
    if len(out) > 5:
        raise ValueError('too many')
    return out
"""


def test_exceptions_comprehensions_nested_calls_and_del() -> None:
    t = pytrace_sem.trace_call(EXC, "f([1, 2, 0])")
    text = narrate(t)
    assert "catches `ZeroDivisionError`" in text or "catches the `ZeroDivisionError`" in text
    assert "`bad` is deleted" in text
    report = check_against_trace(t, text)
    assert report.claims_wrong == 0 and report.answer_correct
    t2 = pytrace_sem.trace_call(EXC, "f([1, 1, 1, 1, 1, 1])")
    text2 = narrate(t2)
    assert "raises `ValueError`" in text2
    assert "[ANSWER]\nf([1, 1, 1, 1, 1, 1])  # raises ValueError\n[/ANSWER]" in text2
    report2 = check_against_trace(t2, text2)
    assert report2.claims_wrong == 0 and report2.answer_correct
    back = narrate(t2, "backward")
    assert check_against_trace(t2, back).claims_wrong == 0


def test_recursion_is_narrated_and_checked() -> None:
    src = "def fact(n):\n    if n <= 1:\n        return 1\n    return n * fact(n - 1)\n"
    t = pytrace_sem.trace_call(src, "fact(4)")
    for style in ("forward", "backward"):
        text = narrate(t, style)
        report = check_against_trace(t, text)
        assert report.claims_wrong == 0 and report.answer_correct, (style, report.first_wrong)
    assert "call depth" in narrate(t) or "depth" in narrate(t)


def test_values_with_backticks_and_long_values() -> None:
    src = "def f(s):\n    t = s + '`'\n    big = list(range(300))\n    return t\n"
    t = pytrace_sem.trace_call(src, "f('a')")
    text = narrate(t)
    assert "`` 'a`' ``" in text
    assert "a list of 300 items" in text
    report = check_against_trace(t, text)
    assert report.claims_wrong == 0 and report.answer_correct


def test_stopped_trace_says_so_and_still_answers() -> None:
    t = pytrace_sem.trace_call(LOOP, "f(200)", max_steps=50)
    assert t.stopped is not None
    text = narrate(t, cap=20)
    assert "Recording stopped" in text
    report = check_against_trace(t, text)
    assert report.claims_wrong == 0 and report.answer_correct


def test_backward_constraints_hold_and_slice_follows_data() -> None:
    src = ("def f(text, k):\n    junk = len(text) * 7\n    if len(text) > k:\n        text = text[:k]\n"
           "    return text.upper()\n")
    t = pytrace_sem.trace_call(src, "f('hello', 3)")
    view = TraceView(t)
    lines = {view.steps[i].line for i in dynamic_slice(view)}
    assert 2 not in lines  # junk does not feed the result
    assert {1, 3, 4, 5} <= lines
    cons = dict(input_constraints(view))
    assert "len(text) > k" in cons and "isinstance(text, str)" in cons
    env = {"text": "hello", "k": 3}
    assert all(eval(expr, {}, env) for expr in cons)
    text = narrate(t, "backward")
    assert "### Reverse Deduction" in text and "`len(text) > k`" in text
    deduction = text.split("### Reverse Deduction", 1)[1].split("###", 1)[0]
    lines_named = [int(m) for m in re.findall(r"\[L(\d+)\]", deduction)]
    assert lines_named[0] == 5 and lines_named[-1] == 1  # from the output back to the input
    report = check_against_trace(t, text)
    assert report.claims_wrong == 0 and report.answer_correct


def test_scratchpad_and_inline() -> None:
    t = pytrace_sem.trace_call(HAND_SOURCE, "f([1, 2])")
    pad = narrate(t, "scratchpad").splitlines()
    assert pad[0] == "[L1] call f: xs=[1, 2]"
    assert pad[1] == "[L2] total=0"
    assert "[L4] x > 1 -> False" in pad
    assert pad[-1] == "=> 2"
    inline = narrate(t, "inline")
    assert "for x in xs:  # (2) x=1; (4) x=2" in inline
    assert "return total  # (7) return 2" in inline
    ast.parse(inline)  # still valid Python
    long = narrate(pytrace_sem.trace_call(LOOP, "f(20)"), "inline")
    assert "more;" in long
    capped = narrate(pytrace_sem.trace_call(LOOP, "f(20)"), "scratchpad", cap=6, long_loop=1000)
    assert len(capped.splitlines()) <= 7 and "skipped" in capped


def test_bad_arguments_are_clear_errors() -> None:
    with pytest.raises(NarrateError, match="unknown style"):
        narrate(HAND, "poem")
    with pytest.raises(NarrateError, match="unknown option"):
        narrate(HAND, colour=True)
    with pytest.raises(NarrateError, match="schema version"):
        narrate({**HAND, "schema_version": 9})
    with pytest.raises(NarrateError, match="not a valid trace"):
        narrate({"schema_version": 1})
    with pytest.raises(NarrateError, match="seed"):
        narrate(HAND, seed="x")  # type: ignore[arg-type]
    with pytest.raises(NarrateError, match="loop_head"):
        Options(long_loop=3, loop_head=2, loop_tail=2)
    with pytest.raises(pytrace_sem.PytraceSemError):
        narrate(HAND, max_value_chars=2)


def test_public_names() -> None:
    import importlib

    # ``pytrace_sem.narrate`` is the subpackage, and calling it calls the function.
    n = importlib.import_module("pytrace_sem.narrate")
    assert pytrace_sem.narrate is n and callable(n)
    t = pytrace_sem.trace_call("def f(x):\n    return x * 2\n", "f(4)")
    assert pytrace_sem.narrate(t, style="scratchpad") == n.narrate(t, style="scratchpad")

    for name in ("narrate", "narrate_debug", "check_monologue", "MonologueReport", "WrongClaim"):
        assert name in pytrace_sem.__all__ and hasattr(pytrace_sem, name)
    assert all(hasattr(n, name) for name in n.__all__)
