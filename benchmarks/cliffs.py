"""Cost per step whatever the data's size: trace_call on huge values, against the plain call.

    python benchmarks/cliffs.py            # prints a Markdown table (docs/performance.md)

Each case is a function a user might trace whose data is far bigger than what a trace
keeps: item stores into a 4-million-item list, a 10-million-item list held while a loop
runs, a 2-million-digit int with Python's digit limit switched off, and a doubly linked
list of 2,000 slotted nodes kept in a dict (cachetools' LFU cache has this shape). The
end-to-end figure is the call a user makes, ``trace_call`` (recording and building the
Trace); the plain figure runs the same source and call untraced in the same process.
Times are the minimum of ``--repeat`` runs; the ratio is what to read (the machine is
shared and noisy).
"""

from __future__ import annotations

import argparse
import sys
import time

import pytrace_sem

CASES = {
    "200 item stores into a 4M-item list": (
        "def f(n):\n    xs = list(range(n))\n    for i in range(200):\n        xs[i * 7] = -i\n    return len(xs)\n",
        "f(4_000_000)"),
    "a 10M-item list held over 100 steps": (
        "def f(n):\n    xs = list(range(n))\n    t = 0\n    for i in range(100):\n        t += i\n    return t\n",
        "f(10_000_000)"),
    "a 2M-digit int, digit limit off, 50 steps": (
        "def f(n):\n    x = 3 ** n\n    for i in range(50):\n        x = x + i\n    return x % 10\n",
        "f(4_200_000)"),
    "2,000 linked slotted nodes in a dict, 300 steps": (
        "class Node:\n    __slots__ = ('key', 'next', 'prev')\n\n\n"
        "def f(n):\n    nodes = {}\n    prev = None\n    for k in range(n):\n        node = Node()\n"
        "        node.key, node.prev, node.next = k, prev, None\n        if prev is not None:\n"
        "            prev.next = node\n        nodes[k] = node\n        prev = node\n"
        "    total = 0\n    for k in range(0, n, 20):\n        total += nodes[k].key\n    return total\n",
        "f(2000)"),
}


def _plain(source: str, call: str) -> float:
    ns: dict = {}
    exec(compile(source, "<plain>", "exec"), ns)  # noqa: S102 - our own cases
    started = time.perf_counter()
    eval(call, ns)  # noqa: S307
    return time.perf_counter() - started


def _traced(source: str, call: str) -> tuple[float, int]:
    started = time.perf_counter()
    trace = pytrace_sem.trace_call(source, call, max_steps=1_000_000)
    return time.perf_counter() - started, len(trace.steps)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs of each, the minimum is kept (default 3)")
    args = ap.parse_args(argv)
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)  # the case the int row is about
    print(f"accelerator: {pytrace_sem.SPEEDUPS}; Python {sys.version.split()[0]}")
    print("| case | steps | plain | trace_call | ratio |")
    print("|---|---|---|---|---|")
    for name, (source, call) in CASES.items():
        plain = min(_plain(source, call) for _ in range(args.repeat))
        runs = [_traced(source, call) for _ in range(args.repeat)]
        traced = min(t for t, _ in runs)
        print(f"| {name} | {runs[0][1]} | {plain:.3f} s | {traced:.3f} s | {traced / plain:.1f}x |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
