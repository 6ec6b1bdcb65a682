"""``pytrace-sem trace``: happy paths in JSON and text, and one clear line for every user error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import pytrace_sem
from pytrace_sem.cli import main
from pytrace_sem.errors import CallError, LimitError, SourceError
from pytrace_sem.trace import Trace, validate

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "sample.py"

SOURCE = (
    "LIMIT = 3\n"
    "\n"
    "\n"
    "def f(xs, sep='-'):\n"
    "    print('tracing f')\n"
    "    out = []\n"
    "    for x in xs[:LIMIT]:\n"
    "        out.append(str(x))\n"
    "    return sep.join(out)\n"
    "\n"
    "\n"
    "def boom(x):\n"
    "    return 1 // x\n"
)


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        rc = main(argv)
    except SystemExit as exc:  # argparse usage errors
        rc = exc.code
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


@pytest.fixture
def src(tmp_path: Path) -> Path:
    path = tmp_path / "mod.py"
    path.write_text(SOURCE, encoding="utf-8")
    return path


def assert_one_line_error(rc, out: str, err: str, *fragments: str) -> None:
    assert rc != 0
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


# -- happy paths ------------------------------------------------------------------------------


def test_json_output_is_the_trace(src: Path, capsys) -> None:
    rc, out, err = run_cli(["trace", str(src), "--call", "f([1, 2, 3, 4], '+')"], capsys)
    assert rc == 0
    # What the traced code prints goes to stderr, so stdout stays JSON.
    assert err == "tracing f\n"
    data = json.loads(out)
    validate(data)
    expected = pytrace_sem.trace_call(SOURCE, "f([1, 2, 3, 4], '+')")
    assert Trace.from_json(data) == expected
    assert out == expected.dumps() + "\n"


def test_json_output_with_indent(src: Path, capsys) -> None:
    rc, out, _ = run_cli(["trace", str(src), "--call", "f([1])", "--indent", "2"], capsys)
    assert rc == 0
    assert out.startswith('{\n  "schema_version": 1,')
    assert json.loads(out)["return"]["repr"] == "'1'"


def test_text_output(capsys) -> None:
    rc, out, err = run_cli(["trace", str(SAMPLE), "--call", "f([1, 2, 3, 4], '-')", "--format", "text"], capsys)
    assert rc == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "f([1, 2, 3, 4], '-')" and "\x1b[" not in out  # piped: no colour
    assert lines[1].split() == ["1", "│", "def", "f(nums,", "sep):", "call", "nums", "=", "[1,", "2,", "3,", "4],",
                                "sep", "=", "'-'"]
    assert any(line.startswith(" 8 │             totals.append(str(running))")
               and line.endswith("totals: ['6'] -> ['6', '10']") for line in lines)
    assert lines[-1] == "returned '6-10'"


def test_text_output_of_an_exception_and_a_step_limit(src: Path, capsys) -> None:
    rc, out, _ = run_cli(["trace", str(src), "--call", "boom(0)", "--format", "text"], capsys)
    assert rc == 0  # the traced function raising is a result, not an error of the command
    assert out.splitlines()[-1] == "raised ZeroDivisionError: integer division or modulo by zero"
    rc, out, _ = run_cli(["trace", str(src), "--call", "f(list(range(10)))", "--format", "text",
                          "--max-steps", "3"], capsys)
    assert rc == 0
    assert "recording stopped (max_steps) after 3 steps" in out
    assert out.splitlines()[-1] == "returned '0-1-2'"


def test_value_limits_are_passed_on(src: Path, capsys) -> None:
    rc, out, _ = run_cli(["trace", str(src), "--call", "f(list(range(50)))", "--max-items", "2",
                          "--max-string", "8", "--max-depth", "1"], capsys)
    assert rc == 0
    data = json.loads(out)
    assert data["args"]["xs"]["truncated"] is True
    assert len(data["args"]["xs"]["items"]) == 2


# -- user errors: one line on stderr, no traceback, non-zero exit -------------------------------


def test_missing_file(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "nope.py"
    rc, out, err = run_cli(["trace", str(missing), "--call", "f()"], capsys)
    assert_one_line_error(rc, out, err, str(missing), "no such file")
    assert rc == SourceError.exit_code


def test_directory(tmp_path: Path, capsys) -> None:
    rc, out, err = run_cli(["trace", str(tmp_path), "--call", "f()"], capsys)
    assert_one_line_error(rc, out, err, str(tmp_path), "directory")


def test_not_utf8(tmp_path: Path, capsys) -> None:
    path = tmp_path / "latin1.py"
    path.write_bytes("def f():\n    return 'caf\xe9'\n".encode("latin-1"))
    rc, out, err = run_cli(["trace", str(path), "--call", "f()"], capsys)
    assert_one_line_error(rc, out, err, "not UTF-8")


def test_syntax_error_names_line_and_column(tmp_path: Path, capsys) -> None:
    path = tmp_path / "bad.py"
    path.write_text("def f(x):\n    return x +* 2\n", encoding="utf-8")
    rc, out, err = run_cli(["trace", str(path), "--call", "f(1)"], capsys)
    assert_one_line_error(rc, out, err, "syntax error", "line 2", "column")
    assert rc == SourceError.exit_code


def test_module_top_level_that_raises(tmp_path: Path, capsys) -> None:
    path = tmp_path / "raises.py"
    path.write_text("import no_such_module_anywhere\n\ndef f():\n    return 1\n", encoding="utf-8")
    rc, out, err = run_cli(["trace", str(path), "--call", "f()"], capsys)
    assert_one_line_error(rc, out, err, "top-level code", "ModuleNotFoundError")


@pytest.mark.parametrize("call, fragment", [
    ("f", "not a function call"),
    ("f + 1", "not a function call"),
    ("[f(1)]", "not a function call"),
    ("f(1", "not valid Python"),
    ("", "empty"),
    ("   ", "empty"),
    ("f(1)(2)", "must call a function by name"),
    ("f(1); g(2)", "not valid Python"),
])
def test_a_call_that_is_not_a_call(src: Path, capsys, call: str, fragment: str) -> None:
    rc, out, err = run_cli(["trace", str(src), "--call", call], capsys)
    assert_one_line_error(rc, out, err, fragment)
    assert rc == CallError.exit_code


@pytest.mark.parametrize("call, fragment", [
    ("f(1 / 0)", "ZeroDivisionError"),
    ("f(undefined_name)", "NameError"),
    ("f(*5)", "TypeError"),
    ("f(int('x'))", "ValueError"),
])
def test_arguments_that_fail_to_evaluate(src: Path, capsys, call: str, fragment: str) -> None:
    rc, out, err = run_cli(["trace", str(src), "--call", call], capsys)
    assert_one_line_error(rc, out, err, "evaluating the arguments", fragment)
    assert rc == CallError.exit_code


def test_unknown_function(src: Path, capsys) -> None:
    rc, out, err = run_cli(["trace", str(src), "--call", "g([1])"], capsys)
    assert_one_line_error(rc, out, err, "unknown function 'g'", "f")


def test_unknown_method_of_a_known_name(src: Path, capsys) -> None:
    rc, out, err = run_cli(["trace", str(src), "--call", "f.nothing(1)"], capsys)
    assert_one_line_error(rc, out, err, "unknown function 'f.nothing'")


def test_a_name_that_is_not_callable(src: Path, capsys) -> None:
    rc, out, err = run_cli(["trace", str(src), "--call", "LIMIT(1)"], capsys)
    assert_one_line_error(rc, out, err, "not callable")


@pytest.mark.parametrize("option, value, fragment", [
    ("--max-steps", "0", "positive integer"),
    ("--max-steps", "-3", "positive integer"),
    ("--max-steps", "many", "expected an integer"),
    ("--max-steps", "1000000000000", "max_steps must be between"),
    ("--max-string", "3", "max_string must be between"),
    ("--max-items", "0", "positive integer"),
    ("--max-depth", "100000", "max_depth must be between"),
])
def test_limits_out_of_range(src: Path, capsys, option: str, value: str, fragment: str) -> None:
    rc, out, err = run_cli(["trace", str(src), "--call", "f([1])", option, value], capsys)
    assert_one_line_error(rc, out, err, fragment)
    assert rc == LimitError.exit_code == 2


@pytest.mark.parametrize("argv, fragment", [
    (["trace", "x.py"], "--call"),
    (["trace", "x.py", "--call", "f()", "--format", "yaml"], "invalid choice"),
    (["trace"], "FILE"),
])
def test_usage_errors(capsys, argv: list[str], fragment: str) -> None:
    rc, out, err = run_cli(argv, capsys)
    assert_one_line_error(rc, out, err, fragment)
    assert rc == 2


def _subprocess(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pytrace_sem.cli", *args], cwd=cwd, capture_output=True,
                          text=True, env=env, check=False)


def test_errors_from_a_real_process_have_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("def f(:\n", encoding="utf-8")
    (tmp_path / "ok.py").write_text(SOURCE, encoding="utf-8")
    for args in (["trace", "missing.py", "--call", "f()"],
                 ["trace", "bad.py", "--call", "f()"],
                 ["trace", "ok.py", "--call", "f(1/0)"],
                 ["trace", "ok.py", "--call", "nope()"],
                 ["trace", "ok.py", "--call", "f([1])", "--max-steps", "0"]):
        proc = _subprocess(args, tmp_path)
        assert proc.returncode != 0, args
        assert proc.stdout == ""
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert "Traceback" not in proc.stderr


def test_json_from_a_real_process(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text(SOURCE, encoding="utf-8")
    proc = _subprocess(["trace", "ok.py", "--call", "f(['a', 'b'], sep='/')"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "tracing f\n"
    data = json.loads(proc.stdout)
    validate(data)
    assert data["return"]["repr"] == "'a/b'"
    assert data["call"] == "f(['a', 'b'], sep='/')"
