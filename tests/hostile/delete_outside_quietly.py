# Swallows the refusal and returns normally: still reported as blocked.
import os


def f(target):
    try:
        os.unlink(target)
    except OSError:
        pass
    return "nothing to see"
