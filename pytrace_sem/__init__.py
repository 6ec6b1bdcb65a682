"""pytrace_sem: faithful, fast, per-statement execution traces of Python functions.

Typical use::

    import pytrace_sem

    t = pytrace_sem.trace_call("def f(xs):\n    xs.append(1)\n    return xs\n", "f([0])")
    for step in t.steps:
        print(step.line, step.event, {k: v["repr"] for k, v in step.changes.items()})

The public surface is ``__all__``; everything else is internal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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

from pytrace_sem.trace import SCHEMA_VERSION, ExceptionInfo, Step, Stopped, Trace

# The submodule import above bound the name ``trace`` to the module; the public
# ``pytrace_sem.trace`` is the function, loaded lazily with the rest of api.py
# (which imports libcst: the pytest plugin must not pay for it when it is off).
if not TYPE_CHECKING:
    del trace  # noqa: F821

__all__ += [
    "Trace",
    "Step",
    "ExceptionInfo",
    "Stopped",
    "SCHEMA_VERSION",
]

# Heavier parts load on first use (PEP 562), so that `import pytrace_sem` (and the
# pytest plugin) never imports hypothesis, coverage or multiprocess by itself:
# some libraries behave differently once those are in sys.modules.
_LAZY = {
    "trace_call": "pytrace_sem.api",
    "trace": "pytrace_sem.api",
    "traced": "pytrace_sem.api",
    "collect": "pytrace_sem.api",
    "traces_of": "pytrace_sem.api",
    "generate_inputs": "pytrace_sem.inputs",
    "InputSet": "pytrace_sem.inputs",
    "GeneratedInput": "pytrace_sem.inputs",
    "InputOptions": "pytrace_sem.inputs",
    "Sandbox": "pytrace_sem.sandbox",
    "TaskResult": "pytrace_sem.sandbox",
    "TASK_STATUSES": "pytrace_sem.sandbox",
    "SandboxViolation": "pytrace_sem.sandbox",
    "call_source": "pytrace_sem.sandbox",
    "narrate": "pytrace_sem.narrate",
    "narrate_debug": "pytrace_sem.narrate",
    "check_monologue": "pytrace_sem.narrate",
    "MonologueReport": "pytrace_sem.narrate",
    "WrongClaim": "pytrace_sem.narrate",
    "SPEEDUPS": "pytrace_sem._runtime",  # whether the recorder's C accelerator runs
}

__all__ += list(_LAZY)

if TYPE_CHECKING:
    # What the lazy names are, for type checkers (at run time __getattr__ loads them).
    from pytrace_sem._runtime import (  # noqa: F401 - re-exported
        SPEEDUPS as SPEEDUPS,
    )
    from pytrace_sem.api import (  # noqa: F401 - re-exported
        collect as collect,
        trace as trace,
        trace_call as trace_call,
        traced as traced,
        traces_of as traces_of,
    )
    from pytrace_sem.inputs import (  # noqa: F401 - re-exported
        GeneratedInput as GeneratedInput,
        InputOptions as InputOptions,
        InputSet as InputSet,
        generate_inputs as generate_inputs,
    )
    from pytrace_sem.narrate import (  # noqa: F401 - re-exported
        MonologueReport as MonologueReport,
        WrongClaim as WrongClaim,
        check_monologue as check_monologue,
        narrate as narrate,
        narrate_debug as narrate_debug,
    )
    from pytrace_sem.sandbox import (  # noqa: F401 - re-exported
        TASK_STATUSES as TASK_STATUSES,
        Sandbox as Sandbox,
        SandboxViolation as SandboxViolation,
        TaskResult as TaskResult,
        call_source as call_source,
    )


# Submodules that importing the package used to load as a side effect.
_SUBMODULES = frozenset({"api", "rewrite", "values", "_runtime"})


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        if name in _SUBMODULES:
            import importlib

            return importlib.import_module(f"pytrace_sem.{name}")
        raise AttributeError(f"module 'pytrace_sem' has no attribute {name!r}")
    import importlib
    import sys

    value = getattr(importlib.import_module(module), name)
    if name == "narrate":
        # Also the name of the subpackage, which is callable for this reason.
        return sys.modules["pytrace_sem.narrate"]
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
