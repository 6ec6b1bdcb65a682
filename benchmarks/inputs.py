"""Input generation: branch coverage reached, validity, time per function, speed-up with workers.

Three measurements, each printed as a Markdown table (docs/performance.md keeps a copy):

1. CRUXEval dev with the default options: pooled branch coverage of the kept
   inputs, measured here with coverage.py independently of the generator,
   against the single input each problem comes with; functions fully covered;
   kept inputs per function; inputs that fail a re-check of validity.
2. Speed: exactly 100 candidate inputs per function (no early stop), in the
   sandbox with 1 worker and with 2 workers.
3. HumanEval+ (canonical solutions, seeded with ``base_input``): coverage of
   our inputs against HumanEval+'s own ``plus_input`` and ``base_input``, and
   how many of our inputs satisfy each problem's ``contract`` (its input
   preconditions).

Run from the repository root:

    python benchmarks/inputs.py                      # vendored copies under tests/data
    python benchmarks/inputs.py --data ../shared/data --limit 50 --skip speed
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import contextlib
import copy
import gzip
import io
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Iterable, Sequence

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT / "tests" / "data"


# ---------------------------------------------------------------------------
# Independent measurement (coverage.py directly, never pytrace_sem.coverage_guide)


def branch_stats(source: str, function: str, calls: Sequence[tuple[Any, ...]]) -> tuple[int, int]:
    """(branch exits taken, branch exits) of ``source`` over ``calls``."""
    import coverage

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "measured.py")
        Path(path).write_text(source, encoding="utf-8")
        cov = coverage.Coverage(data_file=None, branch=True, include=[path], config_file=False)
        namespace: dict[str, Any] = {"__name__": "measured"}
        cov.start()
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(source, path, "exec"), namespace)
                for args in calls:
                    try:
                        namespace[function](*copy.deepcopy(args))
                    except Exception:
                        pass
        finally:
            cov.stop()
        stats = cov.branch_stats(path)
    return sum(done for _, done in stats.values()), sum(total for total, _ in stats.values())


def _branch_stats_job(job: tuple[str, str, list[tuple[Any, ...]]]) -> tuple[int, int]:
    return branch_stats(*job)


def measure_all(jobs: list[tuple[str, str, list[tuple[Any, ...]]]], workers: int) -> list[tuple[int, int]]:
    with concurrent.futures.ProcessPoolExecutor(workers) as pool:
        return list(pool.map(_branch_stats_job, jobs, chunksize=4))


def call_args(text: str) -> tuple[Any, ...]:
    return ast.literal_eval(f"({text},)") if text.strip() else ()


def invalid_inputs(source: str, function: str, kept: Iterable[Any]) -> int:
    """How many kept inputs fail a re-run: raising, a different output, or a non-literal output."""
    namespace: dict[str, Any] = {"__name__": "checked"}
    bad = 0
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(source, "<checked>", "exec"), namespace)
        for item in kept:
            try:
                args = call_args(item.input)
                first = namespace[function](*copy.deepcopy(args))
                second = namespace[function](*copy.deepcopy(args))
                ok = repr(first) == repr(second) == item.output and ast.literal_eval(item.output) == first
            except Exception:
                ok = False
            bad += not ok
    return bad


def contract_holds(problem: dict[str, Any], calls: Iterable[tuple[Any, ...]]) -> list[bool]:
    """Whether each call satisfies the problem's contract (its precondition asserts)."""
    namespace: dict[str, Any] = {}
    # The prompt ends with the signature and docstring: adding the contract and a
    # return gives a function that checks only the preconditions.
    exec(problem["prompt"] + problem["contract"] + "    return True\n", namespace)
    check = namespace[problem["entry_point"]]
    results = []
    for args in calls:
        try:
            results.append(check(*copy.deepcopy(args)) is True)
        except Exception:
            results.append(False)
    return results


# ---------------------------------------------------------------------------
# Runs


