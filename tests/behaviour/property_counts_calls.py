"""Properties that log each read."""
from behaviour_log import LOG


class Temp:
    def __init__(self, c):
        self._c = c

    @property
    def f(self):
        LOG.append("f")
        return self._c * 9 / 5 + 32


def main():
    t = Temp(100)
    t._c = 0
    reading = t.f
    return reading, LOG[:]
