import os


def f(target):
    os.rename(target, target + ".moved")
