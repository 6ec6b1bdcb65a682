"""Check a monologue (written by a model or by us) claim by claim against the real trace.

The checker reads a small grammar of claims, the same one the renderers write
and the one SemCoder-style monologues mostly use:

* a line is reached: ``[L5]``, optionally ``[L5] (run 2 of 3)`` for the 2nd of 3 runs of line 5;
* a variable takes a value: "`x` becomes `3`" (also *is set to*, *is updated to*, *bound to*,
  "sets `x` to `3`" ...); "`x` is `3`" states its current value, "`x` was `3`" its value just
  before the step in focus;
* a condition is True or False: "the condition `n > 2` is `False`", "`n > 2` evaluates to `True`";
* a return value, an exception raised or caught, a comprehension's value;
* skipped loop iterations / skipped steps, with the state before and after them;
* the final answer: ``[ANSWER] assert f(...) == value [/ANSWER]``.

Claims are checked in order. Reading forward (Execution Simulation), ``[L5]``
is the next step at line 5; "`x` becomes `v`" is the change of ``x`` at that
step. Reading backward (Reverse Deduction), ``[L5]`` is the latest step at line
5 before the ones already covered. Only the Execution Simulation, Reverse
Deduction and Conclusion sections are checked (all text when there are no
``###`` headings); Understanding and Key Properties are prose.

    report = check_monologue("def f(x):\\n    return x + 1\\n", "f(1)", text)
    report.claims_wrong, report.first_wrong, report.answer_correct
"""

from __future__ import annotations

import ast
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from pytrace_sem.narrate._errors import NarrateError
from pytrace_sem.narrate._view import TraceView, is_name

__all__ = [
    "Claim", "ClaimVerdict", "WrongClaim", "MonologueReport", "check_monologue", "check_against_trace",
    "extract_claims", "REPORT_VERSION",
]

REPORT_VERSION = 1

Value = Mapping[str, Any]

# -- the grammar ----------------------------------------------------------------------

_CHANGE = re.compile(
    r"\s*(?:becomes|is set to|set to|is bound to|bound to|is updated to|is initiali[sz]ed to|changes to|"
    r"is now set to|is assigned|is reassigned to|turns into|gets the value)\s*", re.I)
_STATE = re.compile(r"\s*(?:is|is now|is still|remains|stays|equals|holds|=|==)\s*", re.I)
_BEFORE = re.compile(r"\s*(?:was|had been|was still)\s*", re.I)
_COND_VERB = re.compile(r"\s*(?:is|evaluates to|is evaluated as|evaluates as|comes out|comes out as)\s*", re.I)
_SET_BEFORE = re.compile(r"\b(?:sets?|binds?|assigns?|updates?)\s*$", re.I)
_TO = re.compile(r"\s*to\s*", re.I)
_LIST_SEP = re.compile(r"\s*(?:,|and|, and)\s*", re.I)
_COND_LEAD = re.compile(r"\b(?:condition|test|check)\s*$", re.I)
_RETURN = re.compile(r"(?:\breturns|\breturn value is|\bhands back|\bgives back|\breturning)\s*$", re.I)
_RAISE = re.compile(r"\braises(?:\s+an?)?(?:\s+exception)?\s*$", re.I)
_CATCH = re.compile(r"\bcatch(?:es)?(?:\s+the)?\s*$", re.I)
_PRODUCE = re.compile(r"\bcomprehension\s+(?:produces|builds|gives|evaluates to)\s*$", re.I)
_YIELD = re.compile(r"\byields\s*$", re.I)
_DELETE = re.compile(r"\s*(?:is|gets)\s+(?:deleted|removed)\b", re.I)

_LINE = re.compile(r"\[L(\d+)\](?:\s*:?\s*\((?:run|execution) (\d+) of (\d+)\))?")
_SKIP_ITER = re.compile(r"\b(?:iterations|passes) (\d+) (?:to|through) (\d+)\b", re.I)
_SKIP_LOOP_LINE = re.compile(r"\bloop at line (\d+)")
_SKIP_COUNT = re.compile(r"\((\d+) (?:iterations|passes)\)")
_SKIP_STEPS = re.compile(r"\bsteps (\d+) (?:to|through) (\d+) of the run \((\d+) steps\)", re.I)
_BEFORE_THEM = re.compile(r"\bbefore them\b", re.I)
_AFTER_THEM = re.compile(r"\bafter them\b", re.I)
_HEADER = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*$")
_ITEM_START = re.compile(r"^\s*(?:\d+[.)]|[-*+])\s")
_ANSWER = re.compile(r"\[ANSWER\](.*?)(?:\[/ANSWER\]|\Z)", re.S)

