"""Small functions on integers: digits, divisors, number sequences."""


def digit_sum(n: int) -> int:
    """Add up the decimal digits of an integer (the sign is ignored).

    >>> digit_sum(-4096)
    19
    """
    n = abs(n)
    total = 0
    while n > 0:
        total += n % 10
        n //= 10
    return total


def reverse_digits(n: int) -> int:
    """Reverse the decimal digits of an integer, keeping its sign.

    >>> reverse_digits(-1230)
    -321
    """
    sign = -1 if n < 0 else 1
    n = abs(n)
    result = 0
    while n:
        result = result * 10 + n % 10
        n //= 10
    return sign * result


def is_prime(n: int) -> bool:
    """Tell whether n is a prime number, by trial division.

    >>> is_prime(97)
    True
    """
    if n < 2:
        return False
    d = 2
    while d * d <= n:
        if n % d == 0:
            return False
        d += 1
    return True


def gcd(a: int, b: int) -> int:
    """Return the greatest common divisor of two integers with Euclid's algorithm (never negative).

    >>> gcd(84, 36)
    12
    """
    a, b = abs(a), abs(b)
    while b:
        a, b = b, a % b
    return a


def lcm(a: int, b: int) -> int:
    """Return the least common multiple of two integers (0 if either is 0).

    >>> lcm(4, 6)
    12
    """
    if a == 0 or b == 0:
        return 0
    x, y = abs(a), abs(b)
    while y:
        x, y = y, x % y
    return abs(a * b) // x


def collatz_steps(n: int) -> int:
    """Count the steps of the Collatz sequence from n down to 1 (0 for n below 2).

    >>> collatz_steps(6)
    8
    """
    steps = 0
    while n > 1:
        if n % 2 == 0:
            n //= 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


def prime_factors(n: int) -> list[int]:
    """List the prime factors of n, with repetition, in increasing order (empty for n below 2).

    >>> prime_factors(360)
    [2, 2, 2, 3, 3, 5]
    """
    factors = []
    d = 2
    while d * d <= n:
        while n % d == 0:
            factors.append(d)
            n //= d
        d += 1
    if n > 1:
        factors.append(n)
    return factors


