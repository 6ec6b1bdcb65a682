"""Searching and sorting, written out step by step."""


def binary_search(values: list[int], target: int) -> int:
    """Find the index of `target` in a sorted list by halving the search range; -1 when it is absent.

    >>> binary_search([1, 3, 5, 7, 9, 11], 7)
    3
    """
    low, high = 0, len(values) - 1
    while low <= high:
        mid = (low + high) // 2
        if values[mid] == target:
            return mid
        if values[mid] < target:
            low = mid + 1
        else:
            high = mid - 1
    return -1


def lower_bound(values: list[int], target: int) -> int:
    """Return the first index whose value is not less than `target` in a sorted list (len(values) if none).

    >>> lower_bound([1, 2, 4, 4, 8], 4)
    2
    """
    low, high = 0, len(values)
    while low < high:
        mid = (low + high) // 2
        if values[mid] < target:
            low = mid + 1
        else:
            high = mid
    return low


def indices_of(values: list[int], target: int) -> list[int]:
    """List every index at which `target` occurs, using list.index to jump from one to the next.

    >>> indices_of([4, 2, 4, 1, 4], 4)
    [0, 2, 4]
    """
    found = []
    start = 0
    while target in values[start:]:
        where = values.index(target, start)
        found.append(where)
        start = where + 1
    return found


def bubble_sort(values: list[int]) -> list[int]:
    """Sort a copy of the list by swapping neighbours until no swap is needed.

    >>> bubble_sort([5, 1, 4, 2, 8])
    [1, 2, 4, 5, 8]
    """
    items = list(values)
    n = len(items)
    swapped = True
    while swapped:
        swapped = False
        for i in range(1, n):
            if items[i - 1] > items[i]:
                items[i - 1], items[i] = items[i], items[i - 1]
                swapped = True
        n -= 1
    return items


def insertion_sort(values: list[int]) -> list[int]:
    """Sort a copy of the list by inserting each value into the sorted part before it.

    >>> insertion_sort([3, 7, 4, 9, 5])
    [3, 4, 5, 7, 9]
    """
    items = list(values)
    for i in range(1, len(items)):
        current = items[i]
        j = i - 1
        while j >= 0 and items[j] > current:
            items[j + 1] = items[j]
            j -= 1
        items[j + 1] = current
    return items


def selection_sort_desc(values: list[int]) -> list[int]:
    """Sort a copy of the list in decreasing order by repeatedly selecting the largest remaining value.

    >>> selection_sort_desc([2, 9, 4, 7])
    [9, 7, 4, 2]
    """
    items = list(values)
    for i in range(len(items)):
        best = i
        for j in range(i + 1, len(items)):
            if items[j] > items[best]:
                best = j
        items[i], items[best] = items[best], items[i]
    return items


def counting_sort_small(values: list[int]) -> list[int]:
    """Sort values between 0 and 9 by counting each; other values are left out.

    >>> counting_sort_small([3, 0, 9, 3, 12, 1])
    [0, 1, 3, 3, 9]
    """
    counts = [0] * 10
    for v in values:
        if 0 <= v <= 9:
            counts[v] += 1
    out = []
    for digit in range(10):
        out.extend([digit] * counts[digit])
    return out


def kth_smallest(values: list[int], k: int) -> int | None:
    """Return the k-th smallest value (k = 1 is the minimum), or None when k is out of range.

    >>> kth_smallest([7, 2, 9, 4], 2)
    4
    """
    if not 1 <= k <= len(values):
        return None
    return sorted(values)[k - 1]


def find_missing_number(values: list[int]) -> int:
    """Given the numbers 0..n with exactly one missing, return the missing one.

    >>> find_missing_number([3, 0, 1])
    2
    """
    n = len(values)
    expected = n * (n + 1) // 2
    return expected - sum(values)


def two_sum_sorted(values: list[int], target: int) -> tuple[int, int] | None:
    """In a sorted list, find indices i < j with values[i] + values[j] == target using two pointers.

    >>> two_sum_sorted([1, 2, 4, 7, 11], 9)
    (1, 3)
    """
    i, j = 0, len(values) - 1
    while i < j:
        total = values[i] + values[j]
        if total == target:
            return (i, j)
        if total < target:
            i += 1
        else:
            j -= 1
    return None


def majority_element(values: list[int]) -> int | None:
    """Return the value that fills more than half of the list (Boyer-Moore vote), or None.

    >>> majority_element([2, 2, 1, 1, 2, 2, 3])
    2
    """
    candidate = None
    count = 0
    for v in values:
        if count == 0:
            candidate = v
        count += 1 if v == candidate else -1
    if candidate is not None and values.count(candidate) * 2 > len(values):
        return candidate
    return None


