"""Tracing overhead in instructions executed, for comparing changes on a noisy machine.

    python benchmarks/instructions.py [--against OTHER_CHECKOUT] [--only TEXT] [--build]

CPU time on a shared machine swings by 2x from run to run; the number of
instructions a run executes does not. This runs each workload of
``overhead.py`` under valgrind's callgrind (which counts instructions; about
50x slower than a normal run) and reports, per workload, the instructions of
one plain call and one recorded call (no Trace built), and their ratio; with
``--build`` also one ``trace_call`` (recorded and built: slow under valgrind).
Counts are taken as the difference between a process that runs the variant
twice and one that runs it once, so start-up, rewriting and warm-up are left
out.

With ``--against``, the same is measured with the ``pytrace_sem`` of another
checkout (e.g. a ``git worktree`` of an older commit) on the same workloads,
and the table shows both side by side. Instruction counts are a proxy for CPU
time (they ignore cache misses and branch prediction); the targets in
docs/performance.md are stated in CPU time, measured by ``overhead.py``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run in a child process: set up one variant of one workload, then run it N times.
_CHILD = r"""
import sys
root, which, variant, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sys.path[:0] = [root, root + "/benchmarks"]
import overhead
src = overhead.WORKLOADS[which]
fn = {"plain": overhead._plain, "record": overhead._record_only, "trace": overhead._ours}[variant](src)
for _ in range(n):
    fn()
"""


def _instructions(root: Path, which: str, variant: str, n: int, tmp: Path) -> int:
    out = tmp / "callgrind.out"
    env = dict(os.environ, PYTHONHASHSEED="0")
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, "-c", _CHILD,
         str(root), which, variant, str(n)],
        capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"error: {variant} run of {which!r} failed under valgrind: "
                         f"{(proc.stderr.strip().splitlines() or ['no output'])[-1]}")
    for line in out.read_text().splitlines():
        if line.startswith("summary:"):
            return int(line.split()[1])
    raise SystemExit("error: callgrind wrote no summary line")


def per_call(root: Path, which: str, variant: str, tmp: Path) -> int:
    """Instructions of one call of the variant (start-up, set-up and a first call subtracted)."""
    return _instructions(root, which, variant, 2, tmp) - _instructions(root, which, variant, 1, tmp)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--against", type=Path, help="another checkout whose pytrace_sem to compare with")
    ap.add_argument("--only", default="", help="only workloads whose name contains this text")
    ap.add_argument("--build", action="store_true", help="also trace_call (record and build the Trace)")
    args = ap.parse_args(argv)
    variants = ("record", "trace") if args.build else ("record",)
    if shutil.which("valgrind") is None:
        print("error: valgrind is not installed (apt install valgrind)", file=sys.stderr)
        return 2
    if args.against is not None and not (args.against / "pytrace_sem" / "__init__.py").is_file():
        print(f"error: {args.against} is not a checkout of this project", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import overhead

    roots = [("this", ROOT)] + ([("against", args.against.resolve())] if args.against else [])
    names = [w for w in overhead.WORKLOADS if args.only in w]
    print(f"Python {sys.version.split()[0]}; instructions per call (callgrind), ratio to plain")
    print(flush=True)
    head = "| workload | plain |" + "".join(f" {v} ({label}) |" for label, _ in roots for v in variants)
    print(head)
    print("|---|---:|" + "---:|" * (len(roots) * len(variants)))
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        for which in names:
            plain = per_call(ROOT, which, "plain", tmp)
            cells = [f"{plain / 1e6:.1f} M"]
            for _, root in roots:
                for v in variants:
                    n = per_call(root, which, v, tmp)
                    cells.append(f"{n / 1e6:.1f} M ({n / plain:.1f}x)")
            print(f"| {which} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
