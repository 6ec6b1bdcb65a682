"""Where the corpus builder's functions come from: plug-ins with one small interface.

A source has a ``name`` and yields :class:`SourceItem` records (code, entry point,
description, example calls) from ``items()``; ``describe()`` says what it read, for
the manifest. The kinds here:

* ``jsonl``: a JSONL file (or a folder of them) of code records: CRUXEval-style
  ``code`` + optional ``input``, or instruction/solution pairs with a description;
* ``modules``: a folder or an installed package of Python modules, from which
  top-level functions and methods that do not use their instance are harvested,
  each with the imports, constants and helpers it needs;
* ``evalplus`` (also ``humaneval``, ``mbpp``): HumanEval(+) and MBPP(+) files,
  canonical solutions with the calls of their tests as examples;
* ``traces``: folders of the pytest plugin's JSONL trace shards;
* ``bundled``: the few hundred small functions shipped in ``semcoder/corpus/data``.

Typical use::

    from semcoder.corpus.sources import open_source
    source = open_source("tests/data/cruxeval-dev")            # kind guessed from the path
    source = open_source("modules:src/mypackage")              # or named
    for item in source.items():
        print(item.id, item.entry_point, item.examples[:1])

A new kind is a class with ``name``, ``items()`` and ``describe()``, registered with
:func:`register_source` or under the ``semcoder.corpus_sources`` entry-point group.
Sources only read files: nothing they find is imported or run.
"""

from __future__ import annotations

import ast
import gzip
import inspect
import json
import re
import sys
import textwrap
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, ClassVar, Iterable, Iterator, Mapping, Protocol, Sequence

from semcoder.errors import CorpusError

__all__ = [
    "SourceItem",
    "Source",
    "JsonlSource",
    "ModuleSource",
    "EvalPlusSource",
    "TraceDirSource",
    "BundledSource",
    "SOURCE_KINDS",
    "BUNDLED_DATA",
    "register_source",
    "open_source",
    "harvest_module",
]

#: The folder of the bundled default set (Python modules harvested by :class:`ModuleSource`).
BUNDLED_DATA = Path(__file__).parent / "data"

_MAX_EXAMPLES = 10


@dataclass(frozen=True, slots=True)
class SourceItem:
    """One function to process: its code (with what it needs), entry point and what is known of it.

    ``examples`` are CRUXEval-style argument strings that seed input generation;
    ``reject`` names a filter reason when the source already knows the function
    cannot be used (it is then counted as dropped without running);
    ``description_source`` is ``docstring`` or ``record`` (the input record's own).
    """

    id: str
    source: str
    code: str
    entry_point: str
    description: str = ""
    examples: tuple[str, ...] = ()
    origin: str = ""
    reject: str | None = None
    description_source: str = "record"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "code": self.code,
            "entry_point": self.entry_point,
            "description": self.description,
            "examples": list(self.examples),
            "origin": self.origin,
            "reject": self.reject,
            "description_source": self.description_source,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SourceItem:
        return cls(
            id=data["id"],
            source=data["source"],
            code=data["code"],
            entry_point=data["entry_point"],
            description=data.get("description", ""),
            examples=tuple(data.get("examples", ())),
            origin=data.get("origin", ""),
            reject=data.get("reject"),
            description_source=data.get("description_source", "record"),
        )


class Source(Protocol):
    """What the pipeline needs of a source."""

    name: str

    def items(self) -> Iterator[SourceItem]:
        """The functions, in a fixed order (the build's order and its resume points depend on it)."""
        ...

    def describe(self) -> dict[str, Any]:
        """A JSON-ready account of the source for the manifest (kind, path, name)."""
        ...


# -- helpers shared by the sources ---------------------------------------------------------


