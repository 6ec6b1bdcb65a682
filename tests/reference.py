"""A deliberately simple reference tracer for the faithfulness tests.

It uses sys.settrace and, at every ``line`` and ``return`` event of the traced
function's own frame (not of recursive calls), records ``repr`` of every local.
It is slow and obviously right, which is the point.
"""

from __future__ import annotations

import re
import sys
from typing import Any, Callable

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def norm(text: str) -> str:
    return _ADDRESS.sub("", text)


def reference_sequences(func: Callable, args: tuple, kwargs: dict) -> tuple[dict[str, list[str]], Any, BaseException | None]:
    """Per local name, the values it takes (reprs, consecutive duplicates collapsed)."""
    code = func.__code__
    root: list[Any] = []
    seqs: dict[str, list[str]] = {}

    def record(frame) -> None:
        for name, value in frame.f_locals.items():
            try:
                text = norm(repr(value))
            except Exception as exc:  # noqa: BLE001
                text = f"<repr raised {type(exc).__name__}>"
            seq = seqs.setdefault(name, [])
            if not seq or seq[-1] != text:
                seq.append(text)

    def local_tracer(frame, event, arg):
        if event in ("line", "return"):
            record(frame)
        return local_tracer

    def global_tracer(frame, event, arg):
        if event == "call" and frame.f_code is code and not root:
            root.append(frame)
            return local_tracer
        return None

    result = error = None
    old = sys.gettrace()
    sys.settrace(global_tracer)
    try:
        result = func(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001
        error = exc
    finally:
        sys.settrace(old)
    return seqs, result, error


def our_sequences(trace) -> dict[str, list[str]]:
    """The same view of a pytrace_sem trace: depth-0 values per name, duplicates collapsed."""
    seqs: dict[str, list[str]] = {}
    for step in trace.steps:
        if step.depth != 0:
            continue
        for name, value in step.changes.items():
            seq = seqs.setdefault(name, [])
            if not seq or seq[-1] != value["repr"]:
                seq.append(value["repr"])
    return seqs
