"""The optional C accelerator of the recorder (``pytrace_sem/_speedups.c``).

It must change nothing but speed: the same calls traced with it and with the pure
Python recorder (``PYTRACE_SEM_PURE=1``) give byte-identical trace JSON. Each
mode runs in its own process, since the choice is made at import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from pytrace_sem import _runtime

ROOT = Path(__file__).resolve().parent.parent

try:
    from pytrace_sem import _speedups
except ImportError:  # not built (no C compiler): the pure recorder is the only one
    _speedups = None

needs_speedups = pytest.mark.skipif(
    _speedups is None and not os.environ.get("PYTRACE_SEM_REQUIRE_SPEEDUPS"),
    reason="the C accelerator is not built here",
)
# The recorder functions in C work only once _runtime has bound them (not under PYTRACE_SEM_PURE).
needs_bound = pytest.mark.skipif(not _runtime.SPEEDUPS, reason="the pure Python recorder is in use")

# Traces every case of the corpus below and prints one JSON line per trace.
_DUMP = r'''
import json, sys
sys.path.insert(0, sys.argv[1])
import pytrace_sem
from pytrace_sem import _runtime
from tests import datasets
from tests.test_constructs import SAMPLES
from tests.test_faithful import LONG_STORES

out = open(sys.argv[2], "w", encoding="utf-8")  # not stdout: traced code may print
out.write(json.dumps({"speedups": _runtime.SPEEDUPS}) + "\n")

def emit(name, source, call, **limits):
    try:
        t = pytrace_sem.trace_call(source, call, **limits).to_json()
    except Exception as exc:
        t = {"error": type(exc).__name__, "message": str(exc)}
    out.write(json.dumps({"case": name, "limits": limits, "trace": t}, sort_keys=True) + "\n")

for s in SAMPLES:
    emit(s.name, s.source, s.call, **s.limits)
    emit(s.name, s.source, s.call, max_steps=7, max_items=2)
for row in datasets.cruxeval():
    call = f"f({row['input']})"
    emit(row["id"], row["code"], call)
    emit(row["id"], row["code"], call, max_steps=12, max_items=3)
args = [(i * 7919) % 47 - 20 for i in range(30)]
for name, source in LONG_STORES.items():
    for items in (5, 1000):
        emit(name, source, f"f({args!r})", max_items=items)
    emit(name, source, f"f({args!r})", max_items=5, max_steps=40)
'''


def _dump(pure: bool, tmp_path: Path) -> list[dict]:
    env = {k: v for k, v in os.environ.items() if k != "PYTRACE_SEM_PURE"}
    env["PYTHONHASHSEED"] = "0"
    if pure:
        env["PYTRACE_SEM_PURE"] = "1"
    path = tmp_path / ("pure.jsonl" if pure else "fast.jsonl")
    proc = subprocess.run([sys.executable, "-c", _DUMP, str(ROOT), str(path)], capture_output=True,
                          text=True, env=env, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@needs_speedups
@pytest.mark.slow
def test_accelerated_traces_are_byte_identical_to_pure_python(tmp_path):
    fast, pure = _dump(False, tmp_path), _dump(True, tmp_path)
    assert fast[0] == {"speedups": True}
    assert pure[0] == {"speedups": False}
    assert len(fast) == len(pure) > 450
    assert sum("error" in r["trace"] for r in fast[1:]) < len(fast) // 10  # the corpus really traced
    for a, b in zip(fast[1:], pure[1:]):
        assert (a["case"], a["limits"]) == (b["case"], b["limits"])
        assert a["trace"] == b["trace"], f"{a['case']} {a['limits']}: the traces differ"


@needs_speedups
@pytest.mark.skipif(bool(os.environ.get("PYTRACE_SEM_PURE")), reason="the pure recorder was asked for")
def test_the_accelerator_is_in_use():
    import pytrace_sem

    assert _runtime.SPEEDUPS and pytrace_sem.SPEEDUPS is True
    assert _runtime.s1 is _speedups.s1 and _runtime.e is _speedups.e
    assert _runtime._Frame is _speedups.Frame


@needs_speedups
@pytest.mark.parametrize("a, b", [
    ([], []), ([1, 2], [1, 2]), ([1, 2, 3], [1, 2]), ([1, 2], (1, 2, 3)),
    ([1, [2]], [1, [2]]), ([10 ** 20], [10 ** 20 + 0 * 1]), ([1], [True]), ([0.0], [-0.0]),
    ({1: "a", 2: "b"}, {1: "a", 2: "b"}), ({1: "a", 2: "b"}, {2: "b", 1: "a"}),
    ({1: "a"}, {1: "a", 2: "b"}), ({1: [1]}, {1: [1]}),
])
def test_same_ids_agrees_with_the_python_helper(a, b):
    assert _speedups.same_ids(a, b) is _runtime._same_ids_py(a, b)
    shared = [object(), "x", 3]
    assert _speedups.same_ids(shared, list(shared)) is True


@needs_speedups
def test_same_ids_rejects_other_types():
    with pytest.raises(TypeError):
        _speedups.same_ids({1, 2}, {1, 2})
    with pytest.raises(TypeError):
        _speedups.same_ids([1], {1: 1})


@needs_speedups
def test_the_frame_record_behaves_like_the_python_one():
    fr = _speedups.Frame(("f", 3, ("x",), 0), 2, 7)
    assert (fr.info, fr.depth, fr.serial, fr.muts, fr.objs) == (("f", 3, ("x",), 0), 2, 7, {}, 0)
    fr.objs += 1
    fr.depth = 5
    fr.muts["x"] = ([], None)
    assert (fr.objs, fr.depth, list(fr.muts)) == (1, 5, ["x"])
    with pytest.raises(AttributeError):
        fr.other = 1


def test_a_call_from_another_thread_records_nothing():
    # The C fast paths check the thread like the Python ones: a thread the
    # session does not belong to runs the instrumented code unrecorded.
    import pytrace_sem

    src = (
        "import threading\n"
        "def f(n):\n    t = 0\n    for i in range(n):\n        t += i\n    return t\n"
        "def g(n):\n"
        "    seen = []\n"
        "    th = threading.Thread(target=lambda: seen.append(f(50)))\n"
        "    th.start()\n"
        "    th.join()\n"
        "    return f(n) + seen[0]\n"
    )
    t = pytrace_sem.trace_call(src, "g(3)")
    assert t.return_value["repr"] == "1228"
    calls = [s for s in t.steps if s.event == "call" and s.depth == 1]
    assert len(calls) == 1 and calls[0].changes["n"]["repr"] == "3"
    assert len([s for s in t.steps if s.event == "iteration" and s.depth == 1]) == 3


def _shape(sn):
    """A snapshot as plain data, to compare one made in C with one made in Python."""
    if isinstance(sn, (_runtime._Seq,)):
        return ("Seq", sn.kind, tuple(_shape(x) for x in sn.items), sn.length, sn.flat, sn.cut,
                sn.fp is None, sn.full)
    if isinstance(sn, _runtime._Map):
        return ("Map", tuple(_shape(x) for x in sn.keys), tuple(_shape(x) for x in sn.values),
                sn.length, sn.flat, sn.cut, sn.fp is None, sn.full)
    if isinstance(sn, _runtime._Obj):
        return ("Obj", sn.cls, sn.repr, sn.attrs and {k: _shape(v) for k, v in sn.attrs.items()})
    return (type(sn).__name__, repr(sn))


if _speedups is not None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    _atoms = st.one_of(st.integers(-3, 3), st.booleans(), st.none(), st.text(max_size=2),
                       st.floats(allow_nan=False, width=16), st.just(-0.0), st.just(1.0))
    _keys = st.one_of(st.integers(-3, 3), st.booleans(), st.text(max_size=2))
    _values = st.recursive(
        _atoms,
        lambda inner: st.one_of(
            st.lists(inner, max_size=6), st.tuples(inner, inner),
            st.dictionaries(_keys, inner, max_size=5), st.frozensets(_keys, max_size=4),
            st.sets(_keys, max_size=4), st.lists(_atoms, min_size=99, max_size=103)),
        max_leaves=120)

    @needs_speedups
    @needs_bound
    @settings(max_examples=300, deadline=None)
    @given(_values, st.integers(0, 3), st.sampled_from(["append", "pop", "set", "insert", "none"]))
    def test_snapshots_in_c_agree_with_python(value, where, change):
        assert _shape(_speedups.snap(value)) == _shape(_runtime._snap_py(value))
        assert _shape(_speedups.snap(value, track=False)) == _shape(_runtime._snap_py(value, track=False))
        sn = _runtime._snap_py(value)
        assert _speedups.same(value, sn) is _runtime._same_py(value, sn) is True
        if isinstance(value, list):
            if change == "append":
                value.append(where)
            elif change == "pop" and value:
                value.pop()
            elif change == "set" and value:
                value[where % len(value)] = True if where % 2 else 1
            elif change == "insert":
                value.insert(where, None)
        elif isinstance(value, dict):
            if change == "set":
                value[where] = 1.0
            elif change == "pop" and value:
                value.pop(next(iter(value)))
        elif isinstance(value, set) and change != "none":
            value.add(where)
        assert _speedups.same(value, sn) is _runtime._same_py(value, sn)


@needs_speedups
def test_the_snapshot_classes_behave_like_the_python_ones():
    seq = _speedups.Seq("list", (1, 2), 2, True, False)
    assert (seq.kind, seq.items, seq.length, seq.flat, seq.cut, seq.fp, seq.full) == (
        "list", (1, 2), 2, True, False, None, None)
    seq.full = [1, 2]
    seq.fp = "token"
    assert (seq.full, seq.fp) == ([1, 2], "token")
    m = _speedups.Map(keys=("a",), values=(1,), length=1, flat=True, cut=False, fp=None, full={"a": 1})
    assert (m.keys, m.values, m.full) == (("a",), (1,), {"a": 1})
    with pytest.raises(TypeError):
        _speedups.Seq("list", ())


@needs_speedups
def test_the_step_log_reads_back_the_entries_it_was_given():
    log = _speedups.Log()
    entries = [(1, ("st",), 5), (2, ("st",), None, [("x", 1)], "p"), (1, ("st",), None)]
    for entry in entries:
        log.append(entry)
    assert len(log) == 3 and bool(log) and not _speedups.Log()
    assert list(log) == entries and list(reversed(log)) == entries[::-1]
    assert [log[i] for i in range(-3, 3)] == entries + entries
    assert log[1:] == entries[1:] and log[::-2] == entries[::-2] and log[5:] == []
    assert entries[1][3] is log[1][3]  # the same objects, not copies
    with pytest.raises(IndexError):
        log[3]
    with pytest.raises(TypeError):
        log["a"]
    for bad in [(1, 2), (1, 2, 3, 4), [1, 2, 3], "abc"]:
        with pytest.raises(TypeError):
            log.append(bad)
    assert len(log) == 3
    with pytest.raises(TypeError):
        _speedups.Log([1])


@needs_speedups
def test_the_step_log_is_visible_to_the_cyclic_gc():
    import gc
    import weakref

    class Node:
        pass

    log = _speedups.Log()
    node = Node()
    node.log = log
    log.append((1, ("st",), node))
    alive = weakref.ref(node)
    del log, node
    gc.collect()
    assert alive() is None
    # The log tells the GC only of items that may be in a cycle: a dict is one
    # even while it is untracked (empty), since it is tracked once a tracked
    # value goes in.
    log = _speedups.Log()
    box: dict = {}
    assert not gc.is_tracked(box)
    log.append((1, ("st",), 0, (1, "a"), box))
    node = Node()
    node.log = log
    box["n"] = node
    alive = weakref.ref(node)
    del log, node, box
    gc.collect()
    assert alive() is None
    many = _speedups.Log()
    for i in range(10_000):  # grows its storage many times
        many.append((i, ("st",), [i]))
    assert len(many) == 10_000 and many[-1] == (9999, ("st",), [9999]) and many[5000][2] == [5000]


@needs_speedups
def test_a_new_log_shows_none_of_an_old_logs_entries():
    # A freed log's storage is kept for the next one: it must start empty.
    old = _speedups.Log()
    for i in range(5_000):
        old.append((i, ("st",), [i], None, "p"))
    del old
    log = _speedups.Log()
    assert len(log) == 0 and list(log) == [] and log[:] == []
    log.append((1, ("st",), 5))
    log.append((2, ("st",), None, None, None))
    assert list(log) == [(1, ("st",), 5), (2, ("st",), None, None, None)]
    for i in range(20_000):  # and grows past the room it was given
        log.append((i, ("st",), i))
    assert len(log) == 20_002 and log[-1] == (19_999, ("st",), 19_999)


@needs_bound
def test_a_snapshot_of_a_short_list_holds_its_items_itself():
    import gc

    def fn():
        return None

    xs = [1, "a", fn]
    sn = _runtime.snap(xs)
    assert type(sn) is _speedups.Seq
    assert (sn.kind, sn.length, sn.flat, sn.cut, sn.fp, sn.full) == ("list", 3, True, False, None, None)
    assert gc.is_tracked(sn)  # it holds a function, which the cyclic GC tracks
    assert sn.items == (1, "a", fn) and sn.items is sn.items
    xs.append(4)
    assert sn.items == (1, "a", fn)  # a copy, taken when it was made
    plain = _runtime.snap([1, 2.5])
    assert not gc.is_tracked(plain)
    ys = [1, "b"]
    ys_sn = _runtime.snap(ys)
    assert _runtime.same(ys, ys_sn) and not _runtime.same(ys + [2], ys_sn)
    assert not gc.is_tracked(ys_sn.items)
    with pytest.raises(AttributeError):
        ys_sn.items = ()


@needs_speedups
def test_the_slot_maker_builds_the_same_step_as_its_constructor():
    from pytrace_sem.trace import ExceptionInfo, Step

    make = _speedups.SlotMaker(Step, tuple(Step.__dataclass_fields__))
    fields = (3, 7, 1, "f", "line", {"x": {"type": "int", "repr": "1"}}, ("y",), None,
              {"type": "str", "repr": "'a'"}, ExceptionInfo(type="ValueError", message="m"))
    made, built = make(*fields), Step(*fields)
    assert type(made) is Step and made == built and made.to_json() == built.to_json()
    assert made.changes is fields[5]
    # A step that holds nothing the cyclic GC tracks is left out of its scans;
    # one that does is tracked (the first has only strings and flat dicts).
    import gc

    plain = make(1, 2, 0, "f", "line", {}, (), True, {"type": "int", "repr": "1"}, None)
    assert plain == Step(1, 2, 0, "f", "line", {}, (), True, {"type": "int", "repr": "1"}, None)
    assert not gc.is_tracked(plain)
    assert gc.is_tracked(make(1, 2, 0, "f", "line", {"x": {"type": "list", "items": [1]}}, (), None, None, None))
    with pytest.raises(TypeError):
        make(*fields[:-1])
    with pytest.raises(TypeError):
        _speedups.SlotMaker(Step, ("index", "no_such_field"))
    with pytest.raises(TypeError):
        _speedups.SlotMaker(int, ())


_BUILD_PROGRAMS = [
    ("def f(n):\n    t = 0\n    for i in range(n):\n        t += i * i % 7\n    return t\n", "f(30)"),
    ("def f(n):\n    if n < 2:\n        return n\n    return f(n - 1) + f(n - 2)\n", "f(7)"),
    ("def f(s):\n    out = []\n    for w in s.split():\n        if w > 'm':\n"
     "            out.append(w.upper())\n        x = None\n        y = True\n    return '-'.join(out)\n",
     "f('the quick brown fox jumps')"),
    ("def f(a):\n    for i in range(1, len(a)):\n        k = a[i]\n        j = i - 1\n"
     "        while j >= 0 and a[j] > k:\n            a[j + 1] = a[j]\n            j -= 1\n"
     "        a[j + 1] = k\n    return [v * 0.5 for v in a]\n", "f([5, 2, 9, 1, 7, 3])"),
]


@needs_bound
@pytest.mark.parametrize("source, call", _BUILD_PROGRAMS)
def test_the_c_build_loop_builds_what_the_python_loop_builds(source, call, monkeypatch):
    import pytrace_sem
    from pytrace_sem import api

    full = pytrace_sem.trace_call(source, call)
    total = len(json.dumps(full.to_json()))
    # Unbounded, and stopped by max_size at many points (the C loop leaves the step that
    # would go over to the Python loop, which must then stop exactly there).
    for max_size in [None] + list(range(1_000, max(total, 1_000) + 3_000, 97)):
        limits = {} if max_size is None else {"max_size": max_size}
        with_c = pytrace_sem.trace_call(source, call, **limits).to_json()
        monkeypatch.setattr(api, "_BUILD_FAST", None)
        python_only = pytrace_sem.trace_call(source, call, **limits).to_json()
        monkeypatch.undo()
        assert with_c == python_only, max_size


def test_a_caught_exception_does_not_keep_the_trace_alive(tmp_path):
    # An exception bound in a traced frame refers, through its traceback, to
    # the frames that called the tracer, and so back to the recording; every
    # object in that cycle must stay visible to the cyclic GC, or none of it is
    # ever freed (here: a file left open by the caller is never flushed).
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "import pytrace_sem\n"
        "from tests.test_constructs import SAMPLES\n"
        "out = open(sys.argv[1], 'w')\n"
        "s = [s for s in SAMPLES if s.name == 'try_except'][0]\n"
        "pytrace_sem.trace_call(s.source, s.call, **s.limits)\n"
        "out.write('flushed')\n"
    )
    path = tmp_path / "out.txt"
    proc = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True,
                          cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert path.read_text() == "flushed"


@needs_bound
def test_a_returned_call_leaves_a_record_the_gc_need_not_visit():
    # A session keeps one record per call. Once a call returns, its record
    # holds no live value (they are let go, as the call's own frame lets them
    # go), so the cyclic GC is spared visiting it, and its empty dict, again.
    import gc

    from pytrace_sem import api

    source = ("def f(xs):\n"
              "    ys = list(xs)\n"
              "    ys.append(0)\n"
              "    return ys\n\n"
              "def run():\n"
              "    out = []\n"
              "    for _ in range(3):\n"
              "        out.append(f([1, 2]))\n"
              "    return out\n")
    ns, _ = api._load_module(source)
    lim, _ = api._limits({})
    sess, result, error = api._run(ns["run"], (), {}, lim)
    assert error is None and result == [[1, 2, 0]] * 3
    returned = [fr for fr in sess.frames if fr.info[0] == "f"]
    assert len(returned) == 3
    for fr in returned:
        assert fr.muts == {} and fr.objs == 0
        assert not gc.is_tracked(fr) and not gc.is_tracked(fr.muts)


@needs_speedups
def test_unbound_functions_raise_instead_of_crashing():
    # Under PYTRACE_SEM_PURE nothing binds the C functions; calling one must fail cleanly.
    code = ("from pytrace_sem import _speedups, _runtime\n"
            "assert not _runtime.SPEEDUPS\n"
            "for call in (lambda: _speedups.snap([1]), lambda: _speedups.same([1], [1]),\n"
            "             lambda: _speedups.s1((0, 1, ('x',), 0), 1), lambda: _speedups.l()):\n"
            "    try:\n"
            "        call()\n"
            "    except RuntimeError as exc:\n"
            "        assert 'not bound' in str(exc)\n"
            "    else:\n"
            "        raise AssertionError('no error')\n"
            "print('ok')\n")
    env = {**os.environ, "PYTRACE_SEM_PURE": "1"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=ROOT, check=False)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]
