"""``semcoder corpus build|stats|format|export|view``: build a traced training corpus, look at it, turn it into rows.

    semcoder corpus build --out out/corpus                          # the bundled default set
    semcoder corpus build --source tests/data/cruxeval-dev --out out/crux --workers 2
    semcoder corpus build --source modules:src/mypkg --decontaminate tests/data/cruxeval-dev --out out/mine
    semcoder corpus stats out/corpus
    semcoder corpus view out/corpus -o out/corpus-html             # a static site to browse it
    semcoder corpus format out/corpus --out out/tasks --mix output_monologue=2,input_monologue=2,nl2code=1
    semcoder corpus export out/corpus --out out/hub --format parquet   # the card and the data, for the Hub
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from typing import Any, Callable

__all__ = ["add_parser", "run_build", "run_stats", "run_format", "run_export", "run_view"]


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1), got {value}")
    return value


def add_parser(sub: Any) -> None:
    p = sub.add_parser("corpus", help="build a traced training corpus (build, stats, format, export, view)")
    cmds = p.add_subparsers(dest="corpus_command", metavar="COMMAND", parser_class=type(p))
    cmds.required = True

    b = cmds.add_parser("build", help="run sources' functions in the sandbox and write a corpus folder")
    b.add_argument("--source", action="append", default=[], metavar="SPEC",
                   help="a path or KIND:ARG (jsonl, modules, package, evalplus, humaneval, mbpp, traces, bundled); "
                        "repeat for several; default: the bundled set")
    b.add_argument("--out", default="out/corpus", help="corpus folder to write (default: out/corpus)")
    b.add_argument("--workers", type=_positive, default=2, help="sandbox workers (local) or Dask workers (dask)")
    b.add_argument("--executor", default="local", help="local, dask (a LocalCluster here) or dask://HOST:PORT")
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--max-cases", type=_positive, default=3, help="traced inputs per function")
    b.add_argument("--max-candidates", type=_positive, default=100, help="Hypothesis examples per function")
    b.add_argument("--max-bugs", type=int, default=1, help="injected bugs (PyX-R) per function; 0: none")
    b.add_argument("--max-trace-steps", type=_positive, default=1000, help="longer traces drop their input")
    b.add_argument("--call-timeout", type=float, default=0.5, help="seconds one call of a function may take")
    b.add_argument("--input-budget", type=float, default=30.0, help="seconds of input generation per function")
    b.add_argument("--limit", type=int, default=0, help="only the first N functions that pass the filters")
    b.add_argument("--decontaminate", action="append", default=[], metavar="PATH",
                   help="an evaluation file or folder; functions overlapping it are dropped (repeatable)")
    b.add_argument("--allow-import", action="append", default=[], metavar="MODULE",
                   help="also allow functions that import MODULE (repeatable)")
    b.add_argument("--no-dedupe", action="store_true", help="keep near-identical functions")
    b.add_argument("--describe", metavar="MODULE:FUNCTION",
                   help="call FUNCTION(code, entry_point) -> str to describe functions that have no description")
    b.add_argument("--format", choices=("jsonl", "parquet"), default="jsonl",
                   help="how the record shards are written (parquet needs pyarrow; default: jsonl)")
    b.add_argument("--overwrite", action="store_true", help="replace a build in --out made with other options")
    b.add_argument("--quiet", action="store_true", help="no progress bar (as `semcoder -q`)")
    b.add_argument("--strict", action="store_true",
                   help="exit 15 (after writing the corpus) when most functions were blocked for the same "
                        "operation: the environment, not the code, is then almost always the cause")
    b.set_defaults(run=run_build)

    s = cmds.add_parser("stats", help="summarise a corpus folder")
    s.add_argument("corpus", help="a folder written by `semcoder corpus build`")
    s.add_argument("--json", action="store_true", help="print the numbers as JSON")
    s.set_defaults(run=run_stats)

    f = cmds.add_parser("format", help="write training rows (TRL conversational format) from a corpus folder")
    f.add_argument("corpus", help="a folder written by `semcoder corpus build`")
    f.add_argument("--out", required=True, help="folder for train.jsonl (and eval.jsonl) and manifest.json")
    f.add_argument("--tasks", help="comma-separated tasks, or all for all eight (default: the paper's four: "
                                   "nl2code,output_monologue,input_monologue,debug_refine)")
    f.add_argument("--mix", metavar="TASK=WEIGHT,...", help="relative task weights, e.g. output_monologue=2,nl2code=1")
    f.add_argument("--max-rows", type=_positive, help="at most this many rows in all (needs --mix)")
    f.add_argument("--eval-fraction", type=_fraction, default=0.0, help="share of functions held out in eval.jsonl")
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--nl2code-from-derived", action="store_true",
                   help="also make nl2code rows from derived (structural) descriptions")
    f.set_defaults(run=run_format)

    v = cmds.add_parser("view", help="write a static HTML site to browse a corpus folder")
    v.add_argument("corpus", help="a folder written by `semcoder corpus build`")
    v.add_argument("-o", "--out", required=True, metavar="OUT",
                   help="folder for the site (new, empty, or an earlier site of this command, which is replaced)")
    v.add_argument("--viewer-narrates", action="store_true",
                   help="trace pages narrate the trace themselves instead of showing the case's stored monologue")
    v.set_defaults(run=run_view)

    e = cmds.add_parser("export", help="write a corpus's dataset card and data shards, ready for the Hugging Face Hub")
    e.add_argument("corpus", help="a folder written by `semcoder corpus build`")
    e.add_argument("--out", required=True, help="a new or empty folder for README.md and data/")
    e.add_argument("--format", choices=("jsonl", "parquet"), help="shard format (default: the corpus's own)")
    e.set_defaults(run=run_export)


def _hook(spec: str) -> Callable[[str, str], str | None]:
    import importlib

    from semcoder.errors import CorpusError

    module, _, name = spec.partition(":")
    if not module or not name:
        raise CorpusError(f"--describe takes MODULE:FUNCTION, got {spec!r}")
    try:
        fn = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise CorpusError(f"cannot load the description hook {spec}: {exc}") from None
    if not callable(fn):
        raise CorpusError(f"the description hook {spec} is not callable")
    return fn  # type: ignore[no-any-return]


class _ProgressBar:
    """The build's progress as a bar on stderr (pytrace_sem.progress: drawn on a terminal only)."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __call__(self, progress: Any) -> None:
        from pytrace_sem.progress import Progress

        if self.bar is None:
            self.bar = Progress(progress.total, "corpus", unit="fn").__enter__()
            self.bar.advance(progress.done)  # resumed from an earlier run
        dropped = sum(progress.dropped.values())
        self.bar.advance(progress.done - self.bar.done,
                         note=f"kept {progress.kept}, dropped {dropped}, {progress.traces_per_second:.1f} traces/s")
        if progress.done >= progress.total:
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def run_build(args: argparse.Namespace) -> int:
    from semcoder.corpus.pipeline import DEFAULT_ALLOWED_IMPORTS, BuildConfig, build_corpus

    config = BuildConfig(
        seed=args.seed,
        max_cases=args.max_cases,
        max_candidates=args.max_candidates,
        max_bugs=max(0, args.max_bugs),
        max_trace_steps=args.max_trace_steps,
        call_timeout=args.call_timeout,
        input_budget_seconds=args.input_budget,
        limit=max(0, args.limit),
        decontaminate=tuple(args.decontaminate),
        allowed_imports=tuple(sorted(set(DEFAULT_ALLOWED_IMPORTS) | set(args.allow_import))),
        dedupe=not args.no_dedupe,
    )
    bar = _ProgressBar()
    try:
        result = build_corpus(
            args.source or None,
            args.out,
            config=config,
            executor=args.executor,
            workers=args.workers,
            on_progress=None if args.quiet else bar,
            describe=_hook(args.describe) if args.describe else None,
            overwrite=args.overwrite,
            format=args.format,
        )
    finally:
        bar.close()
    m = result.manifest
    dropped = ", ".join(f"{r} {n}" for r, n in m["dropped"].items()) or "none"
    resumed = f" ({result.resumed} taken from an earlier run)" if result.resumed else ""
    print(f"wrote {m['records']} functions ({m['cases']} cases, {m['bugs']} bugs) to {result.out}{resumed}")
    print(f"ran {result.ran} functions in {result.seconds:.1f} s: {result.functions_per_second:.2f} functions/s, "
          f"{result.traces_per_second:.1f} traces/s")
    print(f"dropped {m['functions']['dropped']} of {m['functions']['seen']}: {dropped}")
    if m.get("decontamination"):
        print(f"decontamination dropped {m['decontamination']['dropped']} functions")
    warning = m.get("environment_warning")
    if warning:
        print(f"semcoder corpus build: {warning}", file=sys.stderr)
        if args.strict:
            from semcoder.errors import CorpusError

            raise CorpusError(f"--strict: {warning.removeprefix('warning: ')} (the corpus was written to {result.out})")
    return 0


