"""A class body (and decorators, and default values) inside a traced function
runs code that may mutate the function's locals; the ``class`` step did not
check for mutations, so the change showed up statements later."""


def tag(log):
    def deco(func):
        log.append(func.__name__)
        return func
    return deco


def f():
    log = []

    class Inner:
        log.append("class body")

    @tag(log)
    def g():
        pass

    return log
