"""The ``semcoder`` command line: training and evaluation (and, later, corpus building).

Each subcommand lives in its own module that exposes ``add_parser(subparsers)``
and ``run(args) -> int``; this module only builds the parser, dispatches, and
turns library errors into one line on stderr and a named exit code.

    semcoder tiny-model --out out/tiny
    semcoder train --model out/tiny --data data/ --out out/sft --max-steps 300
    semcoder eval cruxeval --data tests/data/cruxeval-dev/cruxeval-dev.jsonl --task output --model out/sft
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

__all__ = ["main", "build_parser", "EXIT_OK", "EXIT_USAGE", "EXIT_INTERRUPTED"]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

# Subcommand modules, imported only when the parser is built (they import nothing
# heavy at module level). Add a module here to add a subcommand; it must define
# add_parser(subparsers) and run(args). The corpus commands go here too.
_COMMAND_MODULES = (
    "semcoder._cmd_train",
    "semcoder._cmd_tiny",
    "semcoder._cmd_eval",
    "semcoder._cmd_refine",
    "semcoder._cmd_report",
    "semcoder._cmd_corpus",
)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    from pytrace_sem import __version__

    parser = _Parser(
        prog="semcoder",
        description="Train and evaluate code models on execution traces.",
    )
    parser.add_argument("--version", action="version", version=f"semcoder (pytrace-sem {__version__})")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more log messages (-vv: debug)")
    parser.add_argument("-q", "--quiet", action="count", default=0,
                        help="no progress bars, only errors logged")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in _COMMAND_MODULES:
        importlib.import_module(name).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from pytrace_sem.errors import PytraceSemError

    parser = build_parser()
    args = parser.parse_args(argv)
    from pytrace_sem.progress import configure_logging, set_quiet

    configure_logging(args.verbose - args.quiet)
    set_quiet(args.quiet > 0)
    try:
        return int(args.run(args) or 0)
    except PytraceSemError as exc:
        sys.stderr.write(f"semcoder: error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("semcoder: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # Output piped into `head` and the like: not an error of ours.
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
