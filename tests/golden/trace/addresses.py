# call: f()
class Plain:
    pass


def f():
    obj = Plain()
    fn = f
    it = iter([1, 2])
    method = obj.__init__
    objs = [object(), Plain()]
    gen = (i for i in range(3))
    return obj, fn, it, objs, type(obj)
