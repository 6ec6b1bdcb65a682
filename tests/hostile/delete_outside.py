import os


def f(target):
    os.remove(target)
