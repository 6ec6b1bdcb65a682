"""The test-run report: a static HTML site of what a ``pytest --pytrace-sem=DIR`` run traced.

    from pytrace_sem.render.report_site import write_report_site

    site = write_report_site("traces/", "traces-html/")
    print(site.index)          # traces-html/index.html, to open in a browser

``pytrace-sem report DIR --html OUT`` does the same. The index lists the modules
and functions of the traced package with their counts; each module has a page with
its source, where the lines the tests ran are marked, and so are the statements of
traced functions that no kept trace ran; each recorded call opens in the trace
viewer (one page per trace). Functions of those modules that have no trace of their
own are listed with the reason.

What can be known is limited by what the plugin records: one trace per outermost
call of a target function, holding only that function's own lines. Lines outside
traced functions (module-level code, class bodies, untraced functions) carry no
mark, and the marks come from the kept traces only (the plugin samples at most
``--pytrace-sem-max-traces`` calls per function), so a line a dropped call ran may
show as not run. :func:`build_report` computes everything without writing.
"""

from __future__ import annotations

import ast
import os
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from pytrace_sem.errors import PytraceSemError
from pytrace_sem.render.static_site import SiteFolder, esc, page, slug, source_lines_html

__all__ = [
    "REASONS",
    "FunctionReport",
    "ModuleReport",
    "Report",
    "SiteResult",
    "statement_lines",
    "build_report",
    "write_report_site",
]

#: Why a function of a traced module has no trace of its own, by key.
REASONS: dict[str, str] = {
    "nested": "only called from other traced functions",
    "never": "never called by the tests",
    "special": "a special method, run without a call by its name",
    "not_kept": "called, but no trace was kept",
}

_SPECIAL_CALLED_BY_CLASS = ("__init__", "__new__")
_MARK = "pytrace-sem report"


