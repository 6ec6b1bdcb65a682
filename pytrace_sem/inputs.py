"""Inputs for a function, generated with Hypothesis and kept when they reach new branches.

Typical use::

    from pytrace_sem import generate_inputs

    found = generate_inputs(source, "f", examples=["[1, 1, 3], 'a'"], seed=0)
    for item in found.inputs:
        print(f"assert f({item.input}) == {item.output}")
    print(found.coverage, found.rejected_counts)

How it works, in three parts:

1. **Strategies.** Every parameter gets a Hypothesis strategy built from the
   example calls (values around the example's: ints near it and near the
   source's int literals, strings over the example's characters, the source's
   string literals and their case variants, collections of bounded size around
   the example's), from its type annotation when there is no example, and
   otherwise from a small bounded mix of plain values. A second strategy
   mutates inputs that already reached new code, EvalPlus-style (int +-1,
   string slice / insert / duplicate, list pop / insert / duplicate, dict add /
   remove / change), with "ingredients" taken from those inputs and from the
   source's literals. Hypothesis is driven the supported way: ``@given`` with
   ``settings(database=None, deadline=None, ...)``, a fixed ``@seed`` per batch
   and the examples as ``@example``. Every int and every size is bounded.
2. **Validity.** A candidate is kept only if the call returns within a time
   limit without raising, its arguments and result survive
   ``ast.literal_eval(repr(x)) == x`` (so ``assert f(<input>) == <output>``
   can be printed and read back), and a second call on a fresh deep copy gives
   the same result. Rejections are counted by reason.
3. **Coverage guidance.** coverage.py measures the branch arcs of every valid
   call (:mod:`pytrace_sem.coverage_guide`); batches continue until
   ``patience`` batches in a row add nothing, every branch is covered, or the
   candidate or time budget is spent. The result is a greedy set cover of the
   arcs plus a few extra inputs for diversity, at most ``max_inputs``.

:func:`generate_for_function` does the work for one function and never raises
for anything the function's code does; it is what a sandbox worker runs.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import inspect
import io
import math
import signal
import sys
import threading
import time
import typing
from dataclasses import dataclass, field, fields, replace
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from pytrace_sem.coverage_guide import Arc, ArcMeter, BranchCoverage, greedy_cover
from pytrace_sem.errors import CallError, InputGenerationError, LimitError, SourceError

__all__ = [
    "SCHEMA_VERSION",
    "InputOptions",
    "GeneratedInput",
    "InputSet",
    "generate_inputs",
    "generate_for_function",
    "InputJob",
    "generate_batch",
    "parse_arguments",
    "format_arguments",
]

SCHEMA_VERSION = 1

# Statuses of an InputSet. Sandboxed runs add the sandbox's own ("timeout", "crashed", ...).
STATUS_OK = "ok"
STATUS_NO_VALID_INPUT = "no_valid_input"
STATUS_SOURCE_ERROR = "source_error"
STATUS_NO_FUNCTION = "no_function"

# Rejection reasons.
R_DUPLICATE = "duplicate"
R_TOO_LARGE = "too_large"
R_INPUT_NOT_LITERAL = "input_not_literal"
R_RAISED = "raised"
R_TIMEOUT = "timeout"
R_OUTPUT_NOT_LITERAL = "output_not_literal"
R_NONDETERMINISTIC = "nondeterministic"
R_ANNOTATION = "annotation_mismatch"

# Bounds on generated values: no strategy may produce anything larger.
_INT_SPAN = 20
_INT_LIMIT = 10**9
_MAX_COLLECTION = 30
_MAX_TEXT = 60
_MAX_DEPTH = 4
_MAX_INGREDIENTS = 40


@dataclass(frozen=True, slots=True)
class InputOptions:
    """Knobs of one generation run; the defaults suit CRUXEval-sized functions.

    ``max_candidates`` is the deterministic budget (Hypothesis examples drawn,
    duplicates included); ``budget_seconds`` is a safety net whose expiry makes
    the result depend on machine speed. Generation stops early when every
    branch is covered or ``patience`` batches in a row add nothing, unless
    ``stop_early`` is false (benchmarks use that to try exactly
    ``max_candidates`` inputs). With ``respect_annotations`` an input whose
    arguments do not fit the parameters' type annotations is rejected
    (``annotation_mismatch``); an ``int`` fits ``float``.
    """

    max_inputs: int = 20
    max_candidates: int = 200
    budget_seconds: float = 10.0
    batch_size: int = 25
    patience: int = 3
    extra_inputs: int = 3
    call_timeout: float = 0.5
    max_repr_chars: int = 1000
    seed: int = 0
    stop_early: bool = True
    respect_annotations: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.max_inputs <= 1000:
            raise LimitError(f"max_inputs must be between 1 and 1000, not {self.max_inputs}")
        if self.max_candidates < 1:
            raise LimitError(f"max_candidates must be at least 1, not {self.max_candidates}")
        if not self.budget_seconds > 0:
            raise LimitError(f"budget_seconds must be positive, not {self.budget_seconds}")
        if self.batch_size < 1 or self.patience < 1 or self.extra_inputs < 0:
            raise LimitError("batch_size and patience must be at least 1, extra_inputs at least 0")
        if not self.call_timeout > 0:
            raise LimitError(f"call_timeout must be positive, not {self.call_timeout}")
        if self.max_repr_chars < 10:
            raise LimitError(f"max_repr_chars must be at least 10, not {self.max_repr_chars}")

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> InputOptions:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise LimitError(f"unknown input options {unknown}; known: {sorted(known)}")
        return cls(**data)


@dataclass(frozen=True, slots=True)
class GeneratedInput:
    """One kept input: a CRUXEval-style argument string and the repr of the result.

    ``new_arcs`` are the coverage.py arcs this input added to the ones kept
    before it (empty for the inputs kept for diversity).
    """

    input: str
    output: str
    new_arcs: tuple[Arc, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"input": self.input, "output": self.output, "new_arcs": [list(a) for a in self.new_arcs]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GeneratedInput:
        return cls(
            input=data["input"],
            output=data["output"],
            new_arcs=tuple((int(a), int(b)) for a, b in data.get("new_arcs", ())),
        )


@dataclass(frozen=True, slots=True)
class InputSet:
    """What :func:`generate_inputs` found for one function.

    ``status`` is ``"ok"`` when at least one input was kept; otherwise it says
    why not (``no_valid_input``, ``source_error``, ``no_function``, or a
    sandbox status such as ``timeout`` or ``crashed``) and ``message`` says more.
    """

    function: str
    status: str
    inputs: tuple[GeneratedInput, ...] = ()
    branches_covered: int = 0
    branches_total: int = 0
    lines_covered: int = 0
    lines_total: int = 0
    rejected: tuple[tuple[str, int], ...] = ()
    candidates: int = 0
    batches: int = 0
    seconds: float = 0.0
    message: str = ""

    @property
    def coverage(self) -> float | None:
        """Branch coverage reached; line coverage for a function without branches."""
        if self.status != STATUS_OK and not self.inputs:
            return None
        return BranchCoverage(
            self.branches_covered, self.branches_total, self.lines_covered, self.lines_total
        ).fraction

    @property
    def rejected_counts(self) -> dict[str, int]:
        return dict(self.rejected)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "function": self.function,
            "status": self.status,
            "inputs": [item.to_json() for item in self.inputs],
            "coverage": self.coverage,
            "branches": {"covered": self.branches_covered, "total": self.branches_total},
            "lines": {"covered": self.lines_covered, "total": self.lines_total},
            "rejected": self.rejected_counts,
            "candidates": self.candidates,
            "batches": self.batches,
            "seconds": round(self.seconds, 4),
            "message": self.message,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> InputSet:
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise InputGenerationError(
                f"input set has schema version {version!r}, this library reads {SCHEMA_VERSION}; "
                "regenerate it with this version of pytrace_sem"
            )
        return cls(
            function=data["function"],
            status=data["status"],
            inputs=tuple(GeneratedInput.from_json(item) for item in data["inputs"]),
            branches_covered=data["branches"]["covered"],
            branches_total=data["branches"]["total"],
            lines_covered=data["lines"]["covered"],
            lines_total=data["lines"]["total"],
            rejected=tuple(sorted(data["rejected"].items())),
            candidates=data["candidates"],
            batches=data["batches"],
            seconds=data["seconds"],
            message=data.get("message", ""),
        )

    def raise_for_status(self) -> InputSet:
        """Raise the matching :class:`~pytrace_sem.errors.PytraceSemError` unless inputs were found."""
        if self.status == STATUS_OK:
            return self
        if self.status == STATUS_SOURCE_ERROR:
            raise SourceError(self.message or "the source cannot be run")
        if self.status == STATUS_NO_FUNCTION:
            raise CallError(self.message or f"no function named {self.function!r}")
        raise InputGenerationError(
            f"no input kept for {self.function!r} ({self.status}): {self.message or self._reasons()}"
        )

    def _reasons(self) -> str:
        if not self.rejected:
            return "no candidate was generated"
        parts = ", ".join(f"{reason} {count}" for reason, count in self.rejected)
        return f"every candidate was rejected ({parts}); give an example call that works"


# ---------------------------------------------------------------------------
# Arguments as text


def format_arguments(args: Sequence[Any]) -> str:
    """The CRUXEval-style argument string of a call.

    >>> format_arguments(([1, 2], "a"))
    "[1, 2], 'a'"
    """
    return ", ".join(repr(a) for a in args)


def parse_arguments(text: str, namespace: Mapping[str, Any] | None = None) -> tuple[Any, ...]:
    """Parse an argument string such as ``"[1, 2], 'a'"`` into a tuple of values.

    Literals are read with :func:`ast.literal_eval`. Other expressions (CRUXEval
    has ``''.join(['A'] * 20)``) are evaluated in ``namespace`` when one is
    given: only do that where running the code is acceptable.
    Keyword arguments are refused.

    >>> parse_arguments("[1, 2], 'a'")
    ([1, 2], 'a')
    """
    try:
        call = ast.parse(f"_f({text}\n)", mode="eval").body
    except SyntaxError as exc:
        raise CallError(f"cannot parse arguments {text!r}: {exc.msg}") from None
    assert isinstance(call, ast.Call)
    if call.keywords or any(isinstance(a, ast.Starred) for a in call.args):
        raise CallError(f"arguments {text!r}: give plain positional arguments (no name=, no *)")
    values: list[Any] = []
    for node in call.args:
        try:
            values.append(ast.literal_eval(node))
            continue
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            pass
        if namespace is None:
            raise CallError(f"argument {ast.unparse(node)!r} of {text!r} is not a literal")
        try:
            expr = compile(ast.Expression(node), "<example>", "eval")
            values.append(eval(expr, dict(namespace)))  # noqa: S307 - documented above
        except Exception as exc:
            raise CallError(
                f"argument {ast.unparse(node)!r} of {text!r} fails: {type(exc).__name__}: {exc}"
            ) from None
    return tuple(values)


def _literal_round_trip(text: str, value: Any) -> bool:
    try:
        back = ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    try:
        return bool(back == value) and type(back) is type(value)
    except Exception:
        return False


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


def _source_literals(source: str) -> _Literals:
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


def _weighted(choices: Sequence[tuple[int, Any]]) -> Any:
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


class _Builder:
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
        return _weighted([(9, main), (1, self.widen(set(groups)))])

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
            try:
                hashable = [hash(x) for x in items]
            except TypeError:
                return st.sampled_from(values)
            del hashable
            return st.sets(element.filter(_hashable), max_size=size).map(kind)
        as_list = st.lists(element, max_size=size)
        targets = self.lit.sizes()
        if targets:
            near = st.sampled_from(targets).flatmap(
                lambda n: st.lists(element, min_size=n - 1, max_size=n + 1)
            )
            as_list = _weighted([(3, as_list), (1, near)])
        if kind is list:
            return as_list
        lengths = {len(v) for v in values}
        if len(lengths) == 1 and 0 < next(iter(lengths)) <= 6:
            # Fixed-shape tuples (pairs, triples) are usually records: keep the shape.
            n = next(iter(lengths))
            shaped = st.tuples(*[self.for_values([v[i] for v in values], depth + 1) for i in range(n)])
            return _weighted([(3, shaped), (1, as_list.map(tuple))])
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

    def mutants(self, pool: Sequence[tuple[Any, ...]], ingredients: _Ingredients) -> Any:
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


class _Ingredients:
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


def _mutate_value(draw: Callable[[Any], Any], value: Any, ingredients: _Ingredients, depth: int) -> Any:
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


def _mutate_text(draw: Callable[[Any], Any], text: str, ingredients: _Ingredients) -> str:
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


def _similar(draw: Callable[[Any], Any], items: Sequence[Any], ingredients: _Ingredients, depth: int) -> Any:
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


def _mutate_list(draw: Callable[[Any], Any], items: list[Any], ingredients: _Ingredients, depth: int) -> list[Any]:
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


def _mutate_dict(draw: Callable[[Any], Any], mapping: dict[Any, Any], ingredients: _Ingredients, depth: int) -> dict[Any, Any]:
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


# ---------------------------------------------------------------------------
# Calling the function under test


class _CallTimeout(BaseException):
    """Raised into the function under test when its time is up.

    A BaseException so that ``except Exception`` in that function does not swallow it.
    """


class _Discard(io.TextIOBase):
    """A stdout/stderr that drops everything: generated calls may print a lot."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return len(text)


