"""Processing small tables of records: grades, orders, schedules, logs."""


def letter_grade(score: int) -> str:
    """Turn a score out of 100 into a letter: A from 90, B from 80, C from 70, D from 60, else F.

    >>> letter_grade(83)
    'B'
    """
    if score >= 90:
        return "A"
    if score >= 80:
        return "B"
    if score >= 70:
        return "C"
    if score >= 60:
        return "D"
    return "F"


def class_average(scores: list[tuple[str, int]]) -> float:
    """Average the scores of (name, score) rows, rounded to two decimals (0.0 for no rows).

    >>> class_average([("ann", 90), ("bob", 75), ("cy", 80)])
    81.67
    """
    if not scores:
        return 0.0
    return round(sum(score for _, score in scores) / len(scores), 2)


def top_student(scores: list[tuple[str, int]]) -> str:
    """Return the name with the best score (the alphabetically first on a tie), '' for no rows.

    >>> top_student([("bob", 88), ("ann", 92), ("cy", 92)])
    'ann'
    """
    best_name = ""
    best_score = None
    for name, score in scores:
        if best_score is None or score > best_score or (score == best_score and name < best_name):
            best_name, best_score = name, score
    return best_name


def order_total(lines: list[tuple[str, int, int]]) -> int:
    """Add up (item, quantity, unit price) order lines, ignoring lines with a non-positive quantity.

    >>> order_total([("pen", 3, 150), ("pad", 0, 400), ("ink", 2, 725)])
    1900
    """
    total = 0
    for _item, quantity, price in lines:
        if quantity > 0:
            total += quantity * price
    return total


def shipping_cost(weight: int, express: bool) -> int:
    """Price a parcel: 5 up to 1 kg, then 2 per started extra kg; express doubles the price; weights in grams.

    >>> shipping_cost(2500, False)
    9
    """
    if weight <= 0:
        return 0
    kilos = (weight + 999) // 1000
    cost = 5 + 2 * max(0, kilos - 1)
    return cost * 2 if express else cost


