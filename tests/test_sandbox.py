"""The multiprocess sandbox: hostile code is contained and every other result survives.

Each hostile sample lives in tests/hostile/<name>.py and defines ``f(target)``, where
``target`` is a sentinel file outside the sandbox. Every hostile test checks three
things: the reported status, that the sentinel and its directory are untouched, and
that the sandbox (and so this process) still answers a normal call correctly.
Timeouts are short; no test asserts on elapsed time.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pytrace_sem.sandbox import (
    TASK_STATUSES,
    Sandbox,
    SandboxViolation,
    TaskResult,
    call_source,
)

HOSTILE = Path(__file__).parent / "hostile"
SCHEMA = Path(__file__).parents[1] / "pytrace_sem" / "schema" / "task_result.schema.json"

TIMEOUT = 1.0
MEMORY_MB = 512
MAX_OUTPUT = 4096


def hostile(name: str) -> str:
    return (HOSTILE / f"{name}.py").read_text(encoding="utf-8")


@pytest.fixture
def box() -> Any:
    with Sandbox(
        workers=1, timeout=TIMEOUT, memory_mb=MEMORY_MB, max_output=MAX_OUTPUT, kill_grace=0.5
    ) as sandbox:
        yield sandbox


class Sentinel:
    """A file outside the sandbox, and a snapshot of its directory, to prove nothing changed."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "sentinel.txt"
        self.path.write_text("keep me\n", encoding="utf-8")
        self.directory = directory
        self.before = self.snapshot()

    def snapshot(self) -> dict[str, tuple[bytes, int]]:
        return {
            p.name: (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(self.directory.iterdir())
        }

    def assert_untouched(self) -> None:
        assert self.snapshot() == self.before


@pytest.fixture
def sentinel(tmp_path: Path) -> Sentinel:
    return Sentinel(tmp_path)


def run_hostile(box: Sandbox, name: str, sentinel: Sentinel) -> TaskResult:
    result = box.run_source(hostile(name), "f", str(sentinel.path))
    assert result.status in TASK_STATUSES
    sentinel.assert_untouched()
    # The sandbox, and so this process, still works: a fresh normal call comes back intact.
    after = box.run_source("def f(xs):\n    return sorted(xs)\n", "f", [3, 1, 2])
    assert (after.status, after.value) == ("ok", [1, 2, 3])
    return result


# --- hostile samples, one test each -----------------------------------------------------


def test_infinite_loop_times_out(box: Sandbox, sentinel: Sentinel) -> None:
    result = run_hostile(box, "infinite_loop", sentinel)
    assert result.status == "timeout"
    assert "time limit" in result.error


def test_loop_swallowing_the_soft_timeout_is_killed(box: Sandbox, sentinel: Sentinel) -> None:
    result = run_hostile(box, "loop_swallowing_timeouts", sentinel)
    assert result.status == "timeout"
    assert "killed" in result.error


def test_loop_ignoring_the_alarm_signal_is_killed(box: Sandbox, sentinel: Sentinel) -> None:
    result = run_hostile(box, "ignore_alarm", sentinel)
    assert result.status == "timeout"


def test_infinite_recursion_raises(box: Sandbox, sentinel: Sentinel) -> None:
    result = run_hostile(box, "infinite_recursion", sentinel)
    assert result.status == "raised"
    assert result.error.startswith("RecursionError")


def test_memory_bomb_hits_the_memory_limit(box: Sandbox, sentinel: Sentinel) -> None:
    result = run_hostile(box, "memory_bomb", sentinel)
    assert result.status == "memory"


def test_fork_bomb_is_blocked(box: Sandbox, sentinel: Sentinel) -> None:
    result = run_hostile(box, "fork_bomb", sentinel)
    assert result.status == "blocked"
    assert "os.fork" in result.error


def test_os_exit_ends_only_the_worker(box: Sandbox, sentinel: Sentinel) -> None:
    before = box.run(os.getpid).value
    result = run_hostile(box, "os_exit", sentinel)
    assert result.status == "exited"
    assert box.run(os.getpid).value != before  # replaced


def test_sys_exit_is_reported_and_the_worker_kept(box: Sandbox, sentinel: Sentinel) -> None:
    before = box.run(os.getpid).value
    result = run_hostile(box, "sys_exit", sentinel)
    assert result.status == "exited"
    assert "SystemExit(3)" in result.error
    assert box.run(os.getpid).value == before


def test_sigkill_of_itself_kills_only_the_worker(box: Sandbox, sentinel: Sentinel) -> None:
    result = run_hostile(box, "sigkill_self", sentinel)
    assert result.status == "killed"
    assert "SIGKILL" in result.error


def test_segfault_is_a_crash_with_its_traceback(box: Sandbox, sentinel: Sentinel) -> None:
    result = run_hostile(box, "segfault", sentinel)
    assert result.status == "crashed"
    assert "SIGSEGV" in result.error
    assert "Segmentation fault" in result.stderr  # faulthandler's report, read after death


def test_deleting_a_file_outside_is_blocked(box: Sandbox, sentinel: Sentinel) -> None:
    result = run_hostile(box, "delete_outside", sentinel)
    assert result.status == "blocked"
    assert "os.remove" in result.error


def test_a_swallowed_refusal_is_still_reported(box: Sandbox, sentinel: Sentinel) -> None:
    result = run_hostile(box, "delete_outside_quietly", sentinel)
    assert result.status == "blocked"
    assert result.value is None


def test_writing_a_file_outside_is_blocked(box: Sandbox, sentinel: Sentinel) -> None:
    result = run_hostile(box, "write_outside", sentinel)
    assert result.status == "blocked"
    assert "for writing" in result.error


def test_writing_outside_with_os_open_is_blocked(box: Sandbox, sentinel: Sentinel) -> None:
    assert run_hostile(box, "write_outside_os_open", sentinel).status == "blocked"


def test_writing_outside_through_a_dir_fd_is_blocked(box: Sandbox, sentinel: Sentinel) -> None:
    assert run_hostile(box, "write_outside_dir_fd", sentinel).status == "blocked"


def test_rmtree_outside_is_blocked(box: Sandbox, sentinel: Sentinel) -> None:
    result = run_hostile(box, "rmtree_outside", sentinel)
    assert result.status == "blocked"
    assert "shutil.rmtree" in result.error


def test_renaming_a_file_outside_is_blocked(box: Sandbox, sentinel: Sentinel) -> None:
    assert run_hostile(box, "rename_outside", sentinel).status == "blocked"


def test_opening_a_socket_is_blocked(box: Sandbox, sentinel: Sentinel) -> None:
    result = run_hostile(box, "open_socket", sentinel)
    assert result.status == "blocked"
    assert "socket" in result.error


def test_spawning_a_subprocess_is_blocked(box: Sandbox, sentinel: Sentinel) -> None:
    result = run_hostile(box, "spawn_subprocess", sentinel)
    assert result.status == "blocked"
    assert "subprocess.Popen" in result.error


def test_os_system_is_blocked(box: Sandbox, sentinel: Sentinel) -> None:
    assert run_hostile(box, "os_system", sentinel).status == "blocked"


def test_killing_the_parent_is_blocked(box: Sandbox, sentinel: Sentinel) -> None:
    result = run_hostile(box, "kill_parent", sentinel)
    assert result.status == "blocked"
    assert "os.kill" in result.error


def test_ctypes_is_blocked(box: Sandbox, sentinel: Sentinel) -> None:
    result = run_hostile(box, "use_ctypes", sentinel)
    assert result.status == "blocked"
    assert "ctypes" in result.error


def test_huge_stdout_is_truncated(box: Sandbox, sentinel: Sentinel) -> None:
    result = run_hostile(box, "huge_stdout", sentinel)
    assert result.status == "ok"
    assert result.value == "printed"
    assert result.stdout_truncated
    assert result.stdout == "x" * MAX_OUTPUT


def test_thread_left_running_retires_the_worker(box: Sandbox, sentinel: Sentinel) -> None:
    before = box.run(os.getpid).value
    result = run_hostile(box, "thread_left_running", sentinel)
    assert result.status == "ok"
    assert result.value == "started"
    assert "threads" in result.tampered
    assert box.run(os.getpid).value != before


def test_unpicklable_return_value(box: Sandbox, sentinel: Sentinel) -> None:
    result = run_hostile(box, "unpicklable_return", sentinel)
    assert result.status == "unpicklable"
    assert result.value_repr.startswith("<generator object")


def test_hostile_reduce_is_not_run_in_the_parent(box: Sandbox, sentinel: Sentinel) -> None:
    result = run_hostile(box, "hostile_reduce", sentinel)
    assert result.status == "unpicklable"
    assert "remove" in result.error  # refused by name, never called


def test_repr_that_never_returns_times_out_in_the_worker(
    box: Sandbox, sentinel: Sentinel
) -> None:
    result = run_hostile(box, "repr_never_returns", sentinel)
    assert result.status == "timeout"


def test_exception_str_that_never_returns_times_out(box: Sandbox, sentinel: Sentinel) -> None:
    assert run_hostile(box, "str_never_returns", sentinel).status == "timeout"


def test_settrace_none_is_blocked(box: Sandbox, sentinel: Sentinel) -> None:
    result = run_hostile(box, "settrace_none", sentinel)
    assert result.status == "blocked"
    assert "sys.settrace" in result.error


def test_raised_recursion_limit_is_clamped(box: Sandbox, sentinel: Sentinel) -> None:
    result = run_hostile(box, "recursion_limit_raised", sentinel)
    assert result.status == "raised"  # a RecursionError, not a C-stack overflow
    assert result.error.startswith("RecursionError")
    assert "recursion limit" in result.tampered
    assert box.run(sys.getrecursionlimit).value == sys.getrecursionlimit()


def test_lowered_recursion_limit_is_restored(box: Sandbox, sentinel: Sentinel) -> None:
    result = run_hostile(box, "recursion_limit_lowered", sentinel)
    assert (result.status, result.value) == ("ok", 60)
    assert "recursion limit" in result.tampered
    assert box.run(sys.getrecursionlimit).value == sys.getrecursionlimit()


def test_builtins_tampering_is_undone(box: Sandbox, sentinel: Sentinel) -> None:
    result = run_hostile(box, "builtins_tampering", sentinel)
    assert (result.status, result.value) == ("ok", 42)
    assert "builtins" in result.tampered
    assert box.run_source("def f():\n    return len([1, 2])\n", "f").value == 2


# --- the batch: hostile and normal calls mixed --------------------------------------------

BATCH_HOSTILE = {
    "infinite_loop": "timeout",
    "loop_swallowing_timeouts": "timeout",
    "infinite_recursion": "raised",
    "memory_bomb": "memory",
    "fork_bomb": "blocked",
    "os_exit": "exited",
    "sys_exit": "exited",
    "sigkill_self": "killed",
    "segfault": "crashed",
    "delete_outside": "blocked",
    "write_outside": "blocked",
    "write_outside_dir_fd": "blocked",
    "rmtree_outside": "blocked",
    "open_socket": "blocked",
    "spawn_subprocess": "blocked",
    "kill_parent": "blocked",
    "use_ctypes": "blocked",
    "huge_stdout": "ok",
    "thread_left_running": "ok",
    "unpicklable_return": "unpicklable",
    "hostile_reduce": "unpicklable",
    "repr_never_returns": "timeout",
    "settrace_none": "blocked",
    "recursion_limit_lowered": "ok",
    "builtins_tampering": "ok",
}

NORMAL = """\
import sys


def f(n):
    print("normal", n)
    data = {str(i): i * i for i in range(n % 7 + 1)}
    return n, sorted(data.items()), len([0] * n), sys.getrecursionlimit()
"""


def expected_normal(n: int) -> tuple[int, list[tuple[str, int]], int, int]:
    data = {str(i): i * i for i in range(n % 7 + 1)}
    return n, sorted(data.items()), n, sys.getrecursionlimit()


def test_batch_keeps_every_normal_result_intact_and_in_order(sentinel: Sentinel) -> None:
    items: list[tuple[Any, ...]] = []
    expected: list[Any] = []
    for n, (name, status) in enumerate(BATCH_HOSTILE.items()):
        items.append((hostile(name), "f", str(sentinel.path)))
        expected.append(("hostile", name, status))
        for k in range(2):
            items.append((NORMAL, "f", 3 * n + k))
            expected.append(("normal", 3 * n + k))
    with Sandbox(workers=2, timeout=TIMEOUT, memory_mb=MEMORY_MB, kill_grace=0.5) as sandbox:
        results = sandbox.map(call_source, items, ids=[f"task-{i}" for i in range(len(items))])
    sentinel.assert_untouched()
    assert [r.id for r in results] == [f"task-{i}" for i in range(len(items))]
    for result, want in zip(results, expected):
        if want[0] == "normal":
            n = want[1]
            assert result.status == "ok", (n, result)
            assert result.value == expected_normal(n)
            assert result.stdout == f"normal {n}\n"
            assert result.stderr == ""
            assert result.tampered == ()
        else:
            assert result.status == want[2], (want[1], result)


# --- ordinary behaviour -------------------------------------------------------------------


def test_run_source_with_a_call_expression(box: Sandbox) -> None:
    result = box.run_source("def f(xs, s):\n    return xs + [s]\n", "f([1, 2], 'a')")
    assert (result.status, result.value, result.value_repr) == ("ok", [1, 2, "a"], "[1, 2, 'a']")


def test_call_source_runs_in_process_too() -> None:
    assert call_source("def f(x):\n    return x + 1\n", "f", 1) == 2
    assert call_source("def f(x):\n    return x + 1\n", "f(41)") == 42
    with pytest.raises(NameError):
        call_source("x = 1\n", "f")


def test_lambdas_travel_with_dill(box: Sandbox) -> None:
    offset = 10
    result = box.run(lambda x: x + offset, 5)
    assert (result.status, result.value) == ("ok", 15)


def test_map_returns_input_order_and_imap_streams_ids() -> None:
    with Sandbox(workers=2, timeout=TIMEOUT) as sandbox:
        ordered = sandbox.map(divmod, [(7, 2), (1, 0), (9, 3)])
        streamed = list(sandbox.imap(pow, [(2, k) for k in range(20)], ids=range(100, 120)))
    assert [r.id for r in ordered] == [0, 1, 2]
    assert [r.status for r in ordered] == ["ok", "raised", "ok"]
    assert ordered[1].error == "ZeroDivisionError: integer division or modulo by zero"
    assert sorted((r.id, r.value) for r in streamed) == [(100 + k, 2**k) for k in range(20)]


def test_map_rejects_non_tuple_arguments(box: Sandbox) -> None:
    from pytrace_sem.errors import SandboxError

    with pytest.raises(SandboxError, match="tuple"):
        box.map(abs, [1, 2])  # type: ignore[list-item]


def test_unpicklable_arguments_are_reported_without_a_worker(box: Sandbox) -> None:
    result = box.run(list, (x for x in range(3)))  # generators do not pickle, even with dill
    assert result.status == "unpicklable"
    assert "arguments" in result.error


def test_trusted_dataclasses_are_rebuilt(box: Sandbox) -> None:
    made = box.run(TaskResult, "x", "ok", value=[1])
    assert made.status == "ok"
    assert made.value == TaskResult("x", "ok", value=[1])


def test_untrusted_classes_are_not_rebuilt(box: Sandbox) -> None:
    result = box.run_source("import pathlib\ndef f():\n    return pathlib.PurePath('a')\n", "f")
    assert result.status == "unpicklable"
    assert result.value_repr == "PurePosixPath('a')"


def test_working_directory_is_private_and_emptied(box: Sandbox) -> None:
    write = "import os\ndef f():\n    open('scratch.txt', 'w').write('x')\n    return os.listdir('.')\n"
    assert box.run_source(write, "f").value == ["scratch.txt"]
    listing = box.run_source("import os\ndef f():\n    return os.listdir('.')\n", "f")
    assert listing.value == []
    temp = box.run_source("import tempfile\ndef f():\n    return tempfile.mkstemp()[1]\n", "f")
    assert temp.status == "ok"


def test_output_written_to_descriptors_is_captured(box: Sandbox) -> None:
    source = (
        "import os, sys\n"
        "def f():\n"
        "    os.write(1, b'raw ')\n"
        "    print('py')\n"
        "    print('err', file=sys.stderr)\n"
    )
    result = box.run_source(source, "f")
    assert (result.stdout, result.stderr) == ("raw py\n", "err\n")


def test_input_gets_end_of_file(box: Sandbox) -> None:
    result = box.run(input)
    assert result.status == "raised"
    assert result.error.startswith("EOFError")


def test_hash_seed_is_fixed() -> None:
    values = []
    for seed in (0, 0, 1):
        with Sandbox(hash_seed=seed) as sandbox:
            values.append(sandbox.run(hash, "pytrace").value)
    assert values[0] == values[1] != values[2]


def test_coverage_may_trace_inside_a_task(box: Sandbox) -> None:
    source = (
        "import coverage\n"
        "def g(x):\n"
        "    return -x if x < 0 else x\n"
        "def f():\n"
        "    cov = coverage.Coverage(data_file=None, branch=True)\n"
        "    cov.start()\n"
        "    g(3)\n"
        "    cov.stop()\n"
        "    return 'measured'\n"
    )
    result = box.run_source(source, "f")
    assert (result.status, result.value) == ("ok", "measured")


def test_tasks_per_worker_recycles() -> None:
    with Sandbox(tasks_per_worker=2) as sandbox:
        pids = [sandbox.run(os.getpid).value for _ in range(4)]
    assert pids[0] == pids[1] != pids[2] == pids[3]


def test_protections_and_no_worker_outlives_close() -> None:
    sandbox = Sandbox()
    layers = sandbox.protections
    assert {"rlimits", "audit-hook", "own-session"} <= set(layers)
    pid = sandbox.run(os.getpid).value
    sandbox.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    from pytrace_sem.errors import SandboxError

    with pytest.raises(SandboxError, match="closed"):
        sandbox.run(int, 1)


@pytest.mark.parametrize(
    "kwargs",
    [{"workers": 0}, {"timeout": 0}, {"memory_mb": 0}, {"max_processes": -1}, {"max_repr": 0}],
)
def test_invalid_limits_are_refused(kwargs: dict[str, Any]) -> None:
    from pytrace_sem.errors import LimitError

    with pytest.raises(LimitError):
        Sandbox(**kwargs)


def test_sandbox_violation_is_a_permission_error() -> None:
    assert issubclass(SandboxViolation, PermissionError)


def test_task_result_json_round_trip_and_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    record = TaskResult(
        id="t", status="raised", error="ValueError: x", stdout="a", seconds=0.5, tampered=("builtins",)
    )
    data = json.loads(json.dumps(record.to_json()))
    jsonschema.validate(data, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert TaskResult.from_json(data) == record
    from pytrace_sem.errors import SandboxError

    with pytest.raises(SandboxError, match="schema_version"):
        TaskResult.from_json({**data, "schema_version": 99})


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.machine() != "x86_64",
    reason="the seccomp filter is installed on Linux x86_64 only",
)
def test_seccomp_filter_refuses_fork_even_without_the_audit_hook() -> None:
    # In a fresh interpreter (forking the test process, which has threads, would warn):
    # install the kernel filter alone, then try what it must refuse.
    script = """
import os, sys
from pytrace_sem.sandbox import _install_seccomp
if not _install_seccomp():
    sys.exit(11)
try:
    if os.fork() == 0:  # the filter failed: the grandchild leaves at once
        os._exit(0)
    sys.exit(12)
except PermissionError:
    pass
try:
    os.kill(os.getppid(), 0)
    sys.exit(13)
except PermissionError:
    sys.exit(14)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 14, done.stderr


def test_cpu_limit_stops_a_busy_task() -> None:
    # A generous wall-clock limit, so the CPU limit is what fires.
    with Sandbox(timeout=30.0, cpu_seconds=1) as sandbox:
        result = sandbox.run_source(hostile("infinite_loop"), "f", "unused")
    assert result.status == "timeout"
    assert "CPU time limit" in result.error


@pytest.mark.parametrize(
    ("module", "name", "allowed"),
    [
        ("pytrace_sem.sandbox", "TaskResult", True),  # a dataclass defined in a trusted module
        ("builtins", "ValueError", True),
        ("collections", "OrderedDict", True),
        ("pytrace_sem.sandbox", "call_source", False),  # a function: calling it runs code
        ("pytrace_sem.sandbox", "Enum", False),  # imported there, not defined there
        ("pytrace_sem.sandbox", "os.system", False),  # dotted paths reach anything
        ("posix", "system", False),
        ("builtins", "eval", False),
        ("builtins", "getattr", False),
    ],
)
def test_value_unpickler_allows_only_plain_data(module: str, name: str, allowed: bool) -> None:
    import io
    import pickle

    from pytrace_sem.sandbox import _CheckedValueUnpickler, _ValueUnpickler

    # The fast unpickler hands constructors that could inflate their arguments to the
    # checked one; both allow exactly the same globals.
    unpickler = _CheckedValueUnpickler(io.BytesIO(b""), ("pytrace_sem",))
    if not allowed:
        with pytest.raises(pickle.UnpicklingError):
            _ValueUnpickler(io.BytesIO(b""), ("pytrace_sem",)).find_class(module, name)
    if allowed:
        assert isinstance(unpickler.find_class(module, name), type)
    else:
        with pytest.raises(pickle.UnpicklingError):
            unpickler.find_class(module, name)


def test_hypothesis_runs_in_a_fresh_worker() -> None:
    # Hypothesis walks gc referrers on its first run in a process; that is a tool's
    # own bookkeeping, not the task's, and must not be reported as blocked. Hypothesis
    # is preloaded, as the sandbox's callers do: importing it loads installed plugins,
    # whose import-time work (trio's runs ldconfig) would otherwise count against the task.
    source = (
        "from hypothesis import given, settings, strategies as st\n"
        "from hypothesis.internal.entropy import deterministic_PRNG\n"
        "def f():\n"
        "    seen = []\n"
        "    @settings(database=None, max_examples=5, deadline=None)\n"
        "    @given(st.integers(0, 9))\n"
        "    def probe(x):\n"
        "        seen.append(x)\n"
        "    with deterministic_PRNG():  # registers a Random: gc.get_referrers inside\n"
        "        probe()\n"
        "    return len(seen) > 0\n"
    )
    with Sandbox(workers=1, timeout=TIMEOUT, memory_mb=MEMORY_MB, preload=("hypothesis",)) as box:
        result = box.run_source(source, "f")
    assert (result.status, result.value) == ("ok", True), result.error


def test_gc_walks_by_the_task_itself_are_blocked(box: Sandbox) -> None:
    result = box.run_source("import gc\ndef f():\n    return len(gc.get_objects())\n", "f")
    assert result.status == "blocked"
    assert "gc.get_objects" in result.error


@pytest.mark.skipif(sys.version_info < (3, 12), reason="thread starts are audited from 3.12 on")
def test_thread_bomb_is_blocked() -> None:
    # With a small memory_mb, thread stacks exhaust the address space first (a plain
    # "can't start new thread"); the default leaves room for the thread count to trip.
    source = (
        "import threading, time\n"
        "def f():\n"
        "    for _ in range(1000):\n"
        "        threading.Thread(target=time.sleep, args=(30,), daemon=True).start()\n"
    )
    with Sandbox(timeout=TIMEOUT) as sandbox:
        result = sandbox.run_source(source, "f")
    assert result.status == "blocked"
    assert "threads" in result.error


def test_arguments_that_need_dill_travel_too(box: Sandbox) -> None:
    result = box.run(lambda g, *, k: g(k), lambda x: x * 3, k=2)
    assert (result.status, result.value) == ("ok", 6)


def test_deleted_builtins_are_put_back(box: Sandbox, sentinel: Sentinel) -> None:
    result = run_hostile(box, "builtins_deleted", sentinel)
    assert (result.status, result.value) == ("ok", 1)
    assert "builtins" in result.tampered


def test_finalizer_run_after_the_task_is_still_refused(box: Sandbox, sentinel: Sentinel) -> None:
    result = run_hostile(box, "finalizer_in_a_cycle", sentinel)
    assert result.status == "blocked"
    assert "os.remove" in result.error



_FIRST_START_RACE = """
import pickle, threading
import pytrace_sem.sandbox as sandbox

barrier = threading.Barrier(8)
seen = []

def first_start():
    barrier.wait()
    seen.append(sandbox._SandboxProcess)   # built on first use, by whichever thread comes first

threads = [threading.Thread(target=first_start) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
same = all(cls is sandbox._SandboxProcess for cls in seen)
pickle.dumps(sandbox._SandboxProcess)      # by reference: only "the" class pickles
print(len(seen), same)
"""


def test_threads_starting_their_first_workers_together() -> None:
    """Threads that start their first workers at once share one worker class.

    A second copy of the class is not the one pickle finds by name, and a worker
    whose process object has it cannot start (seen with 8 corpus workers).
    """
    import subprocess

    done = subprocess.run([sys.executable, "-c", _FIRST_START_RACE], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["8", "True"]
