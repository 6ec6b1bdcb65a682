"""The pytest plugin end to end: tests/plugin_project run with and without it.

The project (a copy per test module, in a temporary directory) has a src-layout
package with relative imports and functions in ``__init__``, a namespace
package, a flat module, functions that read their own source and frames, a
hot helper, a generator left half-consumed, and a package imported by a plugin
before the import hook exists. Each run is a separate pytest process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pytrace_sem.pytest_plugin import default_targets
from pytrace_sem.trace import Trace, validate
from pytrace_sem.tracedir import read_dir

PROJECT = Path(__file__).parent / "plugin_project"


def _env(**extra: str) -> dict[str, str]:
    # This suite may itself run under xdist: its worker variables must not leak
    # into the project's pytest, which would then think it is a worker.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "PYTEST_CURRENT"))}
    env.update(PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


def _pytest(project: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "tools.early_import", *args]
    return subprocess.run(cmd, cwd=project, env=env or _env(), capture_output=True, text=True)


def _outcomes(junit: Path) -> dict[str, str]:
    out = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        tags = {c.tag: c for c in case}
        if "failure" in tags or "error" in tags:
            result = "failed"
        elif "skipped" in tags:
            result = "xfailed" if tags["skipped"].get("type") == "pytest.xfail" else "skipped"
        else:
            result = "passed"
        out[f"{case.get('classname')}::{case.get('name')}"] = result
    return out


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("proj") / "plugin_project"
    shutil.copytree(PROJECT, dest)
    return dest


@pytest.fixture(scope="module")
def runs(project: Path) -> dict:
    plain = _pytest(project, "--junitxml=plain.xml")
    traced = _pytest(project, "--junitxml=traced.xml", "--pytrace-sem=out",
                     f"--pytrace-sem-cache-dir={project / 'cache'}")
    return {"plain": plain, "traced": traced, "dir": project / "out"}


def _by_function(records) -> dict[str, list]:
    out: dict[str, list] = {}
    for r in records:
        out.setdefault(f"{r.module}:{r.qualname}", []).append(r)
    return out


def test_outcomes_are_identical(project: Path, runs: dict) -> None:
    assert runs["plain"].returncode == 0, runs["plain"].stdout[-2000:]
    assert runs["traced"].returncode == 0, runs["traced"].stdout[-2000:]
    plain, traced = _outcomes(project / "plain.xml"), _outcomes(project / "traced.xml")
    assert plain == traced
    assert sorted(set(plain.values())) == ["passed", "skipped", "xfailed"]


def test_every_layout_is_traced(runs: dict) -> None:
    contents = read_dir(runs["dir"])
    funcs = _by_function(contents.records)
    for name in ("shapes.area:area",                 # src layout
                 "shapes:describe",                  # a package's __init__
                 "shapes.geometry:closest",          # reached by a relative import
                 "nsdemo.tools:slugify",             # namespace package
                 "flatmod:clamp",                    # flat layout
                 "shapes.introspect:frame_facts",    # frame inspection
                 "shapes.introspect:own_source",     # inspect.getsource
                 "shapes.area:Polygon.shoelace"):
        assert name in funcs, sorted(funcs)
    # Imported by another plugin before the hook existed: its functions' code was swapped in place.
    for name in ("legacy:old_style", "legacy:Ledger.add", "legacy:Ledger.zero", "legacy:Ledger.total",
                 "legacy:cached_square"):
        assert name in funcs, sorted(funcs)
    assert contents.summary["modules"]["already_imported"] == []
    assert contents.summary["modules"]["in_place"] == ["legacy"]
    assert "pytrace-sem: imported before the import hook, instrumented in place: legacy" in runs["traced"].stdout
    # Test files are pytest's: never instrumented.
    assert not any(m.startswith(("tests", "check_")) for m in contents.summary["modules"]["instrumented"])


def test_records_name_their_test_and_validate(runs: dict) -> None:
    contents = read_dir(runs["dir"])
    assert contents.records and not contents.damaged
    for rec in contents.records:
        validate(rec.trace_json)
        assert isinstance(rec.trace, Trace)
        assert rec.test_id.startswith("tests/check_")
        assert rec.phase in ("setup", "call", "teardown")
        assert Path(rec.file).name.endswith(".py")
    describe = _by_function(contents.records)["shapes:describe"][0]
    assert describe.test_id == "tests/check_shapes.py::test_area_and_describe"
    assert describe.trace.return_value["repr"] == "'rect with area 10'"
    # Step lines count from the def line; the source is the function alone.
    t = describe.trace
    assert t.source.startswith("def describe(shape):")
    assert [s.line for s in t.steps] == [1, 2, 3]


def test_trace_covers_the_root_function_only(runs: dict) -> None:
    funcs = _by_function(read_dir(runs["dir"]).records)
    total = funcs["shapes.area:total_area"][0].trace
    assert {s.function for s in total.steps} == {"total_area"}
    # A generator expression's recursion stays inside the root function's own code.
    nested = funcs["shapes.area:nested_sum"][0].trace
    assert {s.function for s in nested.steps} == {"nested_sum"}
    assert max(s.depth for s in nested.steps) >= 1
    assert nested.return_value["repr"] == "15"


def test_generator_with_calls_between_items(runs: dict) -> None:
    funcs = _by_function(read_dir(runs["dir"]).records)
    (gen,) = funcs["shapes.area:perimeters"]
    assert gen.test_id.endswith("test_generator_partly_consumed")
    assert gen.status == "returned"
    assert [s.value["repr"] for s in gen.trace.steps if s.event == "yield"] == ["4", "10", "20"]
    # The area() call made between two items is a trace of its own, not part of the generator's.
    areas = [r for r in funcs["shapes.area:area"] if r.test_id == gen.test_id]
    assert len(areas) == 1 and areas[0].trace.args["shape"]["repr"] == "('square', 2)"


def test_exceptions_are_recorded(runs: dict) -> None:
    funcs = _by_function(read_dir(runs["dir"]).records)
    raised = [r for r in funcs["shapes.area:area"] if r.status == "raised"]
    assert len(raised) == 1
    assert raised[0].trace.exception.type == "ValueError"
    assert raised[0].trace.steps[-1].event == "raise"


def test_summary_counts(runs: dict) -> None:
    summary = read_dir(runs["dir"]).summary
    hot = summary["functions"]["flatmod:hot"]
    assert hot["calls"] == 40
    assert hot["kept"] == 20 and hot["dropped_by_cap"] == 20
    assert summary["totals"]["errors"] == 0
    assert summary["workers"] == ["main"]
    assert set(summary["seconds"]) == {"session", "instrument", "record"}
    assert summary["totals"]["functions_traced"] == len(_by_function(read_dir(runs["dir"]).records))


def test_caps_are_deterministic_for_a_seed(project: Path) -> None:
    def kept(seed: int, out: str) -> list[str]:
        r = _pytest(project, "-k", "hot", f"--pytrace-sem={out}", "--pytrace-sem-max-traces=5",
                    "--pytrace-sem-first=2", f"--pytrace-sem-seed={seed}", f"--pytrace-sem-cache-dir={project / 'cache'}")
        assert r.returncode == 0, r.stdout[-2000:]
        recs = [x for x in read_dir(project / out).records if x.qualname == "hot"]
        return sorted(x.trace.args["n"]["repr"] for x in recs)

    first = kept(1, "caps1")
    assert len(first) == 5 and {"0", "1"} <= set(first)
    assert kept(1, "caps2") == first
    assert kept(7, "caps3") != first
    summary = read_dir(project / "caps1").summary
    assert summary["functions"]["flatmod:hot"] == {"calls": 40, "recorded": summary["functions"]["flatmod:hot"]["recorded"],
                                                   "kept": 5, "dropped_by_cap": 35, "outside_tests": 0,
                                                   "other_threads": 0}


def test_a_killed_run_leaves_complete_lines(project: Path) -> None:
    r = _pytest(project, "--pytrace-sem=crashed", f"--pytrace-sem-cache-dir={project / 'cache'}",
                env=_env(PLUGIN_PROJECT_CRASH="1"))
    assert r.returncode < 0  # killed by the test itself
    contents = read_dir(project / "crashed")
    assert contents.summary is None and contents.damaged == []
    assert any(rec.qualname == "clamp" and rec.test_id.endswith("test_killed_halfway") for rec in contents.records)
    for rec in contents.records:
        validate(rec.trace_json)


@pytest.mark.slow
def test_xdist_two_workers(project: Path, runs: dict) -> None:
    r = _pytest(project, "-n", "2", "--junitxml=xdist.xml", "--pytrace-sem=xd",
                f"--pytrace-sem-cache-dir={project / 'cache'}")
    assert r.returncode == 0, r.stdout[-2000:]
    assert _outcomes(project / "xdist.xml") == _outcomes(project / "plain.xml")
    out = project / "xd"
    assert sorted(p.name for p in out.glob("traces.*.jsonl")) == ["traces.gw0.jsonl", "traces.gw1.jsonl"]
    contents = read_dir(out)
    assert sorted(contents.summary["workers"]) == ["gw0", "gw1"]
    assert contents.summary["functions"]["flatmod:hot"]["calls"] == 40
    assert {f"{x.module}:{x.qualname}" for x in contents.records} == set(_by_function(read_dir(runs["dir"]).records))
    assert len({x.id for x in contents.records}) == len(contents.records)


def test_off_by_default_and_imports_nothing(project: Path) -> None:
    code = ("import sys, pytest\n"
            "pytest.main(['-q', '-p', 'no:cacheprovider', '-p', 'tools.early_import', '--co'])\n"
            "assert 'pytrace_sem.pytest_plugin' in sys.modules\n"
            "heavy = [m for m in ('libcst', 'pytrace_sem.api', 'pytrace_sem.importhook', 'pytrace_sem.rewrite') "
            "if m in sys.modules]\n"
            "hooks = [f for f in sys.meta_path if type(f).__name__ == 'ImportHook']\n"
            "print('RESULT', heavy, hooks)\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=project, env=_env(), capture_output=True, text=True)
    assert "RESULT [] []" in r.stdout, r.stdout[-2000:] + r.stderr[-2000:]


@pytest.mark.parametrize("args, message", [
    (["--pytrace-sem-max-traces=0"], "--pytrace-sem-max-traces must be at least 1"),
    (["--pytrace-sem-first=30"], "--pytrace-sem-first must be between 0 and"),
    (["--pytrace-sem-max-steps=0"], "max_steps must be between"),
])
def test_bad_limits_are_usage_errors(project: Path, args: list[str], message: str) -> None:
    r = _pytest(project, "--pytrace-sem=bad", *args)
    assert r.returncode == 4
    assert message in r.stderr and "Traceback" not in r.stderr


def test_ini_settings(project: Path, tmp_path: Path) -> None:
    copy = tmp_path / "proj"
    shutil.copytree(PROJECT, copy)
    with open(copy / "pytest.ini", "a") as fh:
        fh.write("pytrace_sem_targets = flatmod\npytrace_sem_max_traces = 3\npytrace_sem_first = 3\n")
    r = _pytest(copy, "--pytrace-sem=ini", f"--pytrace-sem-cache-dir={project / 'cache'}")
    assert r.returncode == 0, r.stdout[-2000:]
    contents = read_dir(copy / "ini")
    assert {rec.module for rec in contents.records} == {"flatmod"}
    assert contents.summary["functions"]["flatmod:hot"]["kept"] == 3
    assert contents.summary["limits"]["max_traces"] == 3


def test_default_targets() -> None:
    assert default_targets(PROJECT) == ["flatmod", "legacy", "nsdemo", "shapes"]


def test_report_and_show(runs: dict, capsys: pytest.CaptureFixture[str]) -> None:
    from pytrace_sem import cli

    assert cli.main(["report", str(runs["dir"]), "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "flatmod:hot" in out and "lines covered" in out
    assert len([ln for ln in out.splitlines() if ln.startswith(("flatmod:", "shapes", "nsdemo"))]) == 3

    assert cli.main(["report", str(runs["dir"]), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    hot = next(r for r in data["top"] if r["function"] == "flatmod:hot")
    assert (hot["calls"], hot["traces"], hot["lines_covered"], hot["lines"]) == (40, 20, 1, 1)
    assert data["already_imported"] == []

    assert cli.main(["show", str(runs["dir"]), "--function", "slugify"]) == 0
    out = capsys.readouterr().out
    assert "# nsdemo.tools:slugify" in out and "slugify('Hello, World!')" in out
    assert "returned 'hello-world'" in out

    assert cli.main(["show", str(runs["dir"]), "--function", "shapes.area:area", "--test", "unknown_shape"]) == 0
    assert "raised ValueError: unknown shape 'hexagon'" in capsys.readouterr().out

    assert cli.main(["show", str(runs["dir"]), "--function", "hot", "--limit", "2", "--format", "json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and json.loads(lines[0])["qualname"] == "hot"


@pytest.mark.parametrize("argv, message", [
    (["show", "{dir}", "--function", "nope"], "no traces of 'nope'"),
    (["show", "{dir}", "--function", "area", "--test", "zzz"], "no traces of 'area' from a test"),
    (["report", "{empty}"], "holds no traces"),
    (["report", "{missing}"], "is not a directory"),
])
def test_cli_errors_are_one_line(runs: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 argv: list[str], message: str) -> None:
    from pytrace_sem import cli

    argv = [a.format(dir=runs["dir"], empty=tmp_path, missing=tmp_path / "missing") for a in argv]
    assert cli.main(argv) != 0
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err


def test_hypothesis_deadlines_are_relaxed_only_when_used() -> None:
    code = ("import sys\n"
            "from pytrace_sem._testrun import _relax_hypothesis\n"
            "_relax_hypothesis()\n"
            "assert 'hypothesis' not in sys.modules\n"
            "from datetime import timedelta\n"
            "from hypothesis import HealthCheck, settings\n"
            "settings.register_profile('suite', deadline=timedelta(milliseconds=400), derandomize=True)\n"
            "settings.load_profile('suite')\n"
            "_relax_hypothesis()\n"
            "d = settings.default\n"
            "print('RESULT', d.deadline, list(d.suppress_health_check) == [HealthCheck.too_slow], d.derandomize)\n"
            "from hypothesis import given, strategies as st\n"
            "from pytrace_sem._testrun import relax_test\n"
            "@given(st.integers())\n"
            "@settings(deadline=timedelta(milliseconds=5), max_examples=7)\n"
            "def t(x): pass\n"
            "relax_test(t)\n"
            "s = t._hypothesis_internal_use_settings\n"
            "print('TEST', s.deadline, s.max_examples, HealthCheck.too_slow in s.suppress_health_check)\n")
    r = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True, text=True)
    assert "RESULT None True True" in r.stdout, r.stdout + r.stderr
    assert "TEST None 7 True" in r.stdout, r.stdout + r.stderr


def test_coverage_data_is_the_same_with_and_without_the_plugin(project: Path) -> None:
    # pytest-cov measuring lines and branches of every package of the project, the one
    # imported by another plugin before the hook included: the inserted hooks start no
    # line of their own, so coverage.py sees exactly the original line events.
    pytest.importorskip("pytest_cov")
    cov = ["--cov=shapes", "--cov=flatmod", "--cov=nsdemo", "--cov=legacy", "--cov-branch"]

    def measured(name: str, *extra: str) -> dict:
        report = project / f"{name}.json"
        done = _pytest(project, *cov, f"--cov-report=json:{report}", *extra)
        assert done.returncode == 0, done.stdout[-2000:]
        files = json.loads(report.read_text(encoding="utf-8"))["files"]
        keys = ("executed_lines", "missing_lines", "executed_branches", "missing_branches")
        return {path: {k: data[k] for k in keys} for path, data in files.items()}

    plain = measured("cov-plain")
    traced = measured("cov-traced", "--pytrace-sem=cov-out", f"--pytrace-sem-cache-dir={project / 'cache'}")
    assert len(plain) >= 6 and any("legacy" in path for path in plain)
    assert traced == plain
    assert read_dir(project / "cov-out").records  # and the traces were written
