"""Branch arcs per call, measured with coverage.py, and a greedy set cover over them.

The input generator (:mod:`pytrace_sem.inputs`) uses this module to tell which
candidate inputs reach code that earlier ones did not. Source text arrives as a
string, so :class:`ArcMeter` writes it to a private temporary file and compiles
it under that file name: coverage.py can then attribute every arc to the source
and analyse the file afterwards. Only that file is measured.

Typical use::

    with ArcMeter("def f(x):\\n    if x:\\n        return 1\\n    return 2\\n") as meter:
        namespace = meter.load()
        _, arcs = meter.measure(lambda: namespace["f"](0))
        print(sorted(arcs))                      # [(-1, 2), (2, 4), (4, -1)]
        print(meter.report(arcs, meter.scope("f")))   # BranchCoverage(branches_covered=1, ...)

Arcs are coverage.py's raw ``(from_line, to_line)`` pairs; a negative number
marks entry into or exit from a code object whose first line is its absolute
value.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence, TypeVar

if TYPE_CHECKING:
    import coverage

__all__ = [
    "Arc",
    "ArcMeter",
    "BranchCoverage",
    "greedy_cover",
    "definition_spans",
]

Arc = tuple[int, int]
_T = TypeVar("_T")

# Warnings coverage.py would print to stderr when a call never reaches the file
# (an input that fails before entering the function) are expected here, and
# so is a function that switches tracing off.
_QUIET = [
    "no-data-collected",
    "module-not-measured",
    "module-not-imported",
    "no-ctracer",
    "trace-changed",
]


@dataclass(frozen=True, slots=True)
class BranchCoverage:
    """Branch and line coverage of one function, as coverage.py counts them.

    A branch is one exit of a line that has more than one possible exit (an
    ``if``, a loop header, a ``match``, ...): ``branches_total`` counts those
    exits, ``branches_covered`` the ones taken.
    """

    branches_covered: int
    branches_total: int
    lines_covered: int
    lines_total: int

    @property
    def fraction(self) -> float:
        """Branch coverage in [0, 1]; line coverage when there are no branches."""
        if self.branches_total:
            return self.branches_covered / self.branches_total
        if self.lines_total:
            return self.lines_covered / self.lines_total
        return 1.0

    @property
    def complete(self) -> bool:
        return (
            self.branches_covered == self.branches_total
            and self.lines_covered == self.lines_total
        )


def definition_spans(source: str) -> dict[str, tuple[int, int]]:
    """First and last line of every top-level ``def`` and ``class`` (decorators included).

    >>> definition_spans("import os\\n\\ndef f():\\n    return 1\\n")
    {'f': (3, 4)}
    """
    spans: dict[str, tuple[int, int]] = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            spans[node.name] = (first, node.end_lineno or node.lineno)
    return spans


class ArcMeter:
    """Runs calls into one source text under coverage.py, one measurement per call.

    Use it as a context manager: the temporary file it writes is removed on exit.
    """

    def __init__(self, source: str, *, directory: str | None = None) -> None:
        self.source = source
        self._dir = tempfile.mkdtemp(prefix="pytrace_sem_inputs_", dir=directory)
        self.filename = os.path.join(self._dir, "target.py")
        with open(self.filename, "w", encoding="utf-8") as handle:
            handle.write(source)
        # May raise SyntaxError; the caller reports it.
        self.code = compile(source, self.filename, "exec")
        self._spans = definition_spans(source)
        self._cov = self._new_coverage()
        self._calls = 0
        self.load_arcs: frozenset[Arc] = frozenset()

    def _new_coverage(self) -> coverage.Coverage:
        # Imported here so that `import pytrace_sem` stays light.
        import coverage

        # config_file=False: a user's .coveragerc must not change what we count.
        cov = coverage.Coverage(
            data_file=None, branch=True, include=[self.filename], config_file=False
        )
        cov.set_option("run:disable_warnings", _QUIET)
        return cov

    def __enter__(self) -> ArcMeter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        _close(self._cov.get_data())
        shutil.rmtree(self._dir, ignore_errors=True)

    def load(self, run: Callable[[Callable[[], None]], Any] | None = None) -> dict[str, Any]:
        """Execute the module body and return its namespace.

        ``run`` wraps the execution, e.g. to put a time limit on it. The arcs
        the module body takes (``def`` lines, class bodies) are kept in
        ``load_arcs`` and count in every :meth:`report`.
        """
        namespace: dict[str, Any] = {"__name__": "__pytrace_sem_target__", "__file__": self.filename}

        def body() -> None:
            exec(self.code, namespace)

        _, self.load_arcs = self.measure(body if run is None else lambda: run(body))
        return namespace

    def measure(self, thunk: Callable[[], _T]) -> tuple[_T, frozenset[Arc]]:
        """Call ``thunk()`` under coverage and return its value with the arcs it took.

        Each call is recorded under its own coverage.py context, so the arcs of
        one call are read back alone without erasing the data (erasing costs
        ten times more than the measurement).
        """
        name = f"call{self._calls}"
        self._calls += 1
        self._cov.start()
        try:
            self._cov.switch_context(name)
            value = thunk()
        finally:
            self._cov.stop()
        data = self._cov.get_data()
        data.set_query_contexts(["^" + re.escape(name) + "$"])
        arcs = data.arcs(self.filename) or []
        return value, frozenset(arcs)

    def scope(self, function: str, arcs: Iterable[Arc] = ()) -> frozenset[int]:
        """Lines whose coverage counts for ``function``.

        That is the function's own definition plus every other top-level
        definition that ``arcs`` (of calls, not of loading) enter: a helper it
        calls. Other module-level code is not counted.
        """
        spans = self._spans
        lines: set[int] = set()
        target = spans.get(function.split(".")[0])
        if target is not None:
            lines.update(range(target[0], target[1] + 1))
        touched = {abs(n) for arc in arcs for n in arc}
        for name, (first, last) in spans.items():
            if any(first <= n <= last for n in touched):
                lines.update(range(first, last + 1))
        return frozenset(lines)

    def report(self, arcs: Iterable[Arc], scope: Iterable[int]) -> BranchCoverage:
        """Coverage reached inside ``scope`` by the union of ``arcs``, counted by coverage.py."""
        scope = frozenset(scope)
        cov = self._new_coverage()
        data = cov.get_data()
        try:
            data.add_arcs({self.filename: set(arcs) | self.load_arcs})
            stats = cov.branch_stats(self.filename)
            _, statements, _, missing, _ = cov.analysis2(self.filename)
        finally:
            _close(data)
        total = taken = 0
        for line, (exits, done) in stats.items():
            if line in scope:
                total += exits
                taken += done
        counted = [s for s in statements if s in scope]
        missed = set(missing)
        return BranchCoverage(
            branches_covered=taken,
            branches_total=total,
            lines_covered=sum(1 for s in counted if s not in missed),
            lines_total=len(counted),
        )


def _close(data: Any) -> None:
    """Close coverage data's in-memory SQLite databases (a plain close() keeps those open)."""
    try:
        data.close(force=True)
    except TypeError:  # a coverage.py whose close() has no force
        data.close()


def greedy_cover(
    arc_sets: Sequence[frozenset[Arc]], limit: int | None = None
) -> list[tuple[int, frozenset[Arc]]]:
    """Pick sets that together cover the union of ``arc_sets``, largest gain first.

    Returns ``(index, arcs newly covered)`` pairs in the order chosen; ties go
    to the earlier index, so the result is deterministic.

    >>> [(i, sorted(gain)) for i, gain in greedy_cover([frozenset({(1, 2)}), frozenset({(1, 2), (2, 3)})])]
    [(1, [(1, 2), (2, 3)])]
    """
    uncovered: set[Arc] = set().union(*arc_sets) if arc_sets else set()
    chosen: list[tuple[int, frozenset[Arc]]] = []
    while uncovered and (limit is None or len(chosen) < limit):
        best, best_gain = -1, 0
        for index, arcs in enumerate(arc_sets):
            gain = len(arcs & uncovered)
            if gain > best_gain:
                best, best_gain = index, gain
        if best < 0:
            break
        gained = frozenset(arc_sets[best] & uncovered)
        chosen.append((best, gained))
        uncovered -= gained
    return chosen
