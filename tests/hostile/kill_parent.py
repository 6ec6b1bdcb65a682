import os
import signal


def f(target):
    os.kill(os.getppid(), signal.SIGKILL)
