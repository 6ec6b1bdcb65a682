"""Inputs for a function, generated with Hypothesis and kept when they reach new branches.

Typical use::

    from pytrace_sem import generate_inputs

    found = generate_inputs(source, "f", examples=["[1, 1, 3], 'a'"], seed=0)
    for item in found.inputs:
        print(f"assert f({item.input}) == {item.output}")
    print(found.coverage, found.rejected_counts)

How it works, in three parts:

1. **Strategies.** Every parameter gets a Hypothesis strategy built from the
   example calls (values around the example's: ints near it and near the
   source's int literals, strings over the example's characters, the source's
   string literals and their case variants, collections of bounded size around
   the example's), from its type annotation when there is no example, and
   otherwise from a small bounded mix of plain values. A second strategy
   mutates inputs that already reached new code, EvalPlus-style (int +-1,
   string slice / insert / duplicate, list pop / insert / duplicate, dict add /
   remove / change), with "ingredients" taken from those inputs and from the
   source's literals. Hypothesis is driven the supported way: ``@given`` with
   ``settings(database=None, deadline=None, ...)``, a fixed ``@seed`` per batch
   and the examples as ``@example``. Every int and every size is bounded.
2. **Validity.** A candidate is kept only if the call returns within a time
   limit without raising, its arguments and result survive
   ``ast.literal_eval(repr(x)) == x`` (so ``assert f(<input>) == <output>``
   can be printed and read back), and a second call on a fresh deep copy gives
   the same result. Rejections are counted by reason.
3. **Coverage guidance.** coverage.py measures the branch arcs of every valid
   call (:mod:`pytrace_sem.coverage_guide`); batches continue until
   ``patience`` batches in a row add nothing, every branch is covered, or the
   candidate or time budget is spent. The result is a greedy set cover of the
   arcs plus a few extra inputs for diversity, at most ``max_inputs``.

:func:`generate_for_function` does the work for one function and never raises
for anything the function's code does; it is what a sandbox worker runs.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import inspect
import io
import signal
import sys
import threading
import time
import tokenize
from dataclasses import dataclass, field, fields, replace
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from pytrace_sem._strategies import (
    Builder,
    Ingredients,
    argument_strategy,
    conforms,
    positional_hints,
    source_literals,
    weighted,
)
from pytrace_sem.coverage_guide import Arc, ArcMeter, BranchCoverage, greedy_cover
from pytrace_sem.errors import CallError, InputGenerationError, Interrupt, LimitError, SourceError

__all__ = [
    "SCHEMA_VERSION",
    "InputOptions",
    "GeneratedInput",
    "InputSet",
    "generate_inputs",
    "generate_for_function",
    "InputJob",
    "generate_batch",
    "parse_arguments",
    "format_arguments",
]

SCHEMA_VERSION = 1

# Statuses of an InputSet. Sandboxed runs add the sandbox's own ("timeout", "crashed", ...).
STATUS_OK = "ok"
STATUS_NO_VALID_INPUT = "no_valid_input"
STATUS_SOURCE_ERROR = "source_error"
STATUS_NO_FUNCTION = "no_function"

# Rejection reasons.
R_DUPLICATE = "duplicate"
R_TOO_LARGE = "too_large"
R_INPUT_NOT_LITERAL = "input_not_literal"
R_RAISED = "raised"
R_TIMEOUT = "timeout"
R_OUTPUT_NOT_LITERAL = "output_not_literal"
R_NONDETERMINISTIC = "nondeterministic"
R_ANNOTATION = "annotation_mismatch"


@dataclass(frozen=True, slots=True)
class InputOptions:
    """Knobs of one generation run; the defaults suit CRUXEval-sized functions.

    ``max_candidates`` is the deterministic budget (Hypothesis examples drawn,
    duplicates included); ``budget_seconds`` is a safety net whose expiry makes
    the result depend on machine speed. Generation stops early when every
    branch is covered or ``patience`` batches in a row add nothing, unless
    ``stop_early`` is false (benchmarks use that to try exactly
    ``max_candidates`` inputs). With ``respect_annotations`` an input whose
    arguments do not fit the parameters' type annotations is rejected
    (``annotation_mismatch``); an ``int`` fits ``float``.
    """

    max_inputs: int = 20
    max_candidates: int = 200
    budget_seconds: float = 10.0
    batch_size: int = 25
    patience: int = 3
    extra_inputs: int = 3
    call_timeout: float = 0.5
    max_repr_chars: int = 1000
    seed: int = 0
    stop_early: bool = True
    respect_annotations: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.max_inputs <= 1000:
            raise LimitError(f"max_inputs must be between 1 and 1000, not {self.max_inputs}")
        if self.max_candidates < 1:
            raise LimitError(f"max_candidates must be at least 1, not {self.max_candidates}")
        if not 0 < self.budget_seconds <= 86_400:  # inf and nan too: timers take finite seconds
            raise LimitError(f"budget_seconds must be positive and at most a day, not {self.budget_seconds}")
        if self.batch_size < 1 or self.patience < 1 or self.extra_inputs < 0:
            raise LimitError("batch_size and patience must be at least 1, extra_inputs at least 0")
        if not 0 < self.call_timeout <= 3_600:
            raise LimitError(f"call_timeout must be positive and at most an hour, not {self.call_timeout}")
        if self.max_repr_chars < 10:
            raise LimitError(f"max_repr_chars must be at least 10, not {self.max_repr_chars}")

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> InputOptions:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise LimitError(f"unknown input options {unknown}; known: {sorted(known)}")
        return cls(**data)


@dataclass(frozen=True, slots=True)
class GeneratedInput:
    """One kept input: a CRUXEval-style argument string and the repr of the result.

    ``new_arcs`` are the coverage.py arcs this input added to the ones kept
    before it (empty for the inputs kept for diversity).
    """

    input: str
    output: str
    new_arcs: tuple[Arc, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"input": self.input, "output": self.output, "new_arcs": [list(a) for a in self.new_arcs]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GeneratedInput:
        return cls(
            input=data["input"],
            output=data["output"],
            new_arcs=tuple((int(a), int(b)) for a, b in data.get("new_arcs", ())),
        )


@dataclass(frozen=True, slots=True)
class InputSet:
    """What :func:`generate_inputs` found for one function.

    ``status`` is ``"ok"`` when at least one input was kept; otherwise it says
    why not (``no_valid_input``, ``source_error``, ``no_function``, or a
    sandbox status such as ``timeout`` or ``crashed``) and ``message`` says more.
    """

    function: str
    status: str
    inputs: tuple[GeneratedInput, ...] = ()
    branches_covered: int = 0
    branches_total: int = 0
    lines_covered: int = 0
    lines_total: int = 0
    rejected: tuple[tuple[str, int], ...] = ()
    candidates: int = 0
    batches: int = 0
    seconds: float = 0.0
    message: str = ""

    @property
    def coverage(self) -> float | None:
        """Branch coverage reached; line coverage for a function without branches."""
        if self.status != STATUS_OK and not self.inputs:
            return None
        return BranchCoverage(
            self.branches_covered, self.branches_total, self.lines_covered, self.lines_total
        ).fraction

    @property
    def rejected_counts(self) -> dict[str, int]:
        return dict(self.rejected)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "function": self.function,
            "status": self.status,
            "inputs": [item.to_json() for item in self.inputs],
            "coverage": self.coverage,
            "branches": {"covered": self.branches_covered, "total": self.branches_total},
            "lines": {"covered": self.lines_covered, "total": self.lines_total},
            "rejected": self.rejected_counts,
            "candidates": self.candidates,
            "batches": self.batches,
            "seconds": round(self.seconds, 4),
            "message": self.message,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> InputSet:
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise InputGenerationError(
                f"input set has schema version {version!r}, this library reads {SCHEMA_VERSION}; "
                "regenerate it with this version of pytrace_sem"
            )
        return cls(
            function=data["function"],
            status=data["status"],
            inputs=tuple(GeneratedInput.from_json(item) for item in data["inputs"]),
            branches_covered=data["branches"]["covered"],
            branches_total=data["branches"]["total"],
            lines_covered=data["lines"]["covered"],
            lines_total=data["lines"]["total"],
            rejected=tuple(sorted(data["rejected"].items())),
            candidates=data["candidates"],
            batches=data["batches"],
            seconds=data["seconds"],
            message=data.get("message", ""),
        )

    def raise_for_status(self) -> InputSet:
        """Raise the matching :class:`~pytrace_sem.errors.PytraceSemError` unless inputs were found."""
        if self.status == STATUS_OK:
            return self
        if self.status == STATUS_SOURCE_ERROR:
            raise SourceError(self.message or "the source cannot be run")
        if self.status == STATUS_NO_FUNCTION:
            raise CallError(self.message or f"no function named {self.function!r}")
        raise InputGenerationError(
            f"no input kept for {self.function!r} ({self.status}): {self.message or self._reasons()}"
        )

    def _reasons(self) -> str:
        if not self.rejected:
            return "no candidate was generated"
        parts = ", ".join(f"{reason} {count}" for reason, count in self.rejected)
        return f"every candidate was rejected ({parts}); give an example call that works"


# ---------------------------------------------------------------------------
# Arguments as text


def format_arguments(args: Sequence[Any]) -> str:
    """The CRUXEval-style argument string of a call.

    >>> format_arguments(([1, 2], "a"))
    "[1, 2], 'a'"
    """
    return ", ".join(repr(a) for a in args)


def parse_arguments(text: str, namespace: Mapping[str, Any] | None = None) -> tuple[Any, ...]:
    """Parse an argument string such as ``"[1, 2], 'a'"`` into a tuple of values.

    Literals are read with :func:`ast.literal_eval`. Other expressions (CRUXEval
    has ``''.join(['A'] * 20)``) are evaluated in ``namespace`` when one is
    given: only do that where running the code is acceptable.
    Keyword arguments are refused.

    >>> parse_arguments("[1, 2], 'a'")
    ([1, 2], 'a')
    """
    try:
        call = ast.parse(f"_f({text}\n)", mode="eval").body
    except SyntaxError as exc:
        raise CallError(f"cannot parse arguments {text!r}: {exc.msg}") from None
    assert isinstance(call, ast.Call)
    if call.keywords or any(isinstance(a, ast.Starred) for a in call.args):
        raise CallError(f"arguments {text!r}: give plain positional arguments (no name=, no *)")
    values: list[Any] = []
    for node in call.args:
        try:
            values.append(ast.literal_eval(node))
            continue
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            pass
        if namespace is None:
            raise CallError(f"argument {ast.unparse(node)!r} of {text!r} is not a literal")
        try:
            expr = compile(ast.Expression(node), "<example>", "eval")
            values.append(eval(expr, dict(namespace)))  # noqa: S307 - documented above
        except Exception as exc:
            raise CallError(
                f"argument {ast.unparse(node)!r} of {text!r} fails: {type(exc).__name__}: {exc}"
            ) from None
    return tuple(values)


def _literal_round_trip(text: str, value: Any) -> bool:
    try:
        back = ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    try:
        return bool(back == value) and type(back) is type(value)
    except Exception:
        return False


# ---------------------------------------------------------------------------
# Calling the function under test


class _CallTimeout(BaseException):
    """Raised into the function under test when its time is up.

    A BaseException so that ``except Exception`` in that function does not swallow it.
    """


class _Discard(io.TextIOBase):
    """A stdout/stderr that drops everything: generated calls may print a lot."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return len(text)


