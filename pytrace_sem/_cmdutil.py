"""Small helpers shared by the ``pytrace-sem`` subcommands."""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tokenize
from typing import Iterator

import os

from pytrace_sem.errors import CallError, Interrupt, SourceError

__all__ = ["read_source", "positive_int", "indent_width", "user_output_to_stderr", "run_traced_code"]


def read_source(path: str, what: str = "source file") -> str:
    """The text of ``path``, or a :class:`SourceError` that says why it cannot be read."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        # As Python itself reads a source file: a PEP 263 coding line or a UTF-8 BOM decides.
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except SyntaxError as exc:  # an unknown coding name
        raise SourceError(f"cannot read {what} {path}: {exc.msg}") from None
    except LookupError as exc:
        raise SourceError(f"cannot read {what} {path}: {exc}") from None
    except FileNotFoundError:
        raise SourceError(f"cannot read {what} {path}: no such file") from None
    except IsADirectoryError:
        raise SourceError(f"cannot read {what} {path}: it is a directory") from None
    except UnicodeDecodeError as exc:
        raise SourceError(f"cannot read {what} {path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise SourceError(f"cannot read {what} {path}: {exc.strerror or exc}") from None


def positive_int(text: str) -> int:
    """argparse type: an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def indent_width(text: str) -> int:
    """argparse type: a JSON indent, 0 to 16 spaces."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if not 0 <= value <= 16:
        raise argparse.ArgumentTypeError(f"expected 0 to 16 spaces, got {value}")
    return value


class _ProcessExit(Interrupt):
    """``os._exit`` called by traced code run from the command line."""

    def __init__(self, status: object) -> None:
        super().__init__(status)
        self.status = status


@contextlib.contextmanager
def run_traced_code() -> Iterator[None]:
    """Around traced code run by a subcommand: its prints go to stderr, and ``os._exit`` is an error.

    The process ``os._exit`` would end is this command's own: it would print nothing
    and exit with the code's status, which reads as success. Instead the command stops
    with one error line (the exception passes through tracing as an ``Interrupt``).
    ``sys.exit`` needs nothing: tracing records ``SystemExit`` as the call's outcome.
    """
    real_exit = os._exit

    def refuse(status: int) -> None:
        raise _ProcessExit(status)

    os._exit = refuse  # type: ignore[assignment]
    try:
        with user_output_to_stderr():
            yield
    except _ProcessExit as stop:
        raise CallError(f"the traced code called os._exit({stop.status!r}), which would end this process "
                        "before anything is shown; trace it in a test or in the sandbox instead") from None
    finally:
        os._exit = real_exit


@contextlib.contextmanager
def user_output_to_stderr() -> Iterator[None]:
    """While traced code runs, send what it prints to stderr so stdout stays machine-readable."""
    saved = sys.stdout
    sys.stdout = sys.stderr
    try:
        yield
    finally:
        sys.stdout = saved
