"""The public tracing API: ``trace_call``, ``trace``, ``traced``, ``collect``, ``traces_of``."""

from __future__ import annotations

import functools
import inspect
import sys

import pytest

import pytrace_sem
from pytrace_sem import CallError, LimitError, SourceError, Trace, collect, trace, trace_call, traced, traces_of
from pytrace_sem.api import DEFAULT_LIMITS
from pytrace_sem.trace import validate

# -- trace_call: calls that are not plain literals (as in CRUXEval) ---------------------------

ECHO = (
    "DATA = [10, 20, 30, 40, 50]\n"
    "WORDS = 'alpha beta'\n"
    "\n"
    "\n"
    "def f(*args, **kwargs):\n"
    "    n = len(args) + len(kwargs)\n"
    "    return args, kwargs, n\n"
    "\n"
    "\n"
    "def apply(fn, x):\n"
    "    y = fn(x)\n"
    "    return y\n"
)

# (call, expected repr of the return value). The first two are CRUXEval dev's own
# non-literal inputs (sample_135 has no arguments, sample_152 builds a string).
NON_LITERAL_CALLS = [
    ("f()", "((), {}, 0)"),
    ("f(''.join(['A'] * 20))", "(('AAAAAAAAAAAAAAAAAAAA',), {}, 1)"),
    ("f(dict(a=1))", "(({'a': 1},), {}, 1)"),
    ("apply(lambda x: x * 2, 21)", "42"),
    ("f(range(100, 120))", "((range(100, 120),), {}, 1)"),
    ("f('a'.upper())", "(('A',), {}, 1)"),
    ("f(DATA[1:3])", "(([20, 30],), {}, 1)"),
    ("f(1, 2,)", "((1, 2), {}, 2)"),
    ("f(WORDS.split())", "((['alpha', 'beta'],), {}, 1)"),
    ("f(*DATA[:2], key=len(DATA))", "((10, 20), {'key': 5}, 3)"),
    ("f(**{'k': 1}, other=[1, 2][::-1])", "((), {'k': 1, 'other': [2, 1]}, 2)"),
    ("f(list('ab') + [None])", "((['a', 'b', None],), {}, 1)"),
    ("f((1,) * 3, -0.5, 2 ** 70)", "(((1, 1, 1), -0.5, 1180591620717411303424), {}, 3)"),
    ("f(sorted({3, 1, 2}), set())", "(([1, 2, 3], set()), {}, 2)"),
]


@pytest.mark.parametrize("call, expected", NON_LITERAL_CALLS, ids=[c for c, _ in NON_LITERAL_CALLS])
def test_trace_call_with_non_literal_arguments(call: str, expected: str) -> None:
    t = trace_call(ECHO, call)
    validate(t.to_json())
    assert t.exception is None, t.exception
    assert t.return_value["repr"] == expected
    assert t.call == call
    assert t.steps[0].event == "call" and t.steps[0].depth == 0


def test_trace_call_arguments_are_bound_to_parameter_names() -> None:
    t = trace_call(ECHO, "apply(lambda x: x * 2, x=4)")
    assert list(t.args) == ["fn", "x"]
    assert t.args["x"]["repr"] == "4"
    assert t.args["fn"]["type"] == "function" and "0x" not in t.args["fn"]["repr"]
    assert t.function == "apply"


def test_trace_call_uses_a_fresh_module_each_time() -> None:
    src = "seen = []\n\ndef f(x):\n    seen.append(x)\n    return len(seen)\n"
    assert trace_call(src, "f(1)").return_value["repr"] == "1"
    assert trace_call(src, "f(2)").return_value["repr"] == "1"


def test_trace_call_method_of_a_class() -> None:
    src = "class C:\n    @staticmethod\n    def twice(x):\n        y = x * 2\n        return y\n"
    t = trace_call(src, "C.twice(4)")
    assert t.function == "C.twice"
    assert t.return_value["repr"] == "8"


def test_trace_call_records_an_exception_as_the_outcome() -> None:
    t = trace_call("def f(d):\n    return d['missing']\n", "f({})")
    assert t.return_value is None
    assert (t.exception.type, t.exception.message) == ("KeyError", "'missing'")
    assert t.steps[-1].event == "raise"


