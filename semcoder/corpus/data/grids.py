"""Small functions on grids (lists of rows): matrices, boards, maps."""


def transpose(matrix: list[list[int]]) -> list[list[int]]:
    """Swap the rows and columns of a rectangular matrix.

    >>> transpose([[1, 2, 3], [4, 5, 6]])
    [[1, 4], [2, 5], [3, 6]]
    """
    if not matrix:
        return []
    return [[row[c] for row in matrix] for c in range(len(matrix[0]))]


def row_sums(matrix: list[list[int]]) -> list[int]:
    """Add up each row of a matrix.

    >>> row_sums([[1, 2], [3, 4], [5, 6]])
    [3, 7, 11]
    """
    return [sum(row) for row in matrix]


def column_max(matrix: list[list[int]]) -> list[int]:
    """Return the largest value of each column of a rectangular matrix.

    >>> column_max([[1, 9, 3], [4, 2, 8]])
    [4, 9, 8]
    """
    if not matrix:
        return []
    best = list(matrix[0])
    for row in matrix[1:]:
        for c, value in enumerate(row):
            if value > best[c]:
                best[c] = value
    return best


def diagonal_sum(matrix: list[list[int]]) -> int:
    """Add up both diagonals of a square matrix, counting the center of an odd size once.

    >>> diagonal_sum([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    25
    """
    n = len(matrix)
    total = 0
    for i in range(n):
        total += matrix[i][i]
        if i != n - 1 - i:
            total += matrix[i][n - 1 - i]
    return total


def rotate_clockwise(matrix: list[list[int]]) -> list[list[int]]:
    """Rotate a matrix a quarter turn clockwise.

    >>> rotate_clockwise([[1, 2], [3, 4], [5, 6]])
    [[5, 3, 1], [6, 4, 2]]
    """
    if not matrix:
        return []
    rows = len(matrix)
    return [[matrix[rows - 1 - r][c] for r in range(rows)] for c in range(len(matrix[0]))]


def spiral_order(matrix: list[list[int]]) -> list[int]:
    """Read a rectangular matrix in clockwise spiral order from the top-left corner.

    >>> spiral_order([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    [1, 2, 3, 6, 9, 8, 7, 4, 5]
    """
    out: list[int] = []
    if not matrix:
        return out
    top, bottom, left, right = 0, len(matrix) - 1, 0, len(matrix[0]) - 1
    while top <= bottom and left <= right:
        for c in range(left, right + 1):
            out.append(matrix[top][c])
        for r in range(top + 1, bottom + 1):
            out.append(matrix[r][right])
        if top < bottom:
            for c in range(right - 1, left - 1, -1):
                out.append(matrix[bottom][c])
        if left < right:
            for r in range(bottom - 1, top, -1):
                out.append(matrix[r][left])
        top, bottom, left, right = top + 1, bottom - 1, left + 1, right - 1
    return out


def count_islands(grid: list[str]) -> int:
    """Count groups of '#' cells joined up, down, left or right in a grid of strings.

    >>> count_islands(["##..", "#..#", "...#"])
    2
    """
    seen = set()
    islands = 0
    for r in range(len(grid)):
        for c in range(len(grid[r])):
            if grid[r][c] != "#" or (r, c) in seen:
                continue
            islands += 1
            stack = [(r, c)]
            seen.add((r, c))
            while stack:
                y, x = stack.pop()
                for dy, dx in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                    ny, nx = y + dy, x + dx
                    if 0 <= ny < len(grid) and 0 <= nx < len(grid[ny]) and grid[ny][nx] == "#" \
                            and (ny, nx) not in seen:
                        seen.add((ny, nx))
                        stack.append((ny, nx))
    return islands


def neighbours_count(grid: list[str], row: int, col: int) -> int:
    """Count the '#' cells among the up to eight cells around (row, col).

    >>> neighbours_count(["#.#", ".#.", "##."], 1, 1)
    4
    """
    count = 0
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr == 0 and dc == 0:
                continue
            r, c = row + dr, col + dc
            if 0 <= r < len(grid) and 0 <= c < len(grid[r]) and grid[r][c] == "#":
                count += 1
    return count


def life_step(grid: list[str]) -> list[str]:
    """Advance Conway's game of life by one generation ('#' alive, '.' dead; nothing lives outside the grid).

    >>> life_step([".#.", ".#.", ".#."])
    ['...', '###', '...']
    """
    out = []
    for r in range(len(grid)):
        row = []
        for c in range(len(grid[r])):
            alive = 0
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    rr, cc = r + dr, c + dc
                    if (dr or dc) and 0 <= rr < len(grid) and 0 <= cc < len(grid[rr]) and grid[rr][cc] == "#":
                        alive += 1
            if grid[r][c] == "#":
                row.append("#" if alive in (2, 3) else ".")
            else:
                row.append("#" if alive == 3 else ".")
        out.append("".join(row))
    return out


def matrix_multiply(a: list[list[int]], b: list[list[int]]) -> list[list[int]]:
    """Multiply two matrices whose sizes fit (columns of a == rows of b).

    >>> matrix_multiply([[1, 2], [3, 4]], [[5, 6], [7, 8]])
    [[19, 22], [43, 50]]
    """
    rows, inner = len(a), len(b)
    cols = len(b[0]) if b else 0
    out = [[0] * cols for _ in range(rows)]
    for i in range(rows):
        for j in range(cols):
            total = 0
            for k in range(inner):
                total += a[i][k] * b[k][j]
            out[i][j] = total
    return out


