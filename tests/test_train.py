"""Training: the tiny model, the config, the chat templates, and the tiny-model path end to end on CPU.

Needs the ``train`` extra (torch, transformers, trl, datasets, peft); skipped without it.
Every training run here uses one torch thread: on a 2-core machine more threads run slower.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("trl")
pytest.importorskip("datasets")

from semcoder.errors import DataError, TrainError  # noqa: E402
from semcoder.tasks import read_jsonl, rows_from_cruxeval, write_jsonl  # noqa: E402
from semcoder.tiny import SPECIAL_TOKENS, TinyModelSpec, build_tiny_model  # noqa: E402
from semcoder.train import (  # noqa: E402
    SEMCODER_TEMPLATE,
    TrainConfig,
    data_files,
    load_rows,
    prepare_tokenizer,
    read_log,
    train,
)

DATA = Path(__file__).parent / "data"
CRUX = DATA / "cruxeval-dev" / "cruxeval-dev.jsonl"

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture(scope="module")
def rows_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Direct prediction rows: dev problems 0-149 to train on, 150-199 held out."""
    records = read_jsonl(CRUX)
    folder = tmp_path_factory.mktemp("rows")
    write_jsonl(rows_from_cruxeval(records[:150], source="cruxeval-dev"), folder / "train.jsonl")
    write_jsonl(rows_from_cruxeval(records[150:], source="cruxeval-dev"), folder / "eval.jsonl")
    return folder


def _config(model: Path, data: Path, out: Path, **kw: Any) -> TrainConfig:
    base: dict[str, Any] = dict(
        model=str(model), data=(str(data),), out=str(out), learning_rate=2e-3, batch_size=4,
        max_length=320, logging_steps=10, save_steps=100, eval_steps=100, threads=1, warmup=0.05,
    )  # fmt: skip
    base.update(kw)
    return TrainConfig(**base)


# -- the tiny model and templates ----------------------------------------------------------


def test_tiny_model_reloads_and_trains_on_the_assistant_turn_only(tiny: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny)
    model = AutoModelForCausalLM.from_pretrained(tiny)
    spec = TinyModelSpec()
    assert len(tokenizer) == spec.vocab_size and model.config.hidden_size == spec.hidden_size
    assert tokenizer.eos_token == "<|im_end|>" and tokenizer.pad_token == "<|endoftext|>"
    assert all(tokenizer.convert_tokens_to_ids(t) < len(tokenizer) for t in SPECIAL_TOKENS)
    messages = [
        {"role": "user", "content": "assert f(1) == ??"},
        {"role": "assistant", "content": "[ANSWER]2[/ANSWER]"},
    ]
    enc = tokenizer.apply_chat_template(messages, return_dict=True, return_assistant_tokens_mask=True)
    trained = [t for t, m in zip(enc["input_ids"], enc["assistant_masks"]) if m]
    # The answer and its end-of-turn token carry loss; nothing of the prompt does.
    assert tokenizer.decode(trained) == "[ANSWER]2[/ANSWER]<|im_end|>"
    # Source code round-trips through the byte-level tokenizer unchanged (quotes included).
    code = "def f(s):\n    return s.replace('\"', \"'\")  # é\n"
    assert tokenizer.decode(tokenizer(code)["input_ids"]) == code
    assert 0.5e6 < sum(p.numel() for p in model.parameters()) < 2e6


def test_generation_accepts_a_list_of_end_ids(tiny: Path) -> None:
    """Saved generation configs may hold several end-of-sequence ids (a list): generate still stops on each."""
    from semcoder.eval.backends import GenerationSettings, HFBackend, Request

    backend = HFBackend(str(tiny), threads=1)
    eos = backend.tokenizer.eos_token_id
    backend.model.generation_config.eos_token_id = [eos, eos + 1]
    request = Request(kind="cruxeval-output", prompt="def f(x):\n    return x", context={})
    out = backend.generate([request], GenerationSettings(max_new_tokens=5, batch_size=1))
    assert len(out) == 1 and len(out[0]) == 1 and isinstance(out[0][0], str)


def test_semcoder_template_for_base_models(tiny: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny)
    messages = [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]
    text = tokenizer.apply_chat_template(messages, tokenize=False, chat_template=SEMCODER_TEMPLATE)
    assert text == "@@ Instruction\nQ\n\n@@ Response\nA<|im_end|>\n\n"
    enc = tokenizer.apply_chat_template(
        messages, return_dict=True, return_assistant_tokens_mask=True, chat_template=SEMCODER_TEMPLATE
    )
    assert tokenizer.decode([t for t, m in zip(enc["input_ids"], enc["assistant_masks"]) if m]) == "A<|im_end|>"
    assert prepare_tokenizer(str(tiny), "semcoder").chat_template == SEMCODER_TEMPLATE
    assert "<|im_start|>" in prepare_tokenizer(str(tiny), "auto").chat_template
    with pytest.raises(TrainError, match="neither|none of"):
        prepare_tokenizer(str(tiny), "no-such-template")


