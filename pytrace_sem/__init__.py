"""pytrace_sem: faithful, fast, per-statement execution traces of Python functions.

Typical use::

    import pytrace_sem

    t = pytrace_sem.trace_call("def f(xs):\n    xs.append(1)\n    return xs\n", "f([0])")
    for step in t.steps:
        print(step.line, step.event, {k: v["repr"] for k, v in step.changes.items()})

The public surface is ``__all__``; everything else is internal.
"""

from __future__ import annotations

__version__ = "0.1.0"

from pytrace_sem.errors import (
    CallError,
    InputGenerationError,
    LimitError,
    PytraceSemError,
    SandboxError,
    SourceError,
    TraceFormatError,
)

__all__ = [
    "__version__",
    "PytraceSemError",
    "SourceError",
    "CallError",
    "LimitError",
    "TraceFormatError",
    "SandboxError",
    "InputGenerationError",
]

from pytrace_sem.api import collect, trace, trace_call, traced, traces_of
from pytrace_sem.trace import SCHEMA_VERSION, ExceptionInfo, Step, Stopped, Trace

__all__ += [
    "trace_call",
    "trace",
    "traced",
    "collect",
    "traces_of",
    "Trace",
    "Step",
    "ExceptionInfo",
    "Stopped",
    "SCHEMA_VERSION",
]

from pytrace_sem.inputs import GeneratedInput, InputOptions, InputSet, generate_inputs

__all__ += ["generate_inputs", "InputSet", "GeneratedInput", "InputOptions"]

from pytrace_sem.sandbox import TASK_STATUSES, Sandbox, SandboxViolation, TaskResult, call_source

__all__ += ["Sandbox", "TaskResult", "TASK_STATUSES", "SandboxViolation", "call_source"]

from pytrace_sem.narrate import MonologueReport, WrongClaim, check_monologue, narrate, narrate_debug

__all__ += ["narrate", "narrate_debug", "check_monologue", "MonologueReport", "WrongClaim"]
