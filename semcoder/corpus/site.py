"""The corpus browser: a static HTML site to look through a corpus folder, written by ``semcoder corpus view``.

    from semcoder.corpus.site import write_corpus_site

    site = write_corpus_site("out/crux", "out/crux-html")
    print(site.index)          # out/crux-html/index.html, to open in a browser

The index lists every function the build saw, kept or dropped, and filters them in
the page (plain inline script, no network) by source, drop reason, length in lines
and coverage. Each kept function has a page with its description, code, cases
(input -> output, each trace opening in the pytrace_sem viewer with the case's own
forward monologue beside it), both monologues, and each injected bug (PyX-R) with
its diff against the original and its debugging narrative.

Records are read with :func:`semcoder.corpus.records.read_corpus`, the dropped list
through the manifest's ``dropped_list`` entry.
"""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from pytrace_sem.render.static_site import SiteFolder, esc, page, slug, source_lines_html
from semcoder.corpus.records import CorpusRecord, read_corpus, read_manifest
from semcoder.errors import CorpusError

__all__ = ["DroppedFunction", "SiteResult", "read_dropped", "code_lines", "write_corpus_site"]

_MARK = "semcoder corpus view"


@dataclass(frozen=True, slots=True)
class DroppedFunction:
    """One function the build dropped: its id, source and the reason (a key of ``FILTER_REASONS``)."""

    id: str
    source: str
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class SiteResult:
    """What :func:`write_corpus_site` wrote: the folder, its index, how many pages, and the counts shown."""

    out: Path
    index: Path
    pages: int
    kept: int
    dropped: int


def read_dropped(corpus: str | os.PathLike[str]) -> list[DroppedFunction]:
    """The dropped functions of a finished corpus folder, in source order (none when it lists none)."""
    folder = Path(corpus)
    manifest = read_manifest(folder)
    name = manifest.get("dropped_list")
    if not isinstance(name, str):
        return []
    path = folder / name
    out = []
    try:
        lines = path.read_text("utf-8").splitlines()
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"cannot read {path}: {exc}") from None
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            out.append(DroppedFunction(id=str(data["id"]), source=str(data.get("source", "")),
                                       reason=str(data["reason"]), message=str(data.get("message", ""))))
        except (ValueError, KeyError, TypeError):
            raise CorpusError(f"{path}:{lineno}: not a dropped-function line; rebuild the corpus") from None
    return out


def code_lines(code: str) -> int:
    """A function's length as the index filters it: its lines, trailing blank lines left out."""
    return len(code.rstrip().splitlines())


def _function_page_name(record_id: str) -> str:
    return f"functions/{slug(record_id)}.html"


def _trace_page_name(record_id: str, case: int) -> str:
    return f"traces/{slug(record_id)}-case{case + 1}.html"


def _coverage_text(coverage: float | None) -> str:
    return "-" if coverage is None else f"{coverage * 100:.0f}%"


# -- the index ---------------------------------------------------------------------------------------------

_FILTER_SCRIPT = """
(function () {
  'use strict';
  function byId(id) { return document.getElementById(id); }
  var rows = Array.prototype.slice.call(document.querySelectorAll('#functions tbody tr'));
  var source = byId('f-source'), status = byId('f-status');
  var linesMin = byId('f-lines-min'), linesMax = byId('f-lines-max');
  var covMin = byId('f-cov-min'), covMax = byId('f-cov-max');
  function num(input) { return input.value === '' ? null : Number(input.value); }
  function within(value, low, high) {
    if (low === null && high === null) { return true; }
    if (value === '') { return false; }
    var v = Number(value);
    return (low === null || v >= low) && (high === null || v <= high);
  }
  function apply() {
    var shown = 0, st = status.value;
    var cmin = num(covMin), cmax = num(covMax);
    rows.forEach(function (row) {
      var d = row.dataset, ok = true;
      if (source.value && d.source !== source.value) { ok = false; }
      if (st === 'kept' && d.status !== 'kept') { ok = false; }
      if (st === 'dropped' && d.status === 'kept') { ok = false; }
      if (st.indexOf('reason:') === 0 && d.status !== st.slice(7)) { ok = false; }
      if (!within(d.lines, num(linesMin), num(linesMax))) { ok = false; }
      if (!within(d.coverage === '' ? '' : String(Number(d.coverage) * 100),
                  cmin, cmax)) { ok = false; }
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    byId('shown').textContent = String(shown);
    document.body.dataset.shown = String(shown);
  }
  [source, status, linesMin, linesMax, covMin, covMax].forEach(function (input) {
    input.addEventListener('input', apply);
    input.addEventListener('change', apply);
  });
  byId('f-reset').addEventListener('click', function () {
    source.value = ''; status.value = '';
    [linesMin, linesMax, covMin, covMax].forEach(function (input) { input.value = ''; });
    apply();
  });
  apply();
  document.body.dataset.ready = '1';
})();
"""