def statement_lines(source: str) -> set[int]:
    """Lines of a function's source (numbered from its def) that hold statements of its body.

    A leading docstring is left out; statements of functions defined inside count.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                body = body[1:]
            for stmt in body:
                for sub in ast.walk(stmt):
                    if isinstance(sub, ast.stmt) and not isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                           ast.ClassDef)):
                        lines.add(sub.lineno)
    return lines


@dataclass(frozen=True, slots=True)
class FunctionReport:
    """One function of a traced module: its records, the file lines they ran, or why it has none.

    ``run`` and ``statements`` are file lines (``statements``: the statement lines of
    the body, known only for a traced function). ``reason`` is a key of
    :data:`REASONS` for a function without records, with ``detail`` saying what was seen.
    """

    module: str
    qualname: str
    first_line: int
    last_line: int | None
    records: tuple[Any, ...] = ()
    calls: int | None = None
    run: frozenset[int] = frozenset()
    run_counts: Mapping[int, int] = field(default_factory=dict)
    statements: frozenset[int] = frozenset()
    reason: str | None = None
    detail: str = ""

    @property
    def name(self) -> str:
        return f"{self.module}:{self.qualname}"

    @property
    def anchor(self) -> str:
        return "f-" + slug(self.qualname)

    @property
    def tests(self) -> int:
        return len({r.test_id for r in self.records})


@dataclass(frozen=True, slots=True)
class ModuleReport:
    """One module that has records: its file, its source lines (None: unreadable) and its functions."""

    module: str
    file: str
    lines: tuple[str, ...] | None
    functions: tuple[FunctionReport, ...]
    notes: tuple[str, ...] = ()

    @property
    def page(self) -> str:
        return f"modules/{slug(self.module)}.html"

    @property
    def traced(self) -> list[FunctionReport]:
        return [f for f in self.functions if f.records]

    @property
    def untraced(self) -> list[FunctionReport]:
        return [f for f in self.functions if not f.records]

    def line_marks(self) -> dict[int, str]:
        """File line -> ``run``, ``unrun`` (a statement of a traced function no trace ran) or ``notrace``."""
        marks: dict[int, str] = {}
        for f in self.untraced:
            for line in range(f.first_line, (f.last_line or f.first_line) + 1):
                marks[line] = "notrace"
        for f in self.traced:
            for line in f.statements - f.run:
                marks[line] = "unrun"
        for f in self.traced:
            for line in f.run:
                marks[line] = "run"
        return marks


@dataclass(frozen=True, slots=True)
class Report:
    """Everything the site shows, computed from a trace directory."""

    directory: str
    modules: tuple[ModuleReport, ...]
    records: int
    tests: int
    summary: Mapping[str, Any] | None
    damaged: int
    modules_without_records: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SiteResult:
    """What :func:`write_report_site` wrote."""

    out: Path
    index: Path
    pages: int
    report: Report


# -- reading the sources ------------------------------------------------------------------------------------


def _read_lines(file: str) -> tuple[str, ...] | None:
    try:
        with tokenize.open(file) as fh:  # the file's own encoding, as Python reads it
            return tuple(fh.read().splitlines())
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None


def _defs(tree: ast.Module) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """(qualified name, node) of the module's functions and methods, in source order.

    Functions defined inside functions are part of their enclosing function's trace,
    so they are not listed; definitions under module-level ``if``/``try`` are.
    """

    def walk(body: Iterable[ast.stmt], prefix: str) -> Iterator[tuple[str, Any]]:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield prefix + node.name, node
            elif isinstance(node, ast.ClassDef):
                yield from walk(node.body, f"{prefix}{node.name}.")
            else:
                for name in ("body", "orelse", "finalbody"):
                    inner = getattr(node, name, None)
                    if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                        yield from walk(inner, prefix)
                for handler in getattr(node, "handlers", ()) or ():
                    yield from walk(handler.body, prefix)

    yield from walk(tree.body, "")


def _is_property(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for deco in node.decorator_list:
        name = deco.attr if isinstance(deco, ast.Attribute) else getattr(deco, "id", "")
        if name in ("property", "cached_property", "setter", "getter", "deleter"):
            return True
    return False


def _names_used(node: ast.AST) -> dict[int, set[str]]:
    """File line of each statement -> the names it calls (``f(...)``, ``x.f(...)``) or reads as attributes."""
    out: dict[int, set[str]] = {}

    def visit(sub: ast.AST, line: int) -> None:
        if isinstance(sub, ast.stmt):
            line = sub.lineno
        if isinstance(sub, ast.Call):
            func = sub.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name:
                out.setdefault(line, set()).add(name)
        elif isinstance(sub, ast.Attribute):
            out.setdefault(line, set()).add("." + sub.attr)
        for child in ast.iter_child_nodes(sub):
            visit(child, line)

    for stmt in getattr(node, "body", ()):
        visit(stmt, stmt.lineno)
    return out


# -- building the report ------------------------------------------------------------------------------------


def _run_lines(records: Iterable[Any]) -> dict[int, int]:
    """File line -> how many of the records ran it."""
    counts: dict[int, int] = {}
    for rec in records:
        for line in {step["line"] for step in rec.trace_json["steps"]}:
            file_line = line + rec.first_line - 1
            counts[file_line] = counts.get(file_line, 0) + 1
    return counts


def _traced(module: str, qualname: str, recs: list[Any], calls: int | None,
            node: ast.FunctionDef | ast.AsyncFunctionDef | None) -> FunctionReport:
    first = recs[0].first_line
    counts = _run_lines(recs)
    statements = {line + first - 1 for line in statement_lines(recs[0].trace_json["source"])}
    last = node.end_lineno if node is not None else first + len(recs[0].trace_json["source"].splitlines()) - 1
    return FunctionReport(module=module, qualname=qualname, first_line=first, last_line=last, records=tuple(recs),
                          calls=calls, run=frozenset(counts), run_counts=counts, statements=frozenset(statements))


def build_report(directory: str | os.PathLike[str]) -> Report:
    """Read a trace directory and the source files its records point to; compute the site's contents."""
    from pytrace_sem.tracedir import read_dir

    contents = read_dir(directory)
    summary = contents.summary or {}
    counts: Mapping[str, Any] = summary.get("functions", {}) if isinstance(summary, dict) else {}
    by_module: dict[str, dict[str, list[Any]]] = {}
    files: dict[str, str] = {}
    for rec in contents.records:
        by_module.setdefault(rec.module, {}).setdefault(rec.qualname, []).append(rec)
        files.setdefault(rec.module, rec.file)

    parsed: dict[str, tuple[tuple[str, ...] | None, list[tuple[str, Any]], list[str]]] = {}
    for module, file in files.items():
        lines = _read_lines(file)
        notes: list[str] = []
        defs: list[tuple[str, Any]] = []
        if lines is None:
            notes.append(f"The source file {file} cannot be read here: lines are not shown, and functions "
                         "without traces cannot be found.")
        else:
            try:
                defs = list(_defs(ast.parse("\n".join(lines) + "\n", filename=file)))
            except SyntaxError:
                notes.append(f"The source file {file} does not parse: functions without traces cannot be found.")
        parsed[module] = (lines, defs, notes)

    def calls_of(name: str) -> int | None:
        c = counts.get(name)
        return c.get("calls") if isinstance(c, dict) else None

    # Traced functions first: their run lines tell which names the tests' code called.
    traced: dict[str, dict[str, FunctionReport]] = {}
    used_by: dict[str, list[tuple[str, int]]] = {}  # name -> (caller, file line) on lines the traces ran
    for module, functions in by_module.items():
        lines, defs, notes = parsed[module]
        nodes = {q: n for q, n in defs}
        for qualname, recs in functions.items():
            recs.sort(key=lambda r: r.id)
            node = nodes.get(qualname)
            report = _traced(module, qualname, recs, calls_of(f"{module}:{qualname}"), node)
            if node is not None and node.lineno != report.first_line and \
                    not any(q == qualname and n.lineno == report.first_line for q, n in defs):
                notes.append(f"{qualname} starts at line {node.lineno} in the file but at line {report.first_line} "
                             "in its traces: the file changed since the run, so marks may be off.")
            elif lines is not None:
                text = [t.strip() for t in recs[0].trace_json["source"].splitlines()]
                # A method's trace holds its source dedented: compare the lines' text only.
                if [t.strip() for t in lines[report.first_line - 1:report.first_line - 1 + len(text)]] != text:
                    notes.append(f"The text of {qualname} in the file differs from its traces: the file changed "
                                 "since the run, so marks may be off.")
            traced.setdefault(module, {})[qualname] = report
            if node is not None:
                for line, names in _names_used(node).items():
                    if line in report.run:
                        for name in names:
                            used_by.setdefault(name, []).append((report.name, line))

    modules = []
    for module in sorted(by_module):
        lines, defs, notes = parsed[module]
        found: list[FunctionReport] = []
        seen = set()
        for qualname, node in defs:
            if qualname in traced[module]:
                if qualname not in seen:
                    found.append(traced[module][qualname])
                    seen.add(qualname)
                continue
            found.append(_untraced(module, qualname, node, calls_of(f"{module}:{qualname}"), used_by))
        for qualname, report in traced[module].items():  # traced, but not found in the file
            if qualname not in seen:
                found.append(report)
        found.sort(key=lambda f: (f.first_line, f.qualname))
        modules.append(ModuleReport(module=module, file=files[module], lines=lines, functions=tuple(found),
                                    notes=tuple(dict.fromkeys(notes))))
    instrumented = summary.get("modules", {}).get("instrumented", []) if isinstance(summary, dict) else []
    return Report(
        directory=str(contents.path),
        modules=tuple(modules),
        records=len(contents.records),
        tests=len({r.test_id for r in contents.records}),
        summary=summary or None,
        damaged=len(contents.damaged),
        modules_without_records=tuple(sorted(set(instrumented) - set(by_module))),
    )