def is_symmetric(matrix: list[list[int]]) -> bool:
    """Tell whether a square matrix equals its transpose.

    >>> is_symmetric([[1, 7], [7, 2]])
    True
    """
    n = len(matrix)
    for i in range(n):
        for j in range(i + 1, n):
            if matrix[i][j] != matrix[j][i]:
                return False
    return True


def path_sum_min(grid: list[list[int]]) -> int:
    """Return the smallest sum along a path from the top-left to the bottom-right cell moving only right or down.

    >>> path_sum_min([[1, 3, 1], [1, 5, 1], [4, 2, 1]])
    7
    """
    if not grid or not grid[0]:
        return 0
    rows, cols = len(grid), len(grid[0])
    best = [[0] * cols for _ in range(rows)]
    for r in range(rows):
        for c in range(cols):
            if r == 0 and c == 0:
                best[r][c] = grid[r][c]
            elif r == 0:
                best[r][c] = best[r][c - 1] + grid[r][c]
            elif c == 0:
                best[r][c] = best[r - 1][c] + grid[r][c]
            else:
                best[r][c] = min(best[r - 1][c], best[r][c - 1]) + grid[r][c]
    return best[-1][-1]


def flood_fill(grid: list[str], row: int, col: int, paint: str) -> list[str]:
    """Repaint the region of equal characters that contains (row, col) with the character `paint`.

    >>> flood_fill(["aab", "abb", "bba"], 0, 0, "x")
    ['xxb', 'xbb', 'bba']
    """
    cells = [list(line) for line in grid]
    if not (0 <= row < len(cells) and 0 <= col < len(cells[row])) or not paint:
        return list(grid)
    old = cells[row][col]
    if old == paint[0]:
        return list(grid)
    stack = [(row, col)]
    while stack:
        r, c = stack.pop()
        if 0 <= r < len(cells) and 0 <= c < len(cells[r]) and cells[r][c] == old:
            cells[r][c] = paint[0]
            stack.extend([(r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)])
    return ["".join(line) for line in cells]


def find_in_grid(grid: list[list[int]], target: int) -> tuple[int, int] | None:
    """Return the (row, column) of the first cell holding `target`, row by row, or None.

    >>> find_in_grid([[5, 1], [7, 3]], 3)
    (1, 1)
    """
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if value == target:
                return (r, c)
    return None


def tic_tac_toe_winner(board: list[str]) -> str:
    """Return 'X' or 'O' when that player has three in a row on a 3x3 board, else '-'.

    >>> tic_tac_toe_winner(["XO.", "XO.", "X.O"])
    'X'
    """
    lines = [board[r] for r in range(3)]
    lines += ["".join(board[r][c] for r in range(3)) for c in range(3)]
    lines.append("".join(board[i][i] for i in range(3)))
    lines.append("".join(board[i][2 - i] for i in range(3)))
    for line in lines:
        if line in ("XXX", "OOO"):
            return line[0]
    return "-"


def border_values(matrix: list[list[int]]) -> list[int]:
    """List the values on the outer border of a matrix, clockwise from the top-left corner.

    >>> border_values([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    [1, 2, 3, 6, 9, 8, 7, 4]
    """
    if not matrix or not matrix[0]:
        return []
    rows, cols = len(matrix), len(matrix[0])
    out = list(matrix[0])
    out += [matrix[r][cols - 1] for r in range(1, rows)]
    if rows > 1:
        out += [matrix[rows - 1][c] for c in range(cols - 2, -1, -1)]
    if cols > 1:
        out += [matrix[r][0] for r in range(rows - 2, 0, -1)]
    return out


def manhattan_walk(moves: str) -> tuple[int, int]:
    """Follow moves U, D, L, R from (0, 0) (x to the right, y up) and return where they end; others are ignored.

    >>> manhattan_walk("UURDL")
    (0, 1)
    """
    x = y = 0
    for move in moves:
        if move == "U":
            y += 1
        elif move == "D":
            y -= 1
        elif move == "L":
            x -= 1
        elif move == "R":
            x += 1
    return (x, y)


def count_paths(rows: int, cols: int) -> int:
    """Count the paths from the top-left to the bottom-right corner of a rows x cols grid moving right or down.

    >>> count_paths(3, 3)
    6
    """
    if rows < 1 or cols < 1:
        return 0
    ways = [1] * cols
    for _ in range(1, rows):
        for c in range(1, cols):
            ways[c] += ways[c - 1]
    return ways[-1]


def identity_matrix(n: int) -> list[list[int]]:
    """Build the n x n identity matrix.

    >>> identity_matrix(3)
    [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    """
    return [[1 if r == c else 0 for c in range(n)] for r in range(n)]


def scale_matrix(matrix: list[list[int]], factor: int) -> list[list[int]]:
    """Multiply every entry of a matrix by a factor.

    >>> scale_matrix([[1, -2], [0, 3]], 2)
    [[2, -4], [0, 6]]
    """
    return [[value * factor for value in row] for row in matrix]
