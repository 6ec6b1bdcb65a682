"""Recursive functions and the small search problems they suit."""


def power(base: int, exponent: int) -> int:
    """Raise base to a non-negative exponent by squaring, recursively (negative exponents give 0).

    >>> power(3, 5)
    243
    """
    if exponent < 0:
        return 0
    if exponent == 0:
        return 1
    half = power(base, exponent // 2)
    if exponent % 2 == 0:
        return half * half
    return half * half * base


def nested_sum(data: list) -> int:
    """Add up all integers in a list that may contain lists, at any depth.

    >>> nested_sum([1, [2, [3, 4]], [], 5])
    15
    """
    total = 0
    for item in data:
        if isinstance(item, list):
            total += nested_sum(item)
        elif isinstance(item, int):
            total += item
    return total


def nested_depth(data: list) -> int:
    """Return how deeply lists are nested inside a list (a flat list has depth 1).

    >>> nested_depth([1, [2, [3]], []])
    3
    """
    deepest = 0
    for item in data:
        if isinstance(item, list):
            deepest = max(deepest, nested_depth(item))
    return deepest + 1


def count_leaves(data: list) -> int:
    """Count the items that are not lists inside a list nested at any depth.

    >>> count_leaves([1, [2, [3, [4]]], [], "x"])
    5
    """
    leaves = 0
    for item in data:
        leaves += count_leaves(item) if isinstance(item, list) else 1
    return leaves


def permutations_of(text: str) -> list[str]:
    """List every ordering of the characters of a short string (up to six characters), in sorted order.

    >>> permutations_of("abc")
    ['abc', 'acb', 'bac', 'bca', 'cab', 'cba']
    """
    if len(text) <= 1:
        return [text]
    text = text[:6]
    out = set()
    for i, ch in enumerate(text):
        for rest in permutations_of(text[:i] + text[i + 1:]):
            out.add(ch + rest)
    return sorted(out)


def combinations_of(items: list[int], k: int) -> list[list[int]]:
    """List the ways to choose k items keeping their order.

    >>> combinations_of([1, 2, 3, 4], 2)
    [[1, 2], [1, 3], [1, 4], [2, 3], [2, 4], [3, 4]]
    """
    if k == 0:
        return [[]]
    if k < 0 or len(items) < k:
        return []
    first, rest = items[0], items[1:]
    with_first = [[first] + combo for combo in combinations_of(rest, k - 1)]
    return with_first + combinations_of(rest, k)


def hanoi_moves(disks: int, source: str, target: str, spare: str) -> list[tuple[str, str]]:
    """List the moves that bring a tower of up to eight disks from source to target.

    >>> hanoi_moves(2, "A", "C", "B")
    [('A', 'B'), ('A', 'C'), ('B', 'C')]
    """
    if disks <= 0:
        return []
    disks = min(disks, 8)
    moves = hanoi_moves(disks - 1, source, spare, target)
    moves.append((source, target))
    moves += hanoi_moves(disks - 1, spare, target, source)
    return moves


def binary_strings(n: int) -> list[str]:
    """List all strings of n binary digits (n up to 8) in increasing order.

    >>> binary_strings(2)
    ['00', '01', '10', '11']
    """
    if n <= 0:
        return [""]
    n = min(n, 8)
    shorter = binary_strings(n - 1)
    return ["0" + s for s in shorter] + ["1" + s for s in shorter]


def count_change(amount: int, coins: list[int]) -> int:
    """Count the ways to make `amount` from coins of the given values (order does not matter).

    >>> count_change(10, [1, 5, 10])
    4
    """
    ways = [1] + [0] * max(amount, 0)
    for coin in coins:
        if coin <= 0:
            continue
        for value in range(coin, amount + 1):
            ways[value] += ways[value - coin]
    return ways[amount] if amount >= 0 else 0


def min_coins(amount: int, coins: list[int]) -> int:
    """Return the fewest coins that add up to `amount`, or -1 when it cannot be made.

    >>> min_coins(11, [1, 2, 5])
    3
    """
    if amount < 0:
        return -1
    best = [0] + [-1] * amount
    for value in range(1, amount + 1):
        for coin in coins:
            if 0 < coin <= value and best[value - coin] >= 0:
                candidate = best[value - coin] + 1
                if best[value] < 0 or candidate < best[value]:
                    best[value] = candidate
    return best[amount]


def palindrome_recursive(text: str) -> bool:
    """Tell whether a string is a palindrome by comparing its ends and recursing inwards.

    >>> palindrome_recursive("racecar")
    True
    """
    if len(text) < 2:
        return True
    if text[0] != text[-1]:
        return False
    return palindrome_recursive(text[1:-1])


def sum_digits_recursive(n: int) -> int:
    """Add up the digits of a non-negative integer recursively.

    >>> sum_digits_recursive(9045)
    18
    """
    if n < 10:
        return n
    return n % 10 + sum_digits_recursive(n // 10)


def ackermann_small(m: int, n: int) -> int:
    """Compute the Ackermann function for m up to 2 and n up to 10 (other arguments give -1).

    >>> ackermann_small(2, 3)
    9
    """
    if not (0 <= m <= 2 and 0 <= n <= 10):
        return -1
    if m == 0:
        return n + 1
    if n == 0:
        return ackermann_small(m - 1, 1)
    return ackermann_small(m - 1, ackermann_small(m, n - 1))


def subset_sum_exists(values: list[int], target: int) -> bool:
    """Tell whether some of the first twelve values add up to `target` exactly.

    >>> subset_sum_exists([3, 34, 4, 12, 5, 2], 9)
    True
    """
    values = values[:12]

    def search(i: int, remaining: int) -> bool:
        if remaining == 0:
            return True
        if i == len(values):
            return False
        return search(i + 1, remaining - values[i]) or search(i + 1, remaining)

    return search(0, target)


def count_partitions(n: int) -> int:
    """Count the ways to write n (up to 40) as a sum of positive integers, order not mattering.

    >>> count_partitions(5)
    7
    """
    if n < 0 or n > 40:
        return 0
    table = [1] + [0] * n
    for part in range(1, n + 1):
        for total in range(part, n + 1):
            table[total] += table[total - part]
    return table[n]


def tilings(n: int) -> int:
    """Count the ways to tile a 2 x n strip with 2 x 1 dominoes and 2 x 2 squares.

    >>> tilings(4)
    11
    """
    if n < 0:
        return 0
    previous, current = 0, 1
    for _ in range(n):
        previous, current = current, current + 2 * previous
    return current


def edit_distance(a: str, b: str) -> int:
    """Return the Levenshtein distance: the fewest insertions, deletions and substitutions from a to b.

    >>> edit_distance("kitten", "sitting")
    3
    """
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost))
        previous = current
    return previous[-1]