def test_trace_call_rejects_what_is_not_source_or_a_call() -> None:
    with pytest.raises(SourceError, match="must be a str"):
        trace_call(b"def f(): pass", "f()")  # type: ignore[arg-type]
    with pytest.raises(CallError, match="must be a str"):
        trace_call("def f(): pass", None)  # type: ignore[arg-type]
    with pytest.raises(SourceError, match="line 2"):
        trace_call("def f():\n    return )\n", "f()")
    with pytest.raises(CallError, match="unknown function 'g'"):
        trace_call("def f(): pass", "g()")


def test_trace_call_lists_untraced_lambdas() -> None:
    t = trace_call("def f(xs):\n    return list(map(lambda x: -x, xs))\n", "f([1])")
    assert t.untraced == ((2, "lambda"),)


# -- limits ------------------------------------------------------------------------------------


def test_default_limits() -> None:
    assert set(DEFAULT_LIMITS) == {"max_steps", "max_items", "max_depth", "max_string", "max_size"}


@pytest.mark.parametrize("limits, fragment", [
    ({"max_steps": 0}, "max_steps must be between"),
    ({"max_steps": -1}, "max_steps must be between"),
    ({"max_items": 10 ** 9}, "max_items must be between"),
    ({"max_depth": 0}, "max_depth must be between"),
    ({"max_string": 7}, "max_string must be between"),
    ({"max_size": 10}, "max_size must be between"),
    ({"max_steps": 1.5}, "must be an integer"),
    ({"max_steps": "10"}, "must be an integer"),
    ({"max_steps": True}, "must be an integer"),
    ({"max_stepz": 10}, "unknown limit 'max_stepz'"),
])
def test_limits_are_validated(limits: dict, fragment: str) -> None:
    with pytest.raises(LimitError, match=fragment):
        trace_call("def f(): pass", "f()", **limits)
    with pytest.raises(LimitError, match=fragment):
        traced(**limits)


def test_limits_bound_the_trace() -> None:
    src = "def f(n):\n    xs = list(range(n))\n    s = 'x' * n\n    return [[[xs]]]\n"
    t = trace_call(src, "f(300)", max_items=5, max_string=20, max_depth=2, max_steps=3)
    xs = t.steps[1].changes["xs"]
    assert xs["len"] == 300 and len(xs["items"]) == 5 and xs["truncated"] is True
    assert t.steps[2].changes["s"]["truncated"] is True and len(t.steps[2].changes["s"]["repr"]) <= 22
    assert t.return_value["truncated"] is True
    assert len(t.steps) == 3 and t.truncated and t.stopped.reason == "max_steps"


# -- trace(): a live function ------------------------------------------------------------------


def running_total(xs):
    """Sum xs, keeping the running totals."""
    totals = []
    acc = 0
    for x in xs:
        acc += x
        totals.append(acc)
    return totals


def countdown(n):
    if n == 0:
        return "liftoff"
    return countdown(n - 1)


def make_scaler(k):
    def scale(x):
        y = x * k
        return y
    return scale


def logged(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)
    return wrapper


@logged
def decorated(x, *, bonus=1):
    z = x + bonus
    return z


class Account:
    def __init__(self, balance):
        self.balance = balance

    def deposit(self, amount):
        self.balance += amount
        return self.balance


def test_trace_a_live_function() -> None:
    code = running_total.__code__
    t = trace(running_total, [1, 2, 3])
    assert isinstance(t, Trace)
    validate(t.to_json())
    assert t.function == "running_total"
    assert t.call == "running_total([1, 2, 3])"
    assert t.return_value["repr"] == "[1, 3, 6]"
    first_line = inspect.getsourcelines(running_total)[1]
    assert t.steps[0].line == 1 and t.steps[0].event == "call"
    assert t.source.splitlines()[0] == "def running_total(xs):"
    assert [s.changes["acc"]["repr"] for s in t.steps if "acc" in s.changes] == ["0", "1", "3", "6"]
    assert first_line > 1  # lines are relative to the function's own source
    assert running_total.__code__ is code  # the original code is back
    assert running_total([4]) == [4]


_LAMBDAS = """LOG = []
dangerous, safe = (lambda x: LOG.append('ran') or 'D', lambda x: x + 1)


def pair():
    return (lambda: 'A'), (lambda: 'B')


def adder(k):
    return lambda y: y + k


def dedupe_inplace(xs):
    seen = set()
    i = 0
    while i < len(xs):
        if xs[i] in seen:
            del xs[i]
        else:
            seen.add(xs[i])
            i += 1
    return xs
"""


