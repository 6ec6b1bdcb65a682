"""A user's script calling the public API of both packages, checked with ``mypy --strict``.

Never run: tests/test_typing.py type-checks it, the way a user's project checks its own
code against the installed packages (their modules followed silently, as for any
installed package with a ``py.typed``). Every ``reveal_type`` names the type a user's
checker must see; ``Any`` there would mean the annotation is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytrace_sem
from pytrace_sem import InputOptions, InputSet, MonologueReport, Sandbox, TaskResult, Trace
from semcoder.eval import (
    EvalResult,
    GenerationSettings,
    compare,
    evaluate_cruxeval,
    legend,
    load_cruxeval,
    make_backend,
    pass_at_k,
)
from semcoder.tasks import read_jsonl, rows_from_cruxeval, write_jsonl
from semcoder.train import TrainConfig


def double(x: int) -> int:
    return 2 * x


SOURCE = "def f(x):\n    return x + 1\n"

t1: Trace = pytrace_sem.trace_call(SOURCE, "f(1)", max_steps=100)
t2: Trace = pytrace_sem.trace(double, 3)
reveal_type(pytrace_sem.trace_call)
reveal_type(pytrace_sem.trace)
reveal_type(pytrace_sem.traced)
safe_double = pytrace_sem.traced(double)
with pytrace_sem.collect() as bucket:
    doubled: int = safe_double(4)
traces: list[Trace] = bucket + pytrace_sem.traces_of(safe_double)
text: str = pytrace_sem.narrate(t1, style="forward")
report: MonologueReport = pytrace_sem.check_monologue(SOURCE, "f(1)", text)
found: InputSet = pytrace_sem.generate_inputs(SOURCE, "f", options=InputOptions(max_candidates=10))
from_live: InputSet = pytrace_sem.generate_inputs(double)
reveal_type(found)
with Sandbox(timeout=5.0) as box:
    result: TaskResult = box.run_source(SOURCE, "f", "1")
reveal_type(pytrace_sem.SPEEDUPS)
shown: str = str(t1)
t1.show(color=False)

problems = load_cruxeval("tests/data/cruxeval-dev/cruxeval-dev.jsonl")
run: EvalResult = evaluate_cruxeval(problems[:2], make_backend("oracle"), task="output",
                                    settings=GenerationSettings(max_new_tokens=16))
table: str = compare([run]) + legend([run])
chance: float = pass_at_k(5, 2, 1)
rows = rows_from_cruxeval(read_jsonl(Path("tests/data/cruxeval-dev/cruxeval-dev.jsonl"))[:2])
written: int = write_jsonl(rows, "/tmp/rows.jsonl")
config = TrainConfig(model="out/tiny", data=("out/tasks",), out="out/sft", max_steps=10)
