"""A generator traced as the outermost call, consumed by code that calls other
traced functions between its items, delegating with ``yield from`` and left
unfinished. Seen in more-itertools and toolz under the pytest plugin: the
generator's session absorbed the unrelated calls and ended early."""


def evens(n):
    for i in range(n):
        yield i * 2


def inc(x):
    y = x + 1
    return y


def inner(n):
    for i in range(n):
        yield i
    return "inner done"


def outer(n):
    got = yield from inner(n)
    yield got


async def fetch(x):
    return x * 10


async def gather_two(a, b):
    first = await fetch(a)
    second = await fetch(b)
    return first + second
