"""One base error for the package, one subclass per stage.

Every message says what went wrong and what to do about it. The CLI turns a
:class:`PytraceSemError` into one line on stderr and the error's ``exit_code``.
"""

from __future__ import annotations

__all__ = [
    "PytraceSemError",
    "SourceError",
    "CallError",
    "LimitError",
    "UsageError",
    "TraceFormatError",
    "SandboxError",
    "InputGenerationError",
    "Interrupt",
]


class Interrupt(BaseException):
    """A stop ordered from outside the code being run (the sandbox's time limit).

    Tracing and input generation never record it as the traced code's own outcome:
    like ``KeyboardInterrupt``, it passes through to whoever ordered it.
    """


class PytraceSemError(Exception):
    """Base class of every error this package raises on purpose."""

    exit_code: int = 1


class SourceError(PytraceSemError):
    """The source to trace cannot be read or parsed."""

    exit_code = 3


class CallError(PytraceSemError):
    """The call expression is malformed, names an unknown function, or its arguments fail."""

    exit_code = 4


class LimitError(PytraceSemError, ValueError):
    """A limit (steps, sizes, time) is out of its allowed range."""

    exit_code = 2


class UsageError(PytraceSemError):
    """Options that do not go together, or one missing that another needs (exit 2, like argparse)."""

    exit_code = 2


class TraceFormatError(PytraceSemError, ValueError):
    """A stored trace does not match the format or schema version this library reads."""

    exit_code = 5


class SandboxError(PytraceSemError):
    """The sandbox could not be started or used."""

    exit_code = 6


class InputGenerationError(PytraceSemError):
    """Inputs could not be generated for a function."""

    exit_code = 7
