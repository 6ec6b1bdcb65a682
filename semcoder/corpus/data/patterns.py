"""Sequences and patterns: number series, string patterns, small puzzles."""


def fizzbuzz_line(n: int) -> list[str]:
    """Return the words for 1..n: 'Fizz' for multiples of 3, 'Buzz' of 5, 'FizzBuzz' of both, else the number.

    >>> fizzbuzz_line(6)
    ['1', '2', 'Fizz', '4', 'Buzz', 'Fizz']
    """
    out = []
    for i in range(1, n + 1):
        word = ""
        if i % 3 == 0:
            word += "Fizz"
        if i % 5 == 0:
            word += "Buzz"
        out.append(word or str(i))
    return out


def pascal_row(n: int) -> list[int]:
    """Return row n of Pascal's triangle (row 0 is [1]).

    >>> pascal_row(4)
    [1, 4, 6, 4, 1]
    """
    row = [1]
    for _ in range(n):
        row = [1] + [row[i] + row[i + 1] for i in range(len(row) - 1)] + [1]
    return row


def look_and_say(start: str, rounds: int) -> str:
    """Apply the look-and-say rule `rounds` times ('1' -> '11' -> '21' -> '1211').

    >>> look_and_say("1", 4)
    '111221'
    """
    current = start
    for _ in range(rounds):
        out = ""
        i = 0
        while i < len(current):
            j = i
            while j < len(current) and current[j] == current[i]:
                j += 1
            out += str(j - i) + current[i]
            i = j
        current = out
    return current


def arithmetic_progression(values: list[int]) -> bool:
    """Tell whether the values have a constant difference (lists of fewer than three always do).

    >>> arithmetic_progression([7, 4, 1, -2])
    True
    """
    if len(values) < 3:
        return True
    step = values[1] - values[0]
    for i in range(2, len(values)):
        if values[i] - values[i - 1] != step:
            return False
    return True


def next_in_sequence(values: list[int]) -> int | None:
    """Continue a sequence that is arithmetic or geometric by one term, or None if it is neither.

    >>> next_in_sequence([3, 6, 12, 24])
    48
    """
    if len(values) < 2:
        return None
    step = values[1] - values[0]
    if all(values[i] - values[i - 1] == step for i in range(1, len(values))):
        return values[-1] + step
    if values[0] != 0 and values[1] % values[0] == 0:
        ratio = values[1] // values[0]
        if all(values[i] == values[i - 1] * ratio for i in range(1, len(values))):
            return values[-1] * ratio
    return None


def diamond(size: int) -> list[str]:
    """Draw a diamond of '*' with the given half-height as a list of lines without trailing spaces.

    >>> diamond(2)
    [' *', '***', ' *']
    """
    lines = []
    for i in list(range(size)) + list(range(size - 2, -1, -1)):
        lines.append(" " * (size - 1 - i) + "*" * (2 * i + 1))
    return lines


def staircase(n: int) -> list[str]:
    """Draw a right-aligned staircase of '#' with n steps.

    >>> staircase(3)
    ['  #', ' ##', '###']
    """
    return [" " * (n - i) + "#" * i for i in range(1, n + 1)]


def zigzag(text: str, rows: int) -> str:
    """Write text in a zigzag over `rows` rows and read it row by row.

    >>> zigzag("PAYPALISHIRING", 3)
    'PAHNAPLSIIGYIR'
    """
    if rows <= 1 or rows >= len(text):
        return text
    lines = [""] * rows
    row, step = 0, 1
    for ch in text:
        lines[row] += ch
        if row == 0:
            step = 1
        elif row == rows - 1:
            step = -1
        row += step
    return "".join(lines)


