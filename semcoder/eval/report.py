"""Evaluation results: the record every eval writes, pass@k, Markdown tables, runs side by side.

Each eval returns an :class:`EvalResult`; :func:`write_result` saves it as JSON
(``schema_version``, the settings, ``n``, the metrics both under ``metrics`` and at
the top level, e.g. ``"pass@1"``, and one record per problem) and a short
Markdown table beside it (same name, ``.md``)::

    result = evaluate_cruxeval(problems, backend, task="output")
    write_result(result, "results/crux-o.json")        # and results/crux-o.md
    print(compare([load_result(p) for p in paths]))    # one row per run

``semcoder report RESULTS...`` prints that comparison and, with ``--plot``,
draws it as a bar chart (matplotlib, when installed).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from semcoder.errors import DataError, MissingDependencyError

__all__ = [
    "RESULT_SCHEMA_VERSION",
    "EvalResult",
    "pass_at_k",
    "mean_pass_at_k",
    "write_result",
    "load_result",
    "markdown_table",
    "compare",
    "legend",
    "plot",
]

RESULT_SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class EvalResult:
    """One evaluation run: what ran, on how many problems, the metrics, and per-problem records."""

    benchmark: str
    model: str
    backend: str
    n: int
    metrics: Mapping[str, float]
    settings: Mapping[str, Any] = field(default_factory=dict)
    records: tuple[Mapping[str, Any], ...] = ()
    schema_version: int = RESULT_SCHEMA_VERSION

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "schema_version": self.schema_version,
            "benchmark": self.benchmark,
            "model": self.model,
            "backend": self.backend,
            "n": self.n,
            "settings": dict(self.settings),
            "metrics": dict(self.metrics),
        }
        # The headline numbers also sit at the top level, where scripts look first.
        data.update(self.metrics)
        data["records"] = [dict(r) for r in self.records]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, where: str = "result") -> "EvalResult":
        version = data.get("schema_version")
        if version != RESULT_SCHEMA_VERSION:
            raise DataError(
                f"{where}: result schema_version is {version!r}, this semcoder reads "
                f"{RESULT_SCHEMA_VERSION}; rerun the evaluation with this version"
            )
        try:
            return cls(
                benchmark=data["benchmark"],
                model=data["model"],
                backend=data["backend"],
                n=int(data["n"]),
                metrics=dict(data["metrics"]),
                settings=dict(data.get("settings", {})),
                records=tuple(data.get("records", ())),
                schema_version=version,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"{where}: not an evaluation result ({type(exc).__name__}: {exc})") from None


def pass_at_k(n: int, c: int, k: int) -> float:
    """The unbiased pass@k estimate from ``n`` samples of which ``c`` are correct.

    >>> round(pass_at_k(5, 1, 1), 6), pass_at_k(5, 1, 5)
    (0.2, 1.0)
    """
    if not 0 <= c <= n or k < 1:
        raise ValueError(f"need 0 <= c <= n and k >= 1, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    # 1 - C(n-c, k) / C(n, k), as a product, which stays exact-ish for large n.
    return 1.0 - math.prod((n - c - i) / (n - i) for i in range(k))


def mean_pass_at_k(correct: Sequence[Sequence[bool]], ks: Sequence[int] = (1, 5)) -> dict[str, float]:
    """``pass@k`` averaged over problems, for each ``k`` that the sample count allows."""
    if not correct:
        return {f"pass@{k}": 0.0 for k in ks if k == 1}
    n = min(len(c) for c in correct)
    out = {}
    for k in ks:
        if k <= n:
            out[f"pass@{k}"] = sum(pass_at_k(len(c), sum(c), k) for c in correct) / len(correct)
    return out


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{100 * value:.1f}"
    return str(value)


def _label(result: EvalResult) -> str:
    extra = [str(result.settings[k]) for k in ("task", "mode", "tests") if k in result.settings]
    return " ".join([result.benchmark, *extra])


def markdown_table(result: EvalResult) -> str:
    """A short Markdown table of one run (metrics in percent)."""
    names = list(result.metrics)
    head = ["benchmark", "model", "backend", "n", *names]
    row = [_label(result), result.model, result.backend, str(result.n), *(_cell(result.metrics[m]) for m in names)]
    return _table(head, [row])


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def compare(results: Sequence[EvalResult]) -> str:
    """Several runs side by side: one row per run, one column per metric (percent)."""
    names: list[str] = []
    for r in results:
        names += [m for m in r.metrics if m not in names]
    head = ["run", "model", "backend", "n", *names]
    rows = [
        [_label(r), r.model, r.backend, str(r.n), *(_cell(r.metrics[m]) if m in r.metrics else "" for m in names)]
        for r in results
    ]
    return _table(head, rows)


_COLUMNS = {
    "run": "benchmark, then task and prompting mode (CRUXEval) or which tests ran (HumanEval/MBPP)",
    "model": "the model folder or hub id; `oracle` and `identity` are baselines without a model",
    "backend": "what produced the answers: `hf` (transformers), `vllm`, `oracle` (the true answer, "
               "through the same scoring: the ceiling) or `identity` (echoes its input: a floor to beat)",
    "n": "problems scored",
}
_METRICS = (
    (re.compile(r"pass@(\d+)\+"), "percent of problems solved within {0} sample{s}, on the base tests and the "
                                  "EvalPlus extra inputs"),
    (re.compile(r"pass@(\d+)\[r0\]"), "refinement: percent solved by the first attempt, before any feedback"),
    (re.compile(r"trace pass@(\d+)\[r(\d+)\]"), "refinement: percent solved after {1} round(s) of feedback with "
                                                  "the failing run's execution trace"),
    (re.compile(r"control pass@(\d+)\[r(\d+)\]"), "refinement: the same after {1} round(s) of feedback with the "
                                                    "failure message only (the control arm)"),
    (re.compile(r"pass@(\d+)"), "percent of problems solved within {0} sample{s}, scored by running code "
                               "(for HumanEval/MBPP: the base tests only)"),
)


def legend(results: Sequence[EvalResult]) -> str:
    """A Markdown list that says what every column of ``compare(results)`` means."""
    names: list[str] = []
    for r in results:
        names += [m for m in r.metrics if m not in names]
    lines = [f"- `{name}`: {text}" for name, text in _COLUMNS.items()]
    for name in names:
        for pattern, text in _METRICS:
            found = pattern.fullmatch(name)
            if found:
                plural = "" if found.group(1) == "1" else "s"
                lines.append(f"- `{name}`: {text.format(*found.groups(), s=plural)}")
                break
        else:
            lines.append(f"- `{name}`: a metric of the result file, in percent")
    return "\n".join(lines) + "\n"


def write_result(result: EvalResult, path: str | Path) -> tuple[Path, Path]:
    """Write ``path`` (JSON) and the Markdown table beside it; return both paths."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.to_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    md = path.with_suffix(".md")
    md.write_text(markdown_table(result), encoding="utf-8")
    return path, md


def load_result(path: str | Path) -> EvalResult:
    """Read a result file that :func:`write_result` wrote."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataError(f"cannot read result file {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{path} is not JSON: {exc}") from None
    return EvalResult.from_json(data, where=str(path))


def plot(results: Sequence[EvalResult], path: str | Path) -> Path:
    """A grouped bar chart of every metric of every run (percent), saved to ``path``."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingDependencyError(
            "--plot needs matplotlib: pip install matplotlib (or the plot extra: pip install -e '.[plot]')"
        ) from None
    names: list[str] = []
    for r in results:
        names += [m for m in r.metrics if m not in names]
    width = 0.8 / max(1, len(results))
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(names) + 2), 4))
    for i, r in enumerate(results):
        xs = [j + i * width for j in range(len(names))]
        ys = [100 * r.metrics.get(m, 0.0) for m in names]
        ax.bar(xs, ys, width=width, label=f"{_label(r)} ({r.model}, {r.backend})")
    ax.set_xticks([j + width * (len(results) - 1) / 2 for j in range(len(names))])
    ax.set_xticklabels(names, rotation=20)
    ax.set_ylabel("percent")
    ax.set_ylim(0, 100)
    ax.legend(fontsize="small")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