def _parse(code: str, mode: str = "exec") -> Any:
    """ast.parse, quietly: user code may hold invalid escapes and the like that only warn.

    Text Python cannot compile at all (a lone surrogate such as ``\\ud800``, which
    JSON can carry but UTF-8 cannot) is a SyntaxError like any other.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.parse(code, mode=mode)
        except (UnicodeEncodeError, ValueError) as exc:  # ValueError: a NUL byte in the source
            raise SyntaxError(f"the code is not valid source text: {exc}") from None


def _read_text(path: Path) -> str:
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                return fh.read()
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise CorpusError(f"cannot read {path}: {exc}") from None


def _jsonl_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for lineno, line in enumerate(_read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{path}:{lineno}: not a JSON line ({exc.msg})") from None
        if not isinstance(data, dict):
            raise CorpusError(f"{path}:{lineno}: expected a JSON object, got {type(data).__name__}")
        yield lineno, data


def _jsonl_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith((".jsonl", ".jsonl.gz")))
    raise CorpusError(f"no such file or folder: {path}")


def _source_name(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".jsonl", ".json", ".py"):
        name = name.removesuffix(suffix)
    return name or "source"


def _unique_ids(items: Iterable[SourceItem]) -> Iterator[SourceItem]:
    # Ids key the build's journal, so they must be unique; repeats get #2, #3 ...
    seen: dict[str, int] = {}
    for item in items:
        count = seen.get(item.id, 0) + 1
        seen[item.id] = count
        yield item if count == 1 else replace(item, id=f"{item.id}#{count}")


def _defined_functions(tree: ast.Module) -> list[str]:
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _guess_entry(code: str, given: str | None) -> tuple[str, str | None]:
    """(entry point, reject reason) for a code record."""
    if given:
        return given, None
    try:
        tree = _parse(code)
    except SyntaxError:
        return "f", "syntax_error"
    names = _defined_functions(tree)
    if "f" in names:
        return "f", None
    if names:
        return names[-1], None
    return "f", "no_function"


def _call_arguments(expr: str, names: Sequence[str]) -> str | None:
    """The argument text of a call to one of ``names`` in ``expr`` (first such call), or None."""
    try:
        tree = _parse(expr.strip(), mode="eval")
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and not node.keywords:
            func = node.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if called in names and not any(isinstance(a, ast.Starred) for a in node.args):
                return ", ".join(ast.unparse(a) for a in node.args)
    return None


def _calls_in_code(code: str, names: Sequence[str], limit: int = _MAX_EXAMPLES) -> tuple[str, ...]:
    """Argument texts of calls to ``names`` in test code (HumanEval's ``check``, MBPP's asserts)."""
    try:
        tree = _parse(code)
    except SyntaxError:
        return ()
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and not node.keywords:
            func = node.func
            if isinstance(func, ast.Name) and func.id in names and not any(isinstance(a, ast.Starred) for a in node.args):
                text = ", ".join(ast.unparse(a) for a in node.args)
                if text not in found:
                    found.append(text)
        if len(found) >= limit:
            break
    return tuple(found)


def _doctest_examples(doc: str, entry: str) -> tuple[str, ...]:
    found: list[str] = []
    for line in doc.splitlines():
        stripped = line.strip()
        if stripped.startswith(">>> ") and entry in stripped:
            args = _call_arguments(stripped[4:], [entry])
            if args is not None and args not in found:
                found.append(args)
    return tuple(found[:_MAX_EXAMPLES])


def _prose(doc: str) -> str:
    """A docstring without its doctest examples (their outputs would give answers away)."""
    kept: list[str] = []
    for line in inspect.cleandoc(doc).splitlines():
        if line.lstrip().startswith(">>>"):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def _strip_docstring(code: str, entry: str) -> str:
    """Remove the docstrings of the code's top-level functions when they have lines of their own.

    The entry function's docstring is the record's description; a helper's would leak
    outputs from its doctests into the prediction tasks.
    """
    try:
        tree = _parse(code)
    except SyntaxError:
        return code
    lines = code.splitlines(keepends=True)
    cut: list[tuple[int, int]] = []
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        body = node.body
        if len(body) > 1 and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None),
                                                                          ast.Constant) \
                and isinstance(body[0].value.value, str):
            doc = body[0]
            start, end = doc.lineno, doc.end_lineno or doc.lineno
            before = lines[start - 1][: doc.col_offset]
            after = lines[end - 1][doc.end_col_offset or 0:]
            if before.strip() or after.strip():
                continue  # shares a line with other code: leave it
            while end < len(lines) and not lines[end].strip():
                end += 1  # and the blank lines that separated it from the body
            cut.append((start, end))
    for start, end in reversed(cut):
        del lines[start - 1:end]
    return "".join(lines)


# -- JSONL code records ------------------------------------------------------------------------


def _record_item(data: Mapping[str, Any], name: str, where: str, position: int) -> SourceItem:
    rid = str(data.get("id", data.get("task_id", position)))
    if "canonical_solution" in data and "entry_point" in data:
        return _evalplus_item(data, name, where)
    code = data.get("code", data.get("solution", data.get("completion")))
    if not isinstance(code, str):
        raise CorpusError(f"{where}: a code record needs a 'code' (or 'solution') string; found fields "
                          f"{', '.join(sorted(data)) or 'none'}")
    description = data.get("description", data.get("instruction", data.get("problem", "")))
    entry, reject = _guess_entry(code, data.get("entry_point"))
    examples: list[str] = []
    given = data.get("inputs", data.get("input"))
    if isinstance(given, str):
        examples.append(given)
    elif isinstance(given, list):
        examples.extend(str(x) for x in given if isinstance(x, str))
    return SourceItem(id=f"{name}:{rid}", source=name, code=code, entry_point=entry,
                      description=str(description or "").strip(), examples=tuple(examples[:_MAX_EXAMPLES]),
                      origin=where, reject=reject)


@dataclass
class JsonlSource:
    """A JSONL file (or a folder searched for ``*.jsonl``/``*.jsonl.gz``) of code records.

    A record has ``code`` (or ``solution``) and optionally ``id``, ``entry_point``
    (default: ``f`` when defined, else the last function), ``input`` / ``inputs``
    (CRUXEval-style argument strings) and ``description`` (or ``instruction``).
    Records in HumanEval/MBPP form are read as :class:`EvalPlusSource` reads them.

        JsonlSource("tests/data/cruxeval-dev/cruxeval-dev.jsonl").items()
    """

    path: str
    name: str = ""
    kind: ClassVar[str] = "jsonl"

    def __post_init__(self) -> None:
        self.name = self.name or _source_name(Path(self.path))

    def items(self) -> Iterator[SourceItem]:
        def gen() -> Iterator[SourceItem]:
            for file in _jsonl_files(Path(self.path)):
                for position, (lineno, data) in enumerate(_jsonl_records(file)):
                    yield _record_item(data, self.name, f"{file}:{lineno}", position)

        return _unique_ids(gen())

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "path": str(self.path)}


# -- HumanEval(+) / MBPP(+) --------------------------------------------------------------------


def _mbpp_description(prompt: str) -> str:
    text = prompt.strip().strip('"').strip()
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("assert ")).strip()


def _evalplus_item(data: Mapping[str, Any], name: str, where: str) -> SourceItem:
    entry = str(data["entry_point"])
    task = str(data.get("task_id", entry))
    prompt = str(data.get("prompt", ""))
    solution = str(data["canonical_solution"])
    if re.search(rf"^\s*def\s+{re.escape(entry)}\s*\(", solution, re.M):
        code = solution.strip("\n") + "\n"  # MBPP: the solution is the whole function
        description, described_by = _mbpp_description(prompt), "record"
    else:
        code = prompt + solution  # HumanEval: the prompt is the signature and docstring
        description, described_by = "", "docstring"
        try:
            for node in _parse(code).body:
                if isinstance(node, ast.FunctionDef) and node.name == entry:
                    description = _prose(ast.get_docstring(node) or "")
        except SyntaxError:
            pass
        code = _strip_docstring(code, entry)
    examples = _calls_in_code(str(data.get("test", "")), ["candidate", entry])
    examples += tuple(e for e in _calls_in_code(str(data.get("assertion", "")), [entry]) if e not in examples)
    if not examples:
        try:
            stored = json.loads(data.get("base_input") or "[]") if isinstance(data.get("base_input"), str) \
                else data.get("base_input") or []
            examples = tuple(", ".join(repr(a) for a in args) for args in stored[:_MAX_EXAMPLES] if isinstance(args, list))
        except (ValueError, TypeError):
            examples = ()
    return SourceItem(id=f"{name}:{task}", source=name, code=code, entry_point=entry, description=description,
                      examples=examples[:_MAX_EXAMPLES], origin=where, description_source=described_by)


@dataclass
class EvalPlusSource:
    """HumanEval / HumanEval+ / MBPP+ files (``.jsonl`` or ``.jsonl.gz``): canonical solutions.

    The code is the canonical solution (after HumanEval's prompt), the description
    the docstring (HumanEval) or the prompt without its assertion (MBPP), and the
    examples are the argument lists of the calls in ``test`` / ``assertion``.

        EvalPlusSource("tests/data/humanevalplus/HumanEvalPlus.jsonl.gz").items()
    """

    path: str
    name: str = ""
    kind: ClassVar[str] = "evalplus"

    def __post_init__(self) -> None:
        self.name = self.name or _source_name(Path(self.path)).lower()

    def items(self) -> Iterator[SourceItem]:
        def gen() -> Iterator[SourceItem]:
            for file in _jsonl_files(Path(self.path)):
                for lineno, data in _jsonl_records(file):
                    if "canonical_solution" not in data or "entry_point" not in data:
                        raise CorpusError(f"{file}:{lineno}: not a HumanEval/MBPP record (it needs "
                                          "canonical_solution and entry_point)")
                    yield _evalplus_item(data, self.name, f"{file}:{lineno}")

        return _unique_ids(gen())

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "path": str(self.path)}


# -- modules: harvest functions and methods ------------------------------------------------------


def _bound_names(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [a.asname or a.name.split(".")[0] for a in node.names if a.name != "*"]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets = [node.target]
    names: list[str] = []
    for target in targets:
        for sub in ast.walk(target):
            if isinstance(sub, ast.Name):
                names.append(sub.id)
    return names


def _used_names(node: ast.AST) -> set[str]:
    return {sub.id for sub in ast.walk(node) if isinstance(sub, ast.Name)}


def _segment(lines: list[str], node: ast.stmt) -> str:
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return textwrap.dedent("".join(lines[first - 1: node.end_lineno or node.lineno]))


def _closure(tree: ast.Module, start: set[str], skip: ast.stmt | None) -> list[int]:
    """Indices of the module-level statements that define ``start`` names, transitively, in module order."""
    binders: dict[str, list[int]] = {}
    for index, node in enumerate(tree.body):
        if node is skip:
            continue
        for name in _bound_names(node):
            binders.setdefault(name, []).append(index)
    wanted: set[int] = set()
    todo = list(start)
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for index in binders.get(name, ()):
            if index not in wanted:
                wanted.add(index)
                todo.extend(_used_names(tree.body[index]) - seen)
    return sorted(wanted)


def _method_as_function(text: str, needs_self: bool) -> str:
    """A method's source as a top-level function: decorators dropped, and ``self``/``cls`` too."""
    import libcst as cst

    module = cst.parse_module(text)
    fn = module.body[0]
    assert isinstance(fn, cst.FunctionDef)
    params = fn.params
    if needs_self and params.params:
        params = params.with_changes(params=params.params[1:])
    elif needs_self and params.posonly_params:
        params = params.with_changes(posonly_params=params.posonly_params[1:])
    fn = fn.with_changes(params=params, decorators=())
    return module.with_changes(body=[fn]).code


def _decorator_names(node: ast.FunctionDef) -> list[str]:
    names = []
    for deco in node.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        names.append(ast.unparse(target))
    return names


def harvest_module(text: str, module: str, name: str, origin: str = "") -> list[SourceItem]:
    """Functions of one module's source text, each as a self-contained :class:`SourceItem`.

    Top-level functions come with the module-level imports, constants, helpers and
    classes they use (transitively); methods become plain functions when they never
    use ``self`` / ``cls`` (others are rejected as ``needs_instance``). The entry
    function's docstring becomes the description (and leaves the code); calls in
    its doctests become examples. Nothing is imported or run.

    >>> [i.entry_point for i in harvest_module("def double(x):\\n    return 2 * x\\n", "m", "demo")]
    ['double']
    """
    try:
        tree = _parse(text)
    except SyntaxError as exc:
        return [SourceItem(id=f"{name}:{module}", source=name, code=text, entry_point="", origin=origin,
                           reject="syntax_error", description=f"line {exc.lineno}: {exc.msg}")]
    lines = text.splitlines(keepends=True)
    items: list[SourceItem] = []

    def add(node: ast.FunctionDef, qualname: str, function_text: str, owner: ast.stmt, reject: str | None) -> None:
        doc = ast.get_docstring(node) or ""
        chosen = _closure(tree, _used_names(node) - {node.name}, node if owner is node else None)
        defined = {n for i in chosen for n in _bound_names(tree.body[i])}
        if node.name in defined and reject is None:
            reject = "name_clash"
        # A top-level function keeps its place in module order; a method comes last.
        place = tree.body.index(owner) if owner is node else len(tree.body)
        parts = [_segment(lines, tree.body[i]) for i in chosen if i < place] + [function_text]
        parts += [_segment(lines, tree.body[i]) for i in chosen if i > place]
        code = "\n\n".join(p.strip("\n") for p in parts) + "\n"
        if reject is None and not (node.args.posonlyargs or node.args.args or node.args.kwonlyargs
                                   or node.args.vararg):
            reject = "no_parameters"
        if reject is None and owner is not node and not (len(node.args.posonlyargs + node.args.args) > 1
                                                        or node.args.kwonlyargs or node.args.vararg) \
                and "staticmethod" not in _decorator_names(node):
            reject = "no_parameters"
        code = _strip_docstring(code, node.name)
        where = f"{origin}:{node.lineno}" if origin else f"{module}:{node.lineno}"
        items.append(SourceItem(id=f"{name}:{module}.{qualname}", source=name, code=code, entry_point=node.name,
                                description=_prose(doc), examples=_doctest_examples(doc, node.name),
                                origin=where, reject=reject, description_source="docstring"))

    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            if node.name.startswith("test_") or node.name == "main":
                continue
            add(node, node.name, _segment(lines, node), node, None)
        elif isinstance(node, ast.ClassDef):
            for member in node.body:
                if not isinstance(member, ast.FunctionDef) or member.name.startswith("__"):
                    continue
                decorators = _decorator_names(member)
                static = "staticmethod" in decorators
                others = [d for d in decorators if d not in ("staticmethod", "classmethod")]
                reject: str | None = None
                params = member.args.posonlyargs + member.args.args
                first = params[0].arg if params and not static else None
                if others:
                    reject = "needs_instance"  # properties and the like describe an object, not a call
                elif not static and first is None:
                    reject = "needs_instance"
                elif first is not None and first in _used_names(ast.Module(body=member.body, type_ignores=[])):
                    reject = "needs_instance"
                segment = _segment(lines, member)
                function_text = segment if reject else _method_as_function(segment, needs_self=not static)
                add(member, f"{node.name}.{member.name}", function_text, node, reject)
    return items


def _package_dir(target: str) -> Path:
    path = Path(target)
    if path.exists():
        return path
    if re.fullmatch(r"[A-Za-z_][\w.]*", target):
        # An installed package, found on sys.path without importing (and so running) it.
        relative = Path(*target.split("."))
        for entry in sys.path:
            base = Path(entry or ".") / relative
            if (base / "__init__.py").is_file() or base.is_dir():
                return base
            if base.with_suffix(".py").is_file():
                return base.with_suffix(".py")
    raise CorpusError(f"no such folder, file or installed package: {target}")


@dataclass
class ModuleSource:
    """Functions harvested from a folder of Python modules, one module, or an installed package.

        ModuleSource("src/mypackage").items()       # a folder, searched for *.py
        ModuleSource("textwrap").items()            # an installed package or module, by name

    Test files (``test_*.py``, ``*_test.py``, ``conftest.py``) and ``setup.py`` are skipped.
    """

    target: str
    name: str = ""
    kind: ClassVar[str] = "modules"

    def __post_init__(self) -> None:
        self.name = self.name or _source_name(_package_dir(self.target))

    def _files(self) -> tuple[Path, list[Path]]:
        root = _package_dir(self.target)
        if root.is_file():
            return root.parent, [root]
        files = sorted(p for p in root.rglob("*.py") if not _skipped_file(p.relative_to(root)))
        return root, files

    def items(self) -> Iterator[SourceItem]:
        def gen() -> Iterator[SourceItem]:
            root, files = self._files()
            for file in files:
                module = ".".join(file.relative_to(root).with_suffix("").parts)
                module = module.removesuffix(".__init__") or root.name
                yield from harvest_module(_read_text(file), module, self.name, origin=str(file.relative_to(root.parent)))

        return _unique_ids(gen())

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "path": str(self.target)}


