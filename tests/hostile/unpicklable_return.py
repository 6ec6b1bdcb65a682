def f(target):
    return (x for x in range(3))
