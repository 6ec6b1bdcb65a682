"""Objects held only weakly must die when the program drops them, traced or not."""
import gc
import weakref

from behaviour_log import LOG


class Node:
    def __init__(self, name):
        self.name = name


def main():
    registry = weakref.WeakValueDictionary()
    node = Node("a")
    registry["a"] = node
    other = Node("b")
    registry["b"] = other
    del node
    gc.collect()
    return sorted(registry.keys())
