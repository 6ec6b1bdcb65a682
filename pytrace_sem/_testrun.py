"""Recording traces while a test suite runs: the machinery behind the pytest plugin.

    rec = RunRecorder(Path("traces"), worker="main", targets=["mypkg"], options=RunOptions())
    rec.start()                              # import hook on, autostart on
    rec.begin_test("tests/test_x.py::test_a")
    ...                                      # each outermost call of a mypkg function: one trace
    rec.end_test()
    rec.finish()                             # summary.main.json

Each outermost call of a target function starts a recorder session (through
``_runtime.set_autostart``). Whether the call is recorded is decided when it
starts, per function: the first ``first`` calls, then a reservoir sample of
the later ones (``max_traces - first`` slots, seeded per function, so the same
run keeps the same calls). A call that is not kept still gets a session that
records nothing, so the target functions it calls are not mistaken for
outermost calls.

A kept trace covers the root function's own code (its comprehensions,
closures and recursive calls); steps of other functions it calls are left out,
because the record's ``source`` is the root function's text only. Those
functions get traces of their own when tests call them.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from threading import get_ident
from typing import Any, Callable, Sequence

from pytrace_sem import _runtime as _rt
from pytrace_sem.importhook import ImportHook, ModuleInfo
from pytrace_sem.tracedir import RECORD_FORMAT, ShardWriter, shard_name, summary_name

__all__ = ["RunOptions", "RunRecorder"]


@dataclass(frozen=True)
class RunOptions:
    """Limits and caps for one test run (validated by the plugin)."""

    max_steps: int = 1_000
    max_items: int = 100
    max_depth: int = 8
    max_string: int = 1_000
    max_size: int = 1_000_000
    max_traces: int = 20
    first: int = 10
    seed: int = 0
    relax_hypothesis: bool = True

    def to_json(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


class _Func:
    """Per-function state: counts, the kept record ids and the sampler."""

    __slots__ = ("module", "qualname", "line", "info", "calls", "outside", "threads", "recorded", "evicted",
                 "kept_first", "reservoir", "rng", "allowed", "_module_infos")

    def __init__(self, module: ModuleInfo, info: tuple, module_infos: list[tuple], seed: int) -> None:
        self.module = module
        self.qualname = info[0]
        self.line = info[1]
        self.info = info
        self.calls = 0          # outermost calls during tests
        self.outside = 0        # calls outside any test (imports, collection), nested ones too
        self.threads = 0        # calls in threads other than the tests' (not recorded)
        self.recorded = 0       # calls recorded (kept at the time)
        self.evicted = 0        # recorded, then replaced in the reservoir
        self.kept_first: list[str] = []
        self.reservoir: list[str] = []
        self.rng = random.Random(f"{seed}\0{module.name}\0{self.qualname}")
        self.allowed: frozenset[int] | None = None
        self._module_infos = module_infos

    def own_infos(self) -> frozenset[int]:
        """Entry constants of this function and of functions defined inside it."""
        if self.allowed is None:
            end = self.module.end_line(self.line)
            self.allowed = frozenset(id(i) for i in self._module_infos if self.line <= i[1] <= end)
        return self.allowed

    def keep(self, info: tuple) -> bool:
        """Whether a call nested in this function's trace is recorded (its own code only)."""
        return id(info) in self.own_infos()

    def counts(self) -> dict[str, int]:
        kept = len(self.kept_first) + len(self.reservoir)
        return {"calls": self.calls, "recorded": self.recorded, "kept": kept,
                "dropped_by_cap": self.calls - self.recorded + self.evicted, "outside_tests": self.outside,
                "other_threads": self.threads}


