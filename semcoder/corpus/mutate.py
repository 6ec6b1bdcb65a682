"""Inject one bug into a function with libcst mutation operators (the PyX-R debugging data).

Operators, each a single small change inside the entry function:

* ``comparison_flip``: a comparison becomes its negation (``<`` to ``>=``, ``==`` to ``!=``, ``in`` to ``not in``);
* ``off_by_one``: an integer literal moves by one, or a bound loosens / tightens (``<`` to ``<=``);
* ``arithmetic_swap``: an arithmetic operator is swapped (``+`` and ``-``, ``*`` to ``+``, ``//`` and ``%`` ...);
* ``wrong_variable``: a read of a local variable reads another local that is already bound;
* ``remove_statement``: a simple statement other than ``return`` is removed (``pass`` stands in
  for a block's only statement).

    for mutant in mutants("def f(xs):\\n    return [x for x in xs if x > 0]\\n", "f"):
        print(mutant.operator, mutant.line, mutant.change)

Every mutant parses and differs from the original; whether it is *wrong* (fails on
some input) is for the caller to find out by running it.
"""

from __future__ import annotations

from dataclasses import dataclass
import random
from typing import Any, Mapping, Sequence

import libcst as cst
from libcst.metadata import ExpressionContext, ExpressionContextProvider, MetadataWrapper, PositionProvider

__all__ = ["OPERATORS", "Mutant", "mutants"]

#: The mutation operators, in the order :func:`mutants` lists their mutants.
OPERATORS: tuple[str, ...] = ("comparison_flip", "off_by_one", "arithmetic_swap", "wrong_variable", "remove_statement")

_FLIP: dict[type, type] = {
    cst.LessThan: cst.GreaterThanEqual,
    cst.GreaterThan: cst.LessThanEqual,
    cst.LessThanEqual: cst.GreaterThan,
    cst.GreaterThanEqual: cst.LessThan,
    cst.Equal: cst.NotEqual,
    cst.NotEqual: cst.Equal,
    cst.In: cst.NotIn,
    cst.NotIn: cst.In,
    cst.Is: cst.IsNot,
    cst.IsNot: cst.Is,
}
_BOUND: dict[type, type] = {
    cst.LessThan: cst.LessThanEqual,
    cst.LessThanEqual: cst.LessThan,
    cst.GreaterThan: cst.GreaterThanEqual,
    cst.GreaterThanEqual: cst.GreaterThan,
}
_ARITH: dict[type, type] = {
    cst.Add: cst.Subtract,
    cst.Subtract: cst.Add,
    cst.Multiply: cst.Add,
    cst.FloorDivide: cst.Modulo,
    cst.Modulo: cst.FloorDivide,
    cst.Divide: cst.Multiply,
    cst.Power: cst.Multiply,
    cst.AddAssign: cst.SubtractAssign,
    cst.SubtractAssign: cst.AddAssign,
    cst.MultiplyAssign: cst.AddAssign,
    cst.FloorDivideAssign: cst.ModuloAssign,
    cst.ModuloAssign: cst.FloorDivideAssign,
}


@dataclass(frozen=True, slots=True)
class Mutant:
    """A buggy version of the code: which operator, at which line, what changed (``a < b`` -> ``a >= b``)."""

    operator: str
    code: str
    line: int
    change: str

    def to_json(self) -> dict[str, Any]:
        return {"operator": self.operator, "code": self.code, "line": self.line, "change": self.change}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Mutant:
        return cls(data["operator"], data["code"], data["line"], data["change"])


@dataclass(frozen=True, slots=True)
class _Site:
    operator: str
    node: cst.CSTNode
    replacement: cst.CSTNode | None  # None: remove the statement
    line: int


