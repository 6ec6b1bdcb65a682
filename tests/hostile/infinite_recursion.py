def f(target):
    return f(target)
