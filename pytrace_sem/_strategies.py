"""Hypothesis strategies and EvalPlus-style mutations for the arguments of one function.

The private half of :mod:`pytrace_sem.inputs`: it builds strategies from example
values, type annotations and the literals of the source, and mutates inputs that
already reached new code. Every int and every size it produces is bounded.

    builder = Builder(source_literals(source))
    strategy = argument_strategy(fn, [([1, 2], "a")], builder)   # st.tuples(...)
"""

from __future__ import annotations

import ast
import copy
import inspect
import math
import sys
import typing
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

__all__ = [
    "Builder",
    "Ingredients",
    "argument_strategy",
    "conforms",
    "positional_hints",
    "source_literals",
    "weighted",
]

# Bounds on generated values: no strategy may produce anything larger.
_INT_SPAN = 20
_INT_LIMIT = 10**9
_MAX_COLLECTION = 30
_MAX_TEXT = 60
_MAX_DEPTH = 4
_MAX_INGREDIENTS = 40


# ---------------------------------------------------------------------------
# Source literals: ints, floats and strings the function compares against


@dataclass(frozen=True, slots=True)
class _Literals:
    ints: tuple[int, ...]
    floats: tuple[float, ...]
    strings: tuple[str, ...]
    chars: str

    def sizes(self) -> list[int]:
        """Small int literals: lengths the function may compare against (``len(xs) > 5``)."""
        return [n for n in self.ints if 1 < n <= _MAX_COLLECTION][:6]


def source_literals(source: str) -> _Literals:
    ints: dict[int, None] = {}
    floats: dict[float, None] = {}
    strings: dict[str, None] = {}
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return _Literals((), (), (), "")
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            operand = node.operand
            if isinstance(operand, ast.Constant) and type(operand.value) in (int, float):
                value = -operand.value
                (ints if type(value) is int else floats)[value] = None
        if not isinstance(node, ast.Constant) or id(node) in docstrings:
            continue
        value = node.value
        if type(value) is int and abs(value) <= _INT_LIMIT:
            for near in (value - 1, value, value + 1):
                ints[near] = None
        elif type(value) is float and math.isfinite(value):
            floats[value] = None
        elif type(value) is str and len(value) <= _MAX_TEXT:
            strings[value] = None
    chars = "".join(dict.fromkeys(c for s in strings for c in s))
    if any(name in source for name in ("ord(", "encode(", "bytes(", "chr(")):
        # Code that looks at character codes compares them with int literals.
        chars += "".join(chr(n) for n in ints if 0 <= n < 128)
    return _Literals(
        tuple(ints)[:_MAX_INGREDIENTS],
        tuple(floats)[:_MAX_INGREDIENTS],
        tuple(strings)[:_MAX_INGREDIENTS],
        chars,
    )


# ---------------------------------------------------------------------------
# Strategies


def _st() -> Any:
    from hypothesis import strategies

    return strategies


def weighted(choices: Sequence[tuple[int, Any]]) -> Any:
    """A strategy that picks among ``(weight, strategy)`` pairs in proportion.

    ``st.one_of`` picks its branches evenly; widening to other types should be
    rare, so it gets a small weight here. The first choice is the one
    Hypothesis tries first (its simplest).
    """
    st = _st()
    choices = [(w, s) for w, s in choices if w > 0]
    if len(choices) == 1:
        return choices[0][1]
    table: list[Any] = []
    for weight, strategy in choices:
        table.extend([strategy] * weight)
    return st.integers(0, len(table) - 1).flatmap(lambda i: table[i])


def _case_variants(text: str) -> list[str]:
    return list(dict.fromkeys([text, text.upper(), text.lower(), text.swapcase(), text.title()]))


def _alphabet(strings: Iterable[str], literals: _Literals) -> str:
    base = "".join(strings) + literals.chars
    variants = base + base.swapcase()
    # A lowercase and an uppercase letter, a digit, a space and a non-ASCII
    # letter: enough to flip isupper/isdigit/isspace/isascii-style tests that
    # examples rarely exercise.
    return "".join(dict.fromkeys(variants + "aB3 \u00e9"))


def _tokens(strings: Iterable[str]) -> list[str]:
    out: dict[str, None] = {}
    for s in strings:
        for piece in s.split():
            out[piece] = None
        for sep in ",.;:-_/|":
            if sep in s:
                for piece in s.split(sep):
                    out[piece] = None
    return [t for t in out if t][:_MAX_INGREDIENTS]


