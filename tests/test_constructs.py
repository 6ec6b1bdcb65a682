"""Golden-file tests, one per Python construct, and proof that tracing changes nothing.

Each sample under ``tests/golden/trace/`` is a small module whose first lines say
how to call it::

    # call: f([1, 2], 'a')
    # limits: max_steps=40          (optional)

For every sample, the trace of that call must equal ``<sample>.json`` byte for
byte (set ``PYTRACE_SEM_REGEN=1`` to rewrite the files, then review the diff),
and running the instrumented module must behave exactly like running the
original: same result, same exception and traceback lines, same printed
output, and the same names, docstrings, signatures, defaults, closures and
code-object layout for every function and class it defines.

Nothing in the golden files is normalised: the project promises byte-identical
traces across runs, processes and hash seeds (see ``test_sets_are_the_same_in_every_process``),
so anything unstable is a bug to fix, not to paper over.
"""

from __future__ import annotations

import inspect
import json
import linecache
import os
import re
import subprocess
import sys
import traceback
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import pytrace_sem
from pytrace_sem import api
from pytrace_sem.trace import validate
from pytrace_sem.values import encode
from tests.reference import matches, our_sequences, reference_sequences

GOLDEN = Path(__file__).parent / "golden" / "trace"
SAMPLES_DIR = Path(__file__).parent / "samples"
REGEN = os.environ.get("PYTRACE_SEM_REGEN") == "1"
ROOT = Path(__file__).resolve().parent.parent

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+|0x[0-9a-fA-F]{6,}")


@dataclass(frozen=True)
class Sample:
    name: str
    source: str
    call: str
    limits: dict[str, int]


def load_sample(path: Path) -> Sample:
    source = path.read_text(encoding="utf-8")
    call = re.search(r"^# call: (.+)$", source, re.M)
    assert call, f"{path} has no '# call: ...' line"
    limits: dict[str, int] = {}
    found = re.search(r"^# limits: (.+)$", source, re.M)
    if found:
        for item in found.group(1).split(","):
            key, value = item.split("=")
            limits[key.strip()] = int(value)
    return Sample(path.stem, source, call.group(1).strip(), limits)


SAMPLES = [load_sample(p) for p in sorted(GOLDEN.glob("*.py"))]


def golden_text(t: pytrace_sem.Trace) -> str:
    return json.dumps(t.to_json(), indent=1, ensure_ascii=False) + "\n"


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / f"{name}.json"
    if REGEN:
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing; run with PYTRACE_SEM_REGEN=1 to create it"
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        # Show the first differing line rather than two huge strings.
        got_lines, want_lines = text.splitlines(), expected.splitlines()
        for i, (g, w) in enumerate(zip(got_lines, want_lines)):
            if g != w:
                break
        else:
            i = min(len(got_lines), len(want_lines))
        pytest.fail(
            f"{name}.json differs at line {i + 1}:\n  got:      {got_lines[i] if i < len(got_lines) else '<end>'}\n"
            f"  expected: {want_lines[i] if i < len(want_lines) else '<end>'}\n"
            "if the change is intended, rerun with PYTRACE_SEM_REGEN=1 and review the diff"
        )


# -- running a sample plainly and instrumented ----------------------------------------------


@dataclass
class Outcome:
    ns: dict
    result: Any
    error: BaseException | None
    out: str


def run_plain(sample: Sample, capsys) -> Outcome:
    """The original source, compiled by Python itself, as an ordinary module."""
    filename = f"<plain:{sample.name}>"
    lines = sample.source.splitlines(keepends=True)
    linecache.cache[filename] = (len(sample.source), None, lines, filename)
    ns: dict = {"__name__": api.MODULE_NAME, "__file__": filename}
    exec(compile(sample.source, filename, "exec", dont_inherit=True), ns)  # noqa: S102
    fn, args, kwargs = api._resolve(api._parse_call(sample.call), ns, sample.call)
    capsys.readouterr()
    result = error = None
    try:
        result = fn(*args, **kwargs)
    except BaseException as exc:  # noqa: BLE001 - the outcome to compare
        error = exc
    return Outcome(ns, result, error, capsys.readouterr().out)


