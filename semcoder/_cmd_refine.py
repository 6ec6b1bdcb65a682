"""``semcoder refine``: trace-guided self-refinement against a failure-only control.

semcoder refine --data tests/data/humanevalplus/HumanEvalPlus.jsonl.gz --model out/sft --rounds 2
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    from semcoder._cmd_eval import add_generation_options

    p = sub.add_parser(
        "refine",
        help="self-refinement with trace-based feedback vs failure-only feedback",
        description="Generate solutions, run the tests, and let the model fix failing ones for up to K rounds, "
        "once with a trace of the failing call and once with the failure message only (the control).",
    )
    p.add_argument("--data", required=True, help="HumanEval+ or MBPP+ .jsonl(.gz) (needs test inputs)")
    p.add_argument("--benchmark", default=None, help="name in the report (default: from the file name)")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument(
        "--plus", action="store_true", help="count a solution right only if it also passes the EvalPlus inputs"
    )
    p.add_argument(
        "--style", default="scratchpad", help="how the trace is told: scratchpad, or a pytrace_sem narrate style"
    )
    add_generation_options(p, max_new_tokens=768)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from semcoder._cmd_eval import backend_from_args, finish, settings_from_args
    from semcoder.eval.evalplus import DEFAULT_TIMEOUT, load_code_problems
    from semcoder.eval.refine import refine

    problems = load_code_problems(args.data, limit=args.limit or None)
    name = args.benchmark or ("mbpp" if "mbpp" in args.data.lower() else "humaneval")
    result = refine(
        problems,
        backend_from_args(args),
        rounds=args.rounds,
        plus=args.plus,
        settings=settings_from_args(args, ("[/PYTHON]", "[/Refined]")),
        style=args.style,
        timeout=args.timeout or DEFAULT_TIMEOUT,
        workers=args.workers,
        benchmark=name,
    )
    return finish(result, args)
