"""Every CRUXEval dev problem: right answers, every claim right, constraints true; golden renders.

Set PYTRACE_SEM_REGEN=1 to rewrite the golden files under tests/golden/narrate/, then
review the diff.
"""

from __future__ import annotations

import ast
import inspect
import os
import re
from pathlib import Path

import pytest

import pytrace_sem
from pytrace_sem.narrate import check_against_trace, narrate, narrate_debug_sources
from pytrace_sem.narrate._view import TraceView
from pytrace_sem.narrate.backward import input_constraints
from tests import datasets

GOLDEN = Path(__file__).parent / "golden" / "narrate"
REGEN = os.environ.get("PYTRACE_SEM_REGEN") == "1"
_ANSWER = re.compile(r"\[ANSWER\]\nassert (.*) == (.*)\n\[/ANSWER\]")


def _namespace(code: str) -> dict:
    ns: dict = {}
    exec(compile(code, "<cruxeval>", "exec"), ns)
    return ns


def _arguments(ns: dict, call: str) -> dict:
    node = ast.parse(call, mode="eval").body
    assert isinstance(node, ast.Call)
    args = [eval(compile(ast.Expression(a), "<arg>", "eval"), ns) for a in node.args]
    kwargs = {k.arg: eval(compile(ast.Expression(k.value), "<arg>", "eval"), ns) for k in node.keywords if k.arg}
    bound = inspect.signature(ns["f"]).bind(*args, **kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


@pytest.mark.slow
def test_every_cruxeval_problem_forward_and_backward() -> None:
    records = datasets.cruxeval()
    assert len(records) == 200
    totals = {"claims": 0, "constraints": 0}
    for k, record in enumerate(records):
        call = f"f({record['input']})"
        t = pytrace_sem.trace_call(record["code"], call)
        expected = eval(record["output"], {})

        forward = narrate(t, "forward", seed=k)
        m = _ANSWER.search(forward)
        assert m, record["id"]
        assert eval(m.group(2), {}) == expected, record["id"]
        report = check_against_trace(t, forward)
        assert report.claims_wrong == 0 and report.claims_unverifiable == 0, (record["id"], report.first_wrong)
        assert report.answer_correct is True, record["id"]
        totals["claims"] += report.claims_checked

        backward = narrate(t, "backward", seed=k)
        m = _ANSWER.search(backward)
        assert m, record["id"]
        ns = _namespace(record["code"])
        assert eval(m.group(1), ns) == expected, record["id"]  # the answer's input reproduces the output
        assert eval(m.group(2), {}) == expected, record["id"]
        report = check_against_trace(t, backward)
        assert report.claims_wrong == 0 and report.claims_unverifiable == 0, (record["id"], report.first_wrong)
        assert report.answer_correct is True, record["id"]
        totals["claims"] += report.claims_checked

        # Every constraint the backward monologue states holds for the real input.
        env = _arguments(_namespace(record["code"]), call)
        ns = _namespace(record["code"])
        for expr, _why in input_constraints(TraceView(t)):
            assert f"`{expr}`" in backward or f"`` {expr} ``" in backward, (record["id"], expr)
            assert eval(expr, ns, dict(env)) is True, (record["id"], expr)
            totals["constraints"] += 1
    # Each monologue makes claims (at least the call, a return and the answer), and constraints exist.
    assert totals["claims"] >= 3 * 2 * len(records) and totals["constraints"] >= len(records)


@pytest.mark.slow
def test_capped_renders_stay_right_on_cruxeval() -> None:
    for k, record in enumerate(datasets.cruxeval()):
        t = pytrace_sem.trace_call(record["code"], f"f({record['input']})")
        for style in ("forward", "backward"):
            text = narrate(t, style, seed=k, cap=8)
            body = text.split("### Execution Simulation" if style == "forward" else "### Reverse Deduction")[1]
            body = body.split("### Conclusion")[0]
            assert len(re.findall(r"^\d+\. ", body, flags=re.M)) <= 8
            report = check_against_trace(t, text)
            assert report.claims_wrong == 0 and report.answer_correct is True, (record["id"], style)


# -- golden files -------------------------------------------------------------------------------------

GOLDEN_IDS = ("sample_0", "sample_5", "sample_9", "sample_37", "sample_56", "sample_102")
STYLES = ("forward", "backward", "scratchpad", "inline")

DEBUG_FIXED = """def second_largest(xs):
    first = second = None
    for x in xs:
        if first is None or x > first:
            second = first
            first = x
        elif second is None or x > second:
            second = x
    return second
"""
DEBUG_BUGGY = DEBUG_FIXED.replace("x > second", "x < second")


def _golden_cases() -> list[tuple[str, str]]:
    by_id = {r["id"]: r for r in datasets.cruxeval()}
    cases = []
    for k, ident in enumerate(GOLDEN_IDS):
        record = by_id[ident]
        t = pytrace_sem.trace_call(record["code"], f"f({record['input']})")
        for style in STYLES:
            cases.append((f"{ident}.{style}.txt", narrate(t, style, seed=k)))
        cases.append((f"{ident}.forward-cap10.txt", narrate(t, "forward", seed=k, cap=10)))
    cases.append(("second_largest.debug.txt",
                  narrate_debug_sources(DEBUG_BUGGY, DEBUG_FIXED, "second_largest([5, 1, 4, 2, 3])")))
    return cases


def test_golden_renders() -> None:
    cases = _golden_cases()
    if REGEN:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for name, text in cases:
            (GOLDEN / name).write_text(text, encoding="utf-8")
    missing = [name for name, _ in cases if not (GOLDEN / name).exists()]
    assert not missing, f"golden files missing: {missing}; run with PYTRACE_SEM_REGEN=1"
    for name, text in cases:
        assert text == (GOLDEN / name).read_text(encoding="utf-8"), (
            f"{name} differs from its golden file; if the change is intended, rerun with PYTRACE_SEM_REGEN=1 "
            "and review the diff")


@pytest.mark.slow
@pytest.mark.parametrize("suite", ["humanevalplus", "mbppplus"])
# A few MBPP+ solutions write regexes in plain strings ("\w"): compiling them warns,
# traced or not, and the warning is the dataset's, not ours.
@pytest.mark.filterwarnings("ignore:invalid escape sequence:DeprecationWarning")
@pytest.mark.filterwarnings("ignore:invalid escape sequence:SyntaxWarning")
def test_renders_check_right_on_evalplus_base_inputs(suite: str) -> None:
    # Richer code than CRUXEval (helpers, recursion, while loops, imports): every claim still right.
    renders = 0
    for k, problem in enumerate(getattr(datasets, suite)()):
        source = problem.get("prompt", "") + problem["canonical_solution"] if suite == "humanevalplus" \
            else problem["canonical_solution"]
        args = problem["base_input"][0]
        call = f"{problem['entry_point']}({', '.join(repr(a) for a in args)})"
        t = pytrace_sem.trace_call(source, call, max_steps=5000)
        for style in ("forward", "backward"):
            report = check_against_trace(t, narrate(t, style, seed=k), run_answer=False)
            assert report.claims_wrong == 0 and report.answer_correct is True, (problem["task_id"], style,
                                                                                 report.first_wrong)
            renders += 1
    assert renders >= 2 * 160
