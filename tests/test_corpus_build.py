"""Corpus builds that run the sandbox: the default set, filters, resume after SIGKILL, Dask, decontamination.

Budgets are small (few Hypothesis examples, few cases, short input budgets) so each
build takes seconds; the options that could make results depend on machine load
(the per-call time limit) are generous where two builds are compared.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from semcoder.corpus import BuildConfig, build_corpus, read_corpus, read_manifest, validate_record
from tests import datasets

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["--max-candidates", "30", "--max-cases", "2", "--input-budget", "10"]


def _cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "semcoder.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, **kwargs)


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _files(folder: Path) -> dict[str, bytes]:
    """Every file of a finished corpus folder except the build's own journal (its line order varies)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".build" not in p.parts}


def test_default_build_uses_the_bundled_set_prints_a_summary_and_formats(tmp_path):
    out = tmp_path / "corpus"
    done = _cli("corpus", "build", "--out", str(out), "--limit", "6", *SMALL, timeout=600)
    assert done.returncode == 0, done.stderr
    # Piped: no progress bar (tests/test_progress.py), the summary on stdout.
    assert done.stderr == "" and "functions/s" in done.stdout and "traces/s" in done.stdout
    manifest = read_manifest(out)
    assert manifest["sources"][0]["kind"] == "bundled"
    assert manifest["functions"]["processed"] == 6 and manifest["records"] >= 5
    records = list(read_corpus(out))
    for record in records:
        validate_record(record.to_json())
        assert record.description_source == "docstring" and record.cases
        for case in record.cases:
            assert case.forward.rstrip().endswith("[/ANSWER]") and "[MONOLOGUE]" in case.backward
    assert sum(len(r.bugs) for r in records) >= 3
    stats = _cli("corpus", "stats", str(out), "--json", timeout=120)
    assert json.loads(stats.stdout)["records"] == manifest["records"]
    rows = _cli("corpus", "format", str(out), "--out", str(tmp_path / "tasks"), timeout=120)
    assert rows.returncode == 0, rows.stderr
    tasks = {json.loads(line)["task"] for line in (tmp_path / "tasks" / "train.jsonl").open()}
    assert tasks == {"nl2code", "output_monologue", "input_monologue", "debug_refine"}  # the paper's four
    rows = _cli("corpus", "format", str(out), "--out", str(tmp_path / "all"), "--tasks", "all", timeout=120)
    assert rows.returncode == 0, rows.stderr
    tasks = {json.loads(line)["task"] for line in (tmp_path / "all" / "train.jsonl").open()}
    assert tasks == {"nl2code", "output_monologue", "input_monologue", "debug_refine", "output_direct",
                     "input_direct", "output_scratchpad", "input_scratchpad"}


BAD = [
    {"id": "loops", "code": "def f(n: int) -> int:\n    while True:\n        n += 1\n", "input": "1"},
    {"id": "hash_order", "code": "def f(words: list[str]) -> list[str]:\n    return list(set(words))\n",
     "input": "['apple', 'pear', 'fig', 'kiwi', 'plum']"},
    {"id": "object", "code": "def f(x: int):\n    return object()\n", "input": "1"},
    {"id": "imports", "code": "import os\n\ndef f(x):\n    return os.getcwd()\n", "input": "1"},
    {"id": "syntax", "code": "def f(x:\n    return x\n", "input": "1"},
    {"id": "good", "code": "def f(x: int) -> int:\n    return x * 2 if x > 3 else -x\n", "input": "5"},
]


def test_bad_functions_are_dropped_with_their_reasons_and_never_stop_the_build(tmp_path):
    source = _jsonl(tmp_path / "bad.jsonl", BAD)
    config = BuildConfig(max_candidates=30, max_cases=2, input_budget_seconds=4.0, max_bugs=1)
    result = build_corpus([str(source)], tmp_path / "out", config=config, workers=2)
    dropped = {json.loads(line)["id"]: json.loads(line)["reason"] for line in (tmp_path / "out" / "dropped.jsonl").open()}
    assert dropped == {"bad:loops": "too_slow", "bad:hash_order": "nondeterministic",
                       "bad:object": "non_literal_output", "bad:imports": "import_not_allowed",
                       "bad:syntax": "syntax_error"}
    assert [r.id for r in read_corpus(tmp_path / "out")] == ["bad:good"]
    assert result.manifest["dropped"] == {"syntax_error": 1, "import_not_allowed": 1, "nondeterministic": 1,
                                          "non_literal_output": 1, "too_slow": 1}


