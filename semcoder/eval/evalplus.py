"""HumanEval(+) and MBPP(+): generate a function, run it on the tests in the sandbox, report pass@1.

Two test sets per problem, as EvalPlus defines them: ``base`` (the original
tests) and ``plus`` (base and EvalPlus's extra inputs). Expected outputs are not
stored in the data: they come from running the canonical solution on the same
inputs in the same sandboxed process, right before the candidate; floats compare
within the problem's ``atol`` (or 1e-6) and a relative 1e-7. Inputs on which the
canonical solution itself raises are dropped (and counted)::

    problems = load_code_problems("tests/data/humanevalplus/HumanEvalPlus.jsonl.gz")
    result = evaluate_code(problems, make_backend("oracle"), plus=True)
    result.metrics   # {'pass@1': 1.0, 'pass@1+': 1.0}

Data without EvalPlus inputs (the original HumanEval file) is scored by its own
``check`` function. MBPP+ stores tuples as JSON lists and complex numbers as
strings; the argument types are recovered from each problem's original
assertion (see :func:`argument_converters`).
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from semcoder.errors import DataError, EvalError
from semcoder.eval.backends import Backend, GenerationSettings, Request
from semcoder.eval.execution import REPORT_PRELUDE, ProgramResult, run_programs
from semcoder.eval.report import EvalResult, mean_pass_at_k
from semcoder.tasks import code_generation_prompt, read_jsonl

__all__ = [
    "CodeProblem",
    "TestOutcome",
    "DEFAULT_TIMEOUT",
    "load_code_problems",
    "argument_converters",
    "make_requests",
    "extract_code",
    "assemble_program",
    "run_tests",
    "evaluate_code",
]

#: Wall-clock backstop per problem and program run: a problem's process may run for this
#: times (1 + the number of candidates) before it is killed.
DEFAULT_TIMEOUT = 120.0
#: A candidate may take this many times the reference's time on a test set, at least ``min_limit``.
_SLOWDOWN = 4.0

#: Problems whose outputs EvalPlus does not compare with the canonical one by value (its
#: "special oracles"), because the problem admits several right answers: any root of the
#: polynomial within ``atol``; a collection in any order; a regex match object or not
#: (only whether one was found counts); the canonical number or that of the other
#: reading of an ambiguous statement. Without these, right solutions fail here.
_ORACLES: dict[str, str] = {
    "HumanEval/32": "polynomial-root",
    **{f"Mbpp/{n}": "same-set" for n in (2, 7, 111, 140, 232, 249, 579, 769)},
    **{f"Mbpp/{n}": "found-or-not" for n in (737, 787, 794)},
    "Mbpp/558": "digit-distance",
    "Mbpp/581": "pyramid-area",
}


@dataclass(frozen=True, slots=True)
class CodeProblem:
    """One code-generation problem.

    ``prompt`` is what the model completes or solves; ``reference`` a complete
    correct program; ``base_inputs`` / ``plus_inputs`` argument lists (JSON, as
    EvalPlus stores them) with ``converters`` that restore their Python types;
    ``test`` a ``check(candidate)`` function for data that has no inputs.
    """

    task_id: str
    prompt: str
    entry_point: str
    reference: str
    base_inputs: tuple[Any, ...] | None = None
    plus_inputs: tuple[Any, ...] = ()
    atol: float = 0.0
    converters: tuple[Any, ...] | None = None
    test: str | None = None
    description: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "prompt": self.prompt,
            "entry_point": self.entry_point,
            "reference": self.reference,
            "base_inputs": None if self.base_inputs is None else list(self.base_inputs),
            "plus_inputs": list(self.plus_inputs),
            "atol": self.atol,
            "converters": None if self.converters is None else list(self.converters),
            "test": self.test,
            "description": self.description,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "CodeProblem":
        base = data.get("base_inputs")
        conv = data.get("converters")
        return cls(
            task_id=data["task_id"],
            prompt=data["prompt"],
            entry_point=data["entry_point"],
            reference=data["reference"],
            base_inputs=None if base is None else tuple(base),
            plus_inputs=tuple(data.get("plus_inputs") or ()),
            atol=float(data.get("atol") or 0.0),
            converters=None if conv is None else tuple(conv),
            test=data.get("test"),
            description=data.get("description", ""),
        )


@dataclass(frozen=True, slots=True)
class TestOutcome:
    """How one candidate did: base and plus verdicts, and the first failure (for refinement)."""

    base: bool
    plus: bool | None
    failure: Mapping[str, Any] | None = None
    skipped_inputs: int = 0
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "plus": self.plus,
            "failure": None if self.failure is None else dict(self.failure),
            "skipped_inputs": self.skipped_inputs,
            "detail": self.detail,
        }


# -- loading -----------------------------------------------------------------------


def _literal(node: ast.AST) -> Any:
    return ast.literal_eval(node)


def _has_tuple_inside(value: Any) -> bool:
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(isinstance(v, tuple) or _has_tuple_inside(v) for v in value)
    if isinstance(value, dict):
        return any(isinstance(v, tuple) or _has_tuple_inside(v) for v in value.values())
    return False


def _merge(specs: Sequence[Any]) -> Any:
    # Elements of one container should convert alike; "keep" yields to anything more specific.
    chosen: Any = ["keep"]
    for spec in specs:
        if chosen == ["keep"]:
            chosen = spec
    return chosen


def _infer(typed: Any, stored: Any) -> Any:
    """A converter spec that maps the stored JSON value to the typed value the assertion uses."""
    if isinstance(typed, bool):
        return ["keep"]
    if isinstance(stored, str) and not isinstance(typed, str):
        return ["literal"]
    if isinstance(typed, (int, float, complex)):
        return ["number"]
    if isinstance(typed, tuple) and isinstance(stored, list):
        if isinstance(typed, tuple) and _has_tuple_inside(typed):
            return ["deep_tuple"]
        return ["tuple", _merge([_infer(t, s) for t, s in zip(typed, stored)])]
    if isinstance(typed, list) and isinstance(stored, list):
        return ["list", _merge([_infer(t, s) for t, s in zip(typed, stored)])]
    if isinstance(typed, (set, frozenset)) and isinstance(stored, list):
        return ["set" if isinstance(typed, set) else "frozenset"]
    if isinstance(typed, dict) and isinstance(stored, dict):
        pairs = [(typed[k], stored[k]) for k in typed if k in stored]
        return ["dict", _merge([_infer(t, s) for t, s in pairs])]
    return ["keep"]


def _first_call(assertion: str, entry_point: str) -> list[Any] | None:
    try:
        tree = ast.parse(assertion)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == entry_point:
            try:
                return [_literal(a) for a in node.args]
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                return None
    return None


def argument_converters(assertion: str, entry_point: str, first_input: Sequence[Any]) -> tuple[Any, ...] | None:
    """Per-argument converter specs that turn EvalPlus's JSON inputs back into the original types.

    The original assertion (``assert add_lists([5, 6, 7], (9, 10)) == ...``) shows the
    types the function was written for; comparing its literal arguments with the
    stored first input (``[[5, 6, 7], [9, 10]]``) says which lists were tuples, which
    strings were numbers, and so on. None when the assertion gives no literal call.
    """
    typed = _first_call(assertion, entry_point)
    if typed is None or len(typed) != len(first_input):
        return None
    specs = tuple(_infer(t, s) for t, s in zip(typed, first_input))
    return None if all(s == ["keep"] for s in specs) else specs


def _mbpp_description(prompt: str) -> str:
    text = prompt.strip().strip('"').strip()
    return text


def load_code_problems(source: str, *, limit: int | None = None) -> list[CodeProblem]:
    """Problems from a HumanEval, HumanEval+ or MBPP+ JSONL file (``.jsonl`` or ``.jsonl.gz``).

    HumanEval-style records have ``prompt``, ``canonical_solution``, ``test``,
    ``entry_point`` (the reference is prompt + canonical solution); EvalPlus adds
    ``base_input``, ``plus_input`` and ``atol``; MBPP+ records carry a complete
    canonical solution and the original ``assertion``.
    """
    path = Path(source)
    if not path.is_file():
        raise DataError(f"no such problem file: {source} (give a HumanEval(+) or MBPP(+) .jsonl or .jsonl.gz)")
    problems = []
    for row in read_jsonl(path):
        try:
            task_id, prompt, entry = row["task_id"], row["prompt"], row["entry_point"]
            canonical = row["canonical_solution"]
        except KeyError as exc:
            raise DataError(f"{path}: record lacks {exc.args[0]!r}; not HumanEval/MBPP data") from None
        is_mbpp = "assertion" in row and "test" not in row
        reference = canonical if is_mbpp else prompt + canonical
        base = row.get("base_input")
        plus = row.get("plus_input") or []
        converters = None
        if is_mbpp and base:
            converters = argument_converters(row["assertion"], entry, base[0])
        problems.append(
            CodeProblem(
                task_id=task_id,
                prompt=prompt,
                entry_point=entry,
                reference=reference,
                base_inputs=None if base is None else tuple(base),
                plus_inputs=tuple(plus) if isinstance(plus, list) else (),
                atol=float(row.get("atol") or 0.0),
                converters=converters,
                test=row.get("test") if not is_mbpp else row.get("assertion"),
                description=_mbpp_description(prompt) if is_mbpp else "",
            )
        )
    if not problems:
        raise DataError(f"{path} holds no problems")
    return problems[:limit] if limit else problems


# -- prompting and extraction ---------------------------------------------------------


def make_requests(problems: Sequence[CodeProblem]) -> list[Request]:
    """One code-generation request per problem (the prompt of :mod:`semcoder.tasks`)."""
    return [
        Request(
            prompt=code_generation_prompt(p.prompt),
            kind="code",
            context={"prompt": p.prompt, "reference": p.reference, "task_id": p.task_id},
        )
        for p in problems
    ]


def _blocks(text: str, tag: str) -> list[str]:
    return re.findall(rf"\[{tag}\]\n?(.*?)(?:\[/{tag}\]|\Z)", text, re.S)


def extract_code(response: str, tags: Sequence[str] = ("PYTHON",)) -> str:
    """The code in a response: the last ``[PYTHON]`` (or other tag) block, else a fenced block, else all."""
    for tag in tags:
        blocks = [b for b in _blocks(response, tag) if b.strip()]
        if blocks:
            return blocks[-1]
    fenced = re.findall(r"```(?:python|py|Python)?[ \t]*\n(.*?)(?:```|\Z)", response, re.S)
    fenced = [f for f in fenced if f.strip()]
    if fenced:
        with_def = [f for f in fenced if "def " in f]
        return (with_def or fenced)[-1]
    return response


def assemble_program(problem: CodeProblem, code: str) -> str:
    """The candidate program: the prompt first (its imports and helpers), then the model's code.

    A full function redefines the prompt's stub; a bare body completes it.
    """
    defines = re.search(rf"^\s*(?:async\s+)?def\s+{re.escape(problem.entry_point)}\s*\(", code, re.M)
    prompt = problem.prompt if problem.prompt.endswith("\n") else problem.prompt + "\n"
    if defines:
        return prompt + "\n" + code
    return prompt + code


# -- running tests in the sandbox ------------------------------------------------------

# Runs inside the sandbox: reference first (expected outputs, its time), then each
# candidate under a soft time limit, reporting one JSON line per candidate and phase.
_CHECKER = r"""
import copy, json, math, signal, sys
sys.setrecursionlimit(max(sys.getrecursionlimit(), 4000))
with open("task.json", encoding="utf-8") as _fh:
    _task = json.load(_fh)

