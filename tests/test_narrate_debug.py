"""Debugging narratives on real bugs: mutants of HumanEval canonical solutions.

Each mutant changes one thing in a correct solution (a flipped comparison, an
off-by-one constant, a wrong operator, a wrong variable) and is kept only if it
fails the problem's own HumanEval test. The narrative for a failing input must
name as root cause a line the mutation changed, and its simulation of the
buggy run must check 100% right against the buggy trace.
"""

from __future__ import annotations

import ast
import gzip
import json
import re
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import libcst as cst
import pytest

import pytrace_sem
from pytrace_sem.narrate import NarrateError, check_against_trace, narrate_debug, narrate_debug_sources
from pytrace_sem.narrate.debug import find_divergence, line_map
from pytrace_sem.narrate._view import TraceView

DATA = Path(__file__).parent / "data" / "humaneval" / "HumanEval.jsonl.gz"

# -- mutation -------------------------------------------------------------------------------

_FLIP = {cst.LessThan: cst.GreaterThan, cst.GreaterThan: cst.LessThan, cst.LessThanEqual: cst.GreaterThanEqual,
         cst.GreaterThanEqual: cst.LessThanEqual, cst.Equal: cst.NotEqual, cst.NotEqual: cst.Equal}
_BINOP = {cst.Add: cst.Subtract, cst.Subtract: cst.Add, cst.Multiply: cst.Add, cst.FloorDivide: cst.Multiply,
          cst.Modulo: cst.FloorDivide}
_AUGOP = {cst.AddAssign: cst.SubtractAssign, cst.SubtractAssign: cst.AddAssign,
          cst.MultiplyAssign: cst.AddAssign}
KINDS = ("flip", "off_by_one", "operator", "variable")


class _Mutator(cst.CSTTransformer):
    """Applies the ``target``-th possible mutation of ``kind`` inside function ``entry`` (lines > ``first``)."""

    METADATA_DEPENDENCIES = (cst.metadata.PositionProvider,)

    def __init__(self, kind: str, target: int, entry: str, first_line: int, local_names: list[str]) -> None:
        super().__init__()
        self.kind, self.target, self.entry, self.first_line = kind, target, entry, first_line
        self.local_names = local_names
        self.seen = 0
        self.depth = 0  # > 0 inside the entry function
        self.in_target = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        if node.name.value == self.entry:
            self.depth += 1
        return True

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        if original.name.value == self.entry:
            self.depth -= 1
        return updated

    def _site(self, node: cst.CSTNode) -> bool:
        if self.depth <= 0:
            return False
        line = self.get_metadata(cst.metadata.PositionProvider, node).start.line
        if line <= self.first_line:
            return False
        hit = self.seen == self.target
        self.seen += 1
        return hit

    def leave_ComparisonTarget(self, original: cst.ComparisonTarget, updated: cst.ComparisonTarget) -> Any:
        if self.kind == "flip" and type(updated.operator) in _FLIP and self._site(original):
            op = updated.operator
            return updated.with_changes(operator=_FLIP[type(op)](
                whitespace_before=op.whitespace_before, whitespace_after=op.whitespace_after))
        return updated

    def leave_Integer(self, original: cst.Integer, updated: cst.Integer) -> Any:
        if self.kind == "off_by_one" and self._site(original):
            value = int(updated.value, 0)
            return updated.with_changes(value=str(value + 1 if value == 0 or self.target % 2 == 0 else value - 1))
        return updated

    def leave_BinaryOperation(self, original: cst.BinaryOperation, updated: cst.BinaryOperation) -> Any:
        if self.kind == "operator" and type(updated.operator) in _BINOP and self._site(original):
            op = updated.operator
            return updated.with_changes(operator=_BINOP[type(op)](
                whitespace_before=op.whitespace_before, whitespace_after=op.whitespace_after))
        return updated

    def leave_AugAssign(self, original: cst.AugAssign, updated: cst.AugAssign) -> Any:
        if self.kind == "operator" and type(updated.operator) in _AUGOP and self._site(original):
            op = updated.operator
            return updated.with_changes(operator=_AUGOP[type(op)](
                whitespace_before=op.whitespace_before, whitespace_after=op.whitespace_after))
        return updated

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> Any:
        if self.kind != "variable" or updated.value not in self.local_names:
            return updated
        others = [n for n in self.local_names if n != updated.value]
        if others and self._site(original):
            return updated.with_changes(value=others[self.target % len(others)])
        return updated


