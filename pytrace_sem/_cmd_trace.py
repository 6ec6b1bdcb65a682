"""``pytrace-sem trace``: record one call and print its trace.

    pytrace-sem trace examples/sample.py --call "f([1, 2], 'a')" --format text
    pytrace-sem trace examples/sample.py --call "f([1, 2], 'a')" > trace.json

Whatever the traced code prints goes to stderr, so stdout is only the trace.
"""

from __future__ import annotations

import argparse
from typing import Any

from pytrace_sem._cmdutil import indent_width, positive_int, read_source, run_traced_code
from pytrace_sem.limits import DEFAULT_LIMITS

__all__ = ["add_parser", "run", "add_view_options", "show_view"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "trace",
        help="trace one call of a function and print the trace (JSON or text)",
        description="Run FILE as a module, call --call in it, and print what every statement did.",
    )
    p.add_argument("file", metavar="FILE", help="Python source file")
    p.add_argument("--call", required=True, help="the call to trace, e.g. \"f([1, 2], 'a')\"")
    p.add_argument("--format", choices=("json", "text"), default="json", help="output format (default: json)")
    p.add_argument("--indent", type=indent_width, default=None, metavar="N",
                   help="indent JSON output by N spaces (0 to 16)")
    add_view_options(p)
    p.add_argument("--max-steps", type=positive_int, default=None, metavar="N",
                   help=f"stop recording after N steps (default {DEFAULT_LIMITS['max_steps']}); "
                        "the call still runs to the end")
    p.add_argument("--max-items", type=positive_int, default=None, metavar="N",
                   help=f"items kept per container value (default {DEFAULT_LIMITS['max_items']})")
    p.add_argument("--max-string", type=positive_int, default=None, metavar="N",
                   help=f"characters kept per string or repr (default {DEFAULT_LIMITS['max_string']})")
    p.add_argument("--max-depth", type=positive_int, default=None, metavar="N",
                   help=f"nesting kept per value (default {DEFAULT_LIMITS['max_depth']})")
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    from pytrace_sem.api import trace_call

    source = read_source(args.file)
    limits = {name: getattr(args, name) for name in ("max_steps", "max_items", "max_string", "max_depth")
              if getattr(args, name) is not None}
    with run_traced_code():
        t = trace_call(source, args.call, **limits)
    if args.format == "json":
        print(t.dumps(indent=args.indent))
    else:
        show_view(t, args)
    return 0


def add_view_options(p: argparse.ArgumentParser) -> None:
    """The terminal view's options, shared by ``trace --format text`` and ``show``."""
    p.add_argument("--no-fold", dest="fold", action="store_false",
                   help="text view: show every round of every loop (default: the first and last two)")
    p.add_argument("--watch", action="append", default=[], metavar="EXPR",
                   help="text view: a column with EXPR computed from the recorded values at each step "
                        "(e.g. 'len(out)', 'self.balance'); repeatable")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="text view: colour (auto: on a terminal, unless NO_COLOR is set)")


def show_view(t: Any, args: argparse.Namespace, *, first_line: int = 1, ending: str | None = None) -> None:
    """Print the terminal view of ``t`` with the options of ``add_view_options``."""
    from pytrace_sem.errors import UsageError
    from pytrace_sem.render.terminal import show

    color = {"auto": None, "always": True, "never": False}[args.color]
    try:
        show(t, color=color, first_line=first_line, fold=args.fold, watch=args.watch, ending=ending)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
