"""A sieve over a long bytearray, like more-itertools' ``sieve``: every step
compares the buffer with its last snapshot, and its full repr (megabytes) made
each step cost time in the buffer's length."""


def sieve(n):
    data = bytearray((0, 1)) * (n // 2)
    limit = int(n ** 0.5) + 1
    for p in range(3, limit, 2):
        if data[p]:
            data[p * p::p + p] = bytes(len(range(p * p, n, p + p)))
    return [2] + [i for i in range(3, n, 2) if data[i]]
