"""The ``pytrace-sem`` command line.

Each subcommand lives in its own module that exposes ``add_parser(subparsers)``
and ``run(args) -> int``; this module only builds the parser, dispatches, and
turns library errors into one line on stderr and a named exit code.

    pytrace-sem trace examples/sample.py --call "f([1, 2], 'a')" --format text
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Sequence

__all__ = ["main", "EXIT_OK", "EXIT_USAGE", "EXIT_INTERRUPTED"]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

# Subcommand modules, imported only when the parser is built. Add a module here
# to add a subcommand; it must define add_parser(subparsers) and run(args).
_COMMAND_MODULES = (
    "pytrace_sem._cmd_trace",
    "pytrace_sem._cmd_inputs",
    "pytrace_sem._cmd_narrate",
    "pytrace_sem._cmd_report",
    "pytrace_sem._cmd_view",
)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    from pytrace_sem import __version__

    parser = _Parser(
        prog="pytrace-sem",
        description="Faithful execution traces of Python functions.",
    )
    parser.add_argument("--version", action="version", version=f"pytrace-sem {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more log messages (-vv: debug)")
    parser.add_argument("-q", "--quiet", action="count", default=0,
                        help="no progress bars, only errors logged")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in _COMMAND_MODULES:
        importlib.import_module(name).add_parser(sub)
    return parser


def _fix_hash_seed(argv: Sequence[str] | None) -> None:
    """Re-run under PYTHONHASHSEED=0 unless a seed is set.

    String hashing is randomised per process, and so is the order in which a set
    of strings iterates (and prints). A fixed seed makes every trace, input set
    and narrative byte-identical across runs; set PYTHONHASHSEED yourself to
    choose another seed.
    """
    if os.environ.get("PYTHONHASHSEED") is not None or argv is not None:
        return
    env = dict(os.environ, PYTHONHASHSEED="0")
    try:
        os.execve(sys.executable, [sys.executable, "-m", "pytrace_sem.cli", *sys.argv[1:]], env)
    except OSError:  # pragma: no cover - exec unavailable: carry on with a random seed
        return


def main(argv: Sequence[str] | None = None) -> int:
    from pytrace_sem.errors import PytraceSemError

    _fix_hash_seed(argv)

    parser = build_parser()
    args = parser.parse_args(argv)
    from pytrace_sem.progress import configure_logging, set_quiet

    configure_logging(args.verbose - args.quiet)
    set_quiet(args.quiet > 0)
    try:
        return int(args.run(args) or 0)
    except PytraceSemError as exc:
        sys.stderr.write(f"pytrace-sem: error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("pytrace-sem: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # Output piped into `head` and the like: not an error of ours.
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
