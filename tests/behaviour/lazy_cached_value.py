"""A value computed on first access and cached: tracing must not compute it early."""
from behaviour_log import LOG


class Report:
    def __init__(self, rows):
        self.rows = rows
        self._total = None

    @property
    def total(self):
        if self._total is None:
            LOG.append("computed")
            self._total = sum(self.rows)
        return self._total


def main():
    r = Report([1, 2, 3])
    r.rows.append(4)
    before = list(LOG)
    value = r.total
    return before, value, LOG[:]