@contextlib.contextmanager
def _time_limit(seconds: float) -> Any:
    """Interrupt the block after ``seconds`` with :class:`_CallTimeout`.

    Uses ``ITIMER_REAL`` where it can (Unix, main thread); elsewhere the block
    runs without a limit and the caller's sandbox is the backstop. A timer the
    caller had already armed is restored with its remaining time.
    """
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise _CallTimeout()

    previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    if previous_delay and previous_delay < seconds:
        signal.setitimer(signal.ITIMER_REAL, previous_delay)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay:
            left = previous_delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3), previous_interval)


@dataclass(frozen=True, slots=True)
class _Outcome:
    kind: str  # "ok", "raised" or "timeout"
    text: str = ""  # repr of the result, or the exception
    value: Any = None


def _call(fn: Callable[..., Any], args: tuple[Any, ...], seconds: float) -> _Outcome:
    """Call ``fn`` on a deep copy of ``args``; repr the result within the same time limit."""
    sink = _Discard()
    try:
        with _time_limit(seconds), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            saved_stdin = sys.stdin
            sys.stdin = io.StringIO("")  # input() gets EOF instead of waiting forever
            try:
                value = fn(*copy.deepcopy(args))
                text = repr(value)
            finally:
                sys.stdin = saved_stdin
    except _CallTimeout:
        return _Outcome("timeout")
    except (KeyboardInterrupt, Interrupt):
        raise
    except BaseException as exc:  # noqa: BLE001 - the function may raise anything, SystemExit included
        return _Outcome("raised", type(exc).__name__)
    return _Outcome("ok", text, value)