def longest_common_subsequence(a: str, b: str) -> int:
    """Return the length of the longest sequence of characters that appears in both strings in order.

    >>> longest_common_subsequence("abcde", "ace")
    3
    """
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                rows[i][j] = rows[i - 1][j - 1] + 1
            else:
                rows[i][j] = max(rows[i - 1][j], rows[i][j - 1])
    return rows[-1][-1]


def knapsack(weights: list[int], values: list[int], capacity: int) -> int:
    """Return the best total value of items whose weights fit in `capacity` (each item at most once).

    >>> knapsack([1, 3, 4, 5], [1, 4, 5, 7], 7)
    9
    """
    best = [0] * (max(capacity, 0) + 1)
    for weight, value in zip(weights, values):
        if weight <= 0:
            continue
        for room in range(capacity, weight - 1, -1):
            best[room] = max(best[room], best[room - weight] + value)
    return best[capacity] if capacity >= 0 else 0


def house_robber(values: list[int]) -> int:
    """Return the largest sum of values with no two neighbours taken.

    >>> house_robber([2, 7, 9, 3, 1])
    12
    """
    take, skip = 0, 0
    for v in values:
        take, skip = skip + v, max(take, skip)
    return max(take, skip)


def generate_parentheses(pairs: int) -> list[str]:
    """List all balanced strings of `pairs` pairs of parentheses (up to five pairs), in sorted order.

    >>> generate_parentheses(2)
    ['(())', '()()']
    """
    pairs = min(pairs, 5)
    out: list[str] = []

    def build(current: str, opened: int, closed: int) -> None:
        if len(current) == 2 * pairs:
            out.append(current)
            return
        if opened < pairs:
            build(current + "(", opened + 1, closed)
        if closed < opened:
            build(current + ")", opened, closed + 1)

    build("", 0, 0)
    return sorted(out)
