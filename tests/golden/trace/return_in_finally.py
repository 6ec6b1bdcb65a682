# call: f(0)
def g(x):
    try:
        return 10 // x
    finally:
        return -1


def f(x):
    try:
        value = g(x)
        return value
    finally:
        value = 'overridden'
