"""CRUXEval-O/I: prompts, answer parsing, scoring against the data, and the model-free baselines.

Runs without torch: the backends used here are ``oracle``, ``identity`` and scripted ones.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from semcoder.cli import main
from semcoder.errors import DataError, EvalError
from semcoder.eval.backends import GenerationSettings, make_backend
from semcoder.eval.cruxeval import (
    CruxProblem,
    evaluate_cruxeval,
    load_cruxeval,
    make_requests,
    parse_prediction,
    score_predictions,
    scoring_program,
)

DATA = Path(__file__).parent / "data" / "cruxeval-dev" / "cruxeval-dev.jsonl"


@pytest.fixture(scope="module")
def problems() -> list[CruxProblem]:
    return load_cruxeval(str(DATA))


# -- parsing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "task", "expected"),
    [
        ("[ANSWER]\nassert f([1, 2]) == 3\n[/ANSWER]", "output", "3"),
        ("[ANSWER]\nassert f([1, 2]) == 3\n[/ANSWER]", "input", "[1, 2]"),
        # quotes and spacing survive byte for byte
        ("[ANSWER]\nassert f('a\"b',  2) == \"x'y\"\n[/ANSWER]", "output", '"x\'y"'),
        ("[ANSWER]\nassert f('a\"b',  2) == \"x'y\"\n[/ANSWER]", "input", "'a\"b',  2"),
        # reasoning first, the last answer block wins, an unclosed block still counts
        ("[MONOLOGUE]\n[ANSWER] no [/ANSWER]\n[/MONOLOGUE]\n[ANSWER]\nassert f(1) == 2\n", "output", "2"),
        # a bare value, a bare call, no arguments
        ("[ANSWER]\n'abc'\n[/ANSWER]", "output", "'abc'"),
        ("[ANSWER]f([1, 2])[/ANSWER]", "input", "[1, 2]"),
        ("[ANSWER]\nassert f() == [1]\n[/ANSWER]", "input", ""),
        # a fenced assertion with a trailing comment
        ("[ANSWER]\n```python\nassert f(1) == (1, 2)  # done\n```\n[/ANSWER]", "output", "(1, 2)"),
        ("", "output", None),
    ],
)
def test_parse_prediction(response: str, task: str, expected: str | None) -> None:
    assert parse_prediction(response, task) == expected


def test_prompts_carry_the_code_byte_for_byte(problems: list[CruxProblem]) -> None:
    for task in ("output", "input"):
        for request, p in zip(make_requests(problems, task, "monologue"), problems):
            assert p.code in request.prompt
            assert "[PYTHON]" in request.prompt and "[MONOLOGUE]" in request.prompt
            if task == "output":
                assert f"assert f({p.input}) == ??" in request.prompt
            else:
                assert f"assert f(??) == {p.output}" in request.prompt


def test_an_output_that_calls_the_function_is_wrong(problems: list[CruxProblem]) -> None:
    p = problems[0]
    assert scoring_program(p, "output", f"f({p.input})") is None
    assert scoring_program(p, "output", "((") is None
    assert scoring_program(p, "output", None) is None
    assert scoring_program(p, "output", p.output) is not None


# -- scoring against the data --------------------------------------------------------


def _changed(literal: str) -> str:
    """A different value of the same kind, for checking that wrong answers score wrong."""
    value = eval(literal, {"__builtins__": {"set": set, "frozenset": frozenset}})  # data literals only
    if isinstance(value, bool):
        new: Any = not value
    elif isinstance(value, (int, float)):
        new = value + 1
    elif isinstance(value, (str, bytes)):
        new = value + type(value)(b"x" if isinstance(value, bytes) else "x")
    elif isinstance(value, (list, tuple)):
        new = type(value)([*value, "x"])
    elif isinstance(value, (set, frozenset, dict)):
        new = {**value, "x": 0} if isinstance(value, dict) else type(value)([*value, "x"])
    elif value is None:
        new = 0
    else:  # pragma: no cover - the data holds only the kinds above
        raise AssertionError(f"unexpected output kind {type(value)}")
    assert new != value
    return repr(new)


@pytest.mark.slow
def test_true_output_scores_right_and_changed_output_wrong_on_all_200(problems: list[CruxProblem]) -> None:
    assert len(problems) == 200
    preds = [[p.output, _changed(p.output)] for p in problems]
    results = score_predictions(problems, "output", preds)
    wrong_true = [p.id for p, r in zip(problems, results) if not r[0]]
    right_changed = [p.id for p, r in zip(problems, results) if r[1]]
    assert wrong_true == [] and right_changed == []


@pytest.mark.slow
def test_true_input_scores_right_on_all_200(problems: list[CruxProblem]) -> None:
    results = score_predictions(problems, "input", [[p.input] for p in problems])
    assert [p.id for p, r in zip(problems, results) if not r[0]] == []


# -- baselines ----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("task", ["output", "input"])
def test_oracle_scores_100_percent(problems: list[CruxProblem], task: str) -> None:
    result = evaluate_cruxeval(problems, make_backend("oracle"), task=task)
    assert result.n == 200
    assert result.metrics["pass@1"] == 1.0
    assert all(r["correct"] for r in result.records)


def _identity_truth(p: CruxProblem, task: str) -> bool:
    # Independent of the harness: run the data's own code here (it is benchmark data).
    namespace: dict[str, Any] = {}
    exec(p.code, namespace)
    if task == "output":
        # Two evaluations: the function may mutate its arguments, the echo must not move with them.
        args = eval(f"({p.input},)", namespace) if p.input.strip() else ()
        echo = eval(f"({p.input},)", namespace) if p.input.strip() else ()
        if len(echo) == 1 and not p.input.rstrip().endswith(","):
            echo = echo[0]
        return namespace["f"](*args) == echo
    try:
        return namespace["f"](eval(p.output, namespace)) == eval(p.output, namespace)
    except Exception:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("task", ["output", "input"])
def test_identity_scores_exactly_where_echoing_is_right(problems: list[CruxProblem], task: str) -> None:
    result = evaluate_cruxeval(problems, make_backend("identity"), task=task)
    harness = {r["id"]: r["correct"] for r in result.records}
    truth = {p.id: _identity_truth(p, task) for p in problems}
    assert harness == truth
    assert 0 < result.metrics["pass@1"] < 0.5  # a floor, not zero: some functions return their input


def test_sampled_oracle_reports_pass_at_5(problems: list[CruxProblem]) -> None:
    settings = GenerationSettings(samples=5, temperature=0.8, stop=("[/ANSWER]",))
    result = evaluate_cruxeval(problems[:10], make_backend("oracle"), task="input", settings=settings)
    assert result.metrics == {"pass@1": 1.0, "pass@5": 1.0}
    assert all(r["n_correct"] == 5 and len(r["predictions"]) == 5 for r in result.records)


def test_scripted_half_right_model_scores_half(problems: list[CruxProblem]) -> None:
    class HalfRight:
        name = "half"

        def generate(self, requests: Any, settings: Any) -> list[list[str]]:
            out = []
            for i, r in enumerate(requests):
                value = r.context["output"] if i % 2 == 0 else "None"
                answer = f"[ANSWER]\nassert f({r.context['input']}) == {value}\n[/ANSWER]"
                out.append([f"[MONOLOGUE]\nthinking\n[/MONOLOGUE]\n{answer}"])
            return out

    result = evaluate_cruxeval(problems[:20], HalfRight(), task="output", mode="monologue")
    expected = sum(1 for i, p in enumerate(problems[:20]) if i % 2 == 0 or p.output == "None") / 20
    assert result.metrics["pass@1"] == pytest.approx(expected)


# -- loading and the CLI -------------------------------------------------------------------


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such CRUXEval file"):
        load_cruxeval(str(tmp_path / "missing.jsonl"))
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "x", "code": "def f(): pass"}) + "\n")
    with pytest.raises(DataError, match="lacks 'input'"):
        load_cruxeval(str(bad))
    with pytest.raises(EvalError, match="unknown CRUXEval task"):
        make_requests([], "both")


def test_cli_writes_result_json_and_markdown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "crux-i.json"
    code = main(["eval", "cruxeval", "--data", str(DATA), "--task", "input", "--backend", "oracle",
                 "--limit", "12", "--out", str(out)])  # fmt: skip
    assert code == 0
    data = json.loads(out.read_text())
    assert data["pass@1"] == 1.0 and data["n"] == 12
    assert {"id", "prediction", "correct"} <= set(data["records"][0])
    assert out.with_suffix(".md").read_text().startswith("| benchmark")
    assert "| cruxeval input direct | oracle | oracle | 12 | 100.0 |" in capsys.readouterr().out


def test_cli_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "cruxeval", "--data", "no/such.jsonl", "--backend", "oracle"]) == DataError.exit_code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "no such CRUXEval file" in err
    assert main(["eval", "cruxeval", "--data", str(DATA), "--backend", "hf"]) == EvalError.exit_code
    assert "needs --model" in capsys.readouterr().err
    assert (
        main(["eval", "cruxeval", "--data", str(DATA), "--backend", "oracle", "--samples", "5"]) == EvalError.exit_code
    )
    assert "temperature" in capsys.readouterr().err


def test_results_are_json_literals(problems: list[CruxProblem]) -> None:
    # Every data output is a Python literal the scorer can place in an assertion unchanged.
    for p in problems:
        ast.parse(f"assert f({p.input}) == (\n{p.output}\n)")
