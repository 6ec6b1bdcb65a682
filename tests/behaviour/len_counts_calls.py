"""A __len__ that logs each call."""
from behaviour_log import LOG


class Bag:
    def __init__(self):
        self.items = []

    def __len__(self):
        LOG.append("len")
        return len(self.items)


def main():
    b = Bag()
    b.items.append(1)
    b.items.append(2)
    n = len(b)
    return n, LOG[:]