def _locals_of(source: str, entry: str) -> list[str]:
    fn = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef) and n.name == entry)
    names = [a.arg for a in fn.args.args]
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id not in names:
            names.append(node.id)
    return names


def mutants(source: str, entry: str, first_line: int, kind: str, limit: int = 12) -> Iterator[str]:
    """Mutants of one kind, site by site, each differing from ``source`` in place."""
    module = cst.metadata.MetadataWrapper(cst.parse_module(source))
    names = _locals_of(source, entry)
    for target in range(limit):
        mutator = _Mutator(kind, target, entry, first_line, names)
        out = module.visit(mutator).code
        if mutator.seen <= target:
            return
        if out != source:
            yield out


# -- bounded execution ------------------------------------------------------------------------


class _OutOfSteps(Exception):
    pass


def _bounded(fn: Callable[[], Any], budget: int = 400_000) -> tuple[bool, Any]:
    """(finished normally, result or exception); a run past ``budget`` line events counts as failing.

    The budget is a count of executed lines, not time, so the outcome is the same on any machine.
    """
    left = [budget]

    def local(frame: Any, event: str, arg: Any) -> Any:
        if event == "line":
            left[0] -= 1
            if left[0] < 0:
                raise _OutOfSteps()
        return local

    def global_(frame: Any, event: str, arg: Any) -> Any:
        return local

    previous = sys.gettrace()
    sys.settrace(global_)
    try:
        return True, fn()
    except _OutOfSteps:
        return False, "out of steps"
    except BaseException as exc:  # noqa: BLE001 - a mutant may raise anything
        return False, exc
    finally:
        sys.settrace(previous)


def _namespace(source: str) -> dict:
    ns: dict = {"__name__": "__humaneval__"}
    exec(compile(source, "<humaneval>", "exec"), ns)
    return ns


def _fails_test(source: str, test: str, entry: str) -> bool:
    try:
        ns = _namespace(source)
        exec(compile(test, "<test>", "exec"), ns)
    except Exception:
        return True
    ok, _ = _bounded(lambda: ns["check"](ns[entry]))
    return not ok


