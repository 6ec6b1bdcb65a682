"""CRUXEval-O (output prediction) and CRUXEval-I (input prediction), scored by execution.

A problem is a function ``f`` with one input and its output. The model sees the
code and ``assert f(<input>) == ??`` (or ``assert f(??) == <output>``), may reason
in ``[MONOLOGUE]``, and answers with the full assertion in ``[ANSWER]``. Scoring
runs, in the sandbox, ``assert f(<input>) == <predicted output>`` or
``assert f(<predicted input>) == <output>``; code, inputs and predictions are
used byte for byte (no quote rewriting)::

    problems = load_cruxeval("tests/data/cruxeval-dev/cruxeval-dev.jsonl")
    result = evaluate_cruxeval(problems, make_backend("oracle"), task="output")
    result.metrics["pass@1"]   # 1.0

An output prediction that mentions the function itself (``f(17)``) scores wrong:
the answer must be a value, not a call that computes it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from semcoder.errors import DataError, EvalError
from semcoder.eval.backends import Backend, GenerationSettings, Request
from semcoder.eval.execution import DEFAULT_TIMEOUT, run_programs
from semcoder.eval.report import EvalResult, mean_pass_at_k
from semcoder.tasks import PREDICTION_MODES, input_prediction_prompt, output_prediction_prompt, read_jsonl

__all__ = [
    "CruxProblem",
    "CRUX_TASKS",
    "load_cruxeval",
    "make_requests",
    "parse_prediction",
    "scoring_program",
    "score_predictions",
    "evaluate_cruxeval",
]

CRUX_TASKS: tuple[str, ...] = ("output", "input")
_ANSWER = re.compile(r"\[ANSWER\](.*?)(?:\[/ANSWER\]|\Z)", re.S)
_FENCE = re.compile(r"^```[a-zA-Z]*\n?|\n?```$")


@dataclass(frozen=True, slots=True)
class CruxProblem:
    """One CRUXEval problem: code defining ``function``, the argument string, the output's repr."""

    id: str
    code: str
    input: str
    output: str
    function: str = "f"

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "code": self.code, "input": self.input, "output": self.output, "function": self.function}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "CruxProblem":
        try:
            return cls(
                id=str(data["id"]),
                code=data["code"],
                input=data["input"],
                output=data["output"],
                function=data.get("function", "f"),
            )
        except KeyError as exc:
            raise DataError(f"CRUXEval record lacks {exc.args[0]!r} (needs id, code, input, output)") from None


def load_cruxeval(source: str, *, limit: int | None = None, split: str = "test") -> list[CruxProblem]:
    """Problems from a local JSONL file (``.jsonl`` / ``.jsonl.gz``) or a Hugging Face dataset id.

    A dataset id (``cruxeval-org/cruxeval``) goes through ``datasets.load_dataset``,
    which needs the network or a local cache.
    """
    path = Path(source)
    if path.is_file():
        rows: Sequence[Mapping[str, Any]] = read_jsonl(path)
    elif path.exists() or source.endswith((".jsonl", ".json", ".gz")):
        raise DataError(f"no such CRUXEval file: {source}")
    else:
        try:
            import datasets
        except ImportError:
            raise DataError(
                f"{source!r} is not a file, and loading it as a Hugging Face dataset needs `datasets`"
            ) from None
        try:
            rows = list(datasets.load_dataset(source, split=split))
        except Exception as exc:  # the hub client raises many kinds; all mean "cannot load"
            raise DataError(f"cannot load the dataset {source!r}: {exc}") from None
    problems = [CruxProblem.from_json(r) for r in rows]
    if not problems:
        raise DataError(f"{source} holds no problems")
    return problems[:limit] if limit else problems


def make_requests(problems: Sequence[CruxProblem], task: str, mode: str = "direct") -> list[Request]:
    """One request per problem: the prompt of :mod:`semcoder.tasks` plus the facts for baselines."""
    if task not in CRUX_TASKS:
        raise EvalError(f"unknown CRUXEval task {task!r}; use output or input")
    if mode not in PREDICTION_MODES:
        raise EvalError(f"unknown mode {mode!r}; use one of {', '.join(PREDICTION_MODES)}")
    requests = []
    for p in problems:
        if task == "output":
            prompt = output_prediction_prompt(p.code, p.input, mode=mode, function=p.function)
        else:
            prompt = input_prediction_prompt(p.code, p.output, mode=mode, function=p.function)
        context = {"code": p.code, "input": p.input, "output": p.output, "function": p.function}
        requests.append(Request(prompt=prompt, kind=f"cruxeval-{task}", context=context))
    return requests


def _answer_text(response: str) -> str:
    blocks = _ANSWER.findall(response)
    if blocks:
        text = blocks[-1]
    elif "[/MONOLOGUE]" in response:
        text = response.rsplit("[/MONOLOGUE]", 1)[1]
    else:
        text = response
    return _FENCE.sub("", text.strip()).strip()