# ---------------------------------------------------------------------------
# The generation loop


@dataclass
class _Candidate:
    args: tuple[Any, ...]
    text: str
    output: str
    arcs: frozenset[Arc]


@dataclass
class _Run:
    """Mutable state of one generation run."""

    fn: Callable[..., Any]
    meter: ArcMeter
    options: InputOptions
    deadline: float
    seen: set[str] = field(default_factory=set)
    valid: list[_Candidate] = field(default_factory=list)
    covering: list[tuple[Any, ...]] = field(default_factory=list)
    covered: set[Arc] = field(default_factory=set)
    rejected: dict[str, int] = field(default_factory=dict)
    candidates: int = 0
    stop: bool = False
    slowest_ok: float = 0.0
    hints: list[Any] = field(default_factory=list)

    def call_limit(self) -> float:
        """The time limit of the next call.

        Infinite loops are common among generated inputs and each one costs a
        full time limit; after two of them the limit drops to twenty times the
        slowest valid call seen (but not under 50 ms).
        """
        limit = self.options.call_timeout
        if self.rejected.get(R_TIMEOUT, 0) >= 2 and self.slowest_ok:
            limit = min(limit, max(0.05, 20 * self.slowest_ok))
        return limit

    def reject(self, reason: str) -> None:
        self.rejected[reason] = self.rejected.get(reason, 0) + 1

    def try_input(self, args: tuple[Any, ...]) -> bool:
        """Run one candidate through the validity checks; True when it adds arcs."""
        if self.stop:
            return False
        if self.candidates >= self.options.max_candidates or time.monotonic() > self.deadline:
            self.stop = True
            return False
        self.candidates += 1
        try:
            text = format_arguments(args)
        except Exception:
            self.reject(R_INPUT_NOT_LITERAL)
            return False
        if text in self.seen:
            self.reject(R_DUPLICATE)
            return False
        self.seen.add(text)
        if len(text) > self.options.max_repr_chars:
            self.reject(R_TOO_LARGE)
            return False
        if not _literal_round_trip(f"({text},)" if args else "()", tuple(args)):
            self.reject(R_INPUT_NOT_LITERAL)
            return False
        if self.hints and not all(conforms(a, h) for a, h in zip(args, self.hints)):
            self.reject(R_ANNOTATION)
            return False
        limit = self.call_limit()
        began = time.perf_counter()
        first, arcs = self.meter.measure(lambda: _call(self.fn, args, limit))
        took = time.perf_counter() - began
        if first.kind != "ok":
            self.reject(R_RAISED if first.kind == "raised" else R_TIMEOUT)
            return False
        if len(first.text) > self.options.max_repr_chars:
            self.reject(R_TOO_LARGE)
            return False
        if not _literal_round_trip(first.text, first.value):
            self.reject(R_OUTPUT_NOT_LITERAL)
            return False
        second = _call(self.fn, args, limit)
        if second.kind != "ok" or second.text != first.text:
            self.reject(R_NONDETERMINISTIC)
            return False
        self.slowest_ok = max(self.slowest_ok, took)
        self.valid.append(_Candidate(tuple(args), text, first.text, arcs))
        if arcs - self.covered:
            self.covered |= arcs
            self.covering.append(tuple(args))
            return True
        return False


