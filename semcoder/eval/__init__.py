"""Evaluation: CRUXEval-O/I, HumanEval(+), MBPP(+) and trace-guided self-refinement.

Every benchmark asks a backend (a model through Hugging Face ``generate`` or vLLM,
or the model-free ``oracle`` and ``identity`` baselines) for answers, scores them
by running code in the sandbox, and returns an :class:`EvalResult`::

    from semcoder.eval import evaluate_cruxeval, load_cruxeval, make_backend, write_result
    problems = load_cruxeval("tests/data/cruxeval-dev/cruxeval-dev.jsonl")
    result = evaluate_cruxeval(problems, make_backend("hf", model="out/sft"), task="input")
    write_result(result, "results/crux-i.json")

Importing this package is cheap: torch and transformers load only when a model backend is built.
"""

from __future__ import annotations

from semcoder.eval.backends import (
    BACKENDS,
    Backend,
    GenerationSettings,
    Request,
    make_backend,
)
from semcoder.eval.cruxeval import CruxProblem, evaluate_cruxeval, load_cruxeval
from semcoder.eval.evalplus import CodeProblem, evaluate_code, load_code_problems
from semcoder.eval.refine import refine
from semcoder.eval.report import EvalResult, compare, legend, load_result, pass_at_k, write_result

__all__ = [
    "BACKENDS",
    "Backend",
    "GenerationSettings",
    "Request",
    "make_backend",
    "CruxProblem",
    "load_cruxeval",
    "evaluate_cruxeval",
    "CodeProblem",
    "load_code_problems",
    "evaluate_code",
    "refine",
    "EvalResult",
    "pass_at_k",
    "write_result",
    "load_result",
    "compare",
    "legend",
]
