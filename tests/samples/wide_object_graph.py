"""A builder holding a wide, deep object graph, like attrs' ``_ClassBuilder``
(which holds the class, its attributes, their types and modules): every step
of a method compared and re-copied the whole graph down to max_depth."""


class Node:
    def __init__(self, depth, width):
        self.children = [Node(depth - 1, width) for _ in range(width)] if depth else []
        self.label = f"n{depth}"


class Builder:
    def __init__(self):
        self.tree = Node(2, 40)    # 1 + 40 + 1600 nodes, each with a list
        self.steps = []

    def build(self, n):
        for i in range(n):
            self.steps.append(i)
        return len(self.steps)
