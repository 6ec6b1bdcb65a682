"""Small simulations: queues, stacks, accounts, machines stepping through commands."""


def bank_balance(start: int, operations: list[str]) -> int:
    """Apply 'deposit N' and 'withdraw N' operations to a balance; a withdrawal larger than the balance is refused.

    >>> bank_balance(100, ["deposit 50", "withdraw 300", "withdraw 20"])
    130
    """
    balance = start
    for op in operations:
        parts = op.split()
        if len(parts) != 2 or not parts[1].isdigit():
            continue
        amount = int(parts[1])
        if parts[0] == "deposit":
            balance += amount
        elif parts[0] == "withdraw" and amount <= balance:
            balance -= amount
    return balance


def stack_machine(program: list[str]) -> list[int]:
    """Run 'push N', 'pop', 'add', 'mul' and 'dup' on a stack and return the final stack; bad steps are skipped.

    >>> stack_machine(["push 2", "push 3", "add", "dup", "mul"])
    [25]
    """
    stack: list[int] = []
    for line in program:
        parts = line.split()
        if not parts:
            continue
        op = parts[0]
        if op == "push" and len(parts) == 2 and parts[1].lstrip("-").isdigit():
            stack.append(int(parts[1]))
        elif op == "pop" and stack:
            stack.pop()
        elif op == "dup" and stack:
            stack.append(stack[-1])
        elif op in ("add", "mul") and len(stack) >= 2:
            b = stack.pop()
            a = stack.pop()
            stack.append(a + b if op == "add" else a * b)
    return stack


def josephus(n: int, k: int) -> int:
    """People 1..n stand in a circle and every k-th one leaves; return who is left (0 when n < 1 or k < 1).

    >>> josephus(7, 3)
    4
    """
    if n < 1 or k < 1:
        return 0
    people = list(range(1, min(n, 200) + 1))
    index = 0
    while len(people) > 1:
        index = (index + k - 1) % len(people)
        people.pop(index)
    return people[0]


def round_robin(tasks: list[int], quantum: int) -> list[int]:
    """Schedule tasks with the given run times round-robin, `quantum` units each turn; return finishing order.

    >>> round_robin([5, 2, 4], 2)
    [1, 2, 0]
    """
    if quantum < 1:
        return []
    queue = [(i, t) for i, t in enumerate(tasks)]
    finished = []
    while queue:
        index, left = queue.pop(0)
        left -= quantum
        if left <= 0:
            finished.append(index)
        else:
            queue.append((index, left))
    return finished


def traffic_light(ticks: int) -> str:
    """Return the colour of a light that shows green for 3 ticks, yellow for 1 and red for 2, over and over.

    >>> traffic_light(4)
    'red'
    """
    cycle = ["green"] * 3 + ["yellow"] + ["red"] * 2
    return cycle[ticks % len(cycle)]


def elevator_floors(start: int, requests: list[int]) -> int:
    """Visit the requested floors in order starting from `start` and return the number of floors travelled.

    >>> elevator_floors(3, [5, 1, 4])
    9
    """
    travelled = 0
    floor = start
    for target in requests:
        travelled += abs(target - floor)
        floor = target
    return travelled


def vending_change(price: int, paid: int) -> list[int]:
    """Give change for a purchase with coins of 50, 20, 10, 5, 2 and 1, largest first ([] if underpaid).

    >>> vending_change(63, 100)
    [20, 10, 5, 2]
    """
    change = paid - price
    if change < 0:
        return []
    coins = []
    for coin in (50, 20, 10, 5, 2, 1):
        while change >= coin:
            coins.append(coin)
            change -= coin
    return coins


def queue_with_two_stacks(commands: list[str]) -> list[int]:
    """Run 'in N' and 'out' commands on a queue built from two stacks; return what 'out' produced.

    >>> queue_with_two_stacks(["in 1", "in 2", "out", "in 3", "out", "out"])
    [1, 2, 3]
    """
    inbox: list[int] = []
    outbox: list[int] = []
    produced = []
    for command in commands:
        if command.startswith("in ") and command[3:].lstrip("-").isdigit():
            inbox.append(int(command[3:]))
        elif command == "out":
            if not outbox:
                while inbox:
                    outbox.append(inbox.pop())
            if outbox:
                produced.append(outbox.pop())
    return produced


def robot_position(commands: str) -> tuple[int, int, str]:
    """Move a robot facing north at (0, 0): 'F' steps forward, 'L' and 'R' turn; return (x, y, facing).

    >>> robot_position("FFRFF")
    (2, 2, 'E')
    """
    directions = ["N", "E", "S", "W"]
    steps = {"N": (0, 1), "E": (1, 0), "S": (0, -1), "W": (-1, 0)}
    facing = 0
    x = y = 0
    for c in commands:
        if c == "L":
            facing = (facing - 1) % 4
        elif c == "R":
            facing = (facing + 1) % 4
        elif c == "F":
            dx, dy = steps[directions[facing]]
            x += dx
            y += dy
    return (x, y, directions[facing])


