"""``semcoder corpus view DIR -o OUT`` on a real corpus: every page agrees with the records.

The corpus is built by the real builder from 10 CRUXEval dev functions and two that
it drops (the ``corpus_site`` fixture in conftest.py); records are read back with
``read_corpus``, so the checks follow the record format wherever it goes.
"""

from __future__ import annotations

import difflib
import json
import subprocess
import sys

from semcoder.corpus import read_corpus, read_manifest
from tests.conftest import ROOT, clean_env
from tests.site_pages import Page, viewer_data


def _index(site) -> Page:
    return Page.read(site.out / "index.html")


def test_index_rows_and_their_filter_attributes_match_the_records(corpus_site):
    records = list(read_corpus(corpus_site.source))
    manifest = read_manifest(corpus_site.source)
    assert len(records) == 10 and manifest["functions"]["dropped"] == 2
    rows = {row.attrs["data-id"]: row.attrs for row in _index(corpus_site).select("tr", data_id=None)}
    for record in records:
        attrs = rows.pop(record.id)
        assert attrs["data-source"] == record.source
        assert attrs["data-status"] == "kept"
        assert int(attrs["data-lines"]) == len(record.code.rstrip("\n").splitlines())
        assert float(attrs["data-coverage"]) == record.coverage
    # What is left are the dropped functions, one row each, under their reasons.
    reasons: dict[str, int] = {}
    for attrs in rows.values():
        reasons[attrs["data-status"]] = reasons.get(attrs["data-status"], 0) + 1
        assert attrs["data-lines"] == "" and attrs["data-coverage"] == ""
    assert reasons == manifest["dropped"]
    options = {o.attrs["value"] for o in _index(corpus_site).select("select", id="f-status")[0].select("option")}
    assert {f"reason:{r}" for r in manifest["dropped"]} <= options


def test_every_function_has_a_page_with_its_code_cases_monologues_and_bugs(corpus_site):
    index = _index(corpus_site)
    bugs = 0
    for record in read_corpus(corpus_site.source):
        (row,) = index.select("tr", data_id=record.id)
        page = Page.read(index.link(row.select("a")[0].attrs["href"]))
        code = [div.select("code")[0].text for div in page.select("div", cls="l")]
        assert [line.rstrip(" ") for line in code] == record.code.splitlines()
        assert record.description in page.select("div", cls="description")[0].text
        assert [d.select("pre")[0].text for d in page.select("details", cls="forward")] == \
            [c.forward for c in record.cases]
        assert [d.select("pre")[0].text for d in page.select("details", cls="backward")] == \
            [c.backward for c in record.cases]
        calls = [c.text for c in page.select("code", cls="call")]
        assert calls == [f"{record.entry_point}({c.input})" for c in record.cases]
        assert [c.text for c in page.select("code", cls="output")] == [c.output for c in record.cases]
        diffs = page.select("pre", cls="diff")
        assert len(diffs) == len(record.bugs)
        for bug, diff in zip(record.bugs, diffs):
            changed = [line for line in difflib.unified_diff(record.code.splitlines(), bug.code.splitlines(),
                                                             lineterm="", n=0)
                       if line[:1] in "+-" and not line.startswith(("+++", "---"))]
            assert changed and [s.text for s in diff.select("span") if s.classes & {"add", "del"}] == changed
        assert [d.select("pre")[0].text for d in page.select("details", cls="debug")] == \
            [b.debug for b in record.bugs]
        bugs += len(record.bugs)
    assert bugs >= 5


def test_each_case_opens_its_trace_in_the_viewer_with_its_forward_monologue(corpus_site):
    from pytrace_sem.trace import Trace

    index = _index(corpus_site)
    for record in read_corpus(corpus_site.source):
        (row,) = index.select("tr", data_id=record.id)
        page = Page.read(index.link(row.select("a")[0].attrs["href"]))
        links = page.select("a", cls="trace-link")
        assert len(links) == len(record.cases)
        for case, link in zip(record.cases, links):
            data = viewer_data(page.link(link.attrs["href"]))
            assert data["trace"] == Trace.from_json(case.trace).to_json()
            assert "\n".join(text for text, _ in data["monologue"]) == case.forward
            assert any(step is not None for _, step in data["monologue"]), "sentences linked to steps"


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "semcoder.cli", *args], cwd=ROOT, env=clean_env(),
                          capture_output=True, text=True, timeout=120)


def test_cli_writes_the_site_and_refuses_foreign_or_overlapping_folders(corpus_site, tmp_path):
    out = tmp_path / "site"
    done = _cli("corpus", "view", str(corpus_site.source), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "10 functions kept, 2 dropped" in done.stdout and (out / "index.html").is_file()
    assert _cli("corpus", "view", str(corpus_site.source), "-o", str(out)).returncode == 0, "replaces its own site"
    listed = json.loads((out / ".pytrace-sem-site.json").read_text("utf-8"))["files"]
    assert sorted(listed) == sorted(str(p.relative_to(out)) for p in out.rglob("*.html"))

    for target, words in ((corpus_site.source / "html", "inside the corpus folder"),
                          (corpus_site.source / "data", "inside the corpus folder"),
                          (ROOT / "tests", "not a site written by")):
        refused = _cli("corpus", "view", str(corpus_site.source), "-o", str(target))
        assert refused.returncode == 15 and words in refused.stderr, refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1
    not_corpus = _cli("corpus", "view", str(tmp_path), "-o", str(tmp_path / "x"))
    assert not_corpus.returncode == 15 and "not a corpus folder" in not_corpus.stderr
    assert not (tmp_path / "x").exists()
