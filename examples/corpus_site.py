"""Build a tiny corpus from five CRUXEval dev functions, then write the site that browses it.

    python examples/corpus_site.py            # writes out/crux5 and out/crux5-html; open out/crux5-html/index.html

The build runs each function in the sandbox (a few seconds); the site lists the
functions with filters, and gives each one a page with its cases, traces to step
through, monologues and injected bugs. ``semcoder corpus view DIR -o OUT`` writes
the same site from the command line.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import semcoder

# The CRUXEval dev set bundled with a clone, found from the installed (editable) package.
CRUX = Path(semcoder.__file__).resolve().parents[1] / "tests" / "data" / "cruxeval-dev" / "cruxeval-dev.jsonl"


def main() -> None:
    from semcoder.corpus import BuildConfig, build_corpus
    from semcoder.corpus.site import write_corpus_site

    corpus, out = Path("out/crux5"), Path("out/crux5-html")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "crux5.jsonl"
        source.write_text("\n".join(CRUX.read_text("utf-8").splitlines()[:5]) + "\n", encoding="utf-8")
        config = BuildConfig(max_cases=2, max_candidates=30, input_budget_seconds=10)
        build_corpus([str(source)], corpus, config=config, workers=2, overwrite=True)
    site = write_corpus_site(corpus, out)
    print(f"{site.kept} functions kept, {site.dropped} dropped; wrote {site.pages} pages; "
          f"open {site.index.resolve()}")


if __name__ == "__main__":
    main()
