"""An __eq__ that raises: only the program's own comparison may trigger it."""
from behaviour_log import LOG


class Touchy:
    def __eq__(self, other):
        LOG.append("eq")
        raise RuntimeError("do not compare me")

    __hash__ = object.__hash__


def main():
    xs = [Touchy(), Touchy()]
    xs.append(Touchy())
    try:
        Touchy() in xs
    except RuntimeError:
        outcome = "raised"
    return outcome, LOG[:]
