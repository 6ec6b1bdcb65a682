# call: f('ada', 3.14159, [1, 2])
def f(name, x, xs):
    a = f'{name!r:>8}|{x:.2f}|{len(xs)}'
    b = f'{name=} {x * 2 = :.1f}'
    c = f"{'nested ' + f'{name.upper()}'}"
    d = f'{{literal}} {xs[-1]:03d}'
    return a, b, c, d
