"""``pytrace-sem trace``: record one call and print its trace.

    pytrace-sem trace examples/sample.py --call "f([1, 2], 'a')" --format text
    pytrace-sem trace examples/sample.py --call "f([1, 2], 'a')" > trace.json

Whatever the traced code prints goes to stderr, so stdout is only the trace.
"""

from __future__ import annotations

import argparse
from typing import Any

from pytrace_sem._cmdutil import indent_width, positive_int, read_source, run_traced_code

__all__ = ["add_parser", "run", "format_text"]


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
    p.add_argument("--max-steps", type=positive_int, default=None, metavar="N",
                   help="stop recording after N steps (default 10000); the call still runs to the end")
    p.add_argument("--max-items", type=positive_int, default=None, metavar="N",
                   help="items kept per container value (default 100)")
    p.add_argument("--max-string", type=positive_int, default=None, metavar="N",
                   help="characters kept per string or repr (default 1000)")
    p.add_argument("--max-depth", type=positive_int, default=None, metavar="N",
                   help="nesting kept per value (default 8)")
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
        print(format_text(t), end="")
    return 0


def format_text(t: Any) -> str:
    """A compact view: one line per step with its source line and what changed."""
    lines = t.lines
    out = [f"{t.call}\n"]
    for step in t.steps:
        src = lines[step.line - 1].strip() if 0 < step.line <= len(lines) else ""
        pad = "  " * step.depth
        bits = [f"{k} = {v['repr']}" for k, v in step.changes.items()]
        if step.deleted:
            bits += [f"del {k}" for k in step.deleted]
        if step.outcome is not None:
            bits.append(f"-> {step.outcome}")
        if step.value is not None and step.event != "comprehension":
            bits.append(f"{step.event} {step.value['repr']}")
        elif step.value is not None:
            bits.append(f"value {step.value['repr']}")
        if step.exception is not None:
            bits.append(f"{step.event} {step.exception.type}: {step.exception.message}")
        detail = ("  # " + "; ".join(bits)) if bits else ""
        out.append(f"{step.line:>4} {pad}{src}{detail}\n")
    if t.stopped is not None:
        out.append(f"     ... recording stopped ({t.stopped.reason}) after {t.stopped.after_step} steps\n")
    if t.exception is not None:
        out.append(f"raised {t.exception.type}: {t.exception.message}\n")
    else:
        out.append(f"returned {t.return_value['repr']}\n")
    return "".join(out)
