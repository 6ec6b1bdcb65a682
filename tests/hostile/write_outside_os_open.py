import os


def f(target):
    fd = os.open(target, os.O_WRONLY | os.O_TRUNC)
    os.write(fd, b"overwritten")
