"""Small functions on lists: reshaping, filtering, combining."""


def chunk(items: list[int], size: int) -> list[list[int]]:
    """Split a list into consecutive pieces of `size` items; the last piece may be shorter.

    A size below 1 gives one piece with everything.

    >>> chunk([1, 2, 3, 4, 5], 2)
    [[1, 2], [3, 4], [5]]
    """
    if size < 1:
        return [list(items)]
    return [items[i:i + size] for i in range(0, len(items), size)]


def flatten_once(nested: list[list[int]]) -> list[int]:
    """Concatenate a list of lists into one list.

    >>> flatten_once([[1, 2], [], [3]])
    [1, 2, 3]
    """
    out = []
    for inner in nested:
        for value in inner:
            out.append(value)
    return out


def rotate_left(items: list[int], steps: int) -> list[int]:
    """Rotate a list to the left by `steps` places (negative steps rotate right).

    >>> rotate_left([1, 2, 3, 4, 5], 2)
    [3, 4, 5, 1, 2]
    """
    if not items:
        return []
    k = steps % len(items)
    return items[k:] + items[:k]


def dedupe_keep_order(items: list[int]) -> list[int]:
    """Remove repeated values, keeping the first occurrence of each.

    >>> dedupe_keep_order([3, 1, 3, 2, 1])
    [3, 1, 2]
    """
    seen = set()
    out = []
    for value in items:
        if value not in seen:
            seen.add(value)
            out.append(value)
    return out


def running_total(values: list[int]) -> list[int]:
    """Return the running sums of a list.

    >>> running_total([3, 1, 4, 1])
    [3, 4, 8, 9]
    """
    out = []
    total = 0
    for v in values:
        total += v
        out.append(total)
    return out


def interleave(first: list[int], second: list[int]) -> list[int]:
    """Take items alternately from two lists; what is left of the longer one goes at the end.

    >>> interleave([1, 2, 3], [10, 20])
    [1, 10, 2, 20, 3]
    """
    out = []
    i = 0
    while i < len(first) or i < len(second):
        if i < len(first):
            out.append(first[i])
        if i < len(second):
            out.append(second[i])
        i += 1
    return out


def pairwise_differences(values: list[int]) -> list[int]:
    """Return the difference between each item and the one before it.

    >>> pairwise_differences([1, 4, 9, 16])
    [3, 5, 7]
    """
    return [values[i] - values[i - 1] for i in range(1, len(values))]


def split_by_sign(values: list[int]) -> tuple[list[int], int, list[int]]:
    """Separate negative and positive numbers (keeping their order) and count the zeros between.

    >>> split_by_sign([3, -1, 0, 4, -5, 0])
    ([-1, -5], 2, [3, 4])
    """
    negatives, positives = [], []
    zeros = 0
    for v in values:
        if v < 0:
            negatives.append(v)
        elif v > 0:
            positives.append(v)
        else:
            zeros += 1
    return negatives, zeros, positives


def move_zeros_to_end(values: list[int]) -> list[int]:
    """Move every zero to the end of the list, keeping the other numbers in order.

    >>> move_zeros_to_end([0, 1, 0, 3, 12])
    [1, 3, 12, 0, 0]
    """
    result = [v for v in values if v != 0]
    result.extend([0] * (len(values) - len(result)))
    return result


def second_largest(values: list[int]) -> int | None:
    """Return the second largest distinct value, or None when there are fewer than two distinct values.

    >>> second_largest([4, 9, 9, 7])
    7
    """
    largest = None
    second = None
    for v in values:
        if largest is None or v > largest:
            if largest is not None:
                second = largest
            largest = v
        elif v != largest and (second is None or v > second):
            second = v
    return second


def window_sums(values: list[int], width: int) -> list[int]:
    """Sum every window of `width` consecutive values, sliding one place at a time.

    >>> window_sums([1, 2, 3, 4, 5], 3)
    [6, 9, 12]
    """
    if width < 1 or width > len(values):
        return []
    total = sum(values[:width])
    sums = [total]
    for i in range(width, len(values)):
        total += values[i] - values[i - width]
        sums.append(total)
    return sums


def merge_sorted(left: list[int], right: list[int]) -> list[int]:
    """Merge two sorted lists into one sorted list.

    >>> merge_sorted([1, 4, 6], [2, 3, 7])
    [1, 2, 3, 4, 6, 7]
    """
    out = []
    i = j = 0
    while i < len(left) and j < len(right):
        if left[i] <= right[j]:
            out.append(left[i])
            i += 1
        else:
            out.append(right[j])
            j += 1
    out.extend(left[i:])
    out.extend(right[j:])
    return out


