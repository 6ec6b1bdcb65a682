"""Functions that look at their own source and frames."""

import inspect
import sys


def own_source():
    return inspect.getsource(own_source)


def frame_facts(a, b=2):
    frame = sys._getframe(0)
    caller = sys._getframe(1)
    names = sorted(frame.f_locals)
    return frame.f_code.co_name, caller.f_code.co_name, names, frame.f_lineno - frame.f_code.co_firstlineno


def signature_text(func):
    return str(inspect.signature(func))
