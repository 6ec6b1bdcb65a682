"""Bad input and dangerous output paths: one clear error line, a non-zero exit, nothing lost.

Each case runs a console command in a subprocess, as a user would, and checks the
exit code, that stderr is a single ``error:`` line (no traceback), and that every file
the user had is still there, unchanged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FUNCS = [{"id": "add", "code": "def f(a, b):\n    return a + b\n"},
         {"id": "up", "code": "def f(s):\n    return s.upper()\n"}]
SMALL_BUILD = ["--max-candidates", "20", "--max-cases", "1", "--input-budget", "4", "--max-bugs", "0", "--quiet",
               "--workers", "1"]


def _run(tool: str, *args: str, cwd: Path | None = None, **kwargs) -> subprocess.CompletedProcess:
    module = {"pytrace-sem": "pytrace_sem.cli", "semcoder": "semcoder.cli"}[tool]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd or ROOT, env=env, capture_output=True,
                          text=True, timeout=600, **kwargs)


def _one_error_line(done: subprocess.CompletedProcess, code: int, *words: str) -> None:
    assert done.returncode == code, (done.returncode, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert lines and "Traceback" not in done.stderr, done.stderr
    assert "error:" in lines[-1] and all(w in lines[-1] for w in words), lines[-1]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def funcs(tmp_path: Path) -> Path:
    path = tmp_path / "funcs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in FUNCS), encoding="utf-8")
    return path


# -- output paths ----------------------------------------------------------------------------------


def test_corpus_build_refuses_an_out_folder_that_holds_its_input(tmp_path, funcs):
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    before = _snapshot(tmp_path)
    _one_error_line(_run("semcoder", "corpus", "build", "--source", "funcs.jsonl", "--out", ".", *SMALL_BUILD,
                         cwd=tmp_path), 15, "overlaps the input")
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("out", ["funcs.jsonl", "notes.txt", "notes.txt/corpus"])
def test_corpus_build_refuses_a_file_as_out(tmp_path, funcs, out):
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    before = _snapshot(tmp_path)
    done = _run("semcoder", "corpus", "build", "--source", "funcs.jsonl", "--out", out, *SMALL_BUILD, cwd=tmp_path)
    _one_error_line(done, 15, out.split("/")[0])
    assert _snapshot(tmp_path) == before


def test_overwrite_replaces_only_an_earlier_build(tmp_path, funcs):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work", encoding="utf-8")
    done = _run("semcoder", "corpus", "build", "--source", str(funcs), "--out", str(mine), "--overwrite",
                *SMALL_BUILD)
    _one_error_line(done, 15, "not a corpus build")
    assert _snapshot(mine) == {"thesis.tex": b"years of work"}

    corpus = tmp_path / "corpus"
    assert _run("semcoder", "corpus", "build", "--source", str(funcs), "--out", str(corpus), *SMALL_BUILD,
                "--limit", "1").returncode == 0
    (corpus / "README.extra").write_text("a note of mine", encoding="utf-8")
    rebuilt = _run("semcoder", "corpus", "build", "--source", str(funcs), "--out", str(corpus), "--overwrite",
                   *SMALL_BUILD)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert (corpus / "README.extra").read_text(encoding="utf-8") == "a note of mine"
    assert json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))["records"] == 2


def test_two_builds_into_one_folder_do_not_race(tmp_path):
    slow = [{"id": f"slow{i}", "code": f"def f(n):\n    total = {i}\n    for k in range(n % 50):\n"
                                        f"        total += k\n    return total\n"} for i in range(6)]
    source = tmp_path / "slow.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in slow), encoding="utf-8")
    out = tmp_path / "corpus"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    first = subprocess.Popen([sys.executable, "-m", "semcoder.cli", "corpus", "build", "--source", str(source),
                              "--out", str(out), *SMALL_BUILD], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (out / ".semcoder-build.lock").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        second = _run("semcoder", "corpus", "build", "--source", str(source), "--out", str(out), *SMALL_BUILD)
    finally:
        stdout, stderr = first.communicate(timeout=600)
    _one_error_line(second, 15, "another build is writing")
    assert first.returncode == 0, stderr
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["functions"]["seen"] == 6
    assert not (out / ".semcoder-build.lock").exists()


def test_inputs_refuses_to_write_over_its_input(funcs):
    before = funcs.read_bytes()
    _one_error_line(_run("pytrace-sem", "inputs", "--from", str(funcs), "--out", str(funcs)), 2, "input file")
    assert funcs.read_bytes() == before


# -- bad input -------------------------------------------------------------------------------------


def test_a_build_whose_functions_are_all_dropped_before_running_finishes(tmp_path):
    source = tmp_path / "static.jsonl"
    source.write_text(json.dumps({"id": "net", "code": "import socket\ndef f(x):\n    return x\n"}) + "\n",
                      encoding="utf-8")
    done = _run("semcoder", "corpus", "build", "--source", str(source), "--out", str(tmp_path / "c"), *SMALL_BUILD)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "c" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["records"] == 0 and manifest["dropped"] == {"import_not_allowed": 1}


def test_a_lone_surrogate_drops_its_function_only(tmp_path, funcs):
    lines = funcs.read_text(encoding="utf-8") + '{"id": "bad", "code": "def f(x):\\n    return \\"\\ud800\\"\\n"}\n'
    source = tmp_path / "surrogate.jsonl"
    source.write_text(lines, encoding="utf-8")
    done = _run("semcoder", "corpus", "build", "--source", str(source), "--out", str(tmp_path / "c"), *SMALL_BUILD)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "c" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["records"] == 2 and manifest["dropped"] == {"syntax_error": 1}


def test_a_damaged_journal_line_is_redone(tmp_path, funcs):
    out = tmp_path / "c"
    assert _run("semcoder", "corpus", "build", "--source", str(funcs), "--out", str(out), *SMALL_BUILD).returncode == 0
    journal = out / ".build" / "journal.jsonl"
    entries = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
    del entries[0]["status"]
    journal.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")
    again = _run("semcoder", "corpus", "build", "--source", str(funcs), "--out", str(out), *SMALL_BUILD)
    assert again.returncode == 0, again.stderr
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["records"] == 2


def _corpus(tmp_path: Path, funcs: Path) -> Path:
    out = tmp_path / "c"
    assert _run("semcoder", "corpus", "build", "--source", str(funcs), "--out", str(out), *SMALL_BUILD).returncode == 0
    return out


@pytest.mark.parametrize("damage, words", [
    ("list_manifest", ("not a corpus manifest",)),
    ("binary_shard", ("not UTF-8",)),
    ("duplicate_id", ("already used",)),
])
def test_stats_and_format_on_a_damaged_corpus(tmp_path, funcs, damage, words):
    out = _corpus(tmp_path, funcs)
    shard = out / "data" / "records-00000.jsonl"
    if damage == "list_manifest":
        (out / "manifest.json").write_text("[1, 2]\n", encoding="utf-8")
    elif damage == "binary_shard":
        with shard.open("ab") as fh:
            fh.write(b"\xff\xfe not text\n")
    else:
        with shard.open("a", encoding="utf-8") as fh:
            fh.write(shard.read_text(encoding="utf-8").splitlines()[0] + "\n")
    _one_error_line(_run("semcoder", "corpus", "stats", str(out)), 15, *words)
    _one_error_line(_run("semcoder", "corpus", "format", str(out), "--out", str(tmp_path / "rows")), 15, *words)


def test_stats_counts_the_data_not_the_manifest(tmp_path, funcs):
    out = _corpus(tmp_path, funcs)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["records"] = 99
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    done = _run("semcoder", "corpus", "stats", str(out), "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["records"] == 2
    assert "the manifest says 99 records, the data holds 2" in done.stderr


def test_inputs_rejects_duplicate_ids_and_an_infinite_budget(tmp_path, funcs):
    dup = tmp_path / "dup.jsonl"
    dup.write_text(funcs.read_text(encoding="utf-8") + json.dumps(FUNCS[0]) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    _one_error_line(_run("pytrace-sem", "inputs", "--from", str(dup), "--out", str(out)), 7, "already used on line 1")
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2  # what was finished is kept
    _one_error_line(_run("pytrace-sem", "inputs", "--from", str(funcs), "--out", str(out), "--budget-seconds", "inf"),
                    2, "budget_seconds")


@pytest.mark.parametrize("source, call, code, words", [
    ("import sys\nsys.exit(0)\ndef f():\n    return 1\n", "f()", 3, ("SystemExit",)),
    ("import os\ndef f():\n    os._exit(0)\n", "f()", 4, ("os._exit(0)",)),
])
@pytest.mark.parametrize("command", ["trace", "narrate"])
def test_code_that_ends_the_process_is_an_error_not_a_silent_success(tmp_path, source, call, code, words, command):
    path = tmp_path / "prog.py"
    path.write_text(source, encoding="utf-8")
    _one_error_line(_run("pytrace-sem", command, str(path), "--call", call), code, *words)


@pytest.mark.parametrize("data", [b"# -*- coding: latin-1 -*-\ndef f(s):\n    return s + '\xe9'\n",
                                  b"\xef\xbb\xbfdef f(s):\n    return s + '\xc3\xa9'\n"])
def test_sources_are_read_as_python_reads_them(tmp_path, data):
    path = tmp_path / "prog.py"
    path.write_bytes(data)
    done = _run("pytrace-sem", "trace", str(path), "--call", "f('a')")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["return"]["repr"] == "'a\u00e9'"


def test_a_huge_indent_is_a_usage_error(tmp_path):
    path = tmp_path / "prog.py"
    path.write_text("def f():\n    return 1\n", encoding="utf-8")
    done = _run("pytrace-sem", "trace", str(path), "--call", "f()", "--indent", "100000000000")
    assert done.returncode == 2 and "Traceback" not in done.stderr and "0 to 16" in done.stderr


def test_report_skips_a_damaged_record_and_says_so(tmp_path):
    traces = tmp_path / "traces"
    traces.mkdir()
    record = {"record": "trace", "format": 1, "id": "x", "test_id": "t", "phase": "call", "module": "m",
              "qualname": None, "file": "m.py", "first_line": 1, "status": "returned", "trace": None}
    (traces / "traces.gw0.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    done = _run("pytrace-sem", "report", str(traces))
    assert "Traceback" not in done.stderr and "1 damaged lines skipped" in done.stdout, done.stdout + done.stderr


def test_every_error_class_has_its_row_in_the_exit_code_table():
    import pytrace_sem.errors
    import semcoder.errors
    from pytrace_sem.narrate import NarrateError

    table = (ROOT / "docs" / "exit-codes.md").read_text(encoding="utf-8")
    classes = [c for m in (pytrace_sem.errors, semcoder.errors) for c in vars(m).values()
               if isinstance(c, type) and issubclass(c, pytrace_sem.errors.PytraceSemError)] + [NarrateError]
    for cls in classes:
        assert f"| {cls.exit_code} | " in table and f"`{cls.__name__}`" in table, cls
