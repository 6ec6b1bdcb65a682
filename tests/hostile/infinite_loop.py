def f(target):
    while True:
        pass