class Builder:
    """Builds bounded strategies from example values, annotations and source literals."""

    def __init__(self, literals: _Literals) -> None:
        self.lit = literals

    # -- from examples -------------------------------------------------------

    def for_values(self, values: Sequence[Any], depth: int = 0) -> Any:
        """A strategy for values like ``values`` (all examples of one position)."""
        st = _st()
        groups: dict[type, list[Any]] = {}
        for v in values:
            groups.setdefault(type(v), []).append(v)
        parts = [self._for_type(t, vs, depth) for t, vs in groups.items()]
        main = parts[0] if len(parts) == 1 else st.one_of(parts)
        if depth >= _MAX_DEPTH:
            return main
        return weighted([(9, main), (1, self.widen(set(groups)))])

    def widen(self, avoid: set[type]) -> Any:
        """Values of other simple types: occasionally a function accepts them."""
        st = _st()
        pool: list[Any] = [None, 0, 1, -1, "", "a", [], [1], ["a"], {}, {"a": 1}, True]
        pool += list(self.lit.ints[:6]) + list(self.lit.strings[:6])
        pool = [v for v in pool if type(v) not in avoid] or [None]
        return st.sampled_from(pool)

    def _for_type(self, kind: type, values: list[Any], depth: int) -> Any:
        st = _st()
        if kind is bool:
            return st.booleans()
        if kind is int:
            return self.ints(values)
        if kind is float:
            return self.floats(values)
        if kind is str:
            return self.text(values)
        if kind is bytes:
            longest = max(len(v) for v in values)
            return st.one_of(st.sampled_from(values), st.binary(max_size=min(2 * longest + 4, _MAX_TEXT)))
        if kind is type(None):
            return st.none()
        if kind in (list, tuple, set, frozenset):
            return self.sequences(kind, values, depth)
        if kind is dict:
            return self.dicts(values, depth)
        # Anything else (a class instance, a complex number): only the example itself.
        return st.sampled_from(values)

    def _size(self, lengths: Iterable[int]) -> int:
        longest = max(lengths, default=0)
        small = [n for n in self.lit.ints if 0 < n <= _MAX_COLLECTION]
        # Reach a little past the example and past any small int literal
        # (``if len(xs) > 5``) while staying bounded.
        return min(max(2 * longest, longest + 4, max(small, default=0) + 1, 5), _MAX_COLLECTION)

    def ints(self, values: Sequence[int]) -> Any:
        st = _st()
        lo = max(min(min(values), 0) - _INT_SPAN, -_INT_LIMIT)
        hi = min(max(max(values), 0) + _INT_SPAN, _INT_LIMIT)
        special = [0, 1, -1, 2]
        for v in values:
            special += [v, v - 1, v + 1, -v]
        special += list(self.lit.ints)
        special = [v for v in dict.fromkeys(special) if abs(v) <= _INT_LIMIT]
        return st.one_of(st.integers(lo, hi), st.sampled_from(special))

    def floats(self, values: Sequence[float]) -> Any:
        st = _st()
        finite = [v for v in values if math.isfinite(v)] or [0.0]
        bound = min(max(abs(v) for v in finite) * 2 + 10.0, 1e9)
        special = list(dict.fromkeys([0.0, 1.0, -1.0, 0.5, *finite, *self.lit.floats]))
        special += [float(v) for v in self.lit.ints[:8]]
        return st.one_of(
            st.floats(-bound, bound, allow_nan=False, allow_infinity=False),
            st.sampled_from(special),
        )

    def text(self, values: Sequence[str]) -> Any:
        st = _st()
        alphabet = _alphabet(values, self.lit)
        longest = max(len(v) for v in values)
        size = min(max(2 * longest, longest + 5, 8), _MAX_TEXT)
        pieces = list(
            dict.fromkeys([*values, *_tokens(values), *self.lit.strings, *alphabet, ""])
        )[: 3 * _MAX_INGREDIENTS]
        whole = list(dict.fromkeys(v for s in [*values, *self.lit.strings] for v in _case_variants(s)))
        targets = self.lit.sizes()
        sized = (
            [st.sampled_from(targets).flatmap(
                lambda n: st.text(alphabet=st.sampled_from(alphabet), min_size=n - 1, max_size=n + 1)
            )]
            if targets
            else []
        )
        # Joined pieces could grow with the example; nothing exceeds this.
        cap = max(_MAX_TEXT, longest + 8)
        return st.one_of(
            *sized,
            st.text(alphabet=st.sampled_from(alphabet), max_size=size),
            st.sampled_from(whole),
            st.lists(st.sampled_from(pieces), min_size=1, max_size=6).map(lambda p: "".join(p)[:cap]),
            st.lists(st.sampled_from(alphabet), max_size=4).flatmap(
                lambda chars: st.sampled_from(whole).map(lambda w: _splice(w, "".join(chars))[:cap])
            ),
        )

    def sequences(self, kind: type, values: Sequence[Any], depth: int) -> Any:
        st = _st()
        items = [x for v in values for x in v]
        size = self._size(len(v) for v in values)
        if not items:
            # Nothing to model the elements on: one plain kind per collection,
            # since most code expects its elements to be alike.
            kinds = self.plain_kinds(depth + 1)
            if kind in (set, frozenset):
                kinds = [k.filter(_hashable) for k in kinds[:2]]
                return st.sampled_from(kinds).flatmap(lambda k: st.sets(k, max_size=size)).map(kind)
            made = st.sampled_from(kinds).flatmap(lambda k: st.lists(k, max_size=size))
            return made if kind is list else made.map(tuple)
        element = self.for_values(items, depth + 1)
        if kind in (set, frozenset):
            # Widening may draw a list; a set element must be hashable.
            return st.sets(element.filter(_hashable), max_size=size).map(kind)
        as_list = st.lists(element, max_size=size)
        targets = self.lit.sizes()
        if targets:
            near = st.sampled_from(targets).flatmap(
                lambda n: st.lists(element, min_size=n - 1, max_size=n + 1)
            )
            as_list = weighted([(3, as_list), (1, near)])
        if kind is list:
            return as_list
        lengths = {len(v) for v in values}
        if len(lengths) == 1 and 0 < next(iter(lengths)) <= 6:
            # Fixed-shape tuples (pairs, triples) are usually records: keep the shape.
            n = next(iter(lengths))
            shaped = st.tuples(*[self.for_values([v[i] for v in values], depth + 1) for i in range(n)])
            return weighted([(3, shaped), (1, as_list.map(tuple))])
        return as_list.map(tuple)

    def dicts(self, values: Sequence[dict[Any, Any]], depth: int) -> Any:
        st = _st()
        keys = [k for v in values for k in v]
        vals = [x for v in values for x in v.values()]
        key = self.for_values(keys, depth + 1).filter(_hashable) if keys else self.plain_key()
        value = self.for_values(vals, depth + 1) if vals else self.plain(depth + 1)
        return st.dictionaries(key, value, max_size=self._size(len(v) for v in values))

    # -- without examples ------------------------------------------------------

    def plain_key(self) -> Any:
        st = _st()
        return st.one_of(self.ints([0]), self.text(["a"]))

    def plain_kinds(self, depth: int = 0) -> list[Any]:
        """Strategies for plain values of one kind each: ints, strings, lists of them, dicts."""
        st = _st()
        ints, text = self.ints([0]), self.text(["ab"])
        kinds = [ints, text]
        if depth < _MAX_DEPTH - 1:
            kinds += [
                st.lists(ints, max_size=8),
                st.lists(text, max_size=8),
                st.dictionaries(self.text(["a"]), ints, max_size=5),
            ]
        return kinds + [st.booleans(), st.none()]

    def plain(self, depth: int = 0) -> Any:
        """A bounded mix of plain values, for parameters nothing is known about."""
        return _st().one_of(self.plain_kinds(depth))

    def for_annotation(self, annotation: Any, depth: int = 0) -> Any:
        """A bounded strategy for a type annotation (``list[int]``, ``Optional[str]``, ...)."""
        st = _st()
        if depth > _MAX_DEPTH:
            return self.plain(depth)
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if annotation is typing.Any or annotation is inspect.Parameter.empty:
            return self.plain(depth)
        if annotation is None or annotation is type(None):
            return st.none()
        if annotation is bool:
            return st.booleans()
        if annotation is int:
            return self.ints([0, 10])
        if annotation is float:
            return self.floats([0.0, 10.0])
        if annotation is str:
            return self.text(["abc"])
        if annotation is bytes:
            return st.binary(max_size=16)
        if origin is typing.Union or (sys.version_info >= (3, 10) and _is_union_type(annotation)):
            return st.one_of([self.for_annotation(a, depth + 1) for a in args])
        if origin is typing.Literal:
            return st.sampled_from(args)
        if origin in (list, set, frozenset) or annotation in (list, set, frozenset):
            element = self.for_annotation(args[0] if args else typing.Any, depth + 1)
            if (origin or annotation) is list:
                return st.lists(element, max_size=10)
            return st.sets(element.filter(_hashable), max_size=10).map(origin or annotation)
        if origin is tuple or annotation is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                return st.lists(self.for_annotation(args[0], depth + 1), max_size=8).map(tuple)
            if not args:
                return st.lists(self.plain(depth + 1), max_size=5).map(tuple)
            return st.tuples(*[self.for_annotation(a, depth + 1) for a in args])
        if origin is dict or annotation is dict:
            key_type, value_type = args if len(args) == 2 else (typing.Any, typing.Any)
            key = self.for_annotation(key_type, depth + 1).filter(_hashable)
            return st.dictionaries(key, self.for_annotation(value_type, depth + 1), max_size=8)
        # Some other type (an enum, a dataclass...): Hypothesis knows how to
        # build many; its reprs rarely read back as literals, so such inputs
        # are usually rejected as input_not_literal.
        try:
            return st.from_type(annotation)
        except Exception:
            return self.plain(depth)

    # -- mutation ----------------------------------------------------------------

    def mutants(self, pool: Sequence[tuple[Any, ...]], ingredients: Ingredients) -> Any:
        """EvalPlus-style type-aware mutations of inputs in ``pool``."""
        st = _st()

        @st.composite
        def mutate(draw: Callable[[Any], Any]) -> tuple[Any, ...]:
            args = list(copy.deepcopy(draw(st.sampled_from(pool))))
            if not args:
                return ()
            if len(args) > 1 and draw(st.integers(0, 3)) == 0:
                return tuple(_cross(draw, args))
            for _ in range(draw(st.integers(1, 3))):
                i = draw(st.integers(0, len(args) - 1))
                args[i] = _mutate_value(draw, args[i], ingredients, 0)
            return tuple(args)

        return mutate()


