"""pytest plugin: record execution traces of a project's own functions while its tests run.

    pytest --pytrace-sem=traces/                       # targets: the packages under the rootdir
    pytest --pytrace-sem=traces/ --pytrace-sem-target=mypkg -n 2
    pytrace-sem report traces/

Registered under the ``pytest11`` entry point as ``pytrace_sem``; without
``--pytrace-sem`` it does nothing and imports nothing of the library. With it,
target modules are instrumented as they are imported and every outermost call
of one of their functions during a test becomes a trace record (see
``pytrace_sem.tracedir`` for the files, ``docs/pytest-plugin.md`` for the rest).
Recording never changes a test's outcome: errors of the recorder are counted
in the summary, not raised.
"""

from __future__ import annotations

import fnmatch
import json
import os
from pathlib import Path
from typing import Any

import pytest

__all__ = ["pytest_addoption", "pytest_load_initial_conftests", "pytest_configure", "pytest_runtest_protocol",
           "pytest_sessionfinish", "pytest_terminal_summary"]

_KEY = pytest.StashKey[Any]()
_OUTDIR = pytest.StashKey[Path]()

# (option suffix, ini name, default, help)
_NUMBERS = (
    ("max-steps", "pytrace_sem_max_steps", 1_000, "steps recorded per trace"),
    ("max-traces", "pytrace_sem_max_traces", 20, "traces kept per function and process"),
    ("first", "pytrace_sem_first", 10, "of those, how many are the first calls (the rest is a seeded "
                                       "reservoir sample of later calls)"),
    ("max-string", "pytrace_sem_max_string", 1_000, "characters kept per value repr"),
    ("max-items", "pytrace_sem_max_items", 100, "items kept per container value"),
    ("max-size", "pytrace_sem_max_size", 1_000_000, "bytes of values per trace before it is cut"),
    ("seed", "pytrace_sem_seed", 0, "seed of the reservoir sampling"),
)
_NOT_TARGETS = {"tests", "test", "testing", "docs", "doc", "examples", "example", "benchmarks", "bench",
                "build", "dist", "scripts", "tools", "site-packages", "node_modules"}
_NOT_MODULES = {"setup", "conftest", "noxfile", "fabfile", "versioneer", "manage"}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pytrace-sem", "execution traces of the project's functions (pytrace_sem)")
    group.addoption("--pytrace-sem", metavar="DIR", default=None, dest="pytrace_sem",
                    help="instrument target modules and write one trace per outermost call under DIR")
    group.addoption("--pytrace-sem-target", metavar="NAME", action="append", default=None,
                    dest="pytrace_sem_targets",
                    help="module or package to instrument (repeatable; default: the packages under the "
                         "rootdir that are not tests)")
    for suffix, ini, default, text in _NUMBERS:
        group.addoption(f"--pytrace-sem-{suffix}", metavar="N", type=int, default=None,
                        dest=ini, help=f"{text} (default {default}; ini {ini})")
        parser.addini(ini, f"pytrace-sem: {text}", default=str(default))
    group.addoption("--pytrace-sem-cache-dir", metavar="DIR", default=None, dest="pytrace_sem_cache_dir",
                    help="where instrumented code is cached ('none' to disable; default "
                         "~/.cache/pytrace-sem/code)")
    group.addoption("--pytrace-sem-keep-deadlines", action="store_true", default=False,
                    dest="pytrace_sem_keep_deadlines",
                    help="keep Hypothesis deadlines and its too_slow health check (they are relaxed by "
                         "default because instrumented code runs slower)")
    parser.addini("pytrace_sem_targets", "pytrace-sem: modules or packages to instrument", type="linelist",
                  default=[])


def _number(config: pytest.Config, ns: Any, ini: str) -> int:
    value = getattr(ns, ini, None)
    if value is not None:
        return value
    text = config.getini(ini)
    try:
        return int(text)
    except (TypeError, ValueError):
        raise pytest.UsageError(f"pytrace-sem: ini option {ini} must be an integer, got {text!r}") from None


def _options(config: pytest.Config, ns: Any):
    from pytrace_sem._testrun import RunOptions
    from pytrace_sem.api import _limits
    from pytrace_sem.errors import LimitError

    values = {ini[len("pytrace_sem_"):]: _number(config, ns, ini) for _, ini, _, _ in _NUMBERS}
    try:
        _limits({k: values[k] for k in ("max_steps", "max_items", "max_string", "max_size")})
    except LimitError as exc:
        raise pytest.UsageError(f"pytrace-sem: {exc}") from None
    if values["max_traces"] < 1:
        raise pytest.UsageError("pytrace-sem: --pytrace-sem-max-traces must be at least 1")
    if not 0 <= values["first"] <= values["max_traces"]:
        raise pytest.UsageError("pytrace-sem: --pytrace-sem-first must be between 0 and --pytrace-sem-max-traces")
    return RunOptions(relax_hypothesis=not ns.pytrace_sem_keep_deadlines, **values)


def default_targets(rootdir: Path) -> list[str]:
    """Importable packages (and top-level modules) under ``rootdir`` and ``rootdir/src`` that are not tests."""
    found: list[str] = []
    for base, namespace_ok in ((rootdir, False), (rootdir / "src", True)):
        if not base.is_dir():
            continue
        for entry in sorted(base.iterdir()):
            name = entry.name if entry.is_dir() else entry.stem
            if not name.isidentifier() or name.startswith(".") or name in _NOT_TARGETS:
                continue
            if entry.is_dir():
                if (entry / "__init__.py").exists() or (namespace_ok and any(entry.glob("*.py"))):
                    found.append(name)
            elif entry.suffix == ".py" and name not in _NOT_MODULES and not name.startswith("test") \
                    and not name.endswith("_test"):
                found.append(name)
    return found


