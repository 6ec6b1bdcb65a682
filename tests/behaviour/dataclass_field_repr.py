"""A dataclass holding an object whose __repr__ logs: the generated __repr__ must not run."""
from dataclasses import dataclass

from behaviour_log import LOG


class Noisy:
    def __repr__(self):
        LOG.append("repr")
        return "Noisy()"


@dataclass
class Holder:
    name: str
    extra: object


def main():
    h = Holder("a", Noisy())
    h.name = "b"
    return h.name, LOG[:]
