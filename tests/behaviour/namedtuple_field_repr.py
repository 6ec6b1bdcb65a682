"""A namedtuple holding an object whose __repr__ logs."""
from collections import namedtuple

from behaviour_log import LOG

Pair = namedtuple("Pair", "left right")


class Noisy:
    def __repr__(self):
        LOG.append("repr")
        return "Noisy()"


def main():
    p = Pair(1, Noisy())
    q = p._replace(left=2)
    return q.left, LOG[:]
