"""Corpus build throughput: functions/s and traces/s with 1 and 2 sandbox workers.

Each run is a whole ``build_corpus`` from scratch (sandbox start-up included) into a
temporary folder, with the default build options unless told otherwise; the
functions/s and traces/s are over the run's wall time. A Markdown table is printed
(docs/performance.md keeps a copy under "Corpus").

Run from the repository root:

    python benchmarks/corpus.py                                  # bundled set, 1 and 2 workers
    python benchmarks/corpus.py --source tests/data/cruxeval-dev --workers 1 2
    python benchmarks/corpus.py --limit 60 --json corpus-bench.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run(source: str, workers: int, limit: int, max_bugs: int) -> dict:
    from semcoder.corpus import BuildConfig, build_corpus

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        result = build_corpus([source], Path(tmp) / "corpus", config=BuildConfig(limit=limit, max_bugs=max_bugs),
                              workers=workers)
        seconds = time.perf_counter() - started
    m = result.manifest
    return {
        "source": source,
        "workers": workers,
        "functions": result.ran,
        "kept": m["records"],
        "cases": m["cases"],
        "bugs": m["bugs"],
        "traces": result.traces,
        "seconds": round(seconds, 2),
        "functions_per_second": round(result.ran / seconds, 3),
        "traces_per_second": round(result.traces / seconds, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="bundled", help="a source spec (default: the bundled set)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--limit", type=int, default=0, help="first N functions only (0: all)")
    parser.add_argument("--max-bugs", type=int, default=1)
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args(argv)
    rows = [run(args.source, w, args.limit, args.max_bugs) for w in args.workers]
    base = rows[0]["seconds"]
    print(f"source {args.source}; Python {platform.python_version()}, {os.cpu_count()} CPUs\n")
    print("| workers | functions | kept | traces | wall time | functions/s | traces/s | speed-up |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['workers']} | {r['functions']} | {r['kept']} | {r['traces']} | {r['seconds']:.1f} s | "
              f"{r['functions_per_second']:.2f} | {r['traces_per_second']:.1f} | {base / r['seconds']:.2f}x |")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
