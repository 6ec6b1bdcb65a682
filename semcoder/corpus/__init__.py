"""Build a SemCoder/PyX-style training corpus: executable functions, traced, narrated, checked, decontaminated.

    from semcoder.corpus import BuildConfig, build_corpus, read_corpus

    result = build_corpus(["tests/data/cruxeval-dev"], "out/crux", config=BuildConfig(max_cases=3), workers=2)
    print(result.manifest["records"], result.manifest["dropped"])
    for record in read_corpus("out/crux"):
        print(record.id, record.cases[0].input, "->", record.cases[0].output)

The command line does the same: ``semcoder corpus build``, ``semcoder corpus stats``
and ``semcoder corpus format`` (training rows, see :mod:`semcoder.tasks`).
``docs/corpus.md`` documents the record and task formats.
"""

from __future__ import annotations

from semcoder.corpus.pipeline import (
    DEFAULT_ALLOWED_IMPORTS,
    FILTER_REASONS,
    BuildConfig,
    BuildResult,
    Progress,
    build_corpus,
    process_item,
)
from semcoder.corpus.records import Bug, Case, CorpusRecord, read_corpus, read_manifest, validate_record
from semcoder.corpus.sources import SOURCE_KINDS, Source, SourceItem, open_source, register_source

__all__ = [
    "BuildConfig",
    "BuildResult",
    "Progress",
    "build_corpus",
    "process_item",
    "FILTER_REASONS",
    "DEFAULT_ALLOWED_IMPORTS",
    "CorpusRecord",
    "Case",
    "Bug",
    "read_corpus",
    "read_manifest",
    "validate_record",
    "Source",
    "SourceItem",
    "SOURCE_KINDS",
    "open_source",
    "register_source",
]