def _run_batch(strategy: Any, explicit: Sequence[tuple[Any, ...]], count: int, seed: int, body: Callable[[tuple[Any, ...]], Any]) -> None:
    from hypothesis import HealthCheck, Phase, example, given, settings
    from hypothesis import seed as fixed_seed

    def test(args: tuple[Any, ...]) -> None:
        body(args)

    runner = given(strategy)(test)
    for args in reversed(explicit):
        runner = example(args)(runner)
    runner = fixed_seed(seed)(runner)
    runner = settings(
        database=None,
        deadline=None,
        max_examples=max(count, 1),
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        report_multiple_bugs=False,
    )(runner)
    runner()


def _finish(run: _Run, function: str, started: float, batches: int, message: str) -> InputSet:
    options = run.options
    rejected = tuple(sorted(run.rejected.items()))
    if not run.valid:
        empty = InputSet(
            function=function,
            status=STATUS_NO_VALID_INPUT,
            rejected=rejected,
            candidates=run.candidates,
            batches=batches,
            seconds=time.monotonic() - started,
        )
        return replace(empty, message="; ".join(filter(None, [empty._reasons(), message])))
    arc_sets = [c.arcs for c in run.valid]
    core = greedy_cover(arc_sets, limit=options.max_inputs)
    chosen = [index for index, _ in core]
    kept_outputs = {run.valid[i].output for i in chosen}
    kept_paths = {run.valid[i].arcs for i in chosen}
    room = min(options.extra_inputs, options.max_inputs - len(chosen))
    extras: list[int] = []
    # Diversity first by path, then by output, then anything valid; the
    # shortest such inputs, which read best as examples.
    by_size = sorted(range(len(run.valid)), key=lambda i: (len(run.valid[i].text) + len(run.valid[i].output), i))
    for wants_new in ("path", "output", "any"):
        for index in by_size:
            cand = run.valid[index]
            if len(extras) >= room:
                break
            if index in chosen or index in extras:
                continue
            if wants_new == "path" and cand.arcs in kept_paths:
                continue
            if wants_new == "output" and cand.output in kept_outputs:
                continue
            extras.append(index)
            kept_paths.add(cand.arcs)
            kept_outputs.add(cand.output)
    gains = dict(core)
    kept = [
        GeneratedInput(run.valid[i].text, run.valid[i].output, tuple(sorted(gains.get(i, ()))))
        for i in chosen + extras
    ]
    union: set[Arc] = set()
    for i in chosen + extras:
        union |= run.valid[i].arcs
    reached = run.meter.report(union, run.meter.scope(function, union))
    return InputSet(
        function=function,
        status=STATUS_OK,
        inputs=tuple(kept),
        branches_covered=reached.branches_covered,
        branches_total=reached.branches_total,
        lines_covered=reached.lines_covered,
        lines_total=reached.lines_total,
        rejected=rejected,
        candidates=run.candidates,
        batches=batches,
        seconds=time.monotonic() - started,
        message=message,
    )


