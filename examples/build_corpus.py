"""Build a small traced corpus from a module of your own, then turn it into training rows.

    python examples/build_corpus.py            # writes out/example-corpus and out/example-tasks

The module below is written to a temporary folder and harvested like any package:
its functions come with the helpers and constants they use, their docstrings become
descriptions, and every function runs only inside the sandbox. Both folders then load
with Hugging Face ``datasets`` as a Hub dataset would (when the train extra is installed).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

MODULE = '''
VAT_PERCENT = 20


def with_vat(cents: int) -> int:
    """Add value-added tax to a price in cents, rounding down.

    >>> with_vat(1000)
    1200
    """
    return cents * (100 + VAT_PERCENT) // 100


def basket_total(prices: list[int], coupon: int) -> int:
    """Total a basket with VAT, then take off a coupon, never going below zero.

    >>> basket_total([1000, 250], 300)
    1200
    """
    total = 0
    for price in prices:
        total += with_vat(price)
    return max(total - coupon, 0)


def initials(name: str) -> str:
    """The upper-case initials of a name, joined with dots.

    >>> initials("ada lovelace")
    'A.L.'
    """
    return "".join(part[0].upper() + "." for part in name.split() if part)
'''


def main() -> int:
    from semcoder.corpus import BuildConfig, build_corpus, read_corpus
    from semcoder.tasks import format_corpus

    with tempfile.TemporaryDirectory() as tmp:
        package = Path(tmp) / "shop"
        package.mkdir()
        (package / "prices.py").write_text(MODULE, encoding="utf-8")
        result = build_corpus([f"modules:{package}"], "out/example-corpus",
                              config=BuildConfig(max_cases=2, max_candidates=60), workers=2,
                              on_progress=lambda p: print(p.line(), file=sys.stderr), overwrite=True)
    print(json.dumps({k: result.manifest[k] for k in ("records", "cases", "bugs", "dropped")}))
    record = next(r for r in read_corpus("out/example-corpus") if r.entry_point == "basket_total")
    print(record.code)
    case = record.cases[0]
    print(f"basket_total({case.input}) == {case.output}")
    print(case.forward.split("### Execution Simulation", 1)[1][:600])
    if record.bugs:
        print("a bug it can learn to fix:", record.bugs[0].change)
    rows = format_corpus("out/example-corpus", "out/example-tasks")
    print(f"{rows['rows']['train']} training rows in out/example-tasks/train.jsonl: {rows['tasks']['train']}")
    try:
        import datasets
    except ImportError:
        print("datasets is not installed (pip install -e '.[train]'): skipping load_dataset")
        return 0
    corpus = datasets.load_dataset("out/example-corpus", split="train")
    tasks = datasets.load_dataset("out/example-tasks")
    print(f"load_dataset: {corpus.num_rows} records with columns {', '.join(corpus.column_names[:6])}, ...; "
          f"training rows: {', '.join(f'{k} {v.num_rows}' for k, v in tasks.items())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
