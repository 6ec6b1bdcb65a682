# call: f(3)
counter = 0


def bump(k):
    global counter
    counter += k
    return counter


def f(n):
    total = 0

    def add(x):
        nonlocal total
        total += x
        return total

    for i in range(n):
        add(i)
        bump(i)
    return total, counter
