"""Run real third-party test suites with and without the pytest plugin and compare.

    python benchmarks/real_suites.py --suite toolz --suite attrs
    python benchmarks/real_suites.py --all --warm --markdown docs-table.md

For each suite (pinned releases, table ``SUITES``) it downloads the sdist from
the package index (``pip download --no-deps --no-binary``), unpacks it, and
prepares one virtual environment under ``--workdir`` with this project, pytest
and the suites' test dependencies (pinned too). The library under test is
imported from the unpacked tree (it is first on ``PYTHONPATH``; checked). Then
it runs the suite twice with ``--junitxml`` (plain, then with
``--pytrace-sem``), and checks:

* every test's outcome (passed / failed / error / skipped / xfailed / xpassed)
  is the same in both runs;
* traces of the library's own functions were written, every record reads back
  and every trace validates against the trace JSON Schema;
* the recorder reported no errors and no damaged lines;
* with ``--coverage``: a third and fourth run under pytest-cov (lines and
  branches of the library) report the same coverage data with and without the
  plugin.

It prints a Markdown table of wall times (the overhead) and exits 1 if any check
fails. ``--warm`` first fills the instrumented-code cache with a plugin run (its
time is shown too), so the timed runs show the steady-state cost; without it the
timed plugin run includes rewriting every module (what a first run, or CI, pays).
``--repeat N`` alternates N plain and N plugin runs and reports the medians (the
development machine is shared and noisy).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Test dependencies, pinned so that runs are repeatable.
PYTEST = ["pytest==9.2.0", "pytest-xdist==3.8.0", "jsonschema==4.26.0", "pytest-cov==7.1.0"]
HYPOTHESIS = "hypothesis==6.170.17"


@dataclass(frozen=True)
class Suite:
    dist: str                 # name on the package index
    version: str
    tree: str                 # directory the sdist unpacks to
    import_root: str          # where the packages live inside the tree
    packages: tuple[str, ...]  # what the plugin instruments
    args: tuple[str, ...]     # pytest arguments, run from the tree
    requires: tuple[str, ...] = ()
    notes: str = ""
    plugins: tuple[str, ...] = ()  # pytest plugins of the shared environment this suite uses

    @property
    def sdist_prefix(self) -> str:
        return self.tree


SUITES: dict[str, Suite] = {
    "more-itertools": Suite(
        "more-itertools", "11.2.1", "more_itertools-11.2.1", ".", ("more_itertools",),
        ("tests", "more_itertools", "--doctest-modules",
         "--deselect", "tests/test_more.py::tests.test_more.IterOnlyRange",
         "--deselect", "tests/test_recipes.py::PrimeFunctionTests::test_primes"),
        notes="test_primes alone takes ~40 s"),
    "toolz": Suite(
        "toolz", "1.2.0", "toolz-1.2.0", ".", ("toolz", "tlz"),
        ("toolz", "--doctest-modules")),
    "python-dateutil": Suite(
        "python-dateutil", "4.0.0", "python_dateutil-4.0.0", "src", ("dateutil",),
        ("tests", "-W", "ignore::pytest.PytestUnknownMarkWarning", "--ignore", "tests/test_tzpath_data.py",
         "--deselect", "tests/test_tz.py::test_gettz_link[tzpath-Europe/Monaco-Europe/Paris]",
         "--deselect", "tests/test_tzfile.py::test_gettz_local_abbreviation_without_time_zone_data"),
        requires=(HYPOTHESIS, "freezegun==1.5.5", "tzdata==2026.6"),
        notes="deselected tests depend on the system's time-zone data"),
    "attrs": Suite(
        "attrs", "26.1.0", "attrs-26.1.0", "src", ("attr", "attrs"),
        ("tests", "--deselect", "tests/test_converters.py::TestPipe::test_wrapped_annotation"),
        requires=(HYPOTHESIS, "pympler==1.1", "cloudpickle==3.1.3"),
        notes="the deselected test fails on the released wheel too"),
    "cachetools": Suite(
        "cachetools", "8.0.3", "cachetools-8.0.3", "src", ("cachetools",), ("tests",),
        notes="caches whose __len__/__iter__ expire entries by a timer"),
    "inflection": Suite(
        "inflection", "0.5.1", "inflection-0.5.1", ".", ("inflection",), ("test_inflection.py",)),
    "six": Suite(
        "six", "1.17.0", "six-1.17.0", ".", ("six",), ("test_six.py",),
        notes="lazy module attributes (six.moves)"),
    "pytest-mock": Suite(
        "pytest-mock", "3.17.0", "pytest_mock-3.17.0", "src", ("pytest_mock",), ("tests",),
        requires=("pytest-asyncio==1.5.0",), plugins=("asyncio", "pytest_mock"),
        notes="itself a pytest plugin: imported (and assert-rewritten) before the hook, instrumented in place"),
}

ENV = {"PYTHONHASHSEED": "0", "TZ": "UTC", "LC_ALL": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}


class CheckFailed(Exception):
    pass


def log(msg: str) -> None:
    print(f"[real_suites] {msg}", file=sys.stderr, flush=True)


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, **kw)


# -- preparing ------------------------------------------------------------------------


def fetch(suite: Suite, workdir: Path, python: str) -> Path:
    sdists = workdir / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    found = sorted(sdists.glob(f"{suite.sdist_prefix}.tar.gz"))
    if not found:
        log(f"downloading {suite.dist}=={suite.version} (sdist)")
        run([python, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", suite.dist,
             f"{suite.dist}=={suite.version}", "-d", str(sdists)])
        found = sorted(sdists.glob(f"{suite.sdist_prefix}.tar.gz"))
        if not found:
            raise CheckFailed(f"pip download gave no {suite.sdist_prefix}.tar.gz in {sdists}")
    tree = workdir / "src" / suite.tree
    if not tree.is_dir():
        tree.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(found[0]) as tar:
            tar.extractall(tree.parent, filter="data") if hasattr(tarfile, "data_filter") \
                else tar.extractall(tree.parent)  # noqa: S202 - a pinned sdist from the index
    return tree


def venv(workdir: Path, python: str, suites: list[Suite]) -> Path:
    env_dir = workdir / "venv"
    py = env_dir / "bin" / "python"
    if not py.exists():
        log(f"creating {env_dir}")
        run([python, "-m", "venv", str(env_dir)])
    wanted = sorted(set(PYTEST) | {r for s in suites for r in s.requires}
                    | {f"{s.dist}=={s.version}" for s in suites})
    stamp = env_dir / "pytrace-sem-installed.json"
    have = set(json.loads(stamp.read_text())) if stamp.exists() else set()
    missing = [r for r in wanted if r not in have]
    if missing or "project" not in have:
        log(f"installing into {env_dir}: {' '.join(missing) or '(this project)'}")
        run([str(py), "-m", "pip", "install", "--quiet", *missing])
        run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", "libcst>=1.1"])
        run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", "-e", str(REPO)])
        stamp.write_text(json.dumps(sorted(have | set(wanted) | {"project"})))
    return py


# -- running --------------------------------------------------------------------------


def pin_rootdir(tree: Path) -> None:
    """Make the tree its own pytest rootdir, as in a checkout of the project.

    Without a pytest configuration of its own, pytest would look for one further
    up and could find this project's (the default workdir is inside it).
    """
    configured = (tree / "pytest.ini").exists()
    for name, marker in (("pyproject.toml", "[tool.pytest.ini_options]"), ("setup.cfg", "[tool:pytest]"),
                         ("tox.ini", "[pytest]")):
        file = tree / name
        if file.exists() and marker in file.read_text(encoding="utf-8", errors="replace"):
            configured = True
    if not configured:
        (tree / "pytest.ini").write_text("# written by pytrace_sem's benchmarks/real_suites.py: rootdir is here\n"
                                         "[pytest]\n")


def suite_env(tree: Path, suite: Suite) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHON"))}
    env.update(ENV)
    root = str((tree / suite.import_root).resolve())
    # Only the tree: this project is installed (editable) in the environment, and
    # its own top-level packages (tests, examples) must not shadow the suite's.
    env["PYTHONPATH"] = root
    return env


def check_import_root(py: Path, tree: Path, suite: Suite) -> None:
    code = f"import {suite.packages[0]} as m; print(m.__file__)"
    out = subprocess.run([str(py), "-c", code], cwd=tree, env=suite_env(tree, suite), capture_output=True,
                         text=True, check=True).stdout.strip()
    if not Path(out).resolve().is_relative_to(tree.resolve()):
        raise CheckFailed(f"{suite.packages[0]} imports from {out}, not from the unpacked tree {tree}")


# Plugins one suite installs into the shared environment; the others run without them.
SUITE_PLUGINS = ("asyncio", "pytest_mock")


def pytest_run(py: Path, tree: Path, suite: Suite, junit: Path, extra: list[str], logfile: Path) -> float:
    others = [arg for name in SUITE_PLUGINS if name not in suite.plugins for arg in ("-p", f"no:{name}")]
    cmd = [str(py), "-m", "pytest", "-p", "no:cacheprovider", *others, f"--rootdir={tree}", "-q",
           "-o", "console_output_style=classic",
           *suite.args, f"--junitxml={junit}", *extra]
    started = time.perf_counter()
    with open(logfile, "w") as out:
        # A suite may send itself SIGINT: give the child the default handler even
        # when this script was started in the background (where it is ignored).
        subprocess.run(cmd, cwd=tree, env=suite_env(tree, suite), stdout=out, stderr=subprocess.STDOUT,
                       preexec_fn=lambda: signal.signal(signal.SIGINT, signal.default_int_handler))
    return time.perf_counter() - started


def outcomes(junit: Path) -> dict[str, str]:
    """classname::name -> passed / failed / error / skipped / xfailed / xpassed."""
    if not junit.exists():
        raise CheckFailed(f"pytest wrote no {junit}: it stopped before running tests; see {junit.with_suffix('.log')}")
    out: dict[str, str] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        key = f"{case.get('classname')}::{case.get('name')}"
        kinds = {child.tag: child for child in case}
        if "error" in kinds:
            result = "error"
        elif "failure" in kinds:
            result = "failed"
        elif "skipped" in kinds:
            result = "xfailed" if kinds["skipped"].get("type") == "pytest.xfail" else "skipped"
        else:
            result = "passed"
        if key in out and out[key] != result:
            result = f"{out[key]}+{result}"   # setup passed, teardown errored ...
        out[key] = result
    return out


def counts(res: dict[str, str]) -> str:
    tally: dict[str, int] = {}
    for v in res.values():
        tally[v] = tally.get(v, 0) + 1
    return ", ".join(f"{n} {k}" for k, n in sorted(tally.items(), key=lambda kv: -kv[1]))


def check_traces(py: Path, outdir: Path, suite: Suite) -> dict:
    code = r"""
