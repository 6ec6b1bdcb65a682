"""``pytrace-sem inputs``: generate coverage-guided inputs for one function or a batch.

One function, one JSON object per kept input on stdout, a summary on stderr::

    pytrace-sem inputs examples/sample.py --function f --example "[1, 2], 'a'"

Many functions, one JSON record per function in OUT (in input order), a
progress bar on stderr when it is a terminal::

    pytrace-sem inputs --from cruxeval.jsonl --out inputs.jsonl --workers 2

Input records carry ``id``, ``code``, optionally ``input`` (a CRUXEval-style
argument string, or a list of them) and ``function`` (default ``f``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any, Iterator, TextIO

from pytrace_sem.errors import InputGenerationError, LimitError, SandboxError, SourceError

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "inputs",
        help="generate valid, coverage-guided inputs for a function (or a JSONL batch)",
        description=(
            "Generate inputs with Hypothesis, keep the valid ones that reach new branches "
            "(coverage.py), and print each as {input, output}. Code runs in sandbox workers."
        ),
    )
    parser.add_argument("file", nargs="?", metavar="FILE", help="Python source file defining the function")
    parser.add_argument("--function", default="f", help="function to generate inputs for (default: f)")
    parser.add_argument(
        "--example",
        action="append",
        default=[],
        metavar="ARGS",
        help="an example call's arguments, e.g. \"[1, 2], 'a'\" (repeatable); seeds the strategies",
    )
    parser.add_argument("--from", dest="batch", metavar="FILE.jsonl", help="batch mode: read records from this file")
    parser.add_argument("--out", metavar="OUT.jsonl", help="batch mode: write one record per function here")
    parser.add_argument("--max-inputs", type=int, default=20, metavar="N", help="most inputs kept per function (default 20)")
    parser.add_argument(
        "--max-candidates", type=int, default=200, metavar="N", help="most candidate inputs tried per function (default 200)"
    )
    parser.add_argument(
        "--budget-seconds", type=float, default=10.0, metavar="S", help="time budget per function (default 10)"
    )
    parser.add_argument("--call-timeout", type=float, default=0.5, metavar="S", help="time limit of one call (default 0.5)")
    parser.add_argument("--seed", type=int, default=0, help="seed; the same seed gives the same inputs (default 0)")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="sandbox worker processes (default 1); 0 runs the code in this process, for trusted code only",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="batch mode: exit 6 when most functions were blocked for the same operation "
        "(the environment, not the code, is then almost always the cause)",
    )
    parser.set_defaults(run=run)
    return parser


def _options(args: argparse.Namespace) -> Any:
    from pytrace_sem.inputs import InputOptions

    return InputOptions(
        max_inputs=args.max_inputs,
        max_candidates=args.max_candidates,
        budget_seconds=args.budget_seconds,
        call_timeout=args.call_timeout,
        seed=args.seed,
    )


def run(args: argparse.Namespace) -> int:
    if args.workers < 0:
        raise LimitError(f"--workers must be 0 or more, not {args.workers}")
    if args.batch is not None:
        if args.file is not None or args.example:
            raise LimitError("give either FILE (with --example) or --from FILE.jsonl, not both")
        if args.out is None:
            raise LimitError("--from needs --out OUT.jsonl")
        if os.path.realpath(args.out) == os.path.realpath(args.batch):
            raise LimitError(f"--out {args.out} is the input file itself; write the results to another file")
        return _run_batch(args)
    if args.file is None:
        raise LimitError("give a source FILE, or --from FILE.jsonl --out OUT.jsonl")
    if args.out is not None:
        raise LimitError("--out goes with --from; the single-function form prints to stdout")
    return _run_single(args)


# ---------------------------------------------------------------------------
# One function


def _run_single(args: argparse.Namespace) -> int:
    from pytrace_sem.inputs import InputJob, generate_batch, parse_arguments

    options = _options(args)
    try:
        with open(args.file, encoding="utf-8") as handle:
            source = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"cannot read {args.file}: {exc}") from None
    for example in args.example:
        _check_example(example, parse_arguments)
    job = InputJob(args.file, source, args.function, tuple(args.example))
    started = time.monotonic()
    [(_, found)] = list(generate_batch([job], workers=max(args.workers, 1), options=options, sandbox=args.workers > 0))
    if found.status not in ("ok", "no_valid_input", "source_error", "no_function"):
        raise InputGenerationError(
            f"generating inputs for {args.function!r} ended with status {found.status}: {found.message}"
        )
    found.raise_for_status()
    out = sys.stdout
    for item in found.inputs:
        out.write(json.dumps({"input": item.input, "output": item.output, "new_arcs": [list(a) for a in item.new_arcs]}) + "\n")
    out.flush()
    sys.stderr.write(f"pytrace-sem inputs: {_summary(found)} in {time.monotonic() - started:.1f} s\n")
    if found.message:
        sys.stderr.write(f"pytrace-sem inputs: note: {found.message}\n")
    return 0


def _check_example(example: str, parse: Any) -> None:
    """Refuse an --example that is not even an argument list (its values are evaluated later)."""
    import ast

    from pytrace_sem.errors import CallError

    try:
        call = ast.parse(f"_f({example}\n)", mode="eval").body
    except SyntaxError as exc:
        raise CallError(f"--example {example!r} is not an argument list: {exc.msg}") from None
    if isinstance(call, ast.Call) and (call.keywords or any(isinstance(a, ast.Starred) for a in call.args)):
        parse(example)  # raises the CallError that explains it


def _summary(found: Any) -> str:
    rejected = ", ".join(f"{reason} {count}" for reason, count in found.rejected) or "none"
    parts = [f"{found.function}: {len(found.inputs)} inputs"]
    if found.branches_total:
        parts.append(
            f"branch coverage {found.branches_covered}/{found.branches_total} ({100 * found.coverage:.1f}%)"
        )
    else:
        parts.append("no branches")
    parts.append(f"lines {found.lines_covered}/{found.lines_total}")
    parts.append(f"{found.candidates} candidates (rejected: {rejected})")
    return ", ".join(parts)


# ---------------------------------------------------------------------------
# A batch


class _BadRecord(Exception):
    """A line of the batch file that is not a usable record."""


def _read_jobs(path: str, stream: TextIO, errors: list[str]) -> Iterator[Any]:
    """Jobs from a JSONL stream; at the first bad line, note it and stop (in-flight work still finishes)."""
    from pytrace_sem.inputs import InputJob

    seen: dict[str, int] = {}  # id -> line, since output records are matched to inputs by id
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise _BadRecord("a record must be a JSON object")
            if "id" not in record or "code" not in record:
                raise _BadRecord("a record needs 'id' and 'code'")
            if not isinstance(record["code"], str):
                raise _BadRecord("'code' must be a string")
            function = record.get("function", "f")
            if not isinstance(function, str) or not function:
                raise _BadRecord("'function' must be a non-empty string")
            given = record.get("input")
            examples = [given] if isinstance(given, str) else given if given is not None else []
            if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
                raise _BadRecord("'input' must be an argument string or a list of them")
            key = json.dumps(record["id"], sort_keys=True)
            if key in seen:
                raise _BadRecord(f"id {record['id']!r} is already used on line {seen[key]}")
            seen[key] = number
        except (ValueError, _BadRecord) as exc:
            errors.append(f"{path}:{number}: bad record: {exc}; fix or remove that line")
            return
        yield InputJob(record["id"], record["code"], function, tuple(examples))


def _run_batch(args: argparse.Namespace) -> int:
    from pytrace_sem.inputs import generate_batch
    from pytrace_sem.progress import Progress
    from pytrace_sem.sandbox import BlockedTally

    options = _options(args)
    try:
        stream = open(args.batch, encoding="utf-8")
        with open(args.batch, encoding="utf-8") as counting:
            total = sum(1 for line in counting if line.strip())
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"cannot read {args.batch}: {exc}") from None
    out_dir = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(out_dir):
        stream.close()
        raise LimitError(f"cannot write {args.out}: directory {out_dir} does not exist")
    errors: list[str] = []
    started = time.monotonic()
    failed = 0
    # Results come back as workers finish; they are written in input order, and
    # whatever is finished is written even when the run stops early.
    order: dict[Any, int] = {}
    finished: dict[int, dict[str, Any]] = {}
    next_to_write = 0
    written = 0
    counts: dict[str, int] = {}
    covered = total_branches = kept = 0
    tally = BlockedTally()

    def numbered(jobs: Iterator[Any]) -> Iterator[Any]:
        for position, job in enumerate(jobs):
            order[id(job)] = position
            yield job

    try:
        with stream, open(args.out, "w", encoding="utf-8") as out, Progress(total, "inputs", unit="fn") as bar:
            try:
                for job, found in generate_batch(
                    numbered(_read_jobs(args.batch, stream, errors)),
                    workers=max(args.workers, 1),
                    options=options,
                    sandbox=args.workers > 0,
                ):
                    record = {"id": job.id, **found.to_json()}
                    finished[order.pop(id(job))] = record
                    counts[found.status] = counts.get(found.status, 0) + 1
                    tally.add(found.status, found.message)
                    covered += found.branches_covered
                    total_branches += found.branches_total
                    kept += len(found.inputs)
                    failed += found.status != "ok"
                    bar.advance(note=f"{failed} without inputs")
                    while next_to_write in finished:
                        out.write(json.dumps(finished.pop(next_to_write)) + "\n")
                        out.flush()
                        next_to_write += 1
                        written += 1
            finally:
                for position in sorted(finished):  # stopped early: keep what is done
                    out.write(json.dumps(finished.pop(position)) + "\n")
                    written += 1
                out.flush()
    except OSError as exc:
        raise InputGenerationError(f"cannot write {args.out}: {exc}") from None
    statuses = ", ".join(f"{status} {n}" for status, n in sorted(counts.items())) or "none"
    coverage = f"{100 * covered / total_branches:.1f}%" if total_branches else "n/a"
    sys.stderr.write(
        f"pytrace-sem inputs: {written} records written to {args.out} ({statuses}); "
        f"{kept} inputs; pooled branch coverage {coverage} ({covered}/{total_branches}) "
        f"in {time.monotonic() - started:.1f} s\n"
    )
    warning = tally.warning()
    if warning:
        sys.stderr.write(f"pytrace-sem inputs: {warning}\n")
    if errors:
        raise InputGenerationError(errors[0])
    if warning and args.strict:
        raise SandboxError(f"--strict: {warning.removeprefix('warning: ')}")
    return 0
