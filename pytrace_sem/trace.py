"""The trace model: frozen dataclasses that round-trip through JSON.

    t = pytrace_sem.trace_call(source, "f([1, 2])")
    data = t.to_json()                  # plain dicts and lists, ready for json.dumps
    assert Trace.from_json(data) == t
    validate(data)                      # against the JSON Schema shipped with the package

Values inside a trace (``args``, ``changes``, ``return`` ...) stay JSON objects
(``{"type": ..., "repr": ...}``, see ``values.py``); the dataclasses only give
the structure around them names and types. ``docs/trace-format.md`` explains
every field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Mapping

from pytrace_sem.errors import TraceFormatError

__all__ = ["SCHEMA_VERSION", "EVENTS", "Step", "ExceptionInfo", "Stopped", "Trace", "schema", "validate"]

SCHEMA_VERSION = 1

EVENTS = ("call", "line", "branch", "iteration", "return", "raise", "except", "yield", "resume",
          "comprehension")

Value = Mapping[str, Any]

# Python counts lines at \n, \r\n and \r only (str.splitlines knows more breaks).
_LINES = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class ExceptionInfo:
    """An exception: its class name and ``str()`` of it."""

    type: str
    message: str

    def to_json(self) -> dict:
        return {"type": self.type, "message": self.message}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "ExceptionInfo":
        return cls(type=data["type"], message=data["message"])


@dataclass(frozen=True, slots=True)
class Step:
    """One executed statement (or call, branch, return ...) of a traced function."""

    index: int
    line: int
    depth: int
    function: str
    event: str
    changes: Mapping[str, Value] = field(default_factory=dict)
    deleted: tuple[str, ...] = ()
    outcome: bool | None = None
    value: Value | None = None
    exception: ExceptionInfo | None = None

    def to_json(self) -> dict:
        out: dict[str, Any] = {
            "index": self.index,
            "line": self.line,
            "depth": self.depth,
            "function": self.function,
            "event": self.event,
            "changes": dict(self.changes),
        }
        if self.deleted:
            out["deleted"] = list(self.deleted)
        if self.outcome is not None:
            out["outcome"] = self.outcome
        if self.value is not None:
            out["value"] = self.value
        if self.exception is not None:
            out["exception"] = self.exception.to_json()
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Step":
        exc = data.get("exception")
        return cls(
            index=data["index"],
            line=data["line"],
            depth=data["depth"],
            function=data["function"],
            event=data["event"],
            changes=dict(data.get("changes", {})),
            deleted=tuple(data.get("deleted", ())),
            outcome=data.get("outcome"),
            value=data.get("value"),
            exception=ExceptionInfo.from_json(exc) if exc is not None else None,
        )


def _step_maker():
    """``Step(...)`` with all ten fields given positionally, for building long traces.

    The frozen ``__init__`` sets each field through ``object.__setattr__``; this
    fills the same slots through their descriptors, which is several times faster
    and gives an equal object.
    """
    new = object.__new__
    sets = tuple(getattr(Step, name).__set__ for name in Step.__dataclass_fields__)
    s0, s1, s2, s3, s4, s5, s6, s7, s8, s9 = sets

    def make(index, line, depth, function, event, changes, deleted, outcome, value, exception):
        step = new(Step)
        s0(step, index)
        s1(step, line)
        s2(step, depth)
        s3(step, function)
        s4(step, event)
        s5(step, changes)
        s6(step, deleted)
        s7(step, outcome)
        s8(step, value)
        s9(step, exception)
        return step

    return make


_make_step = _step_maker()


@dataclass(frozen=True, slots=True)
class Stopped:
    """Where recording stopped early, and why (``max_steps`` or ``max_size``)."""

    reason: str
    after_step: int
    line: int

    def to_json(self) -> dict:
        return {"reason": self.reason, "after_step": self.after_step, "line": self.line}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Stopped":
        return cls(reason=data["reason"], after_step=data["after_step"], line=data["line"])


@dataclass(frozen=True, slots=True)
class Trace:
    """What one call of a function did, statement by statement."""

    source: str
    function: str
    call: str
    args: Mapping[str, Value]
    steps: tuple[Step, ...]
    return_value: Value | None
    exception: ExceptionInfo | None
    truncated: bool = False
    stopped: Stopped | None = None
    untraced: tuple[tuple[int, str], ...] = ()
    schema_version: int = SCHEMA_VERSION
    #: How values of user classes were shown: "builtin" (the default: type and stored
    #: attributes, no program code called) or "user" (their own ``__repr__``, opted in).
    repr_policy: str = "builtin"

    def to_json(self) -> dict:
        out = {
            "schema_version": self.schema_version,
            "source": self.source,
            "function": self.function,
            "call": self.call,
            "args": dict(self.args),
            "steps": [s.to_json() for s in self.steps],
            "return": self.return_value,
            "exception": self.exception.to_json() if self.exception is not None else None,
            "truncated": self.truncated,
            "stopped": self.stopped.to_json() if self.stopped is not None else None,
            "untraced": [{"line": line, "construct": what} for line, what in self.untraced],
        }
        if self.repr_policy != "builtin":  # absent means the default, so older traces read the same
            out["repr_policy"] = self.repr_policy
        return out

    def __str__(self) -> str:
        """The terminal view, plain text: the source with each step's changes (``render/terminal.py``)."""
        from pytrace_sem.render.terminal import to_text

        return to_text(self).rstrip("\n")

    def show(self, **options: Any) -> None:
        """Print the terminal view, in colour on a terminal (options: ``render.terminal.render``'s)."""
        from pytrace_sem.render.terminal import show

        show(self, **options)

    def to_html(self, *, title: str | None = None, monologue: str | None = None) -> str:
        """One self-contained HTML page to step through this trace (``render/html.py``).

            Path("trace.html").write_text(t.to_html(), encoding="utf-8")
        """
        from pytrace_sem.render.html import trace_page

        return trace_page(self, title=title, monologue=monologue)

    def dumps(self, indent: int | None = None) -> str:
        """The trace as JSON text, byte-identical for identical traces."""
        return json.dumps(self.to_json(), indent=indent, ensure_ascii=False, sort_keys=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, where: str = "trace") -> "Trace":
        version = data.get("schema_version") if isinstance(data, Mapping) else None
        if version != SCHEMA_VERSION:
            raise TraceFormatError(
                f"{where}: schema_version is {version!r}, this pytrace_sem reads version "
                f"{SCHEMA_VERSION}; re-record the trace or install a matching pytrace_sem"
            )
        try:
            exc = data["exception"]
            stopped = data.get("stopped")
            return cls(
                source=data["source"],
                function=data["function"],
                call=data["call"],
                args=dict(data["args"]),
                steps=tuple(Step.from_json(s) for s in data["steps"]),
                return_value=data["return"],
                exception=ExceptionInfo.from_json(exc) if exc is not None else None,
                truncated=bool(data["truncated"]),
                stopped=Stopped.from_json(stopped) if stopped is not None else None,
                untraced=tuple((u["line"], u["construct"]) for u in data.get("untraced", ())),
                schema_version=version,
                repr_policy=str(data.get("repr_policy", "builtin")),
            )
        except (KeyError, TypeError) as exc:
            raise TraceFormatError(f"{where}: not a valid trace ({type(exc).__name__}: {exc})") from None

    @classmethod
    def loads(cls, text: str, *, where: str = "trace") -> "Trace":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TraceFormatError(f"{where}: not JSON ({exc})") from None
        return cls.from_json(data, where=where)

    @property
    def lines(self) -> list[str]:
        """The source split into lines; ``lines[step.line - 1]`` is a step's line."""
        return _LINES.split(self.source)


_schema_cache: dict | None = None


def schema() -> dict:
    """The JSON Schema of a trace (package data ``schema/trace.schema.json``)."""
    global _schema_cache
    if _schema_cache is None:
        text = resources.files("pytrace_sem").joinpath("schema/trace.schema.json").read_text("utf-8")
        _schema_cache = json.loads(text)
    return _schema_cache


def validate(data: Mapping[str, Any]) -> None:
    """Validate trace JSON against the schema; needs the ``jsonschema`` package."""
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - optional dependency
        raise TraceFormatError("validating traces needs the jsonschema package: pip install jsonschema") from None
    try:
        jsonschema.validate(data, schema())
    except jsonschema.ValidationError as exc:
        path = "/".join(str(p) for p in exc.absolute_path)
        raise TraceFormatError(f"trace does not match schema at /{path}: {exc.message}") from None
