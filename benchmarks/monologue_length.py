"""How long the narratives get: whitespace-word counts over the CRUXEval dev problems.

Prints one row per rendering (style, loop shortening, cap) with the min, quartiles,
90th/99th percentiles, max and mean of the word count, and how many renders a
re-check found fully right. Run from the repository root:

    python benchmarks/monologue_length.py                       # vendored tests/data copy
    python benchmarks/monologue_length.py --data path/to/cruxeval.jsonl --caps 40 20
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Sequence

DEFAULT_DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "cruxeval-dev" / "cruxeval-dev.jsonl"


def _quantile(sorted_values: list[int], q: float) -> int:
    k = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[k]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="CRUXEval-style JSONL (code, input)")
    parser.add_argument("--caps", type=int, nargs="*", default=[20, 10], help="caps to measure (default 20 10)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import pytrace_sem
    from pytrace_sem.narrate import check_against_trace, narrate

    records = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    traces = [pytrace_sem.trace_call(r["code"], f"f({r['input']})") for r in records]
    configs: list[tuple[str, str, dict]] = [
        ("forward, every iteration", "forward", {"long_loop": 10**9}),
        ("forward, long loops shortened", "forward", {}),
    ]
    configs += [(f"forward, cap {c}", "forward", {"cap": c}) for c in args.caps]
    configs += [("backward, long loops shortened", "backward", {})]
    configs += [(f"backward, cap {c}", "backward", {"cap": c}) for c in args.caps]
    configs += [("scratchpad", "scratchpad", {}), ("inline", "inline", {})]

    print(f"{len(records)} problems from {args.data.name}; words = whitespace-separated tokens\n")
    head = f"| {'rendering':34} | {'min':>4} | {'p25':>4} | {'median':>6} | {'p75':>4} | {'p90':>5} | " \
           f"{'p99':>5} | {'max':>5} | {'mean':>6} | {'all right':>9} |"
    print(head)
    print("|" + "|".join("-" * (len(cell)) for cell in head.split("|")[1:-1]) + "|")
    for label, style, options in configs:
        words: list[int] = []
        right = 0
        for t in traces:
            text = narrate(t, style, seed=args.seed, **options)
            words.append(len(text.split()))
            if style in ("forward", "backward"):
                report = check_against_trace(t, text)
                right += report.claims_wrong == 0 and report.answer_correct is True
        w = sorted(words)
        checked = f"{right}/{len(traces)}" if style in ("forward", "backward") else "-"
        print(f"| {label:34} | {w[0]:>4} | {_quantile(w, .25):>4} | {_quantile(w, .5):>6} | "
              f"{_quantile(w, .75):>4} | {_quantile(w, .9):>5} | {_quantile(w, .99):>5} | {w[-1]:>5} | "
              f"{statistics.mean(w):>6.0f} | {checked:>9} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
