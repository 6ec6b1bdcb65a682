"""Shared pieces of the static HTML sites: the page frame, its stylesheet, file names, and the output folder.

    from pytrace_sem.render.static_site import SiteFolder, page

    with SiteFolder("report/", kind="pytrace-sem report", error=UsageError) as site:
        site.write("index.html", page("Report", "<h1>Report</h1>"))

Two commands write such sites: ``pytrace-sem report DIR --html OUT``
(:mod:`pytrace_sem.render.report_site`) and ``semcoder corpus view DIR -o OUT``.
Their pages open from disk with no server: styles (and the corpus index's filter
script) are inline, links are relative, and a Content-Security-Policy forbids every
network request. The trace viewer pages they link to come from
:func:`pytrace_sem.render.html.trace_page`.

A site folder holds a marker file naming what wrote it and every file written. A
folder that is neither empty nor such a site is refused; an earlier site of the same
kind is replaced (only the files it listed are removed).
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
from pathlib import Path
from types import TracebackType
from typing import Iterable

from pytrace_sem.errors import PytraceSemError

__all__ = ["MARKER", "SiteFolder", "page", "slug", "esc", "source_lines_html"]

#: The file in a site folder that lists what the site wrote.
MARKER = ".pytrace-sem-site.json"
_MARKER_FORMAT = 1

_CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
        "form-action 'none'")

_CSS = """
:root { --fg: #1d2330; --muted: #5b6475; --line: #d9dde5; --bg: #ffffff; --panel: #f6f7f9;
        --run: #dff3e3; --run-edge: #3c9a51; --unrun: #fbe1e1; --unrun-edge: #c94444;
        --notrace: #eef0f4; --notrace-edge: #9aa3b2; --link: #1f5fbf; }
* { box-sizing: border-box; }
body { margin: 0; padding: 1.2rem 2rem 3rem; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
       color: var(--fg); background: var(--bg); }
a { color: var(--link); }
h1 { font-size: 1.5rem; margin: 0.2rem 0 0.6rem; }
h2 { font-size: 1.2rem; margin: 1.8rem 0 0.5rem; border-bottom: 1px solid var(--line); padding-bottom: 0.2rem; }
h3 { font-size: 1.05rem; margin: 1.3rem 0 0.4rem; }
nav.crumbs { font-size: 0.9rem; color: var(--muted); margin-bottom: 0.4rem; }
p.note, div.note { color: var(--muted); max-width: 60rem; }
div.warn { background: #fff4d6; border: 1px solid #e8c66a; padding: 0.4rem 0.7rem; margin: 0.6rem 0; }
table { border-collapse: collapse; margin: 0.4rem 0 1rem; }
th, td { text-align: left; padding: 0.25rem 0.7rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre, .src { font: 13px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
pre { background: var(--panel); border: 1px solid var(--line); padding: 0.6rem 0.8rem; overflow-x: auto;
      white-space: pre-wrap; max-width: 70rem; }
.stats span { display: inline-block; margin-right: 1.4rem; }
.stats b { font-size: 1.15rem; }
.src { border: 1px solid var(--line); max-width: 80rem; overflow-x: auto; }
.src .l { display: flex; white-space: pre; border-left: 4px solid transparent; }
.src .l .n { flex: 0 0 3.6rem; text-align: right; padding-right: 0.8rem; color: var(--muted);
             text-decoration: none; user-select: none; }
.src .l code { flex: 1; padding-right: 1rem; }
.src .l.run { background: var(--run); border-left-color: var(--run-edge); }
.src .l.unrun { background: var(--unrun); border-left-color: var(--unrun-edge); }
.src .l.notrace { background: var(--notrace); border-left-color: var(--notrace-edge); }
.src .l:target { outline: 2px solid var(--link); }
.legend span { display: inline-block; padding: 0 0.5rem; margin-right: 0.6rem; border-left: 4px solid; }
.legend .run { background: var(--run); border-color: var(--run-edge); }
.legend .unrun { background: var(--unrun); border-color: var(--unrun-edge); }
.legend .notrace { background: var(--notrace); border-color: var(--notrace-edge); }
.bar { display: inline-block; width: 5rem; height: 0.7rem; background: var(--unrun); vertical-align: middle;
       margin-right: 0.4rem; }
.bar i { display: block; height: 100%; background: var(--run-edge); }
.filters { display: flex; flex-wrap: wrap; gap: 0.6rem 1.4rem; align-items: end; background: var(--panel);
           border: 1px solid var(--line); padding: 0.6rem 0.8rem; max-width: 80rem; }
.filters label { display: flex; flex-direction: column; font-size: 0.85rem; color: var(--muted); }
.filters input { width: 6rem; }
tr[hidden] { display: none; }
.diff > span { display: block; min-height: 1.4em; }
.diff .add { color: #1d6b2e; background: #e6f6e9; }
.diff .del { color: #9b1c1c; background: #fbe9e9; }
.diff .hunk { color: var(--muted); }
details { margin: 0.3rem 0 0.8rem; }
summary { cursor: pointer; color: var(--link); }
.status-kept { color: #1d6b2e; }
.status-dropped { color: #9b1c1c; }
"""


def esc(text: object) -> str:
    """Text for HTML content or a quoted attribute."""
    return html.escape(str(text), quote=True)


def slug(name: str) -> str:
    """A file name for ``name`` that is safe on every file system and unique per name."""
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._")[:60] or "item"
    if readable == name:
        return readable
    return f"{readable}-{hashlib.sha1(name.encode('utf-8')).hexdigest()[:8]}"


def page(title: str, body: str, *, script: str = "") -> str:
    """One complete page: ``body`` (HTML) in the shared frame, with an optional inline script."""
    if "</script" in script.lower():
        raise PytraceSemError("a site script may not contain '</script'; it could not be inlined")
    tail = f"<script>\n{script}</script>\n" if script else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{_CSP}\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"generator\" content=\"pytrace_sem\">\n"
        f"<title>{esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}\n{tail}</body>\n</html>\n"
    )


def source_lines_html(lines: Iterable[tuple[int, str, str, str]]) -> str:
    """A source listing: one row per ``(number, text, css class, tooltip)``, each row anchored ``#L<n>``."""
    rows = []
    for number, text, css, tip in lines:
        title = f' title="{esc(tip)}"' if tip else ""
        rows.append(f'<div class="l {css}" id="L{number}" data-line="{number}"{title}>'
                    f'<a class="n" href="#L{number}">{number}</a><code>{esc(text) or " "}</code></div>')
    return '<div class="src">' + "".join(rows) + "</div>"


class SiteFolder:
    """An output folder claimed for one site: refuses foreign files, replaces an earlier site of the same kind.

    ``error`` is the exception class raised for a folder that cannot be used (each
    command raises its own stage's error). Files are written with :meth:`write`;
    leaving the ``with`` block normally writes the marker listing them.
    """

    def __init__(self, out: str | os.PathLike[str], *, kind: str, error: type[PytraceSemError] = PytraceSemError,
                 option: str = "OUT") -> None:
        self.out = Path(out)
        self.kind = kind
        self.error = error
        self.option = option
        self.files: list[str] = []

    def __enter__(self) -> SiteFolder:
        self._claim()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self._write_text(MARKER, json.dumps({"format": _MARKER_FORMAT, "kind": self.kind,
                                                 "files": sorted(self.files)}, indent=1) + "\n")

    def _claim(self) -> None:
        out = self.out
        if out.exists() and not out.is_dir():
            raise self.error(f"{self.option} {out} is a file; give a folder for the site")
        if not out.exists():
            self._mkdir(out)
            return
        present = list(out.iterdir())
        if not present:
            return
        listed = self._previous_files()
        if listed is None:
            raise self.error(f"{out} holds files that are not a site written by {self.kind}; choose an empty "
                             f"or new folder for {self.option} (an earlier {self.kind} site there is replaced, "
                             "nothing else)")
        root = out.resolve()
        for name in listed:
            path = (out / name)
            if root not in path.resolve().parents or not (path.is_file() or path.is_symlink()):
                continue  # only plain files inside the folder, as a site writes them
            path.unlink()
        for folder in sorted({(out / n).parent for n in listed}, key=lambda p: -len(p.parts)):
            if folder != out and folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        (out / MARKER).unlink(missing_ok=True)

    def _previous_files(self) -> list[str] | None:
        try:
            data = json.loads((self.out / MARKER).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("kind") != self.kind or not isinstance(data.get("files"), list):
            return None
        return [f for f in data["files"] if isinstance(f, str) and ".." not in Path(f).parts]

    def _mkdir(self, path: Path) -> None:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self.error(f"cannot create {path}: {exc.strerror or exc}; choose a writable "
                             f"{self.option}") from None

    def _write_text(self, name: str, text: str) -> None:
        path = self.out / name
        self._mkdir(path.parent)
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise self.error(f"cannot write {path}: {exc.strerror or exc}; choose a writable "
                             f"{self.option}") from None

    def write(self, name: str, text: str) -> Path:
        """Write ``text`` to ``name`` (a path relative to the folder, ``/``-separated) and remember it."""
        self._write_text(name, text)
        self.files.append(name)
        return self.out / name

