"""The corpus record: one executable function with its description, traced cases and injected bugs.

A corpus folder holds JSONL shards of these records (``data/records-00000.jsonl`` ...)
and a ``manifest.json``; ``datasets.load_dataset("json", data_files="DIR/data/*.jsonl")``
reads the shards. Reading them back here::

    from semcoder.corpus.records import read_corpus
    for record in read_corpus("out/corpus"):
        case = record.cases[0]
        print(record.entry_point, case.input, "->", case.output)

``docs/corpus.md`` shows a full record; ``schema/record.schema.json`` (package
data) is its JSON Schema.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Iterator, Mapping

from semcoder.errors import CorpusError

__all__ = [
    "RECORD_SCHEMA_VERSION",
    "MANIFEST_NAME",
    "DATA_DIR",
    "Case",
    "Bug",
    "CorpusRecord",
    "record_schema",
    "validate_record",
    "shard_paths",
    "read_corpus",
    "read_manifest",
]

RECORD_SCHEMA_VERSION = 1

#: File name of a corpus folder's manifest (counts, filters, seeds, versions).
MANIFEST_NAME = "manifest.json"

#: Sub-folder of a corpus folder that holds the record shards.
DATA_DIR = "data"


@dataclass(frozen=True, slots=True)
class Case:
    """One input of a function: the call's argument string, the output's repr, its trace and monologues.

    ``trace`` is the trace JSON (``pytrace_sem.Trace.to_json()``); ``forward`` and
    ``backward`` are the full renderings of ``pytrace_sem.narrate`` (monologue and
    answer), both checked claim by claim against ``trace``.
    """

    input: str
    output: str
    trace: Mapping[str, Any]
    forward: str
    backward: str

    def to_json(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "output": self.output,
            "trace": dict(self.trace),
            "forward": self.forward,
            "backward": self.backward,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Case:
        return cls(
            input=data["input"],
            output=data["output"],
            trace=data["trace"],
            forward=data["forward"],
            backward=data["backward"],
        )


@dataclass(frozen=True, slots=True)
class Bug:
    """An injected bug (PyX-R): the mutated code, a kept input it fails on, and the debugging narrative.

    ``expected`` is the correct output's repr; ``actual`` is what the buggy code
    returns (its repr) or raises (``"raises ValueError: ..."``). ``debug`` is the
    narrative of ``pytrace_sem.narrate_debug``, ending with the fixed code between
    ``[Refined]`` and ``[/Refined]``.
    """

    operator: str
    code: str
    line: int
    change: str
    input: str
    expected: str
    actual: str
    debug: str

    def to_json(self) -> dict[str, Any]:
        return {
            "operator": self.operator,
            "code": self.code,
            "line": self.line,
            "change": self.change,
            "input": self.input,
            "expected": self.expected,
            "actual": self.actual,
            "debug": self.debug,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Bug:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


@dataclass(frozen=True, slots=True)
class CorpusRecord:
    """One kept function.

    ``description_source`` says where ``description`` came from: ``docstring``,
    ``record`` (the input record's own), ``hook`` (a model called by the build) or
    ``derived`` (the structural summary pytrace_sem writes from the code and a trace).
    ``coverage`` is the branch coverage the cases reach (line coverage for a
    function without branches).
    """

    id: str
    source: str
    code: str
    entry_point: str
    description: str
    description_source: str
    cases: tuple[Case, ...]
    bugs: tuple[Bug, ...] = ()
    coverage: float | None = None
    origin: str = ""
    schema_version: int = RECORD_SCHEMA_VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "id": self.id,
            "source": self.source,
            "origin": self.origin,
            "code": self.code,
            "entry_point": self.entry_point,
            "description": self.description,
            "description_source": self.description_source,
            "coverage": self.coverage,
            "cases": [c.to_json() for c in self.cases],
            "bugs": [b.to_json() for b in self.bugs],
        }

    def dumps(self) -> str:
        """One JSON line (no newline), byte-identical for identical records."""
        return json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, where: str = "record") -> CorpusRecord:
        version = data.get("schema_version") if isinstance(data, Mapping) else None
        if version != RECORD_SCHEMA_VERSION:
            raise CorpusError(
                f"{where}: corpus record schema_version is {version!r}, this semcoder reads "
                f"{RECORD_SCHEMA_VERSION}; rebuild the corpus with `semcoder corpus build`"
            )
        try:
            return cls(
                id=data["id"],
                source=data["source"],
                origin=data.get("origin", ""),
                code=data["code"],
                entry_point=data["entry_point"],
                description=data["description"],
                description_source=data["description_source"],
                coverage=data.get("coverage"),
                cases=tuple(Case.from_json(c) for c in data["cases"]),
                bugs=tuple(Bug.from_json(b) for b in data.get("bugs", ())),
                schema_version=version,
            )
        except (KeyError, TypeError) as exc:
            raise CorpusError(f"{where}: not a corpus record ({type(exc).__name__}: {exc})") from None


_schema_cache: dict[str, Any] | None = None


def record_schema() -> dict[str, Any]:
    """The JSON Schema of a record (package data ``corpus/schema/record.schema.json``)."""
    global _schema_cache
    if _schema_cache is None:
        text = resources.files("semcoder").joinpath("corpus/schema/record.schema.json").read_text("utf-8")
        _schema_cache = json.loads(text)
    return _schema_cache


def validate_record(data: Mapping[str, Any]) -> None:
    """Validate record JSON against the schema; needs the ``jsonschema`` package."""
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - optional dependency
        raise CorpusError("validating records needs the jsonschema package: pip install jsonschema") from None
    try:
        jsonschema.validate(data, record_schema())
    except jsonschema.ValidationError as exc:
        path = "/".join(str(p) for p in exc.absolute_path)
        raise CorpusError(f"record does not match the schema at /{path}: {exc.message}") from None


def _corpus_dir(path: str | Path) -> Path:
    folder = Path(path)
    if not (folder / MANIFEST_NAME).is_file():
        if (folder / ".build").is_dir():
            raise CorpusError(f"{folder} holds an unfinished build; run `semcoder corpus build` again to finish it")
        raise CorpusError(f"{folder} is not a corpus folder (no {MANIFEST_NAME}); build one with `semcoder corpus build`")
    return folder


def read_manifest(path: str | Path) -> dict[str, Any]:
    """The manifest of a finished corpus folder."""
    file = _corpus_dir(path) / MANIFEST_NAME
    try:
        data = json.loads(file.read_text("utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CorpusError(f"cannot read {file}: {exc}") from None
    if not isinstance(data, dict):
        raise CorpusError(f"{file} is not a corpus manifest (a JSON {type(data).__name__}, not an object); "
                          "rebuild the corpus with `semcoder corpus build`")
    shards = data.get("shards")
    if not isinstance(shards, list) or not all(isinstance(s, str) for s in shards):
        raise CorpusError(f"{file} names no list of shards; rebuild the corpus with `semcoder corpus build`")
    if data.get("schema_version") != RECORD_SCHEMA_VERSION:
        raise CorpusError(
            f"{file}: schema_version is {data.get('schema_version')!r}, this semcoder reads "
            f"{RECORD_SCHEMA_VERSION}; rebuild the corpus with `semcoder corpus build`"
        )
    return data


def shard_paths(path: str | Path) -> list[Path]:
    """The record shards of a finished corpus folder, in order."""
    folder = _corpus_dir(path)
    return [folder / name for name in read_manifest(folder)["shards"]]


def read_corpus(path: str | Path) -> Iterator[CorpusRecord]:
    """Every record of a finished corpus folder, in build order (one shard in memory at a time).

    Records are matched by id downstream (held-out splits, training rows), so an id
    that comes twice is an error naming both places.
    """
    seen: dict[str, str] = {}
    for shard in shard_paths(path):
        try:
            fh = shard.open("rb")
        except OSError as exc:
            raise CorpusError(f"cannot read shard {shard}: {exc.strerror or exc}") from None
        with fh:
            for lineno, raw in enumerate(fh, 1):
                where = f"{shard}:{lineno}"
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise CorpusError(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
                if not line.strip():
                    continue
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise CorpusError(f"{where}: not a JSON line ({exc.msg})") from None
                record = CorpusRecord.from_json(data, where=where)
                if record.id in seen:
                    raise CorpusError(f"{where}: id {record.id!r} is already used at {seen[record.id]}; "
                                      "rebuild the corpus")
                seen[record.id] = where
                yield record

