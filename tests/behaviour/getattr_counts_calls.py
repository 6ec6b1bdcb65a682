"""A __getattr__ that logs every missing attribute looked up."""
from behaviour_log import LOG


class Lazy:
    def __init__(self):
        self.real = 1

    def __getattr__(self, name):
        LOG.append(name)
        return 0


def main():
    x = Lazy()
    x.real += 1
    extra = x.missing
    return x.real, extra, LOG[:]
