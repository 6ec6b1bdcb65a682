# call: f([3, 8, 5, 12, 7], 10)
def f(xs, limit):
    found = None
    for x in xs:
        if x % 2:
            continue
        if x > limit:
            found = x
            print('found', x)
            break
    else:
        found = -1
    n = 0
    while n < 3:
        n += 1
        if n == 5:
            break
    else:
        n = -n
    for y in []:
        pass
    else:
        empty = True
    return found, n, empty
