"""Narratives from a trace, and a checker that catches a wrong step.

    python examples/narrate_demo.py

Traces one call, prints it as a forward monologue, a backward monologue, a
scratchpad and inline comments, checks a monologue with one wrong value in
it, and tells the story of a bug next to its fix.
"""

from __future__ import annotations

import pytrace_sem
from pytrace_sem.narrate import narrate_debug_sources

SOURCE = '''def f(words):
    counts = {}
    for w in words:
        if len(w) > 2:
            counts[w[0]] = counts.get(w[0], 0) + 1
    return sorted(counts.items())
'''

BUGGY = SOURCE.replace("len(w) > 2", "len(w) < 2")

CALL = "f(['apple', 'an', 'avocado', 'berry', 'bee'])"


def main() -> None:
    trace = pytrace_sem.trace_call(SOURCE, CALL)
    for style in ("forward", "backward", "scratchpad", "inline"):
        print(f"===== {style} =====")
        print(pytrace_sem.narrate(trace, style, seed=1))

    print("===== checking a monologue with one wrong value =====")
    text = pytrace_sem.narrate(trace, "forward", seed=1)
    wrong = text.replace("`{'a': 1}`", "`{'a': 2}`", 1)
    report = pytrace_sem.check_monologue(SOURCE, CALL, wrong)
    print(f"claims checked: {report.claims_checked}, wrong: {report.claims_wrong}, "
          f"answer correct: {report.answer_correct}")
    if report.first_wrong is not None:
        print(f"first wrong claim: {report.first_wrong.claim.text!r}: {report.first_wrong.reason}")

    print("\n===== debugging narrative =====")
    print(narrate_debug_sources(BUGGY, SOURCE, CALL))


if __name__ == "__main__":
    main()