def divisors(n: int) -> list[int]:
    """List the positive divisors of a positive integer in increasing order.

    >>> divisors(28)
    [1, 2, 4, 7, 14, 28]
    """
    small = []
    large = []
    d = 1
    while d * d <= n:
        if n % d == 0:
            small.append(d)
            if d != n // d:
                large.append(n // d)
        d += 1
    return small + large[::-1]


def is_perfect(n: int) -> bool:
    """Tell whether n equals the sum of its proper divisors (6 = 1 + 2 + 3).

    >>> is_perfect(28)
    True
    """
    if n < 2:
        return False
    total = 1
    for d in range(2, int(n ** 0.5) + 1):
        if n % d == 0:
            total += d
            if d != n // d:
                total += n // d
    return total == n


def fibonacci_upto(limit: int) -> list[int]:
    """List the Fibonacci numbers 1, 1, 2, 3, 5 ... that stay below `limit`.

    >>> fibonacci_upto(20)
    [1, 1, 2, 3, 5, 8, 13]
    """
    found = []
    current, following = 1, 1
    while current < limit:
        found.append(current)
        current, following = following, current + following
    return found


def to_base(n: int, base: int) -> str:
    """Write a non-negative integer in a base from 2 to 16 with digits 0-9 and a-f.

    >>> to_base(255, 16)
    'ff'
    """
    if not 2 <= base <= 16:
        return ""
    digits = "0123456789abcdef"
    if n == 0:
        return "0"
    out = ""
    while n > 0:
        out = digits[n % base] + out
        n //= base
    return out


def from_base(text: str, base: int) -> int:
    """Read a non-negative integer written in a base from 2 to 16 (letters in either case); -1 if a digit is invalid.

    >>> from_base("ff", 16)
    255
    """
    digits = "0123456789abcdef"
    value = 0
    for ch in text.lower():
        d = digits.find(ch)
        if d < 0 or d >= base:
            return -1
        value = value * base + d
    return value


def is_armstrong(n: int) -> bool:
    """Tell whether n equals the sum of its digits each raised to the number of digits (153 = 1 + 125 + 27).

    >>> is_armstrong(153)
    True
    """
    if n < 0:
        return False
    text = str(n)
    power = len(text)
    return sum(int(d) ** power for d in text) == n


def count_trailing_zeros_factorial(n: int) -> int:
    """Count the zeros at the end of n! by counting factors of five.

    >>> count_trailing_zeros_factorial(25)
    6
    """
    count = 0
    power = 5
    while power <= n:
        count += n // power
        power *= 5
    return count


def integer_sqrt(n: int) -> int:
    """Return the largest integer whose square is at most n (n >= 0), by binary search.

    >>> integer_sqrt(50)
    7
    """
    low, high = 0, n
    while low < high:
        mid = (low + high + 1) // 2
        if mid * mid <= n:
            low = mid
        else:
            high = mid - 1
    return low


def sum_of_multiples(limit: int, a: int, b: int) -> int:
    """Add up the numbers below `limit` that are multiples of a or of b.

    >>> sum_of_multiples(10, 3, 5)
    23
    """
    total = 0
    for n in range(1, limit):
        if (a and n % a == 0) or (b and n % b == 0):
            total += n
    return total


def digital_root(n: int) -> int:
    """Repeatedly add up the digits of a non-negative integer until one digit is left.

    >>> digital_root(9875)
    2
    """
    while n >= 10:
        n = sum(int(d) for d in str(n))
    return n


def centered_hexagonal(n: int) -> int:
    """Return the n-th centred hexagonal number: 1 dot, then rings of 6, 12, 18 ... dots around it.

    >>> centered_hexagonal(3)
    19
    """
    dots = 1 if n >= 1 else 0
    for ring in range(1, n):
        dots += 6 * ring
    return dots


def clamp(value: int, low: int, high: int) -> int:
    """Limit a value to the range [low, high] (when low > high the bounds are swapped).

    >>> clamp(15, 0, 10)
    10
    """
    if low > high:
        low, high = high, low
    if value < low:
        return low
    if value > high:
        return high
    return value


def count_set_digits(n: int, digit: int) -> int:
    """Count how often a digit appears in the decimal form of n.

    >>> count_set_digits(1010110, 1)
    4
    """
    return str(abs(n)).count(str(digit))


def is_happy(n: int) -> bool:
    """Tell whether repeatedly replacing n by the sum of the squares of its digits reaches 1.

    >>> is_happy(19)
    True
    """
    seen = set()
    while n != 1 and n not in seen:
        seen.add(n)
        n = sum(int(d) ** 2 for d in str(n))
    return n == 1


def round_to_multiple(value: int, step: int) -> int:
    """Round a value to the nearest multiple of step; halfway values round up.

    >>> round_to_multiple(17, 5)
    15
    """
    if step == 0:
        return value
    step = abs(step)
    low = (value // step) * step
    if value - low >= step - (value - low):
        return low + step
    return low


def sign_changes(values: list[int]) -> int:
    """Count how often consecutive non-zero values change sign (zeros are skipped).

    >>> sign_changes([3, -1, 0, -2, 4, 5, -6])
    3
    """
    previous = 0
    changes = 0
    for v in values:
        if v == 0:
            continue
        if previous and (v > 0) != (previous > 0):
            changes += 1
        previous = v
    return changes


def binomial(n: int, k: int) -> int:
    """Return the binomial coefficient C(n, k) with a running product (0 when k is out of range).

    >>> binomial(6, 2)
    15
    """
    if k < 0 or k > n:
        return 0
    k = min(k, n - k)
    result = 1
    for i in range(1, k + 1):
        result = result * (n - k + i) // i
    return result
