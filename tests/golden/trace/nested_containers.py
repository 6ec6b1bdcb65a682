# call: f()
def f():
    data = {'a': [1, {'b': (2, 3)}], 'c': {4, 5}}
    data['a'][1]['b'] = [data['c']]
    data['a'][1]['b'][0].add(6)
    deep = [[[[[[[[[['bottom']]]]]]]]]]
    deep[0][0][0][0][0][0][0][0][0][0] = 'changed'
    return data, deep
