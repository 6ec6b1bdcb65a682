"""Build a corpus folder from sources: filter, run every function in the sandbox, write shards.

Per function: parse -> static checks (entry point, imports on the allow-list) ->
dedupe and decontaminate -> in a sandbox worker: coverage-guided inputs, kept when
deterministic and literal -> a trace per input -> forward and backward monologues
checked against the trace -> PyX-R bugs -> re-run of every output under other hash
seeds -> description (docstring, the record's own, an optional hook, or derived).
Every function that does not make it is counted under one reason.

    from semcoder.corpus import BuildConfig, build_corpus
    result = build_corpus(["tests/data/cruxeval-dev"], "out/crux", config=BuildConfig(max_cases=3), workers=2)
    print(result.manifest["records"], result.manifest["dropped"])

The build is resumable: each finished function is appended to ``DIR/.build/journal.jsonl``
as it completes, and a build started again with the same sources and options
skips what the journal holds. Shards are written at the end, in source order, so
an interrupted and resumed build writes the same files as an uninterrupted one.
A function that fails (even by crashing its worker) costs only its own record.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
import sys
import time
import warnings
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from pytrace_sem.sandbox import BlockedTally
from semcoder.corpus.executors import ExecutorHandle, SandboxSettings, as_completed_bounded, open_executor, sandboxes
from semcoder.corpus.mutate import OPERATORS
from semcoder.corpus.records import (
    DATA_DIR,
    MANIFEST_NAME,
    RECORD_SCHEMA_VERSION,
    SHARD_FORMATS,
    CorpusRecord,
    ShardWriter,
)
from semcoder.corpus.sources import Source, SourceItem, open_source
from semcoder.corpus.worker import process_function, rerun_calls, try_mutant
from semcoder.errors import CorpusError

__all__ = [
    "BuildConfig",
    "Progress",
    "BuildResult",
    "FILTER_REASONS",
    "DEFAULT_ALLOWED_IMPORTS",
    "build_corpus",
    "process_item",
    "static_check",
]

#: Modules a function may import: pure, deterministic parts of the standard library.
DEFAULT_ALLOWED_IMPORTS: tuple[str, ...] = (
    "abc", "array", "bisect", "calendar", "cmath", "collections", "copy", "dataclasses", "decimal",
    "difflib", "enum", "fractions", "functools", "heapq", "itertools", "json", "math", "numbers",
    "operator", "re", "statistics", "string", "textwrap", "typing", "unicodedata",
)  # fmt: skip

#: Every reason a function can be dropped for, in the order a build checks them.
FILTER_REASONS: tuple[str, ...] = (
    "syntax_error",        # the code does not parse
    "no_function",         # the entry point is not a top-level def
    "needs_instance",      # a method that uses self/cls (or a property)
    "not_top_level",       # a nested function seen by the pytest plugin
    "no_parameters",       # nothing to give it as input
    "name_clash",          # a harvested method's name is taken by a module-level name it needs
    "import_not_allowed",  # imports a module outside the allow-list
    "duplicate",           # same normalised source as an earlier function
    "near_duplicate",      # token 5-gram Jaccard similarity to an earlier function above the threshold
    "contaminated",        # overlaps an evaluation set
    "source_error",        # running the module's top-level code fails
    "nondeterministic",    # outputs differ between calls or between hash seeds
    "non_literal_output",  # outputs are not Python literals
    "no_valid_input",      # every generated input was rejected (mostly: the call raised)
    "too_slow",            # calls or the whole function ran past their time limits
    "trace_too_long",      # every trace ran past max_trace_steps
    "trace_mismatch",      # the traced run disagreed with the plain run
    "monologue_check_failed",  # the checker found a wrong claim in a rendered monologue
    "blocked",             # the sandbox refused something the code tried
    "too_much_memory",     # the code ran out of memory in the sandbox
    "crashed",             # the sandbox worker died or the work itself failed
)  # fmt: skip

_SANDBOX_REASONS = {"timeout": "too_slow", "memory": "too_much_memory", "blocked": "blocked"}
_STATE_DIR = ".build"
_JOURNAL = "journal.jsonl"
_PLAN = "plan.json"
_DROPPED = "dropped.jsonl"


@dataclass(frozen=True, slots=True)
class BuildConfig:
    """The options of a build; all of them go into the manifest and the resume check.

    Inputs: ``max_cases`` traced inputs per function (from up to ``max_cases +
    spare_inputs`` generated ones), ``max_candidates`` Hypothesis examples,
    ``input_budget_seconds`` and ``call_timeout`` limits, ``seed``. Traces:
    ``max_trace_steps`` (a longer trace drops its input), ``trace_timeout``.
    Monologues: ``monologue_cap`` numbered steps (0: no cap). Bugs: up to
    ``max_bugs`` per function from ``max_mutant_tries`` mutants of
    ``mutation_operators``. Filters: ``allowed_imports``, ``dedupe`` with
    ``near_duplicate_threshold``, ``decontaminate`` (evaluation files) with
    ``contamination_ngram`` and ``contamination_threshold``. Runs: ``function_timeout``
    for one function's whole work, ``memory_mb`` per sandbox worker, ``recheck_seeds``
    (hash seeds under which every output is re-run), ``limit`` (first N functions
    that pass the filters; 0: all), ``shard_size`` records per shard.
    """

    seed: int = 0
    max_cases: int = 3
    spare_inputs: int = 2
    max_candidates: int = 100
    input_budget_seconds: float = 30.0
    call_timeout: float = 0.5
    max_trace_steps: int = 1000
    trace_timeout: float = 10.0
    monologue_cap: int = 60
    max_bugs: int = 1
    max_mutant_tries: int = 8
    mutation_operators: tuple[str, ...] = OPERATORS
    allowed_imports: tuple[str, ...] = DEFAULT_ALLOWED_IMPORTS
    dedupe: bool = True
    near_duplicate_threshold: float = 0.85
    decontaminate: tuple[str, ...] = ()
    contamination_ngram: int = 10
    contamination_threshold: float = 0.5
    function_timeout: float = 180.0
    memory_mb: int = 2048
    recheck_seeds: tuple[int, ...] = (1, 2)
    limit: int = 0
    shard_size: int = 1000

    def __post_init__(self) -> None:
        for name in ("max_cases", "max_candidates", "max_trace_steps", "shard_size", "memory_mb"):
            if getattr(self, name) < 1:
                raise CorpusError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ("spare_inputs", "monologue_cap", "max_bugs", "max_mutant_tries", "limit"):
            if getattr(self, name) < 0:
                raise CorpusError(f"{name} must be 0 or more, got {getattr(self, name)}")
        for name in ("input_budget_seconds", "call_timeout", "trace_timeout", "function_timeout"):
            if not getattr(self, name) > 0:
                raise CorpusError(f"{name} must be a positive number of seconds, got {getattr(self, name)}")
        unknown = [op for op in self.mutation_operators if op not in OPERATORS]
        if unknown:
            raise CorpusError(f"unknown mutation operator(s) {', '.join(unknown)}; known: {', '.join(OPERATORS)}")
        if not 0.0 < self.near_duplicate_threshold <= 1.0 or not 0.0 < self.contamination_threshold <= 1.0:
            raise CorpusError("near_duplicate_threshold and contamination_threshold must be in (0, 1]")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BuildConfig:
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise CorpusError(f"unknown build option(s) {', '.join(unknown)}; known: {', '.join(known)}")
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return cls(**values)

    def sandbox_settings(self) -> SandboxSettings:
        recheck = max(5.0, self.call_timeout * 4 * (self.max_cases + self.max_bugs) + 5.0)
        return SandboxSettings(timeout=self.function_timeout, memory_mb=self.memory_mb,
                               recheck_seeds=tuple(self.recheck_seeds), recheck_timeout=recheck)


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a build stands: functions done of the total, kept, dropped by reason, speed."""

    total: int
    done: int
    kept: int
    dropped: Mapping[str, int]
    traces: int
    seconds: float
    resumed: int = 0

    @property
    def functions_per_second(self) -> float:
        ran = self.done - self.resumed
        return ran / self.seconds if self.seconds > 0 else 0.0

    @property
    def traces_per_second(self) -> float:
        return self.traces / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        """``corpus: 120/300 functions | 3.1 functions/s, 9.4 traces/s | kept 110 | dropped 10: ...``"""
        reasons = ", ".join(f"{r} {n}" for r, n in sorted(self.dropped.items(), key=lambda kv: (-kv[1], kv[0])))
        dropped = sum(self.dropped.values())
        text = (f"corpus: {self.done}/{self.total} functions | {self.functions_per_second:.1f} functions/s, "
                f"{self.traces_per_second:.1f} traces/s | kept {self.kept} | dropped {dropped}")
        return text + (f": {reasons}" if reasons else "")