def _candidate_calls(test: str) -> list[str]:
    calls = []
    for node in ast.walk(ast.parse(test)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "candidate":
            parts = [ast.get_source_segment(test, a) or "" for a in node.args]
            parts += [f"{k.arg}={ast.get_source_segment(test, k.value)}" for k in node.keywords if k.arg]
            calls.append(", ".join(parts))
    return calls


def _same(a: Any, b: Any) -> bool:
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:
        return False


def failing_call(orig: str, mutant: str, test: str, entry: str) -> str | None:
    """The first ``candidate(...)`` call of the test on which the mutant and the original differ."""
    ns_o, ns_m = _namespace(orig), _namespace(mutant)
    exec(compile(test, "<test>", "exec"), ns_o)
    for args in _candidate_calls(test):
        call = f"{entry}({args})"
        try:
            ok_o, want = _bounded(lambda: eval(call, ns_o))
        except Exception:
            continue
        if not ok_o:
            continue
        ok_m, got = _bounded(lambda: eval(call, ns_m), budget=100_000)
        if got == "out of steps":
            continue  # a mutant that loops: its trace would only show the step limit
        if not ok_m or not _same(want, got):
            return call
    return None


def _changed_lines(a: str, b: str) -> set[int]:
    la, lb = a.splitlines(), b.splitlines()
    assert len(la) == len(lb), "mutations stay within a line"
    return {i + 1 for i, (x, y) in enumerate(zip(la, lb)) if x != y}


def _root_line(text: str) -> int:
    section = text.split("### Root Cause", 1)[1]
    m = re.search(r"\[L(\d+)\]", section)
    assert m, "the root cause names a line"
    return int(m.group(1))


def _pairs(max_pairs: int) -> Iterator[dict]:
    with gzip.open(DATA, "rt", encoding="utf-8") as fh:
        problems = [json.loads(line) for line in fh]
    count = 0
    for p in problems:
        orig = p["prompt"] + p["canonical_solution"]
        first = len(p["prompt"].splitlines())
        entry = p["entry_point"]
        for kind in KINDS:
            for mutant in mutants(orig, entry, first, kind):
                if not _fails_test(mutant, p["test"], entry):
                    continue
                call = failing_call(orig, mutant, p["test"], entry)
                if call is None:
                    continue
                yield {"task": p["task_id"], "kind": kind, "orig": orig, "mutant": mutant, "call": call}
                count += 1
                if count >= max_pairs:
                    return
                break


@pytest.mark.slow
def test_debug_narratives_name_a_changed_line_on_humaneval_mutants() -> None:
    seen = 0
    kinds: set[str] = set()
    for pair in _pairs(40):
        buggy = pytrace_sem.trace_call(pair["mutant"], pair["call"])
        fixed = pytrace_sem.trace_call(pair["orig"], pair["call"])
        if buggy.stopped is not None or fixed.stopped is not None:
            continue
        text = narrate_debug(buggy, fixed, seed=seen)
        changed = _changed_lines(pair["orig"], pair["mutant"])
        assert _root_line(text) in changed, (pair["task"], pair["kind"], text)
        assert "[Refined]" in text and "[/Refined]" in text
        assert pair["orig"].rstrip("\n") in text.split("[Refined]", 1)[1]
        # The simulation of the buggy run is itself a checkable monologue.
        sim = text.split("### Where It Goes Wrong", 1)[0].replace(
            "### Simulating the Buggy Code", "### Execution Simulation")
        report = check_against_trace(buggy, sim)
        assert report.claims_wrong == 0 and report.claims_checked > 0, (pair["task"], report.first_wrong)
        seen += 1
        kinds.add(pair["kind"])
    assert seen >= 30
    assert kinds == set(KINDS)


SMALL_FIXED = """def largest(xs):
    best = xs[0]
    for x in xs:
        if x > best:
            best = x
    return best
"""


def test_flipped_comparison_is_found_at_the_branch() -> None:
    bad = SMALL_FIXED.replace("x > best", "x < best")
    text = narrate_debug_sources(bad, SMALL_FIXED, "largest([3, 1, 4])")
    assert _root_line(text) == 4
    assert "`True`" in text.split("### Where It Goes Wrong", 1)[1]
    assert text.rstrip().endswith("[/Refined]")


def test_divergence_in_a_value_names_both_values() -> None:
    good = "def f(n):\n    total = 0\n    for i in range(n):\n        total += i\n    return total\n"
    bad = good.replace("total += i", "total += i + 1")
    b, g = pytrace_sem.trace_call(bad, "f(3)"), pytrace_sem.trace_call(good, "f(3)")
    div = find_divergence(TraceView(b), TraceView(g))
    assert div.kind == "value" and div.root_line == 4 and div.root_step == div.step
    text = narrate_debug(b, g)
    wrong = text.split("### Where It Goes Wrong", 1)[1].split("###", 1)[0]
    assert "sets `total` to `1`" in wrong and "keeps `total` at `0`" in wrong


def test_off_by_one_range_is_blamed_on_the_loop_line() -> None:
    good = "def f(n):\n    out = []\n    for i in range(n):\n        out.append(i)\n    return out\n"
    bad = good.replace("range(n)", "range(n - 1)")
    text = narrate_debug_sources(bad, good, "f(3)")
    assert _root_line(text) == 3


def test_an_added_line_in_the_fix_is_handled() -> None:
    good = "def f(xs):\n    xs = sorted(xs)\n    return xs[0]\n"
    bad = "def f(xs):\n    return xs[0]\n"
    mapping, changed = line_map(bad, good)
    assert changed  # the insertion is blamed on a nearby buggy line
    text = narrate_debug_sources(bad, good, "f([2, 1])")
    assert "### Root Cause" in text and "[Refined]" in text


def test_same_behaviour_is_an_error() -> None:
    with pytest.raises(NarrateError, match="behave the same"):
        narrate_debug_sources(SMALL_FIXED, SMALL_FIXED, "largest([1])")


def test_different_calls_are_an_error() -> None:
    a = pytrace_sem.trace_call(SMALL_FIXED, "largest([1])")
    b = pytrace_sem.trace_call(SMALL_FIXED, "largest([2])")
    with pytest.raises(NarrateError, match="different calls"):
        narrate_debug(a, b)


def test_mutation_operators_change_one_line() -> None:
    src = "def g(a, b):\n    c = a + 1\n    if c < b:\n        return c\n    return b\n"
    for kind in KINDS:
        produced = list(mutants(src, "g", 1, kind))
        assert produced, kind
        for m in produced:
            assert len(_changed_lines(src, m)) == 1
