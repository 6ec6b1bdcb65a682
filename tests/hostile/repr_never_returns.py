class Stubborn:
    def __repr__(self):
        while True:
            pass


def f(target):
    return Stubborn()
