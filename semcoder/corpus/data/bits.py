"""Small functions on the binary form of integers."""


def count_ones(n: int) -> int:
    """Count the 1 bits of a non-negative integer by clearing the lowest one each time.

    >>> count_ones(45)
    4
    """
    count = 0
    while n > 0:
        n &= n - 1
        count += 1
    return count


def is_power_of_base(n: int, base: int) -> bool:
    """Tell whether n is a whole power of `base` (base at least 2; 1 is base to the power 0).

    >>> is_power_of_base(81, 3)
    True
    """
    if n < 1 or base < 2:
        return False
    while n % base == 0:
        n //= base
    return n == 1


def binary_string(n: int, width: int) -> str:
    """Write a non-negative integer in binary, padded with zeros on the left to at least `width` digits.

    >>> binary_string(5, 8)
    '00000101'
    """
    digits = ""
    while n > 0:
        digits = str(n % 2) + digits
        n //= 2
    digits = digits or "0"
    return "0" * (width - len(digits)) + digits


def toggle_bit(n: int, position: int) -> int:
    """Flip the bit at `position` (0 is the lowest bit).

    >>> toggle_bit(10, 0)
    11
    """
    return n ^ (1 << position)


def longest_run_of_ones(n: int) -> int:
    """Return the length of the longest run of consecutive 1 bits of a non-negative integer.

    >>> longest_run_of_ones(0b1101110)
    3
    """
    best = current = 0
    while n > 0:
        if n & 1:
            current += 1
            best = max(best, current)
        else:
            current = 0
        n >>= 1
    return best


def hamming_distance(a: int, b: int) -> int:
    """Count the bit positions in which two non-negative integers differ.

    >>> hamming_distance(1, 4)
    2
    """
    x = a ^ b
    count = 0
    while x:
        count += x & 1
        x >>= 1
    return count


def reverse_bits_8(n: int) -> int:
    """Reverse the order of the lowest eight bits of n.

    >>> reverse_bits_8(0b00000110)
    96
    """
    result = 0
    for _ in range(8):
        result = (result << 1) | (n & 1)
        n >>= 1
    return result


def gray_code(n: int) -> int:
    """Return the Gray code of n (n xor n shifted right by one).

    >>> gray_code(6)
    5
    """
    return n ^ (n >> 1)


def unpaired_items(items: list[str]) -> list[str]:
    """Return, sorted, the items that occur an odd number of times (the socks without a partner).

    >>> unpaired_items(["red", "blue", "red", "green", "blue", "blue"])
    ['blue', 'green']
    """
    open_pairs: set[str] = set()
    for item in items:
        if item in open_pairs:
            open_pairs.remove(item)
        else:
            open_pairs.add(item)
    return sorted(open_pairs)


def lowest_set_bit(n: int) -> int:
    """Return the position of the lowest 1 bit of a positive integer (-1 for 0 or less).

    >>> lowest_set_bit(40)
    3
    """
    if n <= 0:
        return -1
    position = 0
    while n & 1 == 0:
        n >>= 1
        position += 1
    return position


def flags_to_number(flags: list[bool]) -> int:
    """Read booleans as binary digits, the first flag being the most significant.

    >>> flags_to_number([True, False, True, True])
    11
    """
    value = 0
    for flag in flags:
        value = value * 2 + (1 if flag else 0)
    return value


def unpack_flags(value: int, count: int) -> list[bool]:
    """Read `count` booleans out of an integer, the lowest bit first.

    >>> unpack_flags(13, 4)
    [True, False, True, True]
    """
    return [bool(value >> i & 1) for i in range(count)]


def parity(n: int) -> int:
    """Return 1 when a non-negative integer has an odd number of 1 bits, else 0.

    >>> parity(7)
    1
    """
    result = 0
    while n:
        result ^= n & 1
        n >>= 1
    return result


def next_power_of_two(n: int) -> int:
    """Return the smallest power of two that is at least n (1 for n below 2).

    >>> next_power_of_two(17)
    32
    """
    power = 1
    while power < n:
        power <<= 1
    return power


def swap_nibbles(byte: int) -> int:
    """Swap the high and low four bits of a byte (0 to 255).

    >>> swap_nibbles(0x3A)
    163
    """
    byte &= 0xFF
    return ((byte & 0x0F) << 4) | (byte >> 4)


def bit_positions(n: int) -> list[int]:
    """List the positions of the 1 bits of a non-negative integer, lowest first.

    >>> bit_positions(0b101001)
    [0, 3, 5]
    """
    positions = []
    i = 0
    while n:
        if n & 1:
            positions.append(i)
        n >>= 1
        i += 1
    return positions


def twos_complement_checksum(data: list[int]) -> int:
    """Return the byte that makes the sum of all bytes (each taken modulo 256) a multiple of 256.

    >>> twos_complement_checksum([0x12, 0x34, 0x56])
    100
    """
    total = sum(b % 256 for b in data) % 256
    return (256 - total) % 256


def subsets_by_mask(items: list[str]) -> list[list[str]]:
    """List every subset of up to ten items, in the order of the bit masks 0, 1, 2, ...

    >>> subsets_by_mask(["a", "b"])
    [[], ['a'], ['b'], ['a', 'b']]
    """
    items = items[:10]
    out = []
    for mask in range(1 << len(items)):
        out.append([items[i] for i in range(len(items)) if mask & (1 << i)])
    return out
