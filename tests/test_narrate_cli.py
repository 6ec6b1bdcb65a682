"""``pytrace-sem narrate`` and ``pytrace-sem check``: output, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytrace_sem import cli

SRC = "def f(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total\n"


@pytest.fixture(autouse=True)
def _only_narrate_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    # Test these subcommands through the real dispatcher without depending on the others.
    monkeypatch.setattr(cli, "_COMMAND_MODULES", ("pytrace_sem._cmd_narrate",))


@pytest.fixture()
def src(tmp_path: Path) -> Path:
    path = tmp_path / "sample.py"
    path.write_text(SRC, encoding="utf-8")
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_error(err: str) -> None:
    assert err.count("\n") == 1 and "Traceback" not in err, err


def test_narrate_styles(src: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "narrate", str(src), "--call", "f([1, 2])")
    assert code == 0 and err == ""
    assert "### Execution Simulation" in out and "assert f([1, 2]) == 3" in out
    for style, marker in (("backward", "### Reverse Deduction"), ("scratchpad", "[L2] total=0"),
                          ("inline", "# (1) total=0")):
        code, out, _ = _run(capsys, "narrate", str(src), "--call", "f([1, 2])", "--style", style)
        assert code == 0 and marker in out, style
    a = _run(capsys, "narrate", str(src), "--call", "f([1, 2, 3, 4, 5, 6, 7, 8])", "--seed", "4", "--cap", "6")
    b = _run(capsys, "narrate", str(src), "--call", "f([1, 2, 3, 4, 5, 6, 7, 8])", "--seed", "4", "--cap", "6")
    assert a == b and "skipped" in a[1]


def test_narrate_debug(src: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    buggy = tmp_path / "buggy.py"
    buggy.write_text(SRC.replace("total += x", "total -= x"), encoding="utf-8")
    code, out, _ = _run(capsys, "narrate", str(buggy), "--fixed", str(src), "--call", "f([1, 2])",
                        "--style", "debug")
    assert code == 0 and "### Root Cause" in out and "[L4]" in out.split("### Root Cause")[1]
    code, _, err = _run(capsys, "narrate", str(buggy), "--call", "f([1])", "--style", "debug")
    assert code == 2 and "--fixed" in err  # a usage error, like argparse's
    _one_line_error(err)
    code, _, err = _run(capsys, "narrate", str(buggy), "--call", "f([1])", "--fixed", str(src))
    assert code == 2 and "--style debug" in err


def test_check_reports_json_and_exit_code(src: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, text, _ = _run(capsys, "narrate", str(src), "--call", "f([1, 2])")
    good = tmp_path / "good.txt"
    good.write_text(text, encoding="utf-8")
    code, out, err = _run(capsys, "check", str(src), "--call", "f([1, 2])", "--monologue", str(good))
    report = json.loads(out)
    assert code == 0 and err == ""
    assert report["claims_wrong"] == 0 and report["first_wrong"] is None and report["answer_correct"] is True
    assert report["claims_checked"] > 5
    bad = tmp_path / "bad.txt"
    bad.write_text(text.replace("== 3\n", "== 4\n"), encoding="utf-8")
    code, out, _ = _run(capsys, "check", str(src), "--call", "f([1, 2])", "--monologue", str(bad))
    report = json.loads(out)
    assert code == 1 and report["answer_correct"] is False and report["first_wrong"]["kind"] == "answer"


@pytest.mark.parametrize(
    ("argv", "exit_code", "words"),
    [
        (["narrate", "{missing}", "--call", "f([1])"], 3, "cannot read source file"),
        (["narrate", "{src}", "--call", "f([1]"], 4, "not valid Python"),
        (["narrate", "{src}", "--call", "g(1)"], 4, "g"),
        (["narrate", "{src}", "--call", "f([1])", "--style", "poem"], 2, "invalid choice"),
        (["narrate", "{src}", "--call", "f([1])", "--cap", "0"], 2, "positive"),
        (["narrate", "{src}", "--call", "f([1])", "--cap", "2"], 8, "cap"),
        (["narrate", "{src}", "--call", "f([1])", "--style", "debug"], 2, "needs --fixed"),
        (["narrate", "{src}", "--call", "f([1])", "--fixed", "{src}"], 2, "goes with --style debug"),
        (["check", "{src}", "--call", "f([1])", "--monologue", "{missing}"], 3, "cannot read monologue"),
        (["narrate", "{syntax}", "--call", "f(1)"], 3, "line"),
    ],
)
def test_errors_are_one_line(src: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
                             exit_code: int, words: str) -> None:
    syntax = tmp_path / "broken.py"
    syntax.write_text("def f(x):\n    return (x\n", encoding="utf-8")
    filled = [a.format(src=src, missing=tmp_path / "nope.py", syntax=syntax) for a in argv]
    code, out, err = _run(capsys, *filled)
    assert code == exit_code and out == ""
    _one_line_error(err)
    assert words in err


def _answer(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "answer.txt"
    path.write_text(f"[ANSWER]\n{text}\n[/ANSWER]\n", encoding="utf-8")
    return path


def test_check_runs_a_backward_answer_in_the_sandbox_never_here(src: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    sentinel = tmp_path / "PWNED"
    attack = f"assert f([1, __import__('os').system('touch {sentinel}') or 2]) == 3"
    code, out, _ = _run(capsys, "check", str(src), "--call", "f([1, 2])", "--monologue", str(_answer(tmp_path, attack)))
    report = json.loads(out)
    assert code == 1 and report["answer_correct"] is False
    assert "sandbox" in report["first_wrong"]["reason"] and "os.system" in report["first_wrong"]["reason"]
    assert not sentinel.exists()
    good = "assert f([3, 0]) == 3"  # another input with the traced output: run, and right
    code, out, _ = _run(capsys, "check", str(src), "--call", "f([1, 2])", "--monologue", str(_answer(tmp_path, good)))
    assert code == 0 and json.loads(out)["answer_correct"] is True


def test_an_answer_that_never_returns_is_stopped() -> None:
    from pytrace_sem.narrate import check_monologue

    endless = "[ANSWER]\nassert f(__import__('itertools').count()) == 3\n[/ANSWER]\n"
    report = check_monologue(SRC, "f([1, 2])", endless, answer_timeout=1.0)
    assert report.answer_correct is False and "time limit" in report.first_wrong.reason


@pytest.mark.parametrize("text", ["", "[THOUGHT]\nLet me think", "[ANSWER]\nassert f([1, 2]) ="])
def test_check_of_an_empty_or_cut_monologue_fails(src: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  text: str) -> None:
    monologue = tmp_path / "m.txt"
    monologue.write_text(text, encoding="utf-8")
    code, _, err = _run(capsys, "check", str(src), "--call", "f([1, 2])", "--monologue", str(monologue))
    assert code == 1, err