@pytest.fixture
def lambdas(tmp_path, monkeypatch):
    (tmp_path / "lambdas_mod.py").write_text(_LAMBDAS, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    sys.modules.pop("lambdas_mod", None)
    yield importlib.import_module("lambdas_mod")
    sys.modules.pop("lambdas_mod", None)


def test_trace_of_a_lambda_runs_that_lambda_and_no_other_on_its_line(lambdas) -> None:
    t = trace(lambdas.safe, 1)
    assert t.return_value["repr"] == "2" and lambdas.LOG == []
    assert "lambda x: x + 1" in t.source
    t = trace(lambdas.dangerous, 1)
    assert t.return_value["repr"] == "'D'" and lambdas.LOG == ["ran"]


def test_trace_of_lambdas_returned_from_a_function_and_of_a_closure(lambdas) -> None:
    a, b = lambdas.pair()
    assert trace(b).return_value["repr"] == "'B'" and trace(a).return_value["repr"] == "'A'"
    assert trace(a).function == "pair.<locals>.<lambda>"
    assert trace(lambdas.adder(5), 1).return_value["repr"] == "6"


def test_trace_names_the_call_with_the_arguments_it_was_given(lambdas) -> None:
    t = trace(lambdas.dedupe_inplace, [3, 1, 3, 2, 1])
    assert t.call == "dedupe_inplace([3, 1, 3, 2, 1])"
    assert t.return_value["repr"] == "[3, 1, 2]"


def test_trace_recursion_of_a_live_function() -> None:
    t = trace(countdown, 3)
    assert max(s.depth for s in t.steps) == 3
    assert t.return_value["repr"] == "'liftoff'"


def test_trace_a_closure() -> None:
    scale = make_scaler(3)
    t = trace(scale, 5)
    assert t.function == "make_scaler.<locals>.scale"
    assert t.return_value["repr"] == "15"


def test_trace_a_decorated_function_traces_the_wrapper() -> None:
    t = trace(decorated.__wrapped__, 2, bonus=5)
    assert t.return_value["repr"] == "7"
    assert t.call == "decorated(2, bonus=5)"
    assert "@logged" not in t.source


def test_trace_a_bound_method() -> None:
    acct = Account(10)
    t = trace(acct.deposit, 5)
    assert t.function == "Account.deposit"
    assert list(t.args) == ["self", "amount"]
    assert t.return_value["repr"] == "15"
    assert acct.balance == 15


def test_trace_records_an_exception() -> None:
    t = trace(running_total, [1, None])
    assert t.exception is not None and t.exception.type == "TypeError"
    assert t.return_value is None


def test_trace_rejects_what_is_not_a_python_function() -> None:
    with pytest.raises(CallError, match="needs a Python function"):
        trace(len, [1])


# -- traced, collect, traces_of -------------------------------------------------------------------


@traced
def tallied(word):
    """Count the vowels of word."""
    n = 0
    for ch in word:
        if ch in "aeiou":
            n += 1
    return n


@traced(max_steps=4)
def capped(n):
    total = 0
    for i in range(n):
        total += i
    return total


@traced
def outer_traced(words):
    return [tallied(w) for w in words]


def test_traced_keeps_the_function_itself() -> None:
    assert tallied.__name__ == "tallied"
    assert tallied.__doc__ == "Count the vowels of word."
    assert str(inspect.signature(tallied)) == "(word)"
    assert tallied("banana") == 3


def test_traced_records_each_call() -> None:
    before = len(traces_of(tallied))
    tallied("sequoia")
    tallied("xyz")
    got = traces_of(tallied)
    assert len(got) == min(before + 2, 100)
    assert got[-2].return_value["repr"] == "5"
    assert got[-1].return_value["repr"] == "0"
    assert got[-1].call == "tallied('xyz')"
    validate(got[-1].to_json())


def test_traced_limits_apply() -> None:
    assert capped(1000) == sum(range(1000))
    t = traces_of(capped)[-1]
    assert t.truncated and len(t.steps) == 4
    assert t.return_value["repr"] == str(sum(range(1000)))


def test_collect_gathers_outermost_calls_only() -> None:
    with collect() as got:
        outer_traced(["aa", "b"])
        tallied("e")
    assert [t.function for t in got] == ["outer_traced", "tallied"]
    inner = [s for s in got[0].steps if s.function == "tallied"]
    assert inner and all(s.depth >= 1 for s in inner)
    assert got[0].return_value["repr"] == "[2, 0]"


def test_collect_blocks_nest() -> None:
    with collect() as outer:
        tallied("a")
        with collect() as inner:
            tallied("ee")
    assert len(outer) == 2 and len(inner) == 1
    assert inner[0].return_value["repr"] == "2"


def test_traced_with_a_sink() -> None:
    seen: list[Trace] = []

    def shout(word):
        loud = word.upper()
        return loud

    shout = traced(shout, sink=seen.append)
    assert shout("hi") == "HI"
    assert len(seen) == 1 and seen[0].return_value["repr"] == "'HI'"


def test_traced_exception_is_recorded_and_still_raised() -> None:
    with collect() as got, pytest.raises(TypeError):
        tallied(None)
    assert got[0].exception.type == "TypeError"


def test_traces_of_an_undecorated_function() -> None:
    with pytest.raises(CallError, match="not decorated"):
        traces_of(running_total)


# -- the interpreter's state -----------------------------------------------------------------------


def test_sys_gettrace_is_unchanged() -> None:
    before = sys.gettrace()
    trace_call("def f(x):\n    return x + 1\n", "f(1)")
    trace(running_total, [1])
    tallied("ab")
    assert sys.gettrace() is before

    def tracer(frame, event, arg):
        return None

    sys.settrace(tracer)
    try:
        trace_call("def f(x):\n    return x + 1\n", "f(1)")
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(before)


def test_nested_trace_call_is_a_clear_error() -> None:
    src = ("import pytrace_sem\n\n"
           "def f():\n"
           "    inner = pytrace_sem.trace_call('def g():\\n    return 1\\n', 'g()')\n"
           "    return inner\n")
    t = trace_call(src, "f()")
    assert t.exception is not None
    assert t.exception.type == "CallError"
    assert "already being recorded" in t.exception.message
    # The failed attempt left nothing behind.
    assert trace_call("def g():\n    return 1\n", "g()").return_value["repr"] == "1"


def test_nested_trace_of_a_live_function_is_a_clear_error() -> None:
    def calls_trace():
        return pytrace_sem.trace(running_total, [1])

    t = trace(calls_trace)
    assert t.exception is not None and "nested" in t.exception.message


def test_other_threads_are_not_recorded() -> None:
    src = ("import threading\n\n"
           "def work(out):\n"
           "    out.append(1)\n\n"
           "def f():\n"
           "    out = []\n"
           "    t = threading.Thread(target=work, args=(out,))\n"
           "    t.start()\n"
           "    t.join()\n"
           "    work(out)\n"
           "    return out\n")
    t = trace_call(src, "f()")
    assert t.return_value["repr"] == "[1, 1]"
    assert [s.line for s in t.steps if s.function == "work" and s.event == "call"] == [3]


FINALIZED = (
    "freed = []\n"
    "\n"
    "class Box:\n"
    "    def __init__(self, n):\n"
    "        self.n = n\n"
    "    def __del__(self):\n"
    "        freed.append(self.n)\n"
    "\n"
    "def make(n):\n"
    "    b = Box(n)\n"
    "    held = [b, [n]]\n"
    "    return n\n"
    "\n"
    "def run():\n"
    "    for i in range(3):\n"
    "        make(i)\n"
    "    return list(freed)\n"
)


def test_values_of_a_returned_call_are_freed_as_without_tracing() -> None:
    # A call's values (tracked for mutation while it runs) are freed when the
    # call returns, so their finalizers run when they would without tracing,
    # not when the trace ends.
    ns: dict = {}
    exec(FINALIZED, ns)  # noqa: S102
    assert ns["run"]() == [0, 1, 2]
    t = trace_call(FINALIZED, "run()")
    assert t.exception is None
    assert t.return_value["repr"] == "[0, 1, 2]"


def test_public_names() -> None:
    for name in ("trace_call", "trace", "traced", "collect", "traces_of", "Trace"):
        assert name in pytrace_sem.__all__
        assert getattr(pytrace_sem, name) is not None


def _load_sample(name: str):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parent / "samples" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"pts_sample_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sample_traced_step_limit_keeps_the_outcome() -> None:
    mod = _load_sample("traced_step_limit")
    total = traced(mod.total, max_steps=3)
    fails_late = traced(mod.fails_late, max_steps=3)
    with collect() as got:
        assert total(500) == sum(range(500))
        with pytest.raises(ValueError):
            fails_late(50)
    ok, bad = got
    assert ok.truncated and len(ok.steps) == 3
    assert ok.return_value["repr"] == str(sum(range(500))) and ok.exception is None
    assert bad.truncated and bad.return_value is None
    assert (bad.exception.type, bad.exception.message) == ("ValueError", "gave up after 50")


def test_trace_demo_example_runs() -> None:
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, str(root / "examples" / "trace_demo.py")], capture_output=True,
                          text=True, check=False, cwd=root)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "returned ('a', {'a': 2, 'b': 2, 'c': 1})" in out
    assert "returned 8" in out
    assert out.count("recording stopped (max_steps) after 12 steps") == 2
    assert "returned [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]" in out


