import sys


def f(target):
    sys.setrecursionlimit(10**9)

    def down(n):
        return down(n + 1)

    return down(0)
