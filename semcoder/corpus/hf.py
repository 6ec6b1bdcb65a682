"""Hugging Face ``datasets`` for corpus and training-row folders: declared features, dataset cards, export.

A corpus folder (``semcoder corpus build``) and a training-row folder (``semcoder
corpus format``) each get a ``README.md`` whose YAML front matter names the data files
(``configs``) and their types (``dataset_info.features``), so that both load as they
would from the Hub, with the same schema whatever the programs in them::

    import datasets
    corpus = datasets.load_dataset("out/corpus", split="train")        # data/records-*.jsonl only
    rows = datasets.load_dataset("out/tasks")                         # splits train and eval
    both = datasets.load_dataset("json", data_files=[...], features=record_features(), split="train")

``export_corpus`` writes a folder with only the card and the data, ready for
``huggingface-cli upload`` or ``push_to_hub``. ``datasets`` and ``pyarrow`` are
imported only by the functions that need them (``pip install -e '.[train]'`` in the clone).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any, Mapping

from semcoder.corpus.records import (
    DATA_DIR,
    RECORD_COLUMNS,
    RECORD_SCHEMA_VERSION,
    SHARD_FORMATS,
    ShardWriter,
    read_corpus,
    read_manifest,
)
from semcoder.errors import CorpusError

__all__ = [
    "CARD_NAME",
    "CARD_MARKER",
    "ROW_TYPES",
    "record_features",
    "row_features",
    "arrow_schema",
    "corpus_card",
    "rows_card",
    "is_generated_card",
    "write_card",
    "export_corpus",
]

#: The dataset card's file name: the Hub and ``load_dataset(DIR)`` read its YAML front matter.
CARD_NAME = "README.md"

#: The line that marks a card as written by semcoder (and so replaceable by the next build).
CARD_MARKER = "<!-- written by semcoder; the next build or format of this folder replaces this file -->"

#: The columns of a training row (``semcoder.tasks.ROW_COLUMNS``) and their types.
ROW_TYPES: dict[str, Any] = {
    "messages": [{"role": "string", "content": "string"}],
    "task": "string",
    "id": "string",
    "source": "string",
}

_ARROW_TYPES = ("string", "int64", "float64", "bool")


def _import_datasets() -> Any:
    try:
        import datasets
    except ImportError:
        raise CorpusError("this needs the datasets package: pip install -e '.[train]' in the clone "
                          "(or pip install datasets)") from None
    return datasets


def _feature(datasets: Any, kind: Any) -> Any:
    # A Python list is a list feature in every datasets version (2.x reads it as such, 4+ turns it into
    # List), and it is what a card's ``list:`` parses into, so declared and loaded features compare equal.
    if isinstance(kind, str):
        return datasets.Value(kind)
    if isinstance(kind, list):
        return [_feature(datasets, kind[0])]
    return {name: _feature(datasets, sub) for name, sub in kind.items()}


def record_features() -> Any:
    """The ``datasets.Features`` of a corpus record (record schema version 2)."""
    datasets = _import_datasets()
    return datasets.Features({name: _feature(datasets, kind) for name, kind in RECORD_COLUMNS.items()})


def row_features() -> Any:
    """The ``datasets.Features`` of a training row (``messages``, ``task``, ``id``, ``source``)."""
    datasets = _import_datasets()
    return datasets.Features({name: _feature(datasets, kind) for name, kind in ROW_TYPES.items()})


def arrow_schema(columns: Mapping[str, Any]) -> Any:
    """The ``pyarrow.Schema`` of a column table such as ``RECORD_COLUMNS`` (every field nullable)."""
    try:
        import pyarrow as pa
    except ImportError:
        raise CorpusError("Parquet shards need pyarrow: pip install pyarrow (the train extra brings it "
                          "with datasets), or write JSON lines (--format jsonl)") from None
    simple = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_()}

    def arrow(kind: Any) -> Any:
        if isinstance(kind, str):
            return simple[kind]
        if isinstance(kind, list):
            return pa.list_(arrow(kind[0]))
        return pa.struct([(name, arrow(sub)) for name, sub in kind.items()])

    return pa.schema([(name, arrow(kind)) for name, kind in columns.items()])


# -- the dataset card -----------------------------------------------------------------------------


def _yaml_features(columns: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Columns in the card's ``dataset_info.features`` form (``dtype``, ``list``, ``struct``)."""
    out: list[dict[str, Any]] = []
    for name, kind in columns.items():
        if isinstance(kind, str):
            out.append({"name": name, "dtype": kind})
        elif isinstance(kind, list):
            inner = kind[0]
            out.append({"name": name, "list": inner if isinstance(inner, str) else _yaml_features(inner)})
        else:
            out.append({"name": name, "struct": _yaml_features(kind)})
    return out


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./*-]*")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if value is None:
        return "null"
    if isinstance(value, (dict, list)):  # only empty ones get here
        return "{}" if isinstance(value, dict) else "[]"
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _yaml(value: Any, indent: int = 0) -> list[str]:
    """Block-style YAML lines for dicts, lists and scalars (all a card needs)."""
    pad = "  " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, sub in value.items():
            if isinstance(sub, (dict, list)) and sub:
                lines.append(f"{pad}{key}:")
                lines += _yaml(sub, indent + (1 if isinstance(sub, dict) else 0))
            else:
                lines.append(f"{pad}{key}: {_scalar(sub)}")
    else:
        for item in value:
            if isinstance(item, (dict, list)) and item:
                inner = _yaml(item, indent + 1)
                lines.append(f"{pad}- {inner[0][len(pad) + 2:]}")
                lines += inner[1:]
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    return lines


def _card(front: Mapping[str, Any], body: str) -> str:
    return "---\n" + "\n".join(_yaml(dict(front))) + "\n---\n" + CARD_MARKER + "\n\n" + body.strip() + "\n"


def corpus_card(manifest: Mapping[str, Any]) -> str:
    """The dataset card of a corpus folder, from its manifest (counts, sources, shards)."""
    suffixes = sorted({Path(name).suffix for name in manifest["shards"]}) or [".jsonl"]
    pattern = f"{DATA_DIR}/records-*{suffixes[0]}" if len(suffixes) == 1 else [f"{DATA_DIR}/records-*{s}"
                                                                             for s in suffixes]
    front = {
        "pretty_name": "semcoder corpus",
        "tags": ["code", "execution-traces", "semcoder"],
        "configs": [{"config_name": "default", "data_files": [{"split": "train", "path": pattern}]}],
        # No ``splits`` sizes: datasets wants their Arrow byte counts too; the counts are in the text below.
        "dataset_info": {"features": _yaml_features(RECORD_COLUMNS)},
    }
    functions = manifest.get("functions", {})
    dropped = ", ".join(f"{reason} {n}" for reason, n in manifest.get("dropped", {}).items()) or "none"
    sources = ", ".join(f"{s['name']} ({s.get('kept', 0)} kept)" for s in manifest.get("sources", [])) or "none"
    body = f"""
# semcoder corpus

Executable Python functions, each with a description, traced inputs, forward and
backward monologues checked against the traces, and injected bugs with a debugging
narrative (PyX and PyX-R of the SemCoder paper), written by `semcoder corpus build`.

| | |
|---|---|
| records (functions) | {manifest['records']} |
| traced cases | {manifest['cases']} |
| injected bugs | {manifest['bugs']} |
| functions seen / kept / dropped | {functions.get('seen', '?')} / {functions.get('kept', '?')} / {functions.get('dropped', '?')} |
| dropped by reason | {dropped} |
| sources | {sources} |
| record schema version | {manifest['schema_version']} |

```python
import datasets
corpus = datasets.load_dataset("path/to/this/folder", split="train")
```

Every record has the same columns. A case's `trace` keeps the fields of the pytrace_sem
trace, with the maps keyed by variable names (`args`, a step's `changes`) as lists of
`{{"name", "value"}}` and every value object as its JSON text (`json.loads` it);
`semcoder.corpus.read_corpus` gives the traces back in pytrace_sem's own form.
`manifest.json` (counts, filters, seeds, versions) and `dropped.jsonl` (what was left
out, and why) sit beside this card when the folder is the build's own.
"""
    return _card(front, body)


def rows_card(manifest: Mapping[str, Any]) -> str:
    """The dataset card of a training-row folder, from the manifest ``format_corpus`` writes."""
    splits = [name for name in ("train", "eval") if manifest["rows"].get(name)] or ["train"]
    files = {"train": "train.jsonl", "eval": "eval.jsonl"}
    front = {
        "pretty_name": "semcoder training rows",
        "tags": ["code", "semcoder", "conversational"],
        "configs": [{"config_name": "default",
                     "data_files": [{"split": name, "path": files[name]} for name in splits]}],
        "dataset_info": {"features": _yaml_features(ROW_TYPES)},
    }
    lines = "\n".join(
        f"| {name} | {manifest['rows'].get(name, 0)} | "
        + (", ".join(f"{task} {n}" for task, n in manifest["tasks"].get(name, {}).items()) or "none") + " |"
        for name in splits
    )
    body = f"""
# semcoder training rows

Training rows in TRL's conversational format (`messages`: a user and an assistant turn;
`task`, `id`, `source`), written by `semcoder corpus format` from {manifest['records']} functions
of a corpus. Whole functions are held out in `eval`.

| split | rows | rows per task |
|---|---|---|
{lines}

```python
import datasets
rows = datasets.load_dataset("path/to/this/folder")   # rows["train"], rows["eval"]
```
"""
    return _card(front, body)


def is_generated_card(path: str | Path) -> bool:
    """Whether ``path`` is a card semcoder wrote (so a later build may replace or remove it)."""
    try:
        with Path(path).open(encoding="utf-8", errors="replace") as fh:
            return CARD_MARKER in fh.read(200_000)
    except OSError:
        return False


def write_card(folder: str | Path, text: str) -> Path | None:
    """Write ``folder/README.md`` unless a README of someone else's is there (then None: it is left alone)."""
    path = Path(folder) / CARD_NAME
    if path.exists() and not is_generated_card(path):
        return None
    tmp = path.with_name(CARD_NAME + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


# -- export -----------------------------------------------------------------------------------------


def export_corpus(corpus: str | Path, out: str | Path, *, format: str | None = None,
                  shard_size: int | None = None) -> dict[str, Any]:
    """Write a Hub-ready copy of a corpus folder to ``out``: the card and the data shards, nothing else.

    The records are re-written in the current layout (so a corpus of record version
    1 exports as version 2), as JSON lines or Parquet (``format``; default: the
    corpus's own). ``out`` must be a new or empty folder. Returns the manifest of the
    copy (the source's counts with the new shards), which the card is made from.

        export_corpus("out/corpus", "out/hub", format="parquet")   # then: huggingface-cli upload ...
    """
    manifest = read_manifest(corpus)
    shards = manifest["shards"]
    own = "parquet" if shards and all(name.endswith(".parquet") for name in shards) else "jsonl"
    format = format or own
    if format not in SHARD_FORMATS:
        raise CorpusError(f"unknown shard format {format!r}; choose one of {', '.join(SHARD_FORMATS)}")
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise CorpusError(f"{out} is not an empty folder; export into a new one")
    if Path(corpus).resolve() == out.resolve():
        raise CorpusError("export writes a copy; give --out a folder other than the corpus")
    size = shard_size or int(manifest.get("config", {}).get("shard_size", 1000))
    (out / DATA_DIR).mkdir(parents=True, exist_ok=True)
    try:
        with ShardWriter(out, format=format, shard_size=size) as writer:
            for record in read_corpus(corpus):
                writer.add(record)
    except BaseException:
        shutil.rmtree(out / DATA_DIR, ignore_errors=True)
        raise
    copy = {**manifest, "schema_version": RECORD_SCHEMA_VERSION, "shards": writer.shards}
    write_card(out, corpus_card(copy))
    return copy
