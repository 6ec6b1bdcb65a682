"""``obj.attr = v`` leaves an object's repr as it was (``<Box object>``); the
change was detected by the recorder but dropped by the step builder, which
compared reprs only. Every attribute assignment must show as a change."""


class Box:
    pass


def f():
    box = Box()
    box.value = 1
    box.value += 1
    del box.value
    return box
