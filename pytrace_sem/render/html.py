"""The HTML trace viewer: one self-contained page to step through a trace in a browser.

    from pytrace_sem.render.html import trace_page

    t = pytrace_sem.trace_call(source, "f([1, 2, 3], '-')")
    Path("trace.html").write_text(trace_page(t), encoding="utf-8")

The page holds everything it needs: the stylesheet and the script (package data in
``assets/``, inlined), and the trace as JSON in a ``<script type="application/json">``
element. It loads nothing from the network (a Content-Security-Policy forbids it) and
opens from disk. Sentences of the monologue beside the steps are linked to the step
they tell of through the lines they name (``[L5]`` is the next step at line 5, the way
the monologue checker reads them); see ``docs/viewer.md``.
"""

from __future__ import annotations

import bisect
import html
import json
from importlib import resources
from string import Template
from typing import Any

from pytrace_sem.errors import PytraceSemError
from pytrace_sem.trace import Trace

__all__ = ["trace_page", "link_monologue"]

#: Version of the JSON the page's script reads (the ``viewer`` key).
VIEWER_DATA_VERSION = 1

_PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; \
style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="pytrace_sem">
<title>${title}</title>
<style>
${css}</style>
</head>
<body>
<header>
  <h1 id="title"></h1>
  <div class="call" id="call"></div>
  <div class="outcome" id="outcome"></div>
  <div class="banner" id="banner"></div>
  <div class="controls">
    <button type="button" id="first" title="first step (Home)" aria-label="first step">|&#x25C0;</button>
    <button type="button" id="prev" title="step back (Left arrow)" aria-label="step back">&#x25C0;</button>
    <input type="range" id="slider" min="0" max="0" value="0" aria-label="step">
    <button type="button" id="next" title="step forward (Right arrow)" aria-label="step forward">&#x25B6;</button>
    <button type="button" id="last" title="last step (End)" aria-label="last step">&#x25B6;|</button>
    <span class="counter" id="counter"></span>
  </div>
  <div class="stepinfo" id="stepinfo"></div>
  <div class="hint">Keys: &#x2190; &#x2192; step, PageUp/PageDown 10 steps, Home/End first/last.
    Click a step or a linked sentence to go there.</div>
</header>
<main>
  <div class="column">
    <section class="pane" id="source-pane"><h2>Source</h2>
      <div class="scroll" id="source-scroll"><div class="source" id="source"></div></div></section>
    <section class="pane" id="steps-pane"><h2>Steps</h2>
      <div class="scroll" id="steps"></div></section>
  </div>
  <div class="column">
    <section class="pane" id="frames-pane"><h2>Frames (innermost first)</h2>
      <div class="scroll" id="frames-scroll"><div class="frames" id="frames"></div></div></section>
  </div>
  <div class="column">
    <section class="pane" id="monologue-pane"><h2>Monologue</h2>
      <div class="scroll" id="monologue-scroll"><div class="monologue" id="monologue"></div></div></section>
  </div>
