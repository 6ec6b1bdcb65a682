"""Trace-guided self-refinement: the loop, the trace arm against the control, the explanations."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import pytest

import pytrace_sem
from semcoder.cli import main
from semcoder.errors import EvalError
from semcoder.eval.backends import GenerationSettings, Request, make_backend
from semcoder.eval.evalplus import load_code_problems
from semcoder.eval.refine import explain_failures, failure_message, refine, render_scratchpad

HUMANEVAL_PLUS = Path(__file__).parent / "data" / "humanevalplus" / "HumanEvalPlus.jsonl.gz"
HUMANEVAL = Path(__file__).parent / "data" / "humaneval" / "HumanEval.jsonl.gz"


class TraceReader:
    """Writes a wrong first solution; fixes it only when shown what the failing call did."""

    name = "trace-reader"

    def __init__(self) -> None:
        self.refine_prompts: list[str] = []

    def generate(self, requests: Sequence[Request], settings: GenerationSettings) -> list[list[str]]:
        out = []
        for r in requests:
            if r.kind == "code":
                out.append([f"[PYTHON]\n{r.context['prompt']}    return None\n[/PYTHON]"])
            else:
                self.refine_prompts.append(r.prompt)
                fixed = "Here is what happens" in r.prompt
                out.append([f"[Refined]\n{r.context['reference'] if fixed else r.context['code']}\n[/Refined]"])
        return out


@pytest.fixture(scope="module")
def problems() -> list[Any]:
    return load_code_problems(str(HUMANEVAL_PLUS), limit=4)


def test_trace_arm_fixes_what_the_control_cannot(problems: list[Any]) -> None:
    backend = TraceReader()
    result = refine(problems, backend, rounds=2)
    assert result.metrics == {
        "pass@1[r0]": 0.0,
        "trace pass@1[r1]": 1.0,
        "trace pass@1[r2]": 1.0,
        "control pass@1[r1]": 0.0,
        "control pass@1[r2]": 0.0,
    }
    assert result.settings["explained_failures"] == 4
    # The control saw each failure in both rounds; the trace arm only in round 1.
    assert len(backend.refine_prompts) == 4 + 4 * 2
    record = result.records[0]
    assert record["rounds"] == {"trace": [False, True, True], "control": [False, False, False]}
    prompt = record["last_trace_prompt"]
    assert "assert has_close_elements([1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3) == True" in prompt
    assert "but the call returned None" in prompt
    # Line numbers in the explanation count lines of the code the model was shown.
    shown = prompt.split("[PYTHON]\n", 1)[1].split("[/PYTHON]", 1)[0].splitlines()
    assert shown[3].startswith("def has_close_elements") and "[L4] def has_close_elements" in prompt


def test_oracle_needs_no_refinement(problems: list[Any]) -> None:
    result = refine(problems, make_backend("oracle"), rounds=1, plus=True)
    assert result.metrics["pass@1[r0]"] == 1.0
    assert result.metrics["trace pass@1[r1]"] == result.metrics["control pass@1[r1]"] == 1.0


def test_refinement_needs_inputs_and_one_sample(problems: list[Any]) -> None:
    plain = load_code_problems(str(HUMANEVAL), limit=1)
    with pytest.raises(EvalError, match="needs problems with test inputs"):
        refine(plain, make_backend("identity"))
    with pytest.raises(EvalError, match="--rounds"):
        refine(problems, make_backend("identity"), rounds=0)
    with pytest.raises(EvalError, match="one solution"):
        refine(problems, make_backend("identity"), settings=GenerationSettings(samples=2, temperature=1.0))


def test_explanations_come_from_the_trace() -> None:
    source = "def f(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total - 1\n"
    [text, none] = explain_failures([(source, "f([1, 2])", 0), None])
    assert none is None
    assert "[L4] total += x  ->  total = 3" in text and text.endswith("The call returns 2")
    trace = pytrace_sem.trace_call(source, "f([1, 2])")
    assert render_scratchpad(trace) == text
    assert "[helper]" in render_scratchpad(trace, line_offset=2)
    short = render_scratchpad(pytrace_sem.trace_call(source, f"f({list(range(50))})"), max_lines=10)
    assert "steps left out" in short and len(short.splitlines()) == 12


def test_explaining_a_crash_and_an_untraceable_call() -> None:
    [crash, broken] = explain_failures([("def f(x):\n    return 1 // x\n", "f(0)", 0), ("def f(:\n", "f()", 0)])
    assert crash is not None and "ZeroDivisionError" in crash
    assert broken is None


def test_failure_messages() -> None:
    assert "but the call raised ValueError" in failure_message(
        {"kind": "error", "call": "f(1)", "expected": "2", "error": "ValueError"}
    )
    assert "did not finish" in failure_message({"kind": "timeout"})
    assert "does not run" in failure_message({"kind": "load", "error": "SyntaxError"})
    assert failure_message(None) == "The tests fail."


def test_cli_refine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "refine.json"
    assert main(["refine", "--data", str(HUMANEVAL_PLUS), "--backend", "identity", "--limit", "2",
                 "--rounds", "1", "--out", str(out)]) == 0  # fmt: skip
    table = capsys.readouterr().out
    assert "refine-humaneval" in table and "trace pass@1[r1]" in table
    assert out.with_suffix(".md").is_file()
