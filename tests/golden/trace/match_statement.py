# call: f([[1, 2], {'kind': 'pt', 'x': 3}, Point(4, 5), 'stop', 42, (7, 8, 9), 'go', -1])
class Point:
    __match_args__ = ('x', 'y')

    def __init__(self, x, y):
        self.x = x
        self.y = y


def describe(item):
    match item:
        case [a, b]:
            return f'pair {a} {b}'
        case {'kind': 'pt', 'x': x, **rest}:
            return f'mapping {x} {rest}'
        case Point(x, y=yy) if x < yy:
            return f'point {x} {yy}'
        case 'stop' | 'halt' as word:
            return f'word {word}'
        case int(n) if n > 10:
            return f'big {n}'
        case (first, *others):
            return f'seq {first} {others}'
        case str():
            return 'other string'
        case _:
            return 'nothing'


def f(items):
    return [describe(it) for it in items]
