"""The public tracing entry points: ``trace_call``, ``trace``, ``traced`` and ``collect``.

    >>> t = trace_call("def f(xs):\\n    xs.append(len(xs))\\n    return xs\\n", "f([7])")
    >>> [(s.line, s.event, {k: v['repr'] for k, v in s.changes.items()}) for s in t.steps]
    [(1, 'call', {'xs': '[7]'}), (2, 'line', {'xs': '[7, 1]'}), (3, 'return', {})]
    >>> t.return_value['repr']
    '[7, 1]'
"""

from __future__ import annotations

import ast
import builtins
import collections
import contextlib
import gc
import hashlib
import inspect
import linecache
import sys
import textwrap
import threading
import types
from operator import is_ as _is
from typing import Any, Callable, Iterator, Mapping, ParamSpec, TypeVar, overload

from pytrace_sem import _reprs
from pytrace_sem import _runtime as _rt
from pytrace_sem.errors import CallError, Interrupt, LimitError, SourceError
from pytrace_sem.limits import DEFAULT_LIMITS, LIMIT_RANGES
from pytrace_sem.rewrite import instrument, install_alias
from pytrace_sem.trace import ExceptionInfo, Step, Stopped, Trace, _make_step
from pytrace_sem.values import _Encoder, encode

_P = ParamSpec("_P")
_R = TypeVar("_R")

__all__ = ["trace_call", "trace", "traced", "collect", "traces_of", "session_trace", "DEFAULT_LIMITS", "MODULE_NAME"]

#: ``__name__`` of the namespace ``trace_call`` runs a source in.
MODULE_NAME = "__pytrace_sem__"

def _limits(options: Mapping[str, Any]) -> tuple[_rt.Limits, int]:
    merged = dict(DEFAULT_LIMITS)
    options = dict(options)
    user_repr = options.pop("user_repr", False)
    if not isinstance(user_repr, bool):
        raise LimitError(f"user_repr must be True or False, got {user_repr!r}")
    for key, value in options.items():
        if key not in LIMIT_RANGES:
            raise LimitError(f"unknown limit {key!r}; known limits: {', '.join(sorted(LIMIT_RANGES))}")
        if isinstance(value, bool) or not isinstance(value, int):
            raise LimitError(f"{key} must be an integer, got {value!r}")
        low, high = LIMIT_RANGES[key]
        if not low <= value <= high:
            raise LimitError(f"{key} must be between {low} and {high}, got {value}")
        merged[key] = value
    lim = _rt.Limits(merged["max_steps"], merged["max_items"], merged["max_depth"], merged["max_string"],
                     user_repr)
    return lim, merged["max_size"]


# -- the call expression ----------------------------------------------------------


def _parse_call(call: str) -> ast.Call:
    text = call.strip()
    if not text:
        raise CallError("the call is empty; give an expression like f(1, 'a')")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise CallError(f"the call {text!r} is not valid Python: {exc.msg} (column {exc.offset})") from None
    node = tree.body
    if not isinstance(node, ast.Call):
        raise CallError(f"the call {text!r} is not a function call; give an expression like f(1, 'a')")
    func = node.func
    while isinstance(func, ast.Attribute):
        func = func.value
    if not isinstance(func, ast.Name):
        raise CallError(f"the call {text!r} must call a function by name, like f(...) or C.method(...)")
    return node


def _resolve(node: ast.Call, ns: dict, call: str) -> tuple[Callable, tuple, dict]:
    func_expr = ast.Expression(node.func)
    ast.fix_missing_locations(func_expr)
    try:
        fn = eval(compile(func_expr, "<call>", "eval"), ns)  # noqa: S307 - the user's own call
    except (NameError, AttributeError):
        name = ast.unparse(node.func)
        known = sorted(k for k, v in ns.items() if callable(v) and not k.startswith("__"))
        hint = f" (defined: {', '.join(known)})" if known else ""
        raise CallError(f"unknown function {name!r}: the source does not define it{hint}") from None
    if not callable(fn):
        raise CallError(f"{ast.unparse(node.func)!r} is not callable (it is a {type(fn).__name__})")
    capture = "_pytrace_sem_capture"
    while capture in call:
        capture += "_"
    args_expr = ast.Expression(ast.Call(ast.Name(capture, ast.Load()), node.args, node.keywords))
    ast.fix_missing_locations(args_expr)

    def grab(*a, **k):
        return a, k

    try:
        args, kwargs = eval(compile(args_expr, "<call>", "eval"), ns, {capture: grab})  # noqa: S307
    except Exception as exc:  # noqa: BLE001 - any error in the user's arguments
        raise CallError(f"evaluating the arguments of {call.strip()!r} raised {type(exc).__name__}: {exc}") from None
    return fn, args, kwargs


