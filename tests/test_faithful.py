"""Faithfulness against a reference tracer, on real benchmark code.

For every CRUXEval dev problem and every HumanEval canonical solution (on the
HumanEval+ ``base_input`` inputs): the traced call returns what the plain call
returns, and every local variable takes, in our trace, exactly the sequence of
values the sys.settrace reference sees.
"""

from __future__ import annotations

import copy
import sys

import pytest

import pytrace_sem
from tests import datasets
from tests.reference import (
    canonical_repr,
    function_scope_names,
    matches,
    norm,
    our_sequences,
    reference_sequences,
)

# Large enough that nothing in the data is cut, except HumanEval/59's sieve of
# 13196 booleans, mutated 30,000 times: exact copies of it at every step would
# take tens of GB, so long containers keep their first 1,000 items (and are
# compared as prefixes, see reference.matches).
BIG = dict(max_steps=10_000_000, max_items=1_000, max_string=10_000_000, max_depth=200,
           max_size=10_000_000_000)


def _plain_namespace(source: str) -> dict:
    ns: dict = {"__name__": pytrace_sem.api.MODULE_NAME}
    exec(compile(source, "<reference>", "exec"), ns)  # noqa: S102
    return ns


def _check(source: str, entry: str, call: str, args: tuple) -> None:
    ns = _plain_namespace(source)
    seqs, result, error = reference_sequences(ns[entry], copy.deepcopy(args), {})
    t = pytrace_sem.trace_call(source, call, **BIG)
    if error is None:
        assert t.exception is None, t.exception
        assert t.return_value["repr"] == norm(canonical_repr(result))
    else:
        assert t.exception is not None and t.exception.type == type(error).__qualname__
    ours = our_sequences(t)
    own, comp = function_scope_names(source, entry)
    for name, seq in seqs.items():
        if name in comp and (name not in own or sys.version_info >= (3, 12)):
            # A comprehension's variable (its own scope). From 3.12 on, the frame's
            # locals show it in place of a function variable of the same name while
            # the comprehension runs, so such a shadowed name cannot be compared.
            continue
        mine = ours.get(name) or []
        at = matches(mine, seq)
        if at is not None:
            raise AssertionError(
                f"variable {name!r} differs at value {at}: ours {mine[at:at + 3]} (of {len(mine)}), "
                f"reference {seq[at:at + 3]} (of {len(seq)})"
            )
    for name in ours:
        if name not in seqs:
            # Only names that are not locals of the function (globals it assigns) may be extra.
            assert name not in ns[entry].__code__.co_varnames, name


CRUX = datasets.cruxeval()


@pytest.mark.parametrize("problem", CRUX, ids=[p["id"] for p in CRUX])
def test_cruxeval_faithful(problem):
    source, call = problem["code"], f"f({problem['input']})"
    ns = _plain_namespace(source)
    args = eval(f"(lambda *a, **k: a)({problem['input']})", ns)  # noqa: S307
    _check(source, "f", call, args)
    t = pytrace_sem.trace_call(source, call, **BIG)
    assert t.return_value["repr"] == norm(canonical_repr(eval(problem["output"], ns)))  # noqa: S307


def _humaneval_cases():
    cases = []
    for p in datasets.humanevalplus():
        for i, inp in enumerate(p["base_input"]):
            cases.append(pytest.param(p, i, id=f"{p['task_id']}-{i}"))
    return cases


@pytest.mark.slow
@pytest.mark.parametrize("problem,i", _humaneval_cases())
def test_humaneval_faithful(problem, i):
    source = problem["prompt"] + problem["canonical_solution"]
    args = tuple(problem["base_input"][i])
    call = f"{problem['entry_point']}(*_pytrace_sem_args)"
    src = source + f"\n_pytrace_sem_args = {args!r}\n"
    _check(src, problem["entry_point"], call, args)


SETS = """
def f(text, extra):
    seen = set()
    for ch in text:
        seen.add(ch)
    both = frozenset(seen | {extra, (1, extra)})
    groups = {len(w): {w} for w in text.split()}
    return seen, both, groups
"""


def test_sets_of_strings_against_the_reference():
    """Sets whose order follows the hash seed: compared in the canonical (sorted) order."""
    _check(SETS, "f", "f('the quick brown fox', 'zz')", ("the quick brown fox", "zz"))
