import signal


def f(target):
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while True:
        pass
