"""A data descriptor whose __get__ logs each read."""
from behaviour_log import LOG


class Logged:
    def __set_name__(self, owner, name):
        self.name = "_" + name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        LOG.append("get")
        return getattr(obj, self.name)

    def __set__(self, obj, value):
        LOG.append("set")
        setattr(obj, self.name, value)


class Box:
    size = Logged()

    def __init__(self, size):
        self.size = size


def main():
    b = Box(3)
    b.size = 4
    return b.size, LOG[:]
