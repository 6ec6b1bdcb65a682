"""A src-layout package; its __init__ has functions of its own and relative imports."""

from .area import area, perimeters
from . import geometry


def describe(shape):
    kind = shape[0]
    return f"{kind} with area {area(shape)}"


__all__ = ["area", "perimeters", "describe", "geometry"]
