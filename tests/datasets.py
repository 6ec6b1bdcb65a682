"""Loaders for the vendored benchmark data (tests/data, each folder with its LICENSE)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

DATA = Path(__file__).parent / "data"


def cruxeval() -> list[dict]:
    with open(DATA / "cruxeval-dev" / "cruxeval-dev.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _gz_jsonl(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def humaneval() -> list[dict]:
    return _gz_jsonl(DATA / "humaneval" / "HumanEval.jsonl.gz")


def humanevalplus() -> list[dict]:
    return _gz_jsonl(DATA / "humanevalplus" / "HumanEvalPlus.jsonl.gz")


def mbppplus() -> list[dict]:
    return _gz_jsonl(DATA / "mbppplus" / "MbppPlus.jsonl.gz")
