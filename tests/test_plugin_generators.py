"""Generators and coroutines as the outermost traced call (regression sample
tests/samples/generator_roots.py): one trace per root, unrelated calls made
while the root is suspended get traces of their own, delegated generators nest."""

from __future__ import annotations

import asyncio
import gc
import importlib.util
from pathlib import Path

import pytest

import pytrace_sem
from pytrace_sem import _runtime as _rt

SAMPLE = Path(__file__).parent / "samples" / "generator_roots.py"


@pytest.fixture()
def sample():
    spec = importlib.util.spec_from_file_location("generator_roots_sample", SAMPLE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for name in ("evens", "inc", "inner", "outer", "fetch", "gather_two"):
        pytrace_sem.traced(getattr(mod, name))
    yield mod
    _rt.take_parked()
    _rt.end()


def _shape(t):
    return [(s.function, s.event, s.depth) for s in t.steps]


def test_unrelated_call_between_items_is_its_own_trace(sample):
    with pytrace_sem.collect() as traces:
        g = sample.evens(3)
        first = next(g)
        sample.inc(first)
        rest = list(g)
    assert (first, rest) == (0, [2, 4])
    assert [t.function for t in traces] == ["inc", "evens"]
    inc_t, evens_t = traces
    assert {s.function for s in inc_t.steps} == {"inc"}
    assert {s.function for s in evens_t.steps} == {"evens"}
    assert [s.value["repr"] for s in evens_t.steps if s.event == "yield"] == ["0", "2", "4"]
    assert inc_t.return_value["repr"] == "1"


def test_yield_from_nests_the_delegate(sample):
    with pytrace_sem.collect() as traces:
        out = list(sample.outer(2))
    assert out == [0, 1, "inner done"]
    assert [t.function for t in traces] == ["outer"]
    steps = traces[0].steps
    assert {s.depth for s in steps if s.function == "inner"} == {1}
    assert {s.depth for s in steps if s.function == "outer"} == {0}
    assert [s.value["repr"] for s in steps if s.function == "outer" and s.event == "yield"][-1] == "'inner done'"


def test_abandoned_generator_ends_its_trace_when_closed(sample):
    with pytrace_sem.collect() as traces:
        g = sample.evens(5)
        next(g)
        sample.inc(1)          # parks the generator's session
        del g                  # closing re-attaches it and ends it
        gc.collect()
        sample.inc(2)
    assert [t.function for t in traces] == ["inc", "evens", "inc"]
    assert traces[1].exception is None
    assert [s.event for s in traces[1].steps][-1] == "yield"
    assert _rt._session is None and not _rt._parked


def test_coroutine_root_awaits_nest(sample):
    with pytrace_sem.collect() as traces:
        total = asyncio.run(sample.gather_two(1, 2))
    assert total == 30
    assert [t.function for t in traces] == ["gather_two"]
    fetches = [s for s in traces[0].steps if s.function == "fetch" and s.event == "call"]
    assert [s.changes["x"]["repr"] for s in fetches] == ["1", "2"]
    assert traces[0].return_value["repr"] == "30"


def test_nested_calls_after_recording_stopped(sample):
    # Once max_steps stops recording, nested calls are only counted: the root's
    # outcome and the end of its session must still come out right.
    for name in ("fib", "careful", "fail"):
        pytrace_sem.traced(getattr(sample, name), max_steps=20)
    with pytrace_sem.collect() as traces:
        assert sample.careful(10) == 55
        assert sample.careful(3) == -1
        assert sample.fib(12) == 144
    assert [t.function for t in traces] == ["careful", "careful", "fib"]
    assert [t.return_value["repr"] for t in traces] == ["55", "-1", "144"]
    assert all(t.truncated and t.stopped.reason == "max_steps" for t in (traces[0], traces[2]))
    assert _rt._session is None


def test_silent_session_ends_at_root_exit(sample):
    # The pytest plugin's sampled-out calls: a session that records nothing,
    # whose nested calls and generators are only counted or skipped.
    pytrace_sem.traced(sample.total_of_evens)
    ended = []

    def autostart(info):
        if info[0] != "total_of_evens":
            return None
        sess = _rt.begin(_rt.Limits())
        sess.recording = False

        def done(s):
            ended.append((s.quiet, len(s.stack), len(s.log)))
            _rt.end()

        sess.on_root_exit = done
        return sess

    saved = _rt._autostart
    _rt.set_autostart(autostart)
    try:
        assert sample.total_of_evens(4) == 12 + 1 + 1
        assert sample.total_of_evens(3) == 6 + 1 + 1
    finally:
        _rt.set_autostart(saved)
    assert ended == [(0, 0, 0), (0, 0, 0)]
    assert _rt._session is None and not _rt._parked
    with pytrace_sem.collect() as traces:
        sample.total_of_evens(2)
    assert [t.function for t in traces] == ["total_of_evens"]
    assert {s.function for s in traces[0].steps} >= {"total_of_evens", "evens", "inc", "outer", "inner"}


def test_keep_leaves_out_foreign_calls(sample):
    # The plugin records the root's own code only: calls the session's keep()
    # rejects pause recording until they return, whatever they call back.
    pytrace_sem.traced(sample.own_and_foreign)
    for name in ("apply_twice",):
        pytrace_sem.traced(getattr(sample, name))
    own = {"own_and_foreign", "own_and_foreign.<locals>.bump"}
    saved = _rt._autostart

    def autostart(info):
        sess = saved(info)
        if sess is not None:
            sess.keep = lambda i: i[0] in own
        return sess

    _rt.set_autostart(autostart)
    try:
        with pytrace_sem.collect() as traces:
            assert sample.own_and_foreign(1) == 3 + 0 + 2 + 6
    finally:
        _rt.set_autostart(saved)
    (t,) = traces
    assert {s.function for s in t.steps} == {"own_and_foreign"}
    assert [s.line for s in t.steps if s.event == "iteration"] == [7, 7]
    assert t.steps[-1].event == "return" and t.return_value["repr"] == "11"
    assert [s.changes["total"]["repr"] for s in t.steps if "total" in s.changes] == ["3", "5", "11"]