def _is_union_type(annotation: Any) -> bool:
    import types

    return isinstance(annotation, types.UnionType)


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _splice(text: str, piece: str) -> str:
    """Insert ``piece`` in the middle of ``text``: used to break uniform strings."""
    middle = len(text) // 2
    return text[:middle] + piece + text[middle:]


# ---------------------------------------------------------------------------
# Mutation


class Ingredients:
    """Values seen in kept inputs and in the source, grouped by type, for mutations."""

    def __init__(self, literals: _Literals) -> None:
        self.by_type: dict[type, dict[Any, None]] = {}
        self.reprs: set[str] = set()
        for v in (*literals.ints, *literals.floats, *literals.strings):
            self.add(v)
        for c in literals.chars:
            self.add(c)

    def add(self, value: Any, depth: int = 0) -> None:
        if depth > _MAX_DEPTH:
            return
        kind = type(value)
        if kind in (list, tuple, set, frozenset):
            for item in value:
                self.add(item, depth + 1)
        elif kind is dict:
            for k, v in value.items():
                self.add(k, depth + 1)
                self.add(v, depth + 1)
        try:
            key = repr(value)
        except Exception:
            return
        if key in self.reprs or len(key) > 200:
            return
        bucket = self.by_type.setdefault(kind, {})
        if len(bucket) < _MAX_INGREDIENTS:
            self.reprs.add(key)
            # Keyed by repr: values need not be hashable and 1 and True stay apart.
            bucket[key] = value  # type: ignore[index]

    def of(self, kind: type) -> list[Any]:
        return list(self.by_type.get(kind, {}).values())  # type: ignore[arg-type]

    def strings(self) -> list[str]:
        return self.of(str)


