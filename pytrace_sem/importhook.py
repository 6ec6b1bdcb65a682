"""Instrument target modules as they are imported, the way pytest rewrites asserts.

    hook = ImportHook(["mypkg"], cache_dir=default_cache_dir())
    hook.install()
    import mypkg.core            # loaded from its own file, instrumented
    hook.modules["mypkg.core"]   # its ModuleInfo; hook.already_imported lists misses
    hook.uninstall()

Only plain source files found by the other finders on ``sys.meta_path`` are
instrumented (so src/ and flat layouts, namespace packages and editable installs
all work); everything else (extension modules, zip imports, modules another
hook such as pytest's assertion rewriter claims) loads as usual. The loader is a
:class:`importlib.machinery.SourceFileLoader`, so ``__file__``, ``__spec__``,
``get_source`` and therefore ``inspect.getsource`` and tracebacks see the
original file. Instrumented code is never written to ``__pycache__``; it is
cached in ``cache_dir`` keyed by the source, its path, the Python version and
the rewriter's own source, because rewriting a large module takes seconds.

Modules imported before :meth:`ImportHook.install` (by another pytest plugin, a
``.pth`` file, the program that calls ``pytest.main``) are instrumented in place by
:meth:`ImportHook.instrument_loaded`: their module is not run again; the code of its
live functions and methods is swapped for the instrumented code of the same
definitions (listed in ``in_place``). What cannot be swapped that way is listed in
``already_imported`` so callers can report it.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.machinery
import importlib.util
import marshal
import os
import sys
import textwrap
import threading
import time
import tokenize
import types
from pathlib import Path
from typing import Callable, Iterable, Sequence

__all__ = ["ImportHook", "ModuleInfo", "default_cache_dir", "enter_infos", "swap_code"]


def _code_key(code: types.CodeType) -> tuple:
    # The same definition in the original and the instrumented compile: name and first line
    # (the rewriter keeps line numbers; a decorated def starts at its first decorator in both).
    return (getattr(code, "co_qualname", code.co_name), code.co_firstlineno)


def _codes(code: types.CodeType, into: dict[tuple, types.CodeType]) -> dict[tuple, types.CodeType]:
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            into.setdefault(_code_key(const), const)
            _codes(const, into)
    return into


def _assertion_rewriting(module: types.ModuleType, path: str, source: str) -> Callable[[ast.Module], object] | None:
    """pytest's assertion rewriting, for a module pytest loaded with it (a plugin it was told to rewrite).

    Swapping in code compiled without it would change what the module's failing
    asserts say; with it, the instrumented code fails exactly as pytest's does.
    """
    loader = getattr(module, "__loader__", None)
    if type(loader).__name__ != "AssertionRewritingHook" or "_pytest.assertion.rewrite" not in sys.modules:
        return None
    rewrite_asserts = sys.modules["_pytest.assertion.rewrite"].rewrite_asserts
    config = getattr(loader, "config", None)
    data = source.encode("utf-8")

    def transform(tree: ast.Module) -> None:
        rewrite_asserts(tree, data, path, config)

    return transform


def swap_code(module: types.ModuleType, module_code: types.CodeType, path: str) -> int:
    """Give the live functions and methods of ``module`` the instrumented code of their definitions.

    ``module_code`` is the instrumented compile of the module's source; nothing of it
    runs. Functions defined in the file are reached through the module's namespace,
    its classes (methods, static and class methods, properties), and ``__wrapped__``
    of decorated functions (``functools.wraps``, ``lru_cache``); functions made later
    (nested ones, closures) come from instrumented code anyway. Objects are looked at
    by their type only, so no lazy proxy in the namespace is evaluated. Returns how
    many functions were swapped.
    """
    from pytrace_sem._reprs import stored_attrs

    new = _codes(module_code, {})
    swapped = 0
    seen: set[int] = set()
    todo = list(vars(module).values())
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        kind = type(obj)
        if kind is types.FunctionType:
            old = obj.__code__
            code = new.get(_code_key(old)) if old.co_filename == path else None
            if code is not None and code is not old and code.co_freevars == old.co_freevars:
                obj.__code__ = code
                swapped += 1
        elif issubclass(kind, type):
            if obj.__dict__.get("__module__") == module.__name__:
                todo.extend(obj.__dict__.values())
            continue
        elif kind is staticmethod or kind is classmethod:
            todo.append(obj.__func__)
            continue
        elif kind is property:
            todo.extend(f for f in (obj.fget, obj.fset, obj.fdel) if f is not None)
            continue
        elif kind is types.ModuleType:
            continue
        wrapped = (stored_attrs(obj) or {}).get("__wrapped__")
        if wrapped is not None:
            todo.append(wrapped)
    return swapped


# The recorder and its rewriter must never trace themselves.
_NEVER = ("pytrace_sem",)


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/pytrace-sem/code`` (``~/.cache/pytrace-sem/code`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pytrace-sem" / "code"


class ModuleInfo:
    """An instrumented module: where it came from and the spans of its functions."""

    __slots__ = ("name", "path", "source", "untraced", "_spans", "_lines")

    def __init__(self, name: str, path: str, source: str, untraced: tuple) -> None:
        self.name = name
        self.path = path
        self.source = source
        self.untraced = untraced
        self._spans: dict[int, int] | None = None
        self._lines: list[str] | None = None

    def end_line(self, def_line: int) -> int:
        """The last line of the function whose ``def`` is on ``def_line``."""
        if self._spans is None:
            spans: dict[int, int] = {}
            try:
                tree = ast.parse(self.source)
            except (SyntaxError, ValueError):
                tree = ast.Module(body=[], type_ignores=[])
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    spans[node.lineno] = node.end_lineno or node.lineno
            self._spans = spans
        return self._spans.get(def_line, def_line)

    def snippet(self, def_line: int) -> str:
        """The dedented text of the function whose ``def`` is on ``def_line`` (no decorators)."""
        if self._lines is None:
            self._lines = self.source.splitlines(keepends=True)
        text = "".join(self._lines[def_line - 1:self.end_line(def_line)])
        if text and not text.endswith("\n"):
            text += "\n"
        return textwrap.dedent(text)


def enter_infos(code: types.CodeType) -> Iterable[tuple]:
    """Every function-entry constant ``(qualname, line, params, flags)`` in ``code``."""
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from enter_infos(const)
        elif (type(const) is tuple and len(const) == 4 and type(const[0]) is str
              and type(const[1]) is int and type(const[2]) is tuple and type(const[3]) is int):
            yield const


def _rewriter_fingerprint() -> str:
    # The rewriter may change without a version bump: key the cache on its text.
    digest = hashlib.sha256(sys.version.encode())
    here = Path(__file__).resolve().parent
    for name in ("rewrite.py", "_runtime.py"):
        try:
            digest.update((here / name).read_bytes())
        except OSError:
            digest.update(name.encode())
    return digest.hexdigest()


class _Loader(importlib.machinery.SourceFileLoader):
    """Loads a target module's file, instrumented; everything else is inherited."""

    def __init__(self, fullname: str, path: str, hook: "ImportHook") -> None:
        super().__init__(fullname, path)
        self._hook = hook

    def get_code(self, fullname: str) -> types.CodeType:
        source = importlib.util.decode_source(self.get_data(self.path))
        return self._hook._code_for(fullname, self.path, source)