# -- long containers: a change beyond the part shown must still be a change ------------------


def _changes_of(t, name):
    return [s.line for s in t.steps if name in s.changes]


def _cut_changes(src, name):
    """Lines where ``name`` changed, in ``f()`` traced with ``max_items=5``."""
    return _changes_of(trace_call(src, "f()", max_items=5), name)


@pytest.mark.parametrize("old, new", [("1", "True"), ("0", "False"), ("1", "1.0"), ("'a'", "b'a'")])
def test_a_change_beyond_the_cut_of_a_list_is_seen(old, new):
    src = f"def f():\n    a = [{old}] * 20\n    a[15] = {new}\n    return len(a)\n"
    assert _cut_changes(src, "a") == [2, 3]


@pytest.mark.parametrize("old, new", [("1", "True"), ("2", "3")])
def test_a_change_in_the_shown_head_of_a_long_dict_is_seen(old, new):
    src = f"def f():\n    d = {{k: {old} for k in range(20)}}\n    d[0] = {new}\n    return len(d)\n"
    t = trace_call(src, "f()", max_items=5)
    assert _changes_of(t, "d") == [2, 3]
    shown = [s.changes["d"]["repr"] for s in t.steps if "d" in s.changes]
    assert shown[-1].startswith("{0: " + new)