def _untraced(module: str, qualname: str, node: Any, calls: int | None,
              used_by: Mapping[str, list[tuple[str, int]]]) -> FunctionReport:
    short = qualname.rsplit(".", 1)[-1]
    cls = qualname.rsplit(".", 2)[-2] if "." in qualname else None
    base = dict(module=module, qualname=qualname, first_line=node.lineno, last_line=node.end_lineno, calls=calls)
    if calls:
        return FunctionReport(**base, reason="not_kept",
                              detail=f"{calls} outermost calls counted (outside tests, such as at import, or "
                                     "not sampled), none kept")
    if short in _SPECIAL_CALLED_BY_CLASS and cls:
        wanted = cls
    elif _is_property(node):
        wanted = "." + short
    else:
        wanted = short
    seen = used_by.get(wanted, [])
    if seen:
        callers = sorted(set(seen))
        where = ", ".join(f"{caller} (line {line})" for caller, line in callers[:3])
        more = f" and {len(callers) - 3} more" if len(callers) > 3 else ""
        how = "reads it" if wanted.startswith(".") else "calls it by name"
        return FunctionReport(**base, reason="nested", detail=f"a line the traces ran {how}: {where}{more}")
    if short.startswith("__") and short.endswith("__") and short not in _SPECIAL_CALLED_BY_CLASS:
        return FunctionReport(**base, reason="special",
                              detail="Python calls it implicitly; whether the tests did cannot be seen")
    return FunctionReport(**base, reason="never",
                          detail="no trace of its own, and no line the traces ran calls it by name")