def _skipped_file(relative: Path) -> bool:
    name = relative.name
    if any(part.startswith(".") or part in ("tests", "test", "__pycache__") for part in relative.parts[:-1]):
        return True
    return name.startswith("test_") or name.endswith("_test.py") or name in ("conftest.py", "setup.py")


@dataclass
class BundledSource:
    """The bundled default set: small functions in ``semcoder/corpus/data``, written for this project."""

    name: str = "bundled"
    kind: ClassVar[str] = "bundled"
    _modules: ModuleSource = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._modules = ModuleSource(str(BUNDLED_DATA), name=self.name)

    def items(self) -> Iterator[SourceItem]:
        return self._modules.items()

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "path": "semcoder/corpus/data"}


# -- pytest plugin trace shards --------------------------------------------------------------------


def _module_file(module: str, roots: Sequence[Path]) -> Path | None:
    relative = Path(*module.split("."))
    for root in roots:
        for candidate in (root / relative.with_suffix(".py"), root / relative / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None


def _literal_args(trace: Mapping[str, Any]) -> str | None:
    args = trace.get("args") or {}
    texts = []
    for value in args.values():
        text = value.get("repr") if isinstance(value, Mapping) else None
        if not isinstance(text, str):
            return None
        try:
            ast.literal_eval(text)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None
        texts.append(text)
    return ", ".join(texts)


@dataclass
class TraceDirSource:
    """Functions seen by the pytest plugin: folders of JSONL trace shards.

    A folder written by ``pytest --pytrace-sem=DIR`` (``traces.*.jsonl``) is read
    with :func:`pytrace_sem.tracedir.read_dir`; other JSONL files may hold flat
    lines, a trace (``pytrace_sem.Trace.to_json()``) plus ``test_id``, ``module``
    and ``qualname``. Traces are grouped by function; the function is harvested
    from its source file (the record's ``file``, or its module found under
    ``roots``, default the current folder and ``sys.path``), so it comes with its
    helpers, and otherwise taken from the trace's own source. The arguments the tests
    passed (when they are literals) become examples.

        TraceDirSource(".pytrace-sem/traces").items()
    """

    path: str
    name: str = ""
    roots: tuple[str, ...] = ()
    kind: ClassVar[str] = "traces"

    def __post_init__(self) -> None:
        self.name = self.name or "traces"

    def items(self) -> Iterator[SourceItem]:
        return _unique_ids(self._items())

    def _records(self) -> Iterator[tuple[str, str, Mapping[str, Any], str | None, str]]:
        """(module, qualname, trace JSON, source file or None, origin) of every trace in the folder."""
        folder = Path(self.path)
        if folder.is_dir() and any(folder.glob("traces.*.jsonl")):
            from pytrace_sem.errors import TraceFormatError
            from pytrace_sem.tracedir import read_dir

            try:
                contents = read_dir(folder)  # the plugin's own reader: it honours dropped records
            except TraceFormatError as exc:
                raise CorpusError(str(exc)) from None
            for record in contents.records:
                yield (record.module, record.qualname, record.trace_json, record.file or None,
                       f"{record.file}:{record.first_line}")
            return
        for file in _jsonl_files(folder):  # flat lines: a trace's JSON plus test_id, module, qualname
            for lineno, data in _jsonl_records(file):
                module, qualname = data.get("module"), data.get("qualname") or data.get("function")
                trace = data.get("trace") if isinstance(data.get("trace"), Mapping) else data
                if not isinstance(module, str) or not isinstance(qualname, str) or "source" not in trace:
                    raise CorpusError(f"{file}:{lineno}: not a pytest-plugin trace record (it needs module, "
                                      "qualname and the trace's source)")
                yield module, qualname, trace, data.get("file"), f"{file}:{lineno}"

    def _items(self) -> Iterator[SourceItem]:
        groups: dict[tuple[str, str], dict[str, Any]] = {}
        for module, qualname, trace, source_file, origin in self._records():
            group = groups.setdefault((module, qualname), {"source": trace["source"], "examples": [],
                                                           "origin": origin, "file": source_file})
            args = _literal_args(trace)
            if args is not None and args not in group["examples"]:
                group["examples"].append(args)
        roots = [Path(r) for r in self.roots] or [Path.cwd()] + [Path(p or ".") for p in sys.path]
        harvested: dict[str, dict[str, SourceItem]] = {}
        for (module, qualname), group in sorted(groups.items()):
            item = self._from_module(module, qualname, roots, harvested, group["file"])
            if item is None:
                item = self._from_trace(module, qualname, group["source"], group["origin"])
            yield replace(item, examples=tuple(dict.fromkeys(item.examples + tuple(group["examples"])))[:_MAX_EXAMPLES])

    def _from_module(self, module: str, qualname: str, roots: Sequence[Path],
                     cache: dict[str, dict[str, SourceItem]], source_file: str | None) -> SourceItem | None:
        if module not in cache:
            file = Path(source_file) if source_file and Path(source_file).is_file() else _module_file(module, roots)
            found: dict[str, SourceItem] = {}
            if file is not None:
                for item in harvest_module(_read_text(file), module, self.name, origin=str(file)):
                    found[item.id] = item
            cache[module] = found
        return cache[module].get(f"{self.name}:{module}.{qualname}")

    def _from_trace(self, module: str, qualname: str, source: str, origin: str) -> SourceItem:
        name = qualname.rsplit(".", 1)[-1]
        reject = "not_top_level" if "<locals>" in qualname else None
        if reject is None and "." in qualname:
            reject = "needs_instance"  # a method whose class we cannot see
        return SourceItem(id=f"{self.name}:{module}.{qualname}", source=self.name, code=source, entry_point=name,
                          origin=origin, reject=reject)

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "path": str(self.path)}


