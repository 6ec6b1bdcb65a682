"""Run a small project's tests under the pytest plugin, then write the test-run report site.

    python examples/report_site.py            # writes out/report-site; open out/report-site/index.html

The project (a module of three functions and a test file) is written to a temporary
folder and its tests run once with ``pytest --pytrace-sem=DIR``, in a separate
process, as you would run them. ``pytrace-sem report DIR --html OUT`` writes the
same site from the command line.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

LIBRARY = '''\
def grade(score):
    if score >= 90:
        return "A"
    if score >= 75:
        return "B"
    return "C"


def report_card(scores):
    return {name: grade(s) for name, s in scores.items()}


def curve(scores, points):
    return {name: min(100, s + points) for name, s in scores.items()}
'''

TESTS = '''\
from grades import grade, report_card


def test_grade():
    assert grade(95) == "A"
    assert grade(50) == "C"


def test_report_card():
    assert report_card({"ann": 80, "bob": 91}) == {"ann": "B", "bob": "A"}
'''


def main() -> None:
    from pytrace_sem.render.report_site import write_report_site

    out = Path("out/report-site")
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "grades.py").write_text(LIBRARY, encoding="utf-8")
        (project / "test_grades.py").write_text(TESTS, encoding="utf-8")
        traces = project / "traces"
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--pytrace-sem={traces}",
                        "--pytrace-sem-cache-dir=none"], cwd=project, check=True)
        site = write_report_site(traces, out)
    report = site.report
    for module in report.modules:
        for function in module.untraced:
            print(f"without traces: {function.name}: {function.reason} ({function.detail})")
    print(f"wrote {site.pages} pages for {report.records} traces; open {site.index.resolve()}")


if __name__ == "__main__":
    main()
