"""A __hash__ that raises TypeError: objects kept in long lists and tuples only."""
from behaviour_log import LOG


class Unhashable:
    def __init__(self, i):
        self.i = i

    def __hash__(self):
        LOG.append("hash")
        raise TypeError("unhashable")


def main():
    items = [Unhashable(i) for i in range(150)]
    items[120] = Unhashable(-1)
    pair = (items[0], items[1])
    return items[120].i, len(pair), LOG[:]
