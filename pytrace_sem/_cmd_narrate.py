"""``pytrace-sem narrate`` and ``pytrace-sem check``: write a narrative, or check one.

    pytrace-sem narrate examples/sample.py --call "f([1, 2], 'a')" --style forward --seed 3
    pytrace-sem narrate buggy.py --fixed fixed.py --call "f(3)" --style debug
    pytrace-sem check examples/sample.py --call "f([1, 2], 'a')" --monologue answer.txt

``check`` prints a JSON report on stdout and exits 0 when every claim and the
answer are right, 1 when something is wrong (so it can gate a pipeline).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pytrace_sem._cmdutil import run_traced_code
from pytrace_sem.errors import SourceError
from pytrace_sem.limits import DEFAULT_LIMITS

__all__ = ["add_parser", "run"]

_STYLES = ("forward", "backward", "scratchpad", "inline", "debug")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    narrate = subparsers.add_parser(
        "narrate",
        help="render a call's trace as a monologue, scratchpad, inline comments or a debugging story",
        description="Trace one call and render it in words. Every value comes from the trace.",
    )
    narrate.add_argument("file", metavar="FILE", help="Python source file")
    narrate.add_argument("--call", required=True, help="the call to trace, e.g. \"f([1, 2], 'a')\"")
    narrate.add_argument("--style", choices=_STYLES, default="forward", help="what to write (default: forward)")
    narrate.add_argument("--fixed", metavar="FIXED", help="for --style debug: the corrected source file")
    narrate.add_argument("--seed", type=int, default=0, help="wording seed; same seed, same text (default 0)")
    narrate.add_argument("--cap", type=_positive, default=None, metavar="N",
                         help="at most N numbered steps; the middle of a long run is skipped explicitly")
    narrate.add_argument("--description", default=None,
                         help="text for 'Understanding the Function' instead of the derived one")
    narrate.add_argument("--max-steps", type=_positive, default=DEFAULT_LIMITS["max_steps"], metavar="N",
                         help=f"stop recording after N steps (default {DEFAULT_LIMITS['max_steps']})")
    narrate.set_defaults(run=run, narrate_command="narrate")

    check = subparsers.add_parser(
        "check",
        help="check every claim of a monologue against the real trace (JSON report)",
        description=("Trace the call, extract the monologue's claims (values, conditions, lines reached, "
                     "the answer) and check them in order. Exit 0 if all are right, 1 otherwise."),
    )
    check.add_argument("file", metavar="FILE", help="Python source file")
    check.add_argument("--call", required=True, help="the call the monologue is about")
    check.add_argument("--monologue", required=True, metavar="PATH", help="the monologue text ('-' for stdin)")
    check.add_argument("--no-run-answer", action="store_true",
                       help="do not run an answer whose input differs from --call (backward answers)")
    check.add_argument("--max-steps", type=_positive, default=DEFAULT_LIMITS["max_steps"], metavar="N",
                       help=f"stop recording after N steps (default {DEFAULT_LIMITS['max_steps']})")
    check.set_defaults(run=run, narrate_command="check")
    return narrate


def _read_source(path: str, what: str) -> str:
    """A Python source file, read as Python reads it (coding line, BOM); ``-`` is stdin."""
    from pytrace_sem._cmdutil import read_source

    return _read(path, what) if path == "-" else read_source(path, what)


def _read(path: str, what: str) -> str:
    try:
        if path == "-":
            return sys.stdin.read()
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SourceError(f"cannot read {what} {path}: {reason}") from None


def run(args: argparse.Namespace) -> int:
    if args.narrate_command == "check":
        return _check(args)
    return _narrate(args)


def _narrate(args: argparse.Namespace) -> int:
    from pytrace_sem import trace_call
    from pytrace_sem.errors import UsageError
    from pytrace_sem.narrate import narrate, narrate_debug

    source = _read_source(args.file, "source file")
    if args.style == "debug":
        if args.fixed is None:
            raise UsageError("--style debug needs --fixed FIXED (the corrected source file)")
        fixed = _read_source(args.fixed, "fixed source file")
        with run_traced_code():
            buggy_trace = trace_call(source, args.call, max_steps=args.max_steps)
            fixed_trace = trace_call(fixed, args.call, max_steps=args.max_steps)
        text = narrate_debug(buggy_trace, fixed_trace, seed=args.seed, cap=args.cap)
    else:
        if args.fixed is not None:
            raise UsageError("--fixed goes with --style debug")
        with run_traced_code():
            trace = trace_call(source, args.call, max_steps=args.max_steps)
        text = narrate(trace, args.style, seed=args.seed, cap=args.cap, description=args.description)
    sys.stdout.write(text)
    return 0


def _check(args: argparse.Namespace) -> int:
    from pytrace_sem.narrate import check_monologue

    source = _read_source(args.file, "source file")
    monologue = _read(args.monologue, "monologue")
    with run_traced_code():
        report = check_monologue(source, args.call, monologue, run_answer=not args.no_run_answer,
                                 max_steps=args.max_steps)
    sys.stdout.write(report.dumps() + "\n")
    if report.claims_checked == 0 and report.answer_correct is None:
        sys.stderr.write("pytrace-sem check: the monologue has no claim and no [ANSWER] to check "
                         "(empty or cut short?)\n")
        return 1
    # Right means every claim checked out and the answer was checked and right.
    return 0 if report.all_right and report.answer_correct is True else 1