# -- configuration and data ---------------------------------------------------------------


def test_config_round_trip_and_errors(tmp_path: Path) -> None:
    config = TrainConfig(model="m", data=("d",), out="o", tasks=("output_direct",), sft={"max_grad_norm": 0.5})
    assert TrainConfig.from_json(json.loads(json.dumps(config.to_json()))) == config
    with pytest.raises(TrainError, match="unknown training option"):
        TrainConfig.from_json({**config.to_json(), "learning_rat": 1})
    with pytest.raises(TrainError, match="no training data"):
        TrainConfig(model="m", data=(), out="o")
    with pytest.raises(TrainError, match="precision"):
        TrainConfig(model="m", data=("d",), out="o", precision="fp8")
    with pytest.raises(TrainError, match="--resume"):
        TrainConfig(model="m", data=("d",), out="o", resume=str(tmp_path / "nope"))


def test_data_files_and_rows(rows_dir: Path, tmp_path: Path) -> None:
    train_files, held_out = data_files([str(rows_dir)])
    assert [Path(f).name for f in train_files] == ["train.jsonl"] and [Path(f).name for f in held_out] == ["eval.jsonl"]
    everything, none = data_files([str(rows_dir)], split=False)  # explicit --eval-data folders
    assert len(everything) == 2 and none == []
    dataset = load_rows(train_files, tasks=("input_direct",))
    assert len(dataset) == 150 and dataset.column_names == ["messages"]
    with pytest.raises(DataError, match="no such data file"):
        data_files([str(tmp_path / "missing")])
    with pytest.raises(DataError, match="no rows of task"):
        load_rows(train_files, tasks=("nl2code",))
    bad = tmp_path / "bad.jsonl"
    write_jsonl([{"prompt": "p", "completion": "c"}], bad)
    with pytest.raises(DataError, match="no 'messages' column"):
        load_rows([str(bad)])


# -- the tiny-model path end to end ----------------------------------------------------------


@pytest.mark.slow
def test_tiny_model_end_to_end(tiny: Path, rows_dir: Path, tmp_path: Path) -> None:
    from semcoder.eval.backends import GenerationSettings, HFBackend
    from semcoder.eval.cruxeval import evaluate_cruxeval, load_cruxeval
    from semcoder.eval.evalplus import evaluate_code, load_code_problems
    from semcoder.eval.refine import refine

    out = tmp_path / "sft"
    result = train(_config(tiny, rows_dir, out, max_steps=200))
    # Loss goes down: from about ln(vocab) at random initialisation to well below it.
    log = read_log(out)
    losses = [r["loss"] for r in log if "loss" in r]
    assert result.global_step == 200 and len(losses) >= 10
    assert losses[0] > math.log(2048) - 1
    assert max(losses[-3:]) < 0.5 * losses[0]
    assert result.eval_loss is not None and result.eval_loss < 0.6 * losses[0]
    assert (out / "model.safetensors").is_file() and (out / "tokenizer.json").is_file()
    assert json.loads((out / "train_result.json").read_text())["global_step"] == 200

    # Reload from disk and generate, as every eval does.
    backend = HFBackend(str(out), threads=1)
    short = GenerationSettings(max_new_tokens=40, stop=("[/ANSWER]",), batch_size=4)
    crux = load_cruxeval(str(DATA / "cruxeval-dev" / "cruxeval-dev.jsonl"))[150:154]
    for task in ("output", "input"):
        r = evaluate_cruxeval(crux, backend, task=task, settings=short)
        assert r.n == 4 and 0.0 <= r.metrics["pass@1"] <= 1.0
        assert all(isinstance(x["responses"][0], str) for x in r.records)
    code_settings = GenerationSettings(max_new_tokens=40, stop=("[/PYTHON]", "[/Refined]"), batch_size=4)
    for name, path in (("humaneval", "humanevalplus/HumanEvalPlus.jsonl.gz"), ("mbpp", "mbppplus/MbppPlus.jsonl.gz")):
        problems = load_code_problems(str(DATA / path), limit=2)
        r = evaluate_code(problems, backend, plus=True, settings=code_settings, benchmark=name)
        assert set(r.metrics) == {"pass@1", "pass@1+"}
    problems = load_code_problems(str(DATA / "humanevalplus" / "HumanEvalPlus.jsonl.gz"), limit=2)
    r = refine(problems, backend, rounds=1, settings=code_settings)
    assert set(r.metrics) == {"pass@1[r0]", "trace pass@1[r1]", "control pass@1[r1]"}


