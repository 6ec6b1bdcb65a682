"""Record traces three ways and print them as a compact text view.

    python examples/trace_demo.py

1. ``trace_call``: a source text and a call written like CRUXEval's inputs;
2. ``trace``: a live function of this file;
3. ``@traced`` with ``collect()``: every outermost call made inside a block.

The text view is built from the Trace alone (line, source line, what changed),
the same data ``pytrace-sem trace FILE --call ... --format json`` prints.
"""

from __future__ import annotations

import pytrace_sem

SOURCE = '''def tally(words):
    counts = {}
    for w in words:
        key = w[0]
        counts[key] = counts.get(key, 0) + 1
    best = max(counts, key=counts.get)
    return best, counts
'''


def view(t: pytrace_sem.Trace) -> str:
    """One line per step: line number, indented source line, and what the step did."""
    lines = t.lines
    out = [f"{t.function}: {t.call}"]
    for step in t.steps:
        text = lines[step.line - 1].strip()
        notes = [f"{name} = {value['repr']}" for name, value in step.changes.items()]
        notes += [f"del {name}" for name in step.deleted]
        if step.outcome is not None:
            notes.append(f"-> {step.outcome}")
        if step.value is not None:
            notes.append(f"{step.event} {step.value['repr']}")
        if step.exception is not None:
            notes.append(f"{step.event} {step.exception.type}: {step.exception.message}")
        detail = "  # " + "; ".join(notes) if notes else ""
        out.append(f"{step.line:>4} {'  ' * step.depth}{text}{detail}")
    if t.truncated:
        out.append(f"     ... recording stopped ({t.stopped.reason}) after {t.stopped.after_step} steps")
    if t.exception is not None:
        out.append(f"raised {t.exception.type}: {t.exception.message}")
    else:
        out.append(f"returned {t.return_value['repr']}")
    if t.untraced:
        out.append("ran untraced: " + ", ".join(f"{what} on line {line}" for line, what in t.untraced))
    return "\n".join(out)


def collatz(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


@pytrace_sem.traced(max_steps=12)
def running_max(xs):
    best = None
    history = []
    for x in xs:
        if best is None or x > best:
            best = x
        history.append(best)
    return history


def main() -> None:
    print("===== trace_call: source text and a call =====")
    t = pytrace_sem.trace_call(SOURCE, "tally('apple avocado banana cherry blueberry'.split())")
    print(view(t))
    print(f"({len(t.steps)} steps; JSON is {len(t.dumps())} characters)")

    print("\n===== trace: a live function =====")
    print(view(pytrace_sem.trace(collatz, 6)))

    print("\n===== @traced + collect(): bounded traces of every call in a block =====")
    with pytrace_sem.collect() as traces:
        running_max([3, 1, 4, 1, 5])
        running_max(list(range(20)))
    for t in traces:
        print(view(t))
        print()


if __name__ == "__main__":
    main()
