"""Recursion to the interpreter's limit: tracing must not make the stack run out sooner.

``probe`` is compiled by ``exec`` (so never traced) and measures how deep a plain
recursion gets from here; ``dive``, the program's own recursion, must get as deep.
"""
from behaviour_log import LOG

_PLAIN: dict = {}
exec(
    "def probe(n):\n"
    "    try:\n"
    "        return probe(n + 1)\n"
    "    except RecursionError:\n"
    "        return n\n",
    _PLAIN,
)


def dive(n):
    try:
        return dive(n + 1)
    except RecursionError:
        return n


def main():
    room = _PLAIN["probe"](0)
    reached = dive(0)
    LOG.append(room - reached)
    return "ok"