def longest_increasing_run(values: list[int]) -> int:
    """Return the length of the longest run of strictly increasing consecutive values.

    >>> longest_increasing_run([1, 2, 2, 3, 4, 5, 1])
    4
    """
    if not values:
        return 0
    best = current = 1
    for i in range(1, len(values)):
        if values[i] > values[i - 1]:
            current += 1
            best = max(best, current)
        else:
            current = 1
    return best


def replace_negatives(values: list[int], fill: int) -> list[int]:
    """Replace every negative number by `fill`.

    >>> replace_negatives([3, -1, 0, -7], 0)
    [3, 0, 0, 0]
    """
    return [fill if v < 0 else v for v in values]


def count_in_range(values: list[int], low: int, high: int) -> int:
    """Count the values v with low <= v <= high.

    >>> count_in_range([1, 5, 8, 10, 12], 5, 10)
    3
    """
    count = 0
    for v in values:
        if low <= v <= high:
            count += 1
    return count


def zip_to_pairs(keys: list[str], values: list[int]) -> list[tuple[str, int]]:
    """Pair up two lists item by item, stopping at the end of the shorter one.

    >>> zip_to_pairs(["a", "b", "c"], [1, 2])
    [('a', 1), ('b', 2)]
    """
    pairs = []
    for i in range(min(len(keys), len(values))):
        pairs.append((keys[i], values[i]))
    return pairs


def every_nth(items: list[int], n: int) -> list[int]:
    """Take every n-th item, starting with the first; n below 1 gives an empty list.

    >>> every_nth([10, 11, 12, 13, 14, 15, 16], 3)
    [10, 13, 16]
    """
    if n < 1:
        return []
    return items[::n]


def find_peaks(values: list[int]) -> list[int]:
    """List the indices of values strictly greater than both neighbours (the ends are never peaks).

    >>> find_peaks([1, 3, 2, 5, 4, 4])
    [1, 3]
    """
    peaks = []
    for i in range(1, len(values) - 1):
        if values[i] > values[i - 1] and values[i] > values[i + 1]:
            peaks.append(i)
    return peaks


def remove_at(items: list[int], index: int) -> list[int]:
    """Return a copy of the list without the item at `index`; an index out of range changes nothing.

    >>> remove_at([5, 6, 7], 1)
    [5, 7]
    """
    if not 0 <= index < len(items):
        return list(items)
    return items[:index] + items[index + 1:]


def cumulative_max(values: list[int]) -> list[int]:
    """Return, for each position, the largest value seen so far.

    >>> cumulative_max([2, 1, 5, 3, 6])
    [2, 2, 5, 5, 6]
    """
    out = []
    best = None
    for v in values:
        if best is None or v > best:
            best = v
        out.append(best)
    return out


def group_consecutive(values: list[int]) -> list[list[int]]:
    """Group runs of equal neighbouring values.

    >>> group_consecutive([1, 1, 2, 3, 3, 3, 1])
    [[1, 1], [2], [3, 3, 3], [1]]
    """
    groups: list[list[int]] = []
    for v in values:
        if groups and groups[-1][-1] == v:
            groups[-1].append(v)
        else:
            groups.append([v])
    return groups


def sum_of_pairs_equal(values: list[int], target: int) -> list[tuple[int, int]]:
    """List the index pairs (i, j), i < j, whose values add up to `target`.

    >>> sum_of_pairs_equal([1, 2, 3, 4, 3], 6)
    [(1, 3), (2, 4)]
    """
    pairs = []
    for i in range(len(values)):
        for j in range(i + 1, len(values)):
            if values[i] + values[j] == target:
                pairs.append((i, j))
    return pairs


def take_while_positive(values: list[int]) -> list[int]:
    """Return the leading values up to (not including) the first one that is not positive.

    >>> take_while_positive([4, 2, 0, 5])
    [4, 2]
    """
    out = []
    for v in values:
        if v <= 0:
            break
        out.append(v)
    return out


def mean_of_middle(values: list[int]) -> float:
    """Average the values after dropping one smallest and one largest; fewer than three values give 0.0.

    >>> mean_of_middle([4, 1, 9, 6])
    5.0
    """
    if len(values) < 3:
        return 0.0
    ordered = sorted(values)
    middle = ordered[1:-1]
    return sum(middle) / len(middle)
