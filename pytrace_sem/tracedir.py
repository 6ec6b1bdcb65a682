"""A trace directory: the JSONL shards and summary the pytest plugin writes, and reading them back.

    contents = read_dir("traces/")
    for rec in contents.records:            # TraceRecord, in the order they were written
        print(rec.test_id, rec.qualname, len(rec.trace.steps))
    contents.summary["totals"]["calls"]

Layout of a directory written by ``pytest --pytrace-sem=DIR``::

    traces.<worker>.jsonl    one JSON object per line; <worker> is "main" or an xdist id
    summary.<worker>.json    what one process traced, written when it finishes
    summary.json             all processes merged, written by the main process

A shard line is either a trace record (``"record": "trace"``, see
:class:`TraceRecord`) or a drop (``"record": "drop", "id": ...``): reservoir
sampling replaced an earlier record, which readers then leave out. Each line is
written with one ``write`` call on a file opened for appending, so a run killed
halfway leaves complete lines (at worst a last partial line, which readers skip
and count in ``damaged``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

from pytrace_sem.errors import TraceFormatError
from pytrace_sem.trace import Trace

__all__ = ["RECORD_FORMAT", "TraceRecord", "TraceDir", "ShardWriter", "read_dir", "merge_summaries",
           "shard_name", "summary_name", "SUMMARY"]

RECORD_FORMAT = 1
SUMMARY = "summary.json"


def shard_name(worker: str) -> str:
    """The file name of one process's shard."""
    return f"traces.{worker}.jsonl"


def summary_name(worker: str) -> str:
    """The file name of one process's summary part."""
    return f"summary.{worker}.json"


@dataclass(frozen=True, slots=True)
class TraceRecord:
    """One outermost call of a target function during a test, with its trace.

    ``test_id`` is the pytest node id; ``phase`` is ``setup``, ``call`` or
    ``teardown``. ``status`` is ``returned``, ``raised`` or ``suspended`` (a
    generator or coroutine the test left unfinished). Step lines of ``trace``
    count from the function's ``def`` line: file line = step line + ``first_line`` - 1.
    """

    id: str
    test_id: str
    phase: str
    module: str
    qualname: str
    file: str
    first_line: int
    status: str
    trace_json: Mapping[str, Any] = field(repr=False)

    @property
    def trace(self) -> Trace:
        return Trace.from_json(self.trace_json, where=f"trace record {self.id}")

    def to_json(self) -> dict:
        return {
            "record": "trace",
            "format": RECORD_FORMAT,
            "id": self.id,
            "test_id": self.test_id,
            "phase": self.phase,
            "module": self.module,
            "qualname": self.qualname,
            "file": self.file,
            "first_line": self.first_line,
            "status": self.status,
            "trace": dict(self.trace_json),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, where: str = "trace record") -> "TraceRecord":
        if data.get("format") != RECORD_FORMAT:
            raise TraceFormatError(
                f"{where}: record format is {data.get('format')!r}, this pytrace_sem reads format "
                f"{RECORD_FORMAT}; re-run the tests with a matching pytrace_sem"
            )
        try:
            texts = {key: data[key] for key in ("test_id", "phase", "module", "qualname", "file", "status")}
            wrong = [key for key, value in texts.items() if not isinstance(value, str)]
            if wrong:
                raise TypeError(f"{', '.join(wrong)} must be text")
            if not isinstance(data["trace"], Mapping):
                raise TypeError(f"trace must be an object, not {type(data['trace']).__name__}")
            if isinstance(data["first_line"], bool) or not isinstance(data["first_line"], int):
                raise TypeError("first_line must be an integer")
            return cls(id=str(data["id"]), first_line=data["first_line"], trace_json=data["trace"], **texts)
        except (KeyError, TypeError, ValueError) as exc:
            raise TraceFormatError(f"{where}: not a trace record ({type(exc).__name__}: {exc})") from None


