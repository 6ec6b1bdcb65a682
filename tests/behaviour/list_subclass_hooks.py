"""A list subclass whose __iter__, __len__ and __repr__ log."""
from behaviour_log import LOG


class LoudList(list):
    def __iter__(self):
        LOG.append("iter")
        return super().__iter__()

    def __len__(self):
        LOG.append("len")
        return super().__len__()

    def __repr__(self):
        LOG.append("repr")
        return "LoudList"


def main():
    xs = LoudList([1, 2])
    xs.append(3)
    total = xs[0] + xs[2]
    return total, LOG[:]
