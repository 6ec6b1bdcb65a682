"""Reading small formats out of strings: numbers, expressions, brackets, records."""


ROMAN_VALUES = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]


def to_roman(n: int) -> str:
    """Write a number from 1 to 3999 in Roman numerals ('' outside that range).

    >>> to_roman(1994)
    'MCMXCIV'
    """
    if not 1 <= n <= 3999:
        return ""
    out = ""
    for value, symbol in ROMAN_VALUES:
        while n >= value:
            out += symbol
            n -= value
    return out


def from_roman(text: str) -> int:
    """Read a Roman numeral; a smaller symbol before a larger one is subtracted.

    >>> from_roman("MCMXCIV")
    1994
    """
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = 0
    for i, ch in enumerate(text):
        value = values.get(ch, 0)
        if i + 1 < len(text) and values.get(text[i + 1], 0) > value:
            total -= value
        else:
            total += value
    return total


def balanced_brackets(text: str) -> bool:
    """Tell whether the brackets (), [] and {} in a text are balanced and properly nested.

    >>> balanced_brackets("{a[b(c)]d}")
    True
    """
    pairs = {")": "(", "]": "[", "}": "{"}
    stack = []
    for ch in text:
        if ch in "([{":
            stack.append(ch)
        elif ch in pairs:
            if not stack or stack.pop() != pairs[ch]:
                return False
    return not stack


def max_nesting_depth(text: str) -> int:
    """Return the deepest nesting of parentheses in a text (-1 if they do not balance).

    >>> max_nesting_depth("(a(b)(c(d)))")
    3
    """
    depth = best = 0
    for ch in text:
        if ch == "(":
            depth += 1
            best = max(best, depth)
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return -1
    return best if depth == 0 else -1


