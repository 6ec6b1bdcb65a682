"""Trace a project's functions while its own tests run, then look at the traces.

    python examples/pytest_plugin_demo.py

Writes a two-file project into a temporary directory, runs its tests once with
``pytest --pytrace-sem=DIR`` (in a separate process, as you would), and prints
``pytrace-sem report DIR`` and ``pytrace-sem show DIR --function running_max``.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

LIBRARY = '''\
def running_max(xs):
    best = None
    out = []
    for x in xs:
        if best is None or x > best:
            best = x
        out.append(best)
    return out


def spread(xs):
    maxes = running_max(xs)
    return maxes[-1] - min(xs)
'''

TESTS = '''\
import pytest

from stats import running_max, spread


def test_running_max():
    assert running_max([3, 1, 4, 1, 5]) == [3, 3, 4, 4, 5]


@pytest.mark.parametrize("xs, expected", [([1, 9, 4], 8), ([5], 0)])
def test_spread(xs, expected):
    assert spread(xs) == expected
'''


def main() -> int:
    if importlib.util.find_spec("pytest") is None:
        print("this example runs pytest, which is not installed here: pip install pytest "
              "(or the project's test extra: pip install -e '.[test]')", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "stats.py").write_text(LIBRARY)
        (project / "test_stats.py").write_text(TESTS)
        (project / "pytest.ini").write_text("[pytest]\n")
        out = project / "traces"
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                              f"--pytrace-sem={out}", "--pytrace-sem-target=stats"],
                             cwd=project, capture_output=True, text=True)
        lines = run.stdout.strip().splitlines()
        if run.returncode != 0 or not lines:
            print(f"pytest exited {run.returncode}:\n{run.stdout}{run.stderr}", file=sys.stderr)
            return run.returncode or 1
        print(lines[-1])   # the test outcome line, as without the plugin
        print()
        for argv in (["report", str(out)], ["show", str(out), "--function", "running_max", "--limit", "1"]):
            print(f"$ pytrace-sem {' '.join(argv[:1] + ['DIR'] + argv[2:])}")
            shown = subprocess.run([sys.executable, "-m", "pytrace_sem.cli", *argv], capture_output=True, text=True)
            print(shown.stdout.replace(str(out), "DIR"))
        return run.returncode


if __name__ == "__main__":
    raise SystemExit(main())