def corpus_stats(path: str) -> dict[str, Any]:
    """Numbers about a corpus folder: counts from the manifest plus sizes measured on the records."""
    from semcoder.corpus.records import read_corpus, read_manifest

    manifest = read_manifest(path)
    steps: list[int] = []
    forward: list[int] = []
    backward: list[int] = []
    cases_per: list[int] = []
    coverage: list[float] = []
    debug: list[int] = []
    records = bugs = 0
    for record in read_corpus(path):
        records += 1
        bugs += len(record.bugs)
        cases_per.append(len(record.cases))
        if record.coverage is not None:
            coverage.append(record.coverage)
        for case in record.cases:
            steps.append(len(case.trace.get("steps", ())))
            forward.append(len(case.forward))
            backward.append(len(case.backward))
        debug.extend(len(b.debug) for b in record.bugs)

    def summary(values: list[int] | list[float]) -> dict[str, float] | None:
        if not values:
            return None
        return {"mean": round(statistics.fmean(values), 2), "median": statistics.median(values),
                "max": max(values)}

    # Counted on the data; the manifest's own counts are only compared with them.
    counted = {"records": records, "cases": len(steps), "bugs": bugs}
    mismatch = {k: {"manifest": manifest.get(k), "data": v} for k, v in counted.items() if manifest.get(k) != v}
    return {
        **counted,
        "manifest_mismatch": mismatch,
        "functions": manifest["functions"],
        "dropped": manifest["dropped"],
        "case_drops": manifest.get("case_drops", {}),
        "sources": {s["name"]: {"functions": s["functions"], "kept": s["kept"]} for s in manifest["sources"]},
        "descriptions": manifest.get("descriptions", {}),
        "bug_operators": manifest.get("bug_operators", {}),
        "decontamination_dropped": (manifest.get("decontamination") or {}).get("dropped"),
        "cases_per_function": summary(cases_per),
        "coverage": summary(coverage),
        "trace_steps": summary(steps),
        "forward_chars": summary(forward),
        "backward_chars": summary(backward),
        "debug_chars": summary(debug),
    }


