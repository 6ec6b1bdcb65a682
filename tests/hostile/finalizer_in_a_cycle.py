# Its destructor runs whenever the garbage collector gets to the cycle: after the task.
import os


class Bomb:
    def __init__(self, target):
        self.target = target
        self.me = self  # a cycle, so only the collector frees it

    def __del__(self):
        os.remove(self.target)


def f(target):
    Bomb(target)
    return "left a bomb"
