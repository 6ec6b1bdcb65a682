# call: f(3)
import inspect
import sys
import traceback


def where():
    return sys._getframe(1).f_lineno


def g(x):
    here = where()
    lines = inspect.getsource(g).splitlines()
    return here, lines[0], len(lines), inspect.currentframe().f_lineno


def f(x):
    info = g(x)
    try:
        [][x]
    except IndexError:
        tb = traceback.extract_tb(sys.exc_info()[2])
        spot = [(tb[i].lineno, tb[i].name, tb[i].line) for i in range(len(tb))]
    return info, spot, f.__code__.co_firstlineno