def run_traced(sample: Sample, capsys) -> Outcome:
    """The instrumented source, run while a trace is recorded, as ``trace_call`` runs it.

    ``trace_call`` returns only the encoded result; to compare live objects this
    uses the same steps it does (load, resolve, run under a session).
    """
    ns, _mod = api._load_module(sample.source)
    fn, args, kwargs = api._resolve(api._parse_call(sample.call), ns, sample.call)
    limits, _ = api._limits(sample.limits)
    capsys.readouterr()
    _sess, result, error = api._run(fn, args, kwargs, limits)
    return Outcome(ns, result, error, capsys.readouterr().out)


def _text(value: Any) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # noqa: BLE001
        text = f"<repr raised {type(exc).__name__}>"
    if not isinstance(text, str):
        text = f"<repr returned {type(text).__name__}>"
    return _ADDRESS.sub("", text)


def describe(value: Any, depth: int = 0, seen: frozenset = frozenset()) -> Any:
    """What a user can observe of a value without running it: comparable across the two runs."""
    if depth > 6 or id(value) in seen:
        return "..."
    seen = seen | {id(value)}
    d = depth + 1
    if isinstance(value, types.FunctionType):
        code = value.__code__
        closure = [describe(c.cell_contents, d, seen) if _filled(c) else "<empty cell>"
                   for c in value.__closure__ or ()]
        out = {
            "name": value.__name__,
            "qualname": value.__qualname__,
            "module": value.__module__,
            "doc": value.__doc__,
            "signature": str(inspect.signature(value)),
            "defaults": _text(value.__defaults__),
            "kwdefaults": _text(value.__kwdefaults__),
            "annotations": _text(value.__annotations__),
            "dict": sorted(k for k in vars(value) if k != "__wrapped__"),
            "closure": closure,
            "varnames": code.co_varnames,
            "cellvars": code.co_cellvars,
            "freevars": code.co_freevars,
            "argcounts": (code.co_argcount, code.co_posonlyargcount, code.co_kwonlyargcount),
            "flags": code.co_flags,
            "firstlineno": code.co_firstlineno,
            "generator": (inspect.isgeneratorfunction(value), inspect.iscoroutinefunction(value),
                          inspect.isasyncgenfunction(value)),
        }
        if hasattr(value, "__wrapped__"):
            out["wrapped"] = describe(value.__wrapped__, d, seen)
        return out
    if isinstance(value, type):
        members = {}
        for key, member in vars(value).items():
            if key in ("__dict__", "__weakref__"):
                continue
            if isinstance(member, (classmethod, staticmethod)):
                members[key] = (type(member).__name__, describe(member.__func__, d, seen))
            elif isinstance(member, property):
                members[key] = ("property", describe(member.fget, d, seen), describe(member.fset, d, seen),
                                describe(member.fdel, d, seen), member.__doc__)
            else:
                members[key] = describe(member, d, seen)
        return {"class": value.__qualname__, "module": value.__module__, "doc": value.__doc__,
                "mro": [c.__qualname__ for c in value.__mro__], "members": members}
    if isinstance(value, (list, tuple)):
        return [type(value).__name__, [describe(v, d, seen) for v in value]]
    if isinstance(value, dict):
        return ["dict", [(describe(k, d, seen), describe(v, d, seen)) for k, v in value.items()]]
    if isinstance(value, types.ModuleType):
        return f"<module {value.__name__}>"
    return [type(value).__qualname__, _text(value)]


def _filled(cell) -> bool:
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True


def _tb_lines(error: BaseException, filename: str) -> list[tuple[int, str, str]]:
    return [(fr.lineno, fr.name, fr.line) for fr in traceback.extract_tb(error.__traceback__)
            if fr.filename == filename]


def assert_same_behaviour(plain: Outcome, traced: Outcome) -> None:
    assert traced.out == plain.out, "printed output differs"
    if plain.error is None:
        assert traced.error is None, f"traced run raised {traced.error!r}"
        assert describe(traced.result) == describe(plain.result)
    else:
        assert traced.error is not None, "traced run did not raise"
        assert type(traced.error).__qualname__ == type(plain.error).__qualname__
        assert str(traced.error) == str(plain.error)
        assert _tb_lines(traced.error, traced.ns["__file__"]) == _tb_lines(plain.error, plain.ns["__file__"])
        for link in ("__cause__", "__context__"):
            assert describe(getattr(traced.error, link)) == describe(getattr(plain.error, link))
    names = sorted(k for k in plain.ns if k not in ("__builtins__", "__file__"))
    assert sorted(k for k in traced.ns if k not in ("__builtins__", "__file__")) == names
    for name in names:
        assert describe(traced.ns[name]) == describe(plain.ns[name]), name