@contextlib.contextmanager
def _time_limit(seconds: float) -> Any:
    """Interrupt the block after ``seconds`` with :class:`_CallTimeout`.

    Uses ``ITIMER_REAL`` where it can (Unix, main thread); elsewhere the block
    runs without a limit and the caller's sandbox is the backstop. A timer the
    caller had already armed is restored with its remaining time.
    """
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise _CallTimeout()

    previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    if previous_delay and previous_delay < seconds:
        signal.setitimer(signal.ITIMER_REAL, previous_delay)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay:
            left = previous_delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3), previous_interval)


@dataclass(frozen=True, slots=True)
class _Outcome:
    kind: str  # "ok", "raised" or "timeout"
    text: str = ""  # repr of the result, or the exception
    value: Any = None


def _call(fn: Callable[..., Any], args: tuple[Any, ...], seconds: float) -> _Outcome:
    """Call ``fn`` on a deep copy of ``args``; repr the result within the same time limit."""
    sink = _Discard()
    try:
        with _time_limit(seconds), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            saved_stdin = sys.stdin
            sys.stdin = io.StringIO("")  # input() gets EOF instead of waiting forever
            try:
                value = fn(*copy.deepcopy(args))
                text = repr(value)
            finally:
                sys.stdin = saved_stdin
    except _CallTimeout:
        return _Outcome("timeout")
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - the function may raise anything, SystemExit included
        return _Outcome("raised", type(exc).__name__)
    return _Outcome("ok", text, value)


