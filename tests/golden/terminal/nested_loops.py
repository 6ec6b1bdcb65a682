# call: table(6)
def table(size):
    rows = []
    for i in range(1, size + 1):
        row = []
        for j in range(1, size + 1):
            row.append(i * j)
        rows.append(sum(row))
    squares = [x * x for x in rows if x % 2 == 0]
    return rows, squares
