"""The monologue checker: its grammar, model-style text, mutated monologues, the report."""

from __future__ import annotations

import ast
import json
import random

import pytest

import pytrace_sem
from pytrace_sem.narrate import (
    MonologueReport, NarrateError, check_against_trace, check_monologue, extract_claims, narrate,
)
from tests import datasets

SRC = "def f(xs):\n    total = 0\n    for x in xs:\n        if x > 1:\n            total += x\n    return total\n"

# Written the way SemCoder's models write, with free wording around the claims.
MODEL_STYLE = """[MONOLOGUE]
### Understanding the Function
The function sums the elements of `xs` that are larger than 1.
### Key Properties and Constraints
- `xs` is a list of numbers.
### Execution Simulation
Let's simulate `f([1, 2, 3])` step by step.

1. [L2]: `total` is initialized to `0`.
2. [L3]: The loop starts with `x` = `1`.
3. [L4]: The condition `x > 1` evaluates to `False`, so nothing is added.
4. [L3]: Next, `x` becomes `2`.
5. [L4]: `x > 1` is `True`.
6. [L5]: `total` is updated to `2`.
7. [L3]: `x` becomes `3`.
8. [L4]: The condition is checked again: `x > 1` is `True`.
9. [L5]: `total` becomes `5`.
10. [L6]: The function returns `5`.

### Conclusion
The function returns `5` for the input `[1, 2, 3]`.
[/MONOLOGUE]
[ANSWER]
assert f([1, 2, 3]) == 5
[/ANSWER]
"""


def test_model_style_monologue_is_read_and_all_right() -> None:
    report = check_monologue(SRC, "f([1, 2, 3])", MODEL_STYLE)
    kinds = [v.claim.kind for v in report.verdicts]
    assert kinds.count("line") == 10
    assert kinds.count("condition") == 3
    assert {"change", "state", "return", "answer"} <= set(kinds)
    assert report.claims_wrong == 0 and report.answer_correct is True
    assert report.claims_checked == report.claims_right == len(report.verdicts)


def test_model_style_mistakes_are_caught_in_order() -> None:
    wrong_value = MODEL_STYLE.replace("`total` becomes `5`", "`total` becomes `6`")
    r = check_monologue(SRC, "f([1, 2, 3])", wrong_value)
    assert r.claims_wrong == 1 and r.first_wrong is not None
    assert r.first_wrong.claim.text == "`total` becomes `6`"
    assert "`5`" in r.first_wrong.reason
    assert r.answer_correct is True

    wrong_branch = MODEL_STYLE.replace("`x > 1` is `True`.\n6.", "`x > 1` is `False`.\n6.")
    r = check_monologue(SRC, "f([1, 2, 3])", wrong_branch)
    assert r.first_wrong is not None and r.first_wrong.claim.kind == "condition"
    assert r.first_wrong.claim.line is None and "True" in r.first_wrong.reason

    wrong_line = MODEL_STYLE.replace("6. [L5]", "6. [L9]")
    r = check_monologue(SRC, "f([1, 2, 3])", wrong_line)
    assert r.first_wrong is not None and r.first_wrong.claim.kind == "line" and r.first_wrong.claim.line == 9

    wrong_answer = MODEL_STYLE.replace("== 5\n", "== 6\n")
    r = check_monologue(SRC, "f([1, 2, 3])", wrong_answer)
    assert r.answer_correct is False and r.first_wrong is not None and r.first_wrong.claim.kind == "answer"


def test_understanding_and_properties_are_not_checked() -> None:
    text = "### Understanding the Function\n`total` becomes `99`.\n### Conclusion\nThe function returns `5`.\n"
    r = check_monologue(SRC, "f([1, 2, 3])", text)
    assert [v.claim.kind for v in r.verdicts] == ["return"]
    assert r.claims_wrong == 0 and r.answer_correct is None


def test_text_without_sections_is_checked_whole() -> None:
    r = check_monologue(SRC, "f([1, 2, 3])", "First `total` becomes `0`, then `x` becomes `7`.")
    assert r.claims_checked == 2 and r.claims_wrong == 1
    assert r.first_wrong is not None and r.first_wrong.claim.name == "x"