# ---------------------------------------------------------------------------
# The generation loop


@dataclass
class _Candidate:
    args: tuple[Any, ...]
    text: str
    output: str
    arcs: frozenset[Arc]


@dataclass
class _Run:
    """Mutable state of one generation run."""

    fn: Callable[..., Any]
    meter: ArcMeter
    options: InputOptions
    deadline: float
    seen: set[str] = field(default_factory=set)
    valid: list[_Candidate] = field(default_factory=list)
    covering: list[tuple[Any, ...]] = field(default_factory=list)
    covered: set[Arc] = field(default_factory=set)
    rejected: dict[str, int] = field(default_factory=dict)
    candidates: int = 0
    stop: bool = False
    slowest_ok: float = 0.0
    hints: list[Any] = field(default_factory=list)

    def call_limit(self) -> float:
        """The time limit of the next call.

        Infinite loops are common among generated inputs and each one costs a
        full time limit; after two of them the limit drops to twenty times the
        slowest valid call seen (but not under 50 ms).
        """
        limit = self.options.call_timeout
        if self.rejected.get(R_TIMEOUT, 0) >= 2 and self.slowest_ok:
            limit = min(limit, max(0.05, 20 * self.slowest_ok))
        return limit

    def reject(self, reason: str) -> None:
        self.rejected[reason] = self.rejected.get(reason, 0) + 1

    def try_input(self, args: tuple[Any, ...]) -> bool:
        """Run one candidate through the validity checks; True when it adds arcs."""
        if self.stop:
            return False
        if self.candidates >= self.options.max_candidates or time.monotonic() > self.deadline:
            self.stop = True
            return False
        self.candidates += 1
        try:
            text = format_arguments(args)
        except Exception:
            self.reject(R_INPUT_NOT_LITERAL)
            return False
        if text in self.seen:
            self.reject(R_DUPLICATE)
            return False
        self.seen.add(text)
        if len(text) > self.options.max_repr_chars:
            self.reject(R_TOO_LARGE)
            return False
        if not _literal_round_trip(f"({text},)" if args else "()", tuple(args)):
            self.reject(R_INPUT_NOT_LITERAL)
            return False
        if self.hints and not all(_conforms(a, h) for a, h in zip(args, self.hints)):
            self.reject(R_ANNOTATION)
            return False
        limit = self.call_limit()
        began = time.perf_counter()
        first, arcs = self.meter.measure(lambda: _call(self.fn, args, limit))
        took = time.perf_counter() - began
        if first.kind != "ok":
            self.reject(R_RAISED if first.kind == "raised" else R_TIMEOUT)
            return False
        if len(first.text) > self.options.max_repr_chars:
            self.reject(R_TOO_LARGE)
            return False
        if not _literal_round_trip(first.text, first.value):
            self.reject(R_OUTPUT_NOT_LITERAL)
            return False
        second = _call(self.fn, args, limit)
        if second.kind != "ok" or second.text != first.text:
            self.reject(R_NONDETERMINISTIC)
            return False
        self.slowest_ok = max(self.slowest_ok, took)
        self.valid.append(_Candidate(tuple(args), text, first.text, arcs))
        if arcs - self.covered:
            self.covered |= arcs
            self.covering.append(tuple(args))
            return True
        return False