# -- the tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_golden_trace(sample: Sample) -> None:
    t = pytrace_sem.trace_call(sample.source, sample.call, **sample.limits)
    data = t.to_json()
    validate(data)
    assert "0x" not in t.dumps()
    check_golden(sample.name, golden_text(t))


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_behaviour_unchanged(sample: Sample, capsys) -> None:
    plain = run_plain(sample, capsys)
    traced = run_traced(sample, capsys)
    assert_same_behaviour(plain, traced)
    # The trace's own record of the outcome agrees with the plain run.
    t = pytrace_sem.trace_call(sample.source, sample.call, **sample.limits)
    if plain.error is None:
        assert t.exception is None
        limits, _ = api._limits(sample.limits)
        assert t.return_value == encode(plain.result, limits)
    else:
        assert t.exception is not None and t.exception.type == type(plain.error).__qualname__
        assert t.exception.message == str(plain.error)


def _sample(name: str) -> Sample:
    return next(s for s in SAMPLES if s.name == name)


def _trace(name: str, **limits: int) -> pytrace_sem.Trace:
    s = _sample(name)
    return pytrace_sem.trace_call(s.source, s.call, **{**s.limits, **limits})


def _changes(t, name: str, depth: int | None = 0) -> list[str]:
    """The reprs a name takes, in order, at one depth (None: any depth)."""
    return [step.changes[name]["repr"] for step in t.steps
            if name in step.changes and (depth is None or step.depth == depth)]


def _steps_at(t, line: int) -> list:
    return [s for s in t.steps if s.line == line]


# -- what the golden files must say, spelled out for the constructs that matter most --------


def test_loops_with_else() -> None:
    t = _trace("loops_else")
    assert _changes(t, "x") == ["3", "8", "5", "12"]  # break at 12: 7 is never reached
    assert _changes(t, "found") == ["None", "12"]     # the for-else did not run
    assert _changes(t, "n") == ["0", "1", "2", "3", "-3"]  # the while-else did
    assert [s.outcome for s in t.steps if s.line == 14] == [True, True, True, False]
    assert _changes(t, "empty") == ["True"]
    assert t.return_value["repr"] == "(12, -3, True)"


def test_comprehensions_report_iterations_and_values() -> None:
    t = _trace("comprehensions")
    produced = [s.value["repr"] for s in t.steps if s.event == "comprehension"]
    assert produced == ["[4, 16]", "[(3, 'a'), (3, 'b'), (4, 'a'), (4, 'b')]", "{0, 1, 2}",
                        "{'a': 0, 'b': 1}", "[[0, 0], [0, 1]]"]
    inner = [s for s in t.steps if s.function == "f.<locals>.<listcomp>" and s.line == 3]
    assert [s.changes["x"]["repr"] for s in inner] == ["1", "2", "3", "4"]
    assert all(s.depth == 1 for s in inner)
    # The loop variable of a comprehension is not a variable of f.
    assert "x" not in {n for s in t.steps if s.depth == 0 for n in s.changes}


def test_generators_and_yield_from() -> None:
    t = _trace("generators")
    yields = [s.value["repr"] for s in t.steps if s.event == "yield" and s.function == "count"]
    assert yields == ["0", "1", "2", "0", "8"]
    assert [s.value["repr"] for s in t.steps if s.event == "resume" and s.function == "count"][-1] == "7"
    assert _changes(t, "result", depth=None) == ["'done'"]
    assert t.return_value["repr"] == "([0, 1, 2, 'done'], 0, 8)"


def test_async_functions() -> None:
    t = _trace("async_await")
    assert _changes(t, "y", depth=None) == ["2", "4", "6"]
    assert _changes(t, "total", depth=None) == ["0", "2", "6", "12"]
    assert [s.value["repr"] for s in t.steps if s.event == "return" and s.function == "double"] == ["2", "4", "6"]
    assert t.return_value["repr"] == "12"


def test_context_managers() -> None:
    t = _trace("context_managers")
    assert _changes(t, "pair") == ["'xy'"]
    returns = [s.value["repr"] for s in t.steps if s.function == "Recorder.__exit__" and s.event == "return"]
    assert returns == ["False", "True"]  # the second one swallowed the KeyError