@dataclass(frozen=True, slots=True)
class BuildResult:
    """A finished build: its folder, manifest, and how long this run took (and how much it resumed)."""

    out: Path
    manifest: Mapping[str, Any]
    seconds: float
    resumed: int
    ran: int
    traces: int

    @property
    def functions_per_second(self) -> float:
        return self.ran / self.seconds if self.seconds > 0 else 0.0

    @property
    def traces_per_second(self) -> float:
        return self.traces / self.seconds if self.seconds > 0 else 0.0


# -- static checks -------------------------------------------------------------------------


def static_check(item: SourceItem, allowed_imports: Sequence[str]) -> tuple[str, str] | None:
    """(reason, message) when the function can be dropped without running it, else None."""
    if item.reject:
        return item.reject, item.description if item.reject == "syntax_error" else f"{item.id}: {item.reject}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes in user code only warn
            tree = ast.parse(item.code)
    except (SyntaxError, ValueError) as exc:
        return "syntax_error", f"line {getattr(exc, 'lineno', '?')}: {getattr(exc, 'msg', exc)}"
    if not any(isinstance(n, ast.FunctionDef) and n.name == item.entry_point for n in tree.body):
        return "no_function", f"the code defines no top-level function {item.entry_point!r}"
    allowed = set(allowed_imports)
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = ["." * node.level + (node.module or "")]
        for name in names:
            if name.split(".")[0] not in allowed:
                return "import_not_allowed", f"imports {name}, which is not on the allow-list"
    return None


