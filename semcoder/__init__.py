"""SemCoder-style corpus building, training and evaluation on top of :mod:`pytrace_sem`.

This package uses :mod:`pytrace_sem`; the reverse never happens.
"""

__all__: list[str] = []
