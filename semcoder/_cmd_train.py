"""``semcoder train``: fine-tune a causal LM on training rows (see :mod:`semcoder.train`).

semcoder train --model deepseek-ai/deepseek-coder-6.7b-base --data out/tasks --out out/semcoder
semcoder train --config examples/recipes/tiny-cpu.yaml --max-steps 20     # a recipe, one value overridden

A recipe is a YAML mapping, as TRL's recipes are: keys are this command's options by
their ``TrainConfig`` names (``learning_rate``, ``max_steps``, ``data``, ...); any other
key is a ``trl.SFTConfig`` field (``weight_decay``, ``neftune_noise_alpha``, ...), as
with ``--sft``. Flags given on the command line win over the file.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

__all__ = ["add_parser", "run"]


def _sft_value(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"--sft expects KEY=VALUE, got {text!r}")
    key, raw = text.split("=", 1)
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key.strip(), value


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "train",
        help="fine-tune a causal LM on training rows with TRL",
        description="Fine-tune any Hugging Face causal LM (local folder or hub id) on TRL conversational rows; "
        "loss on assistant turns only. Run under `accelerate launch` or `torchrun` for several devices.",
    )
    p.add_argument("--config", metavar="FILE.yaml",
                   help="a training recipe (YAML): any option below by its TrainConfig name, and any "
                        "trl.SFTConfig field; flags override it (examples/recipes/)")
    p.add_argument("--model", help="local model folder or hub id (required, here or in --config)")
    p.add_argument("--data", action="append",
                   help="JSONL file or folder of rows, repeatable (required, here or in --config)")
    p.add_argument("--out", help="output folder: checkpoints, final model, logs (required, here or in --config)")
    p.add_argument("--tasks", nargs="+", default=(), help="train only on rows of these tasks")
    p.add_argument(
        "--eval-data",
        action="append",
        default=[],
        help="held-out rows (default: eval*/valid*/test* files, else a split)",
    )
    p.add_argument("--eval-fraction", type=float, default=0.05, help="held-out share when no held-out files exist")
    p.add_argument("--epochs", type=float, default=2.0)
    p.add_argument("--max-steps", type=int, default=-1, help="stop after this many optimizer steps (overrides epochs)")
    p.add_argument("--lr", type=float, default=1e-5, dest="learning_rate")
    p.add_argument("--scheduler", default="cosine", dest="lr_scheduler")
    p.add_argument("--warmup", type=float, default=0.03, help="warmup steps, or a ratio when below 1")
    p.add_argument("--batch-size", type=int, default=8, help="per device")
    p.add_argument("--grad-accum", type=int, default=1, dest="gradient_accumulation")
    p.add_argument("--max-length", type=int, default=2048)
    p.add_argument("--packing", action="store_true", help="pack several rows into each sequence")
    p.add_argument("--packing-strategy", default="bfd", choices=("bfd", "bfd_split", "wrapped"))
    p.add_argument("--lora", action="store_true", help="train a LoRA adapter instead of all weights")
    p.add_argument("--lora-r", type=int, default=16)
    p.add_argument("--lora-alpha", type=int, default=32)
    p.add_argument("--lora-dropout", type=float, default=0.05)
    p.add_argument("--lora-targets", default="all-linear")
    p.add_argument("--merge-lora", action="store_true", help="also save merged weights to OUT/merged")
    p.add_argument("--chat-template", default="auto", help="auto, model, chatml, semcoder, or a Jinja file")
    p.add_argument(
        "--resume", default="auto", help="auto (last checkpoint in OUT if any), never, or a checkpoint folder"
    )
    p.add_argument("--save-steps", type=int, default=500)
    p.add_argument("--eval-steps", type=int, default=500)
    p.add_argument("--logging-steps", type=int, default=10)
    p.add_argument("--save-total-limit", type=int, default=2)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    p.add_argument("--precision", default="auto", choices=("auto", "bf16", "fp16", "fp32"))
    p.add_argument("--gradient-checkpointing", action="store_true")
    p.add_argument("--report-to", nargs="*", default=(), help="extra loggers (tensorboard, wandb, ...); JSONL always")
    p.add_argument(
        "--sft",
        action="append",
        type=_sft_value,
        default=[],
        metavar="KEY=VALUE",
        help="set any other trl.SFTConfig field (value parsed as JSON when it parses)",
    )
    # Options absent from the namespace were not given: a recipe fills them, then the defaults.
    for action in p._actions:
        if action.dest not in ("help", "config"):
            _DEFAULTS[action.dest] = action.default
            _TYPES[action.dest] = action.type
            action.default = argparse.SUPPRESS
    p.set_defaults(run=run)


_DEFAULTS: dict[str, Any] = {}
_TYPES: dict[str, Any] = {}


def _recipe(path: str) -> dict[str, Any]:
    """The options a recipe file sets: ours by name, anything else into ``sft``."""
    from semcoder.errors import MissingDependencyError, TrainError

    try:
        import yaml
    except ImportError:
        raise MissingDependencyError("--config needs PyYAML: pip install pyyaml (the train extra has it)") from None
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except OSError as exc:
        raise TrainError(f"cannot read recipe {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise TrainError(f"recipe {path} is not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise TrainError(f"recipe {path} must be a mapping of option names to values")
    ours = {k: _typed(path, k, v) for k, v in data.items() if k in _DEFAULTS and k != "sft"}
    sft = dict(data.get("sft") or {})
    sft.update({k: v for k, v in data.items() if k not in _DEFAULTS})
    if isinstance(ours.get("data"), str):
        ours["data"] = [ours["data"]]
    if sft:
        ours["sft"] = list(sft.items())
    return ours


def _typed(path: str, key: str, value: Any) -> Any:
    """A recipe value as its option's type (YAML reads ``1e-5`` as a string)."""
    from semcoder.errors import TrainError

    kind = _TYPES.get(key)
    if kind in (int, float) and isinstance(value, str) or kind is float and type(value) is int:
        try:
            return kind(value)
        except ValueError:
            raise TrainError(f"recipe {path}: {key} must be a number, got {value!r}") from None
    return value


