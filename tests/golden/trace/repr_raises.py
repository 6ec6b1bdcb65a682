# call: f(2)
class Broken:
    def __init__(self, n):
        self.n = n

    def __repr__(self):
        raise RuntimeError('no repr for you')


class NotAString:
    def __repr__(self):
        return 42


def f(n):
    b = Broken(n)
    b.n += 1
    items = [b, b]
    odd = NotAString()
    return b.n, items, odd