</main>
<noscript>This trace viewer needs JavaScript.</noscript>
<script type="application/json" id="trace-data">${data}</script>
<script>
${script}</script>
</body>
</html>
""")


def _asset(name: str) -> str:
    text = resources.files("pytrace_sem.render").joinpath("assets", name).read_text("utf-8")
    # Inlined raw text: it must not end its own element early.
    closing = "</script" if name.endswith(".js") else "</style"
    if closing in text.lower():
        raise PytraceSemError(f"viewer asset {name} contains {closing!r}; it cannot be inlined, edit the asset")
    return text


def _embed(data: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">``.

    ``<`` only occurs inside JSON strings, where ``\\u003c`` means the same, so no
    ``</script>`` or ``<!--`` in a traced value can end the element early.
    """
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def link_monologue(trace: Trace, monologue: str) -> list[tuple[str, int | None]]:
    """Each line of ``monologue`` with the index of the step it tells of (None: no link).

    The monologue names lines, not steps, so a sentence is linked by the first line
    reference in it, read as the monologue checker reads one going forward: ``[L5]`` is
    the next step at line 5 after the last linked one, ``[L5] (run 2 of 3)`` the second
    run of line 5. An explicit skip ("Iterations 3 to 28 of the loop at line 3 ...",
    "steps 40 to 90 of the run ...") links to the first step it skips and moves past the
    skipped ones.

        for sentence, step in link_monologue(t, narrate(t)):
            ...
    """
    from pytrace_sem.narrate import extract_claims

    text_lines = monologue.split("\n")
    starts = []
    offset = 0
    for text in text_lines:
        starts.append(offset)
        offset += len(text) + 1
    claims_by_line: dict[int, list[Any]] = {}
    for claim in extract_claims(monologue):
        if claim.kind in ("line", "skip_loop", "skip_steps"):
            claims_by_line.setdefault(bisect.bisect_right(starts, claim.offset) - 1, []).append(claim)

    steps = trace.steps
    runs: dict[int, list[int]] = {}
    headers: dict[int, list[int]] = {}
    for s in steps:
        runs.setdefault(s.line, []).append(s.index)
        if s.event in ("iteration", "branch"):  # a loop's header steps: for binds, while tests
            headers.setdefault(s.line, []).append(s.index)

    pos = 0  # steps before pos are told already
    out: list[tuple[str, int | None]] = []
    for k, text in enumerate(text_lines):
        target: int | None = None
        for claim in claims_by_line.get(k, ()):
            if claim.kind == "line":
                at = runs.get(claim.line or 0, [])
                if claim.run is not None:
                    target = at[claim.run - 1] if 1 <= claim.run <= len(at) else None
                else:
                    j = bisect.bisect_left(at, pos)
                    target = at[j] if j < len(at) else None
                if target is not None:
                    pos = target + 1
            elif claim.kind == "skip_steps" and claim.first is not None and claim.last is not None:
                if 0 < claim.first <= len(steps):
                    target = claim.first - 1
                    pos = max(pos, min(claim.last, len(steps)))
            elif claim.kind == "skip_loop" and claim.first is not None and claim.last is not None:
                at = headers.get(claim.line or 0, [])
                j = bisect.bisect_left(at, pos)
                count = claim.last - claim.first + 1
                if j < len(at):
                    target = at[j]
                    # Move to the header of the first iteration told after the skip.
                    pos = at[j + count] if j + count < len(at) else at[-1] + 1
            if target is not None:
                break
        out.append((text, target))
    return out


def _page_data(trace: Trace, title: str, monologue: str | None) -> dict[str, Any]:
    sentences: list[tuple[str, int | None]] | None = None
    note: str | None = None
    if monologue is None:
        from pytrace_sem.narrate import narrate

        try:
            monologue = narrate(trace, style="forward")
        except PytraceSemError as exc:  # the page is still useful without its monologue
            note = f"No monologue: {exc}"
    if monologue:
        sentences = link_monologue(trace, monologue)
    return {
        "viewer": VIEWER_DATA_VERSION,
        "title": title,
        "trace": trace.to_json(),
        "monologue": sentences,
        "monologue_note": note,
    }


def trace_page(trace: Trace, *, title: str | None = None, monologue: str | None = None) -> str:
    """One self-contained HTML page that steps through ``trace``.

    ``title`` defaults to "Trace of <function>". ``monologue``: None writes the forward
    monologue from the trace (``narrate(trace, "forward")``); a string shows that text
    instead (a model's monologue, say), its sentences linked to steps the same way;
    ``""`` leaves the monologue pane out.

        Path("trace.html").write_text(trace_page(t), encoding="utf-8")
    """
    if not isinstance(trace, Trace):
        raise TypeError(f"trace_page needs a pytrace_sem Trace, got {type(trace).__name__}; "
                        "read a saved one with Trace.loads")
    title = title if title is not None else f"Trace of {trace.function}"
    data = _page_data(trace, title, monologue)
    return _PAGE.substitute(
        title=html.escape(title),
        css=_asset("viewer.css"),
        script=_asset("viewer.js"),
        data=_embed(data),
    )
