"""A flat-layout module at the project root."""


def clamp(x, low, high):
    if x < low:
        return low
    if x > high:
        return high
    return x


def hot(n):
    return n * 2 + 1
