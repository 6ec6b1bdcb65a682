"""An exception carrying an object whose __repr__/__str__ log; the program catches it."""
from behaviour_log import LOG


class Payload:
    def __repr__(self):
        LOG.append("repr")
        return "Payload()"

    def __str__(self):
        LOG.append("str")
        return "payload"


def fail():
    raise ValueError(Payload())


def main():
    try:
        fail()
    except ValueError as err:
        kind = type(err.args[0]).__name__
    return kind, LOG[:]
