class Stubborn(Exception):
    def __str__(self):
        while True:
            pass


def f(target):
    raise Stubborn()
