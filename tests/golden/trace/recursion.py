# call: f(6)
def fact(n):
    if n <= 1:
        return 1
    return n * fact(n - 1)


def depth(n):
    return 0 if n == 0 else 1 + depth(n - 1)


def f(n):
    return fact(n), depth(n)