def max_subarray_sum(values: list[int]) -> int:
    """Return the largest sum of a non-empty run of consecutive values (0 for an empty list).

    >>> max_subarray_sum([-2, 1, -3, 4, -1, 2, 1, -5, 4])
    6
    """
    if not values:
        return 0
    best = current = values[0]
    for v in values[1:]:
        current = max(v, current + v)
        best = max(best, current)
    return best


def sort_by_frequency(values: list[int]) -> list[int]:
    """Sort values by how often they occur (most frequent first), ties by value.

    >>> sort_by_frequency([4, 6, 2, 6, 4, 4])
    [4, 4, 4, 6, 6, 2]
    """
    counts: dict[int, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return sorted(values, key=lambda v: (-counts[v], v))


def search_rotated(values: list[int], target: int) -> int:
    """Find `target` in a sorted list that was rotated (e.g. [4, 5, 1, 2, 3]); -1 when absent.

    >>> search_rotated([4, 5, 6, 7, 0, 1, 2], 0)
    4
    """
    low, high = 0, len(values) - 1
    while low <= high:
        mid = (low + high) // 2
        if values[mid] == target:
            return mid
        if values[low] <= values[mid]:
            if values[low] <= target < values[mid]:
                high = mid - 1
            else:
                low = mid + 1
        else:
            if values[mid] < target <= values[high]:
                low = mid + 1
            else:
                high = mid - 1
    return -1


def closest_value(values: list[int], target: int) -> int | None:
    """Return the value nearest to `target` (the smaller one on a tie), or None for an empty list.

    >>> closest_value([1, 4, 8, 10], 6)
    4
    """
    best = None
    for v in values:
        if best is None or abs(v - target) < abs(best - target) or (
                abs(v - target) == abs(best - target) and v < best):
            best = v
    return best


def is_sorted(values: list[int]) -> bool:
    """Tell whether a list is in non-decreasing order.

    >>> is_sorted([1, 2, 2, 5])
    True
    """
    for i in range(1, len(values)):
        if values[i] < values[i - 1]:
            return False
    return True


def partition_around(values: list[int], pivot: int) -> list[int]:
    """Reorder values into those below the pivot, those equal to it, and those above, each group in order.

    >>> partition_around([9, 3, 5, 1, 5, 7], 5)
    [3, 1, 5, 5, 9, 7]
    """
    lower = [v for v in values if v < pivot]
    equal = [v for v in values if v == pivot]
    upper = [v for v in values if v > pivot]
    return lower + equal + upper


def top_k(values: list[int], k: int) -> list[int]:
    """Return the k largest values in decreasing order, keeping a small sorted list as it goes.

    >>> top_k([5, 1, 9, 3, 7], 3)
    [9, 7, 5]
    """
    best: list[int] = []
    for v in values:
        if len(best) < k:
            best.append(v)
            best.sort(reverse=True)
        elif k > 0 and v > best[-1]:
            best[-1] = v
            best.sort(reverse=True)
    return best


def intersect_sorted(a: list[int], b: list[int]) -> list[int]:
    """Return the values common to two sorted lists (as many times as both have them).

    >>> intersect_sorted([1, 2, 2, 3, 5], [2, 2, 4, 5])
    [2, 2, 5]
    """
    i = j = 0
    out = []
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            out.append(a[i])
            i += 1
            j += 1
        elif a[i] < b[j]:
            i += 1
        else:
            j += 1
    return out


def first_duplicate(values: list[int]) -> int | None:
    """Return the first value that has already appeared earlier in the list, or None.

    >>> first_duplicate([2, 1, 3, 5, 3, 2])
    3
    """
    seen = set()
    for v in values:
        if v in seen:
            return v
        seen.add(v)
    return None


def rank_scores(scores: list[int]) -> list[int]:
    """Give each score its rank (1 = highest); equal scores share a rank and the next rank skips.

    >>> rank_scores([50, 80, 80, 70])
    [4, 1, 1, 3]
    """
    ordered = sorted(scores, reverse=True)
    ranks = []
    for s in scores:
        ranks.append(ordered.index(s) + 1)
    return ranks


def peak_index_mountain(values: list[int]) -> int:
    """In a list that rises then falls, return the index of the top by binary search.

    >>> peak_index_mountain([1, 3, 7, 8, 5, 2])
    3
    """
    low, high = 0, len(values) - 1
    while low < high:
        mid = (low + high) // 2
        if values[mid] < values[mid + 1]:
            low = mid + 1
        else:
            high = mid
    return low
