"""``semcoder tiny-model``: build the offline tiny model (see :mod:`semcoder.tiny`).

semcoder tiny-model --out out/tiny
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "tiny-model",
        help="build a tiny random chat model and tokenizer, offline, in seconds",
        description="Train a byte-level BPE tokenizer on Python source and save a small randomly "
        "initialised Llama-style model with a ChatML template, for machines without a GPU or a hub.",
    )
    p.add_argument("--out", required=True, help="folder to save the model and tokenizer in")
    p.add_argument("--texts", nargs="*", default=[], help="extra text or JSONL files to train the tokenizer on")
    p.add_argument("--vocab-size", type=int, default=2048)
    p.add_argument("--hidden-size", type=int, default=128)
    p.add_argument("--intermediate-size", type=int, default=352)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--max-positions", type=int, default=2048)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from semcoder.errors import DataError
    from semcoder.tiny import TinyModelSpec, build_tiny_model

    texts = []
    for name in args.texts:
        path = Path(name)
        if not path.is_file():
            raise DataError(f"no such text file: {path}")
        texts.append(path.read_text(encoding="utf-8", errors="replace"))
    spec = TinyModelSpec(
        vocab_size=args.vocab_size,
        hidden_size=args.hidden_size,
        intermediate_size=args.intermediate_size,
        num_layers=args.layers,
        num_heads=args.heads,
        max_positions=args.max_positions,
        seed=args.seed,
    )
    out = build_tiny_model(args.out, texts=texts, spec=spec)
    print(out)
    return 0
