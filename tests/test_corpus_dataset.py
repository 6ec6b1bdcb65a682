"""Corpus and training-row folders load with Hugging Face ``datasets``: one schema whatever the programs.

Two small corpora are built by the real builder from different CRUXEval programs (other
variable names; a lambda, so a non-empty ``untraced``, in one only) and loaded the ways a
user would: ``load_dataset(DIR)`` through the generated card, both corpora together in
either order, Parquet shards, an exported Hub folder, and the rows of ``corpus format``.
Skipped without ``datasets``; CI runs it with the newest and the oldest version allowed.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # read before datasets is imported: never reach for the network
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
datasets = pytest.importorskip("datasets")
yaml = pytest.importorskip("yaml")

from semcoder.corpus import BuildConfig, build_corpus, read_corpus, read_manifest  # noqa: E402
from semcoder.corpus.hf import ROW_TYPES, export_corpus, record_features, row_features  # noqa: E402
from semcoder.corpus.records import RECORD_COLUMNS, nested_trace  # noqa: E402
from semcoder.errors import CorpusError  # noqa: E402
from semcoder.tasks import PAPER_TASKS, ROW_COLUMNS, format_corpus  # noqa: E402
from tests.datasets import cruxeval  # noqa: E402

CONFIG = BuildConfig(max_cases=2, max_candidates=30, input_budget_seconds=10, shard_size=2)


def _source(folder: Path, name: str, rows: list[dict]) -> Path:
    path = folder / f"{name}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """Corpus a (CRUXEval 0-4, no lambdas), b (5-9, a lambda) as JSON lines, and b again as Parquet."""
    root = tmp_path_factory.mktemp("corpora")
    crux = cruxeval()
    sources = {"a": _source(root, "src-a", crux[0:5]), "b": _source(root, "src-b", crux[5:10])}
    out = {}
    for name, source in sources.items():
        out[name] = root / name
        build_corpus([str(source)], out[name], config=CONFIG, workers=2)
    # The same build again with Parquet shards: everything resumes from the journal, only the shards change.
    out["b_parquet"] = root / "b_parquet"
    shutil.copytree(out["b"], out["b_parquet"])
    result = build_corpus([str(sources["b"])], out["b_parquet"], config=CONFIG, workers=2, format="parquet")
    assert result.ran == 0 and result.resumed == result.manifest["functions"]["processed"]
    out["cache"] = root / "hf-cache"
    return out


def _load(path: Path, cache: Path, **kwargs):
    return datasets.load_dataset(str(path), cache_dir=str(cache), **kwargs)


def _front_matter(card: Path) -> dict:
    text = card.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1])


def test_a_corpus_folder_loads_through_its_card_with_the_declared_features(built):
    folder = built["a"]
    manifest = read_manifest(folder)
    assert len(manifest["shards"]) == 3  # five records, two a shard
    assert {p.name for p in folder.iterdir()} >= {"README.md", "data", "manifest.json", "dropped.jsonl", ".build"}
    ds = _load(folder, built["cache"], split="train")
    assert ds.features == record_features() and list(ds.column_names) == list(RECORD_COLUMNS)
    records = list(read_corpus(folder))
    assert len(ds) == manifest["records"] == len(records)
    row = ds[0]
    assert row["id"] == records[0].id
    # The stored layout: names and JSON texts in lists; it reads back to pytrace_sem's own trace exactly.
    trace = row["cases"][0]["trace"]
    assert [p["name"] for p in trace["args"]] == list(records[0].cases[0].trace["args"])
    assert nested_trace(trace) == records[0].cases[0].trace


@pytest.mark.parametrize("order", ["ab", "ba"])
def test_two_corpora_of_different_programs_load_together_in_either_order(built, order):
    untraced = {name: {len(c.trace["untraced"]) > 0 for r in read_corpus(built[name]) for c in r.cases}
                for name in "ab"}
    assert untraced == {"a": {False}, "b": {False, True}}  # the shapes that broke inference before
    first, second = (built[name] for name in order)
    files = [str(p) for folder in (first, second) for p in sorted((folder / "data").glob("*.jsonl"))]
    together = datasets.load_dataset("json", data_files=files, features=record_features(), split="train",
                                     cache_dir=str(built["cache"]))
    loaded = [_load(folder, built["cache"], split="train") for folder in (first, second)]
    joined = datasets.concatenate_datasets(loaded)
    expected = [r.id for folder in (first, second) for r in read_corpus(folder)]
    assert together["id"] == joined["id"] == expected
    assert together.features == joined.features == record_features()


def test_the_card_declares_the_data_files_and_every_column(built):
    front = _front_matter(built["a"] / "README.md")
    assert front["configs"] == [{"config_name": "default",
                                 "data_files": [{"split": "train", "path": "data/records-*.jsonl"}]}]
    features = front["dataset_info"]["features"]
    assert [f["name"] for f in features] == list(RECORD_COLUMNS)
    cases = next(f for f in features if f["name"] == "cases")["list"]
    trace = next(f for f in cases if f["name"] == "trace")["struct"]
    args = next(f for f in trace if f["name"] == "args")
    assert args == {"name": "args", "list": [{"name": "name", "dtype": "string"}, {"name": "value", "dtype": "string"}]}
    manifest = read_manifest(built["a"])
    body = (built["a"] / "README.md").read_text(encoding="utf-8")
    assert f"| records (functions) | {manifest['records']} |" in body and f"| traced cases | {manifest['cases']} |" in body


def test_parquet_shards_load_and_read_back_as_the_same_records(built):
    folder = built["b_parquet"]
    manifest = read_manifest(folder)
    assert manifest["format"] == "parquet" and all(s.endswith(".parquet") for s in manifest["shards"])
    assert _front_matter(folder / "README.md")["configs"][0]["data_files"][0]["path"] == "data/records-*.parquet"
    ds = _load(folder, built["cache"], split="train")
    assert ds.features == record_features()
    assert list(read_corpus(folder)) == list(read_corpus(built["b"]))
    assert ds["id"] == [r.id for r in read_corpus(built["b"])]


def test_an_exported_hub_folder_holds_the_card_and_data_only_and_loads(built, tmp_path):
    hub = tmp_path / "hub"
    copy = export_corpus(built["a"], hub, format="parquet")
    assert sorted(str(p.relative_to(hub)) for p in hub.rglob("*")) == ["README.md", "data"] + copy["shards"]
    ds = _load(hub, built["cache"], split="train")
    assert ds.features == record_features() and ds["id"] == [r.id for r in read_corpus(built["a"])]
    with pytest.raises(CorpusError, match="not an empty folder"):
        export_corpus(built["a"], hub)


def test_corpus_export_on_the_command_line_keeps_the_corpus_format(built, tmp_path, capsys):
    from semcoder.cli import main

    assert main(["corpus", "export", str(built["b_parquet"]), "--out", str(tmp_path / "hub")]) == 0
    names = sorted(p.name for p in (tmp_path / "hub" / "data").iterdir())
    assert names == [Path(s).name for s in read_manifest(built["b_parquet"])["shards"]]
    assert names and all(name.endswith(".parquet") for name in names)
    assert "load_dataset" in capsys.readouterr().out
    assert main(["corpus", "export", str(built["b"]), "--out", str(tmp_path / "hub")]) == CorpusError.exit_code
    assert "not an empty folder" in capsys.readouterr().err


def test_an_old_layout_corpus_still_reads_and_exports_in_the_fixed_layout(built, tmp_path):
    old = tmp_path / "old"
    (old / "data").mkdir(parents=True)
    records = list(read_corpus(built["b"]))
    with (old / "data" / "records-00000.jsonl").open("w", encoding="utf-8") as fh:
        for record in records:  # record schema version 1: the trace as pytrace_sem writes it
            data = record.to_json()
            data["schema_version"] = 1
            for stored, case in zip(data["cases"], record.cases):
                stored["trace"] = dict(case.trace)
            fh.write(json.dumps(data) + "\n")
    manifest = {**read_manifest(built["b"]), "schema_version": 1, "shards": ["data/records-00000.jsonl"]}
    (old / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert list(read_corpus(old)) == records
    ds = _load(export_corpus(old, tmp_path / "hub") and tmp_path / "hub", built["cache"], split="train")
    assert ds.features == record_features() and len(ds) == len(records)


def test_training_rows_load_with_train_and_eval_splits(built, tmp_path):
    out = tmp_path / "tasks"
    manifest = format_corpus(built["b"], out, eval_fraction=0.4)
    assert set(manifest["tasks"]["train"]) | set(manifest["tasks"]["eval"]) <= set(PAPER_TASKS)
    front = _front_matter(out / "README.md")
    assert front["configs"][0]["data_files"] == [{"split": "train", "path": "train.jsonl"},
                                                 {"split": "eval", "path": "eval.jsonl"}]
    assert list(ROW_TYPES) == list(ROW_COLUMNS)
    rows = _load(out, built["cache"])
    assert set(rows) == {"train", "eval"}
    assert {split: len(rows[split]) for split in rows} == manifest["rows"]
    assert rows["train"].features == rows["eval"].features == row_features()
