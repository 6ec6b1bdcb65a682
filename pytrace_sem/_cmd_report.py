"""``pytrace-sem report`` and ``pytrace-sem show``: read a trace directory written by the pytest plugin.

    pytrace-sem report traces/                       # top functions, line coverage by traces
    pytrace-sem report traces/ --format json
    pytrace-sem report traces/ --html traces-html/   # a static site: modules, marked source, traces to step through
    pytrace-sem show traces/ --function chunked      # its traces, in the text format
    pytrace-sem show traces/ --function mypkg.core:Parser.parse --test test_parse --limit 2

A function is named by its qualified name (``Parser.parse``), optionally with
its module (``mypkg.core:Parser.parse``); a bare name also matches the last
part of a qualified name when that is unambiguous.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pytrace_sem._cmd_trace import add_view_options
from pytrace_sem._cmdutil import positive_int

__all__ = ["add_parser", "run_report", "run_show", "coverage"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    report = subparsers.add_parser(
        "report",
        help="summarise a trace directory written by pytest --pytrace-sem=DIR",
        description="Top functions by calls, how many traces were kept, and which of their lines the kept "
                    "traces cover.",
    )
    report.add_argument("dir", metavar="DIR", help="the directory given to pytest --pytrace-sem")
    report.add_argument("--top", type=positive_int, default=20, metavar="N", help="functions listed (default 20)")
    report.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    report.add_argument("--html", default=None, metavar="OUT",
                        help="write a static HTML site to folder OUT instead (index, one page per module with "
                             "the lines the tests ran, one viewer page per trace)")
    report.set_defaults(run=run_report)

    show = subparsers.add_parser(
        "show",
        help="print the traces of one function from a trace directory",
        description="Print kept traces of one function, each with the test that produced it.",
    )
    show.add_argument("dir", metavar="DIR", help="the directory given to pytest --pytrace-sem")
    show.add_argument("--function", required=True, metavar="NAME",
                      help="qualified name, optionally module:qualname (e.g. mypkg.core:Parser.parse)")
    show.add_argument("--test", default=None, metavar="TEXT", help="only traces of tests whose id contains TEXT")
    show.add_argument("--limit", type=positive_int, default=5, metavar="N", help="traces printed (default 5)")
    show.add_argument("--format", choices=("text", "json"), default="text",
                      help="text view, or the records as JSON lines (default: text)")
    add_view_options(show)
    show.set_defaults(run=run_show)
    return report


def coverage(records: list[Any]) -> tuple[int, int]:
    """(lines covered, executable lines) of one function over its kept trace records."""
    if not records:
        return 0, 0
    from pytrace_sem.render.report_site import statement_lines

    executable = statement_lines(records[0].trace_json["source"])
    seen: set[int] = set()
    for rec in records:
        for step in rec.trace_json["steps"]:
            seen.add(step["line"])
    return len(seen & executable), len(executable)


def _load(path: str):
    from pytrace_sem.tracedir import read_dir

    return read_dir(path)


def _write_site(args: argparse.Namespace) -> int:
    from pytrace_sem.errors import UsageError
    from pytrace_sem.render.report_site import write_report_site

    if args.format != "text":
        raise UsageError("--html writes a site, --format json prints the numbers: give one of them")
    site = write_report_site(args.dir, args.html, error=UsageError)
    functions = sum(len(m.functions) for m in site.report.modules)
    print(f"wrote {site.pages} pages ({len(site.report.modules)} modules, {functions} functions, "
          f"{site.report.records} traces) to {site.out}; open {site.index} in a browser")
    return 0


def run_report(args: argparse.Namespace) -> int:
    if args.html is not None:
        return _write_site(args)
    contents = _load(args.dir)
    by_func: dict[str, list[Any]] = {}
    for rec in contents.records:
        by_func.setdefault(f"{rec.module}:{rec.qualname}", []).append(rec)
    summary = contents.summary or {}
    counts = summary.get("functions", {})
    names = set(by_func) | {n for n, c in counts.items() if c.get("calls")}
    rows = []
    for name in names:
        recs = by_func.get(name, [])
        covered, total = coverage(recs)
        c = counts.get(name, {})
        rows.append({"function": name, "calls": c.get("calls", len(recs)), "traces": len(recs),
                     "tests": len({r.test_id for r in recs}), "lines_covered": covered, "lines": total})
    rows.sort(key=lambda r: (-r["calls"], -r["traces"], r["function"]))
    totals = summary.get("totals", {})
    modules = summary.get("modules", {})
    data = {
        "dir": str(contents.path),
        "traces": len(contents.records),
        "functions_with_traces": len(by_func),
        "tests": len({r.test_id for r in contents.records}),
        "calls": totals.get("calls"),
        "dropped_by_cap": totals.get("dropped_by_cap"),
        "recorder_errors": totals.get("errors"),
        "damaged_lines": len(contents.damaged),
        "seconds": summary.get("seconds", {}),
        "already_imported": modules.get("already_imported", []),
        "not_instrumented": modules.get("failed", {}),
        "top": rows[: args.top],
    }
    if args.format == "json":
        print(json.dumps(data, indent=1))
        return 0
    print(f"{data['traces']} traces of {data['functions_with_traces']} functions from {data['tests']} tests "
          f"in {data['dir']}")
    if summary:
        print(f"{data['calls']} outermost calls during tests, {data['dropped_by_cap']} left out by the "
              f"per-function cap, {data['recorder_errors']} recorder errors")
        secs = data["seconds"]
        if secs:
            print(f"time: session {secs.get('session', 0):.1f} s, instrumenting {secs.get('instrument', 0):.1f} s, "
                  f"building and writing traces {secs.get('record', 0):.1f} s")
    else:
        print("no summary.json (the run did not finish): counts come from the shards only")
    if contents.damaged:
        print(f"{len(contents.damaged)} damaged lines skipped (first: {contents.damaged[0]})")
    if data["already_imported"]:
        print("imported before the import hook, not traced: " + ", ".join(data["already_imported"]))
    if data["not_instrumented"]:
        print("could not be instrumented: " + ", ".join(sorted(data["not_instrumented"])))
    if rows:
        width = max(len(r["function"]) for r in rows[: args.top])
        print()
        print(f"{'function':<{width}}  {'calls':>7}  {'traces':>6}  {'tests':>5}  lines covered")
        for r in rows[: args.top]:
            cov = f"{r['lines_covered']}/{r['lines']}" if r["lines"] else "-"
            print(f"{r['function']:<{width}}  {r['calls']:>7}  {r['traces']:>6}  {r['tests']:>5}  {cov}")
    return 0


def _match(records: list[Any], name: str) -> list[Any]:
    from pytrace_sem.errors import CallError

    if ":" in name:
        module, qual = name.split(":", 1)
        found = [r for r in records if r.module == module and r.qualname == qual]
    else:
        found = [r for r in records if r.qualname == name]
        if not found:
            found = [r for r in records if r.qualname.rsplit(".", 1)[-1] == name]
    functions = sorted({f"{r.module}:{r.qualname}" for r in found})
    if len(functions) > 1:
        raise CallError(f"{name!r} matches {len(functions)} functions ({', '.join(functions[:5])}); "
                        "name one as module:qualname")
    if not found:
        close = sorted({f"{r.module}:{r.qualname}" for r in records if name.lower() in r.qualname.lower()})
        hint = f"; similar: {', '.join(close[:5])}" if close else ""
        raise CallError(f"no traces of {name!r} in this directory{hint}")
    return found


def run_show(args: argparse.Namespace) -> int:
    from pytrace_sem._cmd_trace import show_view

    contents = _load(args.dir)
    found = _match(contents.records, args.function)
    if args.test is not None:
        found = [r for r in found if args.test in r.test_id]
        if not found:
            from pytrace_sem.errors import CallError

            raise CallError(f"no traces of {args.function!r} from a test whose id contains {args.test!r}")
    for i, rec in enumerate(found[: args.limit]):
        if args.format == "json":
            print(json.dumps(rec.to_json(), ensure_ascii=False))
            continue
        if i:
            print()
        print(f"# {rec.module}:{rec.qualname}  ({rec.file}, line {rec.first_line})")
        print(f"# test {rec.test_id} [{rec.phase}]  {rec.status}")
        # Left unfinished by the test, a suspended call has no outcome to print.
        ending = "suspended (the test did not finish it)" if rec.status == "suspended" else None
        sys.stdout.flush()
        show_view(rec.trace, args, first_line=rec.first_line, ending=ending)
    if args.format == "text" and len(found) > args.limit:
        print(f"\n# {len(found) - args.limit} more traces; raise --limit to see them")
    return 0
