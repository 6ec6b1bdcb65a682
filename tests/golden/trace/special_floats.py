# call: f()
import math


def f():
    nan = float('nan')
    inf = math.inf
    ninf = -inf
    nzero = -0.0
    values = [nan, inf, ninf, nzero, 0.1 + 0.2]
    same = nan == nan
    return values, same, math.copysign(1, nzero)