def run_stats(args: argparse.Namespace) -> int:
    stats = corpus_stats(args.corpus)
    for key, both in stats["manifest_mismatch"].items():
        print(f"semcoder corpus stats: warning: the manifest says {both['manifest']} {key}, the data holds "
              f"{both['data']}; the numbers below are the data's", file=sys.stderr)
    if args.json:
        print(json.dumps(stats, indent=2))
        return 0
    f = stats["functions"]
    print(f"{args.corpus}: {stats['records']} functions, {stats['cases']} cases, {stats['bugs']} bugs "
          f"(kept {f['kept']} of {f['seen']} seen)")
    for name, s in stats["sources"].items():
        print(f"  source {name}: kept {s['kept']} of {s['functions']}")
    for label, key in (("dropped", "dropped"), ("inputs left out", "case_drops"), ("descriptions", "descriptions"),
                       ("bug operators", "bug_operators")):
        if stats[key]:
            print(f"  {label}: " + ", ".join(f"{k} {v}" for k, v in stats[key].items()))
    if stats["decontamination_dropped"] is not None:
        print(f"  decontamination dropped {stats['decontamination_dropped']}")
    for label, key in (("cases per function", "cases_per_function"), ("branch coverage", "coverage"),
                       ("trace steps", "trace_steps"), ("forward monologue chars", "forward_chars"),
                       ("backward monologue chars", "backward_chars"), ("debug narrative chars", "debug_chars")):
        s = stats[key]
        if s:
            print(f"  {label}: mean {s['mean']}, median {s['median']}, max {s['max']}")
    return 0


def _mixture(text: str) -> dict[str, float]:
    from semcoder.errors import DataError

    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        task, sep, weight = part.partition("=")
        try:
            out[task.strip()] = float(weight) if sep else 1.0
        except ValueError:
            raise DataError(f"--mix: weight of {task.strip()!r} is not a number: {weight!r}") from None
    if not out:
        raise DataError("--mix is empty; give TASK=WEIGHT pairs such as output_monologue=2,nl2code=1")
    return out


def run_format(args: argparse.Namespace) -> int:
    from semcoder.tasks import PAPER_TASKS, TASKS, format_corpus

    tasks = tuple(t.strip() for t in args.tasks.split(",") if t.strip()) if args.tasks else PAPER_TASKS
    if tasks == ("all",):
        tasks = TASKS
    manifest = format_corpus(
        args.corpus,
        args.out,
        tasks=tasks,
        mixture=_mixture(args.mix) if args.mix else None,
        max_rows=args.max_rows,
        eval_fraction=args.eval_fraction,
        seed=args.seed,
        nl2code_from_derived=args.nl2code_from_derived,
    )
    rows = manifest["rows"]
    per_task = ", ".join(f"{t} {n}" for t, n in manifest["tasks"]["train"].items())
    print(f"wrote {rows['train']} training rows" + (f" and {rows['eval']} held-out rows" if rows["eval"] else "")
          + f" from {manifest['records']} functions to {args.out}: {per_task}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from semcoder.corpus.hf import export_corpus

    manifest = export_corpus(args.corpus, args.out, format=args.format)
    print(f"wrote {manifest['records']} records in {len(manifest['shards'])} shard(s) and README.md to {args.out}; "
          f"datasets.load_dataset({str(args.out)!r}) loads it, huggingface-cli upload publishes it")
    return 0


def run_view(args: argparse.Namespace) -> int:
    from semcoder.corpus.site import write_corpus_site

    site = write_corpus_site(args.corpus, args.out, monologue_in_viewer=not args.viewer_narrates)
    print(f"wrote {site.pages} pages ({site.kept} functions kept, {site.dropped} dropped) to {site.out}; "
          f"open {site.index} in a browser")
    return 0