import json, sys
import jsonschema
from pytrace_sem.tracedir import read_dir
from pytrace_sem.trace import schema
d = read_dir(sys.argv[1])
pkgs = tuple(sys.argv[2:])
own = [r for r in d.records if r.module.split(".")[0] in pkgs]
# One compiled validator: pytrace_sem.trace.validate checks the schema itself on every call.
validator = jsonschema.Draft202012Validator(schema())
for r in d.records:
    err = jsonschema.exceptions.best_match(validator.iter_errors(r.trace_json))
    if err is not None:
        sys.exit(f"record {r.id} ({r.module}:{r.qualname}, {r.test_id}): trace does not match the schema at "
                 f"/{'/'.join(map(str, err.absolute_path))}: {err.message[:300]}")
    r.trace  # reads back as a Trace
t = d.summary["totals"]
print(json.dumps({"records": len(d.records), "own": len(own), "functions": len({(r.module, r.qualname) for r in own}),
                  "damaged": len(d.damaged), "errors": t.get("errors", 0), "error_list": d.summary.get("errors", []),
                  "calls": t.get("calls", 0), "already_imported": d.summary["modules"]["already_imported"],
                  "in_place": d.summary["modules"].get("in_place", []),
                  "failed_modules": d.summary["modules"]["failed"], "seconds": d.summary["seconds"]}))