def _pick(draw: Callable[[Any], Any], options: Sequence[Any]) -> Any:
    st = _st()
    return options[draw(st.integers(0, len(options) - 1))]


def _mutate_value(draw: Callable[[Any], Any], value: Any, ingredients: Ingredients, depth: int) -> Any:
    st = _st()
    kind = type(value)
    if kind is bool:
        return not value
    if kind is int:
        same = ingredients.of(int)
        op = draw(st.integers(0, 5))
        if op == 0:
            out = value + 1
        elif op == 1:
            out = value - 1
        elif op == 2:
            out = -value
        elif op == 3 and same:
            out = _pick(draw, same)
        elif op == 4:
            out = value + draw(st.integers(-10, 10))
        else:
            out = 0 if value else 1
        return out if abs(out) <= _INT_LIMIT else value
    if kind is float:
        options = [value + 1.0, value - 1.0, -value, value / 2, float(round(value))]
        options += ingredients.of(float)[:5]
        return _pick(draw, options)
    if kind is str:
        return _mutate_text(draw, value, ingredients)
    if kind in (list, tuple):
        return kind(_mutate_list(draw, list(value), ingredients, depth))
    if kind in (set, frozenset):
        items = list(value)
        op = draw(st.integers(0, 1))
        if op == 0 and items:
            items.pop(draw(st.integers(0, len(items) - 1)))
        else:
            extra = _similar(draw, items, ingredients, depth)
            if _hashable(extra):
                items.append(extra)
        return kind(items)
    if kind is dict:
        return _mutate_dict(draw, dict(value), ingredients, depth)
    if value is None:
        options = [None] + ingredients.of(int)[:3] + ingredients.strings()[:3]
        return _pick(draw, options)
    return value


