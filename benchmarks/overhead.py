"""Tracing overhead, measured side by side in one run.

    python benchmarks/overhead.py [--repeat 5] [--pysnooper-repeat N] [--no-pysnooper] [--only TEXT]

For each workload it measures CPU time (time.process_time; the minimum of
--repeat runs, which is the most robust statistic on a shared machine) of:
the plain call; pytrace_sem recording every step with value snapshots (the
instrumented code running in a recording session, no step limit); the same
plus building the Trace object (steps with encoded values: what trace_call
returns); a plain sys.settrace tracer that records the changed locals (repr
diff) at every line; and PySnooper writing to an in-memory buffer, its depth set
to the recursion limit so that, like the others, it traces every call of every
workload (the whole recursion of fib included; the minimum of --pysnooper-repeat
runs, by default --repeat // 3 and at least one: it takes seconds). Runs of all
the variants are interleaved (the slower ones take part in the first rounds
only) so that load from other processes hits them alike.
It prints ratios to the plain time (a Markdown table) and geometric means over
the four synthetic workloads.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import sys
import time
from pathlib import Path

import pytrace_sem

ROOT = Path(__file__).resolve().parent.parent

WORKLOADS: dict[str, str] = {
    "numeric loop (200,000 iterations)": '''
def loop(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total

def run():
    return loop(200000)
''',
    "list/string function x 2,000": '''
def f(text, words):
    out = []
    for w in words:
        if w in text:
            out.append(w.upper())
        else:
            out.append(w[::-1])
    return "-".join(out)

def run():
    r = None
    for k in range(2000):
        r = f("the quick brown fox", ["quick", "slow", "fox", "dog"])
    return r
''',
    "recursive fib(20)": '''
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)

def run():
    return fib(20)
''',
    "insertion sort (500 items)": '''
def insertion_sort(a):
    for i in range(1, len(a)):
        key = a[i]
        j = i - 1
        while j >= 0 and a[j] > key:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = key
    return a

def run():
    xs = [(i * 7919) % 1000 for i in range(500)]
    return insertion_sort(xs)
''',
}

FULL = dict(max_steps=100_000_000, max_size=10_000_000_000)


def _cpu(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return min(times)


def _interleaved(fns: dict, repeat: int, rounds: dict[str, int] | None = None) -> dict[str, float]:
    """Minimum CPU time of each function, running them in turn ``repeat`` times.

    ``rounds``: fewer runs for the slow ones (name -> count), taken in the
    first rounds, still in turn with the others.
    """
    rounds = rounds or {}
    best = {name: float("inf") for name in fns}
    for r in range(repeat):
        for name, fn in fns.items():
            if r >= rounds.get(name, repeat):
                continue
            t0 = time.process_time()
            fn()
            best[name] = min(best[name], time.process_time() - t0)
    return best


def _plain(source: str):
    ns: dict = {}
    exec(compile(source, "<plain>", "exec"), ns)  # noqa: S102
    return ns["run"]


def _ours(source: str):
    pytrace_sem.trace_call(source, "run()", **FULL)  # warm the rewrite cache

    def go():
        t = pytrace_sem.trace_call(source, "run()", **FULL)
        assert t.stopped is None
    return go


def _record_only(source: str):
    """The instrumented code running in a recording session: steps and snapshots, no Trace built."""
    from pytrace_sem import api

    ns, _ = api._load_module(source)
    run = ns["run"]
    lim, _ = api._limits(FULL)

    def go():
        sess, _result, error = api._run(run, (), {}, lim)
        assert error is None and sess.stopped_at is None
    return go


def _settrace(source: str):
    """A plain sys.settrace tracer: at every line, diff repr of the locals against the last line's."""
    run = _plain(source)
    log: list = []

    def local(frame, event, arg):
        if event in ("line", "return"):
            seen = frame.f_locals
            last = frame_state.setdefault(id(frame), {})
            changes = {}
            for k, v in seen.items():
                r = repr(v)
                if last.get(k) != r:
                    last[k] = r
                    changes[k] = r
            log.append((frame.f_lineno, event, changes))
        return local

    frame_state: dict = {}

    def glob(frame, event, arg):
        return local

    def go():
        log.clear()
        frame_state.clear()
        sys.settrace(glob)
        try:
            run()
        finally:
            sys.settrace(None)
    return go


