"""Sets of strings iterate in an order that depends on PYTHONHASHSEED, so the
same call gave different trace JSON in two processes. Sets whose items hash
differently per process are now listed in a canonical (sorted) order."""


def f(words):
    seen = set(words)
    frozen = frozenset(seen)
    nested = {frozen, ("b", 1)}
    return seen, frozen, nested
