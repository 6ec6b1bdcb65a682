"""A dict subclass whose items/keys/__repr__ log."""
from behaviour_log import LOG


class LoudDict(dict):
    def items(self):
        LOG.append("items")
        return super().items()

    def keys(self):
        LOG.append("keys")
        return super().keys()

    def __repr__(self):
        LOG.append("repr")
        return "LoudDict"


def main():
    d = LoudDict(a=1)
    d["b"] = 2
    return d["a"] + d["b"], LOG[:]
