"""The corpus record: one executable function with its description, traced cases and injected bugs.

A corpus folder holds shards of these records (``data/records-00000.jsonl``, or
``.parquet``), a ``manifest.json`` and a dataset card (``README.md``), so that
``datasets.load_dataset("DIR")`` reads the shards (see :mod:`semcoder.corpus.hf`).
Reading them back here::

    from semcoder.corpus.records import read_corpus
    for record in read_corpus("out/corpus"):
        case = record.cases[0]
        print(record.entry_point, case.input, "->", case.output)

``docs/corpus.md`` shows a full record; ``schema/record.schema.json`` (package
data) is its JSON Schema.

On disk (record schema version 2) every record has the same shape whatever its
program, so that Arrow and ``datasets`` see one schema: a case's ``trace`` keeps the
fields of the pytrace_sem trace, but the maps keyed by variable names (``args``, a
step's ``changes``) are lists of ``{"name", "value"}``, and every value object (whose
own shape varies: ``items``, ``entries``, ``attrs``) is its JSON text. In memory,
``Case.trace`` is always the plain pytrace_sem trace JSON; version 1 records (the
trace as pytrace_sem writes it) still read.
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
    "READABLE_SCHEMA_VERSIONS",
    "MANIFEST_NAME",
    "DATA_DIR",
    "SHARD_FORMATS",
    "RECORD_COLUMNS",
    "Case",
    "Bug",
    "CorpusRecord",
    "record_schema",
    "validate_record",
    "flat_trace",
    "nested_trace",
    "shard_paths",
    "read_corpus",
    "ShardWriter",
    "read_manifest",
]

RECORD_SCHEMA_VERSION = 2

#: Record versions this semcoder reads: 1 wrote the trace as pytrace_sem does (maps keyed by variable name).
READABLE_SCHEMA_VERSIONS: tuple[int, ...] = (1, 2)

#: File name of a corpus folder's manifest (counts, filters, seeds, versions).
MANIFEST_NAME = "manifest.json"

#: Sub-folder of a corpus folder that holds the record shards.
DATA_DIR = "data"

#: How shards can be written: JSON lines, or Parquet (needs pyarrow).
SHARD_FORMATS: tuple[str, ...] = ("jsonl", "parquet")

_NAMED_VALUES = [{"name": "string", "value": "string"}]
_EXCEPTION = {"type": "string", "message": "string"}
_TRACE_COLUMNS: dict[str, Any] = {
    "schema_version": "int64", "source": "string", "function": "string", "call": "string", "args": _NAMED_VALUES,
    "steps": [{"index": "int64", "line": "int64", "depth": "int64", "function": "string", "event": "string",
               "changes": _NAMED_VALUES, "deleted": ["string"], "outcome": "bool", "value": "string",
               "exception": _EXCEPTION}],
    "return": "string", "exception": _EXCEPTION, "truncated": "bool",
    "stopped": {"reason": "string", "after_step": "int64", "line": "int64"},
    "untraced": [{"line": "int64", "construct": "string"}], "repr_policy": "string",
}  # fmt: skip

#: The stored record's columns and their types, the same for every record (record schema version 2):
#: a type name (``string``, ``int64``, ``float64``, ``bool``; every one may be null), ``[type]`` a list,
#: ``{field: type}`` a struct. Arrow schemas and ``datasets.Features`` are made from it (``corpus/hf.py``).
RECORD_COLUMNS: dict[str, Any] = {
    "schema_version": "int64", "id": "string", "source": "string", "origin": "string", "code": "string",
    "entry_point": "string", "description": "string", "description_source": "string", "coverage": "float64",
    "cases": [{"input": "string", "output": "string", "trace": _TRACE_COLUMNS, "forward": "string",
               "backward": "string"}],
    "bugs": [{"operator": "string", "code": "string", "line": "int64", "change": "string", "input": "string",
              "expected": "string", "actual": "string", "debug": "string"}],
}  # fmt: skip


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
        """The case as a record stores it: the trace in the fixed layout of :func:`flat_trace`."""
        return {
            "input": self.input,
            "output": self.output,
            "trace": flat_trace(self.trace),
            "forward": self.forward,
            "backward": self.backward,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Case:
        """A case from either record layout (version 2's fixed trace, or version 1's pytrace_sem trace)."""
        return cls(
            input=data["input"],
            output=data["output"],
            trace=nested_trace(data["trace"]),
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
        """A record from its JSON in any readable version; it writes itself back in the current one."""
        version = data.get("schema_version") if isinstance(data, Mapping) else None
        if version not in READABLE_SCHEMA_VERSIONS:
            raise CorpusError(
                f"{where}: corpus record schema_version is {version!r}, this semcoder reads "
                f"{', '.join(map(str, READABLE_SCHEMA_VERSIONS))}; rebuild the corpus with `semcoder corpus build`"
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
            )
        except (KeyError, TypeError, ValueError) as exc:
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


# -- the fixed trace layout (record version 2) ------------------------------------------------

_TRACE_KEYS = frozenset({"schema_version", "source", "function", "call", "args", "steps", "return", "exception",
                         "truncated", "stopped", "untraced", "repr_policy"})
_STEP_KEYS = frozenset({"index", "line", "depth", "function", "event", "changes", "deleted", "outcome", "value",
                        "exception"})


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _pairs(mapping: Mapping[str, Any]) -> list[dict[str, str]]:
    return [{"name": name, "value": _text(value)} for name, value in mapping.items()]


def _unknown(data: Mapping[str, Any], known: frozenset[str], what: str) -> None:
    extra = set(data) - known
    if extra:
        raise CorpusError(f"the {what} has field(s) {', '.join(sorted(extra))} that record schema version "
                          f"{RECORD_SCHEMA_VERSION} has no place for; update semcoder to match pytrace_sem")


def flat_trace(trace: Mapping[str, Any]) -> dict[str, Any]:
    """A pytrace_sem trace JSON in the record's fixed layout (a trace already in it is returned as is).

    ``args`` and each step's ``changes`` become ``[{"name", "value"}]`` in their order;
    every value object (``args``, ``changes``, a step's ``value``, ``return``) is its
    compact JSON text. Optional step fields are always present (``deleted`` ``[]``,
    ``outcome``/``value``/``exception`` ``null``) and ``repr_policy`` is always named.
    :func:`nested_trace` inverts it exactly.
    """
    if not isinstance(trace.get("args"), Mapping):
        return dict(trace)
    _unknown(trace, _TRACE_KEYS, "trace")
    steps = []
    for step in trace["steps"]:
        _unknown(step, _STEP_KEYS, "trace step")
        value = step.get("value")
        steps.append({
            "index": step["index"], "line": step["line"], "depth": step["depth"], "function": step["function"],
            "event": step["event"], "changes": _pairs(step["changes"]), "deleted": list(step.get("deleted", ())),
            "outcome": step.get("outcome"), "value": None if value is None else _text(value),
            "exception": step.get("exception"),
        })
    returned = trace["return"]
    return {
        "schema_version": trace["schema_version"],
        "source": trace["source"],
        "function": trace["function"],
        "call": trace["call"],
        "args": _pairs(trace["args"]),
        "steps": steps,
        "return": None if returned is None else _text(returned),
        "exception": trace["exception"],
        "truncated": trace["truncated"],
        "stopped": trace.get("stopped"),
        "untraced": [dict(u) for u in trace.get("untraced", ())],
        "repr_policy": trace.get("repr_policy", "builtin"),
    }


def nested_trace(data: Mapping[str, Any]) -> dict[str, Any]:
    """The pytrace_sem trace JSON of a record's trace in either layout (see :func:`flat_trace`)."""
    if isinstance(data.get("args"), Mapping):
        return dict(data)
    steps = []
    for flat in data["steps"]:
        step: dict[str, Any] = {
            "index": flat["index"], "line": flat["line"], "depth": flat["depth"], "function": flat["function"],
            "event": flat["event"], "changes": {p["name"]: json.loads(p["value"]) for p in flat["changes"]},
        }
        if flat.get("deleted"):
            step["deleted"] = list(flat["deleted"])
        for name in ("outcome", "value", "exception"):
            if flat.get(name) is not None:
                step[name] = json.loads(flat[name]) if name == "value" else flat[name]
        steps.append(step)
    returned = data["return"]
    out: dict[str, Any] = {
        "schema_version": data["schema_version"],
        "source": data["source"],
        "function": data["function"],
        "call": data["call"],
        "args": {p["name"]: json.loads(p["value"]) for p in data["args"]},
        "steps": steps,
        "return": None if returned is None else json.loads(returned),
        "exception": data["exception"],
        "truncated": data["truncated"],
        "stopped": data.get("stopped"),
        "untraced": [dict(u) for u in data.get("untraced") or ()],
    }
    if data.get("repr_policy") not in (None, "builtin"):
        out["repr_policy"] = data["repr_policy"]
    return out


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
    if data.get("schema_version") not in READABLE_SCHEMA_VERSIONS:
        raise CorpusError(
            f"{file}: schema_version is {data.get('schema_version')!r}, this semcoder reads "
            f"{', '.join(map(str, READABLE_SCHEMA_VERSIONS))}; rebuild the corpus with `semcoder corpus build`"
        )
    return data


def shard_paths(path: str | Path) -> list[Path]:
    """The record shards of a finished corpus folder, in order."""
    folder = _corpus_dir(path)
    return [folder / name for name in read_manifest(folder)["shards"]]


def _jsonl_rows(shard: Path) -> Iterator[tuple[str, Any]]:
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
                yield where, json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{where}: not a JSON line ({exc.msg})") from None


def _parquet_rows(shard: Path) -> Iterator[tuple[str, Any]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise CorpusError(f"{shard} is a Parquet shard, and reading it needs pyarrow: "
                          "pip install pyarrow (or the train extra, which brings it with datasets)") from None
    try:
        table = pq.ParquetFile(shard)
        row = 0
        for batch in table.iter_batches(batch_size=256):
            for data in batch.to_pylist():
                row += 1
                yield f"{shard} row {row}", data
    except OSError as exc:  # pyarrow's ArrowInvalid (a damaged file) is a ValueError; OSError covers the rest
        raise CorpusError(f"cannot read shard {shard}: {exc}") from None
    except ValueError as exc:
        raise CorpusError(f"{shard}: not a readable Parquet file ({exc})") from None


def read_corpus(path: str | Path) -> Iterator[CorpusRecord]:
    """Every record of a finished corpus folder, in build order (one shard in memory at a time).

    Shards are JSON lines (``.jsonl``) or Parquet (``.parquet``, needs pyarrow).
    Records are matched by id downstream (held-out splits, training rows), so an id
    that comes twice is an error naming both places.
    """
    seen: dict[str, str] = {}
    for shard in shard_paths(path):
        rows = _parquet_rows(shard) if shard.suffix == ".parquet" else _jsonl_rows(shard)
        for where, data in rows:
            record = CorpusRecord.from_json(data, where=where)
            if record.id in seen:
                raise CorpusError(f"{where}: id {record.id!r} is already used at {seen[record.id]}; "
                                  "rebuild the corpus")
            seen[record.id] = where
            yield record


class ShardWriter:
    """Writes records into ``DATA_DIR/records-00000.jsonl`` (or ``.parquet``) ..., ``shard_size`` to a shard.

        with ShardWriter(out, format="parquet") as writer:
            for record in records:
                writer.add(record)
        manifest["shards"] = writer.shards
    """

    def __init__(self, folder: str | Path, *, format: str = "jsonl", shard_size: int = 1000) -> None:
        if format not in SHARD_FORMATS:
            raise CorpusError(f"unknown shard format {format!r}; choose one of {', '.join(SHARD_FORMATS)}")
        if shard_size < 1:
            raise CorpusError(f"shard_size must be at least 1, got {shard_size}")
        self.folder = Path(folder)
        self.format = format
        self.shard_size = shard_size
        self.shards: list[str] = []
        self._count = 0
        self._fh: Any = None
        self._rows: list[dict[str, Any]] = []
        self._schema: Any = None
        if format == "parquet":
            from semcoder.corpus.hf import arrow_schema

            self._schema = arrow_schema(RECORD_COLUMNS)  # fails here, before any work, without pyarrow

    def add(self, record: CorpusRecord) -> None:
        if self._count % self.shard_size == 0:
            self._flush()
            name = f"{DATA_DIR}/records-{len(self.shards):05d}.{self.format}"
            self.shards.append(name)
            if self.format == "jsonl":
                self._fh = (self.folder / name).open("w", encoding="utf-8")
        if self._fh is not None:
            self._fh.write(record.dumps() + "\n")
        else:
            self._rows.append(record.to_json())
        self._count += 1

    def _flush(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if self._rows:
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.Table.from_pylist(self._rows, schema=self._schema), self.folder / self.shards[-1])
            self._rows = []

    def close(self) -> list[str]:
        """Finish the last shard; the shard names, relative to the folder."""
        self._flush()
        return self.shards

    def __enter__(self) -> ShardWriter:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.close()
        elif self._fh is not None:
            self._fh.close()
