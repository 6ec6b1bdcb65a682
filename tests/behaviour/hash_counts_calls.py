"""A __hash__ that logs each call; the program's own dict and set inserts hash too."""
from behaviour_log import LOG


class Key:
    def __init__(self, k):
        self.k = k

    def __hash__(self):
        LOG.append("hash")
        return self.k

    def __eq__(self, other):
        return self is other


def main():
    keys = [Key(i) for i in range(4)]
    table = {keys[0]: 1}
    table[keys[1]] = 2
    seen = {keys[2]}
    big = list(keys) * 40
    big[150] = keys[3]
    return len(table), len(seen), len(big), LOG.count("hash")