def test_try_except_else_finally() -> None:
    t = _trace("try_except")
    caught = [(s.line, s.exception.type) for s in t.steps if s.event == "except"]
    assert caught == [(5, "ValueError"), (23, "TypeError"), (21, "ZeroDivisionError")]
    assert _changes(t, "reason", depth=1) == ["'ok'", "'invalid'", "'ok'", "'ok'"]
    assert t.return_value["repr"] == "[10, 'TypeError', 'div', 3]"


def test_exception_reraised_and_raised_out() -> None:
    t = _trace("try_reraise")
    assert t.return_value is None
    assert (t.exception.type, t.exception.message) == ("RuntimeError", "wrapped: zero given")
    raised = [(s.function, s.exception.type) for s in t.steps if s.event == "raise"]
    assert raised == [("check", "Failure"), ("f", "RuntimeError")]
    assert _changes(t, "note", depth=1) == ["'caught, re-raising'"]
    assert _changes(t, "cleanup") == ["True"]  # the finally ran before the exception left


def test_match_statement() -> None:
    t = _trace("match_statement")
    cases = [s.line for s in t.steps if s.function == "describe" and s.event == "branch"]
    assert cases == [12, 14, 16, 18, 20, 22, 24, 26]
    captured = {name for s in t.steps if s.function == "describe" for name in s.changes}
    assert {"a", "b", "x", "rest", "yy", "word", "n", "first", "others"} <= captured


def test_walrus() -> None:
    t = _trace("walrus")
    assert _changes(t, "y") == ["8", "0", "18", "4"]    # bound in f, even inside the comprehension
    assert _changes(t, "first") == ["4"]
    assert "never" not in {n for s in t.steps for n in s.changes}  # short-circuited
    assert _changes(t, "chunk") == ["[4, 0]", "[9, 2]", "[]"]


def test_lambdas_are_listed_as_untraced() -> None:
    t = _trace("lambdas")
    assert t.untraced == ((6, "lambda"), (7, "lambda"), (8, "lambda"))
    assert {s.function for s in t.steps} == {"f"}


def test_decorators_keep_the_wrapped_function() -> None:
    t = _trace("decorators")
    assert [s.function for s in t.steps if s.event == "call"] == [
        "f", "logged.<locals>.wrapper", "double", "times.<locals>.deco.<locals>.inner",
        "logged.<locals>.wrapper", "inc"]
    assert t.return_value["repr"] == "(10, 18, ['double', 'inc'], 'double', 'Twice x.', 'double')"


def test_classes_and_methods() -> None:
    t = _trace("classes")
    called = [s.function for s in t.steps if s.event == "call"]
    for name in ("Square.__init__", "Shape.__init__", "Square.area", "Square.__eq__", "Shape.make",
                 "Shape.unit", "Square.__len__", "Shape.describe", "Square.describe"):
        assert name in called, name
    # Attribute assignments show up as a change of the object.
    assert "self" in t.steps[3].changes and t.steps[3].line == 6


def test_global_and_nonlocal() -> None:
    t = _trace("global_nonlocal")
    assert _changes(t, "total", depth=1) == ["0", "1", "3"]
    assert _changes(t, "counter", depth=1) == ["0", "1", "3"]
    assert t.return_value["repr"] == "(3, 3)"


def test_return_inside_finally() -> None:
    t = _trace("return_in_finally")
    assert [s.value["repr"] for s in t.steps if s.event == "return"] == ["-1", "-1"]
    assert t.exception is None and t.return_value["repr"] == "-1"


def test_aliasing_changes_every_name() -> None:
    t = _trace("aliasing")
    step = _steps_at(t, 4)[0]  # b.append(1)
    assert {k: v["repr"] for k, v in step.changes.items()} == {"a": "[1]", "b": "[1]"}
    step = _steps_at(t, 10)[0]  # e[0].append(4) changes a, b, c, d and e
    assert set(step.changes) == {"a", "b", "c", "d", "e"}


def test_history_is_not_rewritten() -> None:
    t = _trace("aliasing")
    assert _steps_at(t, 3)[0].changes["a"]["repr"] == "[]"  # later appends do not reach back


