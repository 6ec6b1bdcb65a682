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


def _check(source: str, entry: str, call: str, args: tuple, **limits) -> None:
    ns = _plain_namespace(source)
    seqs, result, error = reference_sequences(ns[entry], copy.deepcopy(args), {})
    t = pytrace_sem.trace_call(source, call, **{**BIG, **limits})
    if error is None:
        assert t.exception is None, t.exception
        got = (t.return_value["repr"], bool(t.return_value.get("truncated")))
        assert matches([got], [norm(canonical_repr(result))]) is None, got
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


# Item stores (``a[i] = v``, ``a[i], a[j] = a[j], a[i]``, ``d[k] += 1``) into lists and
# dicts longer than max_items: the recorder patches its copy of such a container at
# the stored keys instead of comparing it whole. Every change must still be seen,
# once, including changes an item store did not make.
LONG_STORES = {
    "insertion sort": """
def f(a):
    for i in range(1, len(a)):
        key = a[i]
        j = i - 1
        while j >= 0 and a[j] > key:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = key
    return a
""",
    "swaps and negative indices": """
def f(a):
    n = len(a)
    for i in range(n // 2):
        a[i], a[-1 - i] = a[-1 - i], a[i]
    for i in range(n):
        for j in range(n - 1 - i):
            if a[j] > a[j + 1]:
                a[j], a[j + 1] = a[j + 1], a[j]
    a[3] = a[3]
    a[-2] = a[-2] + 0
    return a
""",
    "equal values of other types": """
def f(a):
    for i in range(len(a)):
        if i % 3 == 0:
            a[i] = a[i] == 1
        elif i % 3 == 1:
            a[i] = a[i] * 1.0
        else:
            a[i] += 0
    a[10] = -0.0
    a[10] = 0.0
    a[11] = float('nan')
    return a
""",
    "dicts: new keys, existing keys, 1 and True": """
def f(a):
    d = {}
    for x in a:
        d[x % 9] = x
    for x in a:
        d[x] = d[x % 9] + 1
    d[True] = 'one'
    d[1.0] = 'one'
    d[1] = 'uno'
    counts = dict.fromkeys('abcdefgh', 0)
    for ch in 'abracadabra' * 2:
        counts[ch] += 1
    counts['z'] = 0
    return d, counts
""",
    "aliases and containers that hold the list": """
def f(a):
    b = a
    m = [a, 1]
    for i in range(0, len(a), 3):
        a[i] = -a[i]
        b[i + 1] = b[i]
    m[1] = 2
    c = a[:]
    c[0] = c[-1]
    return m
""",
    "append and pop": """
def f(a):
    out = []
    for x in a * 4:
        out.append(x * 2)
        if x % 4 == 0:
            y = out.pop()
    out.append(True)
    out.append(1)
    out.append(out[-1])
    while len(out) > 3:
        out.pop()
    return out
""",
    "a change no store made": """
HELD = []


class Sneaky:
    def __radd__(self, other):
        HELD[0][1] = other
        return other


S = Sneaky()


def f(a):
    HELD.append(a)
    a[20] = 1
    x = 5 + S
    a[20] = a[20]
    x = 6 + S
    a[2], a[3] = a[2], a[3]
    return a
""",
    "a store that raised": """
def f(a):
    for i in (3, 50, 7, -80, 9):
        try:
            a[i] = i * 100
        except IndexError:
            a[0] = i
    return a
""",
}


@pytest.mark.parametrize("name", list(LONG_STORES))
@pytest.mark.parametrize("max_items", [5, 1_000])
def test_item_stores_into_long_containers_against_the_reference(name, max_items):
    args = ([(i * 7919) % 47 - 20 for i in range(30)],)
    _check(LONG_STORES[name], "f", f"f({args[0]!r})", args, max_items=max_items)
