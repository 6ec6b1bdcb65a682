"""Small functions on dictionaries: counting, grouping, inverting, merging."""


def word_counts(text: str) -> dict[str, int]:
    """Count the words of a text, case-insensitively; keys appear in order of first occurrence.

    >>> word_counts("the cat and The hat")
    {'the': 2, 'cat': 1, 'and': 1, 'hat': 1}
    """
    counts: dict[str, int] = {}
    for word in text.lower().split():
        counts[word] = counts.get(word, 0) + 1
    return counts


def invert_mapping(mapping: dict[str, int]) -> dict[int, list[str]]:
    """Map each value to the sorted list of keys that had it.

    >>> invert_mapping({"a": 1, "b": 2, "c": 1})
    {1: ['a', 'c'], 2: ['b']}
    """
    out: dict[int, list[str]] = {}
    for key in sorted(mapping):
        out.setdefault(mapping[key], []).append(key)
    return dict(sorted(out.items()))


def group_by_length(words: list[str]) -> dict[int, list[str]]:
    """Group words by their length, keeping their order within each group; keys sorted.

    >>> group_by_length(["hi", "cat", "to", "dog"])
    {2: ['hi', 'to'], 3: ['cat', 'dog']}
    """
    groups: dict[int, list[str]] = {}
    for word in words:
        groups.setdefault(len(word), []).append(word)
    return {k: groups[k] for k in sorted(groups)}


def merge_counts(first: dict[str, int], second: dict[str, int]) -> dict[str, int]:
    """Add two count tables together key by key; keys in sorted order.

    >>> merge_counts({"a": 2, "b": 1}, {"b": 3, "c": 1})
    {'a': 2, 'b': 4, 'c': 1}
    """
    total = dict(first)
    for key, value in second.items():
        total[key] = total.get(key, 0) + value
    return dict(sorted(total.items()))


def most_common_key(counts: dict[str, int]) -> str | None:
    """Return the key with the largest count (the alphabetically first on a tie), or None if empty.

    >>> most_common_key({"x": 3, "a": 3, "m": 1})
    'a'
    """
    best = None
    for key in sorted(counts):
        if best is None or counts[key] > counts[best]:
            best = key
    return best


def filter_by_threshold(scores: dict[str, int], threshold: int) -> list[str]:
    """List, alphabetically, the names whose score is at least `threshold`.

    >>> filter_by_threshold({"ann": 72, "bob": 55, "cy": 90}, 60)
    ['ann', 'cy']
    """
    return sorted(name for name, score in scores.items() if score >= threshold)


def letter_gaps(word: str) -> dict[str, list[int]]:
    """Map each letter that repeats to the distances between its successive occurrences.

    >>> letter_gaps("banana")
    {'a': [2, 2], 'n': [2]}
    """
    last: dict[str, int] = {}
    gaps: dict[str, list[int]] = {}
    for i, ch in enumerate(word):
        if ch in last:
            gaps.setdefault(ch, []).append(i - last[ch])
        last[ch] = i
    return dict(sorted(gaps.items()))


