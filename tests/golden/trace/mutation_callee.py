# call: f([5])
def g(xs):
    xs.append(1)


def h(d, key):
    d.setdefault(key, []).append(key)


def f(items):
    g(items)
    table = {}
    h(table, 'a')
    h(table, 'a')
    holder = [items]
    g(holder[0])
    return items, table
