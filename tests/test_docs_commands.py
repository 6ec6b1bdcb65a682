"""Every command that README.md, docs/*.md and the examples' usage lines show works as written.

The commands are read from the documents themselves: lines of fenced and indented code
blocks (after a `$ ` prompt in console blocks) and the indented usage lines of the
examples' opening docstrings and comments that start with `pytrace-sem`, `semcoder`,
`python .../examples/...` or `python benchmarks/...`, `python -m pytrace_sem|semcoder`,
`pytest ... --pytrace-sem`, or a `torchrun` / `accelerate launch` of those modules
(environment assignments and a `.venv/bin/` prefix allowed). Each one is either

- run for real (`RUN`): in a temporary working directory holding a copy of `examples/`
  and whatever small input its scenario makes first, with this interpreter's bin
  directory first on PATH; its exit code and its output are checked; or
- parsed only (`PARSE_ONLY`: training, evaluation with a model, the full corpus build,
  multi-process launches, benchmarks): the documented argv goes through the real
  argument parser, so a renamed or removed option fails here.

A documented command that is neither fails the classification test. The folders such
commands read (`--data`, `--model`, `--rows`, a corpus or trace folder, result files)
must exist in the repository, be a named hub id, or be written by another documented
command or by the main job (examples/main_job.sh).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import dataclasses
import fnmatch
import functools
import importlib.util
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Callable, Iterator
from unittest import mock

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the interpreter's own bin directory (not resolved: a venv's)
DOCS = ("README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md")))
CRUX = ROOT / "tests" / "data" / "cruxeval-dev" / "cruxeval-dev.jsonl"

# Hugging Face ids that documented commands may name instead of a local folder.
HUB_IDS = frozenset({"cruxeval-org/cruxeval", "deepseek-ai/deepseek-coder-6.7b-base"})

# ---------------------------------------------------------------------------------------
# Reading commands out of the documents


@dataclasses.dataclass(frozen=True)
class DocCommand:
    """One command as a document shows it."""

    where: str  # "docs/corpus.md:9"
    text: str  # continuation lines joined, console prompt removed, trailing comment kept

    @property
    def key(self) -> str:
        """The command without its trailing comment: what RUN is keyed by."""
        return strip_comment(self.text)

    @property
    def core(self) -> str:
        """The command without comment, environment assignments and bin-directory prefix."""
        return _BIN_PREFIX.sub("", _ENV_PREFIX.sub("", self.key), count=1)

    @property
    def argv(self) -> list[str]:
        """The core command's words, up to a redirection or a pipe."""
        words = shlex.split(self.core)
        for i, word in enumerate(words):
            if word in {">", ">>", "2>", "|", "&&", ";"}:
                return words[:i]
        return words


_ENV_PREFIX = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)+")
_BIN_PREFIX = re.compile(r"^(?:\S*/)?\.venv[^/\s]*/bin/")
_COMMAND = re.compile(
    r"""^(?:
        (?:pytrace-sem|semcoder)(?:\s|$)
      | python3?\s+(?:\S*/)?(?:examples|benchmarks)/\S+\.py(?:\s|$)
      | python3?\s+-m\s+(?:pytrace_sem|semcoder)(?:\.\w+)*(?:\s|$)
      | pytest\s.*--pytrace-sem
      | (?:torchrun|accelerate\s+launch)\s.*-m\s+(?:pytrace_sem|semcoder)
    )""",
    re.X,
)


def strip_comment(text: str) -> str:
    """Cut a shell comment (an unquoted `#` after whitespace) off the end of a command."""
    quote = ""
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1].isspace()):
            return text[:i].rstrip()
    return text.rstrip()


def is_command(text: str) -> bool:
    return bool(_COMMAND.match(DocCommand("", text).core))


@dataclasses.dataclass(frozen=True)
class Block:
    """A code block of a Markdown file: its info string ('' for indented) and numbered lines."""

    info: str
    lines: tuple[tuple[int, str], ...]

    @property
    def text(self) -> str:
        return "\n".join(line for _, line in self.lines)


def markdown_blocks(text: str) -> list[Block]:
    """Fenced blocks (``` or ~~~, closed by a fence at least as long) and indented blocks."""
    blocks: list[Block] = []
    fence = ""
    info = ""
    current: list[tuple[int, str]] = []
    indented = False
    prev_blank = True
    for no, line in enumerate(text.splitlines(), 1):
        if fence:
            if line.strip().startswith(fence) and set(line.strip()) == {fence[0]}:
                blocks.append(Block(info, tuple(current)))
                fence, current = "", []
            else:
                current.append((no, line))
            continue
        opening = re.match(r"^ {0,3}(`{3,}|~{3,})\s*(\S*)", line)
        if opening:
            if indented:
                blocks.append(Block("", tuple(current)))
                indented, current = False, []
            fence, info = opening.group(1), opening.group(2)
            continue
        code = line.startswith("    ") or line.startswith("\t")
        if indented and (code or not line.strip()):
            current.append((no, line[4:] if line.startswith("    ") else line[1:]))
        elif code and prev_blank:
            indented, current = True, [(no, line[4:] if line.startswith("    ") else line[1:])]
        elif indented:
            blocks.append(Block("", tuple(current)))
            indented, current = False, []
        prev_blank = not line.strip()
    if indented or fence:
        blocks.append(Block(info, tuple(current)))
    return blocks


def commands_in_lines(lines: list[tuple[int, str]], path: str) -> list[DocCommand]:
    """The commands among these lines: `$ ` lines only when there are any, else every line."""
    console = any(line.strip().startswith("$ ") for _, line in lines)
    found: list[DocCommand] = []
    i = 0
    while i < len(lines):
        no, line = lines[i]
        text = line.strip()
        i += 1
        if console:
            if not text.startswith("$ "):
                continue
            text = text[2:].strip()
        while text.endswith("\\") and i < len(lines):
            text = text[:-1].rstrip() + " " + lines[i][1].strip()
            i += 1
        if is_command(text):
            found.append(DocCommand(f"{path}:{no}", text))
    return found


