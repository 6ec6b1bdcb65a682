"""Natural-language renderings of traces, and a checker for monologues written by models.

Every renderer reads only a :class:`~pytrace_sem.Trace` (and the source inside
it); every value it states is copied from the trace, so each claim is right by
construction and :func:`check_monologue` confirms it.

    import pytrace_sem

    t = pytrace_sem.trace_call(source, "f([1, 2, 3])")
    print(pytrace_sem.narrate(t, style="forward", seed=0))     # SemCoder-style monologue
    print(pytrace_sem.narrate(t, style="backward"))            # reverse deduction from the output
    report = pytrace_sem.check_monologue(source, "f([1, 2, 3])", model_text)
    print(report.claims_wrong, report.first_wrong, report.answer_correct)
"""

from __future__ import annotations

import sys
import types
from typing import Any

from pytrace_sem.limits import DEFAULT_LIMITS
from pytrace_sem.narrate._errors import NarrateError
from pytrace_sem.narrate._plan import Options
from pytrace_sem.narrate.check import (
    Claim, ClaimVerdict, MonologueReport, WrongClaim, check_against_trace, check_monologue, extract_claims,
)

__all__ = [
    "STYLES", "narrate", "narrate_debug", "narrate_debug_sources", "check_monologue", "check_against_trace",
    "extract_claims", "MonologueReport", "WrongClaim", "Claim", "ClaimVerdict", "NarrateError", "Options",
]

#: The styles :func:`narrate` knows.
STYLES = ("forward", "backward", "scratchpad", "inline")


def _options(cap: int | None, description: str | None, options: dict[str, Any]) -> Options:
    known = set(Options.__dataclass_fields__) - {"cap", "description"}
    unknown = set(options) - known
    if unknown:
        raise NarrateError(f"unknown option(s) {', '.join(sorted(unknown))}; known: "
                           f"cap, description, {', '.join(sorted(known))}")
    return Options(cap=cap, description=description, **options)


def narrate(trace: Any, style: str = "forward", *, seed: int = 0, cap: int | None = None,
            description: str | None = None, **options: Any) -> str:
    """Render ``trace`` (a Trace or its JSON dict) in one of :data:`STYLES`.

    ``seed`` picks the wording (same seed, same text); ``cap`` bounds the number
    of numbered steps (or scratchpad lines) by skipping the middle of the run
    with an explicit count; ``description`` replaces the derived "Understanding
    the Function" paragraph. Further options: ``long_loop``, ``loop_head``,
    ``loop_tail``, ``max_value_chars`` (see :class:`Options`).

        text = narrate(t, "forward", seed=1, cap=40)
    """
    opts = _options(cap, description, options)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise NarrateError(f"seed must be an integer, got {seed!r}")
    if style == "forward":
        from pytrace_sem.narrate.forward import render_forward

        return render_forward(trace, seed=seed, opts=opts)
    if style == "backward":
        from pytrace_sem.narrate.backward import render_backward

        return render_backward(trace, seed=seed, opts=opts)
    if style == "scratchpad":
        from pytrace_sem.narrate.plain import render_scratchpad

        return render_scratchpad(trace, opts=opts)
    if style == "inline":
        from pytrace_sem.narrate.plain import render_inline

        return render_inline(trace, opts=opts)
    raise NarrateError(f"unknown style {style!r}; choose one of {', '.join(STYLES)}")


def narrate_debug(buggy: Any, fixed: Any, *, seed: int = 0, cap: int | None = None, **options: Any) -> str:
    """A rubber-duck debugging narrative from traces of the buggy and the fixed code on one failing call.

        text = narrate_debug(trace_call(bad_src, "f(3)"), trace_call(good_src, "f(3)"))
    """
    from pytrace_sem.narrate.debug import render_debug

    return render_debug(buggy, fixed, seed=seed, opts=_options(cap, None, options))


def narrate_debug_sources(buggy_source: str, fixed_source: str, call: str, *, seed: int = 0,
                          cap: int | None = None, max_steps: int = DEFAULT_LIMITS["max_steps"], **options: Any) -> str:
    """Like :func:`narrate_debug`, tracing ``call`` on both sources with ``pytrace_sem.trace_call``."""
    from pytrace_sem.narrate.debug import debug_from_sources

    return debug_from_sources(buggy_source, fixed_source, call, seed=seed, opts=_options(cap, None, options),
                              max_steps=max_steps)


class _CallableModule(types.ModuleType):
    """``pytrace_sem.narrate`` is both this subpackage and the function ``narrate``.

    Importing a submodule sets the package attribute to the module, which would
    hide the function; making the module callable keeps ``pytrace_sem.narrate(t)``
    working either way.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        return narrate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
