"""What runs for one function inside a sandbox worker: inputs, traces, monologues, bugs.

:func:`process_function` is the unit of work of the corpus build. It takes and
returns plain JSON data (so it crosses process and machine boundaries unchanged)
and never raises for anything the function's code does::

    result = box.run(process_function, item.to_json(), config.to_json()).value
    result["status"], result.get("reason"), result["record"]["cases"][0]["output"]

Steps: coverage-guided inputs with Hypothesis (``pytrace_sem.inputs``, which keeps
only deterministic inputs whose arguments and outputs are literals), a trace of each
kept input (``trace_call``), the forward and backward monologues
(``pytrace_sem.narrate``) checked claim by claim against the trace, and a list of
candidate mutants. :func:`try_mutant` (a task of its own per mutant) turns a mutant
that fails on a kept input into a PyX-R bug with the debugging narrative of that run.

:func:`rerun_calls` re-runs calls in a fresh namespace each; the build runs it in
workers with other hash seeds to catch outputs that depend on string hashing.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import io
import signal
import sys
import threading
import time
import zlib
from typing import Any, Iterator, Mapping, Sequence

__all__ = ["process_function", "try_mutant", "rerun_calls", "CASE_DROP_REASONS"]

#: Why a single input of a kept function may be left out (counted in the manifest).
CASE_DROP_REASONS: tuple[str, ...] = ("trace_too_long", "too_slow", "trace_mismatch", "monologue_check_failed")


class _Timeout(BaseException):
    """Raised into user code when its time is up (a BaseException: ``except Exception`` cannot eat it)."""


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    # The sandbox's own timer (ITIMER_REAL) may be armed around the whole task:
    # ours replaces it for the block and hands back what is left of it afterwards.
    # The alarm repeats every 50 ms until the block ends: a signal handled while a
    # gc callback runs (Hypothesis installs one) has its exception swallowed by gc.
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return
    armed = [True]

    def on_alarm(signum: int, frame: Any) -> None:
        if armed[0]:
            raise _Timeout()

    previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds, 0.05)
    if previous_delay and previous_delay < seconds:
        signal.setitimer(signal.ITIMER_REAL, previous_delay, 0.05)
    started = time.monotonic()
    try:
        yield
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay:
            left = previous_delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3), previous_interval)


class _Discard(io.TextIOBase):
    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return len(text)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    sink = _Discard()
    saved_stdin = sys.stdin
    sys.stdin = io.StringIO("")  # input() gets EOF instead of waiting
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            yield
    finally:
        sys.stdin = saved_stdin


def _outcome(code: str, entry: str, arguments: str, seconds: float) -> tuple[str, str]:
    """("ok", repr) / ("raised", "Type: message") / ("timeout", "") / ("error", why) for one call, fresh namespace."""
    from pytrace_sem.inputs import parse_arguments

    namespace: dict[str, Any] = {"__name__": "__corpus__"}
    try:
        with _time_limit(seconds), _quiet():
            exec(compile(code, "<corpus>", "exec"), namespace)  # noqa: S102 - inside a sandbox worker
            fn = namespace.get(entry)
            if not callable(fn):
                return "error", f"no function {entry!r}"
            args = parse_arguments(arguments, namespace)
            try:
                value = fn(*copy.deepcopy(args))
            except (_Timeout, MemoryError, RecursionError):
                raise  # resource exhaustion says nothing about the code's logic: not an outcome
            except BaseException as exc:  # noqa: BLE001 - the code may raise anything
                return "raised", f"{type(exc).__name__}: {_short(str(exc))}"
            return "ok", repr(value)
    except (_Timeout, MemoryError):
        return "timeout", ""
    except BaseException as exc:  # noqa: BLE001
        return "error", f"{type(exc).__name__}: {_short(str(exc))}"


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def rerun_calls(jobs: Sequence[Sequence[str]], seconds: float) -> list[str]:
    """For each ``(code, entry_point, arguments)``: the call's output repr, ``raises T: msg`` or ``timeout``.

    Every call runs in a fresh namespace, as a fresh process would run it.
    """
    out = []
    for code, entry, arguments in jobs:
        kind, text = _outcome(code, entry, arguments, seconds)
        out.append(text if kind == "ok" else f"raises {text}" if kind == "raised" else kind)
    return out


def _reason(found: Any) -> str:
    """The filter reason for an input set with no kept input."""
    if found.status in ("source_error", "no_function"):
        return str(found.status)
    if found.status != "ok" and found.status != "no_valid_input":
        return "too_slow" if found.status == "timeout" else str(found.status)
    # What the calls did decides; rejections of the candidate inputs themselves
    # (duplicates, too large, not fitting the annotations) say nothing about the function.
    mapping = {"raised": "no_valid_input", "nondeterministic": "nondeterministic",
               "output_not_literal": "non_literal_output", "timeout": "too_slow"}
    counts = {k: v for k, v in found.rejected_counts.items() if k in mapping}
    top = max(sorted(counts), key=lambda k: counts[k], default=None)
    return mapping.get(top or "", "no_valid_input")


def _understanding(monologue: str) -> str:
    head = "### Understanding the Function"
    if head not in monologue:
        return ""
    text = monologue.split(head, 1)[1]
    return text.split("\n### ", 1)[0].strip()


def _name_types(trace: Mapping[str, Any]) -> dict[str, str]:
    seen: dict[str, set[str]] = {}
    for step in trace.get("steps", ()):
        for name, value in step.get("changes", {}).items():
            seen.setdefault(name, set()).add(value.get("type", "?"))
    for name, value in trace.get("args", {}).items():
        seen.setdefault(name, set()).add(value.get("type", "?"))
    return {name: next(iter(kinds)) for name, kinds in seen.items() if len(kinds) == 1}


def _literal(text: str) -> bool:
    try:
        ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def process_function(item: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs, traced cases and checked monologues for one function (JSON in, JSON out).

    ``item`` is a :class:`~semcoder.corpus.sources.SourceItem` as JSON and ``config``
    a :class:`~semcoder.corpus.pipeline.BuildConfig` as JSON. The answer has
    ``status`` ``"kept"`` (with ``record``) or ``"dropped"`` (with ``reason`` and
    ``message``), ``case_drops`` and ``traces`` counts, and ``mutants``: the candidate
    bugs for :func:`try_mutant` (the record's ``bugs`` start empty).
    """
    import pytrace_sem
    from pytrace_sem.inputs import InputOptions, generate_for_function
    from pytrace_sem.narrate import check_against_trace

    code, entry = item["code"], item["entry_point"]
    seed = (int(config["seed"]) * 1_000_003 + zlib.crc32(item["id"].encode("utf-8", "surrogatepass"))) & 0x7FFFFFFF
    max_cases = int(config["max_cases"])
    options = InputOptions(
        max_inputs=max_cases + int(config["spare_inputs"]),
        max_candidates=int(config["max_candidates"]),
        budget_seconds=float(config["input_budget_seconds"]),
        call_timeout=float(config["call_timeout"]),
        seed=int(config["seed"]),
    )
    with _quiet():
        found = generate_for_function(code, entry, list(item.get("examples", ())), options)
    answer: dict[str, Any] = {"id": item["id"], "case_drops": {}, "traces": 0}
    if found.status != "ok" or not found.inputs:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(found.rejected_counts.items()))
        answer.update(status="dropped", reason=_reason(found),
                      message=_short(found.message or (f"every candidate was rejected: {counts}" if counts else "")))
        return answer

    limits = {"max_steps": int(config["max_trace_steps"]), "max_items": 1000, "max_string": 10_000}
    trace_seconds = float(config["trace_timeout"])
    cap = int(config["monologue_cap"]) or None
    given = str(item.get("description") or "").strip()
    drops: dict[str, int] = {}
    cases: list[dict[str, Any]] = []
    derived = ""

    def drop(reason: str) -> None:
        drops[reason] = drops.get(reason, 0) + 1

    for position, generated in enumerate(found.inputs):
        if len(cases) >= max_cases:
            break
        call = f"{entry}({generated.input})"
        try:
            with _time_limit(trace_seconds), _quiet():
                trace = pytrace_sem.trace_call(code, call, user_repr=True, **limits)
        except _Timeout:
            drop("too_slow")
            continue
        except pytrace_sem.PytraceSemError:
            drop("trace_mismatch")
            continue
        answer["traces"] += 1
        if trace.truncated:
            drop("trace_too_long")
            continue
        if trace.exception is not None or (trace.return_value or {}).get("repr") != generated.output:
            drop("trace_mismatch")
            continue
        case_seed = seed + position
        forward = pytrace_sem.narrate(trace, "forward", seed=case_seed, cap=cap, description=given or None)
        backward = pytrace_sem.narrate(trace, "backward", seed=case_seed, cap=cap, description=given or None)
        ok_forward = check_against_trace(trace, forward, run_answer=False)
        ok_backward = check_against_trace(trace, backward, run_answer=False)
        if ok_forward.claims_wrong or ok_backward.claims_wrong or ok_forward.answer_correct is False \
                or ok_backward.answer_correct is False:
            drop("monologue_check_failed")
            continue
        derived = derived or _understanding(forward)
        cases.append({"input": generated.input, "output": generated.output, "trace": trace.to_json(),
                      "forward": forward, "backward": backward})
    answer["case_drops"] = drops
    if not cases:
        top = max(sorted(drops), key=lambda k: drops[k]) if drops else "no_valid_input"
        answer.update(status="dropped", reason=top, message=f"no input survived tracing ({drops})")
        return answer

    if int(config["max_bugs"]) > 0:
        from semcoder.corpus.mutate import mutants

        # Only listed here (libcst reads the code, nothing runs); each is tried in a task
        # of its own (try_mutant), so a mutant that eats all memory costs only itself.
        answer["mutants"] = [m.to_json() for m in mutants(
            code, entry, operators=tuple(config["mutation_operators"]), sample=int(config["max_mutant_tries"]),
            seed=seed, name_types=_name_types(cases[0]["trace"]))]
    description, description_source = (given, item.get("description_source") or "record") if given \
        else (derived, "derived")  # the structural summary of the first forward monologue
    answer["status"] = "kept"
    answer["record"] = {
        "id": item["id"],
        "source": item["source"],
        "origin": item.get("origin", ""),
        "code": code,
        "entry_point": entry,
        "description": description,
        "description_source": description_source,
        "coverage": None if found.coverage is None else round(found.coverage, 4),
        "cases": cases,
        "bugs": [],
    }
    return answer