def markdown_commands(text: str, path: str) -> list[DocCommand]:
    return [c for block in markdown_blocks(text) for c in commands_in_lines(list(block.lines), path)]


def example_usage_commands(path: Path) -> list[DocCommand]:
    """Usage lines of an example: indented lines of a .py docstring or of a .sh opening comment."""
    rel = str(path.relative_to(ROOT))
    text = path.read_text(encoding="utf-8")
    lines: list[tuple[int, str]] = []
    if path.suffix == ".py":
        tree = ast.parse(text)
        first = tree.body[0] if tree.body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            start = first.value.lineno
            lines = [(start + k, line) for k, line in enumerate(first.value.value.splitlines())]
        lines = [(no, line) for no, line in lines if line.startswith("    ")]
    else:
        for no, line in enumerate(text.splitlines(), 1):
            if no == 1 and line.startswith("#!"):
                continue
            if not line.startswith("#"):
                break
            if line[1:].startswith("  "):
                lines.append((no, line[1:]))
    return commands_in_lines(lines, rel)


@functools.lru_cache(maxsize=None)
def documented_commands() -> tuple[DocCommand, ...]:
    found: list[DocCommand] = []
    for rel in DOCS:
        found += markdown_commands((ROOT / rel).read_text(encoding="utf-8"), rel)
    for path in sorted((ROOT / "examples").glob("*.py")) + sorted((ROOT / "examples").glob("*.sh")):
        found += example_usage_commands(path)
    return tuple(found)


@functools.lru_cache(maxsize=None)
def main_job_commands() -> tuple[DocCommand, ...]:
    """The commands examples/main_job.sh runs, its variables set to their defaults.

    Not documented commands themselves, but the job the README starts with: they are
    parsed like the expensive ones, and what they write counts as made by the docs.
    """
    path = ROOT / "examples" / "main_job.sh"
    values: dict[str, str] = {}
    found: list[DocCommand] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        no, text = i + 1, lines[i].strip()
        i += 1
        while text.endswith("\\") and i < len(lines):
            text = text[:-1].rstrip() + " " + lines[i].strip()
            i += 1
        default = re.match(r"^(\w+)=\$\{\1:-([^}$]*)\}$", text)
        plain = re.match(r'^(\w+)="?([^"$`()]*(?:\$\w+[^"$`()]*)*)"?$', text)
        if default:
            values[default.group(1)] = default.group(2)
        elif plain:
            values[plain.group(1)] = _expand(plain.group(2), values)
        elif text.startswith('"$BIN/'):
            command = _expand(text, values).replace('"', "")
            if is_command(command):
                found.append(DocCommand(f"{path.relative_to(ROOT)}:{no}", command))
    return tuple(found)


def _expand(text: str, values: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: values.get(m.group(1), m.group(0)), text)


# ---------------------------------------------------------------------------------------
# How each command is checked


# Parsed, never run: each takes minutes, a model, a GPU or a download. Matched against the
# command without comment, environment and bin prefix; every rule must match a documented
# command (a rule that matches nothing is stale and fails the classification test).
PARSE_ONLY: tuple[tuple[str, str], ...] = (
    (r"semcoder corpus build\b", "a build over the bundled set or a package: 80 s and more"),
    (r"semcoder train\b", "fine-tunes a model: the train extra, minutes on a CPU, hours on GPUs"),
    (r"semcoder (eval|refine)\b", "generates with a trained model, then scores hundreds of programs"),
    (r"python3? examples/train_tiny\.py\b", "builds, trains and evaluates the tiny model: minutes"),
    (r"(torchrun|accelerate launch)\b", "multi-process (multi-GPU) launches of `semcoder train`"),
    (r"python3? benchmarks/", "benchmarks: each measures for minutes, some download suites"),
)


@dataclasses.dataclass
class Ran:
    """A finished run of a documented command."""

    command: str
    cwd: Path
    env: dict[str, str]
    returncode: int
    stdout: str
    stderr: str

    def __str__(self) -> str:
        return (f"`{self.command}` in {self.cwd} exited {self.returncode}\n"
                f"--- stdout\n{self.stdout[-3000:]}\n--- stderr\n{self.stderr[-3000:]}")


@dataclasses.dataclass(frozen=True)
class Cheap:
    """A command that is run: the scenario that prepares its working directory, and its check."""

    scenario: str
    check: Callable[[Ran], None]
    returncode: int | None = 0  # None: the check decides (the result depends on the environment)


def runnable(text: str) -> str:
    """The command with a `.venv/bin/` prefix dropped: the bin directory is first on PATH."""
    env = _ENV_PREFIX.match(text)
    head = env.group(0) if env else ""
    return head + _BIN_PREFIX.sub("", text[len(head):], count=1)


def shell(command: str, cwd: Path, env: dict[str, str], timeout: float = 240) -> Ran:
    done = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    return Ran(command, cwd, env, done.returncode, done.stdout, done.stderr)


def run_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_CORE_"))}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        XDG_CACHE_HOME=str(home / ".cache"),  # the plugin's instrumented-code cache
        HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TOKENIZERS_PARALLELISM="false", MPLBACKEND="Agg",
    )
    return env


# --- what the documents say the output is -----------------------------------------------


def doc_block(doc: str, starts: str, info: str | None = None) -> str:
    """The first code block of a document whose text starts with `starts`."""
    for block in markdown_blocks((ROOT / doc).read_text(encoding="utf-8")):
        if block.text.startswith(starts) and (info is None or block.info == info):
            return block.text
    raise AssertionError(f"{doc} has no code block starting with {starts!r}")


