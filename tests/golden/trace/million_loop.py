# call: f(1000000)
# limits: max_steps=40
def f(n):
    total = 0
    for i in range(n):
        total += i
    return total