# -- the unit of work --------------------------------------------------------------------------


def _dropped(item_id: str, reason: str, message: str) -> dict[str, Any]:
    return {"id": item_id, "status": "dropped", "reason": reason, "message": message, "case_drops": {},
            "traces": 0, "bug_tries": 0}


def _is_warm_up_refusal(error: str | None) -> bool:
    # A fresh worker's first Hypothesis run registers its PRNG and checks it with
    # gc.get_referrers, which the sandbox may refuse; the retry then runs clean.
    return bool(error) and "gc.get_referrers" in str(error)


def process_item(item_json: Mapping[str, Any], config_json: Mapping[str, Any]) -> dict[str, Any]:
    """Everything for one function, on whatever thread or process an executor runs it (JSON in, JSON out).

    The code runs only in this thread's sandbox workers (see
    :func:`semcoder.corpus.executors.sandboxes`). Kept outputs and bug outputs are
    re-run in fresh namespaces under each of ``recheck_seeds``; any difference
    drops the function as ``nondeterministic`` (or just that bug).
    """
    config = BuildConfig.from_json(config_json)
    item_id = str(item_json["id"])
    boxes = sandboxes(config.sandbox_settings())
    result = None
    for _attempt in range(2):
        result = boxes.main.run(process_function, dict(item_json), dict(config_json))
        if not (result.status == "blocked" and _is_warm_up_refusal(result.error)):
            break
    assert result is not None
    if result.status != "ok" or not isinstance(result.value, dict):
        reason = _SANDBOX_REASONS.get(result.status, "crashed")
        return _dropped(item_id, reason, f"the sandbox reported {result.status}: {result.error or ''}"[:300])
    answer: dict[str, Any] = result.value
    if answer.get("status") != "kept":
        return answer
    record = answer["record"]
    entry = record["entry_point"]
    _find_bugs(boxes, answer, config, config_json)
    jobs = [(record["code"], entry, case["input"]) for case in record["cases"]]
    jobs += [(bug["code"], entry, bug["input"]) for bug in record["bugs"]]
    expected = [case["output"] for case in record["cases"]] + [bug["actual"] for bug in record["bugs"]]
    seconds = config.call_timeout * 4
    bad_bugs: set[int] = set()
    for index in range(len(boxes.recheck)):
        rerun = boxes.run_recheck(index, rerun_calls, jobs, seconds)
        if rerun.status != "ok" or not isinstance(rerun.value, list):
            reason = _SANDBOX_REASONS.get(rerun.status, "crashed")
            return _dropped(item_id, reason, f"re-running the outputs: {rerun.status}: {rerun.error or ''}"[:300])
        for position, (got, want) in enumerate(zip(rerun.value, expected)):
            if got == want:
                continue
            if position < len(record["cases"]):
                seed = config.recheck_seeds[index]
                return _dropped(item_id, "nondeterministic",
                                f"input {record['cases'][position]['input'][:80]} gives {got[:80]} under hash seed "
                                f"{seed}, {want[:80]} under 0")
            bad_bugs.add(position - len(record["cases"]))
    if bad_bugs:
        record["bugs"] = [bug for i, bug in enumerate(record["bugs"]) if i not in bad_bugs]
    return answer