def test_mutation_through_a_callee() -> None:
    t = _trace("mutation_callee")
    assert _changes(t, "items") == ["[5]", "[5, 1]", "[5, 1, 1]"]
    assert _changes(t, "table") == ["{}", "{'a': ['a']}", "{'a': ['a', 'a']}"]
    assert [s.line for s in t.steps if s.depth == 0 and "items" in s.changes] == [10, 11, 16]


def test_attributes_items_and_del() -> None:
    t = _trace("attributes_items_del")
    box_lines = [s.line for s in t.steps if "box" in s.changes]
    assert box_lines == [7, 8, 9, 17, 18]
    attrs = [s.changes["box"].get("attrs", {}) for s in t.steps if "box" in s.changes]
    assert [{k: v["repr"] for k, v in a.items()} for a in attrs] == [
        {}, {"value": "1"}, {"value": "2"}, {"value": "2", "other": "2"}, {"other": "2"}]
    assert [s.deleted for s in t.steps if s.deleted] == [("x",)]
    assert _changes(t, "d") == ["{}", "{'k': 'v'}", "{'k': 'v', 'n': [1, 2, 3]}", "{'n': [1, 2, 3]}",
                                "{'n': [2, 3]}"]


def test_cycles() -> None:
    t = _trace("cycles")
    assert t.return_value["repr"] == "([1, [...]], {'self': {...}}, [[[[...]]], [[[...]]]])"


def test_repr_that_raises() -> None:
    # Opted in to user reprs: failures are contained and shown.
    t = _trace("repr_raises", user_repr=True)
    assert t.repr_policy == "user" and t.to_json()["repr_policy"] == "user"
    b = _changes(t, "b")
    assert b and all("RuntimeError" in r for r in b)
    assert _changes(t, "odd") == ["<NotAString object (repr raised TypeError)>"]


def test_the_default_policy_never_calls_a_user_repr() -> None:
    t = _trace("repr_raises")
    assert t.repr_policy == "builtin" and "repr_policy" not in t.to_json()
    assert set(_changes(t, "b")) == {"<__pytrace_sem__.Broken object>"}
    assert _changes(t, "odd") == ["<__pytrace_sem__.NotAString object>"]


@pytest.mark.slow
def test_repr_that_hangs() -> None:
    # The recorder gives up on a __repr__ after a few seconds; the trace goes on.
    src = ("class Slow:\n    def __repr__(self):\n        while True:\n            pass\n\n\n"
           "def f():\n    s = Slow()\n    s.x = 1\n    return 7\n")
    t = pytrace_sem.trace_call(src, "f()", user_repr=True)
    assert t.return_value["repr"] == "7"
    shown = _changes(t, "s")
    assert len(shown) == 2 and all(r.startswith("<Slow object (repr") for r in shown)


def test_no_memory_addresses() -> None:
    text = _trace("addresses").dumps()
    assert "0x" not in text
    assert "<__pytrace_sem__.Plain object>" in text


def test_huge_ints() -> None:
    t = _trace("huge_ints")
    assert _changes(t, "big") == [str(2 ** 400)]
    assert t.return_value["repr"] == repr((2 ** 400, -(2 ** 400), 121, (2 ** 800) % 1000))


def test_huge_int_beyond_the_str_digit_limit() -> None:
    if not hasattr(sys, "get_int_max_str_digits"):
        pytest.skip("this Python has no limit on int -> str digits")
    src = "def f(k):\n    n = 10 ** k\n    return n % 7\n"
    t = pytrace_sem.trace_call(src, f"f({sys.get_int_max_str_digits() + 10})")
    (value,) = _changes(t, "n")
    assert value.startswith("<int with") and t.return_value["repr"] == repr(pow(10, sys.get_int_max_str_digits() + 10, 7))


def test_special_floats() -> None:
    t = _trace("special_floats")
    assert _changes(t, "values") == ["[nan, inf, -inf, -0.0, 0.30000000000000004]"]
    assert _changes(t, "nzero") == ["-0.0"]


def test_bytes_complex_range() -> None:
    t = _trace("bytes_complex_range")
    assert _changes(t, "b") == [repr(b"ab\x00\xff\x03")]
    assert _changes(t, "w") == ["(3+1j)"]
    assert _changes(t, "rr") == ["range(7, 23, 4)"]