def inventory_log(events: list[tuple[str, int]]) -> dict[str, int]:
    """Apply (item, change) events to an empty inventory, dropping items whose count reaches zero.

    >>> inventory_log([("apple", 3), ("pear", 1), ("apple", -3), ("fig", 2)])
    {'pear': 1, 'fig': 2}
    """
    stock: dict[str, int] = {}
    for item, change in events:
        stock[item] = stock.get(item, 0) + change
        if stock[item] <= 0:
            del stock[item]
    return stock


def parking_lot(capacity: int, events: list[str]) -> list[bool]:
    """Process 'arrive' and 'leave' events for a lot of `capacity` places; True when an arrival found a place.

    >>> parking_lot(2, ["arrive", "arrive", "arrive", "leave", "arrive"])
    [True, True, False, True]
    """
    parked = 0
    answers = []
    for event in events:
        if event == "arrive":
            if parked < capacity:
                parked += 1
                answers.append(True)
            else:
                answers.append(False)
        elif event == "leave" and parked > 0:
            parked -= 1
    return answers


def thermostat(readings: list[int], low: int, high: int) -> list[str]:
    """Say 'heat' below `low`, 'cool' above `high` and 'idle' otherwise for each reading.

    >>> thermostat([15, 21, 28], 18, 25)
    ['heat', 'idle', 'cool']
    """
    actions = []
    for r in readings:
        if r < low:
            actions.append("heat")
        elif r > high:
            actions.append("cool")
        else:
            actions.append("idle")
    return actions


def snake_game_length(moves: str, food_at: list[int]) -> int:
    """A snake starts with length 1 and grows by one at each move number listed in `food_at`; return its length.

    >>> snake_game_length("RRUUL", [2, 4])
    3
    """
    length = 1
    for step, _move in enumerate(moves, 1):
        if step in food_at:
            length += 1
    return length


def browser_history(actions: list[str]) -> str:
    """Follow 'visit URL', 'back' and 'forward' actions from 'home' and return the page shown at the end.

    >>> browser_history(["visit a", "visit b", "back", "visit c", "forward", "back"])
    'a'
    """
    pages = ["home"]
    position = 0
    for action in actions:
        if action.startswith("visit "):
            pages = pages[:position + 1] + [action[6:]]
            position += 1
        elif action == "back" and position > 0:
            position -= 1
        elif action == "forward" and position < len(pages) - 1:
            position += 1
    return pages[position]


def count_collisions(positions: list[int], speeds: list[int], time: int) -> int:
    """Move points along a line for `time` steps and count pairs at the same position at the end.

    >>> count_collisions([0, 4, 10], [2, 1, -1], 4)
    1
    """
    final = [p + s * time for p, s in zip(positions, speeds)]
    pairs = 0
    for i in range(len(final)):
        for j in range(i + 1, len(final)):
            if final[i] == final[j]:
                pairs += 1
    return pairs


def water_tank(capacity: int, flows: list[int]) -> list[int]:
    """Track the level of a tank that starts empty, adding each flow and clipping between 0 and capacity.

    >>> water_tank(10, [4, 8, -3, -20])
    [4, 10, 7, 0]
    """
    level = 0
    levels = []
    for flow in flows:
        level = min(capacity, max(0, level + flow))
        levels.append(level)
    return levels


def lamp_switches(count: int, presses: list[int]) -> list[bool]:
    """Toggle lamps 0..count-1 at each pressed index (indices out of range do nothing); all start off.

    >>> lamp_switches(3, [0, 2, 0, 1])
    [False, True, True]
    """
    lamps = [False] * max(count, 0)
    for index in presses:
        if 0 <= index < len(lamps):
            lamps[index] = not lamps[index]
    return lamps


def rain_collected(heights: list[int]) -> int:
    """Return how much water stays between bars of these heights after rain.

    >>> rain_collected([0, 1, 0, 2, 1, 0, 1, 3, 2, 1, 2, 1])
    6
    """
    left, right = 0, len(heights) - 1
    left_max = right_max = water = 0
    while left < right:
        if heights[left] < heights[right]:
            left_max = max(left_max, heights[left])
            water += left_max - heights[left]
            left += 1
        else:
            right_max = max(right_max, heights[right])
            water += right_max - heights[right]
            right -= 1
    return water


def stock_profit(prices: list[int]) -> int:
    """Return the best profit from one buy followed by one later sale (0 if prices only fall).

    >>> stock_profit([7, 1, 5, 3, 6, 4])
    5
    """
    lowest = None
    best = 0
    for price in prices:
        if lowest is None or price < lowest:
            lowest = price
        elif price - lowest > best:
            best = price - lowest
    return best
