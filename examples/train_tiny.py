"""The whole training and evaluation path on a tiny model, offline, on a CPU (or a GPU).

    python examples/train_tiny.py --out out/demo            # about 5 minutes on 2 cores
    python examples/train_tiny.py --out out/demo --tasks output_direct input_direct output_monologue

Steps: make training rows from CRUXEval dev problems 0-149 (50 held out), build
the tiny model (tokenizer trained on Python source and the rows), fine-tune it,
then evaluate on the held-out CRUXEval problems (output and input prediction),
HumanEval+ and MBPP+ slices and trace-guided refinement, next to the ``oracle`` and
``identity`` baselines, and print all results side by side. Every number is real;
a model this small mostly learns the answer format, so expect low scores.
The same steps with ``--model`` pointing at a real checkpoint are the real recipe.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="out/demo", help="folder for rows, model, checkpoints and results")
    p.add_argument("--model", help="start from this model instead of building the tiny one")
    p.add_argument("--rows", help="train on this folder of rows (e.g. from `semcoder corpus format`) instead")
    p.add_argument("--tasks", nargs="+", default=["output_direct", "input_direct"],
                   help="training tasks (direct, monologue, scratchpad variants)")  # fmt: skip
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--max-length", type=int, default=512)
    p.add_argument("--precision", default="auto")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (1 is fastest on 2 cores)")
    p.add_argument("--vocab-size", type=int, default=2048)
    p.add_argument("--hidden-size", type=int, default=128)
    p.add_argument("--intermediate-size", type=int, default=352)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--eval-limit", type=int, default=50, help="held-out CRUXEval problems to score")
    p.add_argument("--code-limit", type=int, default=10, help="HumanEval+ / MBPP+ problems to score")
    p.add_argument("--refine-limit", type=int, default=5)
    p.add_argument("--modes", nargs="+", default=["direct"], help="CRUXEval prompting modes to evaluate")
    p.add_argument("--max-new-tokens", type=int, default=128)
    p.add_argument("--eval-batch-size", type=int, default=16)
    p.add_argument("--workers", type=int, default=2, help="parallel scoring programs")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import torch

    from semcoder.eval import (
        GenerationSettings,
        compare,
        evaluate_code,
        evaluate_cruxeval,
        legend,
        load_code_problems,
        load_cruxeval,
        make_backend,
        refine,
        write_result,
    )
    from semcoder.tasks import read_jsonl, rows_from_cruxeval, write_jsonl
    from semcoder.tiny import TinyModelSpec, build_tiny_model
    from semcoder.train import TrainConfig, train

    if args.threads:
        torch.set_num_threads(args.threads)
    out = Path(args.out)
    started = time.monotonic()

    # 1. Training rows: dev problems 0-149 train, 150-199 are held out (eval loss and scores).
    rows_dir = Path(args.rows) if args.rows else out / "rows"
    if args.rows:
        train_rows = [row for path in sorted(rows_dir.rglob("*.jsonl")) for row in read_jsonl(path)]
        print(f"rows: {len(train_rows)} from {rows_dir}")
    else:
        records = read_jsonl(DATA / "cruxeval-dev" / "cruxeval-dev.jsonl")
        train_rows = rows_from_cruxeval(records[:150], tasks=args.tasks, source="cruxeval-dev")
        held_rows = rows_from_cruxeval(records[150:], tasks=args.tasks, source="cruxeval-dev")
        write_jsonl(train_rows, rows_dir / "train.jsonl")
        write_jsonl(held_rows, rows_dir / "eval.jsonl")
        print(f"rows: {len(train_rows)} train, {len(held_rows)} held out ({', '.join(args.tasks)})")

    # 2. The model: the tiny one, built from scratch, unless one is given.
    model = args.model
    if model is None:
        spec = TinyModelSpec(
            vocab_size=args.vocab_size,
            hidden_size=args.hidden_size,
            intermediate_size=args.intermediate_size,
            num_layers=args.layers,
            num_heads=args.heads,
        )
        texts = [m["content"] for row in train_rows for m in row["messages"]]
        model = str(build_tiny_model(out / "tiny", texts=texts, spec=spec))
        print(f"tiny model: {model}")

    # 3. Fine-tune.
    config = TrainConfig(
        model=model,
        data=(str(rows_dir),),
        out=str(out / "sft"),
        max_steps=args.steps,
        learning_rate=args.lr,
        batch_size=args.batch_size,
        max_length=args.max_length,
        warmup=0.05,
        logging_steps=max(1, args.steps // 20),
        save_steps=max(1, args.steps // 2),
        eval_steps=max(1, args.steps // 3),
        precision=args.precision,
        threads=args.threads,
        resume="never",
    )
    result = train(config)
    print(json.dumps(result.to_json(), indent=2))

    # 4. Evaluate the fine-tuned model next to the two model-free baselines.
    results = []
    held = load_cruxeval(str(DATA / "cruxeval-dev" / "cruxeval-dev.jsonl"))[150 : 150 + args.eval_limit]
    model_backend = make_backend("hf", str(out / "sft"), threads=args.threads)
    backends = [make_backend("oracle"), make_backend("identity"), model_backend]
    for backend in backends:
        for task in ("output", "input"):
            for mode in args.modes if backend is model_backend else ["direct"]:
                tokens = args.max_new_tokens if mode == "direct" else max(args.max_new_tokens, 768)
                settings = GenerationSettings(
                    max_new_tokens=tokens, stop=("[/ANSWER]",), batch_size=args.eval_batch_size
                )
                r = evaluate_cruxeval(held, backend, task=task, mode=mode, settings=settings, workers=args.workers)
                write_result(r, out / "results" / f"cruxeval-{task}-{mode}-{backend.name}.json")
                results.append(r)
    code_settings = GenerationSettings(
        max_new_tokens=max(args.max_new_tokens, 256), stop=("[/PYTHON]", "[/Refined]"), batch_size=args.eval_batch_size
    )
    for name, path in (("humaneval", "humanevalplus/HumanEvalPlus.jsonl.gz"), ("mbpp", "mbppplus/MbppPlus.jsonl.gz")):
        problems = load_code_problems(str(DATA / path), limit=args.code_limit)
        r = evaluate_code(
            problems, model_backend, plus=True, settings=code_settings, benchmark=name, workers=args.workers
        )
        write_result(r, out / "results" / f"{name}-plus-hf.json")
        results.append(r)
    problems = load_code_problems(str(DATA / "humanevalplus" / "HumanEvalPlus.jsonl.gz"), limit=args.refine_limit)
    r = refine(problems, model_backend, rounds=1, settings=code_settings, workers=args.workers)
    write_result(r, out / "results" / "refine-humaneval-hf.json")
    results.append(r)

    report = "\n".join([compare(results), "What the columns mean:\n", legend(results), summary(args, train_rows, result)])
    (out / "report.md").write_text(report, encoding="utf-8")
    print("\n" + report, end="")
    print(f"done in {time.monotonic() - started:.0f} s; results in {out / 'results'}, this report in {out / 'report.md'}")
    return 0


def summary(args: argparse.Namespace, train_rows: list, result: object) -> str:
    """Plain words on what was built and how to read the scores above."""
    losses = getattr(result, "first_loss", None), getattr(result, "last_loss", None)
    eval_loss = getattr(result, "eval_loss", None)
    loss = (f"training loss {losses[0]:.2f} -> {losses[1]:.2f}" if None not in losses else "no loss logged") + (
        f", held-out loss {eval_loss:.2f}" if eval_loss is not None else "")
    model = args.model or (f"a tiny Llama-style model built from scratch ({args.layers} layers, hidden size "
                           f"{args.hidden_size}, about 1M parameters)")
    return (
        "What this run was:\n\n"
        f"- {len(train_rows)} training rows, {model}, fine-tuned for {args.steps} steps on this machine ({loss}).\n"
        "- The tiny model is a check that every stage runs end to end on a CPU (rows, tokenizer, TRL training,\n"
        "  generation, scoring by running code), not a model that can reason about code. It learns the answer\n"
        "  format and little else, so its scores are near 0 and can sit below `identity`: that is expected.\n"
        "- `oracle` shows what a perfect model would score through the same scoring, `identity` the floor a model\n"
        "  must beat. A model worth evaluating starts from a real checkpoint (`--model`, see docs/training.md).\n"
    )


if __name__ == "__main__":
    sys.exit(main())
