"""A __str__ that logs each call."""
from behaviour_log import LOG


class Label:
    def __init__(self, text):
        self.text = text

    def __str__(self):
        LOG.append("str")
        return self.text


def main():
    a = Label("x")
    b = Label("y")
    joined = "-".join([a.text, b.text])
    return joined, len(LOG)