def _pysnooper(source: str):
    import pysnooper

    ns: dict = {}
    exec(compile(source, "<pysnooper>", "exec"), ns)  # noqa: S102
    buf = io.StringIO()
    # Every call below run(), however deep: the recursion limit bounds the nesting.
    snooped = pysnooper.snoop(buf, depth=sys.getrecursionlimit(), max_variable_length=None)(ns["run"])

    def go():
        buf.seek(0)
        buf.truncate()
        snooped()
    return go


def _cruxeval(repeat: int, pysnooper_too: bool) -> dict[str, float]:
    rows = [json.loads(line) for line in open(ROOT / "tests/data/cruxeval-dev/cruxeval-dev.jsonl", encoding="utf-8")]
    plain = ours = 0.0
    for r in rows:
        fn = _plain(r["code"] + f"\ndef run():\n    return f({r['input']})\n")
        plain += _cpu(fn, repeat)
        src = r["code"]
        call = f"f({r['input']})"
        pytrace_sem.trace_call(src, call, **FULL)
        ours += _cpu(lambda: pytrace_sem.trace_call(src, call, **FULL), repeat)
    return {"plain": plain, "pytrace_sem": ours}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-pysnooper", action="store_true", help="skip PySnooper (slow: minutes)")
    ap.add_argument("--pysnooper-repeat", type=int, default=None,
                    help="runs of PySnooper (default: --repeat // 3, at least 1; at most --repeat)")
    ap.add_argument("--only", default=None, help="run only workloads whose name contains this text")
    args = ap.parse_args(argv)
    print(f"Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d')}, repeat={args.repeat}, CPU time ratios to plain\n")
    print("| workload | plain (ms) | pytrace_sem: record | pytrace_sem: record + build Trace "
          "| settrace + locals diff | PySnooper | PySnooper / pytrace_sem (record) "
          "| PySnooper / pytrace_sem (record + build) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    ratios: dict[str, list[float]] = {"record": [], "ours": [], "settrace": [], "pysnooper": []}
    for name, src in WORKLOADS.items():
        if args.only and args.only not in name:
            continue
        fns = {"plain": _plain(src), "record": _record_only(src), "ours": _ours(src), "settrace": _settrace(src)}
        rounds = {"settrace": max(1, args.repeat // 2)}
        if not args.no_pysnooper:
            fns["pysnooper"] = _pysnooper(src)
            rounds["pysnooper"] = min(args.repeat, args.pysnooper_repeat or max(1, args.repeat // 3))
        t = _interleaved(fns, args.repeat, rounds)
        base = t["plain"]
        rec = t["record"] / base
        ours = t["ours"] / base
        st = t["settrace"] / base
        ps = float("nan")
        if not args.no_pysnooper:
            ps = t["pysnooper"] / base
            ratios["pysnooper"].append(ps)
        ratios["record"].append(rec)
        ratios["ours"].append(ours)
        ratios["settrace"].append(st)
        print(f"| {name} | {base * 1000:.1f} | {rec:.1f}x | {ours:.1f}x | {st:.1f}x | {ps:.0f}x "
              f"| {ps / rec:.0f}x | {ps / ours:.0f}x |")
        sys.stdout.flush()

    def gm(xs: list[float]) -> float:
        return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")

    print(f"| **geometric mean** | | **{gm(ratios['record']):.1f}x** | **{gm(ratios['ours']):.1f}x** | "
          f"{gm(ratios['settrace']):.1f}x | {gm(ratios['pysnooper']):.0f}x | "
          f"{gm(ratios['pysnooper']) / gm(ratios['record']):.0f}x | "
          f"{gm(ratios['pysnooper']) / gm(ratios['ours']):.0f}x |")
    if not args.only:
        c = _cruxeval(max(1, args.repeat // 2), not args.no_pysnooper)
        print(f"\ncruxeval-dev (200 problems, each traced by trace_call, module setup included): "
              f"plain {c['plain'] * 1000:.1f} ms, pytrace_sem {c['pytrace_sem'] * 1000:.1f} ms "
              f"({c['pytrace_sem'] / c['plain']:.1f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
