def f(target):
    with open(target, "w") as handle:
        handle.write("overwritten")
