"""A deliberately simple reference tracer for the faithfulness tests.

It uses sys.settrace and, at every ``line`` and ``return`` event of the traced
function's own frame (not of recursive calls), records ``repr`` of every local.
It is slow and obviously right, which is the point.
"""

from __future__ import annotations

import hashlib
import ast
import re
import sys
from typing import Any, Callable

_AT_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_BARE_ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")


def norm(text: str) -> str:
    """Drop memory addresses the way the project promises to (no 0x7f... anywhere)."""
    return _BARE_ADDRESS.sub("0x?", _AT_ADDRESS.sub("", text))


LONG = 20_000


class Long(str):
    """A very long repr, kept as its first LONG characters plus a digest of all of it."""

    def __new__(cls, text: str) -> "Long":
        self = super().__new__(cls, text[:LONG])
        self.digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        return self

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Long):
            return self.digest == other.digest
        return False

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = str.__hash__


def function_scope_names(source: str, name: str) -> tuple[set[str], set[str]]:
    """(names bound in function ``name``'s own scope, names its comprehensions bind).

    Since Python 3.12 (PEP 709) comprehension variables show up in the
    function frame's locals while the comprehension runs, although they belong
    to the comprehension's own scope; the reference leaves them out.
    """
    tree = ast.parse(source)
    func = next((n for n in ast.walk(tree)
                 if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name), None)
    if func is None:
        return set(), set()
    own = {a.arg for a in ast.walk(func.args) if isinstance(a, ast.arg)}
    comp: set[str] = set()

    def visit(node: ast.AST, in_comp: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                if not isinstance(child, ast.Lambda):
                    own.add(child.name)
                continue
            if isinstance(child, ast.comprehension):
                comp.update(n.id for n in ast.walk(child.target) if isinstance(n, ast.Name))
                visit(child, True)
                continue
            if isinstance(child, ast.Name) and isinstance(child.ctx, (ast.Store, ast.Del)) and not in_comp:
                own.add(child.id)
            elif isinstance(child, ast.NamedExpr):
                own.add(child.target.id)  # a walrus binds in the function even inside a comprehension
            elif isinstance(child, ast.ExceptHandler) and child.name:
                own.add(child.name)
            elif isinstance(child, (ast.Import, ast.ImportFrom)):
                own.update((a.asname or a.name).split(".")[0] for a in child.names)
            visit(child, in_comp)

    for stmt in func.body:
        visit(ast.Module(body=[stmt], type_ignores=[]), False)
    return own, comp


_SEED_FREE = (int, float, complex, bool, type(None))


def canonical_repr(value: Any) -> str:
    """Python's ``repr``, except that sets whose order depends on the hash seed list
    their items sorted by (type name, repr), as pytrace_sem's values do."""
    t = type(value)
    if t is list:
        return "[" + ", ".join(map(canonical_repr, value)) + "]"
    if t is tuple:
        inner = ", ".join(map(canonical_repr, value))
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if t is dict:
        return "{" + ", ".join(f"{canonical_repr(k)}: {canonical_repr(v)}" for k, v in value.items()) + "}"
    if t is set or t is frozenset:
        if not value:
            return "set()" if t is set else "frozenset()"
        items = [(type(e).__name__, canonical_repr(e)) for e in value]
        if not all(_seed_free_item(e) for e in value):
            items.sort()
        inner = "{" + ", ".join(r for _, r in items) + "}"
        return inner if t is set else f"frozenset({inner})"
    return repr(value)


def _seed_free_item(e: Any) -> bool:
    if type(e) in _SEED_FREE:
        return True
    if type(e) is tuple or type(e) is frozenset:
        return all(_seed_free_item(x) for x in e)
    return False


def reference_sequences(func: Callable, args: tuple, kwargs: dict) -> tuple[dict[str, list[str]], Any, BaseException | None]:
    """Per local name, the values it takes (reprs, consecutive duplicates collapsed)."""
    code = func.__code__
    root: list[Any] = []
    seqs: dict[str, list[str]] = {}

    def record(frame) -> None:
        for name, value in frame.f_locals.items():
            try:
                text = norm(canonical_repr(value))
            except Exception as exc:  # noqa: BLE001
                text = f"<repr raised {type(exc).__name__}>"
            if len(text) > LONG:
                text = Long(text)
            seq = seqs.setdefault(name, [])
            if not seq or seq[-1] != text:
                seq.append(text)

    def local_tracer(frame, event, arg):
        if event in ("line", "return"):
            record(frame)
        return local_tracer

    def global_tracer(frame, event, arg):
        if event == "call" and frame.f_code is code and not root:
            root.append(frame)
            return local_tracer
        return None

    result = error = None
    old = sys.gettrace()
    sys.settrace(global_tracer)
    try:
        result = func(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001
        error = exc
    finally:
        sys.settrace(old)
    return seqs, result, error


def our_sequences(trace) -> dict[str, list[tuple[str, bool]]]:
    """The same view of a pytrace_sem trace: depth-0 (repr, truncated) per name.

    Consecutive duplicates collapse as in the reference, except that a truncated
    value reported as changed stays (its change lies beyond the part shown).
    """
    seqs: dict[str, list[tuple[str, bool]]] = {}
    for step in trace.steps:
        if step.depth != 0:
            continue
        for name, value in step.changes.items():
            seq = seqs.setdefault(name, [])
            item = (value["repr"], bool(value.get("truncated")))
            if not seq or seq[-1] != item or item[1]:
                seq.append(item)
    return seqs


def matches(ours: list[tuple[str, bool]], reference: list[str]) -> int | None:
    """Index of the first value that differs, or None when the sequences agree.

    A value we truncated agrees when its shown part (before the closing "...")
    is a prefix of the reference's repr.
    """
    if len(ours) != len(reference):
        return min(len(ours), len(reference))
    for i, ((text, cut), ref) in enumerate(zip(ours, reference)):
        if cut:
            if not _prefix_ok(text, ref):
                return i
        elif isinstance(ref, Long) or text != ref:
            return i
    return None


def _prefix_ok(text: str, ref: str) -> bool:
    head = text.split("...")[0].rstrip(", ")
    return ref.startswith(head)
