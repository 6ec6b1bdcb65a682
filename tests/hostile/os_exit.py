import os


def f(target):
    os._exit(0)
