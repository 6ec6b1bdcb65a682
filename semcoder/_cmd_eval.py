"""``semcoder eval cruxeval|humaneval|mbpp``: run a benchmark and write its result.

semcoder eval cruxeval --data tests/data/cruxeval-dev/cruxeval-dev.jsonl --task input --backend oracle
semcoder eval humaneval --data tests/data/humanevalplus/HumanEvalPlus.jsonl.gz --plus --model out/sft

Each run says on stderr what it is about to do (problems, backend, token budget)
and shows a progress bar while the model generates on a terminal.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

#: The CRUXEval dev set a clone of this repository carries (tests/data/, MIT licensed).
BUNDLED_CRUXEVAL = Path(__file__).resolve().parent.parent / "tests" / "data" / "cruxeval-dev" / "cruxeval-dev.jsonl"
#: Tokens a CRUXEval answer may take: a direct answer is one short line; a monologue
#: or scratchpad reasons first.
CRUX_NEW_TOKENS = {"direct": 128, "monologue": 1024, "scratchpad": 1024}

__all__ = ["add_parser", "run", "add_generation_options", "backend_from_args", "settings_from_args", "finish"]


def add_generation_options(p: argparse.ArgumentParser, *, max_new_tokens: int | None) -> None:
    """Options every model-driven command shares: backend, model, sampling, limits, output."""
    p.add_argument("--backend", default="hf", choices=("hf", "vllm", "oracle", "identity"))
    p.add_argument("--model", help="model folder or hub id (hf, vllm)")
    p.add_argument("--samples", type=int, default=1, help="samples per problem (pass@5 needs 5 or more)")
    p.add_argument("--temperature", type=float, default=0.0, help="0 is greedy")
    p.add_argument("--top-p", type=float, default=0.95)
    p.add_argument("--max-new-tokens", type=int, default=max_new_tokens,
                   help="generation budget per answer; generation time grows with it"
                   + (f" (default {max_new_tokens})" if max_new_tokens else
                      " (default: 128 for --mode direct, 1024 for monologue and scratchpad)"))
    p.add_argument("--batch-size", type=int, default=8, help="prompts per generate call (hf)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=0, help="only the first N problems (0: all)")
    p.add_argument("--timeout", type=float, default=None, help="seconds per scoring program")
    p.add_argument("--workers", type=int, default=2, help="scoring programs run in parallel")
    p.add_argument("--threads", type=int, default=0,
                   help="torch CPU threads for hf (0: torch's default, every core; on a small CPU 1 is often fastest)")
    p.add_argument("--out", help="write the JSON result here (and a Markdown table beside it)")


def backend_from_args(args: argparse.Namespace) -> Any:
    from semcoder.eval.backends import make_backend

    options: dict[str, Any] = {}
    if args.backend == "hf" and args.threads:
        options["threads"] = args.threads
    return make_backend(args.backend, args.model, **options)


def settings_from_args(args: argparse.Namespace, stop: tuple[str, ...]) -> Any:
    from semcoder.eval.backends import GenerationSettings

    return GenerationSettings(
        samples=args.samples,
        temperature=args.temperature,
        top_p=args.top_p,
        max_new_tokens=args.max_new_tokens,
        stop=stop,
        batch_size=args.batch_size,
        seed=args.seed,
    )


def finish(result: Any, args: argparse.Namespace) -> int:
    """Print the Markdown table; write the JSON and Markdown files when ``--out`` is given."""
    from semcoder.eval.report import markdown_table, write_result

    print(markdown_table(result), end="")
    if args.out:
        json_path, md_path = write_result(result, args.out)
        print(f"wrote {json_path} and {md_path}")
    return 0


def add_parser(sub: Any) -> None:
    p = sub.add_parser("eval", help="run a benchmark: cruxeval, humaneval or mbpp")
    bench = p.add_subparsers(dest="benchmark", metavar="BENCHMARK", parser_class=type(p))
    bench.required = True

    c = bench.add_parser("cruxeval", help="CRUXEval output (O) or input (I) prediction")
    c.add_argument("--data", help="JSONL file or Hugging Face dataset id (cruxeval-org/cruxeval, needs the "
                   "network or a local cache); default: the CRUXEval dev set bundled in tests/data of a clone")
    c.add_argument("--task", choices=("output", "input"), default="output")
    mode = c.add_mutually_exclusive_group()
    mode.add_argument("--mode", choices=("direct", "monologue", "scratchpad"), default="direct")
    mode.add_argument("--monologue", dest="mode", action="store_const", const="monologue")
    mode.add_argument("--direct", dest="mode", action="store_const", const="direct")
    add_generation_options(c, max_new_tokens=None)
    c.set_defaults(run=_run_cruxeval)

    for name, label in (("humaneval", "HumanEval / HumanEval+"), ("mbpp", "MBPP / MBPP+")):
        h = bench.add_parser(name, help=f"{label}: pass@1 on base tests, and with --plus on EvalPlus inputs")
        h.add_argument("--data", required=True, help="HumanEval(+) / MBPP+ .jsonl or .jsonl.gz")
        h.add_argument("--plus", action="store_true", help="also run the EvalPlus extra inputs")
        add_generation_options(h, max_new_tokens=768)
        h.set_defaults(run=_run_code)


def _announce(what: str, count: int, args: argparse.Namespace) -> None:
    model = f" {args.model}" if args.model else ""
    samples = f", {args.samples} samples each" if args.samples > 1 else ""
    _say(f"{what}: {count} problems{samples}, backend {args.backend}{model}, "
         f"at most {args.max_new_tokens} new tokens per answer")


def _say(line: str) -> None:
    """What the run is about to do, on stderr (not under -q)."""
    from pytrace_sem.progress import is_quiet

    if not is_quiet():
        print(line, file=sys.stderr)


def _run_cruxeval(args: argparse.Namespace) -> int:
    from semcoder.eval.cruxeval import evaluate_cruxeval, load_cruxeval
    from semcoder.eval.execution import DEFAULT_TIMEOUT

    from semcoder.errors import DataError

    if args.data is None:
        if not BUNDLED_CRUXEVAL.is_file():
            raise DataError("--data is needed: a CRUXEval JSONL file, or cruxeval-org/cruxeval from the hub")
        args.data = str(BUNDLED_CRUXEVAL)
        _say(f"no --data: using the bundled CRUXEval dev set, {BUNDLED_CRUXEVAL}")
    if args.max_new_tokens is None:
        args.max_new_tokens = CRUX_NEW_TOKENS[args.mode]
    problems = load_cruxeval(args.data, limit=args.limit or None)
    _announce(f"CRUXEval-{args.task[0].upper()} ({args.mode})", len(problems), args)
    result = evaluate_cruxeval(
        problems,
        backend_from_args(args),
        task=args.task,
        mode=args.mode,
        settings=settings_from_args(args, ("[/ANSWER]",)),
        timeout=args.timeout or DEFAULT_TIMEOUT,
        workers=args.workers,
    )
    return finish(result, args)


def _run_code(args: argparse.Namespace) -> int:
    from semcoder.eval.evalplus import DEFAULT_TIMEOUT, evaluate_code, load_code_problems

    problems = load_code_problems(args.data, limit=args.limit or None)
    _announce(f"{args.benchmark}{'+' if args.plus else ''}", len(problems), args)
    result = evaluate_code(
        problems,
        backend_from_args(args),
        plus=args.plus,
        settings=settings_from_args(args, ("[/PYTHON]",)),
        timeout=args.timeout or DEFAULT_TIMEOUT,
        workers=args.workers,
        benchmark=args.benchmark,
    )
    return finish(result, args)


def run(args: argparse.Namespace) -> int:
    """Run the benchmark named by ``args.benchmark`` (each benchmark's parser also sets it directly)."""
    runners = {"cruxeval": _run_cruxeval, "humaneval": _run_code, "mbpp": _run_code}
    return runners[args.benchmark](args)
