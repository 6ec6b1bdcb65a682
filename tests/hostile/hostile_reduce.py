# A return value whose unpickling would delete the sentinel in whichever process loads it.
import os


class Payload:
    def __reduce__(self):
        return (os.remove, (TARGET,))


TARGET = None


def f(target):
    global TARGET
    TARGET = target
    return Payload()