def _segment(text: str, node: ast.AST) -> str | None:
    return ast.get_source_segment(text, node)


def _from_assertion(text: str, task: str, function: str) -> str | None:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Assert):
        return None
    test = tree.body[0].test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return None
    if task == "output":
        return _segment(text, test.comparators[0])
    call = test.left
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == function):
        return None
    whole = _segment(text, call)
    if whole is None:
        return None
    inner = whole[whole.index("(") + 1 : whole.rindex(")")]
    return inner.strip()


def parse_prediction(response: str, task: str, function: str = "f") -> str | None:
    """The predicted output (task ``output``) or argument string (task ``input``) in a response.

    Reads the last ``[ANSWER]`` block (or the text after ``[/MONOLOGUE]``, or the whole
    response); an ``assert f(...) == ...`` there gives the prediction as the exact
    source text of its part; otherwise the block itself is taken as the value or,
    for input prediction, as the arguments (``f(...)`` unwrapped). None when empty.
    """
    text = _answer_text(response)
    if not text:
        return None
    candidates = [text] + [line.strip() for line in text.splitlines() if line.strip().startswith("assert")]
    for candidate in candidates:
        found = _from_assertion(candidate, task, function)
        if found is not None:
            return found
    if task == "input" and text.startswith(f"{function}(") and text.endswith(")"):
        return text[len(function) + 1 : -1].strip()
    return text


def _mentions(expr: str, name: str) -> bool:
    try:
        tree = ast.parse(f"(\n{expr}\n)", mode="eval")
    except SyntaxError:
        return True
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(tree))


def scoring_program(problem: CruxProblem, task: str, prediction: str | None) -> str | None:
    """The program whose clean exit means the prediction is right; None if it is wrong on its face.

    Wrong on its face: no prediction (an empty input prediction is a call with no
    arguments, which can be right), a prediction that does not parse in its place,
    or (for output prediction) one that refers to the function under test.
    """
    if prediction is None or (task == "output" and not prediction.strip()):
        return None
    fn = problem.function
    code = problem.code if problem.code.endswith("\n") else problem.code + "\n"
    if task == "output":
        if _mentions(prediction, fn):
            return None
        check = f"assert {fn}({problem.input}) == (\n{prediction}\n)\n"
    else:
        check = f"assert {fn}(\n{prediction}\n) == (\n{problem.output}\n)\n"
    try:
        ast.parse(check)
    except SyntaxError:
        return None
    return code + check


def score_predictions(
    problems: Sequence[CruxProblem],
    task: str,
    predictions: Sequence[Sequence[str | None]],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    workers: int = 2,
) -> list[list[bool]]:
    """Run every prediction's check in the sandbox; ``result[i][j]`` is sample ``j`` of problem ``i``.

    Identical checks run once.
    """
    programs: dict[str, int] = {}
    layout: list[list[int | None]] = []
    for problem, preds in zip(problems, predictions, strict=True):
        row: list[int | None] = []
        for pred in preds:
            program = scoring_program(problem, task, pred)
            if program is None:
                row.append(None)
            else:
                row.append(programs.setdefault(program, len(programs)))
        layout.append(row)
    results = run_programs(list(programs), timeout=timeout, workers=workers)
    return [[i is not None and results[i].passed for i in row] for row in layout]


def evaluate_cruxeval(
    problems: Sequence[CruxProblem],
    backend: Backend,
    *,
    task: str = "output",
    mode: str = "direct",
    settings: GenerationSettings | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    workers: int = 2,
    model_name: str | None = None,
) -> EvalResult:
    """Generate, parse, score; pass@1 (and pass@5 with at least 5 samples) over ``problems``."""
    settings = settings or GenerationSettings(stop=("[/ANSWER]",))
    requests = make_requests(problems, task, mode)
    responses = backend.generate(requests, settings)
    predictions = [[parse_prediction(r, task, p.function) for r in rs] for p, rs in zip(problems, responses)]
    correct = score_predictions(problems, task, predictions, timeout=timeout, workers=workers)
    records = []
    for p, rs, preds, ok in zip(problems, responses, predictions, correct):
        record: dict[str, Any] = {"id": p.id, "prediction": preds[0], "correct": ok[0]}
        if len(rs) > 1:
            record.update(predictions=preds, corrects=ok, n_correct=sum(ok))
        record["responses"] = rs
        records.append(record)
    return EvalResult(
        benchmark="cruxeval",
        model=model_name or str(getattr(backend, "model_name", backend.name)),
        backend=backend.name,
        n=len(problems),
        metrics=mean_pass_at_k(correct),
        settings={
            "task": task,
            "mode": mode,
            "samples": settings.samples,
            "temperature": settings.temperature,
            "max_new_tokens": settings.max_new_tokens,
        },
        records=tuple(records),
    )