@pytest.mark.parametrize("old, new", [("1", "True"), ("2", "3")])
def test_a_change_beyond_the_cut_of_a_dict_is_seen(old, new):
    src = f"def f():\n    d = {{k: {old} for k in range(20)}}\n    d[15] = {new}\n    return len(d)\n"
    assert _cut_changes(src, "d") == [2, 3]


def test_a_change_beyond_the_cut_of_a_set_is_seen():
    src = "def f():\n    s = set(range(20))\n    s.discard(1)\n    s.add(True)\n    return len(s)\n"
    assert _cut_changes(src, "s") == [2, 3, 4]


def test_a_change_beyond_the_cut_of_a_list_of_lists_is_seen():
    src = "def f():\n    a = [[1]] * 20\n    a[15] = [2]\n    x = 1\n    a[15].append(3)\n    return len(a)\n"
    assert _cut_changes(src, "a") == [2, 3, 5]


@pytest.mark.parametrize("old, new", [("-1", "-2"), ("0.0", "-0.0"), ("float('nan')", "float('inf')"),
                                      ("range(0)", "range(5, 5)")])
def test_a_change_beyond_the_cut_that_a_hash_cannot_see_is_seen(old, new):
    # Equal hashes (-1 and -2; 0.0 and -0.0; the two empty ranges): a tracked long
    # list or dict is compared item by item with its last copy, not by a hash.
    src = (f"def f():\n    a = [{old}] * 20\n    d = dict.fromkeys(range(20), {old})\n"
           f"    a[15] = {new}\n    d[15] = {new}\n    return len(a)\n")
    t = trace_call(src, "f()", max_items=5)
    assert _changes_of(t, "a") == [2, 4]
    assert _changes_of(t, "d") == [3, 5]


def test_a_long_list_stored_into_without_a_change_is_not_a_change():
    # The same object stored back, an equal int of another identity, a copy bound again.
    src = ("def f():\n    a = [1000] * 20\n    a[15] = a[15]\n    a[16] = int('1000')\n"
           "    a = a[:]\n    a.append(1)\n    return len(a)\n")
    assert _cut_changes(src, "a") == [2, 6]


