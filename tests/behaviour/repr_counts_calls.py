"""A __repr__ that logs each call: tracing must not call it."""
from behaviour_log import LOG


class Tally:
    def __init__(self, n):
        self.n = n

    def __repr__(self):
        LOG.append("repr")
        return f"Tally({self.n})"


def main():
    t = Tally(1)
    t.n += 1
    items = [t, Tally(5)]
    items.append(Tally(7))
    return [x.n for x in items], len(LOG)