def evaluate_rpn(tokens: list[str]) -> int:
    """Evaluate an expression in reverse Polish notation with +, -, * and integer division //.

    >>> evaluate_rpn(["3", "4", "+", "2", "*"])
    14
    """
    stack: list[int] = []
    for token in tokens:
        if token in ("+", "-", "*", "//"):
            right = stack.pop()
            left = stack.pop()
            if token == "+":
                stack.append(left + right)
            elif token == "-":
                stack.append(left - right)
            elif token == "*":
                stack.append(left * right)
            else:
                stack.append(left // right)
        else:
            stack.append(int(token))
    return stack[-1]


def evaluate_sum_expression(text: str) -> int:
    """Evaluate a string of integers joined by + and - signs, with optional spaces.

    >>> evaluate_sum_expression("12 + 5 - 3+10")
    24
    """
    total = 0
    number = 0
    sign = 1
    for ch in text + "+":
        if ch.isdigit():
            number = number * 10 + int(ch)
        elif ch in "+-":
            total += sign * number
            number = 0
            sign = 1 if ch == "+" else -1
    return total


def parse_key_values(text: str) -> dict[str, str]:
    """Read 'key=value' pairs separated by semicolons; blanks around keys and values are trimmed.

    >>> parse_key_values("name = Ada; lang=python;;x")
    {'name': 'Ada', 'lang': 'python'}
    """
    out = {}
    for part in text.split(";"):
        if "=" not in part:
            continue
        key, value = part.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def parse_csv_line(line: str) -> list[str]:
    """Split one CSV line on commas, honouring double-quoted fields that may contain commas.

    >>> parse_csv_line('a,"b,c",d')
    ['a', 'b,c', 'd']
    """
    fields = []
    current = ""
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            fields.append(current)
            current = ""
        else:
            current += ch
    fields.append(current)
    return fields


def extract_numbers(text: str) -> list[int]:
    """Return the integers written in a text, with a leading minus sign when there is one.

    >>> extract_numbers("take 12 apples, -3 pears and 7")
    [12, -3, 7]
    """
    numbers = []
    current = ""
    for ch in text + " ":
        if ch.isdigit() or (ch == "-" and not current):
            current += ch
        else:
            if current and current != "-":
                numbers.append(int(current))
            current = ""
    return numbers


def parse_time(text: str) -> int:
    """Turn 'HH:MM' or 'HH:MM:SS' into seconds after midnight; -1 when it is not a valid time.

    >>> parse_time("01:02:03")
    3723
    """
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        return -1
    numbers = [int(p) for p in parts] + [0] * (3 - len(parts))
    hours, minutes, seconds = numbers
    if hours > 23 or minutes > 59 or seconds > 59:
        return -1
    return hours * 3600 + minutes * 60 + seconds


def format_duration(seconds: int) -> str:
    """Write a number of seconds as '1h 2m 3s', leaving out zero parts ('0s' for zero).

    >>> format_duration(3723)
    '1h 2m 3s'
    """
    if seconds <= 0:
        return "0s"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{hours}h")
    if minutes:
        parts.append(f"{minutes}m")
    if secs:
        parts.append(f"{secs}s")
    return " ".join(parts)


def parse_range_list(text: str) -> list[int]:
    """Expand a list such as '1-3,7,9-10' into the numbers it names.

    >>> parse_range_list("1-3,7,9-10")
    [1, 2, 3, 7, 9, 10]
    """
    out = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part[1:]:
            start, end = part.split("-", 1)
            out.extend(range(int(start), int(end) + 1))
        else:
            out.append(int(part))
    return out


def compress_ranges(values: list[int]) -> str:
    """Describe sorted distinct integers compactly, turning runs into 'a-b'.

    >>> compress_ranges([1, 2, 3, 7, 9, 10])
    '1-3,7,9-10'
    """
    if not values:
        return ""
    parts = []
    start = prev = values[0]
    for v in values[1:] + [None]:
        if v is not None and v == prev + 1:
            prev = v
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if v is not None:
            start = prev = v
    return ",".join(parts)


def tokenize_arithmetic(text: str) -> list[str]:
    """Split an arithmetic expression into numbers, names, operators and parentheses, dropping spaces.

    >>> tokenize_arithmetic("3*(x1 + 42)")
    ['3', '*', '(', 'x1', '+', '42', ')']
    """
    tokens = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch.isalnum() or ch == "_":
            j = i
            while j < len(text) and (text[j].isalnum() or text[j] == "_"):
                j += 1
            tokens.append(text[i:j])
            i = j
        else:
            tokens.append(ch)
            i += 1
    return tokens


def is_valid_identifier(name: str) -> bool:
    """Tell whether a string is a name made of ASCII letters, digits and underscores not starting with a digit.

    >>> is_valid_identifier("_total2")
    True
    """
    if not name or name[0].isdigit():
        return False
    for ch in name:
        if not (ch == "_" or ("a" <= ch.lower() <= "z") or ch.isdigit()):
            return False
    return True


def split_sentences(text: str) -> list[str]:
    """Split a text into sentences ending with '.', '!' or '?', trimmed; a trailing fragment is kept.

    >>> split_sentences("Hi there. How are you? Fine!")
    ['Hi there.', 'How are you?', 'Fine!']
    """
    sentences = []
    current = ""
    for ch in text:
        current += ch
        if ch in ".!?":
            if current.strip():
                sentences.append(current.strip())
            current = ""
    if current.strip():
        sentences.append(current.strip())
    return sentences


def parse_version(text: str) -> tuple[int, int, int]:
    """Read a version such as '2.10.3' into a tuple of three numbers, filling missing parts with 0.

    >>> parse_version("3.12")
    (3, 12, 0)
    """
    parts = [int(p) if p.isdigit() else 0 for p in text.split(".")[:3]]
    while len(parts) < 3:
        parts.append(0)
    return (parts[0], parts[1], parts[2])


def compare_versions(a: str, b: str) -> int:
    """Compare two dotted version strings number by number: -1, 0 or 1.

    >>> compare_versions("1.10", "1.9.5")
    1
    """
    left = [int(p) for p in a.split(".") if p.isdigit()]
    right = [int(p) for p in b.split(".") if p.isdigit()]
    length = max(len(left), len(right))
    left += [0] * (length - len(left))
    right += [0] * (length - len(right))
    for x, y in zip(left, right):
        if x != y:
            return -1 if x < y else 1
    return 0


def decode_escapes(text: str) -> str:
    """Replace the escapes \\n, \\t and \\\\ written as two characters by the characters they stand for.

    >>> decode_escapes("a\\\\tb")
    'a\\tb'
    """
    out = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append({"n": "\n", "t": "\t", "\\": "\\"}.get(nxt, "\\" + nxt))
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def luhn_valid(number: str) -> bool:
    """Check a card number with the Luhn checksum; spaces are ignored, other non-digits make it invalid.

    >>> luhn_valid("4539 3195 0343 6467")
    True
    """
    digits = number.replace(" ", "")
    if len(digits) < 2 or not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0
