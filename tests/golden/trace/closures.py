# call: f(3)
def make_adder(base, *, scale=2):
    """Build an adder that remembers base * scale."""
    offset = base * scale

    def add(x: int, y: int = 1) -> int:
        """Add x, y and the remembered offset."""
        return x + y + offset

    return add


def f(n):
    add = make_adder(n)
    cells = [c.cell_contents for c in add.__closure__]
    return add(1), add(1, 2), cells, add