def _index(corpus: str, manifest: Mapping[str, Any], rows: Sequence[tuple[Any, str]], sources: Sequence[str],
           reasons: Sequence[str]) -> str:
    kept = sum(1 for r, _ in rows if isinstance(r, CorpusRecord))
    dropped = len(rows) - kept
    body_rows = []
    for item, href in rows:
        if isinstance(item, CorpusRecord):
            cov = "" if item.coverage is None else repr(float(item.coverage))
            first = item.description.strip().split("\n", 1)[0]
            body_rows.append(
                f'<tr data-id="{esc(item.id)}" data-source="{esc(item.source)}" data-status="kept" '
                f'data-lines="{code_lines(item.code)}" data-coverage="{cov}">'
                f'<td><a href="{esc(href)}">{esc(item.id)}</a></td><td>{esc(item.source)}</td>'
                f'<td class="status-kept">kept</td><td class="num">{code_lines(item.code)}</td>'
                f'<td class="num">{_coverage_text(item.coverage)}</td><td class="num">{len(item.cases)}</td>'
                f'<td class="num">{len(item.bugs)}</td><td>{esc(first[:140])}</td></tr>')
        else:
            body_rows.append(
                f'<tr data-id="{esc(item.id)}" data-source="{esc(item.source)}" data-status="{esc(item.reason)}" '
                f'data-lines="" data-coverage="">'
                f"<td>{esc(item.id)}</td><td>{esc(item.source)}</td>"
                f'<td class="status-dropped">{esc(item.reason)}</td><td class="num"></td><td class="num"></td>'
                f'<td class="num"></td><td class="num"></td><td>{esc(item.message[:200])}</td></tr>')
    source_options = "".join(f'<option value="{esc(s)}">{esc(s)}</option>' for s in sources)
    reason_options = "".join(f'<option value="reason:{esc(r)}">dropped: {esc(r)}</option>' for r in reasons)
    stats = manifest.get("functions", {})
    parts = [
        f"<h1>Corpus <code>{esc(Path(corpus).name or corpus)}</code></h1>",
        f'<p class="note">Folder <code>{esc(corpus)}</code>: {kept} functions kept, {dropped} dropped, '
        f"{manifest.get('cases', '?')} cases, {manifest.get('bugs', '?')} injected bugs"
        + (f" ({stats.get('seen')} functions seen)" if isinstance(stats, dict) and stats.get("seen") is not None
           else "") + ".</p>",
        '<div class="filters" role="search">'
        f'<label>source<select id="f-source"><option value="">any</option>{source_options}</select></label>'
        '<label>status<select id="f-status"><option value="">any</option><option value="kept">kept</option>'
        f'<option value="dropped">dropped (any reason)</option>{reason_options}</select></label>'
        '<label>lines from<input id="f-lines-min" type="number" min="0" step="1"></label>'
        '<label>lines to<input id="f-lines-max" type="number" min="0" step="1"></label>'
        '<label>coverage from %<input id="f-cov-min" type="number" min="0" max="100" step="1"></label>'
        '<label>coverage to %<input id="f-cov-max" type="number" min="0" max="100" step="1"></label>'
        '<button type="button" id="f-reset">show all</button>'
        f'<span><b id="shown">{len(rows)}</b> of {len(rows)} shown</span></div>',
        '<p class="note">Lines: the function\'s code, trailing blank lines left out. Coverage: branch coverage '
        "reached by the kept cases (line coverage for a function without branches). Dropped functions have "
        "neither, so a length or coverage filter hides them.</p>",
        '<table id="functions"><thead><tr><th>function</th><th>source</th><th>status</th><th class="num">lines</th>'
        '<th class="num">coverage</th><th class="num">cases</th><th class="num">bugs</th><th>description / why '
        "dropped</th></tr></thead><tbody>" + "".join(body_rows) + "</tbody></table>",
    ]
    return page("Corpus " + (Path(corpus).name or corpus), "\n".join(parts), script=_FILTER_SCRIPT)


# -- a function's page --------------------------------------------------------------------------------------


def _diff_html(original: str, mutated: str) -> str:
    out = []
    for line in difflib.unified_diff(original.splitlines(), mutated.splitlines(), "original", "with the bug",
                                     lineterm=""):
        css = "hunk" if line.startswith(("@@", "---", "+++")) else "add" if line.startswith("+") \
            else "del" if line.startswith("-") else "same"
        out.append(f'<span class="{css}">{esc(line)}</span>')
    return '<pre class="diff">' + "".join(out) + "</pre>"