def _resolve(namespace: Mapping[str, Any], function: str) -> Callable[..., Any] | None:
    target: Any = namespace.get(function.split(".")[0])
    for part in function.split(".")[1:]:
        target = getattr(target, part, None)
    return target if callable(target) else None


def generate_for_function(
    source: str,
    function: str = "f",
    examples: Sequence[str] = (),
    options: InputOptions | Mapping[str, Any] | None = None,
) -> InputSet:
    """Generate inputs for ``function`` defined in ``source``; the unit of work of a sandbox worker.

    Never raises for what the source does: a source that fails to run, a
    missing function or a function no input survives comes back as an
    :class:`InputSet` with that ``status``. Examples that cannot be parsed or
    evaluated are skipped and named in ``message``.

    >>> generate_for_function("def f(x):\\n    return -x if x < 0 else x\\n", "f", ["3"]).coverage
    1.0
    """
    if options is None:
        options = InputOptions()
    elif not isinstance(options, InputOptions):
        options = InputOptions.from_json(options)
    started = time.monotonic()
    notes: list[str] = []
    try:
        meter = ArcMeter(source)
    except (SyntaxError, ValueError) as exc:
        return InputSet(function, STATUS_SOURCE_ERROR, message=f"source does not compile: {exc}")
    with meter:
        loaded: list[BaseException] = []

        def guarded(body: Callable[[], None]) -> None:
            try:
                with _time_limit(max(options.call_timeout * 4, 1.0)), contextlib.redirect_stdout(_Discard()):
                    body()
            except (KeyboardInterrupt, Interrupt):
                raise
            except BaseException as exc:  # noqa: BLE001 - module code may raise anything
                loaded.append(exc)

        namespace = meter.load(guarded)
        if loaded:
            exc = loaded[0]
            what = "takes too long" if isinstance(exc, _CallTimeout) else f"raises {type(exc).__name__}: {exc}"
            return InputSet(function, STATUS_SOURCE_ERROR, message=f"running the source {what}")
        fn = _resolve(namespace, function)
        if fn is None:
            return InputSet(function, STATUS_NO_FUNCTION, message=f"the source defines no function {function!r}")
        seeds: list[tuple[Any, ...]] = []
        for text in examples:
            try:
                with _time_limit(options.call_timeout):
                    seeds.append(parse_arguments(text, namespace))
            except (CallError, _CallTimeout) as exc:
                notes.append(f"example {text!r} skipped: {exc or 'too slow'}")
        arity = {len(s) for s in seeds}
        if len(arity) > 1:
            keep = len(seeds[0])
            notes.append("examples with a different number of arguments than the first were skipped")
            seeds = [s for s in seeds if len(s) == keep]

        literals = source_literals(source)
        builder = Builder(literals)
        ingredients = Ingredients(literals)
        for s in seeds:
            for v in s:
                ingredients.add(v)
        fresh = argument_strategy(fn, seeds, builder)
        run = _Run(fn=fn, meter=meter, options=options, deadline=started + options.budget_seconds)
        if options.respect_annotations:
            run.hints = positional_hints(fn)
        idle = 0
        batches = 0
        while not run.stop:
            pool = seeds + run.covering
            if pool and batches > 0:
                # Fresh draws and mutations of inputs that reached new code, half and half.
                strategy = weighted([(1, fresh), (1, builder.mutants(pool, ingredients))])
            else:
                strategy = fresh
            before = len(run.covering)
            tried = run.candidates
            count = min(options.batch_size, options.max_candidates - run.candidates)
            try:
                _run_batch(strategy, seeds if batches == 0 else (), count, options.seed * 1000 + batches, run.try_input)
            except Exception as exc:  # Hypothesis gave up on a strategy (e.g. Unsatisfiable)
                notes.append(f"batch {batches} stopped: {type(exc).__name__}: {exc}")
                run.stop = True
            batches += 1
            for args in run.covering[before:]:
                for v in args:
                    ingredients.add(v)
            idle = idle + 1 if len(run.covering) == before else 0
            if run.candidates >= options.max_candidates or run.candidates == tried:
                break  # budget spent, or Hypothesis has no new example to give
            if not options.stop_early:
                continue
            if idle >= options.patience:
                break
            if len(run.covering) > before:
                reached = meter.report(run.covered, meter.scope(function, run.covered))
                if reached.complete:
                    break
        return _finish(run, function, started, batches, "; ".join(notes))