def test_decontamination_drops_seeded_copies_of_cruxeval_and_humaneval_and_a_hook_describes(tmp_path):
    crux = datasets.cruxeval()
    human = datasets.humaneval()
    rows = [{"id": f"crux{i}", "code": crux[i]["code"]} for i in (3, 40, 77)]
    rows += [{"id": f"he{i}", "code": human[i]["prompt"] + human[i]["canonical_solution"],
              "entry_point": human[i]["entry_point"]} for i in (0, 12)]
    rows += [{"id": "own1", "code": "def f(word: str) -> str:\n    return word[::-1].upper()\n", "input": "'ab'"},
             {"id": "own2", "code": "def g(a: int, b: int) -> int:\n    return max(a, b) - min(a, b)\n",
              "input": "3, 9"}]
    source = _jsonl(tmp_path / "mixed.jsonl", rows)
    evals = (str(datasets.DATA / "cruxeval-dev"), str(datasets.DATA / "humaneval" / "HumanEval.jsonl.gz"))
    config = BuildConfig(max_candidates=30, max_cases=2, max_bugs=0, decontaminate=evals)
    def describe(code: str, entry: str) -> str | None:  # stands in for a model writing descriptions
        return f"Describe {entry} here." if entry == "g" else None

    manifest = build_corpus([str(source)], tmp_path / "out", config=config, workers=2, describe=describe).manifest
    assert manifest["dropped"] == {"contaminated": 5}
    assert manifest["descriptions"] == {"derived": 1, "hook": 1}
    assert manifest["decontamination"]["dropped"] == 5
    assert manifest["decontamination"]["by_eval_set"] == {"cruxeval-dev": 3, "humaneval": 2}
    records = list(read_corpus(tmp_path / "out"))
    assert [r.id for r in records] == ["mixed:own1", "mixed:own2"]
    assert records[1].description == "Describe g here." and records[0].description.startswith("The function `f`")


def _resume_source(tmp_path: Path) -> Path:
    return _jsonl(tmp_path / "crux16.jsonl", datasets.cruxeval()[:16])


STEADY = ["--max-candidates", "30", "--max-cases", "2", "--call-timeout", "3", "--workers", "2", "--quiet"]


def test_a_build_killed_midway_and_restarted_equals_an_uninterrupted_one(tmp_path):
    source = _resume_source(tmp_path)
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"
    done = _cli("corpus", "build", "--source", str(source), "--out", str(whole), *STEADY, timeout=600)
    assert done.returncode == 0, done.stderr
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "semcoder.cli", "corpus", "build", "--source", str(source),
                             "--out", str(resumed), *STEADY], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal = resumed / ".build" / "journal.jsonl"
    try:
        while proc.poll() is None:
            if journal.exists() and journal.read_bytes().count(b"\n") >= 5:
                break
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the build finished before it could be killed"
    assert not (resumed / "manifest.json").exists()
    lines_before = journal.read_bytes().count(b"\n")
    assert 5 <= lines_before < 16
    again = _cli("corpus", "build", "--source", str(source), "--out", str(resumed), *STEADY, timeout=600)
    assert again.returncode == 0, again.stderr
    assert "taken from an earlier run" in again.stdout
    assert journal.read_bytes().count(b"\n") == 16  # nothing done twice, nothing lost
    assert _files(resumed) == _files(whole)
    # A finished build run again does no work and rewrites the same files.
    third = _cli("corpus", "build", "--source", str(source), "--out", str(resumed), *STEADY, timeout=600)
    assert "ran 0 functions" in third.stdout and _files(resumed) == _files(whole)
    other = _cli("corpus", "build", "--source", str(source), "--out", str(resumed), "--seed", "1", "--quiet",
                 timeout=600)
    assert other.returncode == 15 and "--overwrite" in other.stderr and other.stderr.count("\n") == 1


def test_dask_local_cluster_builds_the_same_dataset_as_the_local_pool(tmp_path):
    pytest.importorskip("distributed")
    source = _jsonl(tmp_path / "crux6.jsonl", datasets.cruxeval()[20:26])
    config = BuildConfig(max_candidates=30, max_cases=2, call_timeout=3.0)
    local = build_corpus([str(source)], tmp_path / "local", config=config, workers=2)
    dask = build_corpus([str(source)], tmp_path / "dask", config=config, executor="dask", workers=2)
    assert local.manifest["records"] == 6 and dask.ran == 6
    assert _files(tmp_path / "dask") == _files(tmp_path / "local")
