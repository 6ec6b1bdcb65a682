"""An object whose __iter__ never ends: tracing must never iterate it."""
import itertools

from behaviour_log import LOG


class Forever:
    def __iter__(self):
        LOG.append("iter")
        return itertools.count()


def main():
    f = Forever()
    box = {"f": f}
    first = next(iter(f))
    return first, LOG[:]
