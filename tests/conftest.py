"""Fixtures shared by several test modules: headless Chromium, and the two static sites built from real runs.

- ``browser``: a Selenium driver for Debian's ``chromium`` and ``chromedriver`` (both
  paths given, so Selenium never looks for or downloads a browser of its own);
  the test is skipped where either, or selenium, is missing.
- ``report_site``: tests/plugin_project run under ``pytest --pytrace-sem`` (with one
  function no test calls appended to its flat module), and the report site of it.
- ``corpus_site``: a corpus built by the real builder from 10 CRUXEval dev functions
  and two that are dropped, and the corpus browser of it.

The builds run once per session (each worker, under xdist), in a temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = ROOT / "build" / "screenshots"
PLUGIN_PROJECT = Path(__file__).parent / "plugin_project"
CRUX = Path(__file__).parent / "data" / "cruxeval-dev" / "cruxeval-dev.jsonl"

#: Appended to the plugin project's flat module: a function no test calls.
NEVER_CALLED = '\n\ndef unused(x):\n    """No test calls this."""\n    return -x\n'

#: Functions the corpus build drops before running them (a bad import, a syntax error).
DROPPED_ROWS = [
    {"id": "imports", "code": "import os\n\ndef f(x):\n    return os.getcwd()\n", "input": "1"},
    {"id": "syntax", "code": "def f(x:\n    return x\n", "input": "1"},
]


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without xdist's worker variables (a child pytest must not think it is one)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "PYTEST_CURRENT"))}
    env.update(PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip(f"the browser tests need {CHROMIUM} and {CHROMEDRIVER}: apt-get install chromium chromium-driver")
    webdriver = pytest.importorskip("selenium.webdriver", reason="the browser tests need selenium: pip install selenium")
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager, should it run at all, downloads nothing
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,800", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


@dataclass(frozen=True)
class BuiltSite:
    """A site built by a fixture: the input folder it was made from and the site folder."""

    source: Path
    out: Path
    result: Any


@pytest.fixture(scope="session")
def report_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    from pytrace_sem.render.report_site import write_report_site

    project = tmp_path_factory.mktemp("report") / "plugin_project"
    shutil.copytree(PLUGIN_PROJECT, project)
    with (project / "flatmod.py").open("a", encoding="utf-8") as fh:
        fh.write(NEVER_CALLED)
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "tools.early_import", "-q",
           "--pytrace-sem=traces", f"--pytrace-sem-cache-dir={project / 'cache'}"]
    done = subprocess.run(cmd, cwd=project, env=clean_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = project.parent / "html"
    return BuiltSite(source=project / "traces", out=out, result=write_report_site(project / "traces", out))


@pytest.fixture(scope="session")
def corpus_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    from semcoder.corpus import BuildConfig, build_corpus
    from semcoder.corpus.site import write_corpus_site

    folder = tmp_path_factory.mktemp("corpus")
    rows = CRUX.read_text("utf-8").splitlines()[:10] + [json.dumps(r) for r in DROPPED_ROWS]
    source = folder / "crux12.jsonl"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    config = BuildConfig(max_cases=2, max_candidates=30, input_budget_seconds=10)
    build_corpus([str(source)], folder / "corpus", config=config, workers=2)
    out = folder / "html"
    return BuiltSite(source=folder / "corpus", out=out, result=write_corpus_site(folder / "corpus", out))
