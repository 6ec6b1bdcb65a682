# call: f(['a', 'b'])
import contextlib


class Recorder:
    def __init__(self, log):
        self.log = log

    def __enter__(self):
        self.log.append('enter')
        return self

    def __exit__(self, kind, value, tb):
        self.log.append('exit ' + (kind.__name__ if kind else 'ok'))
        return kind is KeyError


@contextlib.contextmanager
def tagged(log, tag):
    log.append('<' + tag)
    try:
        yield tag
    finally:
        log.append(tag + '>')


def f(items):
    log = []
    with Recorder(log) as r:
        log.append(len(items))
    with Recorder(log):
        {}['missing']
    with tagged(log, 'x') as t, tagged(log, 'y') as u:
        pair = t + u
    with contextlib.suppress(ZeroDivisionError):
        1 / 0
    return log, pair, r.log is log
