import sys


def f(target):
    sys.settrace(None)
    return "tracing off"
