# call: f(3)
def count(n):
    i = 0
    while i < n:
        got = yield i
        if got is not None:
            i = got
        i += 1
    return 'done'


def chain(n):
    result = yield from count(n)
    yield result


def f(n):
    out = list(chain(n))
    g = count(10)
    a = next(g)
    b = g.send(7)
    g.close()
    print('closed', a, b)
    return out, a, b
