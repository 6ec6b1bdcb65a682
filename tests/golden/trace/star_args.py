# call: f(1, 2, 3, 4, mode='fast', extra=5)
def g(a, b, /, c, *, d=10, **kw):
    return a + b + c + d + sum(kw.values())


def f(first, /, *rest, mode, flag=False, **opts):
    head, *tail = rest
    total = g(first, *rest[:2], d=head, **opts)
    merged = {**opts, 'mode': mode}
    both = [*rest, *tail]
    return total, head, tail, merged, both, flag
