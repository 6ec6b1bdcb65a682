"""``pytrace-sem view``: write a trace as one self-contained HTML page to step through.

    pytrace-sem view examples/sample.py --call "f([1, 2, 3], '-')" -o trace.html
    pytrace-sem view --trace trace.json -o trace.html --no-monologue

The page opens from disk in any browser (``docs/viewer.md``). ``-o -`` writes it to stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from pytrace_sem._cmdutil import positive_int, read_source, run_traced_code
from pytrace_sem.errors import PytraceSemError, SourceError, UsageError
from pytrace_sem.limits import DEFAULT_LIMITS

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "view",
        help="write one call's trace as an HTML page to step through in a browser",
        description=("Trace --call in FILE (or read a saved trace with --trace) and write a self-contained "
                     "HTML page: the source with the current line, the frames and their values, the "
                     "forward monologue linked to the steps."),
    )
    p.add_argument("file", metavar="FILE", nargs="?", help="Python source file (or give --trace instead)")
    p.add_argument("--call", help="the call to trace, e.g. \"f([1, 2], 'a')\" (with FILE)")
    p.add_argument("--trace", metavar="TRACE_JSON", help="view a trace saved by 'pytrace-sem trace' instead")
    p.add_argument("-o", "--out", required=True, metavar="HTML", help="the page to write ('-' for stdout)")
    p.add_argument("--title", default=None, help="the page's title (default: 'Trace of <function>')")
    p.add_argument("--no-monologue", action="store_true", help="leave the forward monologue out")
    p.add_argument("--max-steps", type=positive_int, default=None, metavar="N",
                   help=f"stop recording after N steps (default {DEFAULT_LIMITS['max_steps']}); "
                        "the call still runs to the end")
    p.set_defaults(run=run)
    return p


def _read_trace(path: str) -> Any:
    from pytrace_sem.trace import Trace

    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SourceError(f"cannot read trace file {path}: {reason}") from None
    return Trace.loads(text, where=path)


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _check_args(args: argparse.Namespace) -> None:
    if args.trace is not None:
        if args.file is not None or args.call is not None:
            raise UsageError("give either FILE with --call, or --trace TRACE_JSON, not both")
        if args.max_steps is not None:
            raise UsageError("--max-steps goes with FILE and --call; a saved trace is viewed as recorded")
    elif args.file is None:
        raise UsageError("nothing to view: give FILE with --call, or --trace TRACE_JSON")
    elif args.call is None:
        raise UsageError(f"--call is needed with FILE, e.g. --call \"f(1, 2)\" for a function f in {args.file}")
    source_path = str(args.trace if args.trace is not None else args.file)
    if args.out != "-" and _same_file(args.out, source_path):
        raise UsageError(f"--out {args.out} is the input file; write the page somewhere else")


def run(args: argparse.Namespace) -> int:
    from pytrace_sem.render.html import trace_page

    _check_args(args)
    if args.trace is not None:
        trace = _read_trace(args.trace)
    else:
        from pytrace_sem.api import trace_call

        source = read_source(args.file)
        limits = {"max_steps": args.max_steps} if args.max_steps is not None else {}
        with run_traced_code():
            trace = trace_call(source, args.call, **limits)
    page = trace_page(trace, title=args.title, monologue="" if args.no_monologue else None)
    if args.out == "-":
        sys.stdout.write(page)
        return 0
    try:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(page)
    except OSError as exc:
        raise PytraceSemError(f"cannot write {args.out}: {exc.strerror or exc}; "
                              "choose a writable path with -o") from None
    sys.stderr.write(f"wrote {args.out} ({len(trace.steps)} steps); open it in a browser\n")
    return 0
