"""Fine-tune a Hugging Face causal LM on training rows with TRL's ``SFTTrainer``.

:class:`TrainConfig` holds this project's options (the model, the data, which
tasks, LoRA, packing, the schedule) and builds the ``trl.SFTConfig`` from them;
any other ``SFTConfig`` field can be set through ``sft``. Loss is on the assistant
turns only (``assistant_only_loss`` with a chat template whose assistant turns sit
in ``{% generation %}`` blocks), a held-out split gives the eval loss, checkpoints
go to ``out/checkpoint-*`` and a rerun resumes from the last one, and every logged
metric is appended to ``out/train_log.jsonl`` (no network, no account)::

    from semcoder.train import TrainConfig, train
    result = train(TrainConfig(model="out/tiny", data=("data/",), out="out/sft", max_steps=300))
    print(result.first_loss, result.last_loss, result.eval_loss)

The same code trains the tiny model on a CPU and deepseek-coder-6.7b-base under
``accelerate launch`` with FSDP or DeepSpeed (see examples/accelerate/).
torch, transformers, trl, datasets and peft are imported inside functions.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping, Sequence

from semcoder.errors import DataError, MissingDependencyError, TrainError

__all__ = [
    "TrainConfig",
    "TrainResult",
    "SEMCODER_TEMPLATE",
    "CHAT_TEMPLATES",
    "HELD_OUT_PREFIXES",
    "data_files",
    "load_rows",
    "prepare_tokenizer",
    "build_sft_config",
    "build_trainer",
    "train",
    "read_log",
]

#: A template for base models that have no chat tokens (deepseek-coder-6.7b-base and
#: the like): instruction / response sections, the model's own EOS ends a response.
#: The response and its EOS sit in a generation block, so only they carry loss.
SEMCODER_TEMPLATE = (
    "{{- bos_token if bos_token else '' -}}"
    "{%- for message in messages -%}"
    "{%- if message['role'] == 'system' -%}{{- message['content'] + '\\n\\n' -}}"
    "{%- elif message['role'] == 'user' -%}{{- '@@ Instruction\\n' + message['content'] + '\\n\\n' -}}"
    "{%- else -%}{{- '@@ Response\\n' -}}"
    "{%- generation -%}{{- message['content'] + eos_token -}}{%- endgeneration -%}"
    "{{- '\\n\\n' -}}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '@@ Response\\n' -}}{%- endif -%}"
)

#: ``--chat-template`` choices besides a path to a Jinja file.
CHAT_TEMPLATES: tuple[str, ...] = ("auto", "model", "chatml", "semcoder")

#: In a data folder, JSONL files whose names start with one of these are the held-out split.
HELD_OUT_PREFIXES: tuple[str, ...] = ("eval", "valid", "test")

_log = logging.getLogger(__name__)

_LOG_NAME = "train_log.jsonl"
_RESULT_NAME = "train_result.json"
_CONFIG_NAME = "semcoder_train_config.json"


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """What to train, on what, and how. Our options; ``sft`` passes any other SFTConfig field.

    Defaults follow the paper's recipe where it gives one (learning rate 1e-5, cosine
    schedule) and are otherwise ours. ``precision="auto"`` picks bf16 on a GPU that has
    it and fp32 elsewhere; gradient checkpointing is off unless asked (it only slows
    small models down).
    """

    model: str
    data: tuple[str, ...]
    out: str
    tasks: tuple[str, ...] = ()
    eval_data: tuple[str, ...] = ()
    eval_fraction: float = 0.05
    epochs: float = 2.0
    max_steps: int = -1
    learning_rate: float = 1e-5
    lr_scheduler: str = "cosine"
    warmup: float = 0.03
    batch_size: int = 8
    gradient_accumulation: int = 1
    max_length: int = 2048
    packing: bool = False
    packing_strategy: str = "bfd"
    lora: bool = False
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_targets: str = "all-linear"
    merge_lora: bool = False
    chat_template: str = "auto"
    resume: str = "auto"
    save_steps: int = 500
    eval_steps: int = 500
    logging_steps: int = 10
    save_total_limit: int = 2
    seed: int = 42
    threads: int = 0
    precision: str = "auto"
    gradient_checkpointing: bool = False
    report_to: tuple[str, ...] = ()
    sft: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.data:
            raise TrainError("no training data given; pass --data with a folder or JSONL file of training rows")
        if not 0 <= self.eval_fraction < 1:
            raise TrainError(f"eval fraction {self.eval_fraction} is outside [0, 1)")
        if self.precision not in ("auto", "bf16", "fp16", "fp32"):
            raise TrainError(f"unknown precision {self.precision!r}; use auto, bf16, fp16 or fp32")
        if self.packing_strategy not in ("bfd", "bfd_split", "wrapped"):
            raise TrainError(f"unknown packing strategy {self.packing_strategy!r}; use bfd, bfd_split or wrapped")
        if self.resume not in ("auto", "never") and not Path(self.resume).is_dir():
            raise TrainError(f"--resume {self.resume!r} is neither auto, never, nor a checkpoint folder")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["sft"] = dict(self.sft)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise TrainError(f"unknown training option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        values = dict(data)
        for name in ("data", "tasks", "eval_data", "report_to"):
            if name in values:
                values[name] = tuple(values[name])
        return cls(**values)


@dataclass(frozen=True, slots=True)
class TrainResult:
    """What a finished training run reports (also written to ``out/train_result.json``)."""

    out: str
    global_step: int
    train_rows: int
    eval_rows: int
    first_loss: float | None
    last_loss: float | None
    eval_loss: float | None
    world_size: int
    distributed: str
    runtime_s: float
    resumed_from: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "TrainResult":
        return cls(**data)


def _require_train_extra() -> None:
    try:
        import datasets  # noqa: F401
        import torch  # noqa: F401
        import transformers  # noqa: F401
        import trl  # noqa: F401
    except ImportError as exc:
        raise MissingDependencyError(
            f"training needs the train extra ({exc.name} is missing): pip install -e '.[train]' in the clone"
        ) from None


def data_files(paths: Sequence[str], *, split: bool = True) -> tuple[list[str], list[str]]:
    """Split data paths into (training files, held-out files).

    A path is a JSONL file (``.jsonl`` or ``.jsonl.gz``) or a folder searched
    recursively for them; inside a folder, files whose names start with ``eval``,
    ``valid`` or ``test`` are held out (unless ``split`` is False: then all train).
    """
    train_files: list[str] = []
    held_out: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            train_files.append(str(path))
        elif path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.name.endswith((".jsonl", ".jsonl.gz")))
            if not found:
                raise DataError(f"no .jsonl files in {path}; build training rows with `semcoder corpus format`")
            for p in found:
                held = split and p.name.startswith(HELD_OUT_PREFIXES)
                (held_out if held else train_files).append(str(p))
        else:
            raise DataError(f"no such data file or folder: {path}")
    if not train_files:
        raise DataError(f"only held-out files in {', '.join(paths)}; add training rows")
    return train_files, held_out


def load_rows(files: Sequence[str], tasks: Sequence[str] = ()) -> Any:
    """Load training rows into a ``datasets.Dataset`` with only the ``messages`` column.

    Rows must carry TRL's conversational ``messages``; with ``tasks``, only rows whose
    ``task`` is one of them are kept.
    """
    _require_train_extra()
    import datasets

    try:
        dataset = datasets.load_dataset("json", data_files=list(files), split="train")
    except Exception as exc:  # datasets raises many kinds here; all mean "bad data"
        raise DataError(f"cannot read training rows from {', '.join(files)}: {exc}") from None
    if "messages" not in dataset.column_names:
        raise DataError(
            f"training rows in {files[0]} have no 'messages' column (found: {', '.join(dataset.column_names)}); "
            "expected TRL conversational rows as written by `semcoder corpus format`"
        )
    if tasks:
        if "task" not in dataset.column_names:
            raise DataError(f"--tasks given but the rows in {files[0]} have no 'task' column")
        wanted = set(tasks)
        dataset = dataset.filter(lambda row: row["task"] in wanted)
        if len(dataset) == 0:
            raise DataError(f"no rows of task(s) {', '.join(tasks)} in {', '.join(files)}")
    return dataset.select_columns(["messages"])


def prepare_tokenizer(model: str, choice: str = "auto") -> Any:
    """Load the model's tokenizer and give it a chat template with generation blocks.

    ``auto`` keeps the model's own template when it marks assistant turns with
    ``{% generation %}``, uses ChatML when the tokenizer has ChatML's tokens, and
    otherwise the instruction/response template :data:`SEMCODER_TEMPLATE` (no new tokens,
    so no embedding resize). ``model`` keeps the model's template as it is; a path
    reads a Jinja file.
    """
    _require_train_extra()
    from transformers import AutoTokenizer

    from semcoder.tiny import CHATML_TEMPLATE

    try:
        tokenizer = AutoTokenizer.from_pretrained(model)
    except (OSError, ValueError) as exc:
        raise TrainError(f"cannot load a tokenizer from {model!r}: {exc}") from None
    current = tokenizer.chat_template if isinstance(tokenizer.chat_template, str) else None
    vocab = tokenizer.get_vocab()
    if choice == "auto":
        if current and "generation" in current:
            choice = "model"
        elif "<|im_start|>" in vocab and "<|im_end|>" in vocab:
            choice = "chatml"
        else:
            choice = "semcoder"
    if choice == "model":
        if not current:
            raise TrainError(f"{model!r} has no chat template; use --chat-template auto, chatml or semcoder")
    elif choice == "chatml":
        if "<|im_end|>" not in vocab:
            raise TrainError(f"{model!r} has no <|im_end|> token for ChatML; use --chat-template semcoder")
        tokenizer.chat_template = CHATML_TEMPLATE
        tokenizer.eos_token = "<|im_end|>"
    elif choice == "semcoder":
        if tokenizer.eos_token is None:
            raise TrainError(f"{model!r} has no EOS token to end a response; set one or choose another template")
        tokenizer.chat_template = SEMCODER_TEMPLATE
    else:
        path = Path(choice)
        if not path.is_file():
            raise TrainError(f"--chat-template {choice!r} is none of {', '.join(CHAT_TEMPLATES)} nor a file")
        tokenizer.chat_template = path.read_text(encoding="utf-8")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def _precision(choice: str) -> dict[str, bool]:
    import torch

    if choice == "auto":
        choice = "bf16" if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else "fp32"
    return {"bf16": choice == "bf16", "fp16": choice == "fp16"}


def build_sft_config(config: TrainConfig, *, has_eval: bool) -> Any:
    """The ``trl.SFTConfig`` for ``config``: our options first, then ``config.sft`` on top."""
    _require_train_extra()
    import torch
    from trl import SFTConfig

    values: dict[str, Any] = dict(
        output_dir=config.out,
        num_train_epochs=config.epochs,
        max_steps=config.max_steps,
        learning_rate=config.learning_rate,
        lr_scheduler_type=config.lr_scheduler,
        warmup_steps=config.warmup,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size,
        gradient_accumulation_steps=config.gradient_accumulation,
        max_length=config.max_length,
        packing=config.packing,
        packing_strategy=config.packing_strategy,
        assistant_only_loss=True,
        save_strategy="steps",
        save_steps=config.save_steps,
        save_total_limit=config.save_total_limit,
        eval_strategy="steps" if has_eval else "no",
        eval_steps=config.eval_steps,
        logging_steps=config.logging_steps,
        logging_first_step=True,
        report_to=list(config.report_to) or "none",
        seed=config.seed,
        use_cpu=not torch.cuda.is_available(),
        disable_tqdm=True,
        model_init_kwargs={"dtype": "auto"},
        **_precision(config.precision),
    )
    known = {f.name for f in fields(SFTConfig)}
    # transformers 5 renamed gradient checkpointing; use whichever name this version has.
    checkpointing = "activation_checkpointing" if "activation_checkpointing" in known else "gradient_checkpointing"
    values[checkpointing] = config.gradient_checkpointing
    unknown = sorted(set(config.sft) - known)
    if unknown:
        raise TrainError(f"unknown SFTConfig field(s) {', '.join(unknown)} in --sft or the recipe")
    values.update(config.sft)
    try:
        return SFTConfig(**values)
    except (TypeError, ValueError) as exc:
        raise TrainError(f"invalid training options: {exc}") from None


def _lora_config(config: TrainConfig) -> Any:
    try:
        from peft import LoraConfig
    except ImportError:
        raise MissingDependencyError("--lora needs peft: pip install -e '.[train]' in the clone") from None
    return LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=config.lora_targets,
        task_type="CAUSAL_LM",
    )


def _log_callback(path: Path) -> Any:
    from transformers import TrainerCallback

    class JsonlLog(TrainerCallback):  # type: ignore[misc]
        """Appends every logged metric dict to a JSONL file, on the main process only."""

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
            if not state.is_world_process_zero or not logs:
                return
            record = {"step": state.global_step, "epoch": state.epoch, "time": round(time.time(), 3)}
            record.update({k: v for k, v in logs.items() if isinstance(v, (int, float, str))})
            with path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(record) + "\n")

    return JsonlLog()


def _progress_callback() -> Any:
    from transformers import TrainerCallback

    from pytrace_sem.progress import Progress, is_quiet

    class TrainProgress(TrainerCallback):  # type: ignore[misc]
        """Training progress on stderr: a bar on a terminal, one plain line per log otherwise.

        The bar shows steps, rate and time left, with the latest loss and learning
        rate beside it; eval results are written as lines. Replaces the trainer's
        own printer (a dict per log, numbers as strings).
        """

        def __init__(self) -> None:
            self.bar: Progress | None = None
            self.started = time.monotonic()

        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if not state.is_world_process_zero:
                return
            self.started = time.monotonic()
            self.bar = Progress(state.max_steps, "training", unit="steps").__enter__()
            if state.global_step:
                self.bar.advance(state.global_step, note="resumed")

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if self.bar is not None and state.global_step > self.bar.done:
                self.bar.advance(state.global_step - self.bar.done)

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
            if self.bar is None or not logs:
                return
            numbers = {k: float(v) for k, v in logs.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
            if self.bar.enabled and "loss" in numbers:
                self.bar.advance(0, note=f"loss {numbers['loss']:.4f}  lr {numbers.get('learning_rate', 0):.2e}")
            line = None
            if "train_runtime" in numbers:  # the trainer's summary at the end
                mean = f", mean loss {numbers['train_loss']:.4f}" if "train_loss" in numbers else ""
                line = f"trained {state.global_step} steps in {numbers['train_runtime']:.0f} s{mean}"
            elif (not self.bar.enabled and "loss" in numbers) or "eval_loss" in numbers:
                line = _log_line(state.global_step, state.max_steps, numbers, time.monotonic() - self.started)
            if line is not None and not is_quiet():
                self.bar.write(line)

        def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if self.bar is not None:
                self.bar.close()
                self.bar = None

    return TrainProgress()


def _log_line(step: int, total: int, numbers: Mapping[str, float], elapsed: float) -> str:
    """``step 30/300 (10%)  loss 2.3141  lr 1.90e-03  12 s, about 108 s left``."""
    parts = [f"step {step}/{total} ({100 * step // max(total, 1)}%)"]
    for key, label in (("loss", "loss"), ("eval_loss", "eval loss"), ("grad_norm", "grad norm")):
        if key in numbers:
            parts.append(f"{label} {numbers[key]:.4f}")
    if "learning_rate" in numbers:
        parts.append(f"lr {numbers['learning_rate']:.2e}")
    left = f", about {elapsed * (total - step) / step:.0f} s left" if 0 < step < total else ""
    parts.append(f"{elapsed:.0f} s{left}")
    return "  ".join(parts)


def _final_eval_loss(trainer: Any) -> float:
    """The eval loss at the last step: the trainer's own last eval when it ran there, else one now."""
    step = trainer.state.global_step
    for record in reversed(trainer.state.log_history):
        if "eval_loss" in record and record.get("step") == step:
            return float(record["eval_loss"])
    return float(trainer.evaluate()["eval_loss"])


