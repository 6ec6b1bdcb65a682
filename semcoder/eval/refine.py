"""Trace-guided self-refinement, with a failure-only control.

Round 0: the model writes a solution to each problem and the tests run. Then,
for up to ``rounds`` rounds, every still-failing solution goes back to the model
with the first failing test; the ``trace`` arm also gets an account of the
failing call made from its pytrace_sem trace (a scratchpad of the statements run
and the values they changed), the ``control`` arm only the failure message. Both
arms start from the same round-0 solutions, so the difference between them is
what the trace adds::

    problems = load_code_problems("tests/data/humanevalplus/HumanEvalPlus.jsonl.gz", limit=20)
    result = refine(problems, make_backend("hf", model="out/sft"), rounds=2)
    result.metrics   # {'pass@1[r0]': ..., 'trace pass@1[r1]': ..., 'control pass@1[r1]': ..., ...}

The failing call is traced in the sandbox: model-written code never runs in this process.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Sequence

from semcoder.errors import EvalError
from semcoder.eval.backends import Backend, GenerationSettings, Request
from semcoder.eval.evalplus import (
    DEFAULT_TIMEOUT,
    CodeProblem,
    TestOutcome,
    assemble_program,
    extract_code,
    make_requests,
    run_tests,
)
from semcoder.eval.execution import REPORT_PRELUDE, run_programs
from semcoder.eval.report import EvalResult
from semcoder.tasks import refine_prompt

__all__ = ["ARMS", "EXPLAIN_STYLES", "failure_message", "explain_failures", "render_scratchpad", "refine"]

#: The two arms: with a trace-based explanation, and the failure message only.
ARMS: tuple[str, ...] = ("trace", "control")

#: How the trace is told: ``scratchpad`` (one line per step); any other style is
#: passed to ``pytrace_sem.narrate`` when that exists (``forward`` gives a monologue).
EXPLAIN_STYLES: tuple[str, ...] = ("scratchpad", "forward")


def failure_message(failure: Any) -> str:
    """The failing test as the model sees it, from a :class:`TestOutcome` failure record."""
    if not failure:
        return "The tests fail."
    kind = failure.get("kind")
    if kind == "wrong":
        return f"assert {failure['call']} == {failure['expected']}\nbut the call returned {failure['got']}"
    if kind == "error":
        return f"assert {failure['call']} == {failure['expected']}\nbut the call raised {failure['error']}"
    if kind == "load":
        return f"The code does not run: {failure.get('error', '')}"
    if kind == "timeout":
        return "The function did not finish in time on one of the tests (it may loop forever)."
    return f"The tests fail ({failure.get('error') or kind})."


def render_scratchpad(trace: Any, max_lines: int = 40, line_offset: int = 0) -> str:
    """One line per recorded step: ``[L3] total += x  ->  total = 6``, then the outcome.

    Line numbers count from ``line_offset`` (where the code the model sees starts in
    the traced program); steps before it (the prompt's helpers) show as ``[helper]``.
    Long runs keep their first and last steps and say how many were left out.
    """
    lines = trace.source.splitlines()
    rendered = []
    for step in trace.steps:
        text = lines[step.line - 1].strip() if 0 < step.line <= len(lines) else ""
        changes = ", ".join(f"{name} = {value.get('repr', '?')}" for name, value in step.changes.items())
        indent = "  " * max(0, step.depth)
        where = f"L{step.line - line_offset}" if step.line > line_offset else "helper"
        rendered.append(f"{indent}[{where}] {text}" + (f"  ->  {changes}" if changes else ""))
    if len(rendered) > max_lines:
        head, tail = rendered[: max_lines // 2], rendered[-(max_lines - max_lines // 2) :]
        rendered = head + [f"... ({len(rendered) - len(head) - len(tail)} steps left out) ..."] + tail
    if trace.exception is not None:
        rendered.append(f"The call raises {trace.exception.type}: {trace.exception.message}")
    elif trace.return_value is not None:
        rendered.append(f"The call returns {trace.return_value.get('repr')}")
    return "\n".join(rendered)


# Runs in the sandbox with the parent's import path: traces one call with pytrace_sem
# and reports the explanation text (or why there is none).
_EXPLAINER = r"""
import json, sys
with open("explain.json", encoding="utf-8") as _fh:
    _job = json.load(_fh)
sys.path[:0] = _job["path"]
try:
    import pytrace_sem
    from semcoder.eval.refine import render_scratchpad
    _trace = pytrace_sem.trace_call(_job["source"], _job["call"], max_steps=_job["max_steps"])
    _narrate = getattr(pytrace_sem, "narrate", None)
    if _job["style"] != "scratchpad" and _narrate is not None:
        _text = _narrate(_trace, style=_job["style"])
    else:
        _text = render_scratchpad(_trace, _job["max_lines"], _job["line_offset"])
    _report({"text": _text})
except BaseException as _e:
    _report({"error": type(_e).__name__ + ": " + str(_e)[:300]})
"""


def _import_path() -> list[str]:
    # The sandboxed child starts without site-packages; give it where pytrace_sem,
    # semcoder and their dependencies (libcst) live in this interpreter.
    import pytrace_sem
    import semcoder

    roots = [os.path.dirname(os.path.dirname(os.path.abspath(m.__file__ or ""))) for m in (pytrace_sem, semcoder)]
    return list(dict.fromkeys(roots + [os.path.abspath(p) for p in sys.path if p]))


def explain_failures(
    jobs: Sequence[tuple[str, str, int] | None],
    *,
    style: str = "scratchpad",
    max_lines: int = 40,
    max_steps: int = 2000,
    timeout: float = 30.0,
    workers: int = 2,
) -> list[str | None]:
    """For each (program source, failing call, line offset), the trace-based explanation, or None.

    The line offset is where the code the model is shown starts inside the program.
    """
    indices = [i for i, job in enumerate(jobs) if job is not None]
    files = []
    for i in indices:
        source, call, offset = jobs[i]  # type: ignore[misc]
        files.append(
            {
                "explain.json": json.dumps(
                    {
                        "path": _import_path(),
                        "source": source,
                        "call": call,
                        "style": style,
                        "max_lines": max_lines,
                        "max_steps": max_steps,
                        "line_offset": offset,
                    }
                )
            }
        )
    results = run_programs([REPORT_PRELUDE + _EXPLAINER] * len(indices), timeout=timeout, workers=workers, files=files)
    out: list[str | None] = [None] * len(jobs)
    for i, result in zip(indices, results):
        report = next((r for r in result.reports if isinstance(r, dict)), None)
        if report and report.get("text"):
            out[i] = report["text"]
    return out


def _as_dict(failure: Any) -> dict[str, Any] | None:
    return None if failure is None else dict(failure)


def _passed(outcome: TestOutcome, plus: bool) -> bool:
    return bool(outcome.plus) if plus else outcome.base


def _shown_code(problem: CodeProblem, code: str, program: str) -> str:
    # Show the model its own function when it wrote one, the assembled program when it wrote a body.
    return code if f"def {problem.entry_point}" in code else program


def refine(
    problems: Sequence[CodeProblem],
    backend: Backend,
    *,
    rounds: int = 2,
    plus: bool = False,
    settings: GenerationSettings | None = None,
    style: str = "scratchpad",
    timeout: float = DEFAULT_TIMEOUT,
    workers: int = 2,
    benchmark: str = "humaneval",
    model_name: str | None = None,
) -> EvalResult:
    """Run round 0 and up to ``rounds`` refinement rounds in both arms; pass@1 per round and arm."""
    if rounds < 1:
        raise EvalError(f"--rounds must be at least 1, got {rounds}")
    if any(p.base_inputs is None for p in problems):
        raise EvalError("refinement needs problems with test inputs (HumanEval+ or MBPP+ data)")
    settings = settings or GenerationSettings(stop=("[/PYTHON]", "[/Refined]"))
    if settings.samples != 1:
        raise EvalError("refinement follows one solution per problem; use --samples 1")

    first = backend.generate(make_requests(problems), settings)
    codes = [extract_code(r[0]) for r in first]
    programs = [assemble_program(p, c) for p, c in zip(problems, codes)]
    outcomes = [
        row[0] for row in run_tests(problems, [[g] for g in programs], plus=plus, timeout=timeout, workers=workers)
    ]
    n = len(problems)
    metrics: dict[str, float] = {"pass@1[r0]": sum(_passed(o, plus) for o in outcomes) / max(1, n)}
    history: dict[str, list[list[bool]]] = {arm: [[_passed(o, plus)] for o in outcomes] for arm in ARMS}
    explained = {arm: 0 for arm in ARMS}
    last_prompts: dict[str, dict[int, str]] = {arm: {} for arm in ARMS}

    for arm in ARMS:
        state = [(c, g, o) for c, g, o in zip(codes, programs, outcomes)]
        for k in range(1, rounds + 1):
            failing = [i for i, (_, _, o) in enumerate(state) if not _passed(o, plus)]
            explanations: list[str | None] = [None] * len(failing)
            if arm == "trace":
                jobs = []
                for i in failing:
                    code, program, outcome = state[i]
                    failure = outcome.failure or {}
                    call = failure.get("call")
                    usable = failure.get("kind") in ("wrong", "error") and call and not call.endswith("...")
                    shown = _shown_code(problems[i], code, program)
                    offset = program[: program.rfind(shown)].count("\n") if shown in program else 0
                    jobs.append((program, str(call), offset) if usable else None)
                explanations = explain_failures(jobs, style=style, workers=workers)
                explained[arm] += sum(e is not None for e in explanations)
            requests = []
            for i, explanation in zip(failing, explanations):
                problem, (code, program, outcome) = problems[i], state[i]
                shown = _shown_code(problem, code, program)
                prompt = refine_prompt(shown, failure_message(outcome.failure), explanation)
                last_prompts[arm][i] = prompt
                requests.append(
                    Request(prompt=prompt, kind="refine", context={"code": shown, "reference": problem.reference})
                )
            if requests:
                responses = backend.generate(requests, settings)
                new_codes = [extract_code(r[0], tags=("Refined", "PYTHON")) for r in responses]
                new_programs = [assemble_program(problems[i], c) for i, c in zip(failing, new_codes)]
                results = run_tests(
                    [problems[i] for i in failing],
                    [[g] for g in new_programs],
                    plus=plus,
                    timeout=timeout,
                    workers=workers,
                )
                for i, c, g, row in zip(failing, new_codes, new_programs, results):
                    state[i] = (c, g, row[0])
            for i in range(n):
                history[arm][i].append(_passed(state[i][2], plus))
            metrics[f"{arm} pass@1[r{k}]"] = sum(h[k] for h in history[arm]) / max(1, n)

    records = []
    for i, p in enumerate(problems):
        record: dict[str, Any] = {
            "id": p.task_id,
            "correct": history["trace"][i][0],
            "rounds": {arm: history[arm][i] for arm in ARMS},
            "first_failure": _as_dict(outcomes[i].failure),
        }
        if i in last_prompts["trace"]:
            record["last_trace_prompt"] = last_prompts["trace"][i]
        records.append(record)
    return EvalResult(
        benchmark=f"refine-{benchmark}" + ("+" if plus else ""),
        model=model_name or str(getattr(backend, "model_name", backend.name)),
        backend=backend.name,
        n=n,
        metrics=metrics,
        settings={
            "rounds": rounds,
            "style": style,
            "tests": "base+plus" if plus else "base",
            "explained_failures": explained["trace"],
            "temperature": settings.temperature,
            "max_new_tokens": settings.max_new_tokens,
        },
        records=tuple(records),
    )
