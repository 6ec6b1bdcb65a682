"""Rewrite Python source so that every statement of every function reports to the recorder.

Typical use::

    from pytrace_sem.rewrite import instrument
    mod = instrument("def f(x):\\n    y = x + 1\\n    return y\\n")
    print(mod.source)          # the instrumented text
    code = mod.compile("<f>")  # a code object whose line numbers are the ORIGINAL ones

What a function becomes (the real output carries constant tuples where ``ST`` is)::

    def f(x):
        R.e(FI, x)                      # enter: record the arguments
        try:
            y = x + 1; R.s(ST, y)       # a statement and the names it may change
            return R.r(ST, y)           # the value being returned
        except BaseException:
            R.x()                       # an exception leaves the function
            raise
        finally:
            R.l()                       # leave

``R`` is the recorder module, reachable as a builtin under a name that does not
occur in the source, so traced code gains no local or global names. Inserted
lines carry a marker comment; after code generation every line number of the
compiled code is mapped back to the original line, so tracebacks,
``f_lineno`` and ``inspect.getsource`` see the original source.

Module-level code and class bodies run unchanged (they are not traced); lambdas
run unchanged and are listed as untraced.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import re
import threading
from dataclasses import dataclass, field
from typing import Callable, Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from pytrace_sem import _runtime as _rt
from pytrace_sem.errors import SourceError

__all__ = ["InstrumentedModule", "instrument", "REWRITER_VERSION"]

REWRITER_VERSION = "7"

_ALIAS_BASE = "_pytrace_sem_rt"
_MARK_BASE = "pts-inserted"

# Function flags in the FI tuple.
F_GEN = 1


@dataclass(frozen=True)
class InstrumentedModule:
    """The result of rewriting one module's source."""

    original: str
    source: str
    alias: str
    line_map: tuple[int, ...]            # instrumented line (1-based index) -> original line
    functions: tuple[tuple[str, int], ...]  # (qualname, def line) of every traced function
    untraced: tuple[tuple[int, str], ...]   # (line, construct) that run unchanged
    _code_cache: dict = field(default_factory=dict, compare=False, repr=False)

    def compile(self, filename: str, transform: Callable[[ast.Module], object] | None = None) -> "object":
        """Compile to a code object whose line numbers are those of the original source.

        ``transform`` may change the tree first (pytest's assertion rewriting, for a
        module pytest had rewritten); such code is not cached.
        """
        code = self._code_cache.get(filename) if transform is None else None
        if code is None:
            tree = ast.parse(self.source, filename)
            _remap_lines(tree, self.line_map)
            if transform is not None:
                transform(tree)
            code = compile(tree, filename, "exec", dont_inherit=True)
            if transform is None:
                self._code_cache[filename] = code
        install_alias(self.alias)
        return code


def install_alias(alias: str) -> None:
    """Make the recorder reachable from instrumented code as the builtin ``alias``."""
    if getattr(builtins, alias, None) is not _rt:
        setattr(builtins, alias, _rt)


def _remap_lines(tree: ast.AST, line_map: Sequence[int]) -> None:
    """Give every node its original line; inserted code gets none (-1, "no location").

    Code without a location takes the line of the instruction before it, so a hook
    never starts a line of its own: a line tracer (coverage.py) sees exactly the line
    events of the original code, and ``f_lineno`` never points at a line that did
    not run (an inserted hook after a nested ``def`` would otherwise sit on that
    function's last line).
    """
    n = len(line_map)
    for node in ast.walk(tree):
        lineno = getattr(node, "lineno", None)
        if lineno is None:
            continue
        mapped = line_map[lineno - 1] if 0 < lineno <= n else lineno
        if mapped < 0:
            node.lineno = node.end_lineno = -1  # type: ignore[attr-defined]
            node.col_offset = node.end_col_offset = -1  # type: ignore[attr-defined]
            continue
        node.lineno = mapped  # type: ignore[attr-defined]
        end = getattr(node, "end_lineno", None)
        if end is not None:
            end_mapped = line_map[end - 1] if 0 < end <= n else end
            if end_mapped < mapped:  # ends on inserted code: end where it starts
                node.end_lineno = mapped  # type: ignore[attr-defined]
                node.end_col_offset = max(node.end_col_offset or 0, node.col_offset)  # type: ignore[attr-defined]
            else:
                node.end_lineno = end_mapped  # type: ignore[attr-defined]


_cache: dict[str, InstrumentedModule] = {}
_cache_lock = threading.Lock()
_CACHE_MAX = 4096


def instrument(source: str) -> InstrumentedModule:
    """Rewrite ``source``; results are cached by a hash of the source."""
    key = hashlib.sha256((REWRITER_VERSION + "\0" + source).encode("utf-8", "surrogatepass")).hexdigest()
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    mod = _instrument(source)
    with _cache_lock:
        if len(_cache) >= _CACHE_MAX:
            _cache.pop(next(iter(_cache)))
        _cache[key] = mod
    return mod


def _unique(base: str, source: str) -> str:
    name = base
    i = 0
    while name in source:
        i += 1
        name = f"{base}{i}"
    return name