class RunRecorder:
    """Traces target functions while tests run and writes them under ``outdir``."""

    def __init__(self, outdir: Path, *, worker: str, targets: Sequence[str], options: RunOptions,
                 exclude: Callable[[str, str], bool] | None = None, cache_dir: Path | None = None) -> None:
        from pytrace_sem.api import _limits

        self.outdir = outdir
        self.worker = worker
        self.options = options
        self._limits, _ = _limits({"max_steps": options.max_steps, "max_items": options.max_items,
                                   "max_depth": options.max_depth, "max_string": options.max_string})
        self.hook = ImportHook(targets, exclude=exclude, cache_dir=cache_dir, on_module=self._on_module)
        self._funcs: dict[int, _Func] = {}
        self._writer: ShardWriter | None = None
        self._serial = 0
        self._test: str | None = None
        self.phase = "call"
        self._thread = get_ident()
        self._previous: Any = None
        self._started = 0.0
        self.record_seconds = 0.0
        self.errors: list[str] = []
        self.error_count = 0
        self.traces_written = 0

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Install the import hook and the autostart callback."""
        self._started = time.perf_counter()
        self.outdir.mkdir(parents=True, exist_ok=True)
        self._writer = ShardWriter(self.outdir / shard_name(self.worker))
        self.hook.install()
        self.hook.instrument_loaded()  # modules another plugin imported first: their code is swapped
        self._previous = _rt._autostart
        _rt.set_autostart(self._autostart)

    def begin_test(self, nodeid: str, test_function: Any = None) -> None:
        self._test = nodeid
        self._thread = get_ident()
        self.phase = "setup"
        if self.options.relax_hypothesis:
            _relax_hypothesis()
            if test_function is not None:
                relax_test(test_function)

    def end_test(self) -> None:
        """Close what the test left open: a suspended generator root, parked sessions."""
        try:
            sess = _rt._session
            if sess is not None and not sess.stack and sess.on_root_exit is not None \
                    and sess.thread == get_ident():
                sess.on_root_exit(sess)
            for parked in _rt.take_parked():
                if parked.on_root_exit is not None:
                    parked.on_root_exit(parked)
        finally:
            self._test = None

    def finish(self) -> dict:
        """Stop recording and write this process's summary part; returns it."""
        if _rt._autostart == self._autostart:
            _rt.set_autostart(self._previous)
        self.hook.uninstall()
        if self._writer is not None:
            self._writer.close()
        part = self.summary()
        tmp = self.outdir / (summary_name(self.worker) + ".tmp")
        tmp.write_text(json.dumps(part, indent=1, sort_keys=True), "utf-8")
        os.replace(tmp, self.outdir / summary_name(self.worker))
        return part

    def summary(self) -> dict:
        functions = {}
        totals = {"calls": 0, "recorded": 0, "kept": 0, "dropped_by_cap": 0, "outside_tests": 0, "other_threads": 0}
        for f in self._funcs.values():
            c = f.counts()
            if not (c["calls"] or c["outside_tests"] or c["other_threads"]):
                continue
            functions[f"{f.module.name}:{f.qualname}"] = c
            for k in totals:
                totals[k] += c[k]
        totals["errors"] = self.error_count
        totals["functions_instrumented"] = len(self._funcs)
        return {
            "format": RECORD_FORMAT,
            "worker": self.worker,
            "targets": list(self.hook.targets),
            "limits": self.options.to_json(),
            "modules": {"instrumented": sorted(self.hook.modules), "already_imported": self.hook.already_imported,
                        "in_place": sorted(self.hook.in_place), "failed": dict(self.hook.failed)},
            "functions": functions,
            "totals": totals,
            "seconds": {"session": round(time.perf_counter() - self._started, 3),
                        "instrument": round(self.hook.instrument_seconds, 3),
                        "record": round(self.record_seconds, 3)},
            "errors": self.errors[:20],
        }

    # -- the hook's and the recorder's callbacks ---------------------------------------

    def _on_module(self, module: ModuleInfo, infos: list[tuple]) -> None:
        for info in infos:
            self._funcs[id(info)] = _Func(module, info, infos, self.options.seed)

    def _autostart(self, info: tuple):
        f = self._funcs.get(id(info))
        if f is None:
            previous = self._previous
            return previous(info) if previous is not None else None
        if get_ident() != self._thread:
            f.threads += 1
            return None
        if self._test is None:
            f.outside += 1
            return None
        f.calls += 1
        slot = self._choose(f)
        sess = _rt.begin(self._limits)
        if slot is None:
            sess.recording = False
            sess.on_root_exit = _end_quietly
        else:
            test, phase = self._test, self.phase
            sess.keep = f.keep  # other functions' steps would be dropped anyway: do not record them
            sess.on_root_exit = lambda s: self._deliver(s, f, slot, test, phase)
        return sess

    def _choose(self, f: _Func) -> int | None:
        """None: do not record. -1: one of the first calls. k >= 0: reservoir slot k."""
        first = self.options.first
        if f.calls <= first:
            return -1
        size = self.options.max_traces - first
        if size <= 0:
            return None
        k = f.calls - first
        if k <= size:
            return k - 1
        j = f.rng.randrange(k)
        return j if j < size else None

    def _deliver(self, sess: _rt.Session, f: _Func, slot: int, test: str, phase: str) -> None:
        if _rt._session is sess:
            _rt.end()
        started = time.perf_counter()
        try:
            record = self._record(sess, f, test, phase)
            self._writer.write(record)
            self.traces_written += 1
            f.recorded += 1
            if slot < 0:
                f.kept_first.append(record["id"])
            elif slot < len(f.reservoir):
                old = f.reservoir[slot]
                f.reservoir[slot] = record["id"]
                f.evicted += 1
                self._writer.write({"record": "drop", "id": old, "reason": "reservoir"})
            else:
                f.reservoir.append(record["id"])
        except Exception as exc:  # noqa: BLE001 - never let recording change the test's outcome
            self.error_count += 1
            if len(self.errors) < 20:
                self.errors.append(f"{f.module.name}:{f.qualname}: {type(exc).__name__}: {exc}")
        finally:
            self.record_seconds += time.perf_counter() - started

    def _record(self, sess: _rt.Session, f: _Func, test: str, phase: str) -> dict:
        from pytrace_sem.api import session_trace

        own = f.own_infos()
        offset = f.line - 1
        end = f.module.end_line(f.line)
        frame = sess.frame
        sess.log = [entry for entry in sess.log if id(frame(entry[0]).info) in own]
        if sess.stopped_at is not None:
            reason, after, line = sess.stopped_at
            if not f.line <= line <= end:
                line = f.line
            sess.stopped_at = (reason, after, line)
        untraced = tuple((ln - offset, what) for ln, what in f.module.untraced if f.line <= ln <= end)
        t = session_trace(sess, source=f.module.snippet(f.line), function=f.qualname,
                          max_size=self.options.max_size, untraced=untraced, line_offset=offset)
        status = "raised" if t.exception is not None else "returned"
        root_events = [s.event for s in t.steps if s.depth == 0]
        if f.info[3] & 1 and root_events and root_events[-1] == "yield" and t.exception is None:
            status = "suspended"
            t = replace(t, return_value=None)
        self._serial += 1
        return {
            "record": "trace",
            "format": RECORD_FORMAT,
            "id": f"{self.worker}-{self._serial}",
            "test_id": test,
            "phase": phase,
            "module": f.module.name,
            "qualname": f.qualname,
            "file": f.module.path,
            "first_line": f.line,
            "status": status,
            "trace": t.to_json(),
        }