# -- the registry and source specs ----------------------------------------------------------------

#: Source kinds by name: a factory that takes the text after ``kind:`` in a spec.
SOURCE_KINDS: dict[str, Callable[[str], Source]] = {
    "jsonl": lambda arg: JsonlSource(arg),
    "modules": lambda arg: ModuleSource(arg),
    "package": lambda arg: ModuleSource(arg),
    "evalplus": lambda arg: EvalPlusSource(arg),
    "humaneval": lambda arg: EvalPlusSource(arg),
    "mbpp": lambda arg: EvalPlusSource(arg),
    "traces": lambda arg: TraceDirSource(arg),
    "bundled": lambda arg: BundledSource(),
}


def register_source(kind: str, factory: Callable[[str], Source]) -> None:
    """Make ``kind:ARG`` source specs build ``factory(ARG)``."""
    if not re.fullmatch(r"[a-z][a-z0-9_-]*", kind):
        raise CorpusError(f"a source kind is a lower-case word, not {kind!r}")
    SOURCE_KINDS[kind] = factory


def _entry_point_kinds() -> None:
    from importlib.metadata import entry_points

    for ep in entry_points(group="semcoder.corpus_sources"):
        if ep.name not in SOURCE_KINDS:
            SOURCE_KINDS[ep.name] = ep.load()