def _find_bugs(boxes: Any, answer: dict[str, Any], config: BuildConfig, config_json: Mapping[str, Any]) -> None:
    """Try the candidate mutants one sandbox task each until ``max_bugs`` of them fail on a kept input."""
    import zlib

    record = answer["record"]
    candidates = answer.pop("mutants", [])
    cases = [{"input": c["input"], "output": c["output"], "trace": c["trace"]} for c in record["cases"]]
    seed = (config.seed * 1_000_003 + zlib.crc32(record["id"].encode("utf-8", "surrogatepass"))) & 0x7FFFFFFF
    tries = failures = 0
    for mutant in candidates:
        if len(record["bugs"]) >= config.max_bugs:
            break
        tries += 1
        outcome = boxes.main.run(try_mutant, mutant, record["entry_point"], cases, dict(config_json), seed)
        if outcome.status != "ok":
            failures += 1  # the mutant crashed its worker (e.g. a loop that fills memory): skip it
        elif isinstance(outcome.value, dict):
            record["bugs"].append(outcome.value)
    answer["bug_tries"] = tries
    answer["bug_crashes"] = failures


# -- planning ---------------------------------------------------------------------------------


@dataclass
class _Plan:
    items: list[SourceItem]
    pre_dropped: dict[int, tuple[str, str]]  # index -> (reason, message)
    to_run: list[int]
    sources: list[dict[str, Any]]
    decontamination: dict[str, Any] | None
    fingerprint: str = ""


def _plan(sources: Sequence[Source], config: BuildConfig) -> _Plan:
    from semcoder.corpus.dedupe import Deduplicator

    items: list[SourceItem] = []
    described: list[dict[str, Any]] = []
    for source in sources:
        start = len(items)
        items.extend(source.items())
        described.append({**source.describe(), "functions": len(items) - start})
    if not items:
        raise CorpusError("the sources hold no functions; check the paths given with --source")
    seen_ids: set[str] = set()
    for item in items:
        if item.id in seen_ids:
            raise CorpusError(f"two functions share the id {item.id!r}: two sources have the same name; "
                              "rename a file or folder so that each source has its own")
        seen_ids.add(item.id)
    pre: dict[int, tuple[str, str]] = {}
    for index, item in enumerate(items):
        verdict = static_check(item, config.allowed_imports)
        if verdict is not None:
            pre[index] = verdict
    if config.dedupe:
        seen = Deduplicator(config.near_duplicate_threshold)
        for index, item in enumerate(items):
            if index in pre:
                continue
            dup = seen.add(item.id, item.code, item.entry_point)
            if dup is not None:
                pre[index] = (dup.reason, f"{dup.reason.replace('_', ' ')} of {dup.of} "
                                          f"(similarity {dup.similarity:.2f})")
    decontamination = None
    if config.decontaminate:
        from semcoder.corpus.decontaminate import Decontaminator

        guard = Decontaminator(config.decontaminate, n=config.contamination_ngram,
                               threshold=config.contamination_threshold)
        by_set: dict[str, int] = {}
        for index, item in enumerate(items):
            if index in pre:
                continue
            hit = guard.check(item.code)
            if hit is not None:
                pre[index] = ("contaminated", f"overlaps {hit.eval_set} ({hit.overlap:.0%} of its "
                                              f"{config.contamination_ngram}-grams)")
                by_set[hit.eval_set] = by_set.get(hit.eval_set, 0) + 1
        decontamination = {**guard.describe(), "dropped": sum(by_set.values()), "by_eval_set": dict(sorted(by_set.items()))}
    to_run = [i for i in range(len(items)) if i not in pre]
    if config.limit:
        for index in to_run[config.limit:]:
            pre[index] = ("over_limit", "")
        to_run = to_run[: config.limit]
    digest = hashlib.sha256()
    digest.update(json.dumps(config.to_json(), sort_keys=True).encode())
    for item in items:
        digest.update(json.dumps(item.to_json(), sort_keys=True).encode("utf-8", "surrogatepass"))
    return _Plan(items, pre, to_run, described, decontamination, digest.hexdigest()[:32])