def repeating_cycle(values: list[int]) -> int:
    """Return the length of the shortest block whose repetition makes up the whole list.

    >>> repeating_cycle([1, 2, 3, 1, 2, 3, 1, 2, 3])
    3
    """
    n = len(values)
    for length in range(1, n + 1):
        if n % length == 0 and values[:length] * (n // length) == values:
            return length
    return 0


def matches_pattern(word: str, pattern: str) -> bool:
    """Tell whether a word follows a letter pattern such as 'abba' (same letters where the pattern repeats).

    >>> matches_pattern("noon", "abba")
    True
    """
    if len(word) != len(pattern):
        return False
    forward: dict[str, str] = {}
    backward: dict[str, str] = {}
    for w, p in zip(word, pattern):
        if forward.get(p, w) != w or backward.get(w, p) != p:
            return False
        forward[p] = w
        backward[w] = p
    return True


def wildcard_match(text: str, pattern: str) -> bool:
    """Match text against a pattern where '?' stands for one character and '*' for any run of characters.

    >>> wildcard_match("abcde", "a*d?")
    True
    """
    previous = [True] + [False] * len(text)
    for p in pattern:
        current = [previous[0] and p == "*"] + [False] * len(text)
        for j in range(1, len(text) + 1):
            if p == "*":
                current[j] = current[j - 1] or previous[j]
            else:
                current[j] = previous[j - 1] and (p == "?" or p == text[j - 1])
        previous = current
    return previous[-1]


def triangle_numbers_upto(limit: int) -> list[int]:
    """List the triangular numbers 1, 3, 6, 10 ... that do not exceed `limit`.

    >>> triangle_numbers_upto(20)
    [1, 3, 6, 10, 15]
    """
    out = []
    n = 1
    value = 1
    while value <= limit:
        out.append(value)
        n += 1
        value += n
    return out


def position_weighted_sum(values: list[int]) -> int:
    """Add up each value times its 1-based position.

    >>> position_weighted_sum([5, 3, 8])
    35
    """
    return sum(position * v for position, v in enumerate(values, start=1))


def primes_below(limit: int) -> list[int]:
    """List the primes below `limit` (up to 10000) with the sieve of Eratosthenes.

    >>> primes_below(20)
    [2, 3, 5, 7, 11, 13, 17, 19]
    """
    limit = min(limit, 10000)
    if limit < 3:
        return []
    sieve = [True] * limit
    sieve[0] = sieve[1] = False
    for n in range(2, int(limit ** 0.5) + 1):
        if sieve[n]:
            for multiple in range(n * n, limit, n):
                sieve[multiple] = False
    return [n for n in range(limit) if sieve[n]]


def checkerboard(rows: int, cols: int) -> list[str]:
    """Draw a board of alternating '#' and '.' starting with '#' in the top-left corner.

    >>> checkerboard(2, 3)
    ['#.#', '.#.']
    """
    return ["".join("#" if (r + c) % 2 == 0 else "." for c in range(cols)) for r in range(rows)]


def spiral_numbers(n: int) -> list[list[int]]:
    """Fill an n x n square with 1, 2, 3 ... in a clockwise spiral from the top-left corner.

    >>> spiral_numbers(3)
    [[1, 2, 3], [8, 9, 4], [7, 6, 5]]
    """
    grid = [[0] * n for _ in range(n)]
    r = c = 0
    dr, dc = 0, 1
    for value in range(1, n * n + 1):
        grid[r][c] = value
        nr, nc = r + dr, c + dc
        if not (0 <= nr < n and 0 <= nc < n) or grid[nr][nc]:
            dr, dc = dc, -dr
            nr, nc = r + dr, c + dc
        r, c = nr, nc
    return grid


def hailstone_peak(n: int) -> int:
    """Return the highest value the Collatz sequence from n reaches before it gets to 1.

    >>> hailstone_peak(7)
    52
    """
    peak = n
    while n > 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        peak = max(peak, n)
    return peak


def is_isogram(word: str) -> bool:
    """Tell whether no letter repeats in a word (case-insensitive; hyphens and spaces may repeat).

    >>> is_isogram("lumber-jacks")
    True
    """
    seen = set()
    for ch in word.lower():
        if not ch.isalpha():
            continue
        if ch in seen:
            return False
        seen.add(ch)
    return True


def pangram_missing(sentence: str) -> str:
    """Return, in order, the letters of the alphabet missing from a sentence.

    >>> pangram_missing("the quick brown fox jumps over the dog")
    'alyz'
    """
    present = set(sentence.lower())
    return "".join(ch for ch in "abcdefghijklmnopqrstuvwxyz" if ch not in present)


def collatz_sequence(n: int) -> list[int]:
    """List the Collatz sequence from a positive n down to 1 (at most 200 terms).

    >>> collatz_sequence(6)
    [6, 3, 10, 5, 16, 8, 4, 2, 1]
    """
    sequence = [n]
    while n > 1 and len(sequence) < 200:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        sequence.append(n)
    return sequence
