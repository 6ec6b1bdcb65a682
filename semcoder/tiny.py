"""A tiny, randomly initialised chat model for machines without a GPU or a model hub.

It trains a byte-level BPE tokenizer on Python source (the standard library's,
plus any texts you pass), wraps it with a ChatML chat template whose assistant
turns sit in ``{% generation %}`` blocks (so TRL can train on them alone), and
saves a small Llama-style model beside it. Everything is offline and takes
seconds; the saved folder loads with ``from_pretrained`` like any hub model, so
the training and evaluation code paths are the real ones::

    from semcoder.tiny import build_tiny_model
    path = build_tiny_model("out/tiny", texts=["def f(x):\\n    return x\\n"])
    # then: semcoder train --model out/tiny --data data/ --out out/tiny-sft

torch, transformers and tokenizers are imported inside the functions, so
importing this module is cheap.
"""

from __future__ import annotations

import sysconfig
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from semcoder.errors import MissingDependencyError, TrainError

__all__ = [
    "TinyModelSpec",
    "CHATML_TEMPLATE",
    "SPECIAL_TOKENS",
    "build_tiny_model",
    "build_tokenizer",
    "python_source_texts",
]

#: Special tokens of the tiny tokenizer: end of text (also padding), turn start, turn end (also EOS).
SPECIAL_TOKENS: tuple[str, str, str] = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")

#: ChatML with the assistant's content and its end-of-turn token inside a generation
#: block: TRL's ``assistant_only_loss`` masks everything else, and the model learns to stop.
CHATML_TEMPLATE = (
    "{%- for message in messages -%}"
    "{%- if message['role'] == 'assistant' -%}"
    "{{- '<|im_start|>assistant\\n' -}}"
    "{%- generation -%}{{- message['content'] + '<|im_end|>' -}}{%- endgeneration -%}"
    "{{- '\\n' -}}"
    "{%- else -%}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' -}}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}"
)


@dataclass(frozen=True, slots=True)
class TinyModelSpec:
    """The shape of the tiny model; the defaults give about 0.9 M parameters."""

    vocab_size: int = 2048
    hidden_size: int = 128
    intermediate_size: int = 352
    num_layers: int = 4
    num_heads: int = 4
    max_positions: int = 2048
    max_source_chars: int = 1_500_000
    seed: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "TinyModelSpec":
        return cls(**data)


def python_source_texts(max_chars: int = 1_500_000) -> Iterator[str]:
    """Source files of the running Python's standard library, in a fixed order, up to ``max_chars``.

    Sorted by path so the same Python gives the same tokenizer.
    """
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    total = 0
    for path in sorted(stdlib.glob("*.py")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        yield text
        total += len(text)
        if total >= max_chars:
            return


def _prompt_texts() -> list[str]:
    # The task wording and tags the model will see, so they get compact tokens.
    from semcoder.tasks import (
        code_generation_prompt,
        input_prediction_prompt,
        output_prediction_prompt,
        prediction_answer,
        refine_prompt,
    )

    code = "def f(x):\n    return x\n"
    return [
        output_prediction_prompt(code, "1", mode=m) + input_prediction_prompt(code, "1", mode=m)
        for m in ("direct", "monologue", "scratchpad")
    ] + [
        prediction_answer("1", "1", reasoning="step", mode="monologue"),
        code_generation_prompt("Return x."),
        refine_prompt(code, "assert f(1) == 2", "x is 1"),
        "user\nassistant\nsystem\n" * 50,
    ]


def build_tokenizer(texts: Iterable[str], vocab_size: int = 2048) -> Any:
    """Train a byte-level BPE tokenizer on ``texts`` and wrap it as a transformers fast tokenizer.

    The result has ``<|im_end|>`` as EOS, ``<|endoftext|>`` as padding and the ChatML template.
    """
    try:
        from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
        from transformers import PreTrainedTokenizerFast
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependencyError(
            f"building the tiny model needs the train extra ({exc.name} is missing): "
            "pip install -e '.[train]' in the clone"
        ) from None

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    endoftext, _, im_end = SPECIAL_TOKENS
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token=im_end,
        pad_token=endoftext,
        additional_special_tokens=list(SPECIAL_TOKENS[1:]),
    )
    fast.chat_template = CHATML_TEMPLATE
    return fast


def build_tiny_model(
    out: str | Path,
    *,
    texts: Iterable[str] | None = None,
    spec: TinyModelSpec = TinyModelSpec(),
) -> Path:
    """Build and save the tokenizer and a randomly initialised Llama-style model into ``out``.

    ``texts`` are extra training texts for the tokenizer (for instance the training
    rows' contents), added to the standard library's source. Returns ``out``.
    """
    try:
        import torch
        from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependencyError(
            f"building the tiny model needs the train extra ({exc.name} is missing): "
            "pip install -e '.[train]' in the clone"
        ) from None
    if spec.hidden_size % spec.num_heads:
        raise TrainError(
            f"hidden size {spec.hidden_size} is not a multiple of the {spec.num_heads} heads; change one of them"
        )

    out = Path(out)
    corpus = list(python_source_texts(spec.max_source_chars)) + _prompt_texts() + list(texts or ())
    tokenizer = build_tokenizer(corpus, vocab_size=spec.vocab_size)
    endoftext, _, im_end = SPECIAL_TOKENS
    pad_id = tokenizer.convert_tokens_to_ids(endoftext)
    eos_id = tokenizer.convert_tokens_to_ids(im_end)

    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=spec.hidden_size,
        intermediate_size=spec.intermediate_size,
        num_hidden_layers=spec.num_layers,
        num_attention_heads=spec.num_heads,
        num_key_value_heads=spec.num_heads,
        max_position_embeddings=spec.max_positions,
        tie_word_embeddings=True,
        bos_token_id=None,
        eos_token_id=eos_id,
        pad_token_id=pad_id,
    )
    torch.manual_seed(spec.seed)
    model = LlamaForCausalLM(config)
    model.generation_config = GenerationConfig(eos_token_id=eos_id, pad_token_id=pad_id)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
