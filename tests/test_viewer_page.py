"""The HTML viewer without a browser: the page's make-up, sentence links, and ``pytrace-sem view``.

What the page shows when it runs is checked in a real browser by test_viewer_browser.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import pytrace_sem
from pytrace_sem.cli import main
from pytrace_sem.render import trace_page
from pytrace_sem.render.html import link_monologue
from pytrace_sem.trace import Trace

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "sample.py"
ASSETS = ROOT / "pytrace_sem" / "render" / "assets"

LOOP = "def f(n):\n    total = 0\n    for i in range(n):\n        total += i\n    return total\n"


def _data(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="trace-data">(.*?)</script>', page, re.S)
    assert m, "no embedded trace"
    return json.loads(m.group(1))


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        rc = main(argv)
    except SystemExit as exc:  # argparse usage errors
        rc = int(exc.code or 0)
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


# -- the page --------------------------------------------------------------------------------------


def test_page_embeds_the_trace_and_inlines_its_assets():
    t = pytrace_sem.trace_call(SAMPLE.read_text(encoding="utf-8"), "f([1, 2, 3], '-')")
    page = t.to_html(title="Sample")
    data = _data(page)
    assert Trace.from_json(data["trace"]) == t
    assert data["title"] == "Sample" and "<title>Sample</title>" in page
    assert (ASSETS / "viewer.js").read_text(encoding="utf-8") in page
    assert (ASSETS / "viewer.css").read_text(encoding="utf-8") in page
    # Nothing is fetched: no external reference at all, and the policy forbids loading any.
    assert not re.search(r"https?://|<link\b|\bsrc=", page)
    assert "default-src 'none'" in page


def test_a_value_cannot_end_the_data_element():
    source = "def f(s):\n    t = s + '<!-- </script><script>alert(1)</script>'\n    return t\n"
    t = pytrace_sem.trace_call(source, "f('</SCRIPT>')")
    page = trace_page(t, monologue="")
    body = page.split('id="trace-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in body
    assert Trace.from_json(_data(page)["trace"]) == t
    assert _data(page)["monologue"] is None


def test_the_title_is_escaped():
    t = pytrace_sem.trace_call(LOOP, "f(2)")
    assert "<title>a &lt;b&gt; &amp; c</title>" in trace_page(t, title="a <b> & c", monologue="")


def test_sentences_link_to_the_steps_their_lines_name():
    t = pytrace_sem.trace_call(LOOP, "f(30)")
    text = pytrace_sem.narrate(t)
    links = link_monologue(t, text)
    assert [s for s, _ in links] == text.split("\n")
    linked = [(s, i) for s, i in links if i is not None]
    assert [i for _, i in linked] == sorted(i for _, i in linked), "forward links go forward"
    skip = [(s, i) for s, i in linked if s.split(". ", 1)[-1].startswith("Iterations")]
    assert len(skip) == 1
    # "Iterations 3 to 28 of the loop at line 3": the header step of iteration 3 binds i = 2.
    assert t.steps[skip[0][1]].line == 3 and t.steps[skip[0][1]].changes["i"]["repr"] == "2"
    for sentence, step in linked:
        named = re.search(r"\[L(\d+)\]", sentence)
        if named:
            assert t.steps[step].line == int(named.group(1)), sentence
    after = [s for s, i in linked if "Iteration 29" in s]
    assert after and t.steps[dict(linked)[after[0]]].changes["i"]["repr"] == "28"


def test_a_monologue_of_ones_own_is_linked_and_no_link_is_invented():
    t = pytrace_sem.trace_call(LOOP, "f(3)")
    links = link_monologue(t, "1. [L2] total starts at 0\n2. [L4] first addition\n3. [L4] second\nno line here")
    assert [i for _, i in links] == [1, 3, 5, None]
    assert [i for _, i in link_monologue(t, "[L99] nowhere")] == [None]


def test_trace_page_refuses_what_is_not_a_trace():
    with pytest.raises(TypeError, match="Trace.loads"):
        trace_page({"steps": []})  # type: ignore[arg-type]


# -- pytrace-sem view -------------------------------------------------------------------------------


def test_view_writes_a_page_from_a_file_and_call(tmp_path, capsys):
    out = tmp_path / "trace.html"
    rc, stdout, err = run_cli(["view", str(SAMPLE), "--call", "f([1, 2], '-')", "-o", str(out)], capsys)
    assert rc == 0 and stdout == "" and str(out) in err
    data = _data(out.read_text(encoding="utf-8"))
    assert data["trace"]["call"] == "f([1, 2], '-')"
    assert any(step is not None for _, step in data["monologue"])


def test_view_reads_a_saved_trace(tmp_path, capsys):
    t = pytrace_sem.trace_call(LOOP, "f(4)")
    saved = tmp_path / "trace.json"
    saved.write_text(t.dumps(), encoding="utf-8")
    rc, stdout, _ = run_cli(["view", "--trace", str(saved), "--no-monologue", "--title", "Saved", "-o", "-"],
                            capsys)
    assert rc == 0
    data = _data(stdout)
    assert Trace.from_json(data["trace"]) == t and data["monologue"] is None and data["title"] == "Saved"


@pytest.mark.parametrize("argv, code, words", [
    (["view", "-o", "x.html"], 2, "nothing to view"),
    (["view", "{sample}", "-o", "x.html"], 2, "--call is needed"),
    (["view", "{sample}", "--call", "f(1)", "--trace", "{saved}", "-o", "x.html"], 2, "not both"),
    (["view", "--trace", "{saved}", "--max-steps", "3", "-o", "x.html"], 2, "--max-steps goes with"),
    (["view", "--trace", "{saved}", "-o", "{saved}"], 2, "is the input file"),
    (["view", "--trace", "{tmp}/missing.json", "-o", "x.html"], 3, "cannot read trace file"),
    (["view", "--trace", "{tmp}/bad.json", "-o", "x.html"], 5, "schema_version"),
    (["view", "{sample}", "--call", "nope(1)", "-o", "x.html"], 4, "unknown function"),
    (["view", "--trace", "{saved}", "-o", "{tmp}/no/such/dir/x.html"], 1, "cannot write"),
])
def test_view_bad_input_is_one_error_line(tmp_path, capsys, argv, code, words):
    saved = tmp_path / "trace.json"
    saved.write_text(pytrace_sem.trace_call(LOOP, "f(2)").dumps(), encoding="utf-8")
    (tmp_path / "bad.json").write_text("{}", encoding="utf-8")
    before = saved.read_bytes()
    argv = [a.format(sample=SAMPLE, saved=saved, tmp=tmp_path) for a in argv]
    rc, stdout, err = run_cli(argv, capsys)
    assert rc == code, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err and "error:" in lines[0] and words in lines[0], err
    assert stdout == ""
    assert saved.read_bytes() == before