def _instrument(source: str) -> InstrumentedModule:
    try:
        # Python's own parser gives the error messages users know (and checks
        # what libcst accepts but the interpreter would not).
        ast.parse(source)
    except SyntaxError as exc:
        where = f"line {exc.lineno}, column {exc.offset}" if exc.lineno else "unknown position"
        raise SourceError(f"syntax error at {where}: {exc.msg}") from None
    except ValueError as exc:  # e.g. null bytes
        raise SourceError(f"source cannot be parsed: {exc}") from None
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        raise SourceError(
            f"syntax error at line {exc.raw_line}, column {exc.raw_column}: {exc.message}"
        ) from None
    alias = _unique(_ALIAS_BASE, source)
    mark = _unique(_MARK_BASE, source)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    tr = _Transformer(alias, mark)
    new_module = wrapper.visit(tr)
    new_source = new_module.code
    line_map = _line_map(new_source, mark)
    return InstrumentedModule(
        original=source,
        source=new_source,
        alias=alias,
        line_map=line_map,
        functions=tuple(tr.functions),
        untraced=tuple(sorted(set(tr.untraced))),
    )


_LINE_SPLIT = re.compile(r"\r\n|\r|\n")


def _line_map(new_source: str, mark: str) -> tuple[int, ...]:
    """Map each line of the instrumented text to a line of the original.

    Unmarked lines are original lines, in order. ``# <mark>`` marks an inserted
    line: -1, no line of its own (see :func:`_remap_lines`). ``# <mark>^`` marks an
    inserted line of a function's prologue: the line of the function's first
    statement, the first line the original reports when called. ``# <mark>:N``
    marks an original statement that moved to a line of its own (it is line N).
    """
    out: list[int | None] = []
    orig = 0
    tag = "# " + mark
    for text in _LINE_SPLIT.split(new_source):
        pos = text.rfind(tag)
        if pos >= 0 and text[pos + len(tag):].strip(":^0123456789 \t") == "":
            rest = text[pos + len(tag):].strip()
            if rest.startswith(":"):
                out.append(int(rest[1:]))
            elif rest.startswith("^"):
                out.append(None)  # the next original line, filled in below
            else:
                out.append(-1)
        else:
            orig += 1
            out.append(orig)
    following = -1
    for i in range(len(out) - 1, -1, -1):
        if out[i] is None:
            out[i] = following
        elif out[i] > 0:  # type: ignore[operator]
            following = out[i]  # type: ignore[assignment]
    return tuple(out)  # type: ignore[arg-type]


# -- helpers that build small CST pieces ---------------------------------------


def _const(value) -> str:
    return repr(value)


def _parse_expr(text: str) -> cst.BaseExpression:
    return cst.parse_expression(text)


def _arity(fn: str, args: tuple) -> str:
    """``s`` with exactly one value (constant + one name) has a lean variant, ``s1``."""
    return "s1" if fn == "s" and len(args) == 2 else fn


def _space(ws):
    """At least one space after a keyword whose operand we replace (``if(x)`` -> ``if R.b(...)``)."""
    if isinstance(ws, cst.SimpleWhitespace) and ws.value == "":
        return cst.SimpleWhitespace(" ")
    return ws


def _arg(expr: cst.BaseExpression) -> cst.Arg:
    """``expr`` as a call argument: a bare tuple (``return a, b``) needs parentheses."""
    if isinstance(expr, cst.Tuple) and not expr.lpar:
        expr = expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.Arg(value=expr)


class _Scope:
    __slots__ = ("kind", "qualname", "is_gen", "node_line", "watch", "declared")

    def __init__(self, kind: str, qualname: str, node_line: int = 0) -> None:
        self.kind = kind          # "module" | "function" | "class" | "lambda"
        self.qualname = qualname
        self.is_gen = False
        self.node_line = node_line
        self.watch: tuple[str, ...] = ()  # names nested functions rebind with ``nonlocal``
        self.declared: tuple[str, ...] = ()  # names this function declares ``global`` or ``nonlocal``


class _Collector:
    """Whether a statement may mutate state it does not bind (calls and the like)."""

    __slots__ = ("mutates",)

    def __init__(self) -> None:
        self.mutates = False


_COMPOUND_WITH_HEADER = (cst.If, cst.While, cst.For, cst.With, cst.Try, cst.Match)


def _target_names(node: cst.BaseExpression | None, out: list[str]) -> bool:
    """Collect names bound by an assignment target; True if it also stores into an object."""
    if node is None:
        return False
    if isinstance(node, cst.Name):
        if node.value not in out:
            out.append(node.value)
        return False
    if isinstance(node, (cst.Tuple, cst.List)):
        stores = False
        for el in node.elements:
            stores |= _target_names(el.value, out)
        return stores
    if isinstance(node, cst.StarredElement):
        return _target_names(node.value, out)
    # Attribute, Subscript: a store into an object.
    return True


