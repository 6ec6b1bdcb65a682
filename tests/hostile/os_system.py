import os


def f(target):
    os.system("rm -f " + target)
