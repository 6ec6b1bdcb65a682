"""Small functions on strings: cleaning, counting, transforming."""


def capitalize_words(text: str) -> str:
    """Upper-case the first letter of every space-separated word and leave the rest as it is.

    >>> capitalize_words("hello big world")
    'Hello Big World'
    """
    words = text.split(" ")
    out = []
    for word in words:
        if word:
            out.append(word[0].upper() + word[1:])
        else:
            out.append(word)
    return " ".join(out)


def count_vowels(text: str) -> int:
    """Count the vowels (a, e, i, o, u, in either case) in a string.

    >>> count_vowels("Programming")
    3
    """
    total = 0
    for ch in text.lower():
        if ch in "aeiou":
            total += 1
    return total


def reverse_words(sentence: str) -> str:
    """Reverse the order of the words of a sentence, joining them with single spaces.

    >>> reverse_words("one two  three")
    'three two one'
    """
    parts = sentence.split()
    parts.reverse()
    return " ".join(parts)


def is_palindrome_phrase(phrase: str) -> bool:
    """Tell whether a phrase reads the same backwards, ignoring case and anything but letters and digits.

    >>> is_palindrome_phrase("Never odd or even")
    True
    """
    kept = [c.lower() for c in phrase if c.isalnum()]
    left, right = 0, len(kept) - 1
    while left < right:
        if kept[left] != kept[right]:
            return False
        left += 1
        right -= 1
    return True


def run_length_encode(text: str) -> str:
    """Compress runs of a repeated character as the character followed by the run length.

    >>> run_length_encode("aaabccdddd")
    'a3b1c2d4'
    """
    if not text:
        return ""
    pieces = []
    current = text[0]
    count = 1
    for ch in text[1:]:
        if ch == current:
            count += 1
        else:
            pieces.append(current + str(count))
            current = ch
            count = 1
    pieces.append(current + str(count))
    return "".join(pieces)


def run_length_decode(encoded: str) -> str:
    """Expand a string of letter-count pairs such as 'a3b1' back into the repeated letters.

    >>> run_length_decode("a3b1c2")
    'aaabcc'
    """
    out = []
    letter = ""
    digits = ""
    for ch in encoded:
        if ch.isdigit():
            digits += ch
        else:
            if letter:
                out.append(letter * int(digits or "1"))
            letter = ch
            digits = ""
    if letter:
        out.append(letter * int(digits or "1"))
    return "".join(out)


def caesar_shift(text: str, shift: int) -> str:
    """Shift every ASCII letter by a number of places in the alphabet, wrapping around; keep other characters.

    >>> caesar_shift("Hello, World!", 3)
    'Khoor, Zruog!'
    """
    out = []
    for ch in text:
        if "a" <= ch <= "z":
            out.append(chr((ord(ch) - ord("a") + shift) % 26 + ord("a")))
        elif "A" <= ch <= "Z":
            out.append(chr((ord(ch) - ord("A") + shift) % 26 + ord("A")))
        else:
            out.append(ch)
    return "".join(out)


def longest_word(sentence: str) -> str:
    """Return the longest word of a sentence; the first one wins a tie, and an empty sentence gives ''.

    >>> longest_word("the quick brown fox")
    'quick'
    """
    best = ""
    for word in sentence.split():
        if len(word) > len(best):
            best = word
    return best


def squeeze_spaces(text: str) -> str:
    """Replace every run of spaces by a single space and trim both ends.

    >>> squeeze_spaces("  a   b c  ")
    'a b c'
    """
    out = []
    previous_space = True
    for ch in text:
        if ch == " ":
            if not previous_space:
                out.append(ch)
            previous_space = True
        else:
            out.append(ch)
            previous_space = False
    if out and out[-1] == " ":
        out.pop()
    return "".join(out)


def char_histogram(text: str) -> list[tuple[str, int]]:
    """Count each character and list (character, count) pairs, most frequent first, ties in alphabetical order.

    >>> char_histogram("banana")
    [('a', 3), ('n', 2), ('b', 1)]
    """
    counts: dict[str, int] = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))


def first_unique_char(text: str) -> int:
    """Return the index of the first character that occurs only once, or -1 when there is none.

    >>> first_unique_char("swiss")
    1
    """
    counts: dict[str, int] = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1
    for index, ch in enumerate(text):
        if counts[ch] == 1:
            return index
    return -1


def are_anagrams(first: str, second: str) -> bool:
    """Tell whether two words use exactly the same letters, ignoring case and spaces.

    >>> are_anagrams("Listen", "Silent")
    True
    """
    a = sorted(first.replace(" ", "").lower())
    b = sorted(second.replace(" ", "").lower())
    return a == b


