# Catches everything, including the sandbox's soft timeout: only the hard kill stops it.
def f(target):
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass
