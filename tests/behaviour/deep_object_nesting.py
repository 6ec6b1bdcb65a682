"""Objects nested past the depth limit, each with a logging __repr__."""
from behaviour_log import LOG


class Link:
    def __init__(self, nxt):
        self.nxt = nxt

    def __repr__(self):
        LOG.append("repr")
        return "Link"


def main():
    head = None
    for _ in range(12):
        head = Link(head)
    chain = [[[[[[[[[[head]]]]]]]]]]
    return len(chain), LOG[:]