def test_a_long_dict_reordered_beyond_the_cut_is_a_change():
    src = "def f():\n    d = dict.fromkeys(range(20), 0)\n    x = d.pop(15)\n    d[15] = x\n    d[15] = 0\n    return len(d)\n"
    assert _cut_changes(src, "d") == [2, 3, 4]


def test_a_change_beyond_the_cut_shows_through_an_alias():
    src = "def f():\n    a = list(range(20))\n    b = a\n    b[15] = 99\n    return a[15]\n"
    t = trace_call(src, "f()", max_items=5)
    assert _changes_of(t, "a") == [2, 4]
    assert _changes_of(t, "b") == [3, 4]
    assert t.return_value["repr"] == "99"


SNEAKY = """
HELD = []


class Sneaky:
    def __radd__(self, other):
        HELD[0][1] = other
        return other


S = Sneaky()


def f():
    a = list(range(20))
    HELD.append(a)
    x = 5 + S
    a.append(20)
    x = 6 + S
    y = a.pop()
    return a
"""


def test_append_and_pop_on_a_long_list_see_a_change_they_did_not_make():
    # ``x = 5 + S`` calls nothing, so it is not checked; ``__radd__`` changes ``a``
    # behind it. The next step patches its copy of ``a`` at the end only, and must
    # still report the whole change.
    t = trace_call(SNEAKY, "f()", max_items=5)
    shown = [(s.line, s.changes["a"]["repr"]) for s in t.steps if s.depth == 0 and "a" in s.changes]
    assert [line for line, _ in shown] == [15, 18, 20]
    assert shown[1][1].startswith("[0, 5, 2,") and shown[2][1].startswith("[0, 6, 2,")


_EXIT_SETS = """
class CM:
    def __init__(self, l):
        self.l = l
    def __enter__(self):
        return self
    def __exit__(self, *e):
        self.l[1] = True
def f():
    c = [1, 1, 1, 1, 1, 1, 1, 1]
    with CM(c):
        pass
    c[0] = 5
    c[2] = 7
    return c
"""


@pytest.mark.parametrize("max_items", [5, 100])
def test_a_change_made_between_steps_shows_at_the_next_store(max_items):
    # __exit__ runs after the with block's last step: its change of c (1 -> True,
    # equal under ==) is seen at the next store into c, with the value shown right.
    t = trace_call(_EXIT_SETS, "f()", max_items=max_items)
    shown = [(s.line, s.changes["c"]["repr"]) for s in t.steps if s.depth == 0 and "c" in s.changes]
    assert [line for line, _ in shown][-2:] == [13, 14]
    assert shown[-2][1].startswith("[5, True, 1,") and shown[-1][1].startswith("[5, True, 7,")


@pytest.mark.parametrize("stmt, changed", [
    ("a[0], a = 1, [5]", "b"),   # the old list gets the item, then the name is rebound
    ("a[0] += [5]", "c"),        # list.__iadd__ changes the item in place
])
def test_a_store_that_changes_another_value_reports_it(stmt, changed):
    src = f"def f():\n    a = [[1], 2]\n    b = a\n    c = a[0]\n    {stmt}\n    return b, c\n"
    for max_items in (1, 100):
        t = trace_call(src, "f()", max_items=max_items)
        assert [s.line for s in t.steps if changed in s.changes] == [3 if changed == "b" else 4, 5]


def test_a_new_dict_key_keeps_its_own_identity_after_a_store_that_raised():
    # The failed ``a[True] = 5`` leaves its key behind; the dict's new key is 1.0, not True.
    src = ("def f():\n    a = []\n    d = {i: i for i in range(8)}\n    del d[True]\n"
           "    try:\n        a[True] = 5\n    except IndexError:\n        pass\n"
           "    d[1.0] = 'x'\n    n = len(d)\n    d[1] = 'y'\n    return d\n")
    t = trace_call(src, "f()", max_items=5)
    assert [s.line for s in t.steps if "d" in s.changes and s.event == "line"] == [3, 4, 9, 11]
    assert t.return_value["repr"].endswith("...}") and t.return_value["len"] == 8


