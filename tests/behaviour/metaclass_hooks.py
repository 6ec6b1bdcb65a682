"""A metaclass whose __getattribute__ and __repr__ log: classes are values too."""
from behaviour_log import LOG


class Meta(type):
    def __getattribute__(cls, name):
        if not name.startswith("__"):
            LOG.append(name)
        return super().__getattribute__(name)

    def __repr__(cls):
        LOG.append("repr")
        return "Meta!"


class Thing(metaclass=Meta):
    kind = "thing"


def main():
    k = Thing
    kinds = [k, Thing]
    return len(kinds), LOG[:]
