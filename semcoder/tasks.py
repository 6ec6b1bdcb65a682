"""Training rows in TRL's conversational format, and the prompts they share with evaluation.

A row is a plain dict with four columns::

    {"messages": [{"role": "user", "content": "...[PYTHON]...[/PYTHON]"},
                  {"role": "assistant", "content": "[ANSWER]\\nassert f(1) == 2\\n[/ANSWER]"}],
     "task": "output_direct", "id": "sample_0:output_direct", "source": "cruxeval-dev"}

``datasets.load_dataset("json", data_files=...)`` reads a JSONL file of such rows
and TRL's ``SFTTrainer`` trains on ``messages`` (loss on the assistant turn only).
The prompt builders here are the single place that writes a task's wording, so
the training rows and the evaluation prompts in :mod:`semcoder.eval` match.

Typical use (a small training set from CRUXEval-style records)::

    from semcoder.tasks import rows_from_cruxeval, write_jsonl
    rows = rows_from_cruxeval(records, tasks=("output_direct", "input_direct"))
    write_jsonl(rows, "data/train.jsonl")

Conventions (CRUXEval / SemCoder): code sits between ``[PYTHON]`` and ``[/PYTHON]``,
reasoning between ``[MONOLOGUE]`` and ``[/MONOLOGUE]``, the answer is a full
assertion between ``[ANSWER]`` and ``[/ANSWER]``, a repaired function between
``[Refined]`` and ``[/Refined]``. Code and literals are passed through byte for
byte: quotes are never rewritten.

The corpus builder's records become rows with :func:`rows_from_corpus` (all eight
tasks, nothing executed) and whole training folders with :func:`format_corpus`
(``semcoder corpus format``; the paper's four tasks unless told otherwise), with
configurable task mixtures;
:func:`rows_from_cruxeval` is the small stand-in that the tests and the demo use.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from semcoder.errors import DataError

__all__ = [
    "TASKS",
    "PAPER_TASKS",
    "DIRECT_TASKS",
    "ROW_COLUMNS",
    "PREDICTION_MODES",
    "output_prediction_prompt",
    "input_prediction_prompt",
    "prediction_answer",
    "code_generation_prompt",
    "code_answer",
    "refine_prompt",
    "refined_answer",
    "rows_from_cruxeval",
    "rows_from_corpus",
    "corpus_task_counts",
    "mixture_counts",
    "format_corpus",
    "write_jsonl",
    "read_jsonl",
]

#: Every task name a row's ``task`` column may hold: the paper's four tasks plus the
#: direct-answer and scratchpad variants of the two prediction tasks (for the ablation).
TASKS: tuple[str, ...] = (
    "nl2code",
    "output_monologue",
    "input_monologue",
    "debug_refine",
    "output_direct",
    "input_direct",
    "output_scratchpad",
    "input_scratchpad",
)

#: The four tasks SemCoder trains on: NL to code, output prediction with the forward monologue,
#: input prediction with the backward monologue, and PyX-R debugging; ``format_corpus``'s default.
PAPER_TASKS: tuple[str, ...] = ("nl2code", "output_monologue", "input_monologue", "debug_refine")

#: The tasks that need nothing but a function, an input and its output.
DIRECT_TASKS: tuple[str, ...] = ("output_direct", "input_direct")

#: The columns of a training row, in order.
ROW_COLUMNS: tuple[str, ...] = ("messages", "task", "id", "source")

#: How a prediction prompt asks for reasoning before the answer.
PREDICTION_MODES: tuple[str, ...] = ("direct", "monologue", "scratchpad")

_OUTPUT_TASK = (
    "Below is a Python function and an assertion that calls it. Replace ?? with the value "
    "that the call returns, written as a Python literal (no expressions, no function calls), "
    "even if the function looks wrong or incomplete."
)
_INPUT_TASK = (
    "Below is a Python function and an assertion about its result. Replace ?? with arguments, "
    "written as Python literals, for which the call returns the given value. Several inputs "
    "may work; give any one of them."
)
_REASONING = {
    "direct": "",
    "monologue": (" Before answering, reason about the execution step by step between [MONOLOGUE] and [/MONOLOGUE]."),
    "scratchpad": (
        " Before answering, write the execution trace, one line per step with the values that "
        "change, between [SCRATCHPAD] and [/SCRATCHPAD]."
    ),
}
_INPUT_REASONING = {
    "direct": "",
    "monologue": (
        " Before answering, reason backwards from the output to what the input must be, "
        "between [MONOLOGUE] and [/MONOLOGUE]."
    ),
    "scratchpad": _REASONING["scratchpad"],
}
_ANSWER_FORMAT = " Give the whole assertion between [ANSWER] and [/ANSWER]."
_REASONING_TAG = {"monologue": "MONOLOGUE", "scratchpad": "SCRATCHPAD"}


def _code_block(code: str, last_line: str | None = None) -> str:
    body = code if code.endswith("\n") else code + "\n"
    if last_line is not None:
        body += last_line + "\n"
    return f"[PYTHON]\n{body}[/PYTHON]"


def _check_mode(mode: str) -> None:
    if mode not in PREDICTION_MODES:
        raise DataError(f"unknown prediction mode {mode!r}; use one of {', '.join(PREDICTION_MODES)}")


def output_prediction_prompt(code: str, args: str, *, mode: str = "direct", function: str = "f") -> str:
    """The user turn of an output-prediction task (CRUXEval-O).

    >>> print(output_prediction_prompt("def f(x):\\n    return x", "1").splitlines()[-2])
    assert f(1) == ??
    """
    _check_mode(mode)
    instruction = _OUTPUT_TASK + _REASONING[mode] + _ANSWER_FORMAT
    return instruction + "\n" + _code_block(code, f"assert {function}({args}) == ??")


def input_prediction_prompt(code: str, output: str, *, mode: str = "direct", function: str = "f") -> str:
    """The user turn of an input-prediction task (CRUXEval-I).

    >>> print(input_prediction_prompt("def f(x):\\n    return x", "1").splitlines()[-2])
    assert f(??) == 1
    """
    _check_mode(mode)
    instruction = _INPUT_TASK + _INPUT_REASONING[mode] + _ANSWER_FORMAT
    return instruction + "\n" + _code_block(code, f"assert {function}(??) == {output}")


def prediction_answer(
    args: str,
    output: str,
    *,
    function: str = "f",
    reasoning: str | None = None,
    mode: str = "monologue",
) -> str:
    """The assistant turn of either prediction task: optional reasoning, then the assertion.

    >>> prediction_answer("1", "2")
    '[ANSWER]\\nassert f(1) == 2\\n[/ANSWER]'
    """
    answer = f"[ANSWER]\nassert {function}({args}) == {output}\n[/ANSWER]"
    if reasoning is None:
        return answer
    _check_mode(mode)
    tag = _REASONING_TAG[mode]
    return f"[{tag}]\n{reasoning.strip()}\n[/{tag}]\n{answer}"


def code_generation_prompt(task: str) -> str:
    """The user turn of a natural-language-to-code task.

    ``task`` is a description, or a signature with a docstring to complete
    (HumanEval's prompts), or both; it is passed through unchanged.
    """
    body = task if task.endswith("\n") else task + "\n"
    return (
        "Write a Python function that solves the task below. Give the complete function, with "
        "any imports it needs, between [PYTHON] and [/PYTHON].\n" + body
    )


def code_answer(code: str) -> str:
    """The assistant turn of a code-generation task."""
    return _code_block(code)


def refine_prompt(code: str, failure: str, explanation: str | None = None) -> str:
    """The user turn of a debug-and-refine task: buggy code, how it fails, optionally why.

    ``explanation`` is a trace-based account of the failing run (a debugging narrative
    or a scratchpad); without it the prompt is the failure-only control.
    """
    parts = [
        "The Python function below is wrong. Find the bug and fix it. Give the complete fixed "
        "function between [Refined] and [/Refined].",
        _code_block(code),
        "It fails this test:",
        failure.strip(),
    ]
    if explanation:
        parts += ["Here is what happens when the failing call runs:", explanation.strip()]
    return "\n".join(parts)


def refined_answer(code: str, reasoning: str | None = None) -> str:
    """The assistant turn of a debug-and-refine task."""
    body = code if code.endswith("\n") else code + "\n"
    block = f"[Refined]\n{body}[/Refined]"
    return block if reasoning is None else f"{reasoning.strip()}\n{block}"


def _row(row_id: str, task: str, source: str, user: str, assistant: str) -> dict[str, Any]:
    return {
        "messages": [
            {"role": "user", "content": user},
            {"role": "assistant", "content": assistant},
        ],
        "task": task,
        "id": row_id,
        "source": source,
    }


#: Prediction tasks whose reasoning pytrace_sem writes: (task, which prediction, narrate style).
_NARRATED: dict[str, tuple[str, str]] = {
    "output_monologue": ("output", "forward"),
    "input_monologue": ("input", "backward"),
    "output_scratchpad": ("output", "scratchpad"),
    "input_scratchpad": ("input", "scratchpad"),
}


def _between(text: str, start: str, end: str) -> str:
    if start in text and end in text:
        return text.split(start, 1)[1].split(end, 1)[0]
    return text


def _reasoning(code: str, call: str, style: str, seed: int) -> str | None:
    # Traced in this process: fine for benchmark data, not for untrusted code
    # (the corpus builder traces in the sandbox).
    import pytrace_sem

    try:
        trace = pytrace_sem.trace_call(code, call)
    except pytrace_sem.PytraceSemError:
        return None
    if trace.truncated or trace.exception is not None:
        return None
    text = pytrace_sem.narrate(trace, style, seed=seed, cap=60)
    if style == "scratchpad":
        return text.strip()
    return _between(text, "[MONOLOGUE]", "[/MONOLOGUE]").strip()


def rows_from_cruxeval(
    records: Iterable[Mapping[str, Any]],
    *,
    tasks: Sequence[str] = DIRECT_TASKS,
    source: str = "cruxeval",
) -> list[dict[str, Any]]:
    """Training rows for the prediction tasks from CRUXEval-style records.

    Each record needs ``id``, ``code`` (defining ``f``), ``input`` (the argument
    string) and ``output`` (the repr of the result). The direct tasks need nothing
    more; the monologue and scratchpad tasks trace the call with pytrace_sem (in
    this process, so only for trusted code such as benchmark data) and narrate it:
    forward for output prediction, backward for input prediction. A record whose
    call cannot be traced gets no narrated rows. The answer always quotes the
    record's own input and output text.
    """
    import zlib

    unknown = [t for t in tasks if t not in DIRECT_TASKS and t not in _NARRATED]
    if unknown:
        raise DataError(
            f"rows_from_cruxeval makes prediction tasks only, not {', '.join(unknown)}; "
            "build the other tasks with the corpus builder (semcoder corpus format)"
        )
    rows: list[dict[str, Any]] = []
    for record in records:
        try:
            rid, code, args, output = record["id"], record["code"], record["input"], record["output"]
        except KeyError as exc:
            raise DataError(f"CRUXEval record lacks the field {exc.args[0]!r}: {dict(record)!r:.200}") from None
        seed = zlib.crc32(str(rid).encode())
        for task in tasks:
            which, style = ("output" if task.startswith("output") else "input"), _NARRATED.get(task, ("", ""))[1]
            mode = "direct" if not style else ("scratchpad" if style == "scratchpad" else "monologue")
            if which == "output":
                user = output_prediction_prompt(code, args, mode=mode)
            else:
                user = input_prediction_prompt(code, output, mode=mode)
            reasoning = None
            if style:
                reasoning = _reasoning(code, f"f({args})", style, seed)
                if reasoning is None:
                    continue
            answer = prediction_answer(args, output, reasoning=reasoning, mode=mode if style else "monologue")
            rows.append(_row(f"{rid}:{task}", task, source, user, answer))
    return rows


# -- corpus records -> rows (semcoder corpus format) ----------------------------------------

#: Tasks made once per prediction case of a record (each case is one input of the function).
_CASE_TASKS: tuple[str, ...] = (
    "output_direct",
    "input_direct",
    "output_monologue",
    "input_monologue",
    "output_scratchpad",
    "input_scratchpad",
)


def _signature(code: str, entry: str) -> str | None:
    import ast

    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == entry:
            node.body, node.decorator_list = [ast.Pass()], []
            return ast.unparse(node).splitlines()[0]
    return None


def _nl2code_task(description: str, code: str, entry: str) -> str:
    signature = _signature(code, entry)
    text = description.strip()
    if signature:
        text += f"\nThe function's signature is `{signature}`"
    return text


def _failure(entry: str, bug: Mapping[str, Any]) -> str:
    # The wording of semcoder.eval.refine.failure_message, so training matches evaluation.
    call = f"{entry}({bug['input']})"
    actual = str(bug["actual"])
    if actual.startswith("raises "):
        return f"assert {call} == {bug['expected']}\nbut the call raised {actual[len('raises ') :]}"
    return f"assert {call} == {bug['expected']}\nbut the call returned {actual}"


def _debug_reasoning(debug: str) -> str:
    # The narrative ends with the fixed code in [Refined]; refined_answer adds that block itself.
    return debug.split("[Refined]", 1)[0].strip()


def _record_json(record: Any) -> Mapping[str, Any]:
    return record.to_json() if hasattr(record, "to_json") else record


def corpus_task_counts(
    record: Any, tasks: Sequence[str] = TASKS, *, nl2code_from_derived: bool = False
) -> dict[str, int]:
    """How many rows of each task :func:`rows_from_corpus` makes from one corpus record."""
    data = _record_json(record)
    counts: dict[str, int] = {}
    for task in tasks:
        if task == "nl2code":
            ok = bool(str(data.get("description", "")).strip()) and (
                nl2code_from_derived or data.get("description_source") != "derived"
            )
            counts[task] = int(ok)
        elif task == "debug_refine":
            counts[task] = len(data.get("bugs", ()))
        else:
            counts[task] = len(data.get("cases", ()))
    return counts


def rows_from_corpus(
    records: Iterable[Any],
    *,
    tasks: Sequence[str] = TASKS,
    nl2code_from_derived: bool = False,
    monologue_cap: int | None = 60,
) -> Iterator[dict[str, Any]]:
    """Training rows of the paper's tasks from corpus records (:class:`semcoder.corpus.CorpusRecord` or JSON).

    Per record: ``nl2code`` (description -> code; only for real descriptions unless
    ``nl2code_from_derived``), per case the output and input prediction tasks in
    their direct, monologue (forward / backward, already checked against the trace)
    and scratchpad forms, and per injected bug ``debug_refine`` (buggy code and the
    failing test -> debugging narrative and fixed code). Nothing is executed: the
    reasoning comes from the record's traces. Row ids are ``RECORD:TASK[:N]``.

        rows = list(rows_from_corpus(read_corpus("out/corpus"), tasks=("output_monologue", "nl2code")))
    """
    unknown = [t for t in tasks if t not in TASKS]
    if unknown:
        raise DataError(f"unknown task(s) {', '.join(unknown)}; known: {', '.join(TASKS)}")
    for record in records:
        data = _record_json(record)
        rid, source, code, entry = data["id"], data["source"], data["code"], data["entry_point"]
        for task in tasks:
            if task == "nl2code":
                if corpus_task_counts(data, ("nl2code",), nl2code_from_derived=nl2code_from_derived)["nl2code"]:
                    yield _row(
                        f"{rid}:nl2code",
                        task,
                        source,
                        code_generation_prompt(_nl2code_task(data["description"], code, entry)),
                        code_answer(code),
                    )
            elif task == "debug_refine":
                for k, bug in enumerate(data.get("bugs", ())):
                    yield _row(
                        f"{rid}:debug_refine:{k}",
                        task,
                        source,
                        refine_prompt(bug["code"], _failure(entry, bug)),
                        refined_answer(code, reasoning=_debug_reasoning(bug["debug"])),
                    )
            else:
                which = "output" if task.startswith("output") else "input"
                mode = task.split("_", 1)[1]
                for k, case in enumerate(data.get("cases", ())):
                    args, output = case["input"], case["output"]
                    if which == "output":
                        user = output_prediction_prompt(code, args, mode=mode, function=entry)
                    else:
                        user = input_prediction_prompt(code, output, mode=mode, function=entry)
                    reasoning: str | None = None
                    if mode == "monologue":
                        text = case["forward"] if which == "output" else case["backward"]
                        reasoning = _between(text, "[MONOLOGUE]", "[/MONOLOGUE]").strip()
                    elif mode == "scratchpad":
                        import pytrace_sem

                        from semcoder.corpus.records import nested_trace

                        trace = nested_trace(case["trace"])  # record JSON stores it in the fixed layout
                        reasoning = pytrace_sem.narrate(trace, "scratchpad", cap=monologue_cap).strip()
                    answer = prediction_answer(
                        args,
                        output,
                        function=entry,
                        reasoning=reasoning,
                        mode=mode if reasoning is not None else "monologue",
                    )
                    yield _row(f"{rid}:{task}:{k}", task, source, user, answer)


def mixture_counts(
    available: Mapping[str, int], mixture: Mapping[str, float], max_rows: int | None = None
) -> dict[str, int]:
    """Rows to take of each task so that their proportions follow ``mixture`` as closely as the data allows.

    ``mixture`` maps tasks to relative weights (tasks it leaves out get none). The
    largest set with exactly these proportions that no task runs short of is taken,
    capped at ``max_rows`` in all.

    >>> mixture_counts({"nl2code": 100, "output_monologue": 300}, {"nl2code": 1, "output_monologue": 2})
    {'nl2code': 100, 'output_monologue': 200}
    """
    bad = {t: w for t, w in mixture.items() if not (isinstance(w, (int, float)) and w >= 0)}
    if bad:
        raise DataError(f"mixture weights must be numbers >= 0, got {bad}")
    unknown = [t for t in mixture if t not in TASKS]
    if unknown:
        raise DataError(f"unknown task(s) in the mixture: {', '.join(unknown)}; known: {', '.join(TASKS)}")
    weighted = {t: float(w) for t, w in mixture.items() if w > 0}
    if not weighted:
        raise DataError("the mixture gives every task weight 0; give at least one task a positive weight")
    scale = min(available.get(t, 0) / w for t, w in weighted.items())
    if max_rows is not None:
        scale = min(scale, max_rows / sum(weighted.values()))
    return {t: int(scale * weighted[t] + 1e-9) if t in weighted else 0 for t in mixture}


def format_corpus(
    corpus: str | Path,
    out: str | Path,
    *,
    tasks: Sequence[str] = PAPER_TASKS,
    mixture: Mapping[str, float] | None = None,
    max_rows: int | None = None,
    eval_fraction: float = 0.0,
    seed: int = 0,
    nl2code_from_derived: bool = False,
) -> dict[str, Any]:
    """Write a corpus folder's training rows to ``out/train.jsonl`` (and ``out/eval.jsonl``); return the manifest.

    ``tasks`` defaults to the paper's four (:data:`PAPER_TASKS`); pass :data:`TASKS`
    for the ablation variants too. ``mixture`` (task -> weight) picks a seeded subset of rows per task, see
    :func:`mixture_counts`; without it every row of ``tasks`` is written.
    ``eval_fraction`` of the records (chosen by a hash of their id, so all rows of a
    function land in the same split) go to ``eval.jsonl``, which ``semcoder train``
    holds out. ``out/manifest.json`` records the counts and options, and ``out/README.md``
    is a dataset card declaring the splits and features, so ``datasets.load_dataset(out)``
    loads both splits (see :mod:`semcoder.corpus.hf`).

        format_corpus("out/corpus", "out/tasks", mixture={"output_monologue": 2, "input_monologue": 2, "nl2code": 1})
    """
    import random
    import zlib

    from semcoder.corpus.records import read_corpus

    if not 0.0 <= eval_fraction < 1.0:
        raise DataError(f"eval_fraction must be in [0, 1), got {eval_fraction}")
    unknown = [t for t in tasks if t not in TASKS]
    if unknown:
        raise DataError(f"unknown task(s) {', '.join(unknown)}; known: {', '.join(TASKS)}")
    if mixture is not None:
        tasks = tuple(t for t in TASKS if t in mixture and mixture[t] > 0)
    available: dict[str, int] = {t: 0 for t in tasks}
    records = 0
    for record in read_corpus(corpus):
        records += 1
        for task, n in corpus_task_counts(record, tasks, nl2code_from_derived=nl2code_from_derived).items():
            available[task] += n
    chosen: dict[str, set[int] | None] = {t: None for t in tasks}
    wanted = dict(available)
    if mixture is not None:
        wanted = mixture_counts(available, mixture, max_rows)
        rng = random.Random(seed)
        chosen = {t: set(rng.sample(range(available.get(t, 0)), wanted.get(t, 0))) for t in tasks}
    elif max_rows is not None:
        raise DataError("max_rows needs a mixture (which tasks to cut); pass mixture= as well")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    seen = {t: 0 for t in tasks}
    counts: dict[str, dict[str, int]] = {"train": {}, "eval": {}}
    threshold = int(eval_fraction * 10_000)
    with (
        (out / "train.jsonl").open("w", encoding="utf-8") as train_fh,
        (out / "eval.jsonl").open("w", encoding="utf-8") as eval_fh,
    ):
        for record in read_corpus(corpus):
            split = "eval" if zlib.crc32(record.id.encode("utf-8", "surrogatepass")) % 10_000 < threshold else "train"
            fh = eval_fh if split == "eval" else train_fh
            for row in rows_from_corpus([record], tasks=tasks, nl2code_from_derived=nl2code_from_derived):
                task = row["task"]
                position = seen[task]
                seen[task] += 1
                picked = chosen[task]
                if picked is not None and position not in picked:
                    continue
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                counts[split][task] = counts[split].get(task, 0) + 1
    if not counts["eval"]:
        (out / "eval.jsonl").unlink()
    manifest = {
        "kind": "semcoder-tasks",
        "corpus": str(corpus),
        "records": records,
        "rows": {split: sum(c.values()) for split, c in counts.items()},
        "tasks": {split: dict(sorted(c.items())) for split, c in counts.items()},
        "available": dict(sorted(available.items())),
        "mixture": dict(mixture) if mixture is not None else None,
        "max_rows": max_rows,
        "eval_fraction": eval_fraction,
        "seed": seed,
        "files": ["train.jsonl"] + (["eval.jsonl"] if counts["eval"] else []),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    from semcoder.corpus.hf import rows_card, write_card

    write_card(out, rows_card(manifest))
    return manifest


def write_jsonl(rows: Iterable[Mapping[str, Any]], path: str | Path) -> int:
    """Write rows as JSON lines (creating parent folders); return how many were written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Read a JSON-lines file (``.jsonl`` or gzip-compressed ``.jsonl.gz``) into a list of dicts."""
    import gzip

    path = Path(path)
    if not path.is_file():
        raise DataError(f"no such data file: {path}")
    opener = gzip.open if path.suffix == ".gz" else open
    rows: list[dict[str, Any]] = []
    with opener(path, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}:{lineno}: not a JSON line ({exc.msg})") from None
    return rows