def snake_to_camel(name: str) -> str:
    """Turn a snake_case identifier into camelCase.

    >>> snake_to_camel("max_line_length")
    'maxLineLength'
    """
    parts = name.split("_")
    head = parts[0]
    rest = [p.capitalize() for p in parts[1:] if p]
    return head + "".join(rest)


def camel_to_snake(name: str) -> str:
    """Turn a camelCase identifier into snake_case.

    >>> camel_to_snake("maxLineLength")
    'max_line_length'
    """
    out = []
    for ch in name:
        if ch.isupper():
            if out:
                out.append("_")
            out.append(ch.lower())
        else:
            out.append(ch)
    return "".join(out)


def mask_digits(text: str, keep: int) -> str:
    """Replace all digits but the last `keep` ones with '#', as on a printed card number.

    >>> mask_digits("1234-5678", 2)
    '####-##78'
    """
    total = sum(1 for ch in text if ch.isdigit())
    seen = 0
    out = []
    for ch in text:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > total - keep else "#")
        else:
            out.append(ch)
    return "".join(out)


def wrap_line(text: str, width: int) -> list[str]:
    """Split text into lines of at most `width` characters, breaking only between words.

    A word longer than the width gets a line of its own.

    >>> wrap_line("the cat sat on the mat", 7)
    ['the cat', 'sat on', 'the mat']
    """
    lines: list[str] = []
    current = ""
    for word in text.split():
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def count_substring(text: str, part: str) -> int:
    """Count the occurrences of `part` in `text`, overlapping ones included; an empty part counts 0.

    >>> count_substring("aaaa", "aa")
    3
    """
    if not part:
        return 0
    count = 0
    start = 0
    while True:
        found = text.find(part, start)
        if found == -1:
            return count
        count += 1
        start = found + 1


def alternate_case(text: str) -> str:
    """Write letters alternately in upper and lower case, starting with upper; other characters do not count.

    >>> alternate_case("hello world")
    'HeLlO wOrLd'
    """
    out = []
    upper = True
    for ch in text:
        if ch.isalpha():
            out.append(ch.upper() if upper else ch.lower())
            upper = not upper
        else:
            out.append(ch)
    return "".join(out)


def remove_duplicate_letters(text: str) -> str:
    """Keep only the first occurrence of each character, in order.

    >>> remove_duplicate_letters("mississippi")
    'misp'
    """
    seen = set()
    out = []
    for ch in text:
        if ch not in seen:
            seen.add(ch)
            out.append(ch)
    return "".join(out)


def acronym(phrase: str) -> str:
    """Make an acronym from the first letters of the words of a phrase (hyphens separate words too).

    >>> acronym("portable network-graphics")
    'PNG'
    """
    words = phrase.replace("-", " ").split()
    return "".join(word[0].upper() for word in words if word[0].isalpha())


def longest_common_prefix(words: list[str]) -> str:
    """Return the longest prefix that every word shares ('' for an empty list).

    >>> longest_common_prefix(["flower", "flow", "flight"])
    'fl'
    """
    if not words:
        return ""
    prefix = words[0]
    for word in words[1:]:
        while not word.startswith(prefix):
            prefix = prefix[:-1]
    return prefix


def pad_center(text: str, width: int, fill: str) -> str:
    """Center text in a field of `width` characters using the first character of `fill`; extra padding goes right.

    >>> pad_center("ab", 7, "*")
    '**ab***'
    """
    if not fill or len(text) >= width:
        return text
    space = width - len(text)
    left = space // 2
    return fill[0] * left + text + fill[0] * (space - left)


def vowel_positions(word: str) -> list[int]:
    """List the indices at which a word has a vowel.

    >>> vowel_positions("education")
    [0, 2, 4, 6, 7]
    """
    return [i for i, ch in enumerate(word.lower()) if ch in "aeiou"]


def swap_halves(text: str) -> str:
    """Swap the first and second half of a string; the middle character of an odd length stays in the middle.

    >>> swap_halves("abcde")
    'decab'
    """
    half = len(text) // 2
    if len(text) % 2 == 0:
        return text[half:] + text[:half]
    return text[half + 1:] + text[half] + text[:half]


def count_words_longer_than(sentence: str, limit: int) -> int:
    """Count the words of a sentence with more than `limit` letters, ignoring punctuation at their ends.

    >>> count_words_longer_than("Hi, wonderful people!", 4)
    2
    """
    count = 0
    for word in sentence.split():
        if len(word.strip(".,!?;:")) > limit:
            count += 1
    return count
