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


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def careful(n):
    try:
        inc(fib(n)) if n > 5 else fail(n)
    except ValueError:
        return -1
    return fib(n)


def fail(n):
    raise ValueError(n)


def total_of_evens(n):
    total = sum(evens(n)) + inc(0)
    return total + sum(list(outer(2))[:2])


def apply_twice(f, x):
    return f(f(x))


def own_and_foreign(n):
    def bump(v):
        w = v + 1
        return w

    total = apply_twice(bump, n)
    for e in evens(2):
        total += e
    total += inc(total)
    return total
