# call: f(1)
def f(a):
    b = a + 1
    names = sorted(locals())
    visible = dir()
    cls_names = []

    class Inner:
        x = 1
        cls_names.extend(k for k in locals() if not k.startswith('__'))

    def inner():
        return sorted(locals())

    return names, visible, cls_names, inner(), Inner.x
