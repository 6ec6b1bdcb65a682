# call: f(['bb', 'a', 'ccc'])
square = lambda x: x * x


def f(words):
    by_len = sorted(words, key=lambda w: len(w))
    lens = list(map(lambda w: square(len(w)), words))
    pick = (lambda *a, k=2: a[k:])(*words)
    return by_len, lens, pick
