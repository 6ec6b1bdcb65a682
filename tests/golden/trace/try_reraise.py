# call: f(0)
class Failure(Exception):
    pass


def check(x):
    try:
        if x == 0:
            raise Failure('zero given')
        return x
    except Failure:
        note = 'caught, re-raising'
        raise


def f(x):
    try:
        check(x)
    except Failure as exc:
        wrapped = RuntimeError('wrapped: ' + str(exc))
        raise wrapped from exc
    finally:
        cleanup = True
