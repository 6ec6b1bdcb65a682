"""A slotted class with a __getattr__ for unset slots."""
from behaviour_log import LOG


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self):
        self.a = 1

    def __getattr__(self, name):
        LOG.append(name)
        return None


def main():
    s = Slotted()
    s.a += 1
    missing = s.b
    return s.a, missing, LOG[:]