def apply_discounts(prices: dict[str, int], percent: int) -> dict[str, int]:
    """Lower every price (in cents) by a percentage, rounding down to whole cents.

    >>> apply_discounts({"tea": 250, "cake": 399}, 10)
    {'tea': 225, 'cake': 359}
    """
    return {item: price * (100 - percent) // 100 for item, price in prices.items()}


def tally_votes(votes: list[str]) -> list[tuple[str, int]]:
    """Count votes per candidate and rank them: most votes first, ties alphabetical.

    >>> tally_votes(["b", "a", "b", "c", "a", "b"])
    [('b', 3), ('a', 2), ('c', 1)]
    """
    counts: dict[str, int] = {}
    for vote in votes:
        counts[vote] = counts.get(vote, 0) + 1
    ranking = list(counts.items())
    ranking.sort(key=lambda item: (-item[1], item[0]))
    return ranking


def keys_above(mapping: dict[str, int], limit: int) -> list[str]:
    """List the keys whose value exceeds `limit`, largest value first, ties alphabetical.

    >>> keys_above({"a": 5, "b": 9, "c": 2, "d": 9}, 4)
    ['b', 'd', 'a']
    """
    chosen = [(-value, key) for key, value in mapping.items() if value > limit]
    chosen.sort()
    return [key for _, key in chosen]


def nested_get(data: dict[str, dict[str, int]], outer: str, inner: str, default: int) -> int:
    """Look up data[outer][inner], giving `default` when either key is missing.

    >>> nested_get({"a": {"x": 1}}, "a", "y", -1)
    -1
    """
    if outer not in data:
        return default
    return data[outer].get(inner, default)


def count_by_first_letter(words: list[str]) -> dict[str, int]:
    """Count words by their first letter (lower case), skipping empty words; keys sorted.

    >>> count_by_first_letter(["Apple", "avocado", "banana", ""])
    {'a': 2, 'b': 1}
    """
    counts: dict[str, int] = {}
    for word in words:
        if not word:
            continue
        first = word[0].lower()
        counts[first] = counts.get(first, 0) + 1
    return dict(sorted(counts.items()))


def diff_dicts(old: dict[str, int], new: dict[str, int]) -> dict[str, list[str]]:
    """Say which keys were added, removed or changed between two dictionaries (each list sorted).

    >>> diff_dicts({"a": 1, "b": 2}, {"b": 3, "c": 4})
    {'added': ['c'], 'removed': ['a'], 'changed': ['b']}
    """
    added = sorted(k for k in new if k not in old)
    removed = sorted(k for k in old if k not in new)
    changed = sorted(k for k in old if k in new and old[k] != new[k])
    return {"added": added, "removed": removed, "changed": changed}


def rename_keys(record: dict[str, int], renames: dict[str, str]) -> dict[str, int]:
    """Rename the keys listed in `renames`, keeping the others and the original order.

    >>> rename_keys({"a": 1, "b": 2}, {"a": "alpha"})
    {'alpha': 1, 'b': 2}
    """
    out = {}
    for key, value in record.items():
        out[renames.get(key, key)] = value
    return out


def total_by_category(items: list[tuple[str, int]]) -> dict[str, int]:
    """Sum the amounts of (category, amount) pairs per category; categories sorted.

    >>> total_by_category([("food", 12), ("rent", 500), ("food", 8)])
    {'food': 20, 'rent': 500}
    """
    totals: dict[str, int] = {}
    for category, amount in items:
        totals[category] = totals.get(category, 0) + amount
    return {k: totals[k] for k in sorted(totals)}


def first_repeated_word(text: str) -> str:
    """Return the first word (case-insensitive) that occurs a second time, or '' if none repeats.

    >>> first_repeated_word("It was the best of times it was")
    'it'
    """
    seen = set()
    for word in text.lower().split():
        if word in seen:
            return word
        seen.add(word)
    return ""


def histogram_bars(counts: dict[str, int]) -> list[str]:
    """Draw one text bar of '#' per key, keys sorted, as 'key: ###'.

    >>> histogram_bars({"b": 2, "a": 3})
    ['a: ###', 'b: ##']
    """
    return [f"{key}: " + "#" * counts[key] for key in sorted(counts)]


def sparse_dot(a: dict[int, int], b: dict[int, int]) -> int:
    """Dot product of two sparse vectors stored as index -> value dictionaries.

    >>> sparse_dot({0: 2, 3: 1}, {3: 5, 4: 7})
    5
    """
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    total = 0
    for index, value in small.items():
        if index in large:
            total += value * large[index]
    return total


def count_pairs_with_difference(values: list[int], k: int) -> int:
    """Count the distinct value pairs (x, x + k), k >= 0, present in the list (k == 0 needs a repeat).

    >>> count_pairs_with_difference([1, 5, 3, 4, 2], 2)
    3
    """
    counts: dict[int, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    pairs = 0
    for v in counts:
        if k == 0:
            if counts[v] > 1:
                pairs += 1
        elif v + k in counts:
            pairs += 1
    return pairs


def index_by_key(rows: list[tuple[str, int]]) -> dict[str, int]:
    """Map each name of (name, value) rows to its last value.

    >>> index_by_key([("a", 1), ("b", 2), ("a", 3)])
    {'a': 3, 'b': 2}
    """
    index: dict[str, int] = {}
    for name, value in rows:
        index[name] = value
    return index


def anagram_groups(words: list[str]) -> list[list[str]]:
    """Group words that are anagrams of each other; groups in order of their first word.

    >>> anagram_groups(["eat", "tea", "tan", "ate", "nat", "bat"])
    [['eat', 'tea', 'ate'], ['tan', 'nat'], ['bat']]
    """
    groups: dict[str, list[str]] = {}
    for word in words:
        key = "".join(sorted(word))
        groups.setdefault(key, []).append(word)
    return list(groups.values())


def default_fill(keys: list[str], given: dict[str, int], default: int) -> dict[str, int]:
    """Build a dictionary over `keys`, taking values from `given` and `default` for the rest.

    >>> default_fill(["a", "b", "c"], {"b": 5}, 0)
    {'a': 0, 'b': 5, 'c': 0}
    """
    return {key: given[key] if key in given else default for key in keys}


def stock_after_orders(stock: dict[str, int], orders: list[tuple[str, int]]) -> dict[str, int]:
    """Apply (item, quantity) orders to a stock table; an order larger than the stock is skipped.

    >>> stock_after_orders({"pen": 5, "ink": 1}, [("pen", 2), ("ink", 3), ("pen", 1)])
    {'pen': 2, 'ink': 1}
    """
    left = dict(stock)
    for item, quantity in orders:
        if left.get(item, 0) >= quantity:
            left[item] -= quantity
    return left
