"""Result records, pass@k, Markdown tables, `semcoder report`, and the backend helpers."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from semcoder.cli import main
from semcoder.errors import DataError, EvalError, MissingDependencyError
from semcoder.eval.backends import (
    GenerationSettings,
    IdentityBackend,
    OracleBackend,
    Request,
    call_arguments,
    make_backend,
    truncate_at_stop,
)
from semcoder.eval.execution import REPORT_PRELUDE, run_programs
from semcoder.eval.report import (
    EvalResult,
    compare,
    legend,
    load_result,
    markdown_table,
    mean_pass_at_k,
    pass_at_k,
    write_result,
)


def test_pass_at_k_matches_the_combinatorial_definition() -> None:
    for n in range(1, 9):
        for c in range(n + 1):
            for k in range(1, n + 1):
                exact = 1 - math.comb(n - c, k) / math.comb(n, k)
                assert pass_at_k(n, c, k) == pytest.approx(exact)
    assert mean_pass_at_k([[True, False], [False, False]]) == {"pass@1": 0.25}
    assert mean_pass_at_k([[True] + [False] * 4]) == {"pass@1": pytest.approx(0.2), "pass@5": 1.0}
    with pytest.raises(ValueError):
        pass_at_k(2, 3, 1)


def _result(**kw: object) -> EvalResult:
    base = dict(benchmark="cruxeval", model="m", backend="hf", n=2, metrics={"pass@1": 0.5},
                settings={"task": "output", "mode": "direct"}, records=({"id": "a", "correct": True},))  # fmt: skip
    base.update(kw)
    return EvalResult(**base)  # type: ignore[arg-type]


def test_result_round_trip_and_files(tmp_path: Path) -> None:
    result = _result()
    json_path, md_path = write_result(result, tmp_path / "sub" / "r.json")
    data = json.loads(json_path.read_text())
    assert data["pass@1"] == 0.5 and data["metrics"] == {"pass@1": 0.5} and data["schema_version"] == 1
    assert load_result(json_path) == result
    assert md_path.read_text() == markdown_table(result)
    assert "| cruxeval output direct | m | hf | 2 | 50.0 |" in md_path.read_text()


def test_compare_aligns_metrics() -> None:
    table = compare([_result(), _result(benchmark="humaneval+", settings={}, metrics={"pass@1": 1.0, "pass@1+": 0.75})])
    lines = table.splitlines()
    assert lines[0] == "| run | model | backend | n | pass@1 | pass@1+ |"
    assert lines[2].endswith("| 50.0 |  |") and lines[3].endswith("| 100.0 | 75.0 |")


def test_legend_explains_every_column_our_evaluations_write() -> None:
    runs = [
        _result(),
        _result(benchmark="humaneval+", settings={}, metrics={"pass@1": 1.0, "pass@5": 1.0, "pass@1+": 0.75}),
        _result(benchmark="refine", settings={},
                metrics={"pass@1[r0]": 0.2, "trace pass@1[r1]": 0.4, "control pass@1[r1]": 0.3}),
    ]
    lines = legend(runs).splitlines()
    explained = {line.split("`")[1]: line for line in lines}
    assert set(explained) == {"run", "model", "backend", "n", "pass@1", "pass@5", "pass@1+", "pass@1[r0]",
                              "trace pass@1[r1]", "control pass@1[r1]"}
    assert "extra inputs" in explained["pass@1+"] and "extra inputs" not in explained["pass@1"]
    assert "within 5 samples" in explained["pass@5"] and "within 1 sample," in explained["pass@1"]
    assert "1 round(s) of feedback with the failing run's execution trace" in explained["trace pass@1[r1]"]
    assert "failure message only" in explained["control pass@1[r1]"]
    assert all("a metric of the result file" not in line for line in lines)
    assert "a metric of the result file" in legend([_result(metrics={"accuracy": 1.0})])


def test_bad_result_files(tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_text(json.dumps({**_result().to_json(), "schema_version": 0}))
    with pytest.raises(DataError, match="schema_version is 0"):
        load_result(old)
    junk = tmp_path / "junk.json"
    junk.write_text("{")
    with pytest.raises(DataError, match="not JSON"):
        load_result(junk)


def test_cli_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, _ = write_result(_result(), tmp_path / "a.json")
    b, _ = write_result(_result(model="other", metrics={"pass@1": 1.0}), tmp_path / "b.json")
    summary = tmp_path / "summary.md"
    assert main(["report", str(a), str(b), "--out", str(summary)]) == 0
    out = capsys.readouterr().out
    assert out == summary.read_text()
    table, explained = out.split("\n\n")
    assert table.count("\n") == 3 and "`pass@1`: percent of problems solved" in explained
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert main(["report", str(a), "--plot", str(tmp_path / "p.png")]) == MissingDependencyError.exit_code
        assert "matplotlib" in capsys.readouterr().err
    else:
        assert main(["report", str(a), str(b), "--plot", str(tmp_path / "p.png")]) == 0
        assert (tmp_path / "p.png").stat().st_size > 0
    assert main(["report", str(tmp_path / "missing.json")]) == DataError.exit_code


# -- backends and execution ----------------------------------------------------------------


def test_stop_strings_and_arguments() -> None:
    assert truncate_at_stop("a [/ANSWER] b [/PYTHON]", ["[/PYTHON]", "[/ANSWER]"]) == "a [/ANSWER]"
    assert truncate_at_stop("abc", []) == "abc"
    assert call_arguments("[1, 2], 'a,b'") == ["[1, 2]", "'a,b'"]
    assert call_arguments("x=1") == ["x=1"]
    assert call_arguments("") == []


def test_settings_and_factory_errors() -> None:
    with pytest.raises(EvalError, match="temperature"):
        GenerationSettings(samples=3)
    with pytest.raises(EvalError, match="at least 1"):
        GenerationSettings(samples=0)
    with pytest.raises(EvalError, match="unknown backend"):
        make_backend("gpt")
    with pytest.raises(EvalError, match="needs --model"):
        make_backend("vllm")
    try:
        import vllm  # noqa: F401
    except ImportError:
        with pytest.raises(MissingDependencyError, match="vllm"):
            make_backend("vllm", "some/model")


def test_baselines_answer_every_kind() -> None:
    crux = {"code": "def f(a, b):\n    return a + b\n", "input": "1, 2", "output": "3", "function": "f"}
    requests = [
        Request("", "cruxeval-output", crux),
        Request("", "cruxeval-input", crux),
        Request("", "code", {"prompt": "def g():\n", "reference": "def g():\n    return 1\n"}),
        Request("", "refine", {"code": "def g():\n    return 0\n", "reference": "def g():\n    return 1\n"}),
    ]
    settings = GenerationSettings(samples=2, temperature=1.0)
    oracle = OracleBackend().generate(requests, settings)
    assert oracle[0] == ["[ANSWER]\nassert f(1, 2) == 3\n[/ANSWER]"] * 2
    assert oracle[1][0] == "[ANSWER]\nassert f(1, 2) == 3\n[/ANSWER]"
    assert "return 1" in oracle[2][0] and oracle[3][0].startswith("[Refined]")
    identity = IdentityBackend().generate(requests, settings)
    assert identity[0][0] == "[ANSWER]\nassert f(1, 2) == (1, 2)\n[/ANSWER]"
    assert identity[1][0] == "[ANSWER]\nassert f(3) == 3\n[/ANSWER]"
    assert identity[2][0] == "[PYTHON]\ndef g():\n\n[/PYTHON]"
    assert "return 0" in identity[3][0]
    with pytest.raises(EvalError, match="cannot answer"):
        OracleBackend().generate([Request("", "chat")], settings)


def test_processes_are_isolated_and_limited() -> None:
    reporting = REPORT_PRELUDE + "print('noise')\n_report({'x': [1, 2]})\n"
    results = run_programs(
        [reporting, "import os\nos._exit(3)\n", "while True:\n    pass\n", "x = bytearray(10**11)\n"],
        timeout=2,
        isolation="process",
    )
    assert [r.status for r in results] == ["passed", "failed", "timeout", "failed"]
    assert results[0].reports == ({"x": [1, 2]},) and results[0].stdout == "noise\n"
    assert "MemoryError" in results[3].error_line()


def test_plain_programs_use_the_sandbox() -> None:
    results = run_programs(["assert 1 + 1 == 2\n", "assert 1 == 2\n", "import os\nos.system('true')\n"], timeout=5)
    assert [r.status for r in results] == ["passed", "failed", "failed"]
    assert "AssertionError" in results[1].stderr


def test_public_names_exist_and_imports_stay_light() -> None:
    import importlib
    import subprocess
    import sys

    modules = ["semcoder.tasks", "semcoder.train", "semcoder.tiny", "semcoder.errors", "semcoder.cli",
               "semcoder.eval", "semcoder.eval.backends", "semcoder.eval.cruxeval", "semcoder.eval.evalplus",
               "semcoder.eval.refine", "semcoder.eval.report", "semcoder.eval.execution"]  # fmt: skip
    for name in modules:
        module = importlib.import_module(name)
        assert all(hasattr(module, attr) for attr in module.__all__), name
    # torch, transformers and trl load inside functions only: importing and parsing stays cheap.
    code = (
        "import sys\n"
        f"for m in {modules!r}: __import__(m)\n"
        "from semcoder.cli import build_parser\n"
        "build_parser()\n"
        "heavy = [m for m in ('torch', 'transformers', 'trl', 'datasets') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