def options(args: argparse.Namespace) -> dict[str, Any]:
    """Every option's value: the command line, then the recipe (``--config``), then the defaults."""
    from semcoder.errors import TrainError

    given = {k: v for k, v in vars(args).items() if k in _DEFAULTS}
    recipe = _recipe(args.config) if getattr(args, "config", None) else {}
    merged = {**_DEFAULTS, **recipe, **given}
    if "sft" in recipe and "sft" in given:  # --sft flags add to (and override) the recipe's fields
        merged["sft"] = [*recipe["sft"], *given["sft"]]
    missing = [f"--{name}" for name in ("model", "data", "out") if not merged.get(name)]
    if missing:
        raise TrainError(f"{' and '.join(missing)} must be given, on the command line or in --config")
    return merged


def run(args: argparse.Namespace) -> int:
    from semcoder.train import TrainConfig, train

    args = argparse.Namespace(**options(args))
    config = TrainConfig(
        model=args.model,
        data=tuple(args.data),
        out=args.out,
        tasks=tuple(args.tasks),
        eval_data=tuple(args.eval_data),
        eval_fraction=args.eval_fraction,
        epochs=args.epochs,
        max_steps=args.max_steps,
        learning_rate=args.learning_rate,
        lr_scheduler=args.lr_scheduler,
        warmup=args.warmup,
        batch_size=args.batch_size,
        gradient_accumulation=args.gradient_accumulation,
        max_length=args.max_length,
        packing=args.packing,
        packing_strategy=args.packing_strategy,
        lora=args.lora,
        lora_r=args.lora_r,
        lora_alpha=args.lora_alpha,
        lora_dropout=args.lora_dropout,
        lora_targets=args.lora_targets,
        merge_lora=args.merge_lora,
        chat_template=args.chat_template,
        resume=args.resume,
        save_steps=args.save_steps,
        eval_steps=args.eval_steps,
        logging_steps=args.logging_steps,
        save_total_limit=args.save_total_limit,
        seed=args.seed,
        threads=args.threads,
        precision=args.precision,
        gradient_checkpointing=args.gradient_checkpointing,
        report_to=tuple(args.report_to),
        sft=dict(args.sft),
    )
    result = train(config)
    if result.world_size == 1 or _is_main_process():
        print(json.dumps(result.to_json(), indent=2))
    return 0


def _is_main_process() -> bool:
    import os

    return os.environ.get("RANK", "0") == "0"