def generate_inputs(
    source: str | Callable[..., Any],
    function: str | None = None,
    examples: Sequence[str] | str = (),
    max_inputs: int | None = None,
    budget_seconds: float | None = None,
    seed: int | None = None,
    *,
    options: InputOptions | None = None,
) -> InputSet:
    """Generate valid, coverage-guided inputs for ``function`` in ``source``.

    ``examples`` are CRUXEval-style argument strings (``"[1, 2], 'a'"``) that
    seed the strategies; without them the strategies come from annotations.
    Runs in this process: use :mod:`pytrace_sem.sandbox` (or the ``pytrace-sem
    inputs`` command) for code you do not trust. Raises
    :class:`~pytrace_sem.errors.SourceError` when the source cannot run and
    :class:`~pytrace_sem.errors.CallError` when ``function`` is missing; a
    function no input survives gives status ``no_valid_input``.

    ``source`` may also be a live top-level function: the source file of its
    module is used (helpers, imports and constants included) and ``function``
    defaults to its name. ``function`` defaults to ``"f"`` for source text.

    >>> found = generate_inputs("def f(xs):\\n    return [x for x in xs if x > 2]\\n", examples=["[1, 5]"])
    >>> found.status, found.coverage
    ('ok', 1.0)
    """
    if callable(source):
        source, function = _module_source(source, function)
    if isinstance(examples, str):
        examples = [examples]
    given = {"max_inputs": max_inputs, "budget_seconds": budget_seconds, "seed": seed}
    options = replace(options or InputOptions(), **{k: v for k, v in given.items() if v is not None})
    found = generate_for_function(source, function or "f", list(examples), options)
    if found.status in (STATUS_SOURCE_ERROR, STATUS_NO_FUNCTION):
        found.raise_for_status()
    return found


