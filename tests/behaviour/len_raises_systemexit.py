"""A __len__ that raises SystemExit."""
from behaviour_log import LOG


class NoLen:
    def __init__(self):
        self.x = [1, 2]

    def __len__(self):
        LOG.append("len")
        raise SystemExit(2)


def main():
    n = NoLen()
    n.x.append(3)
    return n.x, LOG[:]