def _run_batch(strategy: Any, explicit: Sequence[tuple[Any, ...]], count: int, seed: int, body: Callable[[tuple[Any, ...]], Any]) -> None:
    from hypothesis import HealthCheck, Phase, example, given, settings
    from hypothesis import seed as fixed_seed

    def test(args: tuple[Any, ...]) -> None:
        body(args)

    runner = given(strategy)(test)
    for args in reversed(explicit):
        runner = example(args)(runner)
    runner = fixed_seed(seed)(runner)
    runner = settings(
        database=None,
        deadline=None,
        max_examples=max(count, 1),
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        report_multiple_bugs=False,
    )(runner)
    runner()


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


def _positional_hints(fn: Callable[..., Any]) -> list[Any]:
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


def _conforms(value: Any, annotation: Any, depth: int = 0) -> bool:
    """Whether ``value`` fits ``annotation``; anything this cannot judge fits."""
    if annotation is None or annotation is typing.Any or depth > _MAX_DEPTH:
        return True
    if annotation is type(None):
        return value is None
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Union or _is_union_type(annotation):
        return any(_conforms(value, a, depth + 1) for a in args)
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
            _conforms(k, args[0], depth + 1) and _conforms(v, args[1], depth + 1) for k, v in value.items()
        )
    if isinstance(value, tuple) and base is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_conforms(x, args[0], depth + 1) for x in value)
        return len(args) == len(value) and all(_conforms(x, a, depth + 1) for x, a in zip(value, args))
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(_conforms(x, args[0], depth + 1) for x in value)
    return True


