"""The forward monologue (output prediction), written from a recorded trace.

Sections as SemCoder's models write them: Understanding the Function, Key
Properties and Constraints, Execution Simulation (numbered steps in execution
order, each naming its line as ``[L<n>]`` and each changed value as
"`name` becomes `value`"; long loops shortened to their first and last
iterations with an explicit count and the state around the gap), Conclusion,
then ``[/MONOLOGUE]`` and the ``[ANSWER]`` assertion. Every value in it is
copied from the trace, so every claim is right by construction.

    text = render_forward(trace, seed=0)
"""

from __future__ import annotations

from typing import Any

from pytrace_sem.narrate._common import (
    answer_block, code_span, describe_value, item_texts, message_suffix, numbered, quote_value,
)
from pytrace_sem.narrate._describe import key_properties, understanding
from pytrace_sem.narrate._plan import Options, plan
from pytrace_sem.narrate._templates import Phrases
from pytrace_sem.narrate._view import TraceView

__all__ = ["render_forward", "simulation_lines", "conclusion_line"]


def simulation_lines(view: TraceView, phrases: Phrases, opts: Options, upto: int | None = None) -> list[str]:
    """The numbered steps of the Execution Simulation (all steps, or those before ``upto``)."""
    end = len(view.steps) if upto is None else min(upto, len(view.steps))
    items = plan(view, range(end), opts)
    lines = numbered(item_texts(view, items, phrases, opts))
    if view.stopped is not None and upto is None:
        stopped = view.stopped
        reason = "the step limit" if stopped.get("reason") == "max_steps" else "the size limit"
        lines.append(phrases.say("stopped", step=stopped.get("after_step", len(view.steps)), reason=reason))
    return lines


def conclusion_line(view: TraceView, phrases: Phrases, opts: Options) -> str:
    call = code_span(view.call) or "the call"
    prefix = ""
    if view.stopped is not None:
        reason = "the step limit" if view.stopped.get("reason") == "max_steps" else "the size limit"
        prefix = phrases.say("conclusion_stopped", reason=reason) + " "
    if view.exception is not None and view.return_value is None:
        etype = view.exception.get("type", "Exception")
        return prefix + phrases.say("conclusion_raise", call=call, etype=etype,
                                    message=message_suffix(view.exception))
    quoted = quote_value(view.return_value, opts)
    if quoted is None:
        what = describe_value(view.return_value) if view.return_value is not None else "None"
        return prefix + phrases.say("conclusion_opaque", what=what)
    return prefix + phrases.say("conclusion", call=call, value=quoted)


def render_forward(trace: Any, *, seed: int = 0, opts: Options | None = None) -> str:
    """The forward monologue of ``trace`` (a Trace or its JSON dict)."""
    view = trace if isinstance(trace, TraceView) else TraceView(trace)
    opts = opts or Options()
    phrases = Phrases(seed)
    out = ["[MONOLOGUE]", "### Understanding the Function", understanding(view, opts.description), "",
           "### Key Properties and Constraints", *key_properties(view), "",
           "### Execution Simulation", phrases.say("intro", call=code_span(view.call) or "the call"), ""]
    out.extend(simulation_lines(view, phrases, opts))
    out += ["", "### Conclusion", conclusion_line(view, phrases, opts), "", "[/MONOLOGUE]"]
    out.extend(answer_block(view))
    return "\n".join(out) + "\n"
