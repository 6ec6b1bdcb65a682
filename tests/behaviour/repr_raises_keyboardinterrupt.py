"""A __repr__ that raises KeyboardInterrupt."""
from behaviour_log import LOG


class Stop:
    def __init__(self):
        self.k = 0

    def __repr__(self):
        LOG.append("repr")
        raise KeyboardInterrupt


def main():
    s = Stop()
    s.k = 5
    return s.k, LOG[:]