def _argument_strategy(fn: Callable[..., Any], examples: Sequence[tuple[Any, ...]], builder: _Builder) -> Any:
    st = _st()
    hints = _positional_hints(fn)
    arity = len(examples[0]) if examples else _parameter_count(fn)
    per_position = []
    for i in range(arity):
        hint = hints[i] if i < len(hints) else None
        typed = builder.for_annotation(hint) if hint is not None else None
        values = [ex[i] for ex in examples if len(ex) == arity]
        if values:
            from_examples = builder.for_values(values)
            per_position.append(from_examples if typed is None else _weighted([(3, from_examples), (1, typed)]))
        else:
            per_position.append(typed if typed is not None else builder.plain())
    return st.tuples(*per_position)


def _finish(run: _Run, function: str, started: float, batches: int, message: str) -> InputSet:
    options = run.options
    rejected = tuple(sorted(run.rejected.items()))
    if not run.valid:
        empty = InputSet(
            function=function,
            status=STATUS_NO_VALID_INPUT,
            rejected=rejected,
            candidates=run.candidates,
            batches=batches,
            seconds=time.monotonic() - started,
        )
        return replace(empty, message="; ".join(filter(None, [empty._reasons(), message])))
    arc_sets = [c.arcs for c in run.valid]
    core = greedy_cover(arc_sets, limit=options.max_inputs)
    chosen = [index for index, _ in core]
    kept_outputs = {run.valid[i].output for i in chosen}
    kept_paths = {run.valid[i].arcs for i in chosen}
    room = min(options.extra_inputs, options.max_inputs - len(chosen))
    extras: list[int] = []
    # Diversity first by path, then by output, then anything valid; the
    # shortest such inputs, which read best as examples.
    by_size = sorted(range(len(run.valid)), key=lambda i: (len(run.valid[i].text) + len(run.valid[i].output), i))
    for wants_new in ("path", "output", "any"):
        for index in by_size:
            cand = run.valid[index]
            if len(extras) >= room:
                break
            if index in chosen or index in extras:
                continue
            if wants_new == "path" and cand.arcs in kept_paths:
                continue
            if wants_new == "output" and cand.output in kept_outputs:
                continue
            extras.append(index)
            kept_paths.add(cand.arcs)
            kept_outputs.add(cand.output)
    gains = dict(core)
    kept = [
        GeneratedInput(run.valid[i].text, run.valid[i].output, tuple(sorted(gains.get(i, ()))))
        for i in chosen + extras
    ]
    union: set[Arc] = set()
    for i in chosen + extras:
        union |= run.valid[i].arcs
    reached = run.meter.report(union, run.meter.scope(function, union))
    return InputSet(
        function=function,
        status=STATUS_OK,
        inputs=tuple(kept),
        branches_covered=reached.branches_covered,
        branches_total=reached.branches_total,
        lines_covered=reached.lines_covered,
        lines_total=reached.lines_total,
        rejected=rejected,
        candidates=run.candidates,
        batches=batches,
        seconds=time.monotonic() - started,
        message=message,
    )