def try_mutant(mutant: Mapping[str, Any], entry: str, cases: Sequence[Mapping[str, Any]],
               config: Mapping[str, Any], seed: int) -> dict[str, Any] | None:
    """PyX-R: the bug record of a mutant that fails on one of ``cases``, or None when it does not fail.

    The mutant runs plainly on each kept input until one gives another output or
    raises; that call is traced and narrated against the correct trace
    (``narrate_debug``), and the narrative is checked claim by claim. A mutant that
    hangs, cannot be traced to its end, or gets a narrative with a wrong claim gives None.
    """
    import pytrace_sem
    from pytrace_sem.narrate import check_against_trace

    seconds = float(config["call_timeout"]) * 4
    code = str(mutant["code"])
    failing = None
    for case in cases:
        kind, text = _outcome(code, entry, case["input"], seconds)
        if kind == "ok" and text != case["output"] and _literal(text):
            failing = (case, text)
            break
        if kind == "raised":
            failing = (case, f"raises {text}")
            break
        if kind in ("timeout", "error"):
            return None  # a mutant that hangs cannot be traced to its end
    if failing is None:
        return None
    case, actual = failing
    limits = {"max_steps": int(config["max_trace_steps"]), "max_items": 1000, "max_string": 10_000}
    try:
        with _time_limit(float(config["trace_timeout"])), _quiet():
            buggy = pytrace_sem.trace_call(code, f"{entry}({case['input']})", user_repr=True, **limits)
    except (_Timeout, pytrace_sem.PytraceSemError):
        return None
    if buggy.truncated:
        return None
    fixed = pytrace_sem.Trace.from_json(case["trace"])
    try:
        debug = pytrace_sem.narrate_debug(buggy, fixed, seed=seed, cap=int(config["monologue_cap"]) or None)
    except pytrace_sem.PytraceSemError:
        return None
    if check_against_trace(buggy, debug, run_answer=False).claims_wrong:
        return None
    return {"operator": mutant["operator"], "code": code, "line": mutant["line"], "change": mutant["change"],
            "input": case["input"], "expected": case["output"], "actual": actual, "debug": debug}
