"""Run well-behaved and hostile functions side by side in the sandbox.

    python examples/sandbox_demo.py            # the demo
    python examples/sandbox_demo.py --timing   # what the sandbox costs per call

Each call runs in a long-lived worker process under time, memory, CPU, file-size
and output limits, with destructive operations refused. A worker that dies or
hangs is replaced; only its own task says so.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

from pytrace_sem import Sandbox, call_source

SOURCES = {
    "sum of squares": ("def f(n):\n    return sum(i * i for i in range(n))\n", (10,)),
    "prints": ("def f(name):\n    print('hello', name)\n    return len(name)\n", ("sandbox",)),
    "raises": ("def f(xs):\n    return xs[10]\n", ([1, 2, 3],)),
    "loops forever": ("def f():\n    while True:\n        pass\n", ()),
    "eats memory": ("def f():\n    return [0] * 10**10\n", ()),
    "deletes a file": ("import os\ndef f(path):\n    os.remove(path)\n", ("SENTINEL",)),
    "forks": ("import os\ndef f():\n    while True:\n        os.fork()\n", ()),
    "kills itself": ("import os, signal\ndef f():\n    os.kill(os.getpid(), signal.SIGKILL)\n", ()),
    "exits": ("import os\ndef f():\n    os._exit(1)\n", ()),
    "opens a socket": ("import socket\ndef f():\n    socket.create_connection(('example.com', 80))\n", ()),
}


def main() -> None:
    with tempfile.TemporaryDirectory() as outside:
        sentinel = os.path.join(outside, "sentinel.txt")
        with open(sentinel, "w", encoding="utf-8") as handle:
            handle.write("still here\n")

        calls = []
        for source, args in SOURCES.values():
            args = tuple(sentinel if a == "SENTINEL" else a for a in args)
            calls.append((source, "f", *args))

        with Sandbox(workers=2, timeout=1.0, memory_mb=512) as box:
            print("protections:", ", ".join(box.protections))
            for name, result in zip(SOURCES, box.map(call_source, calls)):
                shown = result.value_repr if result.ok else result.error
                print(f"{name:>15}  {result.status:<8} {shown}")
                if result.stdout:
                    print(f"{'':>15}  stdout: {result.stdout!r}")

        with open(sentinel, encoding="utf-8") as handle:
            print("sentinel after the run:", handle.read().strip())


def timing() -> None:
    """Per-call overhead of a trivial function, and the cost of replacing a dead worker."""
    trivial = "def f(x):\n    return [i * x for i in range(10)]\n"
    started = time.perf_counter()
    with Sandbox(workers=1) as box:
        box.run(int, 0)
        print(f"first call, fork server included: {time.perf_counter() - started:.2f} s")
    for workers in (1, 2):
        with Sandbox(workers=workers) as box:
            box.map(call_source, [(trivial, "f", i) for i in range(4 * workers)])  # warm
            n = 4000
            started = time.perf_counter()
            results = box.map(call_source, [(trivial, "f", i) for i in range(n)])
            elapsed = time.perf_counter() - started
            assert all(r.ok for r in results)
            print(f"workers={workers}: {elapsed / n * 1e6:.0f} us per trivial call")
    with Sandbox(workers=1) as box:
        box.run(int, 0)
        n = 50
        started = time.perf_counter()
        for _ in range(n):
            box.run_source("import os\ndef f():\n    os._exit(0)\n", "f")
        print(f"os._exit and a replacement worker: {(time.perf_counter() - started) / n * 1e3:.1f} ms")


if __name__ == "__main__":  # workers re-import this file; the guard keeps them from running it
    timing() if "--timing" in sys.argv[1:] else main()