def _resolve(namespace: Mapping[str, Any], function: str) -> Callable[..., Any] | None:
    target: Any = namespace.get(function.split(".")[0])
    for part in function.split(".")[1:]:
        target = getattr(target, part, None)
    return target if callable(target) else None


def generate_for_function(
    source: str,
    function: str = "f",
    examples: Sequence[str] = (),
    options: InputOptions | Mapping[str, Any] | None = None,
) -> InputSet:
    """Generate inputs for ``function`` defined in ``source``; the unit of work of a sandbox worker.

    Never raises for what the source does: a source that fails to run, a
    missing function or a function no input survives comes back as an
    :class:`InputSet` with that ``status``. Examples that cannot be parsed or
    evaluated are skipped and named in ``message``.

    >>> generate_for_function("def f(x):\\n    return -x if x < 0 else x\\n", "f", ["3"]).coverage
    1.0
    """
    if options is None:
        options = InputOptions()
    elif not isinstance(options, InputOptions):
        options = InputOptions.from_json(options)
    started = time.monotonic()
    notes: list[str] = []
    try:
        meter = ArcMeter(source)
    except (SyntaxError, ValueError) as exc:
        return InputSet(function, STATUS_SOURCE_ERROR, message=f"source does not compile: {exc}")
    with meter:
        loaded: list[BaseException] = []

        def guarded(body: Callable[[], None]) -> None:
            try:
                with _time_limit(max(options.call_timeout * 4, 1.0)), contextlib.redirect_stdout(_Discard()):
                    body()
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # noqa: BLE001 - module code may raise anything
                loaded.append(exc)

        namespace = meter.load(guarded)
        if loaded:
            exc = loaded[0]
            what = "takes too long" if isinstance(exc, _CallTimeout) else f"raises {type(exc).__name__}: {exc}"
            return InputSet(function, STATUS_SOURCE_ERROR, message=f"running the source {what}")
        fn = _resolve(namespace, function)
        if fn is None:
            return InputSet(function, STATUS_NO_FUNCTION, message=f"the source defines no function {function!r}")
        seeds: list[tuple[Any, ...]] = []
        for text in examples:
            try:
                with _time_limit(options.call_timeout):
                    seeds.append(parse_arguments(text, namespace))
            except (CallError, _CallTimeout) as exc:
                notes.append(f"example {text!r} skipped: {exc or 'too slow'}")
        arity = {len(s) for s in seeds}
        if len(arity) > 1:
            keep = len(seeds[0])
            notes.append("examples with a different number of arguments than the first were skipped")
            seeds = [s for s in seeds if len(s) == keep]

        literals = _source_literals(source)
        builder = _Builder(literals)
        ingredients = _Ingredients(literals)
        for s in seeds:
            for v in s:
                ingredients.add(v)
        fresh = _argument_strategy(fn, seeds, builder)
        run = _Run(fn=fn, meter=meter, options=options, deadline=started + options.budget_seconds)
        if options.respect_annotations:
            run.hints = _positional_hints(fn)
        idle = 0
        batches = 0
        while not run.stop:
            pool = seeds + run.covering
            if pool and batches > 0:
                # Fresh draws and mutations of inputs that reached new code, half and half.
                strategy = _weighted([(1, fresh), (1, builder.mutants(pool, ingredients))])
            else:
                strategy = fresh
            before = len(run.covering)
            tried = run.candidates
            count = min(options.batch_size, options.max_candidates - run.candidates)
            try:
                _run_batch(strategy, seeds if batches == 0 else (), count, options.seed * 1000 + batches, run.try_input)
            except Exception as exc:  # Hypothesis gave up on a strategy (e.g. Unsatisfiable)
                notes.append(f"batch {batches} stopped: {type(exc).__name__}: {exc}")
                run.stop = True
            batches += 1
            for args in run.covering[before:]:
                for v in args:
                    ingredients.add(v)
            idle = idle + 1 if len(run.covering) == before else 0
            if run.candidates >= options.max_candidates or run.candidates == tried:
                break  # budget spent, or Hypothesis has no new example to give
            if not options.stop_early:
                continue
            if idle >= options.patience:
                break
            if len(run.covering) > before:
                reached = meter.report(run.covered, meter.scope(function, run.covered))
                if reached.complete:
                    break
        return _finish(run, function, started, batches, "; ".join(notes))