def test_million_iterations_are_bounded_and_return_the_true_value() -> None:
    t = _trace("million_loop")
    assert len(t.steps) == 40
    assert t.truncated and t.stopped is not None
    assert (t.stopped.reason, t.stopped.after_step) == ("max_steps", 40)
    assert t.return_value["repr"] == str(sum(range(1_000_000)))


def test_million_iterations_with_the_default_limits() -> None:
    s = _sample("million_loop")
    t = pytrace_sem.trace_call(s.source, s.call)
    assert t.truncated and len(t.steps) == api.DEFAULT_LIMITS["max_steps"]
    assert t.return_value["repr"] == str(sum(range(1_000_000)))


def test_size_limit_stops_recording() -> None:
    src = "def f(n):\n    s = ''\n    for i in range(n):\n        s += 'x' * 50\n    return len(s)\n"
    t = pytrace_sem.trace_call(src, "f(2000)", max_size=20_000)
    assert t.truncated and t.stopped.reason == "max_size"
    assert t.return_value["repr"] == "100000"
    assert len(t.dumps()) < 200_000


def test_locals_and_dir_see_no_helper_names() -> None:
    t = _trace("locals_dir")
    assert t.return_value["repr"] == (
        "(['a', 'b'], ['a', 'b', 'names'], ['x'], [], 1)")


def test_original_line_numbers() -> None:
    t = _trace("line_numbers")
    assert t.return_value["repr"] == "((12, 'def g(x):', 4, 14), [(20, 'f', '[][x]')], 17)"


def test_traceback_of_an_uncaught_exception_shows_original_lines() -> None:
    src = "def g(x):\n    y = x + 1\n    return 1 // (y - y)\n\n\ndef f(x):\n    z = g(x)\n    return z\n"
    ns, _ = api._load_module(src)
    with pytest.raises(ZeroDivisionError) as info:
        ns["f"](1)
    frames = [(fr.lineno, fr.name, fr.line) for fr in traceback.extract_tb(info.value.__traceback__)
              if fr.filename == ns["__file__"]]
    assert frames == [(7, "f", "z = g(x)"), (3, "g", "return 1 // (y - y)")]
    assert inspect.getsource(ns["g"]) == "def g(x):\n    y = x + 1\n    return 1 // (y - y)\n"


def test_closures_keep_their_cells() -> None:
    t = _trace("closures")
    assert _changes(t, "cells") == ["[6]"]
    assert _changes(t, "offset", depth=1) == ["6"]


# -- deep recursion, near the interpreter's own limit -----------------------------------------

DEPTH_SRC = "def depth(n):\n    if n == 0:\n        return 0\n    return 1 + depth(n - 1)\n"


def test_recursion_near_the_interpreter_limit() -> None:
    # Leave room for the frames below this test and a few the recorder needs per call.
    n = sys.getrecursionlimit() - len(inspect.stack(0)) - 40
    ns: dict = {}
    exec(DEPTH_SRC, ns)  # noqa: S102
    assert ns["depth"](n) == n
    t = pytrace_sem.trace_call(DEPTH_SRC, f"depth({n})", max_steps=10 * n)
    assert t.exception is None, t.exception
    assert t.return_value["repr"] == str(n)
    assert max(s.depth for s in t.steps) == n
    assert not t.truncated


def test_recursion_past_the_limit_raises_recursion_error_like_python() -> None:
    n = sys.getrecursionlimit() * 2
    t = pytrace_sem.trace_call(DEPTH_SRC, f"depth({n})", max_steps=100)
    assert t.exception is not None and t.exception.type == "RecursionError"
    assert t.truncated


# -- determinism across processes ---------------------------------------------------------------

_DUMP = (
    "import sys, pytrace_sem\n"
    "src = open(sys.argv[1], encoding='utf-8').read()\n"
    "sys.stdout.write(pytrace_sem.trace_call(src, sys.argv[2]).dumps())\n"
)


def _dump_in_process(path: Path, seed: str, call: str | None = None) -> str:
    """The trace JSON of one call, recorded in a fresh interpreter with this hash seed."""
    call = call or load_sample(path).call
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", _DUMP, str(path), call], capture_output=True, text=True,
                          env=env, check=False, encoding="utf-8")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_sets_are_the_same_in_every_process() -> None:
    path = GOLDEN / "sets.py"
    first, second = _dump_in_process(path, "1"), _dump_in_process(path, "2")
    assert first == second
    # And the same as this process (whatever its seed), i.e. the golden file.
    assert json.loads(first) == json.loads((GOLDEN / "sets.json").read_text(encoding="utf-8"))