def build_trainer(config: TrainConfig) -> tuple[Any, int, int]:
    """Build the ``SFTTrainer`` for ``config``; return it with the train and eval row counts."""
    _require_train_extra()
    import torch
    from trl import SFTTrainer

    if config.threads > 0:
        torch.set_num_threads(config.threads)
    train_files, held_out = data_files(config.data)
    if config.eval_data:
        # Explicit held-out data: every file counts, whatever its name.
        held_out = [f for group in data_files(config.eval_data, split=False) for f in group]
    train_set = load_rows(train_files, config.tasks)
    eval_set = load_rows(held_out, config.tasks) if held_out else None
    if eval_set is None and config.eval_fraction > 0 and len(train_set) >= 2:
        split = train_set.train_test_split(test_size=config.eval_fraction, seed=config.seed)
        train_set, eval_set = split["train"], split["test"]
    tokenizer = prepare_tokenizer(config.model, config.chat_template)
    args = build_sft_config(config, has_eval=eval_set is not None)
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        trainer = SFTTrainer(
            model=config.model,
            args=args,
            train_dataset=train_set,
            eval_dataset=eval_set,
            processing_class=tokenizer,
            peft_config=_lora_config(config) if config.lora else None,
            callbacks=[_log_callback(out / _LOG_NAME), _progress_callback()],
        )
    except (OSError, ValueError) as exc:
        raise TrainError(f"cannot set up training of {config.model!r}: {exc}") from None
    from transformers import PrinterCallback

    trainer.remove_callback(PrinterCallback)
    return trainer, len(train_set), 0 if eval_set is None else len(eval_set)


