"""The error the narrate stage raises: a subclass of the package's one base error."""

from __future__ import annotations

from pytrace_sem.errors import PytraceSemError

__all__ = ["NarrateError"]


class NarrateError(PytraceSemError, ValueError):
    """A narrative cannot be rendered or checked: bad style, bad option, or an unusable trace."""

    exit_code = 8