# -- writing the site ---------------------------------------------------------------------------------------


def _trace_page_name(rec: Any) -> str:
    return f"traces/{slug(rec.id)}.html"


def _outcome(rec: Any) -> str:
    data = rec.trace_json
    if rec.status == "suspended":
        text = "suspended (the test did not finish it)"
    elif data.get("exception"):
        exc = data["exception"]
        text = f"raised {exc.get('type', '?')}: {exc.get('message', '')}"
    else:
        text = "returned " + str((data.get("return") or {}).get("repr", "None"))
    if data.get("truncated"):
        stopped = data.get("stopped") or {}
        text += f" (trace cut after {stopped.get('after_step', '?')} steps)"
    return _short(text, 160)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def _bar(covered: int, total: int) -> str:
    if not total:
        return "-"
    share = covered / total
    return (f'<span class="bar" title="{covered} of {total}"><i style="width:{share * 100:.0f}%"></i></span>'
            f"{covered}/{total}")


def _function_row(f: FunctionReport, href: str) -> str:
    covered = len(f.statements & f.run)
    calls = "" if f.calls is None else str(f.calls)
    return (f'<tr data-function="{esc(f.name)}" data-traces="{len(f.records)}">'
            f'<td><a href="{esc(href)}">{esc(f.qualname)}</a></td><td class="num">{calls}</td>'
            f'<td class="num">{len(f.records)}</td><td class="num">{f.tests}</td>'
            f"<td>{_bar(covered, len(f.statements))}</td></tr>")


def _untraced_row(f: FunctionReport, href: str) -> str:
    return (f'<tr data-function="{esc(f.name)}" data-reason="{esc(f.reason or "")}">'
            f'<td><a href="{esc(href)}">{esc(f.qualname)}</a></td><td>{esc(REASONS.get(f.reason or "", ""))}</td>'
            f"<td>{esc(f.detail)}</td></tr>")


_FUNC_HEAD = ('<tr><th>function</th><th class="num">calls</th><th class="num">traces</th><th class="num">tests</th>'
              "<th>statements run</th></tr>")