def shown_output(doc: str, key: str) -> list[str]:
    """The output a console transcript shows under `$ <command>` (up to the next prompt)."""
    for block in markdown_blocks((ROOT / doc).read_text(encoding="utf-8")):
        lines = [line for _, line in block.lines]
        for i, line in enumerate(lines):
            if line.startswith("$ ") and strip_comment(line[2:].strip()) == key:
                shown = []
                for later in lines[i + 1:]:
                    if later.startswith("$ "):
                        break
                    shown.append(later.rstrip())
                while shown and not shown[-1]:
                    shown.pop()
                return shown
    raise AssertionError(f"{doc} shows no transcript of `{key}`")


def monologue_source() -> str:
    return doc_block("docs/monologues.md", "def f(text):", "python") + "\n"


def inputs_source() -> str:
    block = doc_block("docs/inputs.md", "from pytrace_sem import generate_inputs", "python")
    match = re.search(r'source = """\n(.*?)"""', block, re.S)
    assert match, "docs/inputs.md: the example no longer defines `source`"
    return match.group(1)


# --- scenarios: what a working directory holds before its commands run ------------------


def setup_plain(work: Path, env: dict[str, str]) -> None:
    """Nothing beyond the copy of examples/."""


def setup_inputs(work: Path, env: dict[str, str]) -> None:
    (work / "sample.py").write_text(inputs_source(), encoding="utf-8")
    with CRUX.open(encoding="utf-8") as src:
        (work / "cruxeval.jsonl").write_text("".join(next(src) for _ in range(3)), encoding="utf-8")


def setup_monologues(work: Path, env: dict[str, str]) -> None:
    source = monologue_source()
    assert "count += 1" in source
    (work / "sample.py").write_text(source, encoding="utf-8")
    (work / "fixed.py").write_text(source, encoding="utf-8")
    (work / "buggy.py").write_text(source.replace("count += 1", "count += 2"), encoding="utf-8")
    forward = doc_block("docs/monologues.md", "[MONOLOGUE]")
    (work / "answer.txt").write_text(forward + "\n", encoding="utf-8")


PLUGIN_PROJECT: dict[str, str] = {
    "conftest.py": "",
    "mypkg/__init__.py": "",
    "mypkg/dates.py": (
        "def parse_date(text):\n"
        "    year, month, day = (int(part) for part in text.split('-'))\n"
        "    if not 1 <= month <= 12:\n"
        "        raise ValueError(f'month out of range: {month}')\n"
        "    return year, month, day\n"
    ),
    "tests/test_dates.py": (
        "import pytest\n"
        "from mypkg.dates import parse_date\n\n\n"
        "def test_iso():\n"
        "    assert parse_date('2024-02-29') == (2024, 2, 29)\n\n\n"
        "def test_new_year():\n"
        "    assert parse_date('2025-01-01') == (2025, 1, 1)\n\n\n"
        "def test_bad_month():\n"
        "    with pytest.raises(ValueError):\n"
        "        parse_date('2024-13-01')\n"
    ),
}


def setup_plugin(work: Path, env: dict[str, str]) -> None:
    for name, text in PLUGIN_PROJECT.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(text, encoding="utf-8")


def setup_corpus(work: Path, env: dict[str, str]) -> None:
    """A two-function corpus in out/corpus, where the documented build would put the big one."""
    with CRUX.open(encoding="utf-8") as src:
        (work / "small.jsonl").write_text("".join(next(src) for _ in range(2)), encoding="utf-8")
    made = shell("semcoder corpus build --source jsonl:small.jsonl --out out/corpus "
                 "--max-cases 1 --max-bugs 1 --quiet", work, env)
    assert made.returncode == 0, f"making the small corpus failed: {made}"


def setup_results(work: Path, env: dict[str, str]) -> None:
    """Two small evaluation results in results/, from the model-free backends."""
    for task, backend in (("output", "oracle"), ("input", "identity")):
        made = shell(f"semcoder eval cruxeval --data {shlex.quote(str(CRUX))} --task {task} "
                     f"--backend {backend} --limit 3 --out results/crux-{task[0]}.json", work, env)
        assert made.returncode == 0, f"making results/crux-{task[0]}.json failed: {made}"


SETUPS: dict[str, Callable[[Path, dict[str, str]], None]] = {
    "trace": setup_plain,
    "inputs": setup_inputs,
    "monologues": setup_monologues,
    "plugin": setup_plugin,
    "corpus": setup_corpus,
    "results": setup_results,
    "tiny-model": setup_plain,
    "examples-tracing": setup_plain,
    "examples-sandbox": setup_plain,
    "example-pytest-plugin": setup_plain,
    "example-build-corpus": setup_plain,
    "example-sites": setup_plain,
    "help": setup_plain,  # `--help` pages, wherever a document shows one
}


# --- checks of each cheap command's output -----------------------------------------------


def check_trace_text(ran: Ran) -> None:
    # The text view shows the call, each line that ran with what it changed, and the result.
    assert "f([1, 2, 3, 4], '-')" in ran.stdout and "'6-10'" in ran.stdout.strip().splitlines()[-1], str(ran)
    assert "['6', '10']" in ran.stdout and "totals.append(str(running))" in ran.stdout, str(ran)


def check_terminal_view(ran: Ran) -> None:
    shown = shown_output("docs/terminal-view.md", DocCommand("", ran.command).key)
    real = [line.rstrip() for line in ran.stdout.rstrip("\n").splitlines()]
    assert real == shown, f"docs/terminal-view.md's transcript is not the real output:\n{ran.stdout}"


def check_terminal_watch(ran: Ran) -> None:
    shown = shown_output("docs/terminal-view.md", DocCommand("", ran.command).key)
    real = [line.rstrip() for line in ran.stdout.splitlines()]
    assert shown and all(line in real for line in shown), f"{shown} not among the output's rows:\n{ran.stdout}"


def check_trace_json(ran: Ran) -> None:
    import pytrace_sem

    stored = pytrace_sem.Trace.loads((ran.cwd / "trace.json").read_text(encoding="utf-8"))
    fresh = pytrace_sem.trace_call((ROOT / "examples" / "sample.py").read_text(encoding="utf-8"), "f([1, 2], '-')")
    assert stored == fresh, "trace.json differs from trace_call on the same call"