def sort_people(people: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Sort (name, age) rows by age, oldest first, then by name.

    >>> sort_people([("cy", 30), ("ann", 25), ("bob", 30)])
    [('bob', 30), ('cy', 30), ('ann', 25)]
    """
    return sorted(people, key=lambda person: (-person[1], person[0]))


def overdue_books(loans: list[tuple[str, int]], today: int) -> list[str]:
    """List the titles of (title, due day) loans that are past due on `today`, earliest due first.

    >>> overdue_books([("Emma", 12), ("Dune", 3), ("Ulysses", 9)], 10)
    ['Dune', 'Ulysses']
    """
    late = [(due, title) for title, due in loans if due < today]
    late.sort()
    return [title for _, title in late]


def busiest_hour(timestamps: list[int]) -> int:
    """Given times in minutes after midnight, return the hour (0-23) with the most of them (the earliest on a tie).

    >>> busiest_hour([60, 75, 130, 610, 95])
    1
    """
    counts = [0] * 24
    for t in timestamps:
        counts[(t // 60) % 24] += 1
    best = 0
    for hour in range(24):
        if counts[hour] > counts[best]:
            best = hour
    return best


def parse_log_levels(lines: list[str]) -> dict[str, int]:
    """Count log lines by their level, the word in square brackets at the start ('[ERROR] disk full').

    >>> parse_log_levels(["[INFO] up", "[ERROR] disk", "[INFO] ok", "no level"])
    {'ERROR': 1, 'INFO': 2}
    """
    counts: dict[str, int] = {}
    for line in lines:
        if line.startswith("[") and "]" in line:
            level = line[1:line.index("]")]
            counts[level] = counts.get(level, 0) + 1
    return dict(sorted(counts.items()))


def payroll(hours: list[tuple[str, int]], rate: int) -> dict[str, int]:
    """Pay (name, hours) rows at `rate` per hour and one and a half times the rate beyond 40 hours (rounded down).

    >>> payroll([("ann", 38), ("bob", 45)], 20)
    {'ann': 760, 'bob': 950}
    """
    pay = {}
    for name, worked in hours:
        regular = min(worked, 40)
        extra = max(worked - 40, 0)
        pay[name] = regular * rate + extra * rate * 3 // 2
    return pay


def tax_due(income: int) -> int:
    """Tax an income in brackets: nothing up to 10000, 10% up to 40000, 30% above (rounded down).

    >>> tax_due(50000)
    6000
    """
    tax = 0
    if income > 10000:
        tax += (min(income, 40000) - 10000) * 10 // 100
    if income > 40000:
        tax += (income - 40000) * 30 // 100
    return tax


def attendance_streak(days: list[bool]) -> int:
    """Return the longest run of consecutive days present.

    >>> attendance_streak([True, True, False, True, True, True, False])
    3
    """
    best = current = 0
    for present in days:
        current = current + 1 if present else 0
        best = max(best, current)
    return best


def split_bill(total: int, people: int) -> list[int]:
    """Split a bill in cents as evenly as possible; the first people pay the extra cents.

    >>> split_bill(1000, 3)
    [334, 333, 333]
    """
    if people <= 0:
        return []
    base, extra = divmod(total, people)
    return [base + 1 if i < extra else base for i in range(people)]


def schedule_conflicts(slots: list[tuple[str, int, int]]) -> list[tuple[str, str]]:
    """List pairs of (name, start, end) events that overlap in time, in input order.

    >>> schedule_conflicts([("a", 9, 11), ("b", 10, 12), ("c", 12, 13)])
    [('a', 'b')]
    """
    pairs = []
    for i in range(len(slots)):
        for j in range(i + 1, len(slots)):
            _, s1, e1 = slots[i]
            _, s2, e2 = slots[j]
            if s1 < e2 and s2 < e1:
                pairs.append((slots[i][0], slots[j][0]))
    return pairs


def running_balance(transactions: list[int], start: int) -> list[int]:
    """Return the balance after each transaction, starting from `start`.

    >>> running_balance([50, -20, -40], 100)
    [150, 130, 90]
    """
    balance = start
    out = []
    for amount in transactions:
        balance += amount
        out.append(balance)
    return out


def unique_visitors(visits: list[tuple[str, int]], day: int) -> int:
    """Count the distinct visitors of (visitor, day) rows on the given day.

    >>> unique_visitors([("a", 1), ("b", 1), ("a", 1), ("c", 2)], 1)
    2
    """
    return len({visitor for visitor, d in visits if d == day})


def rating_summary(ratings: list[int]) -> tuple[int, int, float]:
    """Return (lowest, highest, average rounded to one decimal) of 1-5 star ratings; out-of-range ones are ignored.

    >>> rating_summary([5, 3, 4, 9, 4])
    (3, 5, 4.0)
    """
    valid = [r for r in ratings if 1 <= r <= 5]
    if not valid:
        return (0, 0, 0.0)
    return (min(valid), max(valid), round(sum(valid) / len(valid), 1))


def cart_with_coupon(prices: list[int], coupon: str) -> int:
    """Total a cart: 'HALF' halves the dearest item (rounded down), 'TEN' takes 10 off totals of 50 or more.

    >>> cart_with_coupon([40, 30, 20], "HALF")
    70
    """
    total = sum(prices)
    if coupon == "HALF" and prices:
        total -= max(prices) // 2
    elif coupon == "TEN" and total >= 50:
        total -= 10
    return total


def group_rows_by_status(rows: list[tuple[int, str]]) -> dict[str, list[int]]:
    """Group (id, status) rows into status -> sorted ids; statuses sorted.

    >>> group_rows_by_status([(3, "open"), (1, "done"), (2, "open")])
    {'done': [1], 'open': [2, 3]}
    """
    groups: dict[str, list[int]] = {}
    for row_id, status in rows:
        groups.setdefault(status, []).append(row_id)
    return {status: sorted(ids) for status, ids in sorted(groups.items())}


def late_fee(days_late: int) -> int:
    """Charge 1 per day for the first week late, 2 per day after that, at most 50.

    >>> late_fee(10)
    13
    """
    if days_late <= 0:
        return 0
    fee = min(days_late, 7) + 2 * max(days_late - 7, 0)
    return min(fee, 50)
