# call: f([4, 0, 9, 2], 5)
def f(xs, limit):
    if (n := len(xs)) > 3:
        size = 'long'
    big = [y for x in xs if (y := x * 2) > limit]
    ok = xs and (first := xs[0]) > 0
    skipped = 0 and (never := 1)
    while (chunk := xs[:2]):
        xs = xs[2:]
    return n, size, big, y, ok, first, skipped, chunk
