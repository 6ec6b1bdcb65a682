"""A __bool__ that logs each call; the program tests it once."""
from behaviour_log import LOG


class Flag:
    def __init__(self, on):
        self.on = on

    def __bool__(self):
        LOG.append("bool")
        return self.on


def main():
    f = Flag(True)
    out = "yes" if f else "no"
    g = Flag(False)
    return out, LOG[:]