@pytest.mark.parametrize("stmt, flag, keys", [
    ("a[i] = 1", "'a'", 1),
    ("a[i], a[j] = a[j], a[i]", "'a'", 2),
    ("a[i] += 1", "'a'", 1),
    ("a.append(x + 1)", "'a', 'append'", 0),
    ("y = a.pop()", "'a', 'pop'", 0),
    ("a[g(i)] = 1", "1", 0),
    ("a[i], b[i] = 1, 2", "1", 0),
    ("a[i:j] = []", "1", 0),
    ("a.b[i] = 1", "1", 0),
    ("a.append(g(x))", "1", 0),
    ("a.append([y for y in x])", "1", 0),
    ("a.pop(0)", "1", 0),
    ("a.extend(x)", "1", 0),
])
def test_stores_the_recorder_can_patch_are_marked(stmt, flag, keys):
    import re

    from pytrace_sem import rewrite

    out = rewrite.instrument(f"def f(a, b, g, i, j, x):\n    {stmt}\n").source
    consts = re.findall(r"\(0, 2, \((?:'y',)?\), ([^)]+)\)", out)
    assert consts == [flag]
    assert out.count("_rt.k(") == keys


def test_item_stores_in_a_generator_are_not_marked():
    from pytrace_sem import rewrite

    out = rewrite.instrument("def f(a, i):\n    a[i] = 1\n    a.append(i)\n    yield\n").source
    assert ".k(" not in out
    assert "gs((0, 2, (), 1))" in out and "gs((0, 3, (), 1))" in out


def test_gc_thresholds_are_restored_after_a_trace():
    import gc

    before = gc.get_threshold()
    src = "import gc\n\ndef f():\n    return gc.get_threshold()[0]\n"
    t = trace_call(src, "f()")
    from pytrace_sem import _runtime

    assert int(t.return_value["repr"]) == max(before[0], _runtime._GC_FIRST)  # relaxed while recording
    assert gc.get_threshold() == before


def test_gc_thresholds_the_traced_code_sets_are_kept():
    import gc

    before = gc.get_threshold()
    try:
        src = "import gc\n\ndef f():\n    gc.set_threshold(1234, 5, 6)\n    return 1\n"
        trace_call(src, "f()")
        assert gc.get_threshold() == (1234, 5, 6)
    finally:
        gc.set_threshold(*before)


@pytest.mark.parametrize("build", ["[1] * 20 + [[2]]", "{**dict.fromkeys(range(20), 1), 99: [2]}"])
def test_a_mutable_item_beyond_the_cut_of_a_long_container_is_watched(build):
    # The shown head holds plain values only; the list (or dict) further on does not.
    key = 20 if build.startswith("[") else 99
    src = f"def f():\n    a = {build}\n    x = 1\n    a[{key}].append(3)\n    return len(a)\n"
    assert _cut_changes(src, "a") == [2, 4]


def test_a_long_list_holding_a_list_beyond_the_cut_shows_no_change_it_did_not_make():
    src = ("def f():\n    a = [1] * 20 + [[2]]\n    print(1)\n    print(2)\n    a[20].append(3)\n"
           "    print(3)\n    return len(a)\n")
    assert _cut_changes(src, "a") == [2, 5]


@pytest.mark.parametrize("item", ["[1]", "(1, [1])", "{1: 2}"])
def test_a_mutable_item_put_beyond_the_cut_is_watched_from_then_on(item):
    src = (f"def f():\n    a = [None] * 20\n    a[15] = {item}\n    print(2)\n    a[15]"
           f"{'[1]' if item.startswith('(') else ''}.{'update({3: 4})' if item.startswith('{') else 'append(3)'}\n"
           "    print(3)\n    return len(a)\n")
    assert _cut_changes(src, "a") == [2, 3, 5]


def test_a_long_list_of_pairs_is_not_changed_by_reading_it():
    src = "def f():\n    a = list(range(8))\n    a.append((1, 2))\n    n = len(a)\n    a = a[:]\n    return n\n"
    assert _cut_changes(src, "a") == [2, 3]


def test_a_nonlocal_rebinding_to_equal_content_is_not_a_change():
    src = ("def f():\n    a = list(range(8))\n    def g():\n        nonlocal a\n        a = list(range(8))\n"
           "    g()\n    x = 1\n    a.append(1)\n    return a\n")
    t = trace_call(src, "f()", max_items=5)
    assert [s.line for s in t.steps if "a" in s.changes and s.depth == 0] == [2, 8]


