"""``semcoder report``: several evaluation results side by side.

semcoder report results/*.json --out results/summary.md --plot results/summary.png
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("report", help="put several evaluation results side by side")
    p.add_argument("results", nargs="+", help="JSON result files written by `semcoder eval ... --out`")
    p.add_argument("--out", help="also write the Markdown table (and its legend) to this file")
    p.add_argument("--plot", help="draw a bar chart to this image file (needs matplotlib: the plot extra)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from semcoder.eval.report import compare, legend, load_result, plot

    results = [load_result(path) for path in args.results]
    table = compare(results) + "\n" + legend(results)
    print(table, end="")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(table, encoding="utf-8")
    if args.plot:
        print(f"wrote {plot(results, args.plot)}")
    return 0