def check_inputs_one(ran: Ran) -> None:
    namespace: dict[str, object] = {}
    exec(inputs_source(), namespace)
    kept = [json.loads(line) for line in ran.stdout.splitlines()]
    assert kept, str(ran)
    for item in kept:
        assert set(item) == {"input", "output", "new_arcs"}, item
        assert repr(eval(f"f({item['input']})", dict(namespace))) == item["output"], item
    summary = ran.stderr.strip().splitlines()[-1]
    assert summary.startswith(f"pytrace-sem inputs: f: {len(kept)} inputs, "), str(ran)
    shown = doc_block("docs/inputs.md", '$ pytrace-sem inputs sample.py', "console")
    for part in ("branch coverage", "lines"):  # the transcript's coverage figures are the real ones
        real = re.search(part + r" [\d/]+", summary)
        assert real and real.group(0) in shown, f"docs/inputs.md shows another {part!r} than {summary!r}"


def check_inputs_many(ran: Ran) -> None:
    sent = [json.loads(line)["id"] for line in (ran.cwd / "cruxeval.jsonl").read_text(encoding="utf-8").splitlines()]
    got = [json.loads(line) for line in (ran.cwd / "inputs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in got] == sent, "one output line per record, in input order"
    assert all(r["status"] == "ok" and r["inputs"] for r in got), got
    assert f"{len(sent)} records written to inputs.jsonl (ok {len(sent)})" in ran.stderr, str(ran)


def check_narrate_forward(ran: Ran) -> None:
    shown = doc_block("docs/monologues.md", "[MONOLOGUE]")
    assert ran.stdout.strip() == shown.strip(), "docs/monologues.md's forward monologue is not the real output"


def check_narrate_debug(ran: Ran) -> None:
    shown = [line for line in doc_block("docs/monologues.md", "### Simulating the Buggy Code").splitlines()
             if line.strip() != "..."]
    out = iter(ran.stdout.splitlines())
    missing = [line for line in shown if not any(line == real for real in out)]
    assert not missing, f"lines of docs/monologues.md's debugging narrative not in the output, in order: {missing}"


def check_check(ran: Ran) -> None:
    report = json.loads(ran.stdout)
    assert report["claims_checked"] >= 10 and report["claims_wrong"] == 0 and report["answer_correct"], report
    # The doc's promise, "exit 1 if anything is wrong": the same command on a monologue with one wrong value.
    answer = ran.cwd / "answer.txt"
    text = answer.read_text(encoding="utf-8")
    assert "`count` becomes `1`" in text
    answer.write_text(text.replace("`count` becomes `1`", "`count` becomes `3`", 1), encoding="utf-8")
    wrong = shell(ran.command, ran.cwd, ran.env)
    assert wrong.returncode == 1, str(wrong)
    report = json.loads(wrong.stdout)
    assert report["claims_wrong"] == 1 and "`count` becomes `3`" in report["first_wrong"]["text"], report


def check_pytest_plugin(ran: Ran) -> None:
    assert "3 passed" in ran.stdout, str(ran)
    summary = json.loads((ran.cwd / "traces" / "summary.json").read_text(encoding="utf-8"))
    assert "mypkg.dates:parse_date" in json.dumps(summary), summary


def check_plugin_report(ran: Ran) -> None:
    assert re.search(r"mypkg\.dates:parse_date\s+3\s+3\s+3\s+4/4", ran.stdout), str(ran)


def check_plugin_show(ran: Ran) -> None:
    heads = [line for line in ran.stdout.splitlines() if line.startswith("# test ")]
    assert len(heads) == 2, str(ran)  # --limit 2 of the three traces
    assert "parse_date('2024-02-29')" in ran.stdout and "(2024, 2, 29)" in ran.stdout, str(ran)
    assert "parse_date('2024-13-01')" not in ran.stdout, "the third trace is past --limit 2"


def check_report_site(ran: Ran) -> None:
    index = (ran.cwd / "traces-html" / "index.html").read_text(encoding="utf-8")
    assert "mypkg.dates" in index and "parse_date" in index, str(ran)
    assert list((ran.cwd / "traces-html").rglob("*.html"))[1:], "a site of one page has no module or trace pages"


def check_corpus_site(ran: Ran) -> None:
    site = ran.cwd / "out" / "corpus-html"
    index = (site / "index.html").read_text(encoding="utf-8")
    assert index and len(list(site.rglob("*.html"))) > 1, str(ran)


def check_report_site_example(ran: Ran) -> None:
    assert (ran.cwd / "out" / "report-site" / "index.html").is_file() and "out/report-site" in ran.stdout, str(ran)


def check_corpus_site_example(ran: Ran) -> None:
    assert (ran.cwd / "out" / "crux5-html" / "index.html").is_file() and "out/crux5-html" in ran.stdout, str(ran)


def check_corpus_export(ran: Ran) -> None:
    hub = ran.cwd / "out" / "hub"
    card = (hub / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\n") and "configs:" in card, str(ran)
    assert sorted(p.name for p in hub.iterdir()) == ["README.md", "data"], str(ran)
    assert list((hub / "data").glob("*.jsonl")), str(ran)


def check_corpus_stats(ran: Ran) -> None:
    shards = (ran.cwd / "out" / "corpus" / "data").glob("*.jsonl")
    records = sum(len(shard.read_text(encoding="utf-8").splitlines()) for shard in shards)
    assert records and ran.stdout.startswith(f"out/corpus: {records} functions"), str(ran)


def check_corpus_format(ran: Ran) -> None:
    rows = [json.loads(line) for line in (ran.cwd / "out" / "tasks" / "train.jsonl").open(encoding="utf-8")]
    assert rows and (ran.cwd / "out" / "tasks" / "manifest.json").is_file(), str(ran)
    for row in rows:
        assert set(row) == {"messages", "task", "id", "source"}, row
        assert [m["role"] for m in row["messages"]] == ["user", "assistant"], row
    assert f"wrote {len(rows)} training rows" in ran.stdout, str(ran)


def check_report(ran: Ran) -> None:
    for run_name in ("cruxeval output direct", "cruxeval input direct"):
        assert run_name in ran.stdout, str(ran)
    table = (ran.cwd / "results" / "summary.md").read_text(encoding="utf-8").splitlines()
    assert any("cruxeval output direct" in row and "| 100.0 |" in row for row in table), table
    if importlib.util.find_spec("matplotlib"):
        assert ran.returncode == 0, str(ran)
        assert (ran.cwd / "results" / "summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:  # the doc says how to install matplotlib for --plot; without it: the table, one line, exit 11
        assert ran.returncode == 11 and "matplotlib" in ran.stderr, str(ran)
        assert len(ran.stderr.strip().splitlines()) == 1, str(ran)


def check_tiny_model(ran: Ran) -> None:
    if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
        assert ran.returncode == 0 and (ran.cwd / "out" / "tiny" / "config.json").is_file(), str(ran)
    else:  # without the train extra: exit 11, one line naming it
        assert ran.returncode == 11 and "train extra" in ran.stderr, str(ran)
        assert len(ran.stderr.strip().splitlines()) == 1, str(ran)


def check_build_corpus_example(ran: Ran) -> None:
    manifest = json.loads((ran.cwd / "out" / "example-corpus" / "manifest.json").read_text(encoding="utf-8"))
    rows = (ran.cwd / "out" / "example-tasks" / "train.jsonl").read_text(encoding="utf-8").splitlines()
    assert manifest and rows and f"{len(rows)} training rows in out/example-tasks/train.jsonl" in ran.stdout, str(ran)
    if "datasets is not installed" not in ran.stdout:  # with the train extra: both folders load as datasets
        assert f"load_dataset: {manifest['records']} records with columns" in ran.stdout, str(ran)
        assert f"train {len(rows)}" in ran.stdout, str(ran)


def check_generate_inputs_example(ran: Ran) -> None:
    tree = ast.parse((ran.cwd / "examples" / "generate_inputs.py").read_text(encoding="utf-8"))
    source = next(ast.literal_eval(node.value) for node in tree.body
                  if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "SOURCE")
    asserts = [line for line in ran.stdout.splitlines() if line.startswith("assert f(")]
    assert asserts and "In the sandbox:" in ran.stdout, str(ran)
    namespace: dict[str, object] = {}
    exec(source, namespace)
    for line in asserts:
        exec(line, dict(namespace))  # every printed assertion holds


def check_narrate_example(ran: Ran) -> None:
    for style in ("forward", "backward", "scratchpad", "inline", "debugging narrative"):
        assert f"===== {style} =====" in ran.stdout, str(ran)
    assert re.search(r"claims checked: \d+, wrong: 1, answer correct: True", ran.stdout), str(ran)
    assert "[Refined]" in ran.stdout, str(ran)


def check_observe_only_example(ran: Ran) -> None:
    untraced = re.search(r"^untraced:\s+(.*)$", ran.stdout, re.M)
    traced = re.search(r"^traced \(default\):\s+(.*) \(repr_policy builtin\)$", ran.stdout, re.M)
    assert untraced and traced and untraced.group(1) == traced.group(1), str(ran)


def check_trace_example(ran: Ran) -> None:
    assert "returned ('a', {'a': 2, 'b': 2, 'c': 1})" in ran.stdout, str(ran)


def check_terminal_view_example(ran: Ran) -> None:
    assert ran.stdout.count("returned 360") >= 2 and "acct.balance: 280 -> 360" in ran.stdout, str(ran)
    assert "more rounds of the loop at line 13" in ran.stdout and "[acct.balance // 10 = 36]" in ran.stdout, str(ran)


def _viewer_data(page: Path) -> dict:
    text = page.read_text(encoding="utf-8")
    return json.loads(text.split('id="trace-data">', 1)[1].split("</script>", 1)[0])


def check_view_page(ran: Ran) -> None:
    data = _viewer_data(ran.cwd / "trace.html")
    assert data["trace"]["call"] == "f([1, 2, 3, 4], ', ')" and data["monologue"], str(ran)
    assert "wrote trace.html" in ran.stderr, str(ran)


def check_view_saved_trace(ran: Ran) -> None:
    data = _viewer_data(ran.cwd / "trace.html")
    assert data["trace"]["call"] == "f([1, 2], '-')" and data["monologue"] is None, str(ran)


def check_view_example(ran: Ran) -> None:
    page = Path(ran.stdout.strip())
    assert page == (ran.cwd / "build" / "view_trace.html").resolve(), str(ran)
    assert _viewer_data(page)["trace"]["call"] == "f([1, 2, 3, 4], ', ')", str(ran)


def check_pytest_plugin_example(ran: Ran) -> None:
    assert "passed" in ran.stdout and "stats:running_max" in ran.stdout, str(ran)
    assert "running_max([3, 1, 4, 1, 5])" in ran.stdout and "[3, 3, 4, 4, 5]" in ran.stdout, str(ran)


def check_sandbox_example(ran: Ran) -> None:
    status = dict(re.findall(r"^[ ]*(\S.*?)[ ]{2,}(\w+)[ ]", ran.stdout, re.M))
    assert (status.get("sum of squares"), status.get("raises")) == ("ok", "raised"), str(ran)
    for hostile in ("loops forever", "eats memory", "deletes a file", "forks", "kills itself", "exits",
                    "opens a socket"):
        assert status.get(hostile) not in (None, "ok"), f"{hostile}: {status.get(hostile)}\n{ran}"
    assert "sentinel after the run: still here" in ran.stdout, str(ran)


def check_sandbox_timing(ran: Ran) -> None:
    assert re.search(r"workers=1: \d+ us per trivial call", ran.stdout), str(ran)


def check_help(ran: Ran) -> None:
    assert ran.stdout.startswith("usage:"), str(ran)


# Run for real: the command as the docs write it (without its comment) -> scenario and check.
RUN: dict[str, Cheap] = {
    # README.md, docs/trace-format.md
    """pytrace-sem trace examples/sample.py --call "f([1, 2, 3, 4], '-')" --format text""":
        Cheap("trace", check_trace_text),
    """pytrace-sem trace examples/sample.py --call "f([1, 2], '-')" > trace.json""":
        Cheap("trace", check_trace_json),
    # docs/terminal-view.md: the transcripts shown are the real output
    """pytrace-sem trace examples/sample.py --call "f([1, 2, 3, 4, 5, 6, 7, 8], '-')" --format text""":
        Cheap("trace", check_terminal_view),
    """pytrace-sem trace examples/sample.py --call "f([1, 2, 3, 4], '-')" --format text --watch "len(totals)\"""":
        Cheap("trace", check_terminal_watch),
    # docs/viewer.md (after README's trace.json)
    """pytrace-sem view examples/sample.py --call "f([1, 2, 3, 4], ', ')" -o trace.html""":
        Cheap("trace", check_view_page),
    "pytrace-sem view --trace trace.json -o trace.html --no-monologue": Cheap("trace", check_view_saved_trace),
    # docs/inputs.md
    """pytrace-sem inputs sample.py --function f --example "[1, 5, 2], 3\"""": Cheap("inputs", check_inputs_one),
    "pytrace-sem inputs --from cruxeval.jsonl --out inputs.jsonl --workers 2": Cheap("inputs", check_inputs_many),
    # docs/monologues.md
    """pytrace-sem narrate sample.py --call "f('a1b2')" --style forward --seed 0 --cap 20""":
        Cheap("monologues", check_narrate_forward),
    """pytrace-sem narrate buggy.py --fixed fixed.py --call "f('a1b2')" --style debug""":
        Cheap("monologues", check_narrate_debug),
    """pytrace-sem check sample.py --call "f('a1b2')" --monologue answer.txt""": Cheap("monologues", check_check),
    # docs/pytest-plugin.md
    "pytest --pytrace-sem=traces/": Cheap("plugin", check_pytest_plugin),
    "pytrace-sem report traces/": Cheap("plugin", check_plugin_report),
    "pytrace-sem show traces/ --function parse_date --limit 2": Cheap("plugin", check_plugin_show),
    # docs/sites.md: the static sites, on the plugin's traces and the scenario's corpus
    "pytrace-sem report traces/ --html traces-html/": Cheap("plugin", check_report_site),
    "semcoder corpus view out/corpus -o out/corpus-html": Cheap("corpus", check_corpus_site),
    # docs/corpus.md (on a two-function corpus in out/corpus)
    "semcoder corpus stats out/corpus": Cheap("corpus", check_corpus_stats),
    "semcoder corpus format out/corpus --out out/tasks": Cheap("corpus", check_corpus_format),
    "semcoder corpus export out/corpus --out out/hub": Cheap("corpus", check_corpus_export),
    # docs/evaluation.md (on two small results the model-free backends write)
    "semcoder report results/*.json --out results/summary.md --plot results/summary.png":
        Cheap("results", check_report, returncode=None),
    # docs/training.md: seconds with the train extra, a one-line error without it
    "semcoder tiny-model --out out/tiny": Cheap("tiny-model", check_tiny_model, returncode=None),
    # examples' usage lines
    "python examples/trace_demo.py": Cheap("examples-tracing", check_trace_example),
    "python examples/narrate_demo.py": Cheap("examples-tracing", check_narrate_example),
    "python examples/observe_only.py": Cheap("examples-tracing", check_observe_only_example),
    "python examples/terminal_view.py": Cheap("examples-tracing", check_terminal_view_example),
    "python examples/view_trace.py": Cheap("examples-tracing", check_view_example),
    "python examples/generate_inputs.py": Cheap("examples-sandbox", check_generate_inputs_example),
    "python examples/sandbox_demo.py": Cheap("examples-sandbox", check_sandbox_example),
    "python examples/sandbox_demo.py --timing": Cheap("examples-sandbox", check_sandbox_timing),
    "python examples/pytest_plugin_demo.py": Cheap("example-pytest-plugin", check_pytest_plugin_example),
    "python examples/build_corpus.py": Cheap("example-build-corpus", check_build_corpus_example),
    "python examples/report_site.py": Cheap("example-sites", check_report_site_example),
    "python examples/corpus_site.py": Cheap("example-sites", check_corpus_site_example),
}


def classify(command: DocCommand) -> tuple[str, object] | None:
    """('run', Cheap) or ('parse', reason), or None for a command nothing here handles."""
    if command.key in RUN:
        return "run", RUN[command.key]
    if re.search(r"\s(--help|-h)$", command.core) and _COMMAND.match(command.core):
        return "run", Cheap("help", check_help)  # help pages: cheap wherever they appear
    for pattern, reason in PARSE_ONLY:
        if re.match(pattern, command.core):
            return "parse", reason
    return None


# ---------------------------------------------------------------------------------------
# Parsing a command with the real parser


class _Parsed(Exception):
    def __init__(self, namespace: argparse.Namespace) -> None:
        super().__init__()
        self.namespace = namespace


@contextlib.contextmanager
def _usage_errors(argv: list[str]) -> Iterator[None]:
    """Turn argparse's exit into an assertion that carries its message.

    Option names must be spelled out: argparse would otherwise take a documented `--lr`
    as short for a renamed `--lr-max`, and the rename would go unnoticed.
    """
    original = argparse.ArgumentParser.parse_known_args

    def exact_names(self: argparse.ArgumentParser, *a: object, **k: object) -> tuple[argparse.Namespace, list[str]]:
        self.allow_abbrev = False
        return original(self, *a, **k)  # type: ignore[arg-type]

    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), \
                mock.patch.object(argparse.ArgumentParser, "parse_known_args", exact_names):
            yield
    except SystemExit as exc:
        raise AssertionError(f"`{shlex.join(argv)}` does not parse (exit {exc.code}): {err.getvalue().strip()}") from None


def _cli_parser(name: str) -> argparse.ArgumentParser:
    if name in ("pytrace-sem", "pytrace_sem", "pytrace_sem.cli"):
        from pytrace_sem.cli import build_parser
    elif name in ("semcoder", "semcoder.cli"):
        from semcoder.cli import build_parser
    else:
        raise AssertionError(f"no parser known for {name!r}")
    return build_parser()


@contextlib.contextmanager
def _loaded_script(path: Path) -> Iterator[ModuleType]:
    """A script imported as a module (not as __main__), registered while it is in use."""
    name = f"_documented_{path.parent.name}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look their module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(name, None)


def parse_command(argv: list[str]) -> argparse.Namespace | None:
    """Parse a documented argv with the parser the program itself uses.

    None when the command elides its arguments (`train ...`): then only the subcommand
    is checked. An AssertionError names the command and the parser's message.
    """
    program, args = argv[0], argv[1:]
    if program in ("torchrun", "accelerate"):
        assert "-m" in args, f"`{shlex.join(argv)}` launches no module"
        launcher = args[: args.index("-m")]
        if program == "accelerate":
            assert launcher[:1] == ["launch"], argv
            if "--config_file" in launcher:
                config = launcher[launcher.index("--config_file") + 1]
                assert (ROOT / config).is_file(), f"`{shlex.join(argv)}`: {config} does not exist"
        program, args = "python", args[args.index("-m"):]
    if program in ("python", "python3"):
        if args[:1] == ["-m"]:
            module, args = args[1], args[2:]
            runnable = importlib.util.find_spec(module)
            if runnable and runnable.submodule_search_locations is not None:  # a package runs its __main__
                runnable = importlib.util.find_spec(module + ".__main__")
            assert runnable, f"`python -m {module}` has nothing to run"
            program = module
        else:
            script = ROOT / args[0]
            assert script.is_file(), f"`{shlex.join(argv)}`: {args[0]} does not exist"
            return _parse_script(script, args[1:], argv)
    parser = _cli_parser(program)
    if "..." in args:
        head = args[: args.index("...")]
        assert len(head) == 1, f"`{shlex.join(argv)}`: only `SUBCOMMAND ...` may elide arguments"
        out = io.StringIO()
        with pytest.raises(SystemExit) as stop, contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(io.StringIO()):
            parser.parse_args([head[0], "--help"])
        assert stop.value.code == 0 and out.getvalue().startswith("usage:"), \
            f"`{shlex.join(argv)}`: {head[0]!r} is no subcommand of {program}"
        return None
    with _usage_errors(argv):
        return parser.parse_args(args)


def _parse_script(script: Path, args: list[str], argv: list[str]) -> argparse.Namespace:
    """A script's own parse_args(argv) if it has one; else main(argv), stopped once it parsed."""
    original = argparse.ArgumentParser.parse_args

    def parse_then_stop(self: argparse.ArgumentParser, *a: object, **k: object) -> argparse.Namespace:
        raise _Parsed(original(self, *a, **k))  # type: ignore[arg-type]

    with _loaded_script(script) as module:
        if callable(getattr(module, "parse_args", None)):
            with _usage_errors(argv):
                return module.parse_args(args)
        with mock.patch.object(argparse.ArgumentParser, "parse_args", parse_then_stop):
            try:
                with _usage_errors(argv):
                    module.main(args)
            except _Parsed as parsed:
                return parsed.namespace
    raise AssertionError(f"`{shlex.join(argv)}`: {script.name} ran without parsing its arguments")


# ---------------------------------------------------------------------------------------
# The tests


def test_extraction_finds_block_commands_and_nothing_else() -> None:
    text = (
        "Prose that mentions semcoder train is not a command.\n\n"
        "```bash\n"
        "semcoder train --model m \\\n    --data d   # a comment\n"
        "pip install -e .\n"
        "```\n\n"
        "```console\n"
        '$ pytrace-sem inputs a.py --function f\n'
        "pytrace-sem inputs: f: 4 inputs (output, not a command)\n"
        "```\n\n"
        "```python\nimport pytrace_sem\npytrace_sem.trace_call(src, 'f()')\n```\n\n"
        "````\n```python\nsemcoder eval x\n```\n````\n\n"
        "    PYTRACE_SEM_PURE=1 .venv/bin/python examples/trace_demo.py\n"
        "    torchrun --nproc_per_node 2 -m semcoder.cli train ...\n"
        "    pytest -q --pytrace-sem=out\n"
        "    python -m venv .venv\n"
    )
    found = markdown_commands(text, "x.md")
    assert [(c.where, c.text) for c in found] == [
        ("x.md:4", "semcoder train --model m --data d   # a comment"),
        ("x.md:10", "pytrace-sem inputs a.py --function f"),
        ("x.md:21", "semcoder eval x"),
        ("x.md:25", "PYTRACE_SEM_PURE=1 .venv/bin/python examples/trace_demo.py"),
        ("x.md:26", "torchrun --nproc_per_node 2 -m semcoder.cli train ..."),
        ("x.md:27", "pytest -q --pytrace-sem=out"),
    ]
    assert found[0].key == "semcoder train --model m --data d"
    assert found[3].argv == ["python", "examples/trace_demo.py"]
    assert classify(DocCommand("x.md:1", "semcoder report --help")) == ("run", Cheap("help", check_help))
    assert classify(DocCommand("x.md:1", "pytrace-sem trace other.py --call 'f()'")) is None


def test_every_documented_command_is_classified() -> None:
    commands = documented_commands()
    files = {c.where.split(":")[0] for c in commands}
    assert {"README.md", "docs/training.md", "docs/evaluation.md", "examples/train_tiny.py"} <= files, files
    unknown = [f"{c.where}: {c.text}" for c in commands if classify(c) is None]
    assert not unknown, ("documented commands that are neither run (RUN) nor parsed (PARSE_ONLY); "
                         "decide and add each:\n" + "\n".join(unknown))
    keys = {c.key for c in commands}
    stale = sorted(set(RUN) - keys)
    assert not stale, f"RUN entries no document shows any more: {stale}"
    unused = [p for p, _ in PARSE_ONLY if not any(re.match(p, c.core) for c in commands)]
    assert not unused, f"PARSE_ONLY rules that match no documented command: {unused}"
    both = [c.where for c in commands if c.key in RUN and any(re.match(p, c.core) for p, _ in PARSE_ONLY)]
    assert not both, f"commands both run and parse-only: {both}"
    scenarios = {spec.scenario for spec in RUN.values()}
    assert scenarios <= set(SETUPS), "a RUN entry names an unknown scenario"
    assert set(SETUPS) - scenarios <= {"help"}, f"scenarios no RUN entry uses: {set(SETUPS) - scenarios - {'help'}}"


def cheap_commands() -> dict[str, list[tuple[DocCommand, Cheap]]]:
    """Documented commands that are run, by scenario, in document order, each command once."""
    by_scenario: dict[str, list[tuple[DocCommand, Cheap]]] = {}
    seen: set[str] = set()
    for command in documented_commands():
        kind = classify(command)
        if kind and kind[0] == "run" and command.key not in seen:
            seen.add(command.key)
            spec = kind[1]
            assert isinstance(spec, Cheap)
            by_scenario.setdefault(spec.scenario, []).append((command, spec))
    return by_scenario


@pytest.mark.parametrize("scenario", sorted(cheap_commands()))
def test_cheap_commands_run(scenario: str, tmp_path: Path) -> None:
    work = tmp_path / "work"
    shutil.copytree(ROOT / "examples", work / "examples", ignore=shutil.ignore_patterns("__pycache__"))
    env = run_env(tmp_path)
    SETUPS[scenario](work, env)
    for command, spec in cheap_commands()[scenario]:
        ran = shell(runnable(command.text), work, env)
        if spec.returncode is not None:
            assert ran.returncode == spec.returncode, f"{command.where}: {ran}"
        spec.check(ran)


@pytest.mark.parametrize(
    "command",
    [c for c in documented_commands() if (classify(c) or ("",))[0] == "parse"] + list(main_job_commands()),
    ids=lambda c: c.where,
)
def test_expensive_command_parses(command: DocCommand) -> None:
    namespace = parse_command(command.argv)  # an AssertionError carries the parser's message
    assert (namespace is None) == ("..." in command.argv), command.argv


# What a command reads that an earlier step must have made (argparse dest names), and where
# commands write.
READS = ("model", "data", "eval_data", "rows", "corpus", "results", "dir")


def _parsed_everything() -> Iterator[tuple[DocCommand, argparse.Namespace]]:
    classified = [c for c in documented_commands() if classify(c)]  # the others fail the classification test
    for command in classified + list(main_job_commands()):
        argv = command.argv
        if argv[0] in ("pytrace-sem", "semcoder") or "train_tiny.py" in " ".join(argv[:2]):
            namespace = parse_command(argv)
            if namespace is not None:
                yield command, namespace


def test_what_commands_read_is_in_the_repository_or_written_by_a_documented_command() -> None:
    written: set[str] = set()
    reads: list[tuple[DocCommand, str]] = []
    for command, namespace in _parsed_everything():
        out = getattr(namespace, "out", None)
        if isinstance(out, str):
            written.add(os.path.normpath(out))
        for dest in READS:
            value = getattr(namespace, dest, None)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str):
                    reads.append((command, os.path.normpath(item)))
    for command in documented_commands():
        plugin_dir = re.search(r"--pytrace-sem=(\S+)", command.core)
        if command.argv[0] == "pytest" and plugin_dir:
            written.add(os.path.normpath(plugin_dir.group(1)))
    assert "out/tasks" in written and "out/sft" in written, sorted(written)

    def made(path: str) -> bool:
        return (path in HUB_IDS or (ROOT / path).exists() or any(ROOT.glob(path))
                or any(path == w or path.startswith(w + "/") or fnmatch.fnmatch(w, path) for w in written))

    missing = [f"{c.where}: {p} (in `{c.key}`)" for c, p in reads if not made(p)]
    assert not missing, ("commands read folders or files that neither the repository holds nor a documented "
                         "command writes (documented outputs: " + ", ".join(sorted(written)) + "):\n"
                         + "\n".join(missing))


def test_install_lines_install_from_a_clone() -> None:
    """pytrace-sem is not on PyPI: no document may tell pip to fetch it from there."""
    texts = {rel: (ROOT / rel).read_text(encoding="utf-8") for rel in DOCS}
    bad = [f"{rel}: {m.group(0)}" for rel, text in texts.items()
           for m in re.finditer(r"pip install\s+(?:-\S+\s+)*['\"]?pytrace-sem\b[^\s`'\"]*", text)]
    assert not bad, f"installs from PyPI, where pytrace-sem is not: {bad}"


def test_plot_says_how_to_get_matplotlib() -> None:
    """`semcoder report --plot` needs matplotlib, which the documented installs do not bring."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = pyproject.split("[project.optional-dependencies]", 1)[1].split("\n[", 1)[0]
    extras = [name for name, deps in re.findall(r"^(\w+)\s*=\s*\[(.*?)\]", section, re.S | re.M)
              if "matplotlib" in deps]
    ways = ["pip install matplotlib"] + [f"[{name}]" for name in extras]
    for rel in DOCS:
        for block in markdown_blocks((ROOT / rel).read_text(encoding="utf-8")):
            if any("--plot" in c.core for c in commands_in_lines(list(block.lines), rel)):
                assert any(way in block.text for way in ways), \
                    f"{rel}:{block.lines[0][0]}: a block runs --plot without installing matplotlib ({ways})"