def _resume_point(config: TrainConfig) -> str | None:
    if config.resume == "never":
        return None
    if config.resume != "auto":
        return config.resume
    from transformers.trainer_utils import get_last_checkpoint

    return get_last_checkpoint(config.out) if Path(config.out).is_dir() else None


def read_log(out: str | Path) -> list[dict[str, Any]]:
    """The metric records a run appended to ``out/train_log.jsonl`` (empty if none)."""
    path = Path(out) / _LOG_NAME
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def train(config: TrainConfig) -> TrainResult:
    """Train, save the model (or LoRA adapter) and tokenizer into ``config.out``, and report."""
    start = time.monotonic()
    trainer, train_rows, eval_rows = build_trainer(config)
    resumed_from = _resume_point(config)
    if resumed_from is not None:
        _log.info("resuming from %s", resumed_from)
    out = Path(config.out)
    if trainer.is_world_process_zero():
        (out / _CONFIG_NAME).write_text(json.dumps(config.to_json(), indent=2) + "\n", encoding="utf-8")
    trainer.train(resume_from_checkpoint=resumed_from)
    eval_loss = _final_eval_loss(trainer) if trainer.eval_dataset is not None else None
    trainer.save_model(config.out)
    world_size = int(trainer.args.world_size)
    if trainer.is_world_process_zero():
        trainer.processing_class.save_pretrained(config.out)
    if config.lora and config.merge_lora:
        trainer.accelerator.wait_for_everyone()
        if trainer.is_world_process_zero():
            _merge_adapter(out)
    losses = [r["loss"] for r in read_log(out) if "loss" in r]
    result = TrainResult(
        out=str(out),
        global_step=int(trainer.state.global_step),
        train_rows=train_rows,
        eval_rows=eval_rows,
        first_loss=losses[0] if losses else None,
        last_loss=losses[-1] if losses else None,
        eval_loss=eval_loss,
        world_size=world_size,
        distributed=_distributed_kind(trainer),
        runtime_s=round(time.monotonic() - start, 2),
        resumed_from=resumed_from,
    )
    if trainer.is_world_process_zero():
        (out / _RESULT_NAME).write_text(json.dumps(result.to_json(), indent=2) + "\n", encoding="utf-8")
    return result


def _distributed_kind(trainer: Any) -> str:
    # What the Trainer actually used: FSDP silently falls back to DDP on CPU, so report it.
    if getattr(trainer, "is_fsdp_enabled", False):
        return "fsdp"
    if getattr(trainer, "is_deepspeed_enabled", False):
        return "deepspeed"
    return "ddp" if trainer.args.world_size > 1 else "none"


def _merge_adapter(out: Path) -> None:
    # Merged weights go beside the adapter, so vLLM (which wants plain weights) can load them.
    from peft import AutoPeftModelForCausalLM
    from transformers import AutoTokenizer

    merged = AutoPeftModelForCausalLM.from_pretrained(out).merge_and_unload()
    merged.save_pretrained(out / "merged")
    AutoTokenizer.from_pretrained(out).save_pretrained(out / "merged")
