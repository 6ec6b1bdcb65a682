import ctypes


def f(target):
    libc = ctypes.CDLL(None)
    return libc.unlink(target.encode())