def _module_source(func: Callable[..., Any], function: str | None) -> tuple[str, str]:
    """The source text of the module that defines ``func``, and the name to call in it."""
    name = getattr(func, "__qualname__", None)
    if not isinstance(name, str) or "." in name or name == "<lambda>":
        raise CallError(f"generate_inputs needs a top-level function of a module, not {func!r}: "
                        "pass its source text and name instead")
    text = None
    try:
        path = inspect.getsourcefile(func)
        if path is not None:
            with tokenize.open(path) as handle:  # honours a PEP 263 coding line
                text = handle.read()
    except (OSError, TypeError, SyntaxError, UnicodeDecodeError):
        text = None
    if text is None:
        raise SourceError(f"the source of {name}'s module cannot be found (defined interactively?): "
                          "pass its source text instead")
    return text, function or name


# ---------------------------------------------------------------------------
# Many functions, in sandbox workers


@dataclass(frozen=True, slots=True)
class InputJob:
    """One function to generate inputs for, as read from a batch file."""

    id: Any
    source: str
    function: str = "f"
    examples: tuple[str, ...] = ()


#: What a sandbox worker that generates inputs imports before its policy is armed:
#: importing Hypothesis loads every installed Hypothesis plugin (trio's runs ``ldconfig``
#: through ctypes.util), which is the environment's doing, not the function's.
WORKER_PRELOAD: tuple[str, ...] = (
    "pytrace_sem.inputs",
    "pytrace_sem._strategies",
    "pytrace_sem.coverage_guide",
    "hypothesis",
    "hypothesis.strategies",
    "coverage",
)


def _job_in_worker(source: str, function: str, examples: tuple[str, ...], options: dict[str, Any]) -> dict[str, Any]:
    # Plain JSON data crosses the process boundary, nothing that needs our classes.
    return generate_for_function(source, function, examples, InputOptions.from_json(options)).to_json()


def generate_batch(
    jobs: Iterable[InputJob],
    *,
    workers: int = 1,
    options: InputOptions | None = None,
    sandbox: bool = True,
) -> Iterator[tuple[InputJob, InputSet]]:
    """Generate inputs for many functions; yields ``(job, result)`` as each finishes.

    With ``sandbox=True`` every function runs in a :class:`~pytrace_sem.sandbox.Sandbox`
    worker (``workers`` of them), so code that hangs, crashes or misbehaves
    costs only its own result (status ``timeout``, ``crashed``, ``blocked``, ...).
    ``jobs`` is consumed lazily. With ``sandbox=False`` the jobs run one after
    another in this process: only for trusted code.

    >>> jobs = [InputJob("a", "def f(x):\\n    return x + 1\\n", examples=("1",))]
    >>> [(job.id, found.status) for job, found in generate_batch(jobs)]   # doctest: +SKIP
    [('a', 'ok')]
    """
    options = options or InputOptions()
    if workers < 1:
        raise LimitError(f"workers must be at least 1, not {workers}")
    if not sandbox:
        for job in jobs:
            yield job, generate_for_function(job.source, job.function, job.examples, options)
        return
    from pytrace_sem.sandbox import Sandbox

    # Generation stops itself at budget_seconds; the sandbox limit is the backstop
    # for a call that ignores the in-process timer (e.g. a long C-level operation).
    timeout = options.budget_seconds + 4 * options.call_timeout + 15.0
    opts = options.to_json()
    pending: dict[int, InputJob] = {}

    def feed() -> Iterator[tuple[Any, ...]]:
        # imap labels results with their position in this feed.
        for position, job in enumerate(jobs):
            pending[position] = job
            yield (job.source, job.function, tuple(job.examples), opts)

    with Sandbox(workers=workers, timeout=timeout, preload=WORKER_PRELOAD) as box:
        for result in box.imap(_job_in_worker, feed()):
            job = pending.pop(result.id)
            yield job, _from_task(job, result)


def _from_task(job: InputJob, result: Any) -> InputSet:
    if result.status == "ok" and isinstance(result.value, dict):
        try:
            return InputSet.from_json(result.value)
        except (InputGenerationError, KeyError, TypeError) as exc:
            return InputSet(job.function, "crashed", message=f"unreadable result: {exc}")
    message = result.error or f"the worker reported {result.status}"
    return InputSet(job.function, result.status, message=message)
