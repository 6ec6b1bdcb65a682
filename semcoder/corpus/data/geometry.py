"""Points, rectangles, intervals and shapes on integer coordinates."""


def manhattan_distance(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Return |x1 - x2| + |y1 - y2| for two points.

    >>> manhattan_distance((1, 2), (4, -2))
    7
    """
    return abs(a[0] - b[0]) + abs(a[1] - b[1])


def squared_distance(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Return the squared straight-line distance between two points.

    >>> squared_distance((0, 0), (3, 4))
    25
    """
    dx = a[0] - b[0]
    dy = a[1] - b[1]
    return dx * dx + dy * dy


def closest_point(origin: tuple[int, int], points: list[tuple[int, int]]) -> tuple[int, int] | None:
    """Return the point nearest to `origin` (the first one on a tie), or None for no points.

    >>> closest_point((0, 0), [(3, 3), (-1, 2), (2, 1)])
    (-1, 2)
    """
    best = None
    best_distance = -1
    for p in points:
        d = (p[0] - origin[0]) ** 2 + (p[1] - origin[1]) ** 2
        if best is None or d < best_distance:
            best = p
            best_distance = d
    return best


def rectangle_area(corner1: tuple[int, int], corner2: tuple[int, int]) -> int:
    """Return the area of the axis-aligned rectangle with these opposite corners.

    >>> rectangle_area((1, 5), (4, 1))
    12
    """
    return abs(corner2[0] - corner1[0]) * abs(corner2[1] - corner1[1])


def rectangles_overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> int:
    """Return the overlapping area of two rectangles given as (x1, y1, x2, y2) with x1 < x2 and y1 < y2.

    >>> rectangles_overlap((0, 0, 4, 4), (2, 1, 6, 3))
    4
    """
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0
    return width * height


def point_in_rectangle(point: tuple[int, int], rect: tuple[int, int, int, int]) -> bool:
    """Tell whether a point lies inside or on the border of the rectangle (x1, y1, x2, y2).

    >>> point_in_rectangle((2, 3), (0, 0, 4, 3))
    True
    """
    x, y = point
    x1, y1, x2, y2 = rect
    return min(x1, x2) <= x <= max(x1, x2) and min(y1, y2) <= y <= max(y1, y2)


def merge_intervals(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge overlapping or touching intervals (start, end) and return them sorted.

    >>> merge_intervals([(1, 3), (8, 10), (2, 6), (10, 12)])
    [(1, 6), (8, 12)]
    """
    merged: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def total_covered(intervals: list[tuple[int, int]]) -> int:
    """Return the total length covered by intervals (start, end), counting overlaps once.

    >>> total_covered([(1, 4), (3, 6), (8, 9)])
    6
    """
    total = 0
    current_start = current_end = None
    for start, end in sorted(intervals):
        if current_end is None or start > current_end:
            if current_end is not None:
                total += current_end - current_start
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None:
        total += current_end - current_start
    return total


def polygon_area_twice(points: list[tuple[int, int]]) -> int:
    """Return twice the area of a simple polygon with the shoelace formula (an integer).

    >>> polygon_area_twice([(0, 0), (4, 0), (4, 3), (0, 3)])
    24
    """
    total = 0
    for i in range(len(points)):
        x1, y1 = points[i]
        x2, y2 = points[(i + 1) % len(points)]
        total += x1 * y2 - x2 * y1
    return abs(total)


def perimeter(points: list[tuple[int, int]]) -> int:
    """Return the perimeter of a polygon whose sides are all horizontal or vertical.

    >>> perimeter([(0, 0), (5, 0), (5, 2), (0, 2)])
    14
    """
    total = 0
    for i in range(len(points)):
        x1, y1 = points[i]
        x2, y2 = points[(i + 1) % len(points)]
        total += abs(x2 - x1) + abs(y2 - y1)
    return total


def orientation(a: tuple[int, int], b: tuple[int, int], c: tuple[int, int]) -> str:
    """Say whether the turn a -> b -> c is 'left', 'right' or 'straight'.

    >>> orientation((0, 0), (2, 0), (2, 2))
    'left'
    """
    cross = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    if cross > 0:
        return "left"
    if cross < 0:
        return "right"
    return "straight"


def bounding_box(points: list[tuple[int, int]]) -> tuple[int, int, int, int] | None:
    """Return (min x, min y, max x, max y) of the points, or None when there are none.

    >>> bounding_box([(3, 1), (-2, 4), (0, -1)])
    (-2, -1, 3, 4)
    """
    if not points:
        return None
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return (min(xs), min(ys), max(xs), max(ys))


def quadrant(point: tuple[int, int]) -> int:
    """Return the quadrant (1 to 4) of a point, or 0 when it lies on an axis.

    >>> quadrant((-3, 5))
    2
    """
    x, y = point
    if x == 0 or y == 0:
        return 0
    if x > 0:
        return 1 if y > 0 else 4
    return 2 if y > 0 else 3


def is_right_triangle(a: int, b: int, c: int) -> bool:
    """Tell whether three side lengths, in any order, form a right triangle.

    >>> is_right_triangle(5, 3, 4)
    True
    """
    x, y, z = sorted((a, b, c))
    return x > 0 and x * x + y * y == z * z


def triangle_kind(a: int, b: int, c: int) -> str:
    """Classify a triangle by its sides: 'equilateral', 'isosceles', 'scalene' or 'invalid'.

    >>> triangle_kind(3, 3, 5)
    'isosceles'
    """
    x, y, z = sorted((a, b, c))
    if x <= 0 or x + y <= z:
        return "invalid"
    if x == z:
        return "equilateral"
    if x == y or y == z:
        return "isosceles"
    return "scalene"


def interval_intersection(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int] | None:
    """Return the common part of two closed intervals, or None if they do not meet.

    >>> interval_intersection((1, 5), (4, 9))
    (4, 5)
    """
    start = max(a[0], b[0])
    end = min(a[1], b[1])
    if start > end:
        return None
    return (start, end)


def count_lattice_on_segment(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Count the integer points on the segment from a to b, both ends included.

    >>> count_lattice_on_segment((0, 0), (6, 4))
    3
    """
    dx, dy = abs(b[0] - a[0]), abs(b[1] - a[1])
    while dy:
        dx, dy = dy, dx % dy
    return dx + 1


def centroid(points: list[tuple[int, int]]) -> tuple[float, float]:
    """Return the average position of the points ((0.0, 0.0) when there are none).

    >>> centroid([(0, 0), (4, 0), (2, 6)])
    (2.0, 2.0)
    """
    if not points:
        return (0.0, 0.0)
    sx = sum(p[0] for p in points)
    sy = sum(p[1] for p in points)
    return (sx / len(points), sy / len(points))


def meeting_rooms_needed(meetings: list[tuple[int, int]]) -> int:
    """Return how many rooms hold meetings (start, end) at once at the busiest moment; an end frees its room at once.

    >>> meeting_rooms_needed([(0, 30), (5, 10), (15, 20)])
    2
    """
    events = []
    for start, end in meetings:
        events.append((start, 1))
        events.append((end, -1))
    events.sort()
    busy = best = 0
    for _, change in events:
        busy += change
        best = max(best, busy)
    return best


def points_within(points: list[tuple[int, int]], center: tuple[int, int], radius: int) -> int:
    """Count the points at most `radius` away from `center` (straight-line distance).

    >>> points_within([(0, 0), (3, 4), (6, 8)], (0, 0), 5)
    2
    """
    limit = radius * radius
    count = 0
    for x, y in points:
        if (x - center[0]) ** 2 + (y - center[1]) ** 2 <= limit:
            count += 1
    return count