def _guess(path: Path) -> Source:
    if not path.exists():
        if re.fullmatch(r"[A-Za-z_][\w.]*", str(path)):
            return ModuleSource(str(path))  # an installed package by name
        raise CorpusError(f"no such file, folder or installed package: {path}")
    if path.is_file() and path.suffix == ".py":
        return ModuleSource(str(path))
    if path.is_dir() and any(not _skipped_file(p.relative_to(path)) for p in path.rglob("*.py")):
        return ModuleSource(str(path))
    files = _jsonl_files(path)
    if not files:
        raise CorpusError(f"{path} has no .py or .jsonl files; name the kind, e.g. jsonl:{path}")
    first = next((data for _, data in _jsonl_records(files[0])), None)
    if first is None:
        raise CorpusError(f"{files[0]} is empty")
    if "test_id" in first and ("steps" in first or first.get("record") in ("trace", "drop")):
        return TraceDirSource(str(path))
    if "canonical_solution" in first and "entry_point" in first:
        return EvalPlusSource(str(path))
    return JsonlSource(str(path))


def open_source(spec: str | Source) -> Source:
    """A source from a spec: ``KIND:ARG`` (``jsonl:data.jsonl``, ``modules:pkg``, ``bundled``) or a path.

    A bare path is guessed: ``.py`` files make a :class:`ModuleSource`; JSONL files
    are read as trace shards, HumanEval/MBPP records or code records by their first line.
    """
    if not isinstance(spec, str):
        return spec
    text = spec.strip()
    if not text:
        raise CorpusError("an empty source spec; give a path or KIND:ARG (kinds: " + ", ".join(SOURCE_KINDS) + ")")
    kind, sep, arg = text.partition(":")
    if sep and kind not in SOURCE_KINDS and re.fullmatch(r"[a-z][a-z0-9_-]*", kind) and not Path(text).exists():
        _entry_point_kinds()
        if kind not in SOURCE_KINDS:
            raise CorpusError(f"unknown source kind {kind!r} in {spec!r}; known kinds: {', '.join(SOURCE_KINDS)}")
    if text == "bundled":
        return BundledSource()
    if sep and kind in SOURCE_KINDS:
        return SOURCE_KINDS[kind](arg)
    return _guess(Path(text))
