"""An __eq__ that logs each call; the program compares once itself."""
from behaviour_log import LOG


class Point:
    def __init__(self, x):
        self.x = x

    def __eq__(self, other):
        LOG.append("eq")
        return isinstance(other, Point) and other.x == self.x

    __hash__ = None


def main():
    ps = [Point(i) for i in range(3)]
    ps[1] = Point(9)
    found = ps[2] == Point(2)
    ps.append(Point(4))
    return found, len(LOG)
