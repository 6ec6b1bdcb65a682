"""Progress bars: drawn on a terminal, absent when the output is piped or under ``-q``.

A batch of input generation (``pytrace-sem inputs --from``) runs three ways: on a
pseudo-terminal, piped, and on a pseudo-terminal with ``-q``. Only the first draws a
bar; all three write the same records and the same summary line. The same rule holds
for the eval command's generation bar and training, which use the same module.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pytrace_sem.progress import Progress, is_quiet, set_quiet
from tests.pty_run import on_a_terminal

BAR = "━"  # rich's bar segments


def _jobs(path: Path) -> None:
    records = [{"id": f"t{i}", "code": f"def f(x):\n    return x + {i}\n", "input": "1"} for i in range(6)]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def _records(path: Path) -> list[tuple]:
    """What a run produced, without its timings."""
    return [(r["id"], r["status"], r["inputs"]) for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())]


def test_input_batches_draw_a_bar_onlyon_a_terminal(tmp_path: Path) -> None:
    jobs = tmp_path / "jobs.jsonl"
    _jobs(jobs)
    base = ["-m", "pytrace_sem.cli"]
    batch = ["inputs", "--from", str(jobs), "--workers", "0", "--max-inputs", "2", "--budget-seconds", "5"]
    shown = on_a_terminal([*base, *batch, "--out", str(tmp_path / "tty.jsonl")], tmp_path)
    quiet = on_a_terminal([*base, "-q", *batch, "--out", str(tmp_path / "quiet.jsonl")], tmp_path)
    piped = subprocess.run([sys.executable, *base, *batch, "--out", str(tmp_path / "piped.jsonl")],
                           capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert piped.returncode == 0, piped.stderr
    assert BAR in shown and "inputs" in shown
    assert BAR not in quiet and BAR not in piped.stderr and "\x1b[" not in piped.stderr
    for text in (shown, quiet, piped.stderr):
        assert "6 records written" in text
    assert piped.stderr.count("\n") == 1  # the summary line, nothing else
    assert _records(tmp_path / "tty.jsonl") == _records(tmp_path / "quiet.jsonl") == _records(
        tmp_path / "piped.jsonl")


def test_progress_draws_only_when_enabled() -> None:
    stream = io.StringIO()
    with Progress(3, "work", stream=stream) as bar:  # a StringIO is no terminal
        for _ in range(3):
            bar.advance(note="fine")
        bar.write("a line")
    assert bar.enabled is False and bar.done == 3 and stream.getvalue() == "a line\n"
    forced = io.StringIO()
    with Progress(3, "work", stream=forced, enabled=True) as bar:
        bar.advance(3, note="done")
    assert BAR in forced.getvalue() and "work" in forced.getvalue()


def test_quiet_turns_every_bar_off(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("TERM", raising=False)
    assert Progress(1, "work", stream=Terminal()).enabled is True
    set_quiet(True)
    try:
        assert is_quiet() and Progress(1, "work", stream=Terminal()).enabled is False
    finally:
        set_quiet(False)
    monkeypatch.setenv("TERM", "dumb")
    assert Progress(1, "work", stream=Terminal()).enabled is False


def test_corpus_builds_draw_a_bar_onlyon_a_terminal(tmp_path: Path) -> None:
    source = tmp_path / "five.jsonl"
    crux = Path(__file__).parent / "data" / "cruxeval-dev" / "cruxeval-dev.jsonl"
    source.write_text("".join(crux.read_text(encoding="utf-8").splitlines(keepends=True)[:3]), encoding="utf-8")
    build = ["-m", "semcoder.cli", "corpus", "build", "--source", str(source), "--max-cases", "1",
             "--max-bugs", "0", "--input-budget", "2", "--workers", "1"]
    shown = on_a_terminal([*build, "--out", str(tmp_path / "a")], tmp_path)
    quiet = on_a_terminal([*build, "--out", str(tmp_path / "b"), "--quiet"], tmp_path)
    assert BAR in shown and "corpus" in shown and "kept" in shown
    assert BAR not in quiet
    assert "wrote 3 functions" in shown and "wrote 3 functions" in quiet
