"""A __repr__ that raises SystemExit: the call must still return normally."""
from behaviour_log import LOG


class Doom:
    def __repr__(self):
        LOG.append("repr")
        raise SystemExit(3)


def main():
    d = Doom()
    pair = (d, 1)
    return len(pair), LOG[:]