def _end_quietly(sess: _rt.Session) -> None:
    if _rt._session is sess:
        _rt.end()


_PROFILE = "pytrace-sem"


def _relaxed(hyp: Any, current: Any) -> Any:
    """``current`` Hypothesis settings without a deadline and with too_slow suppressed, or None if already so."""
    too_slow = hyp.HealthCheck.too_slow
    if current.deadline is None and too_slow in current.suppress_health_check:
        return None
    suppressed = list(current.suppress_health_check)
    if too_slow not in suppressed:
        suppressed.append(too_slow)
    return hyp.settings(current, deadline=None, suppress_health_check=suppressed)


def relax_test(test_function: Any) -> None:
    """Relax the settings a ``@given`` test captured when it was decorated (including its own ``@settings``)."""
    hyp = sys.modules.get("hypothesis")
    if hyp is None:
        return
    target = getattr(test_function, "__func__", test_function)
    try:
        # Hypothesis binds a test's settings when @given/@settings run, before any
        # profile this plugin could load: so they are replaced on the test itself.
        current = getattr(target, "_hypothesis_internal_use_settings", None)
        if current is None:
            return
        relaxed = _relaxed(hyp, current)
        if relaxed is not None:
            target._hypothesis_internal_use_settings = relaxed
    except Exception:  # noqa: BLE001 - an unknown Hypothesis version: leave the test alone
        pass


def _relax_hypothesis() -> None:
    """Instrumented code is slower: no deadlines, no too_slow health check (only if the suite uses Hypothesis)."""
    hyp = sys.modules.get("hypothesis")
    if hyp is None:
        return
    try:
        relaxed = _relaxed(hyp, hyp.settings.default)
        if relaxed is None:
            return
        hyp.settings.register_profile(_PROFILE, parent=relaxed)
        hyp.settings.load_profile(_PROFILE)
    except Exception:  # noqa: BLE001 - an unknown Hypothesis version: leave its settings alone
        pass
