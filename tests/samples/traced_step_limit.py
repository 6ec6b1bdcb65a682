"""A @traced function whose trace hits max_steps: recording stops before the
root returns, so the trace said ``return: null`` (and no exception) although
the call finished. The recorder now keeps the root's outcome after stopping."""


def total(n):
    acc = 0
    for i in range(n):
        acc += i
    return acc


def fails_late(n):
    for _ in range(n):
        pass
    raise ValueError(f"gave up after {n}")
