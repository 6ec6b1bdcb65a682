import sys


def f(target):
    sys.exit(3)
