"""Small helpers shared by the ``pytrace-sem`` subcommands."""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import Iterator

from pytrace_sem.errors import SourceError

__all__ = ["read_source", "positive_int", "user_output_to_stderr"]


def read_source(path: str, what: str = "source file") -> str:
    """The text of ``path``, or a :class:`SourceError` that says why it cannot be read."""
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
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


@contextlib.contextmanager
def user_output_to_stderr() -> Iterator[None]:
    """While traced code runs, send what it prints to stderr so stdout stays machine-readable."""
    saved = sys.stdout
    sys.stdout = sys.stderr
    try:
        yield
    finally:
        sys.stdout = saved
