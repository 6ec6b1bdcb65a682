"""Tracing never changes what a program does: hostile objects, traced and untraced.

Every program in tests/behaviour (side-effecting ``__repr__``/``__str__``/``__eq__``/
``__hash__``/``__len__``/``__iter__``/``__bool__``/``__getattr__``, properties and
descriptors, a ``__dict__`` property, BaseExceptions raised from dunders, lazy values,
a clock-driven cache, weak references, finalizers, metaclasses, recursion to the
limit ...) runs untraced and
under each way of tracing (``trace_call``, ``trace``, ``@traced``, the pytest plugin),
each mode in a process of its own. Return value, exception and side-effect log must be
the same in all of them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pytrace_sem.tracedir import read_dir

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = ROOT / "tests" / "behaviour"
NAMES = sorted(p.stem for p in PROGRAMS.glob("*.py") if p.name != "run.py")
# The pure Python recorder's own frames spend the program's recursion limit (the C
# hooks keep stack room for themselves: docs/trace-format.md, "Snapshot policy"), so
# there a program that recurses to the limit is held to its return value only.
ROOM_SENSITIVE = {"deep_recursion"} if os.environ.get("PYTRACE_SEM_PURE") else set()


def _differences(expected: dict, got: dict) -> dict:
    def seen(name: str, outcome: dict) -> dict:
        return {k: v for k, v in outcome.items() if k != "log"} if name in ROOM_SENSITIVE else outcome

    return {name: (expected[name], got[name]) for name in NAMES if seen(name, got[name]) != seen(name, expected[name])}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "PYTEST_CURRENT"))}
    env.update(PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1",
               PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]))
    return env


def _run(mode: str) -> dict[str, dict[str, str]]:
    done = subprocess.run([sys.executable, str(PROGRAMS / "run.py"), mode], capture_output=True, text=True,
                          env=_env(), timeout=600)
    assert done.returncode == 0, f"{mode}: {done.stderr[-3000:]}"
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def untraced() -> dict[str, dict[str, str]]:
    return _run("plain")


def test_there_are_at_least_thirty_hostile_programs():
    assert len(NAMES) >= 30


@pytest.mark.parametrize("mode", ["trace_call", "trace", "traced"])
def test_every_program_behaves_the_same_traced(mode, untraced):
    traced = _run(mode)
    assert set(traced) == set(untraced) == set(NAMES)
    different = _differences(untraced, traced)
    assert not different, f"{len(different)} programs behave differently under {mode}: {different}"


_TEST_FILE = '''
import gc
import importlib
import json
import os

import pytest

import behaviour_log

NAMES = {names!r}


@pytest.mark.parametrize("name", NAMES)
def test_program(name):
    behaviour_log.LOG.clear()
    module = importlib.import_module("behave." + name)
    try:
        result = {{"return": repr(module.main())}}
    except BaseException as exc:
        result = {{"raise": type(exc).__name__}}
    gc.collect()
    result["log"] = repr(behaviour_log.LOG)
    with open(os.environ["BEHAVIOUR_OUT"], "a", encoding="utf-8") as fh:
        fh.write(json.dumps({{name: result}}) + "\\n")
'''


def _project(where: Path) -> Path:
    project = where / "project"
    package = project / "behave"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    for name in NAMES:
        shutil.copy(PROGRAMS / f"{name}.py", package / f"{name}.py")
    (project / "behaviour_log.py").write_text('"""Where the programs log their side effects."""\nLOG = []\n',
                                              encoding="utf-8")
    (project / "tests").mkdir()
    (project / "tests" / "test_programs.py").write_text(_TEST_FILE.format(names=NAMES), encoding="utf-8")
    return project


def _pytest(project: Path, out: Path, *args: str) -> dict[str, dict[str, str]]:
    env = {**_env(), "BEHAVIOUR_OUT": str(out)}
    env["PYTHONPATH"] = os.pathsep.join([str(project), env["PYTHONPATH"]])
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args], cwd=project,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results: dict[str, dict[str, str]] = {}
    for line in out.read_text(encoding="utf-8").splitlines():
        results.update(json.loads(line))
    return results


def test_every_program_behaves_the_same_under_the_pytest_plugin(tmp_path, untraced):
    project = _project(tmp_path)
    plain = _pytest(project, tmp_path / "plain.jsonl")
    traces = tmp_path / "traces"
    with_plugin = _pytest(project, tmp_path / "plugin.jsonl", f"--pytrace-sem={traces}",
                          "--pytrace-sem-cache-dir=none")
    assert plain == untraced  # the harness itself changes nothing
    different = _differences(plain, with_plugin)
    assert not different, f"{len(different)} programs behave differently under the plugin: {different}"
    traced_modules = {record.module for record in read_dir(traces).records}
    assert len({m for m in traced_modules if m.startswith("behave.")}) >= 30, traced_modules


def test_the_observe_only_example_shows_the_same_counts_traced():
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "observe_only.py")], capture_output=True,
                          text=True, env=_env(), timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    untraced = lines[0].split(":", 1)[1].strip()
    assert lines[1].split(":", 1)[1].strip().startswith(untraced + " (repr_policy builtin)")
