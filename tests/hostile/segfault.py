import faulthandler


def f(target):
    faulthandler._sigsegv()