def test_an_equal_bound_method_beyond_the_cut_does_not_run_repr_in_the_recorder():
    src = ("class A:\n    def m(self):\n        return 1\n    def __repr__(self):\n        raise RuntimeError('no')\n"
           "def f():\n    a = A()\n    ms = [a.m] * 8\n    ms[7] = a.m\n    y = len(ms)\n    return y\n")
    t = trace_call(src, "f()", max_items=5)
    assert t.exception is None and t.return_value["repr"] == "8"
    assert all(s.depth == 0 for s in t.steps)


def test_an_augmented_assignment_whose_operand_runs_code_is_checked():
    src = ("HOOK = None\nclass Acc:\n    def __radd__(self, other):\n        HOOK.append(other)\n"
           "        return other + 1\nACC = Acc()\ndef f():\n    global HOOK\n    log = []\n    HOOK = log\n"
           "    n = 0\n    n += ACC\n    m = 1\n    return log\n")
    t = trace_call(src, "f()")
    assert [s.changes["log"]["repr"] for s in t.steps if "log" in s.changes] == ["[]", "[0]"]


def test_shallow_copies_of_long_lists_are_bounded(monkeypatch):
    from pytrace_sem import _runtime

    monkeypatch.setattr(_runtime, "FULL_BUDGET", 50)
    versioned = _runtime._versioned
    held, hashed = [], []

    def watch(value, values):
        got = versioned(value, values)
        held.append(_runtime._full_items)
        hashed.append(got is None)
        return got

    monkeypatch.setattr(_runtime, "_versioned", watch)
    # Each of the 7 frames of the recursion tracks the same 20-item list.
    src = ("def f(a, n):\n    if n == 0:\n        return 0\n    x = f(a, n - 1)\n    a[-1] = n\n"
           "    y = len(a)\n    return x + 1\n")
    t = trace_call(src, "f(list(range(20)), 6)", max_items=5)
    assert [s.line for s in t.steps if "a" in s.changes and s.depth == 0] == [1, 4, 5]
    assert max(held) <= 50 and any(hashed) and not all(hashed)
    assert _runtime._full_items == 0  # all given back when the frames left


def test_slots_are_shown_and_an_object_met_again_is_shared() -> None:
    src = ("class Node:\n    __slots__ = ('value', 'next', 'prev')\n    def __init__(self, value):\n"
           "        self.value = value\n        self.next = self.prev = None\n"
           "def f():\n    a, b = Node(1), Node(2)\n    a.next, b.prev = b, a\n    pair = [a, b]\n    return len(pair)\n")
    t = trace_call(src, "f()")
    pair = next(s.changes["pair"] for s in t.steps if "pair" in s.changes)
    first, second = pair["items"]
    assert first["attrs"]["value"]["repr"] == "1" and first["attrs"]["next"]["attrs"]["value"]["repr"] == "2"
    assert second == {"type": "__pytrace_sem__.Node", "repr": "<__pytrace_sem__.Node object>", "shared": True}
    validate(t.to_json())


def test_a_change_in_a_huge_list_is_found_by_sampling(monkeypatch) -> None:
    # Past SAMPLE_ABOVE items a list is fingerprinted from a sample (length, evenly
    # spaced items, its tail); tiny thresholds make the test small.
    from pytrace_sem import _runtime

    monkeypatch.setattr(_runtime, "SAMPLE_ABOVE", 40)
    monkeypatch.setattr(_runtime, "SAMPLE", 4)
    monkeypatch.setattr(_runtime, "FULL_BUDGET", 10)  # no shallow copies: the fingerprint decides
    src = ("def f(xs):\n    ys = xs\n    n = 0\n    ys.append(-1)\n    n = 1\n    ys.reverse()\n"
           "    n = 2\n    return len(ys)\n")
    t = trace_call(src, "f(list(range(100)))", max_items=5)
    seen = [s.line for s in t.steps if "ys" in s.changes]
    assert seen == [2, 4, 6]  # bound, grown, reversed; never at the steps that leave it alone


def test_a_huge_int_is_shown_by_its_size_even_without_a_digit_limit() -> None:
    if not hasattr(sys, "set_int_max_str_digits"):
        pytest.skip("no digit limit before Python 3.11")
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        t = trace_call("def f(n):\n    x = 3 ** n\n    return x % 10\n", "f(100000)")
    finally:
        sys.set_int_max_str_digits(old)
    assert t.steps[1].changes["x"] == {"type": "int", "repr": "<int with 158497 bits>", "truncated": True}
