# call: f()
class Box:
    pass


def f():
    box = Box()
    box.value = 1
    box.value += 1
    d = {}
    d['k'] = 'v'
    d['n'] = [1, 2, 3]
    del d['k']
    del d['n'][0]
    x = 5
    del x
    box.other = box.value
    del box.value
    items = [0, 1, 2, 3]
    items[1:3] = ['a']
    return box, d, items
