import builtins


def f(target):
    builtins.len = lambda obj: 42
    return len([])
