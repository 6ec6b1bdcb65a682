"""An __iter__ that logs each call and consumes a budget."""
from behaviour_log import LOG


class Stream:
    def __init__(self):
        self.left = 3

    def __iter__(self):
        LOG.append("iter")
        while self.left:
            self.left -= 1
            yield self.left


def main():
    s = Stream()
    holder = [s]
    first = list(s)
    holder.append(1)
    return first, s.left, LOG[:]
