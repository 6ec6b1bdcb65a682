def f(nums, sep):
    """Join the running totals of nums with sep."""
    totals = []
    running = 0
    for n in nums:
        running += n
        if running % 2 == 0:
            totals.append(str(running))
    return sep.join(totals)