_LIMITS = ("Only lines inside traced functions can be known: the plugin records each outermost call of a target "
           "function with the steps of that function's own code. Module-level code, class bodies and functions "
           "without traces carry no run/not-run mark, and the marks come from the kept traces only (at most "
           "--pytrace-sem-max-traces per function), so a line that only an unkept call ran shows as not run.")


def _index(report: Report) -> str:
    summary = report.summary or {}
    totals = summary.get("totals", {})
    traced = [f for m in report.modules for f in m.traced]
    untraced = [f for m in report.modules for f in m.untraced]
    stats = [f"<span><b>{report.records}</b> traces</span>", f"<span><b>{len(traced)}</b> functions traced</span>",
             f"<span><b>{len(untraced)}</b> without traces</span>", f"<span><b>{report.tests}</b> tests</span>"]
    if totals.get("calls") is not None:
        stats.append(f"<span><b>{totals['calls']}</b> outermost calls</span>")
    parts = [f"<h1>Test run report</h1><p class=\"note\">Trace directory <code>{esc(report.directory)}</code>.</p>",
             f'<div class="stats">{"".join(stats)}</div>']
    if not report.summary:
        parts.append('<div class="warn">No summary.json: the run did not finish; counts come from the traces '
                     "only.</div>")
    if report.damaged:
        parts.append(f'<div class="warn">{report.damaged} damaged lines of the trace files were skipped.</div>')
    parts.append(f'<p class="note">{esc(_LIMITS)}</p>')
    rows = []
    for m in report.modules:
        statements = sum(len(f.statements) for f in m.traced)
        covered = sum(len(f.statements & f.run) for f in m.traced)
        rows.append(f'<tr data-module="{esc(m.module)}"><td><a href="{esc(m.page)}">{esc(m.module)}</a></td>'
                    f'<td><code>{esc(m.file)}</code></td><td class="num">{len(m.traced)}</td>'
                    f'<td class="num">{len(m.untraced)}</td>'
                    f'<td class="num">{sum(len(f.records) for f in m.traced)}</td><td>{_bar(covered, statements)}</td></tr>')
    parts.append('<h2>Modules</h2><table id="modules"><tr><th>module</th><th>file</th><th class="num">functions '
                 'traced</th><th class="num">without traces</th><th class="num">traces</th><th>statements run '
                 "(traced functions)</th></tr>" + "".join(rows) + "</table>")
    if report.modules_without_records:
        parts.append('<p class="note">Instrumented, but no function of theirs was traced (their files are not '
                     "known to the trace directory): " + ", ".join(f"<code>{esc(m)}</code>"
                                                                  for m in report.modules_without_records) + "</p>")
    by_calls = sorted(traced, key=lambda f: (-(f.calls or len(f.records)), f.name))
    parts.append('<h2>Traced functions</h2><table id="functions"><tr><th>function</th><th class="num">calls</th>'
                 '<th class="num">traces</th><th class="num">tests</th><th>statements run</th></tr>'
                 + "".join(_function_row(f, _module_of(report, f).page + "#" + f.anchor)
                           .replace(f">{esc(f.qualname)}</a>", f">{esc(f.name)}</a>", 1) for f in by_calls)
                 + "</table>")
    if untraced:
        parts.append('<h2>Functions without traces</h2><table id="untraced"><tr><th>function</th><th>reason</th>'
                     "<th>seen</th></tr>"
                     + "".join(_untraced_row(f, f"{_module_of(report, f).page}#L{f.first_line}")
                               .replace(f">{esc(f.qualname)}</a>", f">{esc(f.name)}</a>", 1) for f in untraced)
                     + "</table>")
    return page("Test run report", "\n".join(parts))


def _module_of(report: Report, f: FunctionReport) -> ModuleReport:
    return next(m for m in report.modules if m.module == f.module)