class _PatternNames(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: list[str] = []

    def _add(self, name: cst.Name | None) -> None:
        if name is not None and name.value not in self.names:
            self.names.append(name.value)

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        self._add(node.name)

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        self._add(node.name)

    def visit_MatchMapping(self, node: cst.MatchMapping) -> None:
        self._add(node.rest)


def _pattern_names(node: cst.CSTNode, out: list[str]) -> None:
    """Names a match pattern captures."""
    finder = _PatternNames()
    node.visit(finder)
    for name in finder.names:
        if name not in out:
            out.append(name)


def _param_names(params: cst.Parameters) -> list[str]:
    names = [p.name.value for p in params.posonly_params]
    names += [p.name.value for p in params.params]
    if isinstance(params.star_arg, cst.Param):
        names.append(params.star_arg.name.value)
    names += [p.name.value for p in params.kwonly_params]
    if params.star_kwarg is not None:
        names.append(params.star_kwarg.name.value)
    return names


class _Transformer(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, alias: str, mark: str) -> None:
        super().__init__()
        self.alias = alias
        self.mark = mark
        self.scopes: list[_Scope] = [_Scope("module", "")]
        self.collectors: list[_Collector] = []
        self.comp_depth = 0
        self.comp_kinds: list[str] = []
        self.functions: list[tuple[str, int]] = []
        self.untraced: list[tuple[int, str]] = []

    # -- context -----------------------------------------------------------

    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def _in_function(self) -> bool:
        return self.scopes[-1].kind == "function"

    def _func(self) -> _Scope | None:
        for sc in reversed(self.scopes):
            if sc.kind == "function":
                return sc
            if sc.kind in ("class", "lambda"):
                return None
        return None

    def _qual_prefix(self) -> str:
        parts = []
        for sc in self.scopes[1:]:
            if sc.kind == "function":
                parts.append(sc.qualname.rsplit(".", 1)[-1])
                parts.append("<locals>")
            elif sc.kind == "class":
                parts.append(sc.qualname.rsplit(".", 1)[-1])
        return ".".join(parts)

    def _mut(self, flag) -> int | tuple[str, ...]:
        """The ``may_mutate`` item of a step constant.

        In a function whose variables nested functions rebind (``nonlocal``), a
        step that may run code carries those names instead of 1: the recorder
        then reads their values from the frame (they may be unbound, so the
        rewritten code cannot name them).
        """
        if flag:
            sc = self._func()
            if sc is not None and sc.watch:
                return sc.watch
            return 1
        return 0

    def _mark_collector(self) -> None:
        if self.collectors:
            self.collectors[-1].mutates = True

    def _call(self, fn: str, *args: str) -> cst.Call:
        prefix = "g" if self._gen_mode() else ""
        return _parse_expr(f"{self.alias}.{prefix}{fn}({', '.join(args)})")

    def _gen_mode(self) -> bool:
        sc = self._func()
        return sc is not None and sc.is_gen

    def _stmt(self, fn: str, *args: str) -> cst.SimpleStatementLine:
        return cst.SimpleStatementLine(
            body=[cst.Expr(self._call(_arity(fn, args), *args))],
            trailing_whitespace=cst.TrailingWhitespace(
                whitespace=cst.SimpleWhitespace("  "), comment=cst.Comment("# " + self.mark)
            ),
        )

    def _small(self, fn: str, *args: str) -> cst.Expr:
        return cst.Expr(self._call(_arity(fn, args), *args))

    # -- scopes --------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        qual = self._qual_prefix()
        name = node.name.value
        sc = _Scope("function", f"{qual}.{name}" if qual else name, self._line(node))
        sc.is_gen = node.asynchronous is not None or _has_yield(node.body)
        sc.watch, sc.declared = _declarations(node.body)
        self.scopes.append(sc)
        self.collectors.append(_Collector())  # decorators/defaults are evaluated outside
        return True

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        qual = self._qual_prefix()
        name = node.name.value
        self.scopes.append(_Scope("class", f"{qual}.{name}" if qual else name))
        return True

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        self.scopes.pop()
        return updated

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        if self._func() is not None:
            self.untraced.append((self._line(node), "lambda"))
        self.scopes.append(_Scope("lambda", "<lambda>"))
        return True

    def leave_Lambda(self, original: cst.Lambda, updated: cst.Lambda) -> cst.Lambda:
        self.scopes.pop()
        self._mark_collector()
        return updated

    # -- statement collectors ---------------------------------------------------

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        self.collectors.append(_Collector())
        return True

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> bool:
        return True

    def visit_If(self, node: cst.If) -> bool:
        self.collectors.append(_Collector())
        return True

    def visit_While(self, node: cst.While) -> bool:
        self.collectors.append(_Collector())
        return True

    def visit_Call(self, node: cst.Call) -> bool:
        self._mark_collector()
        return True

    def visit_Await(self, node: cst.Await) -> bool:
        self._mark_collector()
        return True

    def visit_Yield(self, node: cst.Yield) -> bool:
        self._mark_collector()
        return True

    # -- simple statements ----------------------------------------------------

    def _instrument_small(self, stmts: Sequence[cst.BaseSmallStatement], mutates: bool,
                          line: int, first_in_func: bool) -> list[cst.BaseSmallStatement]:
        out: list[cst.BaseSmallStatement] = []
        for i, st in enumerate(stmts):
            if first_in_func and i == 0 and _is_docstring(st):
                out.append(st)
                continue
            names: list[str] = []
            stores = False
            aug = False
            kind = _rt.K_LINE
            after = True
            method = None
            if isinstance(st, cst.Assign):
                for t in st.targets:
                    stores |= _target_names(t.target, names)
            elif isinstance(st, cst.AnnAssign):
                if st.value is not None:
                    stores |= _target_names(st.target, names)
            elif isinstance(st, cst.AugAssign):
                # An in-place operator mutates the target's old value (a list, say).
                # ``j -= 1`` with a local ``j`` and a literal operand can mutate
                # nothing else: the recorder checks the other tracked values only
                # when that old value was one of them (``_rt.MUT_AUG``). Any other
                # operand may run user code (``__radd__``).
                stores = _target_names(st.target, names)  # False for a plain name
                sc = self._func()
                aug = (not stores and _is_literal(st.value) and sc is not None
                       and st.target.value not in sc.declared)
                stores = not aug
            elif isinstance(st, cst.Del):
                dels: list[str] = []
                stores |= _target_names(st.target, dels)
                if dels:
                    kind = _rt.K_DEL
                    st_tuple = (kind, line, tuple(dels), self._mut(mutates or stores))
                    out.append(st)
                    out.append(self._small("s", _const(st_tuple)))
                    continue
            elif isinstance(st, cst.Import):
                for alias in st.names:
                    if alias.asname is not None:
                        _target_names(alias.asname.name, names)
                    else:
                        top = alias.name
                        while isinstance(top, cst.Attribute):
                            top = top.value
                        _target_names(top, names)
            elif isinstance(st, cst.ImportFrom):
                if not isinstance(st.names, cst.ImportStar):
                    for alias in st.names:
                        if alias.asname is not None:
                            _target_names(alias.asname.name, names)
                        else:
                            _target_names(alias.name, names)
            elif isinstance(st, (cst.Return,)):
                value = st.value if st.value is not None else cst.Name("None")
                st_tuple = (_rt.K_RETURN, line, (), self._mut(mutates))
                call = self._call("r", _const(st_tuple), "__VALUE__")
                call = call.with_changes(args=[call.args[0], _arg(value)])
                out.append(st.with_changes(value=call, whitespace_after_return=_space(st.whitespace_after_return)))
                continue
            elif isinstance(st, (cst.Break, cst.Continue, cst.Pass)):
                after = False
            elif isinstance(st, (cst.Global, cst.Nonlocal)):
                out.append(st)
                continue
            elif isinstance(st, cst.Raise):
                # The exception is recorded where it is caught or leaves the function.
                out.append(st)
                continue
            flag = self._mut(mutates or stores)
            if stores and not mutates and flag == 1:
                keyed = self._keyed_store(st)
                if keyed is not None:
                    st, flag = keyed
            elif not stores and flag == 1:
                end_call = self._end_call(st)
                if end_call is not None:
                    flag, method = end_call
            if aug and flag == 0:
                flag = self._mut(True)
                if flag == 1:
                    flag = _rt.MUT_AUG
            st_tuple = (kind, line, tuple(names), flag)
            if method:
                st_tuple += (method,)
            rec = self._small("s", _const(st_tuple), *names)
            if after:
                out.append(st)
                out.append(rec)
            else:
                out.append(rec)
                out.append(st)
        # Only the last statement may keep a trailing semicolon-less form.
        return [s.with_changes(semicolon=cst.MaybeSentinel.DEFAULT) if hasattr(s, "semicolon") else s
                for s in out]

    def _keyed_store(self, st: cst.BaseSmallStatement) -> tuple[cst.BaseSmallStatement, str] | None:
        """``a[i] = v`` -> ``a[R.k(i)] = v`` and the step flag ``'a'``, where that applies.

        It applies to item stores (one target, or a tuple of targets, ``a[i], a[j] =
        a[j], a[i]``; or an augmented one) into one local name, in a statement that
        calls nothing: the recorder then learns which keys changed (``_runtime.k``)
        and patches its copy of a long list or dict instead of comparing it all.
        """
        sc = self._func()
        if sc is None or sc.is_gen:
            return None
        if isinstance(st, cst.Assign) and len(st.targets) == 1:
            target = st.targets[0].target
        elif isinstance(st, cst.AugAssign):
            target = st.target
        else:
            return None
        parts = list(target.elements) if isinstance(target, (cst.Tuple, cst.List)) else [target]
        base = None
        keyed = 0
        new_parts = []
        names: set[str] = set()
        for part in parts:
            node = part.value if isinstance(part, cst.Element) else part
            if isinstance(node, cst.Name):
                names.add(node.value)
                new_parts.append(part)
                continue
            if not isinstance(node, cst.Subscript) or not isinstance(node.value, cst.Name):
                return None
            if base is None:
                base = node.value.value
            elif node.value.value != base:
                return None
            if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
                return None
            index = node.slice[0].slice
            if getattr(index, "star", None) is not None or not _calls_nothing(index.value):
                return None  # (a walrus there would rebind names before the store)
            call = self._call("k", "__KEY__")
            call = call.with_changes(args=[_arg(index.value)])
            node = node.with_changes(slice=[node.slice[0].with_changes(slice=index.with_changes(value=call))])
            new_parts.append(part.with_changes(value=node) if isinstance(part, cst.Element) else node)
            keyed += 1
        if base is None or keyed > 4 or base in sc.declared or base in names:
            return None  # (``a[0], a = 1, [5]`` stores into the old list, then rebinds the name)
        if isinstance(target, (cst.Tuple, cst.List)):
            new_target = target.with_changes(elements=new_parts)
        else:
            new_target = new_parts[0]
        if isinstance(st, cst.Assign):
            st = st.with_changes(targets=[st.targets[0].with_changes(target=new_target)])
        else:
            st = st.with_changes(target=new_target)
        return st, base

    def _end_call(self, st: cst.BaseSmallStatement) -> tuple[str, str] | None:
        """``('a', 'append')`` for ``a.append(x)`` (``('a', 'pop')`` for ``a.pop()``, also
        as ``y = a.pop()``) on a local name, where ``x`` calls nothing: on a list only
        its last item changes, and the recorder patches its copy of a long one."""
        sc = self._func()
        if sc is None or sc.is_gen:
            return None
        if isinstance(st, cst.Expr):
            call = st.value
        elif isinstance(st, cst.Assign) and all(isinstance(t.target, cst.Name) for t in st.targets):
            call = st.value
        else:
            return None
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
            return None
        base = call.func.value
        method = call.func.attr.value
        if not isinstance(base, cst.Name) or base.value in sc.declared:
            return None
        if method == "append" and len(call.args) == 1:
            arg = call.args[0]
            if arg.keyword is not None or arg.star or not _calls_nothing(arg.value):
                return None
        elif not (method == "pop" and not call.args):
            return None
        return base.value, method

    def leave_SimpleStatementLine(self, original: cst.SimpleStatementLine,
                                  updated: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
        col = self.collectors.pop()
        if not self._in_function():
            if self.collectors:
                self.collectors[-1].mutates |= col.mutates
            return updated
        first = self._is_first_stmt_of_func(original)
        body = self._instrument_small(updated.body, col.mutates, self._line(original), first)
        return updated.with_changes(body=body)

    def _is_first_stmt_of_func(self, node: cst.CSTNode) -> bool:
        return getattr(self, "_first_stmt", None) is node

    def leave_SimpleStatementSuite(self, original: cst.SimpleStatementSuite,
                                   updated: cst.SimpleStatementSuite) -> cst.SimpleStatementSuite:
        if not self._in_function():
            return updated
        # Same-line bodies (`if x: y = 1`): calls inside were credited to the
        # enclosing header's collector, which is conservative.
        mutates = bool(self.collectors and self.collectors[-1].mutates)
        body = self._instrument_small(updated.body, mutates, self._line(original), False)
        return updated.with_changes(body=body)

    # -- expressions ---------------------------------------------------------

    def leave_NamedExpr(self, original: cst.NamedExpr, updated: cst.NamedExpr) -> cst.BaseExpression:
        if self._func() is None or not isinstance(updated.target, cst.Name):
            return updated
        st_tuple = (_rt.K_WALRUS, self._line(original), (updated.target.value,), 0)
        inner = updated.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        call = self._call("w", _const(st_tuple), "__VALUE__")
        call = call.with_changes(args=[call.args[0], _arg(inner)],
                                 lpar=updated.lpar, rpar=updated.rpar)
        return call

    def visit_ListComp(self, node: cst.ListComp) -> bool:
        self.comp_depth += 1
        self.comp_kinds.append("list")
        return True

    def visit_SetComp(self, node: cst.SetComp) -> bool:
        self.comp_depth += 1
        self.comp_kinds.append("set")
        return True

    def visit_DictComp(self, node: cst.DictComp) -> bool:
        self.comp_depth += 1
        self.comp_kinds.append("dict")
        return True

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> bool:
        self.comp_depth += 1
        self.comp_kinds.append("gen")
        return True

    def _wrap_comp(self, original, updated):
        self.comp_depth -= 1
        self.comp_kinds.pop()
        if self.comp_depth or not self._in_function():
            return updated
        st_tuple = (_rt.K_COMP, self._line(original), (), 0)
        inner = updated.with_changes(lpar=[], rpar=[])
        call = self._call("v", _const(st_tuple), "__VALUE__")
        return call.with_changes(args=[call.args[0], _arg(inner)],
                                 lpar=updated.lpar, rpar=updated.rpar)

    def leave_CompFor(self, original: cst.CompFor, updated: cst.CompFor) -> cst.CompFor:
        # Record each iteration of a list/set/dict comprehension with a leading
        # filter that is always true: ``for x in xs if R.ci(ST, x) if cond``.
        # (Since Python 3.12 these variables live in the function's own frame.)
        if not self._comp_records():
            return updated
        names: list[str] = []
        _target_names(updated.target, names)
        if not names:
            return updated
        kind = {"list": _rt.K_LISTCOMP, "set": _rt.K_SETCOMP, "dict": _rt.K_DICTCOMP}[self.comp_kinds[-1]]
        st_tuple = (kind, self._line(original), tuple(names), 0)
        test = self._call("ci", _const(st_tuple), *names)
        guard = cst.CompIf(test=test)
        return updated.with_changes(ifs=[guard, *updated.ifs])

    def _comp_records(self) -> bool:
        return self._in_function() and self.comp_kinds and "gen" not in self.comp_kinds

    def leave_ListComp(self, original, updated):
        return self._wrap_comp(original, updated)

    def leave_SetComp(self, original, updated):
        return self._wrap_comp(original, updated)

    def leave_DictComp(self, original, updated):
        return self._wrap_comp(original, updated)

    def leave_GeneratorExp(self, original, updated):
        self.comp_depth -= 1
        self.comp_kinds.pop()
        return updated

    def leave_Yield(self, original: cst.Yield, updated: cst.Yield) -> cst.BaseExpression:
        sc = self._func()
        if sc is None or not self._in_function_or_comp():
            return updated
        line = self._line(original)
        st_y = (_rt.K_YIELD, line, (), 0)
        st_r = (_rt.K_RESUME, line, (), 1)
        val = updated.value
        if isinstance(val, cst.From):
            sent = cst.From(item=self._wrap_value("gy", st_y, val.item),
                            whitespace_after_from=val.whitespace_after_from)
        else:
            sent = self._wrap_value("gy", st_y, val if val is not None else cst.Name("None"))
        inner = updated.with_changes(value=sent, lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        if isinstance(updated.whitespace_after_yield, cst.SimpleWhitespace):
            inner = inner.with_changes(whitespace_after_yield=_space(updated.whitespace_after_yield))
        outer = _parse_expr(f"{self.alias}.gz({_const(st_r)}, __VALUE__)")
        return outer.with_changes(args=[outer.args[0], _arg(inner)],
                                  lpar=updated.lpar, rpar=updated.rpar)

    def leave_Await(self, original: cst.Await, updated: cst.Await) -> cst.BaseExpression:
        if self._func() is None or not self._in_function_or_comp():
            return updated
        line = self._line(original)
        st_y = (_rt.K_YIELD, line, (), 0)
        st_r = (_rt.K_RESUME, line, (), 1)
        inner = updated.with_changes(expression=self._wrap_value("gy", st_y, updated.expression),
                                     lpar=[cst.LeftParen()], rpar=[cst.RightParen()],
                                     whitespace_after_await=_space(updated.whitespace_after_await))
        outer = _parse_expr(f"{self.alias}.gz({_const(st_r)}, __VALUE__)")
        return outer.with_changes(args=[outer.args[0], _arg(inner)],
                                  lpar=updated.lpar, rpar=updated.rpar)

    def _in_function_or_comp(self) -> bool:
        return self.scopes[-1].kind == "function"

    def _wrap_value(self, fn: str, st_tuple, value: cst.BaseExpression) -> cst.Call:
        call = _parse_expr(f"{self.alias}.{fn}({_const(st_tuple)}, __VALUE__)")
        return call.with_changes(args=[call.args[0], _arg(value)])

    # -- compound statements ---------------------------------------------------

    def leave_If(self, original: cst.If, updated: cst.If) -> cst.If:
        col = self.collectors.pop()
        if not self._in_function():
            if self.collectors:
                self.collectors[-1].mutates |= col.mutates
            return updated
        st_tuple = (_rt.K_BRANCH, self._line(original), (), self._mut(col.mutates))
        test = self._call("b", _const(st_tuple), "__VALUE__")
        test = test.with_changes(args=[test.args[0], _arg(updated.test)])
        return updated.with_changes(test=test, whitespace_before_test=_space(updated.whitespace_before_test))

    def leave_While(self, original: cst.While, updated: cst.While) -> cst.While:
        col = self.collectors.pop()
        if not self._in_function():
            if self.collectors:
                self.collectors[-1].mutates |= col.mutates
            return updated
        st_tuple = (_rt.K_BRANCH, self._line(original), (), self._mut(col.mutates))
        test = self._call("b", _const(st_tuple), "__VALUE__")
        test = test.with_changes(args=[test.args[0], _arg(updated.test)])
        return updated.with_changes(test=test, whitespace_after_while=_space(updated.whitespace_after_while))

    def _prepend(self, body: cst.BaseSuite, fn: str, *args: str) -> cst.BaseSuite:
        if isinstance(body, cst.SimpleStatementSuite):
            return body.with_changes(body=[self._small(fn, *args), *body.body])
        assert isinstance(body, cst.IndentedBlock)
        return body.with_changes(body=[self._stmt(fn, *args), *body.body])

    def leave_For(self, original: cst.For, updated: cst.For) -> cst.For:
        if not self._in_function():
            return updated
        names: list[str] = []
        stores = _target_names(updated.target, names)
        mutates = stores or _iter_may_mutate(updated.iter)
        st_tuple = (_rt.K_ITER, self._line(original), tuple(names), self._mut(mutates))
        return updated.with_changes(body=self._prepend(updated.body, "s", _const(st_tuple), *names))

    def leave_With(self, original: cst.With, updated: cst.With) -> cst.With:
        if not self._in_function():
            return updated
        names: list[str] = []
        for item in updated.items:
            if item.asname is not None:
                _target_names(item.asname.name, names)
        st_tuple = (_rt.K_WITH, self._line(original), tuple(names), self._mut(1))
        return updated.with_changes(body=self._prepend(updated.body, "s", _const(st_tuple), *names))

    def _handler(self, original, updated):
        if not self._in_function():
            return updated
        names: list[str] = []
        if updated.name is not None:
            _target_names(updated.name.name, names)
        st_tuple = (_rt.K_EXCEPT, self._line(original), tuple(names), self._mut(1))
        return updated.with_changes(body=self._prepend(updated.body, "c", _const(st_tuple), *names))

    def leave_ExceptHandler(self, original, updated):
        return self._handler(original, updated)

    def leave_ExceptStarHandler(self, original, updated):
        return self._handler(original, updated)

    def leave_MatchCase(self, original: cst.MatchCase, updated: cst.MatchCase) -> cst.MatchCase:
        if not self._in_function():
            return updated
        names: list[str] = []
        _pattern_names(updated.pattern, names)
        st_tuple = (_rt.K_CASE, self._line(original), tuple(names), self._mut(1))
        return updated.with_changes(body=self._prepend(updated.body, "s", _const(st_tuple), *names))

    def leave_IndentedBlock(self, original: cst.IndentedBlock,
                            updated: cst.IndentedBlock) -> cst.IndentedBlock:
        if not self._in_function():
            return updated
        # A def or class statement inside a function binds a name: record it.
        body: list[cst.BaseStatement] = []
        changed = False
        for orig_stmt, stmt in zip(original.body, updated.body):
            body.append(stmt)
            if isinstance(orig_stmt, (cst.FunctionDef, cst.ClassDef)):
                name = orig_stmt.name.value
                # A class body, decorators and defaults run code that may mutate locals.
                runs = (isinstance(orig_stmt, cst.ClassDef) or bool(orig_stmt.decorators)
                        or _iter_may_mutate(orig_stmt.params))
                st_tuple = (_rt.K_DEF, self._line(orig_stmt), (name,), self._mut(runs))
                body.append(self._stmt("s", _const(st_tuple), name))
                changed = True
        return updated.with_changes(body=body) if changed else updated

    # -- functions -------------------------------------------------------------

    def visit_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        self.collectors.pop()  # decorators, parameters and annotations are done
        body = node.body
        if isinstance(body, cst.IndentedBlock) and body.body:
            first = body.body[0]
            if isinstance(first, cst.SimpleStatementLine):
                self._first_stmt = first

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        sc = self.scopes.pop()
        self._first_stmt = None
        line = self._line(original)
        self.functions.append((sc.qualname, line))
        params = _param_names(updated.params)
        flags = F_GEN if sc.is_gen else 0
        info = (sc.qualname, line, tuple(params), flags)
        g = "g" if sc.is_gen else ""
        mark = cst.Comment("# " + self.mark)
        ws = cst.SimpleWhitespace("  ")

        def marked_line(expr_text: str) -> cst.SimpleStatementLine:
            return cst.SimpleStatementLine(
                body=[cst.Expr(_parse_expr(expr_text))],
                trailing_whitespace=cst.TrailingWhitespace(whitespace=ws, comment=mark),
            )

        body = updated.body
        if isinstance(body, cst.SimpleStatementSuite):
            # `def f(x): return x`: the statements move to a line of their own,
            # marked with the line they came from.
            stmts: list[cst.BaseStatement] = [cst.SimpleStatementLine(
                body=body.body,
                trailing_whitespace=cst.TrailingWhitespace(
                    whitespace=ws, comment=cst.Comment(f"# {self.mark}:{line}")),
            )]
            header = cst.TrailingWhitespace()
            footer: Sequence[cst.EmptyLine] = ()
        else:
            stmts = list(body.body)
            header = body.header
            footer = body.footer
        doc: list[cst.BaseStatement] = []
        if stmts and isinstance(stmts[0], cst.SimpleStatementLine) and _is_docstring(stmts[0].body[0]):
            doc = [stmts[0]]
            stmts = stmts[1:]
        # The prologue reports at the first statement's line, the first line the original
        # reports when called (or at none, when the body is only a docstring).
        prologue = cst.Comment(f"# {self.mark}^") if stmts else mark
        if not stmts:
            stmts = [cst.SimpleStatementLine(body=[cst.Pass()],
                                             trailing_whitespace=cst.TrailingWhitespace(whitespace=ws, comment=mark))]
        # An explicit return (without a line of its own) where the body can fall off its
        # end: the compiler then duplicates that exit per branch that reaches it, as it
        # does the original's implicit return, so each exit reports its own last line.
        stmts.append(cst.SimpleStatementLine(body=[cst.Return()],
                                             trailing_whitespace=cst.TrailingWhitespace(whitespace=ws, comment=mark)))
        args = ", ".join([_const(info), *params])
        enter = cst.SimpleStatementLine(body=[cst.Expr(_parse_expr(f"{self.alias}.{g}e({args})"))],
                                        trailing_whitespace=cst.TrailingWhitespace(whitespace=ws, comment=prologue))
        marked_header = cst.TrailingWhitespace(whitespace=ws, comment=mark)
        try_node = cst.Try(
            body=cst.IndentedBlock(body=stmts, header=cst.TrailingWhitespace(whitespace=ws, comment=prologue)),
            handlers=[cst.ExceptHandler(
                body=cst.IndentedBlock(
                    body=[marked_line(f"{self.alias}.{g}x()"),
                          cst.SimpleStatementLine(body=[cst.Raise()],
                                                  trailing_whitespace=cst.TrailingWhitespace(
                                                      whitespace=ws, comment=mark))],
                    header=marked_header),
                type=cst.Name("BaseException"),
            )],
            finalbody=cst.Finally(body=cst.IndentedBlock(
                body=[marked_line(f"{self.alias}.{g}l()")], header=marked_header)),
        )
        new_body = cst.IndentedBlock(body=[*doc, enter, try_node], header=header, footer=footer)
        return updated.with_changes(body=new_body)


# Calls that build an iterator but run no user code while it is consumed.
_PURE_ITER_CALLS = frozenset({"range", "enumerate", "zip", "reversed", "sorted", "len", "list", "tuple",
                              "set", "frozenset", "dict", "str", "iter", "abs", "min", "max", "sum"})


class _IterScan(cst.CSTVisitor):
    def __init__(self) -> None:
        self.mutates = False

    def visit_Call(self, node: cst.Call) -> bool:
        func = node.func
        if isinstance(func, cst.Name) and func.value in _PURE_ITER_CALLS:
            return True
        if isinstance(func, cst.Attribute) and func.attr.value in ("items", "keys", "values", "split",
                                                                     "splitlines", "copy"):
            return True
        self.mutates = True
        return False

    def visit_Await(self, node: cst.Await) -> bool:
        self.mutates = True
        return False

    def visit_Yield(self, node: cst.Yield) -> bool:
        self.mutates = True
        return False


def _iter_may_mutate(expr: cst.BaseExpression) -> bool:
    """Whether each step of ``for ... in expr`` may run code that changes state.

    A generator held in a plain name is not detected; its changes show up at the
    next statement that may mutate.
    """
    scan = _IterScan()
    expr.visit(scan)
    return scan.mutates


def _is_docstring(st: cst.CSTNode) -> bool:
    return isinstance(st, cst.Expr) and isinstance(st.value, (cst.SimpleString, cst.ConcatenatedString))


class _YieldFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found = False

    def visit_Yield(self, node: cst.Yield) -> bool:
        self.found = True
        return False

    def visit_Await(self, node: cst.Await) -> bool:
        self.found = True
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


class _NonlocalFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        self.depth = 0
        self.names: list[str] = []      # declared nonlocal by nested functions
        self.declared: list[str] = []   # declared global or nonlocal by the body itself

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.depth += 1
        return True

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.depth -= 1

    def visit_Nonlocal(self, node: cst.Nonlocal) -> bool:
        out = self.names if self.depth else self.declared
        for item in node.names:
            if item.name.value not in out:
                out.append(item.name.value)
        return False

    def visit_Global(self, node: cst.Global) -> bool:
        if not self.depth:
            self.declared.extend(item.name.value for item in node.names)
        return False


def _declarations(body: cst.BaseSuite) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Names that functions nested in this body declare ``nonlocal`` (and so may
    rebind), and names the body itself declares ``global`` or ``nonlocal``."""
    finder = _NonlocalFinder()
    body.visit(finder)
    return tuple(finder.names), tuple(finder.declared)


def _is_literal(expr: cst.BaseExpression) -> bool:
    """A number or plain string literal (``-1``, ``'x'``): operating with it runs no user code."""
    if isinstance(expr, cst.UnaryOperation):
        return _is_literal(expr.expression)
    if isinstance(expr, cst.ConcatenatedString):
        return _is_literal(expr.left) and _is_literal(expr.right)
    return isinstance(expr, (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString))


class _CodeFinder(cst.CSTVisitor):
    """Finds what may run code beyond operators: calls, awaits, yields, nested scopes, walruses."""

    def __init__(self) -> None:
        self.found = False

    def _found(self, node: cst.CSTNode) -> bool:
        self.found = True
        return False

    visit_Call = visit_Await = visit_Yield = visit_Lambda = visit_NamedExpr = _found
    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _found


def _calls_nothing(expr: cst.BaseExpression) -> bool:
    finder = _CodeFinder()
    expr.visit(finder)
    return not finder.found


def _has_yield(body: cst.BaseSuite) -> bool:
    finder = _YieldFinder()
    body.visit(finder)
    return finder.found