class _Collector(cst.CSTVisitor):
    """Finds every mutation site inside one function, in source order."""

    def __init__(self, positions: Any, contexts: Any, operators: Sequence[str],
                 name_types: Mapping[str, str] | None) -> None:
        super().__init__()
        self.name_types = name_types
        self.positions = positions
        self.contexts = contexts
        self.operators = set(operators)
        self.sites: list[_Site] = []
        self.bound: dict[str, int] = {}  # local name -> line where it is first bound
        self.nested = 0  # inside a comprehension, lambda or inner def: names there are not ours
        self.first_statement: cst.CSTNode | None = None

    def _line(self, node: cst.CSTNode) -> int:
        return self.positions[node].start.line

    def _same_type(self, a: str, b: str) -> bool:
        if self.name_types is None:
            return True
        kind = self.name_types.get(a)
        return kind is not None and kind == self.name_types.get(b)

    def _add(self, operator: str, node: cst.CSTNode, replacement: cst.CSTNode | None) -> None:
        if operator in self.operators:
            self.sites.append(_Site(operator, node, replacement, self._line(node)))

    # scopes that are not the function's own
    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.nested += 1

    def leave_Lambda(self, node: cst.Lambda) -> None:
        self.nested -= 1

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self.nested += 1

    def leave_ListComp(self, node: cst.ListComp) -> None:
        self.nested -= 1

    visit_SetComp = visit_GeneratorExp = visit_DictComp = visit_ListComp  # type: ignore[assignment]
    leave_SetComp = leave_GeneratorExp = leave_DictComp = leave_ListComp  # type: ignore[assignment]

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False  # inner functions are left alone

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Comparison(self, node: cst.Comparison) -> None:
        for i, target in enumerate(node.comparisons):
            kind = type(target.operator)
            for operator, table in (("comparison_flip", _FLIP), ("off_by_one", _BOUND)):
                if kind in table:
                    changed = list(node.comparisons)
                    changed[i] = target.with_changes(operator=table[kind]())
                    self._add(operator, node, node.with_changes(comparisons=changed))

    def visit_Integer(self, node: cst.Integer) -> None:
        try:
            value = int(node.value, 0)
        except ValueError:
            return
        if value >= 1:
            self._add("off_by_one", node, cst.Integer(str(value - 1)))
        self._add("off_by_one", node, cst.Integer(str(value + 1)))

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        kind = type(node.operator)
        if kind in _ARITH:
            self._add("arithmetic_swap", node, node.with_changes(operator=_ARITH[kind]()))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        kind = type(node.operator)
        if kind in _ARITH:
            self._add("arithmetic_swap", node, node.with_changes(operator=_ARITH[kind]()))

    def visit_Name(self, node: cst.Name) -> None:
        context = self.contexts.get(node)
        line = self._line(node)
        if context == ExpressionContext.STORE and not self.nested:
            self.bound.setdefault(node.value, line)
        elif context == ExpressionContext.LOAD and not self.nested and node.value in self.bound:
            others = [n for n, at in sorted(self.bound.items(), key=lambda kv: (kv[1], kv[0]))
                      if n != node.value and at < line and self._same_type(n, node.value)]
            for other in others[-2:]:  # the most recently bound ones: the likeliest slips
                self._add("wrong_variable", node, node.with_changes(value=other))

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        if self.first_statement is None:
            self.first_statement = node
            if isinstance(node.body[0], cst.Expr) and isinstance(node.body[0].value, (cst.SimpleString,
                                                                                      cst.ConcatenatedString)):
                return  # the docstring
        if all(isinstance(small, (cst.Pass, cst.Return)) for small in node.body):
            return  # without its return a function returns None: a dull bug, and one hard to narrate
        self._add("remove_statement", node, None)

    def visit_If(self, node: cst.If) -> None:
        self.first_statement = self.first_statement or node

    visit_For = visit_While = visit_With = visit_Try = visit_If  # type: ignore[assignment]


