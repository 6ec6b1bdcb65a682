"""Attacks on the sandbox itself, each in a batch with normal functions that must come back right.

A task that scribbles on inherited descriptors, writes outside through SQLite, a FIFO or a
device node, returns a value that would inflate in the parent, or keeps running with its
timer signals blocked after the owning process is killed with -9.
"""

from __future__ import annotations

import collections
import fractions
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from pytrace_sem.sandbox import Sandbox

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox runs on Linux only")

NORMAL = "def f(x):\n    return [x, x * 2, str(x)]\n"


def _batch(box: Sandbox, hostile: str, *args) -> tuple[list, object]:
    """Run the hostile task between normal ones; return the normal results and the hostile one."""
    jobs = [(NORMAL, "f", i) for i in range(4)] + [(hostile, "f", *args)] + [(NORMAL, "f", i) for i in range(4, 8)]
    results = {r.id: r for r in box.imap(_call, jobs)}
    normal = [results[i] for i in range(9) if i != 4]
    for i, r in zip([*range(4), *range(4, 8)], normal):
        assert (r.status, r.value) == ("ok", [i, i * 2, str(i)]), (r.status, r.error)
    return normal, results[4]


def _call(source: str, name: str, *args):
    from pytrace_sem.sandbox import call_source

    return call_source(source, name, *args)


def test_garbage_written_to_every_inherited_descriptor_harms_no_other_task():
    hostile = textwrap.dedent("""
        import os
        def f():
            for fd in range(3, 64):
                try:
                    os.write(fd, b'\\x80garbage' * 100)
                except OSError:
                    pass
            return 'scribbled'
    """)
    # One task per worker: every later task needs a fresh worker from the fork server.
    with Sandbox(workers=2, timeout=5.0, tasks_per_worker=1) as box:
        _, bad = _batch(box, hostile)
        assert bad.status in ("ok", "crashed", "raised"), bad.error
        again = box.run(_call, NORMAL, "f", 9)  # the pool still works afterwards
        assert (again.status, again.value) == ("ok", [9, 18, "9"])


def _descriptors() -> dict[int, str]:
    out = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            out[int(name)] = os.readlink(f"/proc/self/fd/{name}")
        except OSError:  # listdir's own descriptor
            pass
    return out


def test_a_task_holds_no_inherited_descriptor_but_its_own_pipes():
    with Sandbox(workers=1, timeout=5.0) as box:
        result = box.run(_descriptors)
    assert result.status == "ok", result.error
    pipes = [fd for fd, what in result.value.items() if fd > 2 and not what.endswith(os.devnull)]
    # The task and result pipes are all a worker keeps; the fork server's and resource
    # tracker's descriptors now point at /dev/null.
    assert len(pipes) == 2 and all(result.value[fd].startswith("pipe:") for fd in pipes), result.value


@pytest.mark.parametrize("how", ["sqlite", "fifo", "device"])
def test_no_file_is_made_outside_the_sandbox_directory(tmp_path, how):
    target = tmp_path / f"made-by-{how}"
    hostile = {
        "sqlite": "import sqlite3\ndef f(p):\n    c = sqlite3.connect(p)\n    c.execute('create table t(x)')\n"
                  "    c.commit()\n    return 'made'\n",
        "fifo": "import os\ndef f(p):\n    os.mkfifo(p)\n    return 'made'\n",
        "device": "import os, stat\ndef f(p):\n    os.mknod(p, 0o600 | stat.S_IFREG)\n    return 'made'\n",
    }[how]
    with Sandbox(workers=1, timeout=5.0) as box:
        _, bad = _batch(box, hostile, str(target))
    assert not target.exists()
    assert bad.status in ("blocked", "raised"), (bad.status, bad.value)


def test_sqlite_in_memory_and_inside_the_working_directory_still_work():
    source = ("import sqlite3\ndef f():\n    out = []\n    for where in (':memory:', 'local.db'):\n"
              "        c = sqlite3.connect(where)\n        c.execute('create table t(x)')\n"
              "        c.execute('insert into t values (1)')\n        out.append(c.execute('select x from t').fetchall())\n"
              "        c.close()\n    return out\n")
    with Sandbox(workers=1, timeout=5.0) as box:
        result = box.run(_call, source, "f")
    assert (result.status, result.value) == ("ok", [[(1,)], [(1,)]]), result.error


class _RangeBomb:
    def __reduce__(self):
        return (list, (range(3 * 10**7),))


class _FractionBomb:
    def __reduce__(self):
        return (fractions.Fraction, ("1e-30000000",))


class _BytesBomb:
    def __reduce__(self):
        return (bytes, (10**10,))


def _return(kind: str):
    return {"range": _RangeBomb, "fraction": _FractionBomb, "bytes": _BytesBomb}[kind]()


@pytest.mark.parametrize("kind", ["range", "fraction", "bytes"])
def test_a_return_value_that_would_inflate_in_the_parent_is_reported_oversize(kind):
    with Sandbox(workers=1, timeout=5.0) as box:
        started = time.process_time()
        result = box.run(_return, kind)
        spent = time.process_time() - started
        after = box.run(_call, NORMAL, "f", 1)
    assert result.status == "unpicklable" and "too large to rebuild" in result.error
    assert spent < 5.0  # the parent did not build it (building any of them takes far longer)
    assert (after.status, after.value) == ("ok", [1, 2, "1"])


def test_values_the_checked_unpickler_rebuilds_are_unchanged():
    value = [collections.defaultdict(list, {1: [2]}), collections.Counter("aab"), collections.OrderedDict(a=1),
             collections.deque([1, 2], 5), fractions.Fraction(3, 7), range(10**12), [int, list], {1, 2}]
    with Sandbox(workers=1, timeout=5.0) as box:
        result = box.run(lambda: value)
    assert result.status == "ok", result.error
    assert result.value == value and result.value[0].default_factory is list and result.value[6] == [int, list]


_OWNER = textwrap.dedent("""
    import os, sys
    from pytrace_sem.sandbox import Sandbox

    def where():
        return os.getpid(), os.path.dirname(os.getcwd())

    def stubborn():
        import signal
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGALRM, signal.SIGPROF, signal.SIGTERM])
        while True:
            pass

    if __name__ == "__main__":
        with Sandbox(workers=1, timeout=600.0, cpu_seconds=600.0) as box:
            pid, base = box.run(where).value
            print(pid, base, flush=True)
            box.run(stubborn)
""")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_a_worker_dies_with_its_owner_and_its_directory_goes_too(tmp_path):
    script = tmp_path / "owner.py"
    script.write_text(_OWNER, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parent.parent),
                                                        os.environ.get("PYTHONPATH", "")])}
    owner = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE, text=True)
    try:
        pid_text, base = owner.stdout.readline().split(" ", 1)
        base = base.strip()
        worker = int(pid_text)
        time.sleep(1.0)  # the stubborn task is running now, its timer signals blocked
        assert _alive(worker)
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait()
        owner.stdout.close()
    deadline = time.monotonic() + 30
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(worker), "the worker outlived the process that owned it"
    assert os.path.isdir(base)  # nothing could remove it at the moment of the kill ...
    with Sandbox(workers=1, timeout=5.0) as box:  # ... the next sandbox to start does
        box.run(_call, NORMAL, "f", 1)
    assert not os.path.isdir(base)