def _bind(fn: Callable, args: tuple, kwargs: dict) -> dict[str, Any]:
    try:
        sig = inspect.signature(fn)
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        return dict(bound.arguments)
    except (TypeError, ValueError):
        # The call will fail the same way; show the arguments as given.
        out: dict[str, Any] = {f"args[{i}]": a for i, a in enumerate(args)}
        out.update(kwargs)
        return out


# -- running and finishing a session ------------------------------------------------


def _filename(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"<pytrace_sem:{digest}>"


def _register_source(filename: str, source: str) -> None:
    # So tracebacks and inspect.getsource show the original text.
    lines = source.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n"
    linecache.cache[filename] = (len(source), None, lines, filename)


def _load_module(source: str, filename: str | None = None) -> tuple[dict, Any]:
    mod = instrument(source)
    filename = filename or _filename(source)
    code = mod.compile(filename)
    _register_source(filename, source)
    ns: dict[str, Any] = {"__name__": MODULE_NAME, "__builtins__": builtins, "__file__": filename}
    try:
        exec(code, ns)  # noqa: S102 - running the user's code is the point
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - sys.exit() at import leaves no function to call
        message = _rt.safe_repr_str(exc)[0]
        raise SourceError(f"running the module's top-level code raised {_reprs.type_qualname(type(exc))}"
                          f"{': ' + message if message else ''}") from None
    return ns, mod


def _run(fn: Callable, args: tuple, kwargs: dict, limits: _rt.Limits) -> tuple[_rt.Session, Any, BaseException | None]:
    if _rt._session is not None:
        raise CallError("a trace is already being recorded in this thread; nested tracing is not supported")
    sess = _rt.begin(limits)
    result: Any = None
    error: BaseException | None = None
    try:
        result = fn(*args, **kwargs)
    except (KeyboardInterrupt, Interrupt):  # stops ordered from outside, not the call's outcome
        _rt.end()
        raise
    except BaseException as exc:  # noqa: BLE001 - SystemExit and friends are outcomes too
        error = exc
    finally:
        _rt.end()
    return sess, result, error


def _exception_info(exc: BaseException, user_repr: bool = False) -> ExceptionInfo:
    msg, _ = _rt.safe_repr_str(exc, user_repr)
    return ExceptionInfo(type=_reprs.type_qualname(type(exc)), message=msg)


def build_steps(sess: _rt.Session, max_size: int, line_offset: int = 0,
                rename: Callable[[str], str] | None = None) -> tuple[tuple[Step, ...], Stopped | None]:
    """Turn a session's log into steps, keeping only real changes.

    A value counts as changed when its type or repr differs from the last one
    reported for that name in that frame (or, for a long container cut by
    ``max_items``, when the fingerprint of its whole content differs).
    """
    # Building allocates objects for every step and frees none of them, so the
    # cyclic GC would only scan a growing heap over and over: pause it meanwhile.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _build_steps(sess, max_size, line_offset, rename)
    finally:
        if enabled:
            gc.enable()


def _build_steps(sess, max_size, line_offset, rename):
    encoder = _Encoder(sess.limits)
    atoms = encoder.atoms
    atom = encoder.atom
    enc_snap = encoder.enc
    memo: dict[int, dict] = {}
    Seq, Map = _rt._Seq, _rt._Map

    def enc(sn) -> dict:
        t = type(sn)
        if t is int or t is str or t is bool or sn is None:
            got = atoms.get((t, sn))
            if got is None:
                got = atoms[(t, sn)] = atom(sn, t)
            return got
        got = memo.get(id(sn))
        if got is None:
            got = memo[id(sn)] = enc_snap(sn, 0)
        return got

    def enc_after(sn, prev) -> dict:
        # A flat container holding the very same items as the last snapshot of
        # that name encodes the same: reuse that encoding.
        if prev is not None and _same_items(sn, prev[2]):
            return prev[0]
        return enc(sn)

    # Per frame (and per comprehension scope): name -> (encoded value, fingerprint, snapshot).
    # Values compare whole, not by repr: ``obj.attr = v`` changes attrs, not the repr.
    state: dict[Any, tuple[dict, int, str]] = {}   # scope -> (known, depth, function name)
    # Per step constant (by id: the log keeps them alive): what the step builder needs of it.
    consts: dict[int, tuple] = {}
    steps: list[Step] = []
    append = steps.append
    make = _MAKE_STEP
    size = 0
    stopped: Stopped | None = None
    kind_names = _rt.KIND_NAMES
    comp_names = _rt.COMP_NAMES
    payload_kinds = _rt.PAYLOAD_KINDS
    always = {_rt.K_CALL, _rt.K_ITER, *comp_names}
    tails = {_rt.K_BRANCH: _OUTCOME, _rt.K_CASE: _CASE, _rt.K_RETURN: _VALUE, _rt.K_YIELD: _VALUE,
             _rt.K_RESUME: _VALUE, _rt.K_COMP: _VALUE, _rt.K_EXCEPT: _EXC, _rt.K_RAISE: _EXC}
    K_DEL = _rt.K_DEL
    log = sess.log
    if sess.stopped_at is not None and len(log) > sess.limits.max_steps:
        log = log[: sess.limits.max_steps]

    frames = sess.frames
    fast = _BUILD_FAST
    n = len(log)
    i = 0
    while i < n:
        if fast is not None:
            # The common short steps in C, as below, up to the first it leaves here.
            i, size = fast(log, i, n, steps, consts, state, atoms, atom, size, max_size, make, _VALUE)
            if i >= n:
                break
        entry = log[i]
        i += 1
        serial = entry[0]
        st = entry[1]
        c = consts.get(id(st))
        if c is None:
            kind = st[0]
            tail = tails.get(kind, 0)
            payload_kind = kind in payload_kinds
            lean = not payload_kind and not tail and kind != K_DEL
            c = consts[id(st)] = (kind, st[1] - line_offset, st[2], comp_names.get(kind), kind in always,
                                  kind == K_DEL, tail, kind_names[kind], payload_kind, lean)
        kind, line, names, comp, force, is_del, tail, event, payload_kind, lean = c
        scope = serial if comp is None else (serial, line)
        where = state.get(scope)
        if where is None:
            fr = frames[serial - 1]
            q = fr.info[0] if rename is None else rename(fr.info[0])
            where = state[scope] = ({}, fr.depth, q) if comp is None else ({}, fr.depth + 1, f"{q}.<locals>.{comp}")
        if len(entry) == 3:
            # The recorder's short entry: a branch outcome, or one immutable value.
            if lean:
                # One name bound to an atom (never a cut container): the common case, kept lean.
                sn = entry[2]
                t = type(sn)
                if t is int or t is str or t is bool or sn is None:
                    value = atoms.get((t, sn))
                    if value is None:
                        value = atoms[(t, sn)] = atom(sn, t)
                else:
                    value = enc(sn)
                known = where[0]
                name = names[0]
                prev = known.get(name)
                if force or prev is None or prev[1] is not None or (prev[0] is not value and prev[0] != value):
                    known[name] = (value, None, sn)
                    changes = {name: value}
                    size += len(value["repr"]) + 100
                else:
                    changes = {}
                    size += 60
                if size > max_size:
                    stopped = Stopped("max_size", len(steps), line)
                    break
                append(make(len(steps), line, where[1], where[2], event, changes, (),
                            None, None, None))
                continue
            if payload_kind:
                # A branch outcome or a returned atom, with nothing else to report.
                payload = entry[2]
                if tail == _OUTCOME:
                    outcome, value_out = payload, None
                else:
                    outcome, value_out = None, enc(payload)
                    size += len(value_out["repr"]) + 40
                size += 60
                if size > max_size:
                    stopped = Stopped("max_size", len(steps), line)
                    break
                append(make(len(steps), line, where[1], where[2], event, {}, (), outcome, value_out, None))
                continue
            else:
                snaps, extra, payload = (entry[2],), None, None
        else:
            snaps, extra, payload = entry[2], entry[3], entry[4]
            if extra.__class__ is str:
                # A line that changed one tracked value: its snapshot is in the payload slot.
                extra, payload = (extra, payload), None
        known = where[0]
        changes: dict[str, dict] = {}
        deleted: tuple[str, ...] = ()
        if is_del:
            deleted = tuple(n for n in names if known.pop(n, None) is not None)
        # The statement's own names (always reported for some events), then the
        # tracked values it mutated (reported only when they differ).
        bound = zip(names, snaps) if snaps is not None and not is_del else ()
        pairs = zip(extra[::2], extra[1::2]) if extra else ()
        for group, forced in ((bound, force), (pairs, False)):
            for name, sn in group:
                prev = known.get(name)
                if type(sn) is Seq or type(sn) is Map:
                    value = enc_after(sn, prev)
                    fp = sn.fp if sn.flat or "truncated" not in value else _nested_fp(sn)
                else:
                    value = enc(sn)
                    fp = None
                if forced or prev is None or prev[1] != fp or (prev[0] is not value and prev[0] != value):
                    known[name] = (value, fp, sn)
                    changes[name] = value
                    size += len(value["repr"]) + 40
        outcome = value_out = exc_out = None
        if tail:
            if tail == _OUTCOME:
                outcome = payload
            elif tail == _CASE:
                outcome = True
            elif tail == _VALUE:
                value_out = enc(payload)
                size += len(value_out["repr"]) + 40
            elif payload is not None:
                exc_out = ExceptionInfo(type=payload[0], message=payload[1])
        size += 60
        if size > max_size:
            stopped = Stopped("max_size", len(steps), line)
            break
        append(make(len(steps), line, where[1], where[2], event, changes, deleted,
                    outcome, value_out, exc_out))
    if stopped is None and sess.stopped_at is not None:
        reason, after, line = sess.stopped_at
        stopped = Stopped(reason, min(after, len(steps)), line - line_offset)
    return tuple(steps), stopped


# Step(...) with its ten fields in order: with the C accelerator, its SlotMaker
# fills the slots directly (the same object, several times faster).
_MAKE_STEP = (_rt._speedups.SlotMaker(Step, tuple(Step.__dataclass_fields__)) if _rt.SPEEDUPS
              else _make_step)
_BUILD_FAST = _rt._speedups.build_fast if _rt.SPEEDUPS else None

# What a step carries besides its changes (``tails`` in build_steps).
_OUTCOME, _CASE, _VALUE, _EXC = 1, 2, 3, 4


def _nested_fp(sn) -> tuple:
    """The content tokens of every container cut inside a snapshot, itself included.

    A change beyond the cut of a list held by another container leaves the
    encoding of the outer one as it was; these tokens still tell it apart.
    """
    out = []
    todo = [sn]
    while todo:
        s = todo.pop()
        c = s.__class__
        if c is _rt._Seq:
            if s.cut:
                out.append(s.fp)
            if not s.flat:
                todo.extend(s.items)
        elif c is _rt._Map:
            if s.cut:
                out.append(s.fp)
            if not s.flat:
                todo.extend(s.keys)
                todo.extend(s.values)
        elif c is _rt._Obj and s.attrs:
            todo.extend(s.attrs.values())
    return tuple(out)


def _same_items(new, old) -> bool:
    """Whether two snapshots are flat containers of the very same items (so encode alike)."""
    c = new.__class__
    if old.__class__ is not c or not (new.flat and old.flat) or new.length != old.length or new.cut != old.cut:
        return False
    if c is _rt._Seq:
        return (new.kind == old.kind and len(new.items) == len(old.items)
                and all(map(_is, new.items, old.items)))
    return (len(new.keys) == len(old.keys) and all(map(_is, new.keys, old.keys))
            and all(map(_is, new.values, old.values)))


def _finish(sess: _rt.Session, *, source: str, function: str, call: str, args: Mapping[str, dict],
            result: Any, error: BaseException | None, max_size: int, untraced=(),
            line_offset: int = 0, rename=None) -> Trace:
    steps, stopped = build_steps(sess, max_size, line_offset, rename)
    if error is None:
        ret = encode(result, sess.limits)
        exc = None
    else:
        ret = None
        exc = _exception_info(error, sess.limits.user_repr)
    return Trace(
        source=source,
        function=function,
        call=call,
        args=args,
        steps=steps,
        return_value=ret,
        exception=exc,
        truncated=stopped is not None,
        stopped=stopped,
        untraced=tuple(untraced),
        repr_policy="user" if sess.limits.user_repr else "builtin",
    )


# -- public API ---------------------------------------------------------------------


def trace_call(source: str, call: str, *, user_repr: bool = False, **limits: int) -> Trace:
    """Run ``call`` (e.g. ``"f([1, 2], 'a')"``) against ``source`` and return its trace.

    The source runs as a fresh module; the call's arguments are evaluated in that
    module's namespace, so they may use its names. Limits: ``max_steps``,
    ``max_items``, ``max_depth``, ``max_string``, ``max_size`` (see ``DEFAULT_LIMITS``).
    ``user_repr=True`` shows objects of the program's own classes by their own
    ``__repr__`` (run where the code is trusted or sandboxed); by default the
    recorder calls none of the program's code (docs/trace-format.md, "Snapshot policy").
    """
    if not isinstance(source, str):
        raise SourceError(f"source must be a str, got {type(source).__name__}")
    if not isinstance(call, str):
        raise CallError(f"call must be a str, got {type(call).__name__}")
    lim, max_size = _limits({**limits, "user_repr": user_repr})
    node = _parse_call(call)
    ns, mod = _load_module(source)
    fn, args, kwargs = _resolve(node, ns, call)
    bound = _bind(fn, args, kwargs)
    args_json = {name: encode(value, lim) for name, value in bound.items()}
    sess, result, error = _run(fn, args, kwargs, lim)
    function = sess.frame(sess.log[0][0]).info[0] if sess.log else ast.unparse(node.func)
    return _finish(sess, source=source, function=function, call=call.strip(), args=args_json,
                   result=result, error=error, max_size=max_size, untraced=mod.untraced)


class _LiveFunction:
    """A live function's instrumented code and how to map its lines and names back."""

    __slots__ = ("code", "source", "line_offset", "qual_from", "qual_to", "untraced")

    def __init__(self, code, source, line_offset, qual_from, qual_to, untraced):
        self.code = code
        self.source = source
        self.line_offset = line_offset
        self.qual_from = qual_from
        self.qual_to = qual_to
        self.untraced = untraced

    def rename(self, q: str) -> str:
        if q == self.qual_from or q.startswith(self.qual_from + "."):
            return self.qual_to + q[len(self.qual_from):]
        return q


_live_cache: dict[types.CodeType, _LiveFunction] = {}
_FACTORY = "_pytrace_sem_factory"


def _strip_decorators(snippet: str) -> str:
    """Blank out decorator lines (keeping line numbers) so they do not run again."""
    tree = ast.parse(snippet)
    node = tree.body[0]
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or not node.decorator_list:
        return snippet
    lines = snippet.splitlines(keepends=True)
    first = node.decorator_list[0].lineno
    for i in range(first - 1, node.lineno - 1):
        lines[i] = "\n"
    return "".join(lines)


def _same_compiled(a: types.CodeType, b: types.CodeType) -> bool:
    """Whether two code objects were compiled from the same text (positions aside)."""

    def plain(c: types.CodeType) -> list:
        return [(type(k), k) for k in c.co_consts if not isinstance(k, types.CodeType)]

    return ((a.co_code, a.co_names, a.co_varnames, a.co_freevars) == (b.co_code, b.co_names, b.co_varnames,
            b.co_freevars) and plain(a) == plain(b))


def _lambda_source(func: types.FunctionType) -> tuple[str, str, int]:
    """(the lambda's own lines, a module binding just that lambda, its first line) for a live lambda.

    Several lambdas may share a line (``a, b = (lambda: 1, lambda: 2)``): the one whose
    compiled form is the function's own is chosen, never another that happens to sit there.
    """
    code = func.__code__
    where = code.co_filename
    text = "".join(linecache.getlines(where, func.__globals__))
    if not text:
        raise SourceError(f"cannot read the source of {func.__qualname__}: {where} is not available")
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        raise SourceError(f"cannot parse {where} to find {func.__qualname__}: {exc.msg}") from None
    for node in ast.walk(tree):
        if not isinstance(node, ast.Lambda) or node.lineno != code.co_firstlineno:
            continue
        segment = ast.get_source_segment(text, node)
        if segment is None:
            continue
        try:
            if code.co_freevars:  # compiled inside a function that makes those names free
                outer = compile(f"def {_FACTORY}({', '.join(code.co_freevars)}):\n return ({segment})\n", where, "exec")
                compiled = next(c for c in outer.co_consts if isinstance(c, types.CodeType))
            else:
                compiled = compile(f"({segment})", where, "eval")
        except SyntaxError:
            continue
        found = next((c for c in compiled.co_consts if isinstance(c, types.CodeType)), None)
        if found is not None and _same_compiled(found, code):
            assert node.end_lineno is not None
            lines = text.splitlines(keepends=True)[node.lineno - 1 : node.end_lineno]
            return textwrap.dedent("".join(lines)), f"{_LAMBDA} = ({segment})\n", node.lineno
    raise SourceError(f"cannot find the source of {func.__qualname__} on line {code.co_firstlineno} of {where}")


_LAMBDA = "_pytrace_sem_lambda"


def _live(func: types.FunctionType) -> _LiveFunction:
    code = func.__code__
    got = _live_cache.get(code)
    if got is not None:
        return got
    if code.co_name == "<lambda>":
        shown, snippet, first = _lambda_source(func)
    else:
        try:
            lines, first = inspect.getsourcelines(func)
        except (OSError, TypeError) as exc:
            raise SourceError(f"cannot read the source of {func.__qualname__}: {exc}") from None
        snippet = textwrap.dedent("".join(lines))
        try:
            snippet = _strip_decorators(snippet)
        except SyntaxError as exc:
            raise SourceError(f"cannot parse the source of {func.__qualname__}: {exc.msg}") from None
        shown = snippet
    free = code.co_freevars
    if free:
        if first < 2:
            raise SourceError(f"{func.__qualname__} has free variables but no room for a wrapper")
        body = textwrap.indent(snippet, "    ")
        text = "\n" * (first - 2) + f"def {_FACTORY}({', '.join(free)}):\n" + body
    else:
        text = "\n" * (first - 1) + snippet
    try:
        mod = instrument(text)
    except SyntaxError as exc:
        raise SourceError(f"cannot instrument {func.__qualname__}: {exc.msg}") from None
    try:
        module_code = mod.compile(code.co_filename)
    except SyntaxError as exc:
        raise SourceError(f"cannot instrument {func.__qualname__}: {exc.msg}") from None
    new_code = _find_code(module_code, func.__name__, free)
    if new_code is None or new_code.co_freevars != free:
        raise SourceError(f"cannot instrument {func.__qualname__}: its compiled form does not match")
    name = func.__name__
    qual_from = f"{_FACTORY}.<locals>.{name}" if free else name
    live = _LiveFunction(new_code, shown, first - 1, qual_from, func.__qualname__,
                         tuple((ln - (first - 1), what) for ln, what in mod.untraced))
    _live_cache[code] = live
    return live


def _find_code(module_code: types.CodeType, name: str, free: tuple) -> types.CodeType | None:
    for const in module_code.co_consts:
        if isinstance(const, types.CodeType):
            if free and const.co_name == _FACTORY:
                return _find_code(const, name, ())
            if const.co_name == name:
                return const
    return None


def _unwrap(func: Any) -> tuple[types.FunctionType, tuple]:
    if isinstance(func, types.MethodType):
        return func.__func__, (func.__self__,)
    if isinstance(func, types.FunctionType):
        return func, ()
    raise CallError(f"trace() needs a Python function or method, got {type(func).__name__}")


_swap_lock = threading.RLock()


def _arg_text(value: Any, lim: _rt.Limits) -> str:
    # Python's own repr where that runs no program code (so the call can be re-run);
    # otherwise the snapshot policy's text.
    if _reprs.is_plain(value):
        try:
            return repr(value)
        except ValueError:  # an int past sys.get_int_max_str_digits()
            pass
    return str(encode(value, lim)["repr"])


def _call_text(name: str, args: tuple, kwargs: Mapping[str, Any], lim: _rt.Limits) -> str:
    parts = [_arg_text(a, lim) for a in args] + [f"{k}={_arg_text(v, lim)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


def trace(func: Callable[_P, object], *args: _P.args, **kwargs: _P.kwargs) -> Trace:
    """Call a live function with these arguments and return the trace of the call.

    The function runs with its own globals, closure and defaults; calls it makes
    to itself (recursion) are traced too. Limits cannot be passed here: use
    :func:`traced` or :func:`trace_call` for those.
    """
    fn, bound_self = _unwrap(func)
    live = _live(fn)
    lim, max_size = _limits({})
    call_args = bound_self + args
    bound = _bind(fn, call_args, kwargs)
    args_json = {name: encode(value, lim) for name, value in bound.items()}
    # Before the call: a function that mutates its arguments must be named with what it got.
    call = _call_text(fn.__name__, args, kwargs, lim)
    with _swap_lock:
        original = fn.__code__
        fn.__code__ = live.code
        try:
            sess, result, error = _run(fn, call_args, kwargs, lim)
        finally:
            fn.__code__ = original
    return _finish(sess, source=live.source, function=fn.__qualname__, call=call,
                   args=args_json, result=result, error=error, max_size=max_size,
                   untraced=live.untraced, line_offset=live.line_offset, rename=live.rename)


# -- the decorator and the collector --------------------------------------------------

_decorated: dict[tuple, "_Decorated"] = {}
_collectors: list[list[Trace]] = []
_HISTORY = 100


class _Decorated:
    __slots__ = ("func", "live", "limits", "max_size", "sink", "history")

    def __init__(self, func, live, limits, max_size, sink):
        self.func = func
        self.live = live
        self.limits = limits
        self.max_size = max_size
        self.sink = sink
        self.history: collections.deque[Trace] = collections.deque(maxlen=_HISTORY)


def _autostart(info: tuple) -> _rt.Session | None:
    deco = _decorated.get(info)
    if deco is None:
        return None
    sess = _rt.begin(deco.limits)
    sess.on_root_exit = lambda s, d=deco: _deliver(s, d)
    return sess


def session_trace(sess: _rt.Session, *, source: str, function: str, max_size: int, untraced=(),
                  line_offset: int = 0, rename: Callable[[str], str] | None = None) -> Trace:
    """The trace of an ended autostarted session: its root's arguments, steps and outcome.

        sess = _rt.end()
        t = session_trace(sess, source=text, function="f", max_size=5_000_000)
    """
    result = None
    error: BaseException | None = None
    if sess.root_result is not None:
        # Recording stopped before the root finished; the recorder kept its outcome.
        kind, payload = sess.root_result
        if kind == "return":
            result = payload
        elif payload is not None:
            error = _Recorded(payload)
    # Otherwise the root's outcome is its last return or raise step.
    for entry in () if sess.root_result is not None else reversed(sess.log):
        if len(entry) == 3:
            serial, st, payload = entry
        else:
            serial, st, _snaps, _extra, payload = entry
        depth = sess.frame(serial).depth
        if depth == 0 and st[0] == _rt.K_RETURN:
            result = payload
            break
        if depth == 0 and st[0] == _rt.K_RAISE and payload is not None:
            error = _Recorded(payload)
            break
    args = {}
    if sess.log and sess.log[0][1][0] == _rt.K_CALL:
        _serial, st, snaps, _e, _p = sess.log[0]
        args = {n: encode(s, sess.limits) for n, s in zip(st[2], snaps or ())}
    name = function.rsplit(".", 1)[-1]
    call = f"{name}({', '.join(a['repr'] for a in args.values())})"
    t = _finish(sess, source=source, function=function, call=call, args=args,
                result=result, error=error, max_size=max_size, untraced=untraced,
                line_offset=line_offset, rename=rename)
    if error is not None:
        t = _replace_exception(t, error)
    return t


def _deliver(sess: _rt.Session, deco: _Decorated) -> None:
    _rt.end()
    t = session_trace(sess, source=deco.live.source, function=deco.func.__qualname__,
                      max_size=deco.max_size, untraced=deco.live.untraced,
                      line_offset=deco.live.line_offset, rename=deco.live.rename)
    deco.history.append(t)
    for target in _collectors:
        target.append(t)
    if deco.sink is not None:
        deco.sink(t)


class _Recorded(Exception):
    """An exception known only by the (type, message) the recorder kept."""

    def __init__(self, payload: tuple) -> None:
        super().__init__(payload[1])
        self.payload = payload


def _replace_exception(t: Trace, error: _Recorded) -> Trace:
    from dataclasses import replace

    return replace(t, exception=ExceptionInfo(type=error.payload[0], message=error.payload[1]))


@overload
def traced(func: Callable[_P, _R], *, sink: Callable[[Trace], None] | None = None,
           **limits: int) -> Callable[_P, _R]: ...


@overload
def traced(func: None = None, *, sink: Callable[[Trace], None] | None = None,
           **limits: int) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]: ...


def traced(func: Callable[..., Any] | None = None, *, sink: Callable[[Trace], None] | None = None,
           **limits: int) -> Any:
    """Decorator: record a trace of every outermost call of the function.

        @traced
        def f(xs): ...

        f([1, 2])
        t = traces_of(f)[-1]

    The function object stays the same (its code is swapped for an instrumented
    one), so its name, signature, closure and identity are unchanged. Each trace
    goes to ``sink`` if given, to every open :func:`collect` block, and to the
    last 100 kept by :func:`traces_of`.
    """
    lim, max_size = _limits(limits)

    def apply(f: Callable) -> Callable:
        fn, _ = _unwrap(f)
        live = _live(fn)
        info = _root_info(live.code)
        if info is None:
            raise SourceError(f"cannot instrument {fn.__qualname__}: no entry call found")
        install_alias(_alias_of(live.code))
        _decorated[info] = _Decorated(fn, live, lim, max_size, sink)
        fn.__code__ = live.code
        _rt.set_autostart(_autostart)
        return f

    if func is not None:
        return apply(func)
    return apply


def _root_info(code: types.CodeType) -> tuple | None:
    # The enter call's constant: (qualname, line, params, flags); step constants start with an int.
    for const in code.co_consts:
        if isinstance(const, tuple) and len(const) == 4 and isinstance(const[0], str):
            return const
    return None


def _alias_of(code: types.CodeType) -> str:
    for name in code.co_names:
        if name.startswith("_pytrace_sem_rt"):
            return name
    return "_pytrace_sem_rt"


def traces_of(func: Callable) -> list[Trace]:
    """The most recent traces (up to 100) of a function decorated with :func:`traced`."""
    fn, _ = _unwrap(func)
    for deco in _decorated.values():
        if deco.func is fn:
            return list(deco.history)
    raise CallError(f"{getattr(fn, '__qualname__', fn)!r} is not decorated with @pytrace_sem.traced")


@contextlib.contextmanager
def collect() -> Iterator[list[Trace]]:
    """Collect the traces of :func:`traced` functions called inside the block.

        with collect() as traces:
            f(1); g(2)
        assert len(traces) == 2
    """
    bucket: list[Trace] = []
    _collectors.append(bucket)
    try:
        yield bucket
    finally:
        _collectors.remove(bucket)
