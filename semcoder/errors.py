"""Errors that :mod:`semcoder` raises on purpose.

All of them derive from :class:`pytrace_sem.errors.PytraceSemError`, the one base
error of the project, so the ``semcoder`` command line turns any of them into one
line on stderr and the error's ``exit_code``::

    try:
        run_training(config)
    except SemcoderError as exc:
        print(f"semcoder: error: {exc}")

Each stage has its own subclass; add one here for a new stage (the corpus
builder's ``CorpusError`` belongs here too).
"""

from __future__ import annotations

from pytrace_sem.errors import PytraceSemError

__all__ = [
    "SemcoderError",
    "MissingDependencyError",
    "DataError",
    "TrainError",
    "EvalError",
    "CorpusError",
]


class SemcoderError(PytraceSemError):
    """Base class of every error :mod:`semcoder` raises on purpose."""

    exit_code = 10


class MissingDependencyError(SemcoderError, ImportError):
    """An optional dependency (the ``train`` extra, vLLM, matplotlib) is not installed."""

    exit_code = 11


class DataError(SemcoderError, ValueError):
    """A dataset file or directory is missing, empty, or not in the expected format."""

    exit_code = 12


class TrainError(SemcoderError):
    """Training cannot start or continue with the given model, data or options."""

    exit_code = 13


class EvalError(SemcoderError):
    """An evaluation cannot run with the given model, backend, data or options."""

    exit_code = 14


class CorpusError(SemcoderError):
    """A corpus cannot be built, read or formatted with the given sources, folder or options."""

    exit_code = 15
