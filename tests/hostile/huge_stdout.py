def f(target):
    print("x" * 50_000_000)
    return "printed"
