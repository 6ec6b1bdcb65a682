"""Tracing is observation: a class whose dunders have side effects behaves the same traced.

    python examples/observe_only.py

``Ledger`` counts every ``__repr__``, ``__len__`` and ``__eq__`` call, the way a cache
that expires entries when asked its length, or a library object whose repr calls back
into user code, would notice being looked at. The call runs untraced, then under
``trace_call``: the counts are the same, because by default the recorder shows a user
object by its type and the attributes it stores, read without calling the class's code.
``user_repr=True`` opts in to the class's own ``__repr__`` (for code that runs in the
sandbox anyway, as the corpus builder does); the trace then says so.
"""

from __future__ import annotations

import pytrace_sem

SOURCE = '''CALLS = []


class Ledger:
    def __init__(self):
        self.entries = []

    def __repr__(self):
        CALLS.append("repr")
        return f"Ledger({self.entries})"

    def __len__(self):
        CALLS.append("len")
        return len(self.entries)

    def __eq__(self, other):
        CALLS.append("eq")
        return self is other


def book(amounts):
    ledger = Ledger()
    for a in amounts:
        ledger.entries.append(a)
    return len(ledger), list(CALLS)
'''


def main() -> None:
    namespace: dict = {}
    exec(SOURCE, namespace)  # noqa: S102 - our own example code
    print("untraced:           ", namespace["book"]([5, 7]))

    t = pytrace_sem.trace_call(SOURCE, "book([5, 7])")
    print("traced (default):   ", t.return_value["repr"], f"(repr_policy {t.repr_policy})")
    shown = next(s.changes["ledger"] for s in reversed(t.steps) if "ledger" in s.changes)
    print("  ledger is shown as", shown["repr"], "holding", shown["attrs"]["entries"]["repr"])

    t = pytrace_sem.trace_call(SOURCE, "book([5, 7])", user_repr=True)
    print("traced (user_repr): ", t.return_value["repr"], f"(repr_policy {t.repr_policy})")


if __name__ == "__main__":
    main()
