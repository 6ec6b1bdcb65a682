"""A __getattribute__ that logs every attribute read."""
from behaviour_log import LOG


class Watched:
    def __init__(self):
        self.v = 1

    def __getattribute__(self, name):
        LOG.append(name)
        return object.__getattribute__(self, name)


def main():
    w = Watched()
    total = w.v + 1
    w.v = total
    return total, LOG[:]
