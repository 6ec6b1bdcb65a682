# call: f([1, 2, 3, 4], 'ab')
def f(xs, s):
    squares = [x * x for x in xs if x % 2 == 0]
    pairs = [(x, c) for x in xs if x > 2 for c in s]
    uniq = {x % 3 for x in xs}
    index = {c: i for i, c in enumerate(s)}
    grid = [[i * j for j in range(2)] for i in range(2)]
    total = sum(x for x in xs if x > 1)
    gen = (c.upper() for c in s)
    first = next(gen)
    return squares, pairs, uniq, index, grid, total, first