def _literal(v):
    import ast
    if isinstance(v, str):
        try:
            return ast.literal_eval(v)
        except Exception:
            return v
    return v

def _deep_tuple(v):
    if isinstance(v, list):
        return tuple(_deep_tuple(x) for x in v)
    if isinstance(v, dict):
        return {k: _deep_tuple(x) for k, x in v.items()}
    return v

def _apply(spec, v):
    kind = spec[0]
    if kind in ("literal", "number"):
        return _literal(v)
    if kind == "deep_tuple":
        return _deep_tuple(v)
    if kind == "tuple" and isinstance(v, list):
        return tuple(_apply(spec[1], x) for x in v)
    if kind == "list" and isinstance(v, list):
        return [_apply(spec[1], x) for x in v]
    if kind == "set" and isinstance(v, list):
        return set(_deep_tuple(v))
    if kind == "frozenset" and isinstance(v, list):
        return frozenset(_deep_tuple(v))
    if kind == "dict" and isinstance(v, dict):
        return {k: _apply(spec[1], x) for k, x in v.items()}
    return v

def _args(raw):
    conv = _task["converters"]
    if conv is None or len(conv) != len(raw):
        return list(raw)
    return [_apply(c, a) for c, a in zip(conv, raw)]

def _close(a, b, atol):
    try:
        if a == b:
            return True
    except Exception:
        return False
    if isinstance(b, float) and isinstance(a, (int, float)) and not isinstance(a, bool):
        if math.isnan(b):
            return isinstance(a, float) and math.isnan(a)
        return math.isclose(a, b, rel_tol=1e-7, abs_tol=atol or 1e-6)
    if isinstance(b, complex) and isinstance(a, (int, float, complex)):
        return abs(a - b) <= max(atol or 1e-6, 1e-7 * abs(b))
    if isinstance(a, (list, tuple)) and type(a) is type(b) and len(a) == len(b):
        return all(_close(x, y, atol) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        return all(_close(a[k], b[k], atol) for k in b)
    if type(a) is type(b) and type(b).__eq__ is object.__eq__:
        # Objects without value equality (re.Match, plain classes): same type and same repr.
        try:
            return repr(a) == repr(b) and "0x" not in repr(b)
        except Exception:
            return False
    return False

def _digit_distance_padded(a, b):
    # Mbpp/558's other reading: pad the shorter number with leading zeros.
    x, y = str(a), str(b)
    width = max(len(x), len(y))
    return sum(abs(int(p) - int(q)) for p, q in zip(x.zfill(width), y.zfill(width)))

def _pyramid_area_rounded(edge, height):
    # Mbpp/581's other reading: height is the apex's perpendicular height, area rounded.
    slant = math.sqrt((edge / 2) ** 2 + height ** 2)
    return round(edge * edge + 2 * edge * slant)

def _matches(got, exp, args, atol):
    oracle = _task["oracle"]
    if oracle == "polynomial-root":
        try:
            return abs(sum(c * math.pow(got, i) for i, c in enumerate(args[0]))) <= atol
        except Exception:
            return False
    if oracle == "found-or-not":
        found = exp is not None
        return got == found if isinstance(got, bool) else (got is not None) == found
    try:
        if oracle == "same-set" and set(got) == set(exp):
            return True
        if oracle == "digit-distance" and got == _digit_distance_padded(*args):
            return True
        if oracle == "pyramid-area" and abs(got - _pyramid_area_rounded(*args)) <= atol:
            return True
    except Exception:
        pass
    return _close(got, exp, atol)

class _SoftTimeout(BaseException):
    pass

def _alarm(signum, frame):
    raise _SoftTimeout()

signal.signal(signal.SIGALRM, _alarm)

def _short(text, n=400):
    return text if len(text) <= n else text[:n] + "..."

def _safe_repr(v):
    try:
        return _short(repr(v))
    except BaseException as e:
        return "<unrepresentable %s>" % type(e).__name__

def _load(source, name):
    ns = {"__name__": "__main__"}
    exec(compile(source, name, "exec"), ns)
    if _task["entry_point"] not in ns:
        raise NameError("the code defines no function named %r" % _task["entry_point"])
    return ns[_task["entry_point"]]

import time as _time
_ref = _load(_task["reference"], "<reference>")
_phases = [p for p in ("base", "plus") if _task[p] is not None]
_expected = {}
_ref_time = {}
_skipped = 0
for _phase in _phases:
    _t0 = _time.perf_counter()
    _rows = []
    for _raw in _task[_phase]:
        _a = _args(_raw)
        try:
            _rows.append((_a, _ref(*copy.deepcopy(_a))))
        except BaseException:
            _skipped += 1
    _expected[_phase] = _rows
    _ref_time[_phase] = _time.perf_counter() - _t0
_report({"reference": True, "skipped": _skipped, "ref_time": _ref_time})

def _call_text(a):
    return _task["entry_point"] + "(" + ", ".join(_safe_repr(x) for x in a) + ")"

for _j, _source in enumerate(_task["candidates"]):
    try:
        signal.setitimer(signal.ITIMER_REAL, _task["min_limit"])
        _fn = _load(_source, "<candidate>")
        signal.setitimer(signal.ITIMER_REAL, 0)
    except BaseException as _e:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _report({"candidate": _j, "phase": "load", "passed": False,
                 "failure": {"kind": "load", "error": _short(type(_e).__name__ + ": " + str(_e))}})
        continue
    for _phase in _phases:
        _limit = max(_task["min_limit"], _task["slowdown"] * _ref_time[_phase])
        _failure = None
        signal.setitimer(signal.ITIMER_REAL, _limit)
        try:
            for _i, (_a, _exp) in enumerate(_expected[_phase]):
                try:
                    _got = _fn(*copy.deepcopy(_a))
                except _SoftTimeout:
                    raise
                except BaseException as _e:
                    _failure = {"kind": "error", "index": _i, "call": _short(_call_text(_a), 4000),
                                "args": _safe_repr(_a), "expected": _safe_repr(_exp),
                                "error": _short(type(_e).__name__ + ": " + str(_e))}
                    break
                if not _matches(_got, _exp, _a, _task["atol"]):
                    _failure = {"kind": "wrong", "index": _i, "call": _short(_call_text(_a), 4000),
                                "args": _safe_repr(_a), "expected": _safe_repr(_exp), "got": _safe_repr(_got)}
                    break
        except _SoftTimeout:
            _failure = {"kind": "timeout", "limit": round(_limit, 3)}
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        _report({"candidate": _j, "phase": _phase, "passed": _failure is None, "failure": _failure})
"""


def _checker_task(problem: CodeProblem, candidates: Sequence[str], plus: bool, min_limit: float) -> str:
    return json.dumps(
        {
            "entry_point": problem.entry_point,
            "reference": problem.reference,
            "candidates": list(candidates),
            "base": list(problem.base_inputs or ()),
            "plus": list(problem.plus_inputs) if plus else None,
            "atol": problem.atol,
            "converters": None if problem.converters is None else list(problem.converters),
            "min_limit": min_limit,
            "slowdown": _SLOWDOWN,
            "oracle": _ORACLES.get(problem.task_id),
        }
    )


def _outcomes_from_checker(result: ProgramResult, count: int, plus: bool) -> list[TestOutcome]:
    reports = [r for r in result.reports if isinstance(r, dict)]
    head = next((r for r in reports if r.get("reference")), None)
    if head is None:
        detail = f"reference solution did not run ({result.status}: {result.error_line()})"
        return [TestOutcome(False, False if plus else None, None, 0, detail) for _ in range(count)]
    skipped = int(head.get("skipped", 0))
    outcomes = []
    for j in range(count):
        mine = {r["phase"]: r for r in reports if r.get("candidate") == j}
        if not mine:
            outcomes.append(
                TestOutcome(False, False if plus else None, {"kind": result.status}, skipped, result.status)
            )
            continue
        if "load" in mine:
            failure = mine["load"]["failure"]
            outcomes.append(TestOutcome(False, False if plus else None, failure, skipped, "load"))
            continue
        base = bool(mine.get("base", {}).get("passed", False))
        failure = mine.get("base", {}).get("failure") if "base" in mine else {"kind": result.status}
        plus_ok: bool | None = None
        if plus:
            extra = mine.get("plus")
            plus_ok = base and extra is not None and bool(extra["passed"])
            if base and failure is None:
                failure = {"kind": result.status} if extra is None else extra.get("failure")
        outcomes.append(TestOutcome(base, plus_ok, failure, skipped, ""))
    return outcomes


def run_tests(
    problems: Sequence[CodeProblem],
    programs: Sequence[Sequence[str]],
    *,
    plus: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    min_limit: float = 5.0,
    workers: int = 2,
) -> list[list[TestOutcome]]:
    """Test each problem's candidate programs; ``result[i][j]`` is candidate ``j`` of problem ``i``.

    Problems with EvalPlus inputs run in one sandboxed process per problem (the
    reference once, then each candidate); others run their ``check`` function,
    one process per candidate.
    """
    sources: list[str] = []
    files: list[Mapping[str, str] | None] = []
    plan: list[tuple[str, int, int]] = []  # (how, first program index, count)
    for problem, candidates in zip(problems, programs, strict=True):
        if problem.base_inputs is not None:
            plan.append(("inputs", len(sources), len(candidates)))
            sources.append(REPORT_PRELUDE + _CHECKER)
            files.append({"task.json": _checker_task(problem, candidates, plus, min_limit)})
        else:
            if plus:
                raise EvalError(
                    f"{problem.task_id} has no EvalPlus inputs, so --plus cannot run; use HumanEvalPlus/MbppPlus data"
                )
            if not problem.test:
                raise EvalError(f"{problem.task_id} has neither inputs nor a test to run")
            plan.append(("check", len(sources), len(candidates)))
            for code in candidates:
                sources.append(f"{code}\n\n{problem.test}\n\ncheck({problem.entry_point})\n")
                files.append(None)
    # The backstop wall-clock limit grows with the programs' work: the reference runs
    # once and each candidate after it (their own soft limits catch ordinary hangs).
    most = max((count for _, _, count in plan), default=1)
    results = run_programs(sources, timeout=timeout * (1 + most), workers=workers, files=files)
    out: list[list[TestOutcome]] = []
    for how, first, count in plan:
        if how == "inputs":
            out.append(_outcomes_from_checker(results[first], count, plus))
        else:
            row = []
            for r in results[first : first + count]:
                failure = None if r.passed else {"kind": r.status, "error": r.error_line()}
                row.append(TestOutcome(r.passed, None, failure, 0, ""))
            out.append(row)
    return out


def evaluate_code(
    problems: Sequence[CodeProblem],
    backend: Backend,
    *,
    plus: bool = False,
    settings: GenerationSettings | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    workers: int = 2,
    benchmark: str = "humaneval",
    model_name: str | None = None,
) -> EvalResult:
    """Generate one or more solutions per problem and report pass@1 (base) and pass@1+ (with plus)."""
    settings = settings or GenerationSettings(stop=("[/PYTHON]",))
    requests = make_requests(problems)
    responses = backend.generate(requests, settings)
    programs = [[assemble_program(p, extract_code(r)) for r in rs] for p, rs in zip(problems, responses)]
    outcomes = run_tests(problems, programs, plus=plus, timeout=timeout, workers=workers)
    base = [[o.base for o in row] for row in outcomes]
    metrics = mean_pass_at_k(base)
    if plus:
        metrics.update(
            {k + "+": v for k, v in mean_pass_at_k([[bool(o.plus) for o in row] for row in outcomes]).items()}
        )
    records = []
    for p, rs, row in zip(problems, responses, outcomes):
        record: dict[str, Any] = {
            "id": p.task_id,
            "correct": row[0].base,
            "plus_correct": row[0].plus,
            "completion": extract_code(rs[0]),
            "failure": None if row[0].failure is None else dict(row[0].failure),
            "skipped_inputs": row[0].skipped_inputs,
        }
        if len(rs) > 1:
            record["corrects"] = [o.base for o in row]
            if plus:
                record["plus_corrects"] = [o.plus for o in row]
        record["responses"] = rs
        records.append(record)
    return EvalResult(
        benchmark=benchmark + ("+" if plus else ""),
        model=model_name or str(getattr(backend, "model_name", backend.name)),
        backend=backend.name,
        n=len(problems),
        metrics=metrics,
        settings={
            "tests": "base+plus" if plus else "base",
            "samples": settings.samples,
            "temperature": settings.temperature,
            "max_new_tokens": settings.max_new_tokens,
        },
        records=tuple(records),
    )