def test_grammar_pieces() -> None:
    claims = extract_claims(
        "### Execution Simulation\n"
        "1. [L3] (run 2 of 4) `a` becomes `1` and `b` is set to `'x'`; `c` was `[]`.\n"
        "2. [L4] The code sets `d` to `2`, `e` to `3`; `f` is deleted; it raises `KeyError`.\n"
        "3. [L5] The comprehension produces `[1]`; the handler catches the `ValueError`.\n"
        "4. Iterations 3 to 9 of the loop at line 7 (7 iterations) are skipped; before them `i` is `2`, "
        "after them `i` is `9`.\n"
        "5. Steps 10 to 20 of the run (11 steps) are skipped to keep this short; after them `i` is `3`.\n"
        "6. The condition `flag` is `True`; `flag` is `True`.\n")
    got = [(c.kind, c.name, c.value, c.when) for c in claims]
    assert got == [
        ("line", None, None, None), ("change", "a", "1", None), ("change", "b", "'x'", None),
        ("before", "c", "[]", None),
        ("line", None, None, None), ("change", "d", "2", None), ("change", "e", "3", None),
        ("delete", "f", None, None), ("raise", None, "KeyError", None),
        ("line", None, None, None), ("produce", None, "[1]", None), ("catch", None, "ValueError", None),
        ("skip_loop", None, None, None), ("state", "i", "2", "before"), ("state", "i", "9", "after"),
        ("skip_steps", None, None, None), ("state", "i", "3", "after"),
        ("condition", "flag", "True", None), ("state_or_condition", "flag", "True", None),
    ]
    assert claims[0].run == 2 and claims[0].runs == 4 and claims[0].line == 3
    skip = claims[12]
    assert (skip.line, skip.first, skip.last, skip.count) == (7, 3, 9, 7)


def test_double_backtick_values() -> None:
    src = "def f(s):\n    t = s + '`'\n    return t\n"
    text = "### Execution Simulation\n1. [L2] `t` becomes `` 'a`' ``.\n"
    r = check_monologue(src, "f('a')", text)
    assert r.claims_wrong == 0 and r.claims_checked == 2
    r = check_monologue(src, "f('a')", text.replace("'a`'", "'b`'"))
    assert r.claims_wrong == 1


def test_backward_answer_with_another_input_is_run() -> None:
    text = "[ANSWER]\nassert f([7]) == 7\n[/ANSWER]\n"
    assert check_monologue(SRC, "f([3, 4])", text).answer_correct is True
    text = "[ANSWER]\nassert f([4, 4]) == 7\n[/ANSWER]\n"
    r = check_monologue(SRC, "f([3, 4])", text)
    assert r.answer_correct is False and "returns `8`" in r.first_wrong.reason  # type: ignore[union-attr]
    r = check_monologue(SRC, "f([3, 4])", "[ANSWER]\nassert f([7]) == 7\n[/ANSWER]", run_answer=False)
    assert r.answer_correct is None and r.claims_unverifiable == 1
    r = check_monologue(SRC, "f([3, 4])", "[ANSWER]\nf([7]) is 7\n[/ANSWER]")
    assert r.answer_correct is False


def test_report_json_round_trip_and_errors() -> None:
    r = check_monologue(SRC, "f([1, 2, 3])", MODEL_STYLE.replace("`total` becomes `5`", "`total` becomes `6`"))
    data = json.loads(r.dumps())
    for key in ("claims_checked", "claims_wrong", "first_wrong", "answer_correct"):
        assert key in data
    assert data["first_wrong"]["reason"] and data["first_wrong"]["text"] == "`total` becomes `6`"
    assert MonologueReport.from_json(data) == r
    with pytest.raises(NarrateError, match="schema_version"):
        MonologueReport.from_json({**data, "schema_version": 2})
    with pytest.raises(NarrateError, match="source and call"):
        check_monologue(None, None, "text")
    with pytest.raises(NarrateError, match="text"):
        check_monologue(SRC, "f([1])", b"bytes")  # type: ignore[arg-type]
    t = pytrace_sem.trace_call(SRC, "f([1, 2, 3])")
    assert check_monologue(None, None, MODEL_STYLE, trace=t) == check_monologue(SRC, "f([1, 2, 3])", MODEL_STYLE)