def test_sets_of_objects_do_not_depend_on_addresses() -> None:
    src = ("class P:\n    def __init__(self, v):\n        self.v = v\n    def __repr__(self):\n"
           "        return f'P({self.v})'\n\n\ndef f(n):\n    s = {P(i) for i in range(n)}\n    return s\n")
    reprs = {pytrace_sem.trace_call(src, "f(30)", user_repr=True).return_value["repr"] for _ in range(3)}
    assert reprs == {"{" + ", ".join(sorted(f"P({i})" for i in range(30))) + "}"}
    # The default policy shows each P by its attributes, sorted by them.
    shown = {json.dumps(pytrace_sem.trace_call(src, "f(30)").return_value) for _ in range(3)}
    assert len(shown) == 1
    items = json.loads(shown.pop())["items"]
    assert [i["attrs"]["v"]["repr"] for i in items] == sorted(str(i) for i in range(30))


# -- regression samples (tests/samples): bugs found while writing these tests ------------------


def _faithful(source: str, call: str, entry: str = "f") -> pytrace_sem.Trace:
    """Trace ``call`` and check every local of ``entry`` against the settrace reference."""
    ns: dict = {"__name__": api.MODULE_NAME}
    exec(compile(source, "<reference>", "exec"), ns)  # noqa: S102
    args = eval(f"(lambda *a: a){call[len(entry):]}", ns)  # noqa: S307
    seqs, result, error = reference_sequences(ns[entry], args, {})
    assert error is None, error
    t = pytrace_sem.trace_call(source, call)
    ours = our_sequences(t)
    for name, seq in seqs.items():
        at = matches(ours.get(name, []), seq)
        assert at is None, f"{name}: ours {ours.get(name)}, reference {seq}"
    return t


def _read_sample(name: str) -> str:
    return (SAMPLES_DIR / f"{name}.py").read_text(encoding="utf-8")


def test_sample_attribute_assignment() -> None:
    t = _faithful(_read_sample("attribute_assignment"), "f()")
    shown = [(s.line, sorted(s.changes["box"].get("attrs", {}))) for s in t.steps if "box" in s.changes]
    assert shown == [(11, []), (12, ["value"]), (13, ["value"]), (14, [])]
    assert [s.changes["box"]["attrs"]["value"]["repr"] for s in t.steps
            if "box" in s.changes and "attrs" in s.changes["box"]] == ["1", "2"]


def test_sample_set_order() -> None:
    path = SAMPLES_DIR / "set_order.py"
    call = "f(['kiwi', 'apple', 'fig', 'date', 'banana'])"
    first, second = _dump_in_process(path, "0", call), _dump_in_process(path, "12345", call)
    assert first == second
    t = pytrace_sem.trace_call(path.read_text(encoding="utf-8"), call)
    assert _changes(t, "seen") == ["{'apple', 'banana', 'date', 'fig', 'kiwi'}"]
    assert t.return_value == json.loads(first)["return"]


def test_sample_class_body_mutation() -> None:
    t = _faithful(_read_sample("class_body_mutation"), "f()")
    assert [(s.line, s.changes["log"]["repr"]) for s in t.steps if s.depth == 0 and "log" in s.changes] == [
        (14, "[]"), (16, "['class body']"), (20, "['class body', 'g']")]


def test_sample_nonlocal_rebinding() -> None:
    t = _faithful(_read_sample("nonlocal_rebinding"), "f(4)")
    assert [(s.line, s.changes["total"]["repr"]) for s in t.steps if s.depth == 0 and "total" in s.changes] == [
        (8, "0"), (15, "1"), (15, "3"), (15, "6")]
    # The inner function's own view is unchanged.
    assert _changes(t, "total", depth=1) == ["0", "1", "3", "6"]


def test_nonlocal_watch_reads_no_unbound_name() -> None:
    # The rebound variable is unbound while the first calls run.
    src = ("def f():\n    def set_it():\n        nonlocal late\n        late = 5\n"
           "    print('before')\n    set_it()\n    return late\n    late = 0\n")
    t = _faithful(src, "f()")
    assert [(s.line, s.changes["late"]["repr"]) for s in t.steps if s.depth == 0 and "late" in s.changes] == [
        (6, "5")]
