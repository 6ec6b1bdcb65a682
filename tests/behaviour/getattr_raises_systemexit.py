"""A __getattr__ that raises SystemExit for any unknown name."""
from behaviour_log import LOG


class Strict:
    def __init__(self):
        self.ok = 1

    def __getattr__(self, name):
        LOG.append(name)
        raise SystemExit(f"no {name}")


def main():
    s = Strict()
    s.ok += 1
    return s.ok, LOG[:]
