# Pulls the rug from under whatever runs after it in the same interpreter.
import builtins


def f(target):
    for name in ("len", "repr", "str", "type", "isinstance", "BaseException", "Exception"):
        delattr(builtins, name)
    return 1
