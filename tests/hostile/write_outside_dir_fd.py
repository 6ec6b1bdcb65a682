# Relative paths resolved against a directory descriptor: invisible to the 'open' event.
import os


def f(target):
    directory = os.open(os.path.dirname(target), os.O_RDONLY)
    fd = os.open(os.path.basename(target), os.O_WRONLY | os.O_TRUNC, dir_fd=directory)
    os.write(fd, b"overwritten")