def _cross(draw: Callable[[Any], Any], args: list[Any]) -> list[Any]:
    """Relate two arguments of one type: copy one into the other, or join them.

    Functions often compare their arguments (``s.startswith(x)``, ``a[key]``
    for a key of ``b``); independent draws rarely make them agree.
    """
    st = _st()
    i = draw(st.integers(0, len(args) - 1))
    j = draw(st.integers(0, len(args) - 2))
    j = j + 1 if j >= i else j
    a, b = args[i], copy.deepcopy(args[j])
    if type(a) is not type(b):
        args[i] = b
        return args
    op = draw(st.integers(0, 2))
    if op == 0:
        args[i] = b
    elif type(a) in (str, list, tuple):
        args[i] = b + a if op == 1 else a + b
    elif type(a) is dict:
        args[i] = {**a, **b} if op == 1 else {**b, **a}
    elif type(a) in (set, frozenset):
        args[i] = a | b
    else:
        args[i] = b
    return args


def _mutate_text(draw: Callable[[Any], Any], text: str, ingredients: Ingredients) -> str:
    st = _st()
    op = draw(st.integers(0, 7))
    n = len(text)
    if op == 0 and n:  # remove a slice
        i = draw(st.integers(0, n - 1))
        j = draw(st.integers(i + 1, n))
        return text[:i] + text[j:]
    if op == 1:  # insert an ingredient
        strings = ingredients.strings() or ["a"]
        piece = _pick(draw, strings)
        i = draw(st.integers(0, n))
        return text[:i] + piece + text[i:]
    if op == 2 and n:  # duplicate a slice
        i = draw(st.integers(0, n - 1))
        j = draw(st.integers(i + 1, min(n, i + 8)))
        return text[:j] + text[i:j] + text[j:]
    if op == 3 and n:  # change the case of one character
        i = draw(st.integers(0, n - 1))
        return text[:i] + text[i].swapcase() + text[i + 1 :]
    if op == 4:  # a case variant of the whole string
        return _pick(draw, _case_variants(text))
    if op == 5 and ingredients.strings():  # replace by an ingredient
        return _pick(draw, ingredients.strings())
    if op == 6 and n:  # replace one character
        i = draw(st.integers(0, n - 1))
        strings = [s for s in ingredients.strings() if len(s) == 1] or ["a", " ", "1"]
        return text[:i] + _pick(draw, strings) + text[i + 1 :]
    return text[::-1] if n > 1 else text + text


def _similar(draw: Callable[[Any], Any], items: Sequence[Any], ingredients: Ingredients, depth: int) -> Any:
    """A value like the ones in ``items``: a mutated copy of one, or an ingredient of the same type."""
    st = _st()
    if items:
        model = copy.deepcopy(_pick(draw, items))
        if draw(st.booleans()):
            return _mutate_value(draw, model, ingredients, depth + 1)
        same = ingredients.of(type(model))
        return _pick(draw, same) if same else model
    options = ingredients.of(int)[:5] + ingredients.strings()[:5]
    if not options:
        return 0
    value = _pick(draw, options)
    # An empty container gives no model for its elements: sometimes nest one.
    return _pick(draw, [value, value, [value], []])