_CHECKED_SECTIONS = ("execution simulation", "simulation", "reverse deduction", "deduction", "conclusion")


@dataclass(frozen=True, slots=True)
class Claim:
    """One checkable statement found in a monologue."""

    kind: str
    text: str
    offset: int
    section: str = ""
    reverse: bool = False
    item: int = 0
    line: int | None = None
    run: int | None = None
    runs: int | None = None
    name: str | None = None
    value: str | None = None
    first: int | None = None
    last: int | None = None
    count: int | None = None
    when: str | None = None

    def to_json(self) -> dict:
        out: dict[str, Any] = {"kind": self.kind, "text": self.text, "offset": self.offset, "item": self.item}
        for key in ("line", "run", "runs", "name", "value", "first", "last", "count", "when"):
            v = getattr(self, key)
            if v is not None:
                out[key] = v
        if self.section:
            out["section"] = self.section
        if self.reverse:
            out["reverse"] = True
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Claim":
        return cls(kind=data["kind"], text=data["text"], offset=data["offset"],
                   section=data.get("section", ""), reverse=data.get("reverse", False), item=data.get("item", 0),
                   **{k: data.get(k) for k in ("line", "run", "runs", "name", "value", "first", "last",
                                               "count", "when")})


@dataclass(frozen=True, slots=True)
class ClaimVerdict:
    """A claim and what the trace says about it: ``ok`` is None when it cannot be checked."""

    claim: Claim
    ok: bool | None
    reason: str = ""

    def to_json(self) -> dict:
        return {**self.claim.to_json(), "ok": self.ok, "reason": self.reason}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "ClaimVerdict":
        return cls(Claim.from_json(data), data["ok"], data.get("reason", ""))


@dataclass(frozen=True, slots=True)
class WrongClaim:
    """The first wrong claim: what it said, where, and why it is wrong."""

    claim: Claim
    reason: str

    def to_json(self) -> dict:
        return {**self.claim.to_json(), "reason": self.reason}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "WrongClaim":
        return cls(Claim.from_json(data), data["reason"])


