"""The trace model: JSON round trips, the shipped JSON Schema, versions, determinism."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

import pytrace_sem
from pytrace_sem.errors import TraceFormatError
from pytrace_sem.trace import EVENTS, SCHEMA_VERSION, ExceptionInfo, Step, Stopped, Trace, schema, validate
from tests import datasets

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden" / "trace"
GOLDEN_FILES = sorted(GOLDEN.glob("*.json"))

SOURCE = "def f(xs):\n    s = {x for x in xs}\n    for x in xs:\n        s.add(x * 2)\n    return sorted(s)\n"


def _roundtrip(t: Trace) -> None:
    data = t.to_json()
    validate(data)
    assert Trace.from_json(data) == t
    text = t.dumps()
    again = Trace.loads(text)
    assert again == t
    assert again.dumps() == text
    # Through real JSON text (tuples become lists, and so on) and back.
    assert Trace.from_json(json.loads(json.dumps(data))) == t


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())
    assert schema()["properties"]["schema_version"] == {"const": SCHEMA_VERSION}


def test_events_in_the_schema_match_the_model() -> None:
    assert tuple(schema()["$defs"]["step"]["properties"]["event"]["enum"]) == EVENTS


def test_roundtrip_of_a_small_trace() -> None:
    t = pytrace_sem.trace_call(SOURCE, "f([3, 1])")
    _roundtrip(t)
    assert t.schema_version == SCHEMA_VERSION


def test_roundtrip_of_a_truncated_trace_with_an_exception() -> None:
    src = "def f(n):\n    for i in range(n):\n        pass\n    raise ValueError(f'done {n}')\n"
    t = pytrace_sem.trace_call(src, "f(50)", max_steps=10)
    assert t.truncated and t.stopped == Stopped("max_steps", 10, t.stopped.line)
    assert t.exception == ExceptionInfo("ValueError", "done 50")
    _roundtrip(t)


@pytest.mark.parametrize("path", GOLDEN_FILES, ids=[p.stem for p in GOLDEN_FILES])
def test_golden_files_roundtrip_and_validate(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    validate(data)
    t = Trace.loads(text, where=str(path))
    assert t.to_json() == data
    _roundtrip(t)


@pytest.mark.slow
def test_every_cruxeval_trace_roundtrips_and_validates() -> None:
    problems = datasets.cruxeval()
    assert len(problems) == 200
    for p in problems:
        t = pytrace_sem.trace_call(p["code"], f"f({p['input']})")
        try:
            _roundtrip(t)
        except AssertionError:
            raise AssertionError(f"{p['id']}: round trip changed the trace") from None


def test_step_json_leaves_out_what_is_not_set() -> None:
    step = Step(index=0, line=3, depth=0, function="f", event="line", changes={})
    assert step.to_json() == {"index": 0, "line": 3, "depth": 0, "function": "f", "event": "line", "changes": {}}
    assert Step.from_json(step.to_json()) == step
    full = Step(1, 4, 1, "g", "except", {"e": {"type": "int", "repr": "1"}}, ("x",), None,
                None, ExceptionInfo("KeyError", "'k'"))
    assert Step.from_json(json.loads(json.dumps(full.to_json()))) == full


def test_schema_version_mismatch_names_both_versions() -> None:
    data = pytrace_sem.trace_call(SOURCE, "f([1])").to_json()
    data["schema_version"] = SCHEMA_VERSION + 1
    with pytest.raises(TraceFormatError) as info:
        Trace.from_json(data, where="old.json")
    message = str(info.value)
    assert "old.json" in message
    assert str(SCHEMA_VERSION + 1) in message and f"version {SCHEMA_VERSION}" in message
    with pytest.raises(TraceFormatError):
        validate(data)


def test_missing_schema_version_is_a_format_error() -> None:
    data = pytrace_sem.trace_call(SOURCE, "f([1])").to_json()
    del data["schema_version"]
    with pytest.raises(TraceFormatError, match="schema_version is None"):
        Trace.from_json(data)


def test_malformed_traces_are_format_errors() -> None:
    with pytest.raises(TraceFormatError, match="not JSON"):
        Trace.loads("{not json", where="bad.json")
    with pytest.raises(TraceFormatError, match="not a valid trace"):
        Trace.from_json({"schema_version": SCHEMA_VERSION, "source": ""})
    with pytest.raises(TraceFormatError):
        Trace.from_json(["a", "list"])  # type: ignore[arg-type]


def test_schema_rejects_what_the_model_never_writes() -> None:
    good = pytrace_sem.trace_call(SOURCE, "f([1])").to_json()
    validate(good)

    def broken(change) -> dict:
        data = json.loads(json.dumps(good))
        change(data)
        return data

    cases = {
        "unknown event": lambda d: d["steps"][0].update(event="jump"),
        "line 0": lambda d: d["steps"][0].update(line=0),
        "value without repr": lambda d: d["steps"][0]["changes"].update(xs={"type": "list"}),
        "an address": lambda d: d["steps"][0]["changes"].update(xs={"type": "X", "repr": "<X at 0x7f12ab34cd>"}),
        "extra top-level key": lambda d: d.update(timestamp=1),
        "truncated not bool": lambda d: d.update(truncated="no"),
        "bad stop reason": lambda d: d.update(stopped={"reason": "tired", "after_step": 1, "line": 1}),
    }
    for what, change in cases.items():
        with pytest.raises(TraceFormatError, match="does not match schema"):
            validate(broken(change))
            pytest.fail(f"schema accepted {what}")


_DUMP_MANY = """
import contextlib, json, sys
from pathlib import Path
import pytrace_sem
from tests import datasets
out = []
for p in datasets.cruxeval()[:40]:
    out.append(pytrace_sem.trace_call(p["code"], "f(" + p["input"] + ")").dumps())