def generate_inputs(
    source: str,
    function: str = "f",
    examples: Sequence[str] | str = (),
    max_inputs: int | None = None,
    budget_seconds: float | None = None,
    seed: int | None = None,
    *,
    options: InputOptions | None = None,
) -> InputSet:
    """Generate valid, coverage-guided inputs for ``function`` in ``source``.

    ``examples`` are CRUXEval-style argument strings (``"[1, 2], 'a'"``) that
    seed the strategies; without them the strategies come from annotations.
    Runs in this process: use :mod:`pytrace_sem.sandbox` (or the ``pytrace-sem
    inputs`` command) for code you do not trust. Raises
    :class:`~pytrace_sem.errors.SourceError` when the source cannot run and
    :class:`~pytrace_sem.errors.CallError` when ``function`` is missing; a
    function no input survives gives status ``no_valid_input``.

    >>> found = generate_inputs("def f(xs):\\n    return [x for x in xs if x > 2]\\n", examples=["[1, 5]"])
    >>> found.status, found.coverage
    ('ok', 1.0)
    """
    if isinstance(examples, str):
        examples = [examples]
    given = {"max_inputs": max_inputs, "budget_seconds": budget_seconds, "seed": seed}
    options = replace(options or InputOptions(), **{k: v for k, v in given.items() if v is not None})
    found = generate_for_function(source, function, list(examples), options)
    if found.status in (STATUS_SOURCE_ERROR, STATUS_NO_FUNCTION):
        found.raise_for_status()
    return found