@dataclass(frozen=True, slots=True)
class MonologueReport:
    """What :func:`check_monologue` found.

    ``claims_checked`` counts the claims the trace could decide (``claims_right``
    + ``claims_wrong``); ``answer_correct`` is None when there is no answer block.
    """

    claims_checked: int
    claims_right: int
    claims_wrong: int
    claims_unverifiable: int
    first_wrong: WrongClaim | None
    answer_correct: bool | None
    verdicts: tuple[ClaimVerdict, ...] = field(default=(), repr=False)
    schema_version: int = REPORT_VERSION

    @property
    def all_right(self) -> bool:
        return self.claims_wrong == 0 and self.answer_correct is not False

    def to_json(self) -> dict:
        return {
            "schema_version": self.schema_version,
            "claims_checked": self.claims_checked,
            "claims_right": self.claims_right,
            "claims_wrong": self.claims_wrong,
            "claims_unverifiable": self.claims_unverifiable,
            "first_wrong": self.first_wrong.to_json() if self.first_wrong is not None else None,
            "answer_correct": self.answer_correct,
            "claims": [v.to_json() for v in self.verdicts],
        }

    def dumps(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_json(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "MonologueReport":
        version = data.get("schema_version")
        if version != REPORT_VERSION:
            raise NarrateError(f"monologue report schema_version is {version!r}, this pytrace_sem reads "
                               f"{REPORT_VERSION}; re-run the check with a matching pytrace_sem")
        first = data.get("first_wrong")
        return cls(
            claims_checked=data["claims_checked"], claims_right=data["claims_right"],
            claims_wrong=data["claims_wrong"], claims_unverifiable=data.get("claims_unverifiable", 0),
            first_wrong=WrongClaim.from_json(first) if first is not None else None,
            answer_correct=data["answer_correct"],
            verdicts=tuple(ClaimVerdict.from_json(v) for v in data.get("claims", ())),
            schema_version=version,
        )


# -- extraction -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Tok:
    code: bool
    text: str
    start: int
    end: int


def _tokens(text: str, base: int) -> list[_Tok]:
    """Split text into prose and inline-code tokens (`x` and `` x `` spans)."""
    out: list[_Tok] = []
    i = 0
    prose_start = 0
    n = len(text)
    while i < n:
        if text[i] != "`":
            i += 1
            continue
        j = i
        while j < n and text[j] == "`":
            j += 1
        ticks = j - i
        close = j
        found = -1
        while True:
            close = text.find("`" * ticks, close)
            if close == -1:
                break
            k = close + ticks
            if k < n and text[k] == "`":  # a longer run of backticks: not our closer
                while k < n and text[k] == "`":
                    k += 1
                close = k
                continue
            found = close
            break
        if found == -1:
            i = j
            continue
        if prose_start < i:
            out.append(_Tok(False, text[prose_start:i], base + prose_start, base + i))
        content = text[j:found]
        if ticks >= 2 and len(content) >= 2 and content.startswith(" ") and content.endswith(" "):
            content = content[1:-1]
        out.append(_Tok(True, content, base + i, base + found + ticks))
        i = found + ticks
        prose_start = i
    if prose_start < n:
        out.append(_Tok(False, text[prose_start:], base + prose_start, base + n))
    return out


def _split_items(text: str) -> list[tuple[str, str, int]]:
    """(section title, item text, offset) for each paragraph or list item."""
    items: list[tuple[str, str, int]] = []
    section = ""
    current: list[str] = []
    start = 0
    offset = 0

    def flush() -> None:
        if current and "".join(current).strip():
            items.append((section, "".join(current), start))
        current.clear()

    for raw in text.splitlines(keepends=True):
        m = _HEADER.match(raw)
        if m:
            flush()
            section = m.group(1).strip()
            start = offset + len(raw)
        elif not raw.strip():
            flush()
            start = offset + len(raw)
        elif _ITEM_START.match(raw):
            flush()
            start = offset
            current.append(raw)
        else:
            if not current:
                start = offset
            current.append(raw)
        offset += len(raw)
    flush()
    return items


def extract_claims(text: str) -> list[Claim]:
    """Every checkable claim in a monologue, in reading order (the answer last)."""
    answer = None
    masked = text
    matches = list(_ANSWER.finditer(text))
    if matches:
        m = matches[-1]
        answer = Claim("answer", m.group(1).strip(), m.start(1))
        masked = text[: m.start()] + " " * (m.end() - m.start()) + text[m.end():]
    items = _split_items(masked)
    has_headers = any(_HEADER.match(line) for line in masked.splitlines())
    claims: list[Claim] = []
    for number, (section, item_text, offset) in enumerate(items):
        title = section.lower()
        if has_headers and not any(key in title for key in _CHECKED_SECTIONS):
            continue
        reverse = "reverse" in title or "deduction" in title
        claims.extend(_item_claims(item_text, offset, section, reverse, number))
    if answer is not None:
        claims.append(answer)
    return claims


def _item_claims(text: str, base: int, section: str, reverse: bool, item: int) -> list[Claim]:
    found: list[Claim] = []
    toks = _tokens(text, base)

    def add(kind: str, start: int, end: int, **kw: Any) -> None:
        found.append(Claim(kind, " ".join(text[start - base:end - base].split()), start, section, reverse,
                           item, **kw))

    for tok in toks:
        if tok.code:
            continue
        for m in _LINE.finditer(tok.text):
            s = tok.start + m.start()
            add("line", s, tok.start + m.end(), line=int(m.group(1)),
                run=int(m.group(2)) if m.group(2) else None, runs=int(m.group(3)) if m.group(3) else None)
    # Skips: one claim for the sentence, state claims inside it are tied to before/after.
    plain = text
    before_at = [m.start() + base for m in _BEFORE_THEM.finditer(plain)]
    after_at = [m.start() + base for m in _AFTER_THEM.finditer(plain)]
    skip_at = None
    m = _SKIP_ITER.search(plain)
    if m and _SKIP_LOOP_LINE.search(plain):
        line_m = _SKIP_LOOP_LINE.search(plain)
        count_m = _SKIP_COUNT.search(plain)
        skip_at = base + m.start()
        add("skip_loop", skip_at, base + m.end(), line=int(line_m.group(1)), first=int(m.group(1)),
            last=int(m.group(2)), count=int(count_m.group(1)) if count_m else None)
    else:
        m = _SKIP_STEPS.search(plain)
        if m:
            skip_at = base + m.start()
            add("skip_steps", skip_at, base + m.end(), first=int(m.group(1)), last=int(m.group(2)),
                count=int(m.group(3)))

    def when(offset: int) -> str | None:
        if skip_at is None:
            return None
        b = max([p for p in before_at if p < offset], default=-1)
        a = max([p for p in after_at if p < offset], default=-1)
        if b < 0 and a < 0:
            return None
        return "after" if a > b else "before"

    used: set[int] = set()
    last_set_before = -10
    for k, tok in enumerate(toks):
        if not tok.code or k in used:
            continue
        prev = toks[k - 1].text if k > 0 and not toks[k - 1].code else ""
        nxt = toks[k + 1] if k + 1 < len(toks) and not toks[k + 1].code else None
        val = toks[k + 2] if nxt is not None and k + 2 < len(toks) and toks[k + 2].code else None
        name_like = is_name(tok.text)
        # "sets `x` to `v`", and "..., `y` to `w`" continuing the same list.
        if name_like and nxt is not None and val is not None and _TO.fullmatch(nxt.text) and (
                _SET_BEFORE.search(prev) or (last_set_before == k - 2 and _LIST_SEP.fullmatch(prev))):
            add("change", tok.start, val.end, name=tok.text, value=val.text, when=when(tok.start))
            used.update((k, k + 2))
            last_set_before = k + 2
            continue
        if nxt is not None and val is not None:
            verb = nxt.text
            if name_like and _CHANGE.fullmatch(verb):
                add("change", tok.start, val.end, name=tok.text, value=val.text, when=when(tok.start))
                used.update((k, k + 2))
                continue
            if name_like and _BEFORE.fullmatch(verb):
                add("before", tok.start, val.end, name=tok.text, value=val.text)
                used.update((k, k + 2))
                continue
            if val.text in ("True", "False") and _COND_VERB.fullmatch(verb) and (
                    not name_like or _COND_LEAD.search(prev)):
                add("condition", tok.start, val.end, name=tok.text, value=val.text)
                used.update((k, k + 2))
                continue
            if name_like and _STATE.fullmatch(verb):
                kind = "state_or_condition" if val.text in ("True", "False") else "state"
                add(kind, tok.start, val.end, name=tok.text, value=val.text, when=when(tok.start))
                used.update((k, k + 2))
                continue
        if name_like and nxt is not None and _DELETE.match(nxt.text):
            add("delete", tok.start, nxt.start + _DELETE.match(nxt.text).end(), name=tok.text)
            used.add(k)
            continue
        for kind, pattern in (("return", _RETURN), ("raise", _RAISE), ("catch", _CATCH),
                              ("produce", _PRODUCE), ("yield", _YIELD)):
            pm = pattern.search(prev)
            if pm:
                start = toks[k - 1].start + pm.start()
                add(kind, start, tok.end, value=tok.text)
                used.add(k)
                break
    found.sort(key=lambda c: c.offset)
    return found


# -- checking ---------------------------------------------------------------------------


def _literal(text: str) -> tuple[bool, Any]:
    try:
        return True, ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


def _strict_equal(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, complex):
        return _strict_equal(a.real, b.real) and _strict_equal(a.imag, b.imag)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_strict_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_strict_equal(a[k], b[k]) for k in a)
    return bool(a == b)


def _norm(text: str) -> str:
    return " ".join(text.split())


def same_value(claimed: str, actual: Value | None, *, strict: bool = True) -> bool | None:
    """Does the claimed text denote the recorded value? None when the record was cut short."""
    if actual is None:
        return None
    if actual.get("truncated") or '"truncated": true' in json.dumps(actual):
        return None
    real = actual.get("repr", "")
    if _norm(claimed) == _norm(real):
        return True
    ok_a, a = _literal(claimed)
    ok_b, b = _literal(real)
    if ok_a and ok_b:
        if strict:
            return _strict_equal(a, b)
        try:
            return bool(a == b) or _strict_equal(a, b)
        except Exception:  # an exotic __eq__ in a literal is not possible, but be safe
            return False
    return False


class _Checker:
    def __init__(self, view: TraceView) -> None:
        self.view = view
        self.n = len(view.steps)
        self.pos = 0
        self.bound = self.n
        self.point = 0
        self.reverse = False
        self.item: tuple[str, int] | None = None
        self.anchor: int | None = None
        self.focus: int | None = None
        self.skip: tuple[int, int, int, int] | None = None  # frame before, point before, frame after, point after
        self.skip_failed = False

    # helpers
    def _enter(self, claim: Claim) -> None:
        key = (claim.section, claim.item)
        if key != self.item:
            if claim.reverse and not self.reverse:
                self.bound = self.n
                self.point = self.n
            if not claim.reverse and self.reverse:
                self.point = self.pos
            self.reverse = claim.reverse
            self.item = key
            self.anchor = None
            self.focus = None
            self.skip = None
            self.skip_failed = False

    def _covered(self, r: int) -> None:
        self.focus = r
        self.point = r + 1
        if self.reverse:
            self.bound = min(self.bound, r)
        else:
            self.pos = max(self.pos, r + 1)

    def _where(self) -> str:
        return f"before step {self.bound + 1}" if self.reverse else f"after step {self.pos}"

    def _run(self) -> list[int]:
        assert self.anchor is not None
        return self.view.line_run(self.anchor)

    def _next(self, pred: Any) -> int | None:
        steps = self.view.steps
        if self.reverse:
            for i in range(self.bound - 1, -1, -1):
                if pred(steps[i]):
                    return i
        else:
            for i in range(self.pos, self.n):
                if pred(steps[i]):
                    return i
        return None

    def _in_run(self, pred: Any) -> int | None:
        for i in self._run():
            if pred(self.view.steps[i]):
                return i
        return None

    def check(self, claim: Claim) -> tuple[bool | None, str]:
        self._enter(claim)
        method = getattr(self, f"_c_{claim.kind}", None)
        if method is None:  # pragma: no cover - every extracted kind has a method
            return None, f"no check for {claim.kind} claims"
        return method(claim)

    # claims
    def _c_line(self, c: Claim) -> tuple[bool | None, str]:
        runs = self.view.line_steps(c.line or 0)
        if c.run is not None:
            if c.runs is not None and c.runs != len(runs):
                self.anchor = self.focus = None
                return False, f"line {c.line} runs {len(runs)} times, not {c.runs}"
            if not 1 <= c.run <= len(runs):
                self.anchor = self.focus = None
                return False, f"line {c.line} runs {len(runs)} times; there is no run {c.run}"
            a = runs[c.run - 1]
        elif self.reverse:
            before = [r for r in runs if r < self.bound]
            a = before[-1] if before else None
        else:
            after = [r for r in runs if r >= self.pos]
            a = after[0] if after else None
            handler = self._raised_in_try(c.line or 0, self.pos, a)
            if handler is not None:
                a = handler
        if a is None:
            self.anchor = self.focus = None
            return False, f"line {c.line} is not reached {self._where()}"
        self.anchor = a
        self._covered(a)
        return True, ""

    def _raised_in_try(self, line: int, start: int, limit: int | None) -> int | None:
        """A statement that raised inside ``try`` leaves no step; its handler's ``except`` step stands in.

        Used when the next ``except`` step (before the next run of ``line``) belongs to
        a ``try`` whose body holds ``line`` and no later line of that body ran first.
        """
        steps = self.view.steps
        for i in range(start, self.n if limit is None else limit):
            s = steps[i]
            if s.event != "except":
                continue
            body = self.view.syntax.try_body(s.line)
            if body is None or not body[0] <= line <= body[1]:
                return None
            for j in range(i - 1, start - 1, -1):
                prev = steps[j]
                if prev.frame == s.frame:
                    if body[0] <= prev.line <= body[1] and prev.line > line:
                        return None
                    break
            return i
        return None

    def _value_check(self, name: str, claimed: str, value: Any, where: str) -> tuple[bool | None, str]:
        if value is None:
            return False, f"`{name}` has no value {where}"
        ok = same_value(claimed, value)
        if ok is None:
            return None, f"the recorded value of `{name}` was cut short"
        if ok:
            return True, ""
        return False, f"`{name}` is `{value.get('repr')}` {where}, not `{claimed}`"

    def _c_change(self, c: Claim) -> tuple[bool | None, str]:
        if c.when is not None:
            return self._c_state(c)
        name = c.name or ""
        if self.anchor is not None:
            r = self._in_run(lambda s: name in s.changes)
            if r is None:
                s = self.view.steps[self.anchor]
                value = self.view.value_at(s.frame, name, self._run()[-1] + 1)
                if value is None:
                    return False, f"`{name}` does not change at line {s.line}"
                return self._value_check(name, c.value or "", value, f"after line {s.line}")
            self._covered(r)
            return self._value_check(name, c.value or "", self.view.steps[r].changes[name],
                                     f"after line {self.view.steps[r].line}")
        r = self._next(lambda s: name in s.changes)
        if r is None:
            value = self.view.lookup(name, self.point)
            return self._value_check(name, c.value or "", value, self._where())
        self._covered(r)
        return self._value_check(name, c.value or "", self.view.steps[r].changes[name],
                                 f"after line {self.view.steps[r].line}")

    def _c_state(self, c: Claim) -> tuple[bool | None, str]:
        name = c.name or ""
        if c.when is not None:
            if self.skip is None:
                return None, "the skip this state belongs to could not be placed"
            fb, pb, fa, pa = self.skip
            frame, point = (fb, pb) if c.when == "before" else (fa, pa)
            return self._value_check(name, c.value or "", self.view.lookup(name, point, frame),
                                     f"{c.when} the skipped part")
        if self.focus is not None:
            frame = self.view.steps[self.focus].frame
            point = self.focus + 1
        else:
            frame, point = None, self.point
        where = f"after line {self.view.steps[point - 1].line}" if point > 0 else "at the call"
        return self._value_check(name, c.value or "", self.view.lookup(name, point, frame), where)

    def _c_before(self, c: Claim) -> tuple[bool | None, str]:
        name = c.name or ""
        target = self.focus if self.focus is not None else self.point
        frame = self.view.steps[target].frame if target < self.n else self.view.frame_at(target)
        value = self.view.value_at(frame, name, target)
        line = self.view.steps[target].line if target < self.n else None
        return self._value_check(name, c.value or "", value, f"before line {line}" if line else "before")

    def _c_condition(self, c: Claim) -> tuple[bool | None, str]:
        want = c.value == "True"
        if self.anchor is not None:
            r = self._in_run(lambda s: s.event == "branch")
            if r is None:
                return False, f"no condition is tested at line {self.view.steps[self.anchor].line}"
        else:
            r = self._next(lambda s: s.event == "branch")
            if r is None:
                return False, f"no condition is tested {self._where()}"
        self._covered(r)
        got = bool(self.view.steps[r].outcome)
        if got == want:
            return True, ""
        return False, f"the condition at line {self.view.steps[r].line} is {got}, not {want}"

    def _c_state_or_condition(self, c: Claim) -> tuple[bool | None, str]:
        if self.anchor is not None:
            r = self._in_run(lambda s: s.event == "branch")
            if r is not None:
                stmt = self.view.syntax.stmt(self.view.steps[r].line)
                if stmt is not None and stmt.condition == c.name:
                    return self._c_condition(c)
        return self._c_state(c)

    def _event_value(self, c: Claim, event: str, what: str) -> tuple[bool | None, str]:
        if self.anchor is not None:
            r = self._in_run(lambda s: s.event == event)
            if r is None:
                return False, f"line {self.view.steps[self.anchor].line} does not {what}"
        else:
            r = self._next(lambda s: s.event == event)
            if r is None:
                return False, f"nothing {what}s {self._where()}"
        self._covered(r)
        ok = same_value(c.value or "", self.view.steps[r].value)
        if ok is None:
            return None, "the recorded value was cut short"
        if ok:
            return True, ""
        real = (self.view.steps[r].value or {}).get("repr")
        return False, f"line {self.view.steps[r].line} gives `{real}`, not `{c.value}`"

    def _c_return(self, c: Claim) -> tuple[bool | None, str]:
        if self.anchor is not None:
            return self._event_value(c, "return", "return")
        view = self.view
        if view.exception is not None and view.return_value is None:
            return False, f"the call raises {view.exception.get('type')}; it does not return"
        ok = same_value(c.value or "", view.return_value)
        if ok is None:
            return None, "the recorded return value was cut short"
        if ok:
            return True, ""
        return False, f"the call returns `{(view.return_value or {}).get('repr')}`, not `{c.value}`"

    def _exception_type(self, c: Claim, events: tuple[str, ...], what: str) -> tuple[bool | None, str]:
        claimed = (c.value or "").split(":")[0].split("(")[0].strip().rsplit(".", 1)[-1]
        if self.anchor is not None:
            r = self._in_run(lambda s: s.event in events)
            if r is None:
                return False, f"line {self.view.steps[self.anchor].line} does not {what}"
            exc = self.view.steps[r].exception or {}
            self._covered(r)
        elif what == "raise":
            exc = self.view.exception or {}
            if not exc:
                return False, "the call does not raise"
        else:
            r = self._next(lambda s: s.event in events)
            if r is None:
                return False, f"nothing is caught {self._where()}"
            exc = self.view.steps[r].exception or {}
            self._covered(r)
        if exc.get("type") == claimed:
            return True, ""
        return False, f"the exception is {exc.get('type')}, not {claimed}"

    def _c_raise(self, c: Claim) -> tuple[bool | None, str]:
        return self._exception_type(c, ("raise", "except"), "raise")

    def _c_catch(self, c: Claim) -> tuple[bool | None, str]:
        return self._exception_type(c, ("except",), "catch")

    def _c_produce(self, c: Claim) -> tuple[bool | None, str]:
        return self._event_value(c, "comprehension", "run a comprehension")

    def _c_yield(self, c: Claim) -> tuple[bool | None, str]:
        return self._event_value(c, "yield", "yield")

    def _c_delete(self, c: Claim) -> tuple[bool | None, str]:
        name = c.name or ""
        if self.anchor is not None:
            r = self._in_run(lambda s: name in s.deleted)
        else:
            r = self._next(lambda s: name in s.deleted)
        if r is None:
            return False, f"`{name}` is not deleted here"
        self._covered(r)
        return True, ""

    def _c_skip_loop(self, c: Claim) -> tuple[bool | None, str]:
        first, last = c.first or 0, c.last or 0
        self.anchor = self.focus = None
        if c.count is not None and c.count != last - first + 1:
            self.skip = None
            return False, f"iterations {first} to {last} are {last - first + 1}, not {c.count}"
        point = self.bound if self.reverse else self.pos
        inst = self.view.resolve_loop(c.line or 0, first, last, point, self.reverse)
        if inst is None:
            self.skip = None
            return False, f"the loop at line {c.line} has no iterations {first} to {last} {self._where()}"
        start, end = inst.bounds(first)[0], inst.bounds(last)[1]
        self.skip = (inst.frame, start, inst.frame, end)
        if self.reverse:
            self.bound = start
            self.point = start
        else:
            self.pos = end
            self.point = end
        return True, ""

    def _c_skip_steps(self, c: Claim) -> tuple[bool | None, str]:
        start, end = (c.first or 0) - 1, c.last or 0
        self.anchor = self.focus = None
        if c.count is not None and c.count != end - start:
            self.skip = None
            return False, f"steps {start + 1} to {end} are {end - start} steps, not {c.count}"
        if not 0 <= start < end <= self.n:
            self.skip = None
            return False, f"the run has {self.n} steps; steps {start + 1} to {end} do not exist"
        if (self.reverse and end > self.bound) or (not self.reverse and start < self.pos):
            self.skip = None
            return False, f"steps {start + 1} to {end} overlap steps already covered"
        self.skip = (self.view.frame_at(start), start, self.view.frame_at(end), end)
        if self.reverse:
            self.bound = start
            self.point = start
        else:
            self.pos = end
            self.point = end
        return True, ""


def _same_call(a: str, b: str) -> bool:
    try:
        return ast.dump(ast.parse(a.strip(), mode="eval")) == ast.dump(ast.parse(b.strip(), mode="eval"))
    except SyntaxError:
        return _norm(a) == _norm(b)


def _split_assertion(body: str) -> tuple[str, str] | None:
    """(call, output) of ``assert call == output``; the output may be a repr that is not Python."""
    try:
        stmt = ast.parse(body).body[0]
        if isinstance(stmt, ast.Assert) and isinstance(stmt.test, ast.Compare) and len(stmt.test.ops) == 1 \
                and isinstance(stmt.test.ops[0], ast.Eq):
            return (ast.get_source_segment(body, stmt.test.left) or "",
                    ast.get_source_segment(body, stmt.test.comparators[0]) or "")
        return None
    except (SyntaxError, IndexError):
        pass
    # An output like <re.Match object; ...> is no Python: split after the call instead.
    text = body.strip()
    if not text.startswith("assert "):
        return None
    at = text.find(" == ")
    while at != -1:
        left = text[len("assert "):at]
        try:
            if isinstance(ast.parse(left, mode="eval").body, ast.Call):
                return left, text[at + 4:].strip()
        except SyntaxError:
            pass
        at = text.find(" == ", at + 1)
    return None


def _answer_outcome(source: str, call: str) -> tuple[Any, Any, str | None]:
    """(return value JSON, exception type, error) of tracing ``call`` on ``source`` (runs in the sandbox)."""
    from pytrace_sem import trace_call
    from pytrace_sem.errors import PytraceSemError

    try:
        other = trace_call(source, call)
    except PytraceSemError as exc:
        return None, None, f"the answer's call fails: {exc}"
    return other.return_value, other.exception.type if other.exception is not None else None, None


def _run_answer(source: str, call: str, timeout: float) -> tuple[Any, Any, str | None]:
    """:func:`_answer_outcome` in a sandbox worker: an answer is code a model wrote."""
    from pytrace_sem import sandbox

    if sandbox.in_worker():  # already inside one (a corpus build): no second sandbox can start here
        return _answer_outcome(source, call)
    with sandbox.Sandbox(workers=1, timeout=timeout, memory_mb=1024) as box:
        result = box.run(_answer_outcome, source, call)
    if result.status != "ok" or type(result.value) is not tuple or len(result.value) != 3:
        return None, None, f"the answer's call did not run to its end in the sandbox: {result.error or result.status}"
    return result.value  # type: ignore[no-any-return]


#: Seconds the sandbox gives an answer's own call (``check_against_trace(answer_timeout=...)``).
ANSWER_TIMEOUT = 5.0


def _check_answer(text: str, view: TraceView, run_answer: bool,
                  timeout: float = ANSWER_TIMEOUT) -> tuple[bool | None, str]:
    body = text.strip()
    raised = re.search(r"#\s*raises\s+([A-Za-z_][\w.]*)", body)
    if raised and not body.lstrip().startswith("assert"):
        want = raised.group(1).rsplit(".", 1)[-1]
        got = (view.exception or {}).get("type")
        if got is None:
            return False, "the answer says the call raises, but it returns"
        return (True, "") if got == want else (False, f"the call raises {got}, not {want}")
    split = _split_assertion(body)
    if split is None:
        return False, "the answer is not an assertion of the form `assert f(...) == value`"
    call_src, out_src = split
    if view.exception is not None and view.return_value is None:
        return False, f"the call raises {view.exception.get('type')}; it returns nothing"
    ok = same_value(out_src, view.return_value, strict=False)
    if ok is None:
        return None, "the recorded return value was cut short"
    if not ok:
        return False, f"the call returns `{(view.return_value or {}).get('repr')}`, not `{out_src}`"
    if _same_call(call_src, view.call):
        return True, ""
    if not run_answer:
        return None, "the answer calls the function on another input; not run"
    # The answer's input is code a model wrote: it runs in the sandbox, under a time limit.
    returned, raised, error = _run_answer(view.source, call_src, timeout)
    if error is not None:
        return False, error
    if raised is not None and returned is None:
        return False, f"`{call_src}` raises {raised}"
    ok = same_value(out_src, returned, strict=False)
    if not ok:
        got = (returned or {}).get("repr")
        return False, f"`{call_src}` returns `{got}`, not `{out_src}`"
    return True, ""


def check_against_trace(trace: Any, monologue: str, *, run_answer: bool = True,
                        answer_timeout: float = ANSWER_TIMEOUT) -> MonologueReport:
    """Check ``monologue`` against an existing trace (a Trace, its JSON dict or a TraceView).

    An answer that calls the function on another input (a backward answer) is run to
    check it, in a sandbox worker with ``answer_timeout`` seconds (never in this
    process); ``run_answer=False`` leaves it unverified instead.
    """
    view = trace if isinstance(trace, TraceView) else TraceView(trace)
    checker = _Checker(view)
    verdicts: list[ClaimVerdict] = []
    answer_correct: bool | None = None
    for claim in extract_claims(monologue):
        if claim.kind == "answer":
            ok, reason = _check_answer(claim.text, view, run_answer, answer_timeout)
            answer_correct = ok
        else:
            ok, reason = checker.check(claim)
        verdicts.append(ClaimVerdict(claim, ok, reason))
    right = sum(1 for v in verdicts if v.ok is True)
    wrong = [v for v in verdicts if v.ok is False]
    first = WrongClaim(wrong[0].claim, wrong[0].reason) if wrong else None
    return MonologueReport(
        claims_checked=right + len(wrong), claims_right=right, claims_wrong=len(wrong),
        claims_unverifiable=sum(1 for v in verdicts if v.ok is None), first_wrong=first,
        answer_correct=answer_correct, verdicts=tuple(verdicts))


def check_monologue(source: str | None, call: str | None, monologue: str, *, trace: Any = None,
                    run_answer: bool = True, answer_timeout: float = ANSWER_TIMEOUT,
                    **limits: int) -> MonologueReport:
    """Trace ``call`` on ``source`` and check every claim of ``monologue`` against that trace.

    Pass ``trace=`` to reuse a trace you already have (``source`` and ``call``
    may then be None). An answer whose input differs from the traced call (a
    backward answer) is run in a sandbox worker for at most ``answer_timeout``
    seconds; ``run_answer=False`` leaves it unverified instead.

        report = check_monologue(src, "f([1, 2])", text)
        print(report.dumps())
    """
    if not isinstance(monologue, str):
        raise NarrateError(f"the monologue must be text, got {type(monologue).__name__}")
    if trace is None:
        if source is None or call is None:
            raise NarrateError("check_monologue needs either source and call, or trace=")
        from pytrace_sem import trace_call

        trace = trace_call(source, call, **limits)
    return check_against_trace(trace, monologue, run_answer=run_answer, answer_timeout=answer_timeout)