# -- the journal ------------------------------------------------------------------------------


def _read_journal(path: Path) -> dict[int, dict[str, Any]]:
    """Entries by item index; a torn last line (the build was killed mid-write) is cut off."""
    done: dict[int, dict[str, Any]] = {}
    if not path.exists():
        return done
    good = 0
    with path.open("rb") as fh:
        data = fh.read()
    for raw in data.splitlines(keepends=True):
        if not raw.endswith(b"\n"):
            break
        try:
            entry = json.loads(raw)
            index, summary = int(entry["index"]), _summary(entry)
            if summary["status"] not in ("kept", "dropped") or (summary["status"] == "dropped"
                                                               and not isinstance(summary["reason"], str)):
                raise ValueError(summary["status"])
        except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
            break  # a damaged line: it and everything after it are redone
        done[index] = summary
        good += len(raw)
    if good != len(data):
        with path.open("r+b") as fh:
            fh.truncate(good)
    return done


def _summary(entry: Mapping[str, Any]) -> dict[str, Any]:
    # What the run keeps in memory: everything but the (large) record.
    record = entry.get("record") or {}
    return {"status": entry["status"], "reason": entry.get("reason"), "message": entry.get("message", ""),
            "case_drops": entry.get("case_drops", {}), "traces": entry.get("traces", 0),
            "cases": len(record.get("cases", ())), "bugs": len(record.get("bugs", ()))}


def _describe_with_hook(answer: dict[str, Any], describe: Callable[[str, str], str | None] | None) -> None:
    if describe is None or answer.get("status") != "kept":
        return
    record = answer["record"]
    if record["description_source"] != "derived":
        return
    try:
        text = describe(record["code"], record["entry_point"])
    except Exception as exc:  # noqa: BLE001 - a model call may fail; the derived description stays
        answer.setdefault("notes", []).append(f"description hook failed: {type(exc).__name__}: {exc}")
        return
    if isinstance(text, str) and text.strip():
        record["description"] = text.strip()
        record["description_source"] = "hook"