class ShardWriter:
    """Appends one complete JSON line per record to a shard (no buffering of our own)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.lines = 0

    def write(self, obj: Mapping[str, Any]) -> None:
        data = (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8", "replace")
        view = memoryview(data)
        while view:
            n = os.write(self._fd, view)
            view = view[n:]
        self.lines += 1

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


@dataclass(frozen=True)
class TraceDir:
    """What :func:`read_dir` found: the kept records, the summary, and unreadable lines."""

    path: Path
    records: list[TraceRecord]
    summary: dict | None
    damaged: list[str]
    dropped: int


def _shards(path: Path) -> list[Path]:
    return sorted(path.glob("traces.*.jsonl"))


def read_dir(directory: str | os.PathLike) -> TraceDir:
    """Read every shard of a trace directory, leaving out records that later lines dropped."""
    path = Path(directory)
    if not path.is_dir():
        raise TraceFormatError(f"{path} is not a directory; pass the DIR given to pytest --pytrace-sem=DIR")
    shards = _shards(path)
    if not shards and not (path / SUMMARY).exists():
        raise TraceFormatError(f"{path} holds no traces (no traces.*.jsonl); run pytest --pytrace-sem={path} first")
    records: dict[str, TraceRecord] = {}
    damaged: list[str] = []
    dropped = 0
    for shard in shards:
        for lineno, line in _lines(shard):
            where = f"{shard.name}:{lineno}"
            try:
                data = json.loads(line)
            except json.JSONDecodeError:
                damaged.append(where)
                continue
            kind = data.get("record") if isinstance(data, dict) else None
            if kind == "trace":
                if data.get("format") != RECORD_FORMAT:
                    TraceRecord.from_json(data, where=where)  # raises, naming both format versions
                try:
                    rec = TraceRecord.from_json(data, where=where)
                except TraceFormatError:  # right format, broken fields: counted like a torn line
                    damaged.append(where)
                    continue
                records[rec.id] = rec
            elif kind == "drop":
                if records.pop(str(data.get("id")), None) is not None:
                    dropped += 1
            else:
                damaged.append(where)
    summary = None
    if (path / SUMMARY).exists():
        try:
            summary = json.loads((path / SUMMARY).read_text("utf-8"))
        except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise TraceFormatError(f"{path / SUMMARY}: unreadable ({exc})") from None
        if not isinstance(summary, dict):
            raise TraceFormatError(f"{path / SUMMARY}: not a summary (a JSON {type(summary).__name__}); "
                                   "re-run the tests with --pytrace-sem")
    return TraceDir(path=path, records=list(records.values()), summary=summary, damaged=damaged, dropped=dropped)


def _lines(shard: Path) -> Iterator[tuple[int, str]]:
    with open(shard, encoding="utf-8", errors="replace") as fh:
        for i, line in enumerate(fh, 1):
            if line.strip():
                yield i, line


def merge_summaries(parts: list[Mapping[str, Any]]) -> dict:
    """One summary from the per-process parts: counts add up, times add up (wall time is the longest)."""
    out: dict[str, Any] = {"format": RECORD_FORMAT, "workers": [], "targets": [], "limits": None,
                           "modules": {"instrumented": [], "already_imported": [], "in_place": [], "failed": {}},
                           "functions": {}, "totals": {}, "seconds": {}, "errors": []}
    totals: dict[str, int] = {}
    seconds: dict[str, float] = {}
    for part in parts:
        out["workers"].append(part.get("worker"))
        out["targets"] = sorted(set(out["targets"]) | set(part.get("targets", ())))
        out["limits"] = out["limits"] or part.get("limits")
        mods = part.get("modules", {})
        for key in ("instrumented", "already_imported", "in_place"):
            out["modules"][key] = sorted(set(out["modules"][key]) | set(mods.get(key, ())))
        out["modules"]["failed"].update(mods.get("failed", {}))
        for name, counts in part.get("functions", {}).items():
            into = out["functions"].setdefault(name, {})
            for k, v in counts.items():
                into[k] = into.get(k, 0) + v
        for k, v in part.get("totals", {}).items():
            totals[k] = totals.get(k, 0) + v
        for k, v in part.get("seconds", {}).items():
            seconds[k] = max(seconds.get(k, 0.0), v) if k == "session" else seconds.get(k, 0.0) + v
        out["errors"].extend(part.get("errors", ()))
    out["totals"] = totals
    out["totals"]["functions_traced"] = sum(1 for c in out["functions"].values() if c.get("kept", 0))
    out["seconds"] = {k: round(v, 3) for k, v in seconds.items()}
    out["errors"] = out["errors"][:20]
    return out
