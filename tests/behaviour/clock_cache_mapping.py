"""A cache mapping whose __len__/__iter__/__contains__ read a clock and expire entries."""
from behaviour_log import LOG


class Clock:
    now = 0


class ExpiringCache:
    def __init__(self, ttl):
        self.ttl = ttl
        self.data = {}

    def _expire(self):
        Clock.now += 1
        LOG.append(Clock.now)
        for k in [k for k, (_, t) in self.data.items() if Clock.now - t > self.ttl]:
            del self.data[k]

    def __setitem__(self, k, v):
        self.data[k] = (v, Clock.now)

    def __len__(self):
        self._expire()
        return len(self.data)

    def __iter__(self):
        self._expire()
        return iter(list(self.data))

    def __contains__(self, k):
        self._expire()
        return k in self.data


def main():
    Clock.now = 0
    c = ExpiringCache(ttl=2)
    c["a"] = 1
    c["b"] = 2
    c["c"] = 3
    alive = "a" in c
    n = len(c)
    return alive, n, sorted(c), Clock.now
