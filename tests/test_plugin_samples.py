"""Regression samples (tests/samples/) found by running real suites under the pytest plugin."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytrace_sem
from pytrace_sem.trace import validate

SAMPLES = Path(__file__).parent / "samples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"sample_{name}", SAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_address_inside_a_string_is_removed():
    mod = _load("address_in_string")

    class Thing:
        pass

    t = pytrace_sem.trace(mod.describe, Thing())
    assert "0x" not in t.return_value["repr"]
    assert t.return_value["repr"].startswith("'<") and "Thing object" in t.return_value["repr"]
    validate(t.to_json())


def test_long_bytearray_repr_is_bounded_and_a_prefix():
    from pytrace_sem import _runtime as _rt

    buf = bytearray(range(256)) * 4000
    text, error = _rt.safe_repr(buf, 60)
    assert error is None and text == repr(buf)[:60]
    mod = _load("long_bytearray")
    t = pytrace_sem.trace(mod.sieve, 50)
    assert t.return_value["repr"] == "[2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47]"
    data_changes = [s.changes["data"] for s in t.steps if "data" in s.changes]
    assert len(data_changes) >= 3  # created, then changed by the slice assignments
    validate(t.to_json())


def test_snapshot_of_a_wide_object_graph_is_bounded():
    from pytrace_sem import _runtime as _rt

    mod = _load("wide_object_graph")
    b = mod.Builder()
    s = _rt.snap(b)

    def count(x):
        if isinstance(x, _rt._Obj):
            return 1 + sum(count(v) for v in (x.attrs or {}).values())
        if isinstance(x, _rt._Seq):
            return 1 + sum(count(v) for v in x.items)
        return 0

    assert count(s) <= _rt.SNAP_BUDGET + 100  # plus the value's own attributes
    assert _rt.same(b, s)                    # unchanged: over-budget parts are not compared
    t = pytrace_sem.trace(b.build, 3)
    assert t.return_value["repr"] == "3"
    steps_changes = [s.changes["self"]["attrs"]["steps"]["repr"] for s in t.steps if "self" in s.changes]
    assert steps_changes[-1] == "[0, 1, 2]"
    validate(t.to_json())


def test_container_below_the_depth_limit_keeps_a_short_repr():
    from pytrace_sem import _runtime as _rt

    mod = _load("deep_big_container")
    t = pytrace_sem.trace(mod.wrap, 20_000)
    assert t.return_value["repr"] == "11"
    validate(t.to_json())
    inner = {f"k{i}": [i] * 3 for i in range(20_000)}
    s = _rt.snap([[[[[[[[inner]]]]]]]])  # the dict sits at the depth limit (8)
    while isinstance(s, _rt._Seq):
        s = s.items[0]
    assert isinstance(s, _rt._Deep) and s.cls == "dict"
    assert len(s.repr) < 500 and s.repr.startswith("{'k0': [0, 0, 0], 'k1': [1, 1, 1], 'k2'")
    assert s.repr.endswith(", ...}")