def _module_page(m: ModuleReport) -> str:
    parts = [f'<nav class="crumbs"><a href="../index.html">index</a> / {esc(m.module)}</nav>',
             f"<h1>{esc(m.module)}</h1><p class=\"note\"><code>{esc(m.file)}</code></p>"]
    parts.extend(f'<div class="warn">{esc(n)}</div>' for n in m.notes)
    parts.append(f'<p class="note">{esc(_LIMITS)}</p>')
    if m.traced:
        parts.append("<h2>Traced functions</h2><table id=\"functions\">" + _FUNC_HEAD
                     + "".join(_function_row(f, "#" + f.anchor) for f in m.traced) + "</table>")
    if m.untraced:
        parts.append('<h2>Functions without traces</h2><table id="untraced"><tr><th>function</th><th>reason</th>'
                     "<th>seen</th></tr>" + "".join(_untraced_row(f, f"#L{f.first_line}") for f in m.untraced)
                     + "</table>")
    if m.lines is not None:
        marks = m.line_marks()
        counts: dict[int, int] = {}
        for f in m.traced:
            for line, n in f.run_counts.items():
                counts[line] = counts.get(line, 0) + n
        tips = {"unrun": "a statement no kept trace ran", "notrace": "in a function without traces"}
        rows = []
        for number, text in enumerate(m.lines, 1):
            mark = marks.get(number, "")
            tip = f"run by {counts[number]} of the traces" if mark == "run" else tips.get(mark, "")
            rows.append((number, text, mark, tip))
        parts.append('<h2>Source</h2><p class="legend"><span class="run">run by the tests</span>'
                     '<span class="unrun">statement of a traced function, not run</span>'
                     '<span class="notrace">function without traces</span> no mark: not known</p>'
                     + source_lines_html(rows))
    parts.append("<h2>Recorded calls</h2>")
    for f in m.traced:
        rows_html = []
        for rec in f.records:
            rows_html.append(
                f'<tr data-record="{esc(rec.id)}"><td><code>{esc(rec.test_id)}</code>'
                + ("" if rec.phase == "call" else f" ({esc(rec.phase)})")
                + f'</td><td><code>{esc(_short(str(rec.trace_json.get("call", "")), 200))}</code></td>'
                f'<td class="status-{esc(rec.status)}">{esc(_outcome(rec))}</td>'
                f'<td><a class="trace-link" href="../{esc(_trace_page_name(rec))}">step through</a></td></tr>')
        parts.append(f'<h3 id="{esc(f.anchor)}">{esc(f.qualname)} <a class="n" href="#L{f.first_line}">line '
                     f"{f.first_line}</a></h3>"
                     f"<p class=\"note\">{len(f.records)} traces kept"
                     + ("" if f.calls is None else f" of {f.calls} outermost calls")
                     + f", from {f.tests} tests.</p>"
                     "<table class=\"calls\"><tr><th>test</th><th>call</th><th>outcome</th><th>trace</th></tr>"
                     + "".join(rows_html) + "</table>")
    return page(f"{m.module} - test run report", "\n".join(parts))


def write_report_site(directory: str | os.PathLike[str], out: str | os.PathLike[str], *,
                      error: type[PytraceSemError] = PytraceSemError) -> SiteResult:
    """Write the site for trace directory ``directory`` into folder ``out``; return where its index is.

    ``out`` must be new, empty, or an earlier report site (which is replaced); anything
    else raises ``error``.
    """
    from pytrace_sem.render.html import trace_page

    report = build_report(directory)
    with SiteFolder(out, kind=_MARK, error=error, option="--html") as site:
        index = site.write("index.html", _index(report))
        for m in report.modules:
            site.write(m.page, _module_page(m))
            for f in m.traced:
                for rec in f.records:
                    title = f"{f.name} in {rec.test_id}"
                    site.write(_trace_page_name(rec), trace_page(rec.trace, title=title))
        pages = len(site.files)
    return SiteResult(out=Path(out), index=index, pages=pages, report=report)