for path in sorted(Path("tests/golden/trace").glob("*.py")):
    src = path.read_text(encoding="utf-8")
    call = [l[8:] for l in src.splitlines() if l.startswith("# call: ")][0]
    limits = [l[10:] for l in src.splitlines() if l.startswith("# limits: ")]
    kw = dict((k, int(v)) for k, v in (x.split("=") for x in limits[0].split(","))) if limits else {}
    with contextlib.redirect_stdout(sys.stderr):  # what the samples print
        out.append(pytrace_sem.trace_call(src, call, **kw).dumps())
sys.stdout.write("\\n".join(out))
"""


def _dump_many(seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", _DUMP_MANY], cwd=ROOT, capture_output=True, env=env,
                          check=False)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    return proc.stdout


@pytest.mark.slow
def test_json_is_byte_identical_across_processes() -> None:
    first, second = _dump_many("1"), _dump_many("987654")
    assert first.count(b"\n") == 40 + len(list(GOLDEN.glob("*.py"))) - 1
    if first != second:
        for i, (a, b) in enumerate(zip(first.split(b"\n"), second.split(b"\n"))):
            assert a == b, f"trace {i} differs between the two processes"
    assert first == second


_DOC = ROOT / "docs" / "trace-format.md"
_EXAMPLE = re.compile(r"```python\n(.*?)```\nTraced call: `(.*?)`(?: with (.*?))?\n\n```json\n(.*?)```", re.S)


def test_docs_examples_are_real() -> None:
    """Every JSON example in docs/trace-format.md is (part of) the trace of the call shown above it."""
    text = _DOC.read_text(encoding="utf-8")
    examples = _EXAMPLE.findall(text)
    assert len(examples) == text.count("```json") >= 5
    for source, call, options, shown in examples:
        limits = {k: int(v) for k, v in (o.split("=") for o in options.split(", ") if o)}
        real = pytrace_sem.trace_call(source, call, **limits).to_json()
        part = json.loads(shown)
        for key, value in part.items():
            if key == "steps":
                for step in value:
                    assert real["steps"][step["index"]] == step, (call, step["index"])
            else:
                assert real[key] == value, (call, key)
    # The whole-trace example is complete.
    assert json.loads(examples[0][3]).keys() == pytrace_sem.trace_call(examples[0][0], examples[0][1]).to_json().keys()


def test_docs_explain_every_field() -> None:
    text = _DOC.read_text(encoding="utf-8")
    fields = set(schema()["properties"]) | set(schema()["$defs"]["step"]["properties"])
    fields |= set(schema()["$defs"]["value"]["properties"]) | set(EVENTS)
    missing = sorted(f for f in fields if f"| `{f}` |" not in text)
    assert not missing, f"docs/trace-format.md has no table row for {missing}"