def _mutate_list(draw: Callable[[Any], Any], items: list[Any], ingredients: Ingredients, depth: int) -> list[Any]:
    st = _st()
    n = len(items)
    op = draw(st.integers(0, 5))
    if op == 0 and n:  # pop
        items.pop(draw(st.integers(0, n - 1)))
    elif op == 1 and n < _MAX_COLLECTION:  # insert
        items.insert(draw(st.integers(0, n)), _similar(draw, items, ingredients, depth))
    elif op == 2 and n and n < _MAX_COLLECTION:  # duplicate
        i = draw(st.integers(0, n - 1))
        items.insert(i, copy.deepcopy(items[i]))
    elif op == 3 and n and depth < _MAX_DEPTH:  # mutate one element in place
        i = draw(st.integers(0, n - 1))
        items[i] = _mutate_value(draw, items[i], ingredients, depth + 1)
    elif op == 4 and n > 1:  # swap two
        i = draw(st.integers(0, n - 1))
        j = draw(st.integers(0, n - 1))
        items[i], items[j] = items[j], items[i]
    else:
        items = items[: n // 2] if n > 1 else items + [_similar(draw, items, ingredients, depth)]
    return items


def _mutate_dict(draw: Callable[[Any], Any], mapping: dict[Any, Any], ingredients: Ingredients, depth: int) -> dict[Any, Any]:
    st = _st()
    keys = list(mapping)
    op = draw(st.integers(0, 3))
    if op == 0 and keys:  # remove a key
        del mapping[_pick(draw, keys)]
    elif op == 1 and len(keys) < _MAX_COLLECTION:  # add a key
        key = _similar(draw, keys, ingredients, depth)
        if _hashable(key):
            mapping[key] = _similar(draw, list(mapping.values()), ingredients, depth)
    elif op == 2 and keys and depth < _MAX_DEPTH:  # change a value
        key = _pick(draw, keys)
        mapping[key] = _mutate_value(draw, mapping[key], ingredients, depth + 1)
    elif keys:  # change a key, keeping its value
        key = _pick(draw, keys)
        new_key = _mutate_value(draw, key, ingredients, depth + 1)
        if _hashable(new_key) and new_key not in mapping:
            mapping[new_key] = mapping.pop(key)
    return mapping


def _parameter_count(fn: Callable[..., Any]) -> int:
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return 1
    return sum(
        1
        for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    )


def positional_hints(fn: Callable[..., Any]) -> list[Any]:
    """The annotation of each positional parameter (None where there is none or it cannot be read)."""
    try:
        hints = typing.get_type_hints(fn)
    except Exception:
        hints = {}
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return []
    return [hints.get(p.name) for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def conforms(value: Any, annotation: Any, depth: int = 0) -> bool:
    """Whether ``value`` fits ``annotation``; anything this cannot judge fits."""
    if annotation is None or annotation is typing.Any or depth > _MAX_DEPTH:
        return True
    if annotation is type(None):
        return value is None
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Union or _is_union_type(annotation):
        return any(conforms(value, a, depth + 1) for a in args)
    if origin is typing.Literal:
        return any(type(value) is type(a) and value == a for a in args)
    if annotation is bool or annotation is str or annotation is bytes or annotation is int:
        return type(value) is annotation
    if annotation is float:  # PEP 484: an int is acceptable where a float is expected
        return type(value) in (int, float)
    if annotation is complex:
        return type(value) in (int, float, complex)
    base = origin or annotation
    if not isinstance(base, type):
        return True  # a TypeVar, a string, a Protocol...: cannot judge
    try:
        if not isinstance(value, base):
            return False
    except TypeError:
        return True
    if not args:
        return True
    if isinstance(value, dict):
        return len(args) != 2 or all(
            conforms(k, args[0], depth + 1) and conforms(v, args[1], depth + 1) for k, v in value.items()
        )
    if isinstance(value, tuple) and base is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return all(conforms(x, args[0], depth + 1) for x in value)
        return len(args) == len(value) and all(conforms(x, a, depth + 1) for x, a in zip(value, args))
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(conforms(x, args[0], depth + 1) for x in value)
    return True


def argument_strategy(fn: Callable[..., Any], examples: Sequence[tuple[Any, ...]], builder: Builder) -> Any:
    st = _st()
    hints = positional_hints(fn)
    arity = len(examples[0]) if examples else _parameter_count(fn)
    per_position = []
    for i in range(arity):
        hint = hints[i] if i < len(hints) else None
        typed = builder.for_annotation(hint) if hint is not None else None
        values = [ex[i] for ex in examples if len(ex) == arity]
        if values:
            from_examples = builder.for_values(values)
            per_position.append(from_examples if typed is None else weighted([(3, from_examples), (1, typed)]))
        else:
            per_position.append(typed if typed is not None else builder.plain())
    return st.tuples(*per_position)
