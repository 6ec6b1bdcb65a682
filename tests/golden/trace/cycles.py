# call: f()
def f():
    a = [1]
    a.append(a)
    d = {}
    d['self'] = d
    pair = [[], []]
    pair[0].append(pair[1])
    pair[1].append(pair[0])
    return a, d, pair