@pytest.mark.parametrize(("eval_steps", "evals_at"), [(3, [3, 6]), (4, [4, 6])])
def test_the_last_step_is_evaluated_once(tiny: Path, rows_dir: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str], eval_steps: int,
                                         evals_at: list[int]) -> None:
    out = tmp_path / "sft"
    result = train(_config(tiny, rows_dir, out, max_steps=6, logging_steps=2, eval_steps=eval_steps))
    evals = [r for r in read_log(out) if "eval_loss" in r]
    # eval_steps 3: the trainer's own eval at step 6 is the result; 4: one more eval at the end.
    assert [r["step"] for r in evals] == evals_at
    assert result.eval_loss == pytest.approx(evals[-1]["eval_loss"])
    printed = capsys.readouterr()
    # Progress goes to stderr as plain lines when it is not a terminal; no metric dicts anywhere.
    assert "{'loss'" not in printed.out + printed.err and "'eval_loss'" not in printed.out + printed.err
    assert "step 6/6 (100%)" in printed.err and "eval loss" in printed.err and "trained 6 steps in" in printed.err


def test_a_recipe_file_trains_the_tiny_model(tiny: Path, rows_dir: Path, tmp_path: Path) -> None:
    from semcoder.cli import main

    recipe = tmp_path / "tiny.yaml"
    recipe.write_text(f"model: {tiny}\ndata: {rows_dir}\nout: {tmp_path / 'sft'}\nmax_steps: 50\n"
                      "learning_rate: 2e-3\nbatch_size: 4\nmax_length: 320\nthreads: 1\nresume: never\n"
                      "eval_steps: 100\nsave_steps: 100\nweight_decay: 0.01\n", encoding="utf-8")
    assert main(["train", "--config", str(recipe), "--max-steps", "3"]) == 0
    done = json.loads((tmp_path / "sft" / "train_result.json").read_text())
    assert done["global_step"] == 3  # the flag won over the recipe's 50
    saved = json.loads((tmp_path / "sft" / "semcoder_train_config.json").read_text())
    assert saved["learning_rate"] == 2e-3 and saved["sft"] == {"weight_decay": 0.01}
    args = json.loads((tmp_path / "sft" / "checkpoint-3" / "trainer_state.json").read_text()) if (
        tmp_path / "sft" / "checkpoint-3").is_dir() else None
    assert args is None or args["global_step"] == 3


def test_progress_lines_read_plainly() -> None:
    from semcoder.train import _log_line

    line = _log_line(30, 300, {"loss": 2.31414, "learning_rate": 0.0019, "grad_norm": 1.5}, 12.0)
    assert line == "step 30/300 (10%)  loss 2.3141  grad norm 1.5000  lr 1.90e-03  12 s, about 108 s left"
    assert _log_line(300, 300, {"eval_loss": 0.5}, 100.0) == "step 300/300 (100%)  eval loss 0.5000  100 s"


# TRL asks the model `is_gradient_checkpointing` (trl/models/utils.py), which transformers 5 deprecates: their
# conversation, not ours (we set whichever checkpointing field the installed version has).
@pytest.mark.filterwarnings("ignore:`is_gradient_checkpointing` is deprecated:FutureWarning")
def test_resume_lora_and_packing(tiny: Path, rows_dir: Path, tmp_path: Path) -> None:
    from peft import AutoPeftModelForCausalLM

    from semcoder.eval.backends import GenerationSettings, HFBackend, Request

    out = tmp_path / "lora"
    first = train(_config(tiny, rows_dir, out, max_steps=6, save_steps=3, lora=True, lora_r=4, packing=True,
                          max_length=512, eval_fraction=0.0))  # fmt: skip
    assert first.global_step == 6 and first.resumed_from is None
    assert (out / "adapter_config.json").is_file() and (out / "checkpoint-6").is_dir()
    again = train(_config(tiny, rows_dir, out, max_steps=8, save_steps=3, lora=True, lora_r=4, packing=True,
                          max_length=512, eval_fraction=0.0))  # fmt: skip
    assert again.resumed_from is not None and again.resumed_from.endswith("checkpoint-6")
    assert again.global_step == 8
    assert isinstance(AutoPeftModelForCausalLM.from_pretrained(out), torch.nn.Module)
    backend = HFBackend(str(out), threads=1)
    [[text]] = backend.generate([Request("assert f(1) == ??", "cruxeval-output")], GenerationSettings(max_new_tokens=5))
    assert isinstance(text, str)