def _function_page(record: CorpusRecord, prev_href: str | None, next_href: str | None) -> str:
    nav = ['<a href="../index.html">index</a>']
    if prev_href:
        nav.append(f'<a href="../{esc(prev_href)}" rel="prev">previous</a>')
    if next_href:
        nav.append(f'<a href="../{esc(next_href)}" rel="next">next</a>')
    parts = [f'<nav class="crumbs">{" | ".join(nav)}</nav>', f"<h1>{esc(record.id)}</h1>",
             f'<p class="note">source <b>{esc(record.source)}</b>'
             + (f", from <code>{esc(record.origin)}</code>" if record.origin else "")
             + f"; entry point <code>{esc(record.entry_point)}</code>; {code_lines(record.code)} lines; "
             f"coverage {_coverage_text(record.coverage)}</p>",
             f'<h2>Description</h2><p class="note">written by: {esc(record.description_source)}</p>'
             f'<div class="description"><p>{esc(record.description)}</p></div>',
             "<h2>Code</h2>" + source_lines_html((n, t, "", "") for n, t in enumerate(record.code.splitlines(), 1))]
    parts.append(f"<h2>Cases ({len(record.cases)})</h2>")
    for k, case in enumerate(record.cases):
        parts.append(
            f'<h3 id="case-{k + 1}">Case {k + 1}</h3><p><code class="call">{esc(record.entry_point)}'
            f'({esc(case.input)})</code> &rarr; <code class="output">{esc(case.output)}</code> '
            f'&nbsp;<a class="trace-link" href="../{esc(_trace_page_name(record.id, k))}">step through the trace</a>'
            f" ({len(case.trace.get('steps', ()))} steps)</p>"
            f'<details class="forward" open><summary>forward monologue (input &rarr; output)</summary>'
            f"<pre>{esc(case.forward)}</pre></details>"
            f'<details class="backward"><summary>backward monologue (output &rarr; input)</summary>'
            f"<pre>{esc(case.backward)}</pre></details>")
    parts.append(f"<h2>Injected bugs ({len(record.bugs)})</h2>")
    if not record.bugs:
        parts.append('<p class="note">None: no mutation changed an output of the kept cases, or bugs were not '
                     "asked for (--max-bugs 0).</p>")
    for k, bug in enumerate(record.bugs):
        parts.append(
            f'<h3 id="bug-{k + 1}">Bug {k + 1}: {esc(bug.operator)} at line {bug.line}</h3>'
            f'<p class="note">{esc(bug.change)}</p>'
            f"<p>On <code>{esc(record.entry_point)}({esc(bug.input)})</code> it gives <code>{esc(bug.actual)}</code>"
            f" instead of <code>{esc(bug.expected)}</code>.</p>"
            + _diff_html(record.code, bug.code)
            + f'<details class="debug" open><summary>debugging narrative</summary><pre>{esc(bug.debug)}</pre>'
            "</details>")
    return page(f"{record.id} - corpus", "\n".join(parts))


# -- writing ----------------------------------------------------------------------------------------------


def _refuse_overlap(corpus: Path, out: Path) -> None:
    a, b = corpus.resolve(), out.resolve()
    if a == b or a in b.parents:
        raise CorpusError(f"-o {out} is inside the corpus folder {corpus}; write the site somewhere else "
                          "(a corpus folder holds only what the build wrote)")
    if b in a.parents:
        raise CorpusError(f"-o {out} holds the corpus folder {corpus}; write the site somewhere else")


def write_corpus_site(corpus: str | os.PathLike[str], out: str | os.PathLike[str], *,
                      monologue_in_viewer: bool = True) -> SiteResult:
    """Write the browser for corpus folder ``corpus`` into folder ``out`` (new, empty, or an earlier one).

    ``monologue_in_viewer``: each trace page shows the case's stored forward
    monologue beside the steps (else the page narrates the trace itself).
    """
    from pytrace_sem.render.html import trace_page
    from pytrace_sem.trace import Trace

    folder, target = Path(corpus), Path(out)
    manifest = read_manifest(folder)  # a clear error for a folder that is not a corpus, before any writing
    _refuse_overlap(folder, target)
    records = list(read_corpus(folder))
    dropped = read_dropped(folder)
    rows: list[tuple[Any, str]] = [(r, _function_page_name(r.id)) for r in records]
    rows += [(d, "") for d in dropped]
    sources = sorted({r.source for r in records} | {d.source for d in dropped})
    reasons = sorted({d.reason for d in dropped})
    with SiteFolder(target, kind=_MARK, error=CorpusError, option="-o") as site:
        index = site.write("index.html", _index(str(corpus), manifest, rows, sources, reasons))
        for i, record in enumerate(records):
            prev_href = _function_page_name(records[i - 1].id) if i else None
            next_href = _function_page_name(records[i + 1].id) if i + 1 < len(records) else None
            site.write(_function_page_name(record.id), _function_page(record, prev_href, next_href))
            for k, case in enumerate(record.cases):
                trace = Trace.from_json(case.trace, where=f"{record.id} case {k + 1}")
                call = f"{record.entry_point}({case.input})"
                title = f"{record.id}: {call if len(call) <= 120 else call[:119] + chr(0x2026)}"
                text = case.forward if monologue_in_viewer else None
                site.write(_trace_page_name(record.id, k), trace_page(trace, title=title, monologue=text))
        pages = len(site.files)
    return SiteResult(out=target, index=index, pages=pages, kept=len(records), dropped=len(dropped))
