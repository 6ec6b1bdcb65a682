"""A function returning text that holds an object's default repr, like
toolz's ``curry.__str__`` (``str(self.func)``): the address must not reach the
trace (the schema forbids ``0x...`` addresses in every repr)."""


def describe(obj):
    text = str(obj)
    return text
