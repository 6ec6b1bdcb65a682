"""A container nested below the depth limit that holds a big dict (as attrs'
snippet globals reach module namespaces): the recorder kept the full repr of
the deep part, rebuilt at every step because depth-limited parts always count
as changed."""


def wrap(n):
    inner = {f"k{i}": [i] * 3 for i in range(n)}
    box = [[[[[[[[[inner]]]]]]]]]
    box.append(n)
    box[0].extend(range(8))
    return len(box) + len(box[0])