# ---------------------------------------------------------------------------
# Many functions, in sandbox workers


@dataclass(frozen=True, slots=True)
class InputJob:
    """One function to generate inputs for, as read from a batch file."""

    id: Any
    source: str
    function: str = "f"
    examples: tuple[str, ...] = ()


def _job_in_worker(source: str, function: str, examples: tuple[str, ...], options: dict[str, Any]) -> dict[str, Any]:
    # Plain JSON data crosses the process boundary, nothing that needs our classes.
    return generate_for_function(source, function, examples, InputOptions.from_json(options)).to_json()


def _warm_up() -> None:
    """Let Hypothesis do its once-per-process setup in a fresh worker.

    On its first run in a process Hypothesis registers its PRNG and checks the
    registration with ``gc.get_referrers``, which the sandbox refuses; the task
    that triggers it is reported as blocked. This throwaway task absorbs that.
    """
    from hypothesis import given, settings, strategies

    settings(database=None, max_examples=1)(given(strategies.none())(lambda x: None))()


def _blocked_by_warm_up(error: str | None) -> bool:
    return bool(error) and "gc.get_referrers" in str(error)


def generate_batch(
    jobs: Iterable[InputJob],
    *,
    workers: int = 1,
    options: InputOptions | None = None,
    sandbox: bool = True,
) -> Iterator[tuple[InputJob, InputSet]]:
    """Generate inputs for many functions; yields ``(job, result)`` as each finishes.

    With ``sandbox=True`` every function runs in a :class:`~pytrace_sem.sandbox.Sandbox`
    worker (``workers`` of them), so code that hangs, crashes or misbehaves
    costs only its own result (status ``timeout``, ``crashed``, ``blocked``, ...).
    ``jobs`` is consumed lazily. With ``sandbox=False`` the jobs run one after
    another in this process: only for trusted code.

    >>> jobs = [InputJob("a", "def f(x):\\n    return x + 1\\n", examples=("1",))]
    >>> [(job.id, found.status) for job, found in generate_batch(jobs)]   # doctest: +SKIP
    [('a', 'ok')]
    """
    options = options or InputOptions()
    if workers < 1:
        raise LimitError(f"workers must be at least 1, not {workers}")
    if not sandbox:
        for job in jobs:
            yield job, generate_for_function(job.source, job.function, job.examples, options)
        return
    from pytrace_sem.sandbox import Sandbox

    # Generation stops itself at budget_seconds; the sandbox limit is the backstop
    # for a call that ignores the in-process timer (e.g. a long C-level operation).
    timeout = options.budget_seconds + 4 * options.call_timeout + 15.0
    opts = options.to_json()
    pending: dict[int, InputJob] = {}

    def feed(source: Iterable[InputJob]) -> Iterator[tuple[Any, ...]]:
        # imap labels results with their position in this feed.
        for position, job in enumerate(source):
            pending[position] = job
            yield (job.source, job.function, tuple(job.examples), opts)

    retry: list[InputJob] = []
    with Sandbox(workers=workers, timeout=timeout) as box:
        list(box.imap(_warm_up, [()] * workers))
        for first_round, round_jobs in ((True, jobs), (False, retry)):
            pending.clear()
            for result in box.imap(_job_in_worker, feed(round_jobs)):
                job = pending.pop(result.id)
                if first_round and result.status == "blocked" and _blocked_by_warm_up(result.error):
                    retry.append(job)  # a replacement worker's first task: run it again
                    continue
                yield job, _from_task(job, result)


def _from_task(job: InputJob, result: Any) -> InputSet:
    if result.status == "ok" and isinstance(result.value, dict):
        try:
            return InputSet.from_json(result.value)
        except (InputGenerationError, KeyError, TypeError) as exc:
            return InputSet(job.function, "crashed", message=f"unreadable result: {exc}")
    message = result.error or f"the worker reported {result.status}"
    return InputSet(job.function, result.status, message=message)
