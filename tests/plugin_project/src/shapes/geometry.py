"""Reached through a relative import from the package."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    x: float
    y: float

    def dist2(self, other):
        dx = self.x - other.x
        dy = self.y - other.y
        return dx * dx + dy * dy


def closest(points, target):
    best = None
    for p in points:
        if best is None or p.dist2(target) < best.dist2(target):
            best = p
    return best
