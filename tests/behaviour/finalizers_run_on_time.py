"""__del__ of per-iteration objects runs at the same points traced and untraced."""
from behaviour_log import LOG


class Resource:
    def __init__(self, i):
        self.i = i

    def __del__(self):
        LOG.append(("del", self.i))


def make(i):
    r = Resource(i)
    return r.i


def main():
    for i in range(3):
        make(i)
        LOG.append(("after", i))
    return LOG[:]
