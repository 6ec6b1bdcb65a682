"""``pytrace-sem report DIR --html OUT`` on a real run: the pages agree with the trace directory.

The run is tests/plugin_project under the pytest plugin, with one function no test
calls (the ``report_site`` fixture in conftest.py). Expected values come from the
records and from the compiled code of the source files, not from the site builder:
a line is run when a kept trace has a step on it, and a statement line of a traced
function is a line the compiler gave code to (``dis.findlinestarts``).
"""

from __future__ import annotations

import dis
import subprocess
import sys
import types
from pathlib import Path

import pytest

from pytrace_sem.tracedir import read_dir
from tests.conftest import ROOT, clean_env
from tests.site_pages import Page, viewer_data


def _records(site) -> dict[str, list]:
    out: dict[str, list] = {}
    for rec in read_dir(site.source).records:
        out.setdefault(f"{rec.module}:{rec.qualname}", []).append(rec)
    return out


def _module_pages(site) -> dict[str, Page]:
    index = Page.read(site.out / "index.html")
    return {row.attrs["data-module"]: Page.read(index.link(row.select("a")[0].attrs["href"]))
            for row in index.select("tr", data_module=None)}


def _code_lines(code: types.CodeType) -> set[int]:
    lines = {line for _, line in dis.findlinestarts(code) if line}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            lines |= _code_lines(const)
    return lines


def _functions_code(file: str) -> dict[str, types.CodeType]:
    found: dict[str, types.CodeType] = {}

    def walk(code: types.CodeType) -> None:
        for const in code.co_consts:
            if isinstance(const, types.CodeType) and "<locals>" not in const.co_qualname:
                found.setdefault(const.co_qualname, const)
                walk(const)

    walk(compile(Path(file).read_text("utf-8"), file, "exec"))
    return found


def test_index_lists_every_traced_function_and_module(report_site):
    records = _records(report_site)
    index = Page.read(report_site.out / "index.html")
    listed = {row.attrs["data-function"]: int(row.attrs["data-traces"])
              for row in index.select("table", id="functions")[0].select("tr", data_function=None)}
    assert listed == {name: len(recs) for name, recs in records.items()}
    modules = {name.split(":")[0] for name in records}
    assert set(_module_pages(report_site)) == modules
    assert "Only lines inside traced functions can be known" in index.root.text


def test_run_and_unrun_lines_match_the_traces(report_site):
    records = _records(report_site)
    pages = _module_pages(report_site)
    checked = 0
    for module, page in pages.items():
        recs = [r for name, rs in records.items() if name.startswith(module + ":") for r in rs]
        file = recs[0].file
        shown = {cls: {int(div.attrs["data-line"]) for div in page.select("div", cls=cls)}
                 for cls in ("run", "unrun", "notrace")}
        run = {step["line"] + r.first_line - 1 for r in recs for step in r.trace_json["steps"]}
        assert shown["run"] == run, module
        code = _functions_code(file)
        statements = set()
        for qualname in {r.qualname for r in recs}:
            fn = code[qualname]
            statements |= _code_lines(fn) - {fn.co_firstlineno}
        assert shown["unrun"] == statements - run, module
        source_lines = page.select("div", cls="l")
        assert [d.select("code")[0].text.rstrip(" ") for d in source_lines] == \
            Path(file).read_text("utf-8").splitlines()
        checked += len(shown["unrun"])
    assert checked >= 2, "the project has statements no test runs (area's rect branch)"


def test_functions_without_traces_are_listed_with_the_reason(report_site):
    index = Page.read(report_site.out / "index.html")
    reasons = {row.attrs["data-function"]: row.attrs["data-reason"]
               for row in index.select("table", id="untraced")[0].select("tr", data_function=None)}
    assert reasons == {"flatmod:unused": "never", "shapes.geometry:Point.dist2": "nested"}
    dist2 = index.select("tr", data_function="shapes.geometry:Point.dist2")[0].text
    assert "only called from other traced functions" in dist2 and "shapes.geometry:closest" in dist2
    assert "never called by the tests" in index.select("tr", data_function="flatmod:unused")[0].text
    # The body of the untraced function is marked as such on its module's page.
    flatmod = _module_pages(report_site)["flatmod"]
    text = (report_site.source.parent / "flatmod.py").read_text("utf-8").splitlines()
    start = text.index("def unused(x):") + 1
    assert {int(d.attrs["data-line"]) for d in flatmod.select("div", cls="notrace")} == \
        set(range(start, start + 3))


def test_every_recorded_call_opens_its_trace_in_the_viewer(report_site):
    records = _records(report_site)
    pages = _module_pages(report_site)
    seen = 0
    for name, recs in records.items():
        page = pages[name.split(":")[0]]
        for rec in recs:
            (row,) = page.select("tr", data_record=rec.id)
            assert rec.test_id in row.text and rec.trace_json["call"][:40] in row.text
            target = page.link(row.select("a", cls="trace-link")[0].attrs["href"])
            data = viewer_data(target)
            assert data["trace"] == rec.trace.to_json()
            assert rec.test_id in data["title"]
            seen += 1
    assert seen == sum(len(r) for r in records.values()) > 40


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytrace_sem.cli", *args], cwd=ROOT, env=clean_env(),
                          capture_output=True, text=True, timeout=120)


def test_cli_writes_replaces_its_own_site_and_refuses_other_folders(report_site, tmp_path):
    out = tmp_path / "site"
    done = _cli("report", str(report_site.source), "--html", str(out))
    assert done.returncode == 0, done.stderr
    assert str(out / "index.html") in done.stdout
    first = sorted(p.relative_to(out) for p in out.rglob("*"))
    (out / "traces" / "stale.html").write_text("not listed: stays", encoding="utf-8")
    (out / "modules" / "flatmod.html").unlink()
    again = _cli("report", str(report_site.source), "--html", str(out))
    assert again.returncode == 0, again.stderr
    assert (out / "modules" / "flatmod.html").exists(), "an earlier report is replaced"
    assert (out / "traces" / "stale.html").exists(), "files the report did not write stay"
    assert sorted(p.relative_to(out) for p in out.rglob("*") if p.name != "stale.html") == first

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    refused = _cli("report", str(report_site.source), "--html", str(foreign))
    assert refused.returncode == 2 and refused.stdout == ""
    assert len(refused.stderr.strip().splitlines()) == 1 and "not a site written by" in refused.stderr
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]

    both = _cli("report", str(report_site.source), "--html", str(tmp_path / "x"), "--format", "json")
    assert both.returncode == 2 and "give one of them" in both.stderr


@pytest.mark.parametrize("kind", ["file", "trace dir"])
def test_cli_refuses_a_file_or_the_trace_folder_itself(report_site, tmp_path, kind):
    target = report_site.source if kind == "trace dir" else tmp_path / "a.html"
    if kind == "file":
        target.write_text("x", encoding="utf-8")
    done = _cli("report", str(report_site.source), "--html", str(target))
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "summary.json" in {p.name for p in report_site.source.iterdir()}