"""
    proc = subprocess.run([str(py), "-c", code, str(outdir), *suite.packages], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    if proc.returncode != 0:
        raise CheckFailed(f"reading/validating traces failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout)


@dataclass
class Result:
    suite: str
    tests: int = 0
    summary: str = ""
    base_s: float = 0.0
    plugin_s: float = 0.0
    first_s: float = 0.0
    traces: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    coverage: str = "not compared"


def coverage_data(py: Path, tree: Path, suite: Suite, out: Path, label: str, extra: list[str]) -> dict:
    """Per file: executed and missing lines and branches of the library, as pytest-cov reports them."""
    report = out / f"coverage-{label}.json"
    cov = [f"--cov={p}" for p in suite.packages] + ["--cov-branch", f"--cov-report=json:{report}"]
    pytest_run(py, tree, suite, out / f"coverage-{label}.xml", extra + cov, out / f"coverage-{label}.log")
    files = json.loads(report.read_text())["files"]
    keys = ("executed_lines", "missing_lines", "executed_branches", "missing_branches")
    return {path: {k: data.get(k) for k in keys} for path, data in files.items()}


def run_suite(name: str, workdir: Path, py: Path, tree: Path, warm: bool, xdist: int, repeat: int = 1,
              coverage: bool = False) -> Result:
    suite = SUITES[name]
    res = Result(name)
    check_import_root(py, tree, suite)
    pin_rootdir(tree)
    out = workdir / "out" / name
    out.mkdir(parents=True, exist_ok=True)
    extra = ["-n", str(xdist)] if xdist else []
    targets = [f"--pytrace-sem-target={p}" for p in suite.packages]
    plugin = [f"--pytrace-sem={out / 'traces'}", *targets, f"--pytrace-sem-cache-dir={workdir / 'cache'}"]
    if warm:
        log(f"{name}: first plugin run, to fill the code cache")
        res.first_s = pytest_run(py, tree, suite, out / "warm.xml", extra + plugin, out / "warm.log")
    base_times, plugin_times = [], []
    for i in range(repeat):
        # Alternate the two, so that a slow spell of a shared machine hits both.
        log(f"{name}: plain run ({i + 1}/{repeat})")
        base_times.append(pytest_run(py, tree, suite, out / "base.xml", extra, out / "base.log"))
        log(f"{name}: run with the plugin ({i + 1}/{repeat})")
        if not warm:
            shutil.rmtree(workdir / "cache", ignore_errors=True)  # cold: every module is rewritten
        plugin_times.append(pytest_run(py, tree, suite, out / "plugin.xml", extra + plugin, out / "plugin.log"))
    res.base_s, res.plugin_s = statistics.median(base_times), statistics.median(plugin_times)
    base, traced = outcomes(out / "base.xml"), outcomes(out / "plugin.xml")
    res.tests = len(base)
    res.summary = counts(base)
    if base != traced:
        diff = sorted(k for k in base.keys() | traced.keys() if base.get(k) != traced.get(k))
        res.problems.append(f"{len(diff)} tests differ, e.g. " + "; ".join(
            f"{k}: {base.get(k)} -> {traced.get(k)}" for k in diff[:10]))
    res.traces = check_traces(py, out / "traces", suite)
    t = res.traces
    if t["own"] == 0:
        res.problems.append("no traces of the library's functions")
    if t["errors"]:
        res.problems.append(f"{t['errors']} recorder errors: {t['error_list'][:3]}")
    if t["damaged"]:
        res.problems.append(f"{t['damaged']} damaged lines")
    if t["failed_modules"]:
        res.problems.append(f"modules not instrumented: {t['failed_modules']}")
    if coverage:
        log(f"{name}: coverage runs, plain and with the plugin")
        plain_cov = coverage_data(py, tree, suite, out, "plain", extra)
        plugin_cov = coverage_data(py, tree, suite, out, "plugin", extra + plugin)
        res.coverage = "identical" if plain_cov == plugin_cov else "differs"
        if plain_cov != plugin_cov:
            files = sorted(f for f in plain_cov.keys() | plugin_cov.keys() if plain_cov.get(f) != plugin_cov.get(f))
            res.problems.append(f"coverage data differs in {len(files)} files, e.g. {files[:3]}")
    return res


def table(results: list[Result], warm: bool, repeat: int = 1) -> str:
    cache = "warm" if warm else "cold"
    if repeat > 1:
        cache += f", median of {repeat}"
    first = " first plugin run (rewriting modules) |" if warm else ""
    lines = [f"| suite | tests (plain run) | plain | with plugin ({cache} cache) | ratio |{first} traces kept "
             "(functions) | outcomes identical | coverage data (pytest-cov) |",
             "|---|---|---|---|---|" + ("---|" if warm else "") + "---|---|---|"]
    for r in results:
        ratio = r.plugin_s / r.base_s if r.base_s else float("nan")
        if not r.tests:
            same = "not run: " + "; ".join(r.problems)[:200]
        else:
            same = "yes" if not any("differ" in p for p in r.problems) else "**no**"
        cold = f" {r.first_s:.1f} s ({r.first_s / r.base_s:.2f}x) |" if warm and r.base_s else ""
        lines.append(f"| {r.suite} {SUITES[r.suite].version} | {r.summary} | {r.base_s:.1f} s | {r.plugin_s:.1f} s "
                     f"| {ratio:.2f}x |{cold} {r.traces.get('own', 0)} ({r.traces.get('functions', 0)}) | {same} "
                     f"| {r.coverage} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--suite", action="append", choices=sorted(SUITES), default=[], help="suite to run (repeatable)")
    ap.add_argument("--all", action="store_true", help="run every suite")
    ap.add_argument("--workdir", type=Path, default=REPO / "build" / "real-suites",
                    help="sdists, unpacked trees, the virtual environment, outputs (default build/real-suites)")
    ap.add_argument("--python", default=sys.executable, help="interpreter for the virtual environment")
    ap.add_argument("--warm", action="store_true", help="fill the instrumented-code cache first (untimed)")
    ap.add_argument("--repeat", type=int, default=1, metavar="N",
                    help="time N runs of each (alternating) and report medians (default 1)")
    ap.add_argument("-n", "--xdist", type=int, default=0, metavar="N", help="run both with pytest-xdist -n N")
    ap.add_argument("--markdown", type=Path, help="also write the table to this file")
    ap.add_argument("--coverage", action="store_true",
                    help="also compare pytest-cov's line and branch data with and without the plugin")
    args = ap.parse_args(argv)
    names = sorted(SUITES) if args.all else args.suite
    if not names:
        ap.error("name a --suite (or --all)")
    workdir = args.workdir.resolve()
    suites = [SUITES[n] for n in names]
    started = time.perf_counter()
    py = venv(workdir, args.python, suites)
    results = []
    failed = False
    for name in names:
        tree = fetch(SUITES[name], workdir, args.python)
        try:
            r = run_suite(name, workdir, py, tree, args.warm, args.xdist, max(1, args.repeat), args.coverage)
        except CheckFailed as exc:
            r = Result(name, problems=[str(exc)])
        results.append(r)
        status = "ok" if not r.problems else "FAILED: " + " | ".join(r.problems)
        log(f"{name}: {r.summary}; plain {r.base_s:.1f} s, plugin {r.plugin_s:.1f} s; "
            f"{r.traces.get('own', 0)} traces of {r.traces.get('functions', 0)} functions; {status}")
        failed |= bool(r.problems)
    text = table(results, args.warm, args.repeat)
    print(text, end="")
    if args.markdown:
        args.markdown.write_text(text)
    log(f"total {time.perf_counter() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
