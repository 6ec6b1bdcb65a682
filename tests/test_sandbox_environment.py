"""The sandbox blames only the function: what installed packages do when imported never counts.

Hypothesis loads every installed Hypothesis plugin when it is imported; trio's plugin runs
``ldconfig`` through ``ctypes.util`` and a plugin of our own (made here) runs a subprocess
and appends to a file beside itself. Sandbox workers import their tool libraries before
their policy is armed, so normal functions come back ``ok`` with correct outputs while
hostile functions in the same run are still blocked; when most functions of a run are
blocked for one operation, both command-line tools say so (and fail with ``--strict``).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pytrace_sem.sandbox import BlockedTally, blocked_event

ROOT = Path(__file__).resolve().parent.parent

NORMAL = {
    "add": "def f(a, b):\n    return a + b\n",
    "shout": "def f(s):\n    return s.upper() + '!'\n",
    "evens": "def f(xs):\n    return [x for x in xs if x % 2 == 0]\n",
    "count": "def f(d):\n    n = 0\n    for k in d:\n        if k in 'abc':\n            n += 1\n    return n\n",
}
HOSTILE = {
    "shell": "def f(x):\n    __import__('os').system('true')\n    return x\n",
    "write": "def f(x):\n    with open('/tmp/pytrace-sem-env-test-outside', 'w') as fh:\n"
             "        fh.write(str(x))\n    return x\n",
}


def _noisy_plugin(site: Path) -> Path:
    """A Hypothesis plugin whose import runs a subprocess and writes a file outside any sandbox."""
    package = site / "noisy_env_plugin"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        "import os, subprocess, sys\n"
        "subprocess.run([sys.executable, '-c', 'pass'], check=False)\n"
        "with open(os.path.join(os.path.dirname(__file__), 'imported.log'), 'a') as fh:\n"
        "    fh.write(f'{os.getpid()}\\n')\n"
        "def setup():\n"
        "    pass\n",
        encoding="utf-8",
    )
    info = site / "noisy_env_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: noisy-env-plugin\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[hypothesis]\nnoisy = noisy_env_plugin:setup\n", encoding="utf-8")
    return package / "imported.log"


def _run(tool: str, *args: str, site: Path | None = None) -> subprocess.CompletedProcess:
    path = [str(site)] if site else []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*path, str(ROOT), os.environ.get("PYTHONPATH", "")])}
    module = {"pytrace-sem": "pytrace_sem.cli", "semcoder": "semcoder.cli"}[tool]
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)


def _records(path: Path, functions: dict[str, str]) -> Path:
    path.write_text("".join(json.dumps({"id": name, "code": code, "entry_point": "f"}) + "\n"
                            for name, code in functions.items()), encoding="utf-8")
    return path


def _expected(code: str, arguments: str) -> str:
    namespace: dict = {}
    exec(code, namespace)  # the NORMAL functions only: trusted, pure
    return repr(namespace["f"](*ast.literal_eval(f"({arguments},)")))


def _check_inputs(out: Path) -> None:
    results = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert set(results) == set(NORMAL) | set(HOSTILE)
    for name, code in NORMAL.items():
        assert results[name]["status"] == "ok", (name, results[name]["message"])
        assert results[name]["inputs"], name
        for found in results[name]["inputs"]:
            assert found["output"] == _expected(code, found["input"]), (name, found)
    assert results["shell"]["status"] == "blocked" and blocked_event(results["shell"]["message"]) == "os.system"
    assert results["write"]["status"] == "blocked" and "for writing outside" in results["write"]["message"]


def _check_corpus(out: Path) -> None:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    dropped = {r["id"]: r for r in map(json.loads, (out / "dropped.jsonl").read_text(encoding="utf-8").splitlines())}
    assert {name.split(":")[-1] for name in dropped} == set(HOSTILE), dropped
    assert all(r["reason"] == "blocked" for r in dropped.values())
    assert manifest["records"] == len(NORMAL) and manifest["environment_warning"] is None
    for shard in manifest["shards"]:
        for record in map(json.loads, (out / shard).read_text(encoding="utf-8").splitlines()):
            code = NORMAL[record["id"].split(":")[-1]]
            for case in record["cases"]:
                assert case["output"] == _expected(code, case["input"]), (record["id"], case["input"])


SMALL_INPUTS = ["--max-candidates", "40", "--budget-seconds", "6", "--workers", "2"]
SMALL_BUILD = ["--max-candidates", "30", "--max-cases", "2", "--input-budget", "6", "--max-bugs", "0",
               "--workers", "2", "--quiet"]


def test_a_plugin_that_runs_a_subprocess_and_writes_files_when_imported_is_not_blamed(tmp_path):
    stamp = _noisy_plugin(tmp_path / "site")
    source = _records(tmp_path / "functions.jsonl", {**NORMAL, **HOSTILE})
    out = tmp_path / "inputs.jsonl"
    done = _run("pytrace-sem", "inputs", "--from", str(source), "--out", str(out), "--strict", *SMALL_INPUTS,
                site=tmp_path / "site")
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr
    _check_inputs(out)
    assert stamp.exists(), "the plugin was never imported: this test would prove nothing"

    corpus = tmp_path / "corpus"
    done = _run("semcoder", "corpus", "build", "--source", str(source), "--out", str(corpus), "--strict",
                *SMALL_BUILD, site=tmp_path / "site")
    assert done.returncode == 0, done.stderr
    _check_corpus(corpus)


def test_trio_installed_beside_hypothesis_is_not_blamed(tmp_path):
    pytest.importorskip("trio")  # installed into the CI environment by .ci/run
    source = _records(tmp_path / "functions.jsonl", {**NORMAL, **HOSTILE})
    out = tmp_path / "inputs.jsonl"
    done = _run("pytrace-sem", "inputs", "--from", str(source), "--out", str(out), *SMALL_INPUTS)
    assert done.returncode == 0, done.stderr
    _check_inputs(out)
    corpus = tmp_path / "corpus"
    done = _run("semcoder", "corpus", "build", "--source", str(source), "--out", str(corpus), *SMALL_BUILD)
    assert done.returncode == 0, done.stderr
    _check_corpus(corpus)


def test_most_functions_blocked_for_one_operation_warns_and_fails_with_strict(tmp_path):
    same = {f"shell{i}": HOSTILE["shell"] for i in range(3)}
    source = _records(tmp_path / "functions.jsonl", {**same, "add": NORMAL["add"]})
    out = tmp_path / "inputs.jsonl"
    loose = _run("pytrace-sem", "inputs", "--from", str(source), "--out", str(out), *SMALL_INPUTS)
    assert loose.returncode == 0, loose.stderr
    assert "warning: 3 of 4 functions were blocked for the same operation (os.system)" in loose.stderr
    strict = _run("pytrace-sem", "inputs", "--from", str(source), "--out", str(out), "--strict", *SMALL_INPUTS)
    assert strict.returncode == 6
    assert strict.stderr.strip().splitlines()[-1].startswith("pytrace-sem: error: --strict: 3 of 4 functions")
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4  # the results are written all the same

    corpus = tmp_path / "corpus"
    build = _run("semcoder", "corpus", "build", "--source", str(source), "--out", str(corpus), "--strict",
                 "--no-dedupe", *SMALL_BUILD)
    assert build.returncode == 15, build.stderr
    assert "3 of 4 functions were blocked for the same operation (os.system)" in build.stderr
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["records"] == 1 and manifest["blocked_by_operation"] == {"os.system": 3}


def test_the_tally_needs_a_majority_of_one_operation():
    tally = BlockedTally()
    for status, message in [("blocked", "blocked: os.system (and 2 more)"), ("blocked", "blocked: subprocess.Popen"),
                            ("ok", None), ("raised", "ValueError: x")]:
        tally.add(status, message)
    assert tally.suspect() is None and tally.warning() is None  # two different operations, none a majority
    tally.add("blocked", "the sandbox reported blocked: blocked: os.system (the task then ended as 'raised': x)")
    assert tally.events == {"os.system": 2, "subprocess.Popen": 1}
    assert tally.suspect() is None  # 2 of 5 is not more than half
    lone = BlockedTally()
    lone.add("blocked", "blocked: os.system")
    assert lone.suspect() is None  # one function alone says nothing about the environment
    assert blocked_event("ValueError: blocked") is None and blocked_event(None) is None
