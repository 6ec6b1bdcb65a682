# call: f(['pear', 'apple', 'fig', 'apple'])
def f(words):
    seen = set()
    for w in words:
        seen.add(w)
    frozen = frozenset(seen)
    nums = {3, 1, 2}
    mixed = {('a', 1), ('b', 2)}
    empty = frozenset()
    return seen, frozen, nums, mixed, empty, sorted(seen)
