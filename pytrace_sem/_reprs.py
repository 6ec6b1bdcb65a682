"""How the recorder shows a value without running any of the program's own code.

The default snapshot policy (``Limits.user_repr`` false): a value of a built-in
type is read natively; any other object is shown by its type and the attributes
it stores (its instance dict and its slots, reached through the built-in
descriptors, so no property, no ``__getattr__`` and no overridden ``__dict__``
runs). No ``__repr__``, ``__str__``, ``__eq__``, ``__hash__``, ``__len__`` or
``__iter__`` of a user class is ever called::

    >>> class Account:
    ...     def __init__(self):
    ...         self.balance = 10
    ...     def __repr__(self):
    ...         raise SystemExit("never called")
    >>> builtin_repr(Account(), 100).endswith(".Account object>")
    True
    >>> stored_attrs(Account())
    {'balance': 10}

Standard library only; the recorder (``_runtime``) calls these at every step that
sees an object, so each type's layout is worked out once and cached.
"""

from __future__ import annotations

import sys
import types
from typing import Any

__all__ = ["builtin_repr", "stored_attrs", "exception_message", "is_plain", "type_name", "type_qualname",
           "repr_owner"]

# type's own getters: they read a class's namespace and names whatever its metaclass says.
_type_dict = type.__dict__["__dict__"].__get__
_type_mro = type.__dict__["__mro__"].__get__
_type_module = type.__dict__["__module__"].__get__
_type_qualname = type.__dict__["__qualname__"].__get__
_type_flags = type.__dict__["__flags__"].__get__
_HEAPTYPE = 1 << 9
_exc_args = BaseException.__dict__["args"].__get__
_GETSET = types.GetSetDescriptorType
_MEMBER = types.MemberDescriptorType

# Exact types whose repr is built by the interpreter or the standard library from
# the value alone: calling it runs none of the program's code.
_LEAVES: set[type] = {
    int, float, complex, str, bytes, bool, type(None), range, slice, type(Ellipsis),
    type(NotImplemented), type, bytearray, memoryview,
    types.FunctionType, types.BuiltinFunctionType, types.CodeType, types.GeneratorType,
    types.CoroutineType, types.AsyncGeneratorType, types.BuiltinMethodType,
    types.MethodWrapperType, types.WrapperDescriptorType, types.MethodDescriptorType,
    types.ModuleType, types.CellType, property,
    type(iter([])), type(iter(())), type(iter("")), type(iter(range(0))), type(iter({})),
    type(iter(set())), type(iter(b"")), type(reversed([])), type(iter({}.values())),
    type(iter({}.items())), map, filter, zip, enumerate, reversed,
}  # fmt: skip
# Exact built-in containers: their repr calls the repr of what they hold.
_CONTAINERS: set[type] = {list, tuple, set, frozenset, dict, type({}.keys()), type({}.values()),
                          type({}.items())}  # fmt: skip
# Standard-library types found by name (their modules are imported only by programs that use them).
_STDLIB_LEAVES = (("datetime", "date"), ("datetime", "datetime"), ("datetime", "time"),
                  ("datetime", "timedelta"), ("datetime", "timezone"), ("decimal", "Decimal"),
                  ("fractions", "Fraction"), ("uuid", "UUID"), ("pathlib", "PurePosixPath"),
                  ("pathlib", "PosixPath"), ("re", "Pattern"), ("re", "Match"), ("array", "array"))  # fmt: skip
_STDLIB_CONTAINERS = (("collections", "deque"), ("collections", "OrderedDict"),
                      ("collections", "defaultdict"), ("collections", "Counter"))  # fmt: skip
_modules_seen = 0  # len(sys.modules) when the standard-library types were last looked up
# Types with a C repr that shows what they hold or calls back into it (a partial's
# function, a weakref's referent's __name__, an itemgetter's items, a namespace's values).
_SHOWS_CONTENT_MODULES = frozenset({"functools", "itertools", "operator", "weakref", "types", "_collections",
                                    "collections", "_functools", "_operator", "_weakref"})
