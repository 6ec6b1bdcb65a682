# call: f(['1', 'x', '0', '3'])
def parse(text):
    try:
        value = int(text)
    except ValueError as err:
        value = None
        reason = str(err)[:7]
    else:
        reason = 'ok'
    finally:
        checked = True
    return value, reason, checked


def f(texts):
    out = []
    for t in texts:
        try:
            v, why = parse(t)[:2]
            out.append(10 // v)
        except ZeroDivisionError:
            out.append('div')
        except TypeError as e:
            out.append(type(e).__name__)
    return out
