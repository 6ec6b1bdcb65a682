"""Run well-behaved and hostile functions side by side in the sandbox.

    python examples/sandbox_demo.py

Each call runs in a long-lived worker process under time, memory, CPU, file-size
and output limits, with destructive operations refused. A worker that dies or
hangs is replaced; only its own task says so.
"""

from __future__ import annotations

import os
import tempfile

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


if __name__ == "__main__":  # workers re-import this file; the guard keeps them from running it
    main()
