"""Wording for the narratives: a few templates per situation, picked with a seeded RNG.

A model trained on one fixed phrasing learns the phrasing; a handful of
variants per situation keeps the content and varies the words. Every variant
stays inside the small grammar the checker reads (``check.py``): a value is
always "`name` <verb> `value`" with a verb from its lists, a line is ``[L<n>]``.

    phrases = Phrases(seed=3)
    phrases.say("return", line=6, value="`[1, 2]`")   # same seed, same choices
"""

from __future__ import annotations

import random

__all__ = ["Phrases", "TEMPLATES"]

TEMPLATES: dict[str, tuple[str, ...]] = {
    # -- forward ---------------------------------------------------------------------
    "intro": (
        "Let's simulate {call} step by step.",
        "We execute {call} one statement at a time.",
        "Here is how {call} runs, step by step.",
    ),
    "call": (
        "[L{line}] The function `{fn}` is called with {bindings}.",
        "[L{line}] `{fn}` starts, with {bindings}.",
        "[L{line}] The call enters `{fn}`: {bindings}.",
    ),
    "call_none": (
        "[L{line}] The function `{fn}` is called with no arguments.",
        "[L{line}] `{fn}` starts; it takes no arguments.",
    ),
    "call_nested": (
        "[L{line}] `{fn}` is called (call depth {depth}) with {bindings}.",
        "[L{line}] A nested call enters `{fn}` (depth {depth}): {bindings}.",
    ),
    "binding": (
        "`{name}` bound to {value}",
        "`{name}` set to {value}",
    ),
    "assign": (
        "[L{line}] {code}: {changes}.",
        "[L{line}] Executing {code}, {changes}.",
        "[L{line}] After {code} runs, {changes}.",
    ),
    "change": (
        "`{name}` becomes {value}",
        "`{name}` is set to {value}",
        "`{name}` is updated to {value}",
    ),
    "change_opaque": (
        "`{name}` changes ({what})",
        "`{name}` is modified ({what})",
    ),
    "remains": (
        "`{name}` remains {value}",
        "`{name}` is still {value}",
    ),
    "deleted": (
        "`{name}` is deleted",
    ),
    "nothing": (
        "[L{line}] {code} runs; no variable changes.",
        "[L{line}] {code} is executed without changing any variable.",
    ),
    "branch": (
        "[L{line}] The condition {cond} is `{outcome}`, so {then}.",
        "[L{line}] {cond} evaluates to `{outcome}`; {then}.",
        "[L{line}] The test {cond} comes out `{outcome}`, so {then}.",
    ),
    "then_if_true": ("the block under it runs", "we enter its body"),
    "then_if_false": ("the block under it is skipped", "its body is skipped"),
    "then_while_true": ("the loop body runs", "the loop goes on"),
    "then_while_false": ("the loop ends", "the loop stops here"),
    "then_case_true": ("this case's body runs", "this case is taken"),
    "then_case_false": ("this case is skipped", "the next case is tried"),
    "iteration": (
        "[L{line}] Iteration {k} of the loop: {changes}.",
        "[L{line}] The loop begins iteration {k}; {changes}.",
        "[L{line}] Loop pass {k}: {changes}.",
    ),
    "loop_done": (
        "(The loop at line {line} ends after {n} {unit}.)",
        "(That finishes the loop at line {line}: {n} {unit}.)",
    ),
    "loop_break": (
        "(A `break` leaves the loop at line {line} in iteration {n}.)",
    ),
    "return": (
        "[L{line}] The function returns {value}.",
        "[L{line}] {code} hands back {value}.",
        "[L{line}] The return statement gives back {value}.",
    ),
    "return_nested": (
        "[L{line}] `{fn}` returns {value} to its caller.",
        "[L{line}] `{fn}` finishes and returns {value}.",
    ),
    "return_opaque": (
        "[L{line}] The function returns {what}.",
    ),
    "raise": (
        "[L{line}] {code} raises `{etype}`{message}.",
        "[L{line}] This line raises `{etype}`{message}.",
    ),
    "except": (
        "[L{line}] The `except` clause catches `{etype}`{message}.",
        "[L{line}] The handler here catches the `{etype}`{message}.",
    ),
    "comprehension": (
        "[L{line}] The comprehension produces {value}.",
        "[L{line}] The comprehension builds {value}.",
    ),
    "comprehension_opaque": (
        "[L{line}] A comprehension runs, producing {what}.",
    ),
    "yield": (
        "[L{line}] The generator yields {value}.",
    ),
    "resume": (
        "[L{line}] The generator resumes.",
    ),
    "skip_loop": (
        "Iterations {first} to {last} of the loop at line {line} ({count} iterations) are skipped; {states}.",
        "The loop at line {line} keeps going the same way: iterations {first} to {last} ({count} iterations) "
        "are skipped here; {states}.",
    ),
    "skip_steps": (
        "Steps {first} to {last} of the run ({count} steps) are skipped to keep this short; {states}.",
        "To keep this readable, steps {first} to {last} of the run ({count} steps) are skipped; {states}.",
    ),
    "stopped": (
        "Recording stopped after step {step} ({reason}); the rest of the run is not shown.",
    ),
    "conclusion": (
        "The function returns {value}.",
        "So {call} returns {value}.",
        "Therefore the return value is {value}.",
    ),
    "conclusion_opaque": (
        "The function returns {what}.",
    ),
    "conclusion_raise": (
        "So {call} raises `{etype}`{message} instead of returning.",
        "The call does not return: it raises `{etype}`{message}.",
    ),
    "conclusion_stopped": (
        "Recording stopped early ({reason}), but the call itself finished.",
    ),
    # -- backward --------------------------------------------------------------------
    "b_intro": (
        "We work backwards from the output {output} to what the input must be.",
        "Starting from the output {output}, we trace each value back to the input.",
    ),
    "b_return": (
        "[L{line}] ({run}) The return value is {value}{uses}.",
        "[L{line}] ({run}) This `return` hands back {value}{uses}.",
    ),
    "b_uses": (
        "; it is computed from {names}",
        "; it comes from {names}",
    ),
    "b_def": (
        "[L{line}] ({run}) {code} sets `{name}` to {value}{before}.",
        "[L{line}] ({run}) `{name}` gets its value from {code}, which sets `{name}` to {value}{before}.",
        "[L{line}] ({run}) Here {code} updates `{name}` to {value}{before}.",
    ),
    "b_def_new": (
        "[L{line}] ({run}) {code} sets `{name}` to {value}.",
        "[L{line}] ({run}) `{name}` gets its first value from {code}, which sets `{name}` to {value}.",
    ),
    "b_before": (
        "; just before, `{name}` was {value}",
        "; before this line `{name}` was {value}",
    ),
    "b_branch": (
        "[L{line}] ({run}) The condition {cond} is `{outcome}` here, and that decides what runs next.",
        "[L{line}] ({run}) This only happens because {cond} evaluates to `{outcome}`.",
    ),
    "b_iteration": (
        "[L{line}] ({run}) In iteration {k} the loop sets `{name}` to {value}.",
        "[L{line}] ({run}) Iteration {k} of the loop sets `{name}` to {value}.",
    ),
    "b_call": (
        "[L{line}] ({run}) So the call binds {bindings}.",
        "[L{line}] ({run}) All of this traces back to the arguments: the call binds {bindings}.",
    ),
    "b_binding": (
        "`{name}` to {value}",
    ),
    "b_comprehension": (
        "[L{line}] ({run}) The comprehension produces {value}.",
    ),
    "b_except": (
        "[L{line}] ({run}) The `except` clause catches `{etype}`{message}.",
    ),
    "b_raise": (
        "[L{line}] ({run}) This line raises `{etype}`{message}.",
    ),
    "b_plain": (
        "[L{line}] ({run}) {code} runs here.",
    ),
    "b_conclusion": (
        "The original input satisfies every constraint above: {call} returns {value}.",
        "One input that meets all of these is the original one, and {call} returns {value}.",
    ),
    "b_conclusion_raise": (
        "The original input satisfies every constraint above: {call} raises `{etype}`.",
    ),
}


class Phrases:
    """Picks one variant per use from :data:`TEMPLATES`, reproducibly for a seed."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = random.Random(seed)

    def pick(self, key: str) -> str:
        return self._rng.choice(TEMPLATES[key])

    def say(self, key: str, **fields: object) -> str:
        return self.pick(key).format(**fields)
