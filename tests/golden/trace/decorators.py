# call: f(5)
import functools


def logged(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        calls.append(func.__name__)
        return func(*args, **kwargs)
    return wrapper


def times(k):
    def deco(func):
        def inner(x):
            return func(x) * k
        return inner
    return deco


calls = []


@logged
def double(x):
    """Twice x."""
    return 2 * x


@times(3)
@logged
def inc(x):
    return x + 1


def f(n):
    a = double(n)
    b = inc(n)
    return a, b, calls, double.__name__, double.__doc__, double.__wrapped__.__name__