class ImportHook:
    """A ``sys.meta_path`` finder that instruments the modules of ``targets``.

    ``targets`` are module or package names (a package covers its submodules).
    ``exclude(fullname, path)`` may veto a module (the plugin uses it for test
    files). ``on_module(info, enter_infos)`` is called after each instrumented
    module is compiled, with the entry constants of its functions.
    """

    def __init__(self, targets: Sequence[str], *, exclude: Callable[[str, str], bool] | None = None,
                 cache_dir: Path | None = None,
                 on_module: Callable[[ModuleInfo, list[tuple]], None] | None = None) -> None:
        self.targets = tuple(t for t in targets if t)
        self.exclude = exclude
        self.cache_dir = cache_dir
        self.on_module = on_module
        self.modules: dict[str, ModuleInfo] = {}
        self.failed: dict[str, str] = {}
        self.already_imported: list[str] = []
        self.in_place: dict[str, int] = {}  # module -> functions whose code was swapped
        self.instrument_seconds = 0.0
        self.cache_hits = 0
        self._resolving = threading.local()
        self._fingerprint: str | None = None

    # -- which modules ------------------------------------------------------------

    def is_target(self, fullname: str) -> bool:
        for never in _NEVER:
            if fullname == never or fullname.startswith(never + "."):
                return False
        for t in self.targets:
            if fullname == t or fullname.startswith(t + "."):
                return True
        return False

    def install(self) -> None:
        """Put the hook on ``sys.meta_path`` (after pytest's assertion rewriter, if any)."""
        if self in sys.meta_path:
            return
        self.already_imported = sorted(
            name for name, mod in list(sys.modules.items())
            if self.is_target(name) and str(getattr(mod, "__file__", "") or "").endswith(".py")
            and name not in self.modules
        )
        # Test modules and conftest files are pytest's to rewrite: let its hook see them first.
        index = 0
        for i, finder in enumerate(sys.meta_path):
            if type(finder).__name__ == "AssertionRewritingHook":
                index = i + 1
        sys.meta_path.insert(index, self)

    def instrument_loaded(self) -> None:
        """Instrument the target modules found already imported, in place (see the module docstring)."""
        missed = []
        for name in self.already_imported:
            module = sys.modules.get(name)
            path = str(getattr(module, "__file__", "") or "")
            if module is None or (self.exclude is not None and self.exclude(name, path)):
                missed.append(name)
                continue
            try:
                with tokenize.open(path) as fh:
                    source = fh.read()
            except (OSError, SyntaxError, UnicodeDecodeError):
                missed.append(name)
                continue
            code = self._code_for(name, path, source, _assertion_rewriting(module, path, source))
            if name in self.failed:
                self.modules.pop(name, None)
                missed.append(name)
                continue
            swapped = swap_code(module, code, path)
            if swapped:
                self.in_place[name] = swapped
            else:
                missed.append(name)
        self.already_imported = missed

    def uninstall(self) -> None:
        """Take the hook off ``sys.meta_path``; modules already loaded stay instrumented."""
        while self in sys.meta_path:
            sys.meta_path.remove(self)

    # -- the finder protocol ----------------------------------------------------------

    def find_spec(self, fullname: str, path=None, target=None):
        if not self.is_target(fullname):
            return None
        busy = getattr(self._resolving, "names", None)
        if busy is None:
            busy = self._resolving.names = set()
        if fullname in busy:
            return None
        busy.add(fullname)
        try:
            spec = self._find_elsewhere(fullname, path, target)
        finally:
            busy.discard(fullname)
        if spec is None or type(spec.loader) is not importlib.machinery.SourceFileLoader:
            return spec
        origin = spec.origin or ""
        if not origin.endswith(".py") or (self.exclude is not None and self.exclude(fullname, origin)):
            return spec
        spec.loader = _Loader(fullname, origin, self)
        return spec

    def _find_elsewhere(self, fullname, path, target):
        finders = list(sys.meta_path)
        start = finders.index(self) + 1 if self in finders else 0
        for finder in finders[start:]:
            find = getattr(finder, "find_spec", None)
            if find is None:
                continue
            spec = find(fullname, path, target)
            if spec is not None:
                return spec
        return None

    def invalidate_caches(self) -> None:
        """Nothing of ours to invalidate (``importlib.invalidate_caches`` calls this)."""

    # -- compiling --------------------------------------------------------------------

    def _code_for(self, fullname: str, path: str, source: str,
                  transform: Callable[[ast.Module], object] | None = None) -> types.CodeType:
        from pytrace_sem.errors import PytraceSemError
        from pytrace_sem.rewrite import install_alias, instrument

        started = time.perf_counter()
        try:
            # Code compiled with a transform (pytest's assertion rewriting) is not cached.
            cached = self._cache_load(path, source) if transform is None else None
            if cached is not None:
                alias, code, untraced = cached
                self.cache_hits += 1
            else:
                mod = instrument(source)
                code = mod.compile(path, transform)
                alias, untraced = mod.alias, mod.untraced
                if transform is None:
                    self._cache_store(path, source, (alias, code, untraced))
            install_alias(alias)
        except (PytraceSemError, RecursionError, MemoryError, ValueError, SyntaxError) as exc:
            # Load it as it is: an error the module really has shows up as usual.
            self.failed[fullname] = f"{type(exc).__name__}: {exc}"
            return compile(source, path, "exec", dont_inherit=True)
        finally:
            self.instrument_seconds += time.perf_counter() - started
        info = ModuleInfo(fullname, path, source, tuple(untraced))
        self.modules[fullname] = info
        if self.on_module is not None:
            self.on_module(info, list(enter_infos(code)))
        return code

    def _cache_file(self, path: str, source: str) -> Path | None:
        if self.cache_dir is None:
            return None
        if self._fingerprint is None:
            self._fingerprint = _rewriter_fingerprint()
        key = hashlib.sha256(f"{self._fingerprint}\0{path}\0{source}".encode("utf-8", "surrogatepass"))
        return self.cache_dir / f"{key.hexdigest()}.bin"

    def _cache_load(self, path: str, source: str):
        file = self._cache_file(path, source)
        if file is None:
            return None
        try:
            alias, code, untraced = marshal.loads(file.read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return None
        if not isinstance(code, types.CodeType) or not isinstance(alias, str):
            return None
        return alias, code, untraced

    def _cache_store(self, path: str, source: str, entry: tuple) -> None:
        file = self._cache_file(path, source)
        if file is None:
            return
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            tmp = file.with_name(f"{file.name}.{os.getpid()}.tmp")
            tmp.write_bytes(marshal.dumps(entry))
            os.replace(tmp, file)
        except (OSError, ValueError):
            pass  # a cache we cannot write only costs time
