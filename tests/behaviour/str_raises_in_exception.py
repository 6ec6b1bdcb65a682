"""An exception whose __str__ raises SystemExit, caught and raised by the program."""
from behaviour_log import LOG


class Bad(Exception):
    def __str__(self):
        LOG.append("str")
        raise SystemExit(1)


def inner():
    raise Bad("x")


def main():
    try:
        inner()
    except Bad as e:
        caught = type(e).__name__
    raise Bad("again")