# -- mutated monologues on real problems ----------------------------------------------------------


def _mutate_literal(text: str) -> str | None:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    if isinstance(value, bool):
        return repr(not value)
    if isinstance(value, (int, float)):
        return repr(value + 1)
    if isinstance(value, str):
        return repr(value + "z")
    if isinstance(value, list):
        return repr(value + ["z"])
    if isinstance(value, tuple):
        return repr(value + ("z",))
    if isinstance(value, dict):
        return repr({**value, "zz": 0})
    if isinstance(value, (set, frozenset)):
        return repr(set(value) | {"zz"}) if value else "{'zz'}"
    if value is None:
        return "0"
    return None


def _replace_value(text: str, offset: int, old: str, new: str) -> str:
    """Replace the first `old` code span at or after ``offset`` by `new`."""
    for quoted_old, quoted_new in ((f"`{old}`", f"`{new}`"), (f"`` {old} ``", f"`` {new} ``")):
        at = text.find(quoted_old, offset)
        if at != -1:
            return text[:at] + quoted_new + text[at + len(quoted_old):]
    raise AssertionError(f"{old!r} not found after offset {offset}")


def _problems_with_branches(count: int) -> list[tuple[dict, object, str]]:
    chosen = []
    for record in datasets.cruxeval():
        t = pytrace_sem.trace_call(record["code"], f"f({record['input']})")
        text = narrate(t, "forward", seed=len(chosen))
        claims = extract_claims(text)
        if any(c.kind == "condition" for c in claims) and any(
                c.kind in ("change", "state") and c.section == "Execution Simulation" and c.value is not None
                and _mutate_literal(c.value) is not None for c in claims):
            chosen.append((record, t, text))
        if len(chosen) == count:
            break
    return chosen


@pytest.mark.slow
def test_checker_catches_one_changed_value_flipped_branch_and_wrong_answer_on_50_problems() -> None:
    problems = _problems_with_branches(50)
    assert len(problems) == 50
    rng = random.Random(0)
    for record, t, text in problems:
        clean = check_against_trace(t, text)
        assert clean.claims_wrong == 0 and clean.answer_correct is True, record["id"]
        claims = extract_claims(text)

        values = [c for c in claims if c.kind in ("change", "state") and c.section == "Execution Simulation"
                  and _mutate_literal(c.value or "") is not None]
        target = rng.choice(values)
        changed = _replace_value(text, target.offset, target.value or "", _mutate_literal(target.value or "") or "")
        r = check_against_trace(t, changed)
        assert r.first_wrong is not None and r.first_wrong.claim.offset == target.offset, (record["id"], target)
        assert r.claims_wrong >= 1

        branch = rng.choice([c for c in claims if c.kind == "condition"])
        flipped = _replace_value(text, branch.offset + len(branch.name or "") + 2, branch.value or "",
                                 "False" if branch.value == "True" else "True")
        r = check_against_trace(t, flipped)
        assert r.first_wrong is not None and r.first_wrong.claim.offset == branch.offset, (record["id"], branch)
        assert r.first_wrong.claim.kind == "condition"

        answer = next(c for c in claims if c.kind == "answer")
        output = answer.text.split(" == ", 1)[1]
        wrong = _mutate_literal(output)
        assert wrong is not None
        bad_answer = text.replace(f"== {output}\n[/ANSWER]", f"== {wrong}\n[/ANSWER]")
        r = check_against_trace(t, bad_answer)
        assert r.answer_correct is False and r.claims_wrong == 1, record["id"]
        assert r.first_wrong is not None and r.first_wrong.claim.kind == "answer"
