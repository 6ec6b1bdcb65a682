# call: f()
def f():
    a = b = []
    b.append(1)
    c = a
    c.append(2)
    d = {'k': a}
    a.append(3)
    e = [a, a]
    e[0].append(4)
    return a, b, d, e
