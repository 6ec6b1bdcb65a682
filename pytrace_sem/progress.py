"""Progress of long runs, for both packages: a rich bar on a terminal, nothing otherwise.

    with Progress(total=200, what="inputs", unit="fn") as bar:
        for job in jobs:
            ...
            bar.advance(note=f"{failed} without inputs")

The bar (count, rate, time left and a note) goes to stderr when stderr is a terminal.
When it is piped or redirected, when ``TERM`` is ``dumb``, or after
:func:`set_quiet` (the CLIs' ``-q``), nothing is drawn: a log file gets the run's
summary line from the command, not a stream of redraws. The library's diagnostics
go through :mod:`logging` (loggers ``pytrace_sem`` and ``semcoder``); the CLIs
configure them with :func:`configure_logging` from ``-v``/``-q``.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import IO, Any

__all__ = ["Progress", "set_quiet", "is_quiet", "configure_logging"]

_quiet = False


def set_quiet(quiet: bool = True) -> None:
    """Turn every progress display of this process off (``-q``) or back on."""
    global _quiet
    _quiet = quiet


def is_quiet() -> bool:
    return _quiet


def configure_logging(verbosity: int) -> None:
    """Log level for both packages from ``-v`` (positive) / ``-q`` (negative) counts.

    0: warnings; 1: info; 2 or more: debug; -1: errors only. Messages go to stderr as
    ``name: level: message``, one line each.
    """
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(max(-1, verbosity), logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(name)s: %(levelname)s: %(message)s"))
    for name in ("pytrace_sem", "semcoder"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False


class Progress:
    """A progress bar for ``total`` items of work, drawn only where someone can watch it."""

    def __init__(self, total: int | None, what: str, *, unit: str = "items", stream: IO[str] | None = None,
                 enabled: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            enabled = not _quiet and _is_terminal(self.stream)
        self.enabled = enabled
        self.done = 0
        self._bar: Any = None
        self._task: Any = None
        if enabled:
            # Imported only when a bar is drawn: the CLIs start without rich.
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, TaskProgressColumn, TextColumn,
                                       TimeRemainingColumn)
            from rich.progress import Progress as _RichProgress

            console = Console(file=self.stream, force_terminal=True, highlight=False, markup=False)
            self._bar = _RichProgress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeRemainingColumn(), TextColumn("{task.fields[note]}"),
                console=console, transient=True, redirect_stdout=False, redirect_stderr=False,
            )
            self._task = self._bar.add_task(what, total=total, note="", rate="")
            self._unit = unit

    def __enter__(self) -> Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def advance(self, n: int = 1, *, note: str | None = None) -> None:
        self.done += n
        if self._bar is None:
            return
        fields: dict[str, Any] = {}
        if note is not None:
            fields["note"] = note
        self._bar.update(self._task, advance=n, **fields)
        speed = self._bar.tasks[0].speed
        if speed:
            self._bar.update(self._task, rate=f"{speed:.1f} {self._unit}/s")

    def write(self, line: str) -> None:
        """A line of text above the bar (or alone, where no bar is drawn)."""
        if self._bar is not None:
            self._bar.console.print(line, highlight=False, markup=False)
        else:
            self.stream.write(line + "\n")
            self.stream.flush()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def _is_terminal(stream: IO[str]) -> bool:
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
