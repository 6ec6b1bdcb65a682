"""A property named __dict__: reading it must never happen behind the program's back."""
from behaviour_log import LOG


class Sneaky:
    def __init__(self):
        self.x = 1

    @property
    def __dict__(self):
        LOG.append("__dict__")
        return {"fake": True}


def main():
    s = Sneaky()
    others = [s, s]
    return len(others), LOG[:]