_SHOWS_CONTENT_TYPES = (list, tuple, set, frozenset, dict, slice, BaseException, types.MethodType, staticmethod,
                        classmethod,
                        types.MappingProxyType, types.SimpleNamespace, types.GenericAlias, types.UnionType)
_native: dict[type, bool] = {}

# Items a plainness check looks at before it gives up (and shows the type only).
PLAIN_BUDGET = 100_000
#: Ints longer than Python's default digit limit (4300 digits) are shown by their size:
#: their decimal repr costs time quadratic in their length.
INT_REPR_BITS = 14_300


def _learn_stdlib() -> None:
    """Add the standard-library types of modules imported since the last look."""
    global _modules_seen
    if len(sys.modules) == _modules_seen:
        return
    _modules_seen = len(sys.modules)
    for pairs, into in ((_STDLIB_LEAVES, _LEAVES), (_STDLIB_CONTAINERS, _CONTAINERS)):
        for module, name in pairs:
            mod = sys.modules.get(module)
            cls = mod.__dict__.get(name) if type(mod) is types.ModuleType else None
            if type(cls) is type:
                into.add(cls)


def _native_leaf(t: type) -> bool:
    """Whether ``t``'s repr is C code that shows nothing of other objects (``_hashlib.HASH``, ``_io.StringIO``)."""
    got = _native.get(t)
    if got is None:
        owner = repr_owner(t)
        entry = _type_dict(owner).get("__repr__") if owner is not None else None
        got = (type(entry) is types.WrapperDescriptorType and owner is not object
               and _type_module(owner) not in _SHOWS_CONTENT_MODULES
               and not issubclass(t, _SHOWS_CONTENT_TYPES))
        if len(_native) > 10_000:
            _native.clear()
        _native[t] = got
    return got


def type_qualname(t: type) -> str:
    """``t.__qualname__``, read without asking the class's metaclass."""
    return _type_qualname(t)  # type: ignore[no-any-return]


def type_name(t: type) -> str:
    """``list`` for built-in types, ``module.Qualname`` for the rest (read without asking the class)."""
    module, qual = _type_module(t), _type_qualname(t)
    if type(module) is not str:
        module = "?"
    return qual if module == "builtins" else f"{module}.{qual}"


def repr_owner(t: type, name: str = "__repr__") -> type | None:
    """The class in ``t``'s MRO whose own namespace defines ``name``."""
    for klass in _type_mro(t):
        if name in _type_dict(klass):
            return klass
    return None


def is_plain(value: Any, budget: int = PLAIN_BUDGET) -> bool:
    """Whether ``value`` is built only of types whose repr runs no program code.

    Walks containers without calling anything of theirs (the built-in iterators of
    exact built-in and standard-library types); a value bigger than ``budget``
    items counts as not plain.
    """
    stack = [value]
    seen: set[int] = set()
    while stack:
        v = stack.pop()
        t = type(v)
        if t in _LEAVES:
            continue
        if t not in _CONTAINERS:
            _learn_stdlib()
            if t not in _CONTAINERS:
                if t in _LEAVES or _native_leaf(t):
                    continue
                return False
        if id(v) in seen:
            continue
        seen.add(id(v))
        if issubclass(t, dict):
            n = dict.__len__(v)
            budget -= 2 * n
            if budget < 0:
                return False
            stack.extend(dict.keys(v))
            stack.extend(dict.values(v))
            if "default_factory" in _type_dict(t):  # a defaultdict's repr shows its factory's
                factory = v.default_factory
                if factory is not None and type(factory) not in _LEAVES:
                    return False
        else:
            items = list(v)  # exact built-in and stdlib containers iterate in C
            budget -= len(items)
            if budget < 0:
                return False
            stack.extend(items)
    return True


