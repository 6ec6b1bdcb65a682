import sys


def f(target):
    sys.setrecursionlimit(60)
    return sys.getrecursionlimit()
