import os
import signal


def f(target):
    os.kill(os.getpid(), signal.SIGKILL)
