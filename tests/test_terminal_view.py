"""The terminal view: golden files with and without colour, and what each row must say.

The golden programs are tests/golden/terminal/*.py (a class method, a recursive
function, a long ``while`` loop, nested loops) and examples/sample.py; each has a
``.txt`` (plain) and ``.ansi.txt`` (colour) view beside it. To regenerate them after a
deliberate change: ``PYTRACE_SEM_UPDATE_GOLDEN=1 pytest tests/test_terminal_view.py``,
then review the diff.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import pytrace_sem
from pytrace_sem.render.terminal import render, show, to_text
from tests.pty_run import on_a_terminal

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "terminal"
PROGRAMS = sorted(GOLDEN.glob("*.py"))
SAMPLE = ROOT / "examples" / "sample.py"
SAMPLE_CALL = "f([1, 2, 3, 4, 5, 6, 7, 8], '-')"
UPDATE = bool(os.environ.get("PYTRACE_SEM_UPDATE_GOLDEN"))
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _trace(path: Path) -> pytrace_sem.Trace:
    source = path.read_text(encoding="utf-8")
    if path == SAMPLE:
        return pytrace_sem.trace_call(source, SAMPLE_CALL)
    return pytrace_sem.trace_call(source, source.splitlines()[0].removeprefix("# call: "))


def _check_golden(path: Path, text: str) -> None:
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"{path} is missing: run with PYTRACE_SEM_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{path.name} differs: review, then update the goldens"


@pytest.mark.parametrize("program", [SAMPLE, *PROGRAMS], ids=lambda p: p.stem)
def test_golden_views(program: Path) -> None:
    t = _trace(program)
    plain = to_text(t)
    buffer = io.StringIO()
    show(t, file=buffer, color=True)
    coloured = buffer.getvalue()
    _check_golden(GOLDEN / f"{program.stem}.txt", plain)
    _check_golden(GOLDEN / f"{program.stem}.ansi.txt", coloured)
    assert "\x1b[" not in plain and "\x1b[" in coloured
    # Colour changes how it looks, never what it says.
    assert ANSI.sub("", coloured).splitlines() == [line.rstrip() for line in plain.splitlines()]


def _rows(text: str) -> list[tuple[int, str]]:
    """(file line, rest) for each step row of a plain view."""
    found = []
    for line in text.splitlines():
        m = re.match(r"\s*(\d+) │ (.*)$", line)
        if m:
            found.append((int(m.group(1)), m.group(2)))
    return found


def test_rows_follow_the_steps_and_the_source() -> None:
    t = _trace(SAMPLE)
    text = to_text(t, fold=False)
    rows = _rows(text)
    assert [line for line, _ in rows] == [s.line for s in t.steps]
    source = t.lines
    for (line, rest), step in zip(rows, t.steps):
        # The code keeps its own indentation, after two spaces per call depth.
        assert rest.startswith("  " * step.depth + source[line - 1].rstrip())
    assert text.splitlines()[0] == SAMPLE_CALL and text.splitlines()[-1] == f"returned {t.return_value['repr']}"


def test_file_line_numbers_for_a_function_that_starts_further_down() -> None:
    t = _trace(SAMPLE)
    rows = _rows(to_text(t, fold=False, first_line=41))
    assert [line for line, _ in rows] == [s.line + 40 for s in t.steps]


def test_loops_fold_to_their_first_and_last_rounds_and_count_the_rest() -> None:
    source = (GOLDEN / "long_loop.py").read_text(encoding="utf-8")
    t = pytrace_sem.trace_call(source, "collatz_steps(27)")
    rounds = sum(1 for s in t.steps if s.event == "branch" and s.line == 4 and s.outcome)
    text = to_text(t)
    [fold] = [line for line in text.splitlines() if "more rounds" in line]
    left_out = int(re.search(r"(\d+) more rounds", fold).group(1))
    assert left_out == rounds - 4  # two rounds kept at each end
    first, last = map(int, re.search(r"steps (\d+)-(\d+)", fold).groups())
    assert len(_rows(text)) == len(t.steps) - (last - first + 1)
    # keep=1 keeps one round at each end; fold=False keeps everything.
    assert f"{rounds - 2} more rounds" in to_text(t, keep=1)
    assert "more rounds" not in to_text(t, fold=False) and len(_rows(to_text(t, fold=False))) == len(t.steps)


def test_short_loops_are_not_folded_and_ifs_are_not_loops() -> None:
    source = "def f(xs):\n    n = 0\n    for x in xs:\n        if x:\n            n += 1\n    return n\n"
    # Five rounds: folding the one in the middle would save nothing.
    t = pytrace_sem.trace_call(source, "f([1, 0, 1, 1, 0])")
    text = to_text(t)
    assert "more rounds" not in text and len(_rows(text)) == len(t.steps)
    assert "2 more rounds of the loop at line 3" in to_text(pytrace_sem.trace_call(source, "f([1, 0, 1, 1, 0, 1])"))


def test_object_attributes_are_shown_by_name() -> None:
    t = _trace(GOLDEN / "account.py")
    text = to_text(t)
    assert "self.balance: 10 -> 15" in text
    assert "acct.balance: 10 -> 15" in text          # the caller sees the change too
    assert "self = <__pytrace_sem__.Account object>" in text
    assert "self: <__pytrace_sem__.Account object> ->" not in text


def test_watch_columns_are_computed_from_recorded_values() -> None:
    t = _trace(SAMPLE)
    text = to_text(t, watch=["len(totals)", "running * 2"], fold=False)
    rows = _rows(text)
    running = None
    totals: list | None = None
    for (_, rest), step in zip(rows, t.steps):
        if "running" in step.changes:
            running = int(step.changes["running"]["repr"])
        if "totals" in step.changes:
            totals = eval(step.changes["totals"]["repr"])  # noqa: S307 - a list of str literals from our trace
        expected_len = "?" if totals is None else str(len(totals))
        expected_double = "?" if running is None else str(running * 2)
        assert rest.endswith(f"[len(totals) = {expected_len}, running * 2 = {expected_double}]"), rest
    with pytest.raises(ValueError, match="not a Python expression"):
        render(t, watch=["len("])


def test_the_cli_view_is_coloured_only_when_asked_or_on_a_terminal(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "pytrace_sem.cli", "trace", str(SAMPLE), "--call", SAMPLE_CALL, "--format", "text"]
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    piped = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    forced = subprocess.run([*cmd, "--color", "always"], capture_output=True, text=True, env=env, timeout=120)
    assert piped.returncode == forced.returncode == 0
    assert "\x1b[" not in piped.stdout and "\x1b[" in forced.stdout
    assert piped.stdout == (GOLDEN / "sample.txt").read_text(encoding="utf-8")
    watched = subprocess.run([*cmd, "--no-fold", "--watch", "len(totals)"], capture_output=True, text=True,
                             env=env, timeout=120)
    assert "[len(totals) = 4]" in watched.stdout and "more rounds" not in watched.stdout
    bad = subprocess.run([*cmd, "--watch", "len("], capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "not a Python expression" in bad.stderr


def test_no_color_is_respected_on_a_terminal() -> None:
    argv = ["-m", "pytrace_sem.cli", "trace", str(SAMPLE), "--call", SAMPLE_CALL, "--format", "text"]
    on_tty = on_a_terminal(argv)
    no_color = on_a_terminal(argv, NO_COLOR="1")
    assert "\x1b[" in on_tty and "returned '6-10-28-36'" in on_tty
    assert "\x1b[" not in no_color and "returned '6-10-28-36'" in no_color


def test_str_of_a_trace_is_the_view() -> None:
    t = _trace(SAMPLE)
    assert str(t) == to_text(t).rstrip("\n")
    buffer = io.StringIO()
    t.show(file=buffer, color=False)
    assert buffer.getvalue() == to_text(t)