def _test_file_check(config: pytest.Config):
    patterns = list(config.getini("python_files")) + ["conftest.py"]

    def is_test_file(fullname: str, path: str) -> bool:
        if any(part in ("tests", "test", "testing") for part in fullname.split(".")):
            return True
        base = os.path.basename(path)
        return any(fnmatch.fnmatch(base, p) for p in patterns)

    return is_test_file


def _is_worker() -> bool:
    return bool(os.environ.get("PYTEST_XDIST_WORKER"))


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    # The earliest point with options parsed and before conftest files import the project.
    ns = early_config.known_args_namespace
    if not getattr(ns, "pytrace_sem", None):
        return
    outdir = Path(ns.pytrace_sem).expanduser()
    if not outdir.is_absolute():
        outdir = Path(early_config.invocation_params.dir) / outdir
    early_config.stash[_OUTDIR] = outdir
    options = _options(early_config, ns)
    if not _is_worker():
        _clear(outdir)
        if getattr(ns, "numprocesses", None):
            return  # the xdist controller runs no tests; its workers record
    from pytrace_sem._testrun import RunRecorder
    from pytrace_sem.importhook import default_cache_dir

    targets = ns.pytrace_sem_targets or early_config.getini("pytrace_sem_targets") \
        or default_targets(Path(early_config.rootpath))
    if not targets:
        raise pytest.UsageError(
            f"pytrace-sem: no packages found under {early_config.rootpath} to trace; "
            "name them with --pytrace-sem-target=NAME")
    cache = ns.pytrace_sem_cache_dir
    cache_dir = None if cache == "none" else (Path(cache).expanduser() if cache else default_cache_dir())
    worker = os.environ.get("PYTEST_XDIST_WORKER") or "main"
    rec = RunRecorder(outdir, worker=worker, targets=list(targets), options=options,
                      exclude=_test_file_check(early_config), cache_dir=cache_dir)
    rec.start()
    early_config.stash[_KEY] = rec


def _clear(outdir: Path) -> None:
    # Only files this plugin writes: a new run must not be mixed with an old one.
    if not outdir.is_dir():
        return
    for pattern in ("traces.*.jsonl", "summary.*.json", "summary.json"):
        for file in outdir.glob(pattern):
            file.unlink()


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    # After the suite's own conftest loaded its Hypothesis profile, before test
    # modules are imported (their @given binds the profile then).
    rec = config.stash.get(_KEY, None)
    if rec is not None and rec.options.relax_hypothesis:
        from pytrace_sem._testrun import _relax_hypothesis

        _relax_hypothesis()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: Any):
    rec = item.config.stash.get(_KEY, None)
    if rec is None:
        yield
        return
    rec.begin_test(item.nodeid, getattr(item, "obj", None))
    try:
        yield
    finally:
        rec.end_test()


def _phase(item: pytest.Item, phase: str):
    rec = item.config.stash.get(_KEY, None)
    if rec is not None:
        rec.phase = phase


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    _phase(item, "setup")
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):
    _phase(item, "call")
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item):
    _phase(item, "teardown")
    yield


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    outdir = config.stash.get(_OUTDIR, None)
    if outdir is None:
        return
    rec = config.stash.get(_KEY, None)
    if rec is not None:
        rec.finish()
    if not _is_worker():
        from pytrace_sem.tracedir import SUMMARY, merge_summaries

        parts = []
        for file in sorted(outdir.glob("summary.*.json")):
            try:
                parts.append(json.loads(file.read_text("utf-8")))
            except (OSError, json.JSONDecodeError):
                continue
        outdir.mkdir(parents=True, exist_ok=True)
        (outdir / SUMMARY).write_text(json.dumps(merge_summaries(parts), indent=1, sort_keys=True), "utf-8")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    outdir = config.stash.get(_OUTDIR, None)
    if outdir is None or _is_worker():
        return
    try:
        summary = json.loads((outdir / "summary.json").read_text("utf-8"))
    except (OSError, json.JSONDecodeError):
        terminalreporter.write_line(f"pytrace-sem: no summary written under {outdir}")
        return
    t = summary.get("totals", {})
    terminalreporter.write_sep("-", "pytrace-sem")
    terminalreporter.write_line(
        f"{t.get('kept', 0)} traces of {t.get('functions_traced', 0)} functions in {outdir} "
        f"({t.get('calls', 0)} calls, {t.get('dropped_by_cap', 0)} left out by the per-function cap, "
        f"{t.get('errors', 0)} recorder errors)")
    mods = summary.get("modules", {})
    if mods.get("in_place"):
        terminalreporter.write_line(
            "pytrace-sem: imported before the import hook, instrumented in place: " + ", ".join(mods["in_place"]))
    if mods.get("already_imported"):
        terminalreporter.write_line(
            "pytrace-sem: imported before the import hook, not traced: " + ", ".join(mods["already_imported"]))
    if mods.get("failed"):
        terminalreporter.write_line(
            "pytrace-sem: could not be instrumented (run unchanged): " + ", ".join(sorted(mods["failed"])))