def run_generation(jobs: list[Any], workers: int, options: Any) -> tuple[dict[Any, Any], float]:
    from pytrace_sem.inputs import generate_batch

    started = time.perf_counter()
    found = {job.id: result for job, result in generate_batch(jobs, workers=workers, options=options)}
    return found, time.perf_counter() - started


def cruxeval_rows(records: list[dict[str, Any]], found: dict[Any, Any], workers: int) -> dict[str, Any]:
    from pytrace_sem.inputs import parse_arguments

    ours = measure_all([(r["code"], "f", [call_args(i.input) for i in found[r["id"]].inputs]) for r in records], workers)
    given = measure_all([(r["code"], "f", [parse_arguments(r["input"], {})]) for r in records], workers)
    taken = total = given_taken = fully = given_fully = with_branches = 0
    for (t, n), (g, _) in zip(ours, given):
        if n:
            with_branches += 1
            taken, total, given_taken = taken + t, total + n, given_taken + g
            fully += t == n
            given_fully += g == n
    kept = [len(found[r["id"]].inputs) for r in records]
    invalid = sum(invalid_inputs(r["code"], "f", found[r["id"]].inputs) for r in records)
    statuses: dict[str, int] = {}
    for r in records:
        statuses[found[r["id"]].status] = statuses.get(found[r["id"]].status, 0) + 1
    return {
        "functions": len(records),
        "with_branches": with_branches,
        "branches": total,
        "pooled": taken / total if total else 1.0,
        "given_pooled": given_taken / total if total else 1.0,
        "fully": fully,
        "given_fully": given_fully,
        "kept_mean": statistics.mean(kept),
        "kept_max": max(kept),
        "kept_total": sum(kept),
        "invalid": invalid,
        "statuses": statuses,
        "candidates_mean": statistics.mean(found[r["id"]].candidates for r in records),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="folder holding cruxeval-dev/ and humanevalplus/ (default: tests/data)")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N problems of each set")
    parser.add_argument("--workers", type=int, default=2, help="workers of the parallel runs (default 2)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["cruxeval", "speed", "humaneval"],
                        help="parts to leave out")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers to this JSON file")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from pytrace_sem.inputs import InputJob, InputOptions, format_arguments

    crux_path = args.data / "cruxeval-dev" / "cruxeval-dev.jsonl"
    records = [json.loads(line) for line in crux_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    records = records[: args.limit]
    jobs = [InputJob(r["id"], r["code"], "f", (r["input"],)) for r in records]
    report: dict[str, Any] = {"python": platform.python_version(), "cpus": os.cpu_count()}
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, sandbox workers as stated\n")

    if "cruxeval" not in args.skip:
        options = InputOptions()
        found, seconds = run_generation(jobs, args.workers, options)
        row = cruxeval_rows(records, found, args.workers)
        row["seconds"] = seconds
        report["cruxeval"] = row
        print(f"## CRUXEval dev ({row['functions']} functions, {row['with_branches']} with branches, "
              f"{row['branches']} branch exits), default options, {args.workers} workers\n")
        print("| inputs | pooled branch coverage | functions fully covered | inputs per function (mean / max) |")
        print("|---|---|---|---|")
        print(f"| the one given input | {100 * row['given_pooled']:.1f}% | {row['given_fully']} / {row['with_branches']} | 1 / 1 |")
        print(f"| generated (kept) | {100 * row['pooled']:.1f}% | {row['fully']} / {row['with_branches']} "
              f"({100 * row['fully'] / max(row['with_branches'], 1):.1f}%) | {row['kept_mean']:.1f} / {row['kept_max']} |")
        print(f"\nstatuses {row['statuses']}; kept inputs failing a re-check: {row['invalid']} of {row['kept_total']}; "
              f"candidates per function {row['candidates_mean']:.0f}; "
              f"{seconds:.1f} s wall, {seconds / len(records):.2f} s per function\n")

    if "speed" not in args.skip:
        fixed = InputOptions(max_candidates=100, stop_early=False)
        timings = {}
        for workers in sorted({1, args.workers}):
            found, seconds = run_generation(jobs, workers, fixed)
            timings[workers] = seconds
            if workers == 1:
                speed_row = cruxeval_rows(records, found, args.workers)
        report["speed"] = {"seconds": timings, "coverage_100": speed_row["pooled"], "fully_100": speed_row["fully"]}
        print(f"## Speed: 100 candidate inputs per function, CRUXEval dev ({len(records)} functions), sandbox\n")
        print("| workers | wall time | time per function | speed-up |")
        print("|---|---|---|---|")
        for workers, seconds in timings.items():
            print(f"| {workers} | {seconds:.1f} s | {seconds / len(records):.3f} s | {timings[1] / seconds:.2f}x |")
        print(f"\nwith exactly 100 candidates: pooled branch coverage {100 * speed_row['pooled']:.1f}%, "
              f"{speed_row['fully']} / {speed_row['with_branches']} fully covered\n")

    if "humaneval" not in args.skip:
        with gzip.open(args.data / "humanevalplus" / "HumanEvalPlus.jsonl.gz", "rt", encoding="utf-8") as fh:
            problems = [json.loads(line) for line in fh if line.strip()][: args.limit]
        he_jobs = [
            InputJob(p["task_id"], p["prompt"] + p["canonical_solution"], p["entry_point"],
                     tuple(format_arguments(a) for a in p["base_input"]))
            for p in problems
        ]
        found, seconds = run_generation(he_jobs, args.workers, InputOptions())
        ours_calls = {p["task_id"]: [call_args(i.input) for i in found[p["task_id"]].inputs] for p in problems}
        sets = {
            "generated (kept)": [ours_calls[p["task_id"]] for p in problems],
            "HumanEval+ plus_input": [p["plus_input"] for p in problems],
            "HumanEval+ base_input": [p["base_input"] for p in problems],
        }
        print(f"## HumanEval+ canonical solutions ({len(problems)} problems), seeded with base_input, "
              f"default options, {args.workers} workers\n")
        print("| inputs | inputs per problem (mean) | pooled branch coverage | problems fully covered |")
        print("|---|---|---|---|")
        he: dict[str, Any] = {"seconds": seconds}
        for label, calls in sets.items():
            stats = measure_all(
                [(p["prompt"] + p["canonical_solution"], p["entry_point"], c) for p, c in zip(problems, calls)],
                args.workers,
            )
            taken = sum(t for t, _ in stats)
            total = sum(n for _, n in stats)
            full = sum(1 for t, n in stats if t == n)
            he[label] = {"pooled": taken / total, "fully": full, "per_problem": statistics.mean(map(len, calls))}
            print(f"| {label} | {statistics.mean(map(len, calls)):.1f} | {100 * taken / total:.1f}% ({taken}/{total}) "
                  f"| {full} / {len(problems)} |")
        holds = [contract_holds(p, ours_calls[p["task_id"]]) for p in problems]
        n_inputs = sum(len(h) for h in holds)
        n_ok = sum(sum(h) for h in holds)
        all_ok = sum(1 for h in holds if all(h))
        invalid = sum(invalid_inputs(p["prompt"] + p["canonical_solution"], p["entry_point"], found[p["task_id"]].inputs)
                      for p in problems)
        he["contract"] = {"inputs": n_inputs, "satisfied": n_ok, "problems_all_satisfied": all_ok}
        report["humanevalplus"] = he
        print(f"\ncontract (precondition asserts): {n_ok} of {n_inputs} generated inputs satisfy it "
              f"({100 * n_ok / max(n_inputs, 1):.1f}%); every input satisfies it in {all_ok} of {len(problems)} problems; "
              f"kept inputs failing a re-check: {invalid}; {seconds:.1f} s wall, {seconds / len(problems):.2f} s per problem\n")

    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
