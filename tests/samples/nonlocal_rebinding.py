"""A nested function rebinds a variable of the traced function with
``nonlocal``. The traced function's own steps must show the new value (the
settrace reference sees it in the frame's locals), not only the inner
function's steps."""


def f(n):
    total = 0

    def add(x):
        nonlocal total
        total += x

    for i in range(n):
        add(i)
    return total
