"""An Enum with its own __repr__ and __str__ that log."""
import enum

from behaviour_log import LOG


class Color(enum.Enum):
    RED = 1
    BLUE = 2

    def __repr__(self):
        LOG.append("repr")
        return "Color!"

    def __str__(self):
        LOG.append("str")
        return "color"


def main():
    c = Color.RED
    shades = [c, Color.BLUE]
    return [s.value for s in shades], LOG[:]