def builtin_repr(value: Any, limit: int) -> str:
    """The repr of ``value`` under the default policy (at most ``limit`` characters).

    Plain values (see :func:`is_plain`) get Python's own repr; exceptions their
    type and arguments; bound methods their function and the type of ``self``;
    anything else ``<module.Type object>``.
    """
    t = type(value)
    shown = _SHOWN_BY_TYPE.get(t)
    if shown is not None:  # the common case, an instance of a class of the program's
        return shown[:limit]
    if t is int and value.bit_length() > INT_REPR_BITS:
        return f"<int with {value.bit_length()} bits>"[:limit]
    if t is not types.MethodType and (t in _LEAVES or is_plain(value)):
        if t is bytearray and len(value) > limit:
            value = value[:limit]
        try:
            text = repr(value)
        except ValueError:  # an int beyond sys.get_int_max_str_digits()
            text = f"<{type_name(t)} object>"
        return text[:limit]
    if t is types.MethodType:
        func, owner = value.__func__, type(value.__self__)
        what = func.__qualname__ if type(func) is types.FunctionType else type_name(type(func))
        return f"<bound method {what} of <{type_name(owner)} object>>"[:limit]
    if issubclass(t, BaseException) and repr_owner(t) is BaseException:
        args = _exc_args(value)
        if is_plain(args):
            inner = repr(args)
            inner = inner[1:-2] if len(args) == 1 else inner[1:-1]
            return f"{t.__name__}({inner})"[:limit]
        return f"{t.__name__}(<{len(args)} arguments>)"[:limit]
    shown = f"<{type_name(t)} object>"
    if not issubclass(t, BaseException) and t not in _CONTAINERS:
        if len(_SHOWN_BY_TYPE) > 10_000:
            _SHOWN_BY_TYPE.clear()
        _SHOWN_BY_TYPE[t] = shown  # what every instance of t looks like, whatever it holds
    return shown[:limit]


# type -> "<module.Type object>" for classes whose instances are all shown that way.
_SHOWN_BY_TYPE: dict[type, str] = {}


def exception_message(exc: BaseException) -> str:
    """``str(exc)`` when that runs no program code, else the message built from its arguments."""
    t = type(exc)
    args = _exc_args(exc)
    owner = repr_owner(t, "__str__")
    # A built-in __str__ (C code) of plain arguments runs nothing of the program's.
    if owner is not None and not _type_flags(owner) & _HEAPTYPE and is_plain(args):
        return str(exc)
    if len(args) == 1:
        only = args[0]
        return only if type(only) is str else builtin_repr(only, 10_000)
    if not args:
        return ""
    return "(" + ", ".join(builtin_repr(a, 10_000) for a in args) + ")"


# type -> (the built-in getter of instance dicts or None, ((slot name, member descriptor), ...))
_LAYOUTS: dict[type, tuple[Any, tuple[tuple[str, Any], ...]]] = {}


def _layout(t: type) -> tuple[Any, tuple[tuple[str, Any], ...]]:
    got = _LAYOUTS.get(t)
    if got is not None:
        return got
    dict_getter = None
    slots: list[tuple[str, Any]] = []
    for klass in _type_mro(t):
        ns = _type_dict(klass)
        entry = ns.get("__dict__")
        if dict_getter is None and type(entry) is _GETSET:
            dict_getter = entry.__get__
        if not _type_flags(klass) & _HEAPTYPE:
            continue  # a built-in base's members are its own bookkeeping (__suppress_context__ ...)
        for name, member in ns.items():
            if type(member) is _MEMBER and member.__objclass__ is klass and name != "__weakref__":
                slots.append((name, member.__get__))
    if len(_LAYOUTS) > 10_000:  # classes made on the fly (attrs, namedtuple factories)
        _LAYOUTS.clear()
    got = _LAYOUTS[t] = (dict_getter, tuple(slots))
    return got


def stored_attrs(value: Any) -> dict[str, Any] | None:
    """The attributes ``value`` stores itself (instance dict, then slots), or None when it stores none."""
    dict_getter, slots = _layout(type(value))
    attrs: dict[str, Any] = {}
    if dict_getter is not None:
        try:
            d = dict_getter(value)
        except (AttributeError, TypeError):
            d = None
        if type(d) is dict:
            for key, item in d.items():
                if type(key) is str:
                    attrs[key] = item
    for name, get in slots:
        try:
            attrs[name] = get(value)
        except AttributeError:  # an unset slot
            pass
    return attrs or None