# -- the build ---------------------------------------------------------------------------------


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    import pytrace_sem

    out = {"record_schema": str(RECORD_SCHEMA_VERSION), "pytrace_sem": pytrace_sem.__version__,
           "python": f"{sys.version_info.major}.{sys.version_info.minor}"}
    for name in ("hypothesis", "coverage", "libcst"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover - all three are dependencies
            out[name] = "unknown"
    return out


def build_corpus(
    sources: Iterable[str | Source] | None = None,
    out: str | Path = "out/corpus",
    *,
    config: BuildConfig | None = None,
    executor: str | Any = "local",
    workers: int = 2,
    on_progress: Callable[[Progress], None] | None = None,
    describe: Callable[[str, str], str | None] | None = None,
    overwrite: bool = False,
    format: str = "jsonl",
) -> BuildResult:
    """Build (or resume, or just re-finish) a corpus folder; see the module docstring.

    ``sources`` are source specs or :class:`~semcoder.corpus.sources.Source` objects
    (default: the bundled set). ``executor`` is ``local``, ``dask``, ``dask://HOST:PORT``
    or a ``concurrent.futures.Executor``. ``describe(code, entry_point)`` may return a
    description for functions that have none (it runs in this process, e.g. to call a
    model). ``overwrite`` discards a build in ``out`` made with other sources or options
    (without it, that is an error). ``format`` is how the shards are written: ``jsonl``
    or ``parquet`` (needs pyarrow); it is not part of the resume check, so a finished
    build run again with another format only re-writes its shards.
    """
    started = time.monotonic()
    config = config or BuildConfig()
    if format not in SHARD_FORMATS:
        raise CorpusError(f"unknown shard format {format!r}; choose one of {', '.join(SHARD_FORMATS)}")
    if format == "parquet":
        from semcoder.corpus.hf import arrow_schema
        from semcoder.corpus.records import RECORD_COLUMNS

        arrow_schema(RECORD_COLUMNS)  # no pyarrow: say so before any work
    opened = [open_source(s) for s in (list(sources) if sources is not None else ["bundled"])] or [open_source("bundled")]
    out = Path(out)
    _refuse_overlap(out, opened)
    plan = _plan(opened, config)
    try:
        with _OutputLock(out):
            return _build(plan, config, out, started, executor, workers, on_progress, describe, overwrite,
                          format)
    except OSError as exc:  # a write failed: say which path and why, never a traceback
        where = exc.filename if exc.filename is not None else out
        raise CorpusError(f"cannot write {where}: {exc.strerror or exc}") from None


#: What a build writes into its folder, and all that --overwrite removes (the card only when it is the build's).
_BUILD_OUTPUTS = (_STATE_DIR, DATA_DIR, MANIFEST_NAME, _DROPPED, _DROPPED + ".tmp", MANIFEST_NAME + ".tmp",
                  "README.md.tmp")
_LOCK = ".semcoder-build.lock"


def _source_path(source: Source) -> Path | None:
    if getattr(source, "kind", None) == "bundled":
        from semcoder.corpus.sources import BUNDLED_DATA

        return BUNDLED_DATA
    path = source.describe().get("path")
    return Path(path) if path else None


def _refuse_overlap(out: Path, sources: Sequence[Source]) -> None:
    """An output folder may not be, hold, or lie inside an input (a rebuild would delete or re-read it)."""
    if out.exists() and not out.is_dir():
        raise CorpusError(f"--out {out} is a file, not a folder; give a folder for the corpus")
    target = out.resolve()
    for source in sources:
        path = _source_path(source)
        if path is None or not path.exists():
            continue
        inputs = path.resolve()
        if inputs == target or target in inputs.parents or inputs in target.parents:
            raise CorpusError(f"--out {out} overlaps the input {path}: the build would overwrite or re-read "
                              f"what it reads; choose a folder outside it")


class _OutputLock:
    """One build at a time per output folder (an flock, released when the process ends)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.fd = -1

    def __enter__(self) -> _OutputLock:
        import fcntl

        self.out.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.out / _LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise CorpusError(f"another build is writing to {self.out} right now; wait for it to finish "
                              "or choose another --out") from None
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            os.unlink(self.out / _LOCK)
        except OSError:
            pass
        os.close(self.fd)


def _clear_previous(out: Path, fingerprint: str, overwrite: bool) -> None:
    """Make ``out`` ready for this build: resume one with the same plan, or replace an earlier build's files."""
    present = [e for e in out.iterdir() if e.name != _LOCK]
    if not present:
        return
    plan_file = out / _STATE_DIR / _PLAN
    previous = None
    if plan_file.exists():
        try:
            previous = json.loads(plan_file.read_text("utf-8")).get("fingerprint")
        except (OSError, json.JSONDecodeError, AttributeError):
            previous = None
    if previous == fingerprint:
        return
    if previous is None:
        raise CorpusError(f"{out} holds files that are not a corpus build; choose another --out "
                          "(--overwrite replaces only an earlier corpus build, nothing else)")
    if not overwrite:
        raise CorpusError(f"{out} holds a build with other sources or options; choose another --out, "
                          "or pass --overwrite to replace it")
    from semcoder.corpus.hf import CARD_NAME, is_generated_card

    card = (CARD_NAME,) if is_generated_card(out / CARD_NAME) else ()
    for name in _BUILD_OUTPUTS + card:  # what a build wrote; anything else in the folder stays
        path = out / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


def _build(plan: _Plan, config: BuildConfig, out: Path, started: float, executor: str | Any, workers: int,
           on_progress: Callable[[Progress], None] | None, describe: Callable[[str, str], str | None] | None,
           overwrite: bool, shard_format: str) -> BuildResult:
    state = out / _STATE_DIR
    plan_file = state / _PLAN
    _clear_previous(out, plan.fingerprint, overwrite)
    state.mkdir(parents=True, exist_ok=True)
    if not plan_file.exists():
        plan_file.write_text(json.dumps({"fingerprint": plan.fingerprint, "functions": len(plan.items),
                                         "config": config.to_json()}, indent=2) + "\n", "utf-8")
    journal = state / _JOURNAL
    journal.touch()
    # A function whose worker died ("crashed") may have died for another's doing: retried.
    done = {i: d for i, d in _read_journal(journal).items() if d.get("reason") != "crashed"}
    resumed = sum(1 for i in plan.to_run if i in done)
    counts: dict[str, int] = {}
    for reason, _ in plan.pre_dropped.values():
        if reason != "over_limit":
            counts[reason] = counts.get(reason, 0) + 1
    kept = 0
    for i in plan.to_run:
        if i in done:
            if done[i]["status"] == "kept":
                kept += 1
            else:
                counts[done[i]["reason"]] = counts.get(done[i]["reason"], 0) + 1
    total = len(plan.items) - sum(1 for r, _ in plan.pre_dropped.values() if r == "over_limit")
    traces = 0
    progress_done = total - len(plan.to_run) + resumed

    def report() -> None:
        if on_progress is not None:
            on_progress(Progress(total, progress_done, kept, dict(counts), traces, time.monotonic() - started,
                                 resumed=total - len(plan.to_run) + resumed))

    report()
    pending = [i for i in plan.to_run if i not in done]
    if pending:
        config_json = config.to_json()
        jobs = ((i, (plan.items[i].to_json(), config_json)) for i in pending)
        handle: ExecutorHandle = open_executor(executor, workers)
        try:
            with journal.open("a", encoding="utf-8") as fh:
                for index, answer in as_completed_bounded(handle, process_item, jobs):
                    if isinstance(answer, BaseException):
                        answer = _dropped(plan.items[index].id, "crashed",
                                          f"the work failed: {type(answer).__name__}: {answer}"[:300])
                    _describe_with_hook(answer, describe)
                    answer["index"] = index
                    fh.write(json.dumps(answer, ensure_ascii=False, separators=(",", ":")) + "\n")
                    fh.flush()
                    summary = _summary(answer)
                    done[index] = summary
                    traces += int(summary["traces"])
                    progress_done += 1
                    if summary["status"] == "kept":
                        kept += 1
                    else:
                        counts[summary["reason"]] = counts.get(summary["reason"], 0) + 1
                    report()
        finally:
            handle.close()
    manifest = _finish(out, plan, config, done, journal, shard_format)
    ran = len(pending)
    return BuildResult(out=out, manifest=manifest, seconds=time.monotonic() - started, resumed=resumed, ran=ran,
                       traces=traces)


def _journal_records(journal: Path, wanted: set[int]) -> dict[int, tuple[int, int]]:
    """Byte ranges of the kept records' journal lines (the last one per index wins)."""
    where: dict[int, tuple[int, int]] = {}
    offset = 0
    with journal.open("rb") as fh:
        for raw in fh:
            if raw.endswith(b"\n"):
                head = json.loads(raw)
                index = int(head["index"])
                if index in wanted:
                    where[index] = (offset, len(raw))
            offset += len(raw)
    return where


def _finish(out: Path, plan: _Plan, config: BuildConfig, done: Mapping[int, Mapping[str, Any]],
            journal: Path, shard_format: str = "jsonl") -> dict[str, Any]:
    """Write the shards, the dropped list, the manifest and the card, in source order (so resumes are invisible)."""
    from semcoder.corpus.hf import corpus_card, write_card

    kept_indices = [i for i in plan.to_run if done[i]["status"] == "kept"]
    where = _journal_records(journal, set(kept_indices)) if kept_indices else {}
    data_dir = out / DATA_DIR
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    cases = bugs = 0
    by_source: dict[str, int] = {}
    descriptions: dict[str, int] = {}
    operators: dict[str, int] = {}
    with journal.open("rb") as jf, ShardWriter(out, format=shard_format, shard_size=config.shard_size) as writer:
        for index in kept_indices:
            offset, length = where[index]
            jf.seek(offset)
            entry = json.loads(jf.read(length))
            # The journal holds the worker's answer: the trace as pytrace_sem writes it.
            record = CorpusRecord.from_json({"schema_version": RECORD_SCHEMA_VERSION, **entry["record"]},
                                            where=f"{journal} (function {plan.items[index].id})")
            writer.add(record)
            cases += len(record.cases)
            bugs += len(record.bugs)
            by_source[record.source] = by_source.get(record.source, 0) + 1
            descriptions[record.description_source] = descriptions.get(record.description_source, 0) + 1
            for bug in record.bugs:
                operators[bug.operator] = operators.get(bug.operator, 0) + 1
    shards = writer.shards
    dropped: dict[str, int] = {}
    case_drops: dict[str, int] = {}
    with (out / (_DROPPED + ".tmp")).open("w", encoding="utf-8") as fh:
        for index, item in enumerate(plan.items):
            if index in plan.pre_dropped:
                reason, message = plan.pre_dropped[index]
                if reason == "over_limit":
                    continue
            elif done[index]["status"] != "kept":
                reason, message = done[index]["reason"], done[index]["message"]
            else:
                for r, n in done[index]["case_drops"].items():
                    case_drops[r] = case_drops.get(r, 0) + n
                continue
            dropped[reason] = dropped.get(reason, 0) + 1
            fh.write(json.dumps({"id": item.id, "source": item.source, "reason": reason, "message": message},
                                ensure_ascii=False) + "\n")
    os.replace(out / (_DROPPED + ".tmp"), out / _DROPPED)
    # Most functions refused one and the same operation: the environment, not the code.
    tally = BlockedTally()
    for index in plan.to_run:
        tally.add("blocked" if done[index].get("reason") == "blocked" else "other", done[index].get("message"))
    sources = []
    for described in plan.sources:
        sources.append({**described, "kept": by_source.get(described["name"], 0)})
    order = {r: i for i, r in enumerate(FILTER_REASONS)}
    manifest = {
        "schema_version": RECORD_SCHEMA_VERSION,
        "kind": "semcoder-corpus",
        "records": len(kept_indices),
        "cases": cases,
        "bugs": bugs,
        "functions": {"seen": len(plan.items), "processed": len(plan.to_run), "kept": len(kept_indices),
                      "dropped": sum(dropped.values())},
        "dropped": dict(sorted(dropped.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))),
        "case_drops": dict(sorted(case_drops.items())),
        "blocked_by_operation": dict(sorted(tally.events.items(), key=lambda kv: (-kv[1], kv[0]))),
        "environment_warning": tally.warning(),
        "descriptions": dict(sorted(descriptions.items())),
        "bug_operators": dict(sorted(operators.items())),
        "sources": sources,
        "decontamination": plan.decontamination,
        "seed": config.seed,
        "config": config.to_json(),
        "versions": _versions(),
        "format": shard_format,
        "shards": shards,
        "dropped_list": _DROPPED,
    }
    tmp = out / (MANIFEST_NAME + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")
    os.replace(tmp, out / MANIFEST_NAME)
    # A README.md of the user's own stays; the card is then missing and load_dataset needs data_files.
    write_card(out, corpus_card(manifest))
    return manifest