class _Apply(cst.CSTTransformer):
    """Replaces (or removes) exactly one node, found by identity in the original tree."""

    def __init__(self, site: _Site) -> None:
        super().__init__()
        self.site = site

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode) -> Any:
        if original is self.site.node and self.site.replacement is not None:
            return self.site.replacement
        if self.site.replacement is None and isinstance(original, cst.IndentedBlock) \
                and any(s is self.site.node for s in original.body):
            index = next(i for i, s in enumerate(original.body) if s is self.site.node)
            body = list(updated.body)
            del body[index]
            if not body:
                body = [cst.SimpleStatementLine(body=[cst.Pass()])]
            return updated.with_changes(body=body)
        return updated


def _describe(source: str, code: str, site: _Site) -> str:
    before, after = source.splitlines(), code.splitlines()
    if site.replacement is None:
        return f"removed `{before[site.line - 1].strip()}`"
    for old, new in zip(before, after):
        if old != new:
            return f"`{old.strip()}` became `{new.strip()}`"
    return "changed"  # pragma: no cover - mutants always differ from the source


def mutants(source: str, function: str | None = None, *, operators: Sequence[str] = OPERATORS,
            sample: int | None = None, seed: int = 0, name_types: Mapping[str, str] | None = None) -> list[Mutant]:
    """Single-change mutants of ``function`` (a top-level def; None: every top-level def).

    Without ``sample``, every mutant, by operator (as in :data:`OPERATORS`) and then
    by position. With ``sample``, at most that many, picked with ``seed`` in turns
    across the operators so that one prolific operator does not crowd out the
    others. ``name_types`` (variable name -> type name, e.g. from a trace) keeps
    ``wrong_variable`` to swaps between variables of the same type. A source that
    does not parse gives no mutants.

    >>> [m.change for m in mutants("def f(a, b):\\n    return a < b\\n", "f", operators=["comparison_flip"])]
    ['`return a < b` became `return a >= b`']
    """
    unknown = [op for op in operators if op not in OPERATORS]
    if unknown:
        raise ValueError(f"unknown mutation operator(s) {', '.join(unknown)}; known: {', '.join(OPERATORS)}")
    try:
        wrapper = MetadataWrapper(cst.parse_module(source))
    except (cst.ParserSyntaxError, RecursionError):
        return []
    module = wrapper.module
    positions = wrapper.resolve(PositionProvider)
    contexts = wrapper.resolve(ExpressionContextProvider)
    sites: list[_Site] = []
    for statement in module.body:
        if isinstance(statement, cst.FunctionDef) and (function is None or statement.name.value == function):
            collector = _Collector(positions, contexts, operators, name_types)
            for param in _params(statement):
                collector.bound.setdefault(param, positions[statement].start.line)
            statement.body.visit(collector)
            sites.extend(collector.sites)
    sites.sort(key=lambda s: OPERATORS.index(s.operator))  # stable: source order within an operator
    if sample is not None:
        sites = _interleave(sites, random.Random(seed))
    out: list[Mutant] = []
    seen = {source}
    for site in sites:
        if sample is not None and len(out) >= sample:
            break
        code = module.visit(_Apply(site)).code
        if code in seen:
            continue
        try:
            compile(code, "<mutant>", "exec")
        except (SyntaxError, ValueError):
            continue
        seen.add(code)
        out.append(Mutant(site.operator, code, site.line, _describe(source, code, site)))
    return out


def _interleave(sites: list[_Site], rng: random.Random) -> list[_Site]:
    groups: dict[str, list[_Site]] = {}
    for site in sites:
        groups.setdefault(site.operator, []).append(site)
    for group in groups.values():
        rng.shuffle(group)
    order = sorted(groups)
    rng.shuffle(order)
    out: list[_Site] = []
    for turn in range(max((len(g) for g in groups.values()), default=0)):
        out.extend(groups[op][turn] for op in order if turn < len(groups[op]))
    return out


def _params(fn: cst.FunctionDef) -> list[str]:
    p = fn.params
    names = [param.name.value for param in (*p.posonly_params, *p.params, *p.kwonly_params)]
    for star in (p.star_arg, p.star_kwarg):
        if isinstance(star, cst.Param):
            names.append(star.name.value)
    return names
