"""Fast tests of the corpus builder's parts that run no sandbox: sources, filters, mutants, records, rows."""

from __future__ import annotations

import doctest
import importlib.util
import json
from pathlib import Path

import pytest

import pytrace_sem
from semcoder.corpus import records as rec
from semcoder.corpus.decontaminate import Decontaminator
from semcoder.corpus.dedupe import Deduplicator, normalize, source_hash
from semcoder.corpus.mutate import OPERATORS, mutants
from semcoder.corpus.pipeline import DEFAULT_ALLOWED_IMPORTS, BuildConfig, Progress, static_check
from semcoder.corpus.sources import (
    BUNDLED_DATA,
    BundledSource,
    EvalPlusSource,
    JsonlSource,
    ModuleSource,
    SourceItem,
    TraceDirSource,
    harvest_module,
    open_source,
    register_source,
    SOURCE_KINDS,
)
from semcoder.errors import CorpusError, DataError
from semcoder.tasks import TASKS, format_corpus, mixture_counts, rows_from_corpus
from tests import datasets

DATA = datasets.DATA
EVAL_SETS = [DATA / "cruxeval-dev", DATA / "humaneval" / "HumanEval.jsonl.gz"]


# -- sources -------------------------------------------------------------------------------------


def test_cruxeval_jsonl_source_reads_every_record_with_its_input():
    items = list(open_source(str(DATA / "cruxeval-dev")).items())
    assert isinstance(open_source(str(DATA / "cruxeval-dev")), JsonlSource)
    assert len(items) == 200
    first = items[0]
    assert first.id == "cruxeval-dev:sample_0" and first.entry_point == "f"
    assert first.examples == (datasets.cruxeval()[0]["input"],)
    assert first.description == "" and first.reject is None


def test_instruction_solution_records_and_entry_point_guess(tmp_path):
    path = tmp_path / "pairs.jsonl"
    rows = [
        {"instruction": "Double a number.", "solution": "def helper(x):\n    return x\n\ndef double(x):\n    return 2 * x\n"},
        {"id": "k", "code": "def f(a):\n    return a\n", "inputs": ["1", "2"], "description": "Identity."},
        {"id": "k", "code": "x = (\n", "entry_point": "g"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    items = list(JsonlSource(str(path)).items())
    assert [i.id for i in items] == ["pairs:0", "pairs:k", "pairs:k#2"]
    assert items[0].entry_point == "double" and items[0].description == "Double a number."
    assert items[1].examples == ("1", "2") and items[1].description == "Identity."
    assert static_check(items[2], DEFAULT_ALLOWED_IMPORTS)[0] == "syntax_error"


def test_humaneval_plus_items_take_the_docstring_as_description_and_test_calls_as_examples():
    items = {i.id: i for i in EvalPlusSource(str(DATA / "humanevalplus" / "HumanEvalPlus.jsonl.gz")).items()}
    item = items["humanevalplus:HumanEval/3"]
    assert item.entry_point == "below_zero"
    assert item.description.startswith("You're given a list of deposit")
    assert '"""' not in item.code and "def below_zero" in item.code
    assert "[]" in item.examples and item.description_source == "docstring"
    mbpp = {i.id: i for i in open_source(str(DATA / "mbppplus" / "MbppPlus.jsonl.gz")).items()}
    assert mbpp["mbppplus:Mbpp/6"].examples[0] == "13, 9"
    assert mbpp["mbppplus:Mbpp/6"].description.startswith("Write a python function")


MODULE = '''
import math
import os
LIMIT = 10
SCALE = LIMIT * 2


def helper(x):
    return x * SCALE


def scaled_sum(xs: list[int]) -> int:
    """Sum the scaled values.

    >>> scaled_sum([1, 2])
    60
    """
    return sum(helper(x) for x in xs) + math.floor(0.5)


def uses_os(path):
    return os.path.exists(path)


def nothing():
    return 1


class Box:
    def add(self, a, b):
        """Add two numbers."""
        return a + b

    def get(self, key):
        return self.data[key]

    @staticmethod
    def twice(q):
        return q * 2

    @property
    def size(self):
        return 1
'''


def test_module_harvest_brings_helpers_constants_and_imports_and_turns_methods_into_functions(tmp_path):
    items = {i.id.split(".", 1)[1]: i for i in harvest_module(MODULE, "mod", "demo")}
    item = items["scaled_sum"]
    assert item.description == "Sum the scaled values." and item.examples == ("[1, 2]",)
    assert item.code.index("import math") < item.code.index("LIMIT = 10") < item.code.index("def helper")
    assert "import os" not in item.code and '"""' not in item.code
    namespace: dict = {}
    exec(item.code, namespace)  # the harvested code is self-contained
    assert namespace["scaled_sum"]([1, 2]) == 60
    assert static_check(items["uses_os"], DEFAULT_ALLOWED_IMPORTS)[0] == "import_not_allowed"
    assert items["nothing"].reject == "no_parameters"
    assert items["Box.add"].reject is None and items["Box.add"].code.startswith("def add(a, b):")
    assert items["Box.twice"].code.startswith("def twice(q):")
    assert items["Box.get"].reject == "needs_instance" and items["Box.size"].reject == "needs_instance"


def test_module_source_reads_folders_and_installed_packages_without_importing(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("def inc(x):\n    return x + 1\n")
    (tmp_path / "pkg" / "test_a.py").write_text("def test_inc():\n    assert True\n")
    (tmp_path / "pkg" / "broken.py").write_text("def (:\n")
    items = list(open_source(str(tmp_path / "pkg")).items())
    assert {i.id for i in items} == {"pkg:a.inc", "pkg:broken"}
    assert next(i for i in items if i.id == "pkg:broken").reject == "syntax_error"
    textwrap_items = list(ModuleSource("textwrap").items())
    assert any(i.entry_point == "dedent" and i.reject is None for i in textwrap_items)


def test_trace_dir_source_groups_plugin_shards_by_function(tmp_path):
    module = tmp_path / "mymod.py"
    module.write_text("OFFSET = 3\n\ndef shift(xs):\n    return [x + OFFSET for x in xs]\n")
    namespace: dict = {}
    exec(compile(module.read_text(), str(module), "exec"), namespace)
    shard = tmp_path / "traces" / "gw0.jsonl"
    shard.parent.mkdir()
    lines = []
    for args in ([1, 2], [5]):
        trace = pytrace_sem.trace_call(module.read_text(), f"shift({args!r})").to_json()
        lines.append({**trace, "test_id": "test_mymod.py::test_shift", "module": "mymod", "qualname": "shift"})
    nested = pytrace_sem.trace_call("def inner(y):\n    return y\n", "inner(1)").to_json()
    lines.append({**nested, "test_id": "t::u", "module": "elsewhere", "qualname": "outer.<locals>.inner"})
    shard.write_text("".join(json.dumps(line) + "\n" for line in lines))
    source = open_source(str(tmp_path / "traces"))
    assert isinstance(source, TraceDirSource)
    items = {i.id: i for i in TraceDirSource(str(tmp_path / "traces"), roots=(str(tmp_path),)).items()}
    shift = items["traces:mymod.shift"]
    assert "OFFSET = 3" in shift.code and shift.examples == ("[1, 2]", "[5]") and shift.reject is None
    assert items["traces:elsewhere.outer.<locals>.inner"].reject == "not_top_level"


def test_trace_dir_source_reads_what_the_pytest_plugin_writes(tmp_path):
    from pytrace_sem.tracedir import ShardWriter, TraceRecord, shard_name

    module = tmp_path / "pkg_mod.py"
    module.write_text("def halve(n):\n    return n // 2\n\n\ndef gone(n):\n    return n\n")
    writer = ShardWriter(tmp_path / shard_name("gw1"))
    for i, (name, arg) in enumerate((("halve", 8), ("gone", 1), ("halve", 5))):
        trace = pytrace_sem.trace_call(module.read_text(), f"{name}({arg})").to_json()
        writer.write(TraceRecord(id=str(i), test_id="t.py::test", phase="call", module="pkg_mod", qualname=name,
                                 file=str(module), first_line=1, status="returned", trace_json=trace).to_json())
    writer.write({"record": "drop", "id": "1"})  # reservoir sampling replaced the record of `gone`
    writer.close()
    source = open_source(str(tmp_path))
    assert isinstance(source, ModuleSource)  # a folder with .py files reads as modules unless named
    items = list(open_source(f"traces:{tmp_path}").items())
    assert [(i.id, i.examples) for i in items] == [("traces:pkg_mod.halve", ("8", "5"))]
    assert items[0].code == "def halve(n):\n    return n // 2\n"


def test_open_source_specs_and_errors(tmp_path):
    assert isinstance(open_source("bundled"), BundledSource)
    assert isinstance(open_source("jsonl:" + str(DATA / "cruxeval-dev")), JsonlSource)
    with pytest.raises(CorpusError, match="unknown source kind"):
        open_source("nosuchkind:x")
    with pytest.raises(CorpusError, match="no such"):
        open_source(str(tmp_path / "missing.jsonl"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CorpusError, match="no .py or .jsonl"):
        open_source(str(empty))
    register_source("const", lambda arg: JsonlSource(str(DATA / "cruxeval-dev"), name=arg))
    try:
        assert open_source("const:mine").name == "mine"
    finally:
        SOURCE_KINDS.pop("const")


# -- the bundled set ------------------------------------------------------------------------------


def test_bundled_set_is_a_few_hundred_clean_distinct_functions():
    items = list(BundledSource().items())
    assert 250 <= len(items) <= 400
    assert all(static_check(i, DEFAULT_ALLOWED_IMPORTS) is None for i in items)
    assert all(i.description and i.examples for i in items)
    assert Deduplicator().extend((i.id, i.code, i.entry_point) for i in items) == {}


@pytest.mark.parametrize("path", sorted(BUNDLED_DATA.glob("*.py")), ids=lambda p: p.name)
def test_bundled_doctests_pass(path):
    spec = importlib.util.spec_from_file_location(f"_bundled_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.slow
def test_bundled_set_does_not_overlap_the_vendored_evaluation_sets():
    guard = Decontaminator(EVAL_SETS + [DATA / "humanevalplus" / "HumanEvalPlus.jsonl.gz",
                                        DATA / "mbppplus" / "MbppPlus.jsonl.gz"])
    hits = {i.id: guard.check(i.code) for i in BundledSource().items()}
    assert {k: v for k, v in hits.items() if v is not None} == {}


# -- dedupe and decontamination ----------------------------------------------------------------------


def test_normalised_hash_ignores_names_layout_comments_and_docstrings():
    a = "def add(a, b):\n    '''Sum.'''\n    return a + b  # plus\n"
    b = "def plus(x,y):\n    return x+y\n"
    assert source_hash(a) == source_hash(b)
    assert source_hash(a) != source_hash("def add(a, b):\n    return a - b\n")
    assert normalize(a) == "def v0(v1, v2):\n    return v1 + v2"
    assert source_hash(a, "add") != source_hash("def g(x):\n    return x\n\n" + a, "add")


def test_deduplicator_finds_exact_and_near_copies_but_keeps_different_functions():
    seen = Deduplicator(threshold=0.8)
    base = ("def f(nums):\n    out = []\n    for n in nums:\n        if n > 2:\n            out.append(n * 2)\n"
            "        else:\n            out.append(n)\n    out.sort()\n    return out\n")
    assert seen.add("a", base, "f") is None
    renamed = base.replace("nums", "values").replace("out", "acc")
    assert seen.add("b", renamed, "f").reason == "duplicate"
    near = base.replace("    out.sort()\n", "    out.sort()\n    out.reverse()\n")
    verdict = seen.add("c", near, "f")
    assert verdict is not None and verdict.reason == "near_duplicate" and verdict.of == "a"
    assert seen.add("d", "def g(text):\n    return text.upper().split(',')\n", "g") is None


def test_decontamination_drops_seeded_copies_of_cruxeval_and_humaneval_functions():
    guard = Decontaminator(EVAL_SETS)
    crux = datasets.cruxeval()[17]["code"]
    human = datasets.humaneval()[12]
    human_code = human["prompt"] + human["canonical_solution"]
    renamed = crux.replace("def f(", "def totally_new_name(")
    for code in (crux, human_code, renamed):
        hit = guard.check(code)
        assert hit is not None and hit.overlap >= 0.5
    assert guard.check(crux).eval_set == "cruxeval-dev"
    assert guard.check(human_code).eval_set == "humaneval"
    own = (BUNDLED_DATA / "grids.py").read_text()
    assert guard.check(own.split("def spiral_order", 1)[1].split("\ndef ", 1)[0]) is None
    assert guard.describe()["eval_sets"][0]["functions"] == 200
    with pytest.raises(CorpusError, match="does not exist"):
        Decontaminator(["/no/such/eval.jsonl"])


# -- mutants -----------------------------------------------------------------------------------------

SOURCE = '''def f(nums, k):
    """Doc."""
    total = 0
    for i in range(1, len(nums)):
        if nums[i] > k:
            total += nums[i] * 2
    return total - k
'''


@pytest.mark.parametrize("operator, change", [
    ("comparison_flip", "`if nums[i] > k:` became `if nums[i] <= k:`"),
    ("off_by_one", "`for i in range(1, len(nums)):` became `for i in range(0, len(nums)):`"),
    ("arithmetic_swap", "`total += nums[i] * 2` became `total -= nums[i] * 2`"),
    ("wrong_variable", "`if nums[i] > k:` became `if nums[i] > total:`"),
    ("remove_statement", "removed `total += nums[i] * 2`"),
])
def test_each_operator_makes_the_expected_change(operator, change):
    found = mutants(SOURCE, "f", operators=[operator])
    assert change in [m.change for m in found]
    for m in found:
        assert m.operator == operator and m.code != SOURCE
        compile(m.code, "<mutant>", "exec")
        assert '"""Doc."""' in m.code  # the docstring is never removed


def test_mutant_sampling_is_seeded_interleaved_and_typed():
    a = mutants(SOURCE, "f", sample=5, seed=3)
    assert a == mutants(SOURCE, "f", sample=5, seed=3)
    assert len({m.operator for m in a}) == len(OPERATORS)
    typed = mutants(SOURCE, "f", operators=["wrong_variable"], name_types={"nums": "list", "k": "int",
                                                                           "total": "int", "i": "int"})
    assert typed and not any("total[i]" in m.code or "nums[nums]" in m.code for m in typed)  # types kept
    assert any("total[i]" in m.code for m in mutants(SOURCE, "f", operators=["wrong_variable"]))
    assert mutants("def f(:\n", "f") == []
    assert all("removed `return" not in m.change for m in mutants(SOURCE, "f"))
    with pytest.raises(ValueError, match="unknown mutation operator"):
        mutants(SOURCE, "f", operators=["nope"])


# -- static checks, config, progress --------------------------------------------------------------------


def test_static_checks_and_config_validation():
    item = SourceItem("s:1", "s", "import socket\ndef f(x):\n    return x\n", "f")
    assert static_check(item, DEFAULT_ALLOWED_IMPORTS)[0] == "import_not_allowed"
    assert static_check(item, DEFAULT_ALLOWED_IMPORTS + ("socket",)) is None
    assert static_check(SourceItem("s:2", "s", "from . import x\ndef f(x):\n    return x\n", "f"),
                        DEFAULT_ALLOWED_IMPORTS)[0] == "import_not_allowed"
    config = BuildConfig(max_cases=2, decontaminate=("a", "b"))
    assert BuildConfig.from_json(json.loads(json.dumps(config.to_json()))) == config
    with pytest.raises(CorpusError, match="max_cases"):
        BuildConfig(max_cases=0)
    with pytest.raises(CorpusError, match="unknown build option"):
        BuildConfig.from_json({"bogus": 1})
    line = Progress(total=10, done=4, kept=3, dropped={"too_slow": 1}, traces=12, seconds=2.0).line()
    assert line == "corpus: 4/10 functions | 2.0 functions/s, 6.0 traces/s | kept 3 | dropped 1: too_slow 1"


# -- records and rows -------------------------------------------------------------------------------------

CODE = "def f(xs, k):\n    out = []\n    for x in xs:\n        if x > k:\n            out.append(x)\n    return out\n"
BUGGY = CODE.replace("x > k", "x >= k")


def _record() -> dict:
    cases = []
    for args in ("[1, 5, 2, 3], 2", "['a', \"b'c\"], 'a'"):
        trace = pytrace_sem.trace_call(CODE, f"f({args})")
        cases.append({"input": args, "output": trace.return_value["repr"], "trace": trace.to_json(),
                      "forward": pytrace_sem.narrate(trace, "forward"),
                      "backward": pytrace_sem.narrate(trace, "backward")})
    buggy = pytrace_sem.trace_call(BUGGY, "f([1, 5, 2, 3], 2)")
    bug = {"operator": "off_by_one", "code": BUGGY, "line": 4, "change": "`if x > k:` became `if x >= k:`",
           "input": "[1, 5, 2, 3], 2", "expected": "[5, 3]", "actual": buggy.return_value["repr"],
           "debug": pytrace_sem.narrate_debug(buggy, pytrace_sem.Trace.from_json(cases[0]["trace"]))}
    return {"schema_version": 1, "id": "demo:f", "source": "demo", "origin": "x.py:1", "code": CODE,
            "entry_point": "f", "description": "Keep the items above k.", "description_source": "docstring",
            "coverage": 1.0, "cases": cases, "bugs": [bug]}


def test_record_round_trip_and_schema():
    data = _record()  # record schema version 1: the trace as pytrace_sem writes it
    record = rec.CorpusRecord.from_json(data)
    stored = record.to_json()  # written back in version 2, the fixed layout
    assert stored["schema_version"] == rec.RECORD_SCHEMA_VERSION == 2
    assert {k: v for k, v in stored.items() if k not in ("schema_version", "cases")} == \
        {k: v for k, v in data.items() if k not in ("schema_version", "cases")}
    assert [c.trace for c in record.cases] == [c["trace"] for c in data["cases"]]
    assert rec.CorpusRecord.from_json(json.loads(record.dumps())) == record
    rec.validate_record(json.loads(record.dumps()))
    with pytest.raises(CorpusError, match="schema_version"):
        rec.CorpusRecord.from_json({**data, "schema_version": 99})
    with pytest.raises(CorpusError, match="does not match the schema"):
        rec.validate_record({**stored, "description_source": "guess"})
    with pytest.raises(CorpusError, match="does not match the schema"):
        rec.validate_record(data)  # the old layout is read, never written


def test_the_stored_trace_has_one_shape_whatever_the_program():
    source = ("class Box:\n    pass\n\n\ndef f(xs, k):\n    b = Box()\n    b.seen = {x: [x] for x in xs}\n"
              "    del k\n    if xs:\n        return sorted(xs, key=lambda v: -v)\n    raise ValueError('empty')\n")
    traces = [pytrace_sem.trace_call(source, call, user_repr=True).to_json()
              for call in ("f([3, 1], 2)", "f([], 0)")] + [c["trace"] for c in _record()["cases"]]
    assert traces[0]["untraced"] and not traces[2]["untraced"]

    def shape(value):  # the keys at every depth, with list items merged: what Arrow's inference sees
        if isinstance(value, dict):
            return {k: shape(v) for k, v in value.items()}
        if isinstance(value, list):
            merged: dict = {}
            for item in value:
                s = shape(item)
                merged = {**merged, **s} if isinstance(s, dict) else {"*": s}
            return [merged]
        return type(value).__name__ if value is not None else None

    flat = [rec.flat_trace(t) for t in traces]
    assert all(shape(f)["steps"][0].keys() == shape(flat[0])["steps"][0].keys() for f in flat)
    assert all(list(f) == list(rec.RECORD_COLUMNS["cases"][0]["trace"]) for f in flat)
    assert {p["name"] for s in flat[0]["steps"] for p in s["changes"]} >= {"xs", "k", "b"}
    assert all(isinstance(p["value"], str) for f in flat for s in f["steps"] for p in s["changes"])
    for trace, stored in zip(traces, flat):
        assert rec.nested_trace(stored) == trace
        assert pytrace_sem.Trace.from_json(rec.nested_trace(json.loads(json.dumps(stored)))).to_json() == trace
        assert rec.flat_trace(stored) == stored and rec.nested_trace(trace) == trace
    with pytest.raises(CorpusError, match="no place for"):
        rec.flat_trace({**traces[0], "new_field": 1})


def test_rows_from_corpus_make_all_eight_tasks_in_the_shared_formats():
    rows = list(rows_from_corpus([_record()]))
    by_task: dict[str, list[dict]] = {}
    for row in rows:
        assert list(row) == ["messages", "task", "id", "source"]
        by_task.setdefault(row["task"], []).append(row)
    assert set(by_task) == set(TASKS)
    assert len(by_task["nl2code"]) == 1 and len(by_task["debug_refine"]) == 1 and len(by_task["output_direct"]) == 2
    user, answer = (m["content"] for m in by_task["output_monologue"][1]["messages"])
    assert "[PYTHON]\n" + CODE + "assert f(['a', \"b'c\"], 'a') == ??\n[/PYTHON]" in user  # quotes untouched
    assert answer.startswith("[MONOLOGUE]\n### Understanding the Function") and "PYTHON]" not in answer
    assert answer.endswith("[/MONOLOGUE]\n[ANSWER]\nassert f(['a', \"b'c\"], 'a') == [\"b'c\"]\n[/ANSWER]")
    user, answer = (m["content"] for m in by_task["input_monologue"][0]["messages"])
    assert "assert f(??) == [5, 3]" in user and "### Reverse Deduction" in answer
    user, answer = (m["content"] for m in by_task["debug_refine"][0]["messages"])
    assert BUGGY in user and "assert f([1, 5, 2, 3], 2) == [5, 3]\nbut the call returned [5, 2, 3]" in user
    assert answer.endswith("[Refined]\n" + CODE + "[/Refined]") and "### Root Cause" in answer
    user, answer = (m["content"] for m in by_task["nl2code"][0]["messages"])
    assert "Keep the items above k." in user and "def f(xs, k):" in user and answer == "[PYTHON]\n" + CODE + "[/PYTHON]"
    assert "[SCRATCHPAD]" in by_task["input_scratchpad"][0]["messages"][1]["content"]
    derived = {**_record(), "description_source": "derived"}
    assert not [r for r in rows_from_corpus([derived]) if r["task"] == "nl2code"]


def test_mixture_counts_follow_the_weights_within_what_exists():
    available = {"nl2code": 100, "output_monologue": 300, "debug_refine": 40}
    assert mixture_counts(available, {"nl2code": 1, "output_monologue": 2}) == {"nl2code": 100,
                                                                                "output_monologue": 200}
    assert mixture_counts(available, {"nl2code": 1, "debug_refine": 1}, max_rows=50) == {"nl2code": 25,
                                                                                         "debug_refine": 25}
    with pytest.raises(DataError):
        mixture_counts(available, {"nl2code": 0})
    with pytest.raises(DataError):
        mixture_counts(available, {"bogus": 1})


def _corpus_dir(tmp_path: Path, count: int) -> Path:
    folder = tmp_path / "corpus"
    (folder / "data").mkdir(parents=True)
    with (folder / "data" / "records-00000.jsonl").open("w") as fh:
        for i in range(count):
            fh.write(json.dumps({**_record(), "id": f"demo:f{i}"}) + "\n")
    (folder / "manifest.json").write_text(json.dumps({"schema_version": 1, "shards": ["data/records-00000.jsonl"]}))
    return folder


def test_format_corpus_writes_a_mixed_training_folder_with_a_held_out_split(tmp_path):
    folder = _corpus_dir(tmp_path, 20)
    manifest = format_corpus(folder, tmp_path / "tasks", eval_fraction=0.3)
    assert manifest["rows"]["eval"] > 0 and manifest["files"] == ["train.jsonl", "eval.jsonl"]
    train_ids = {json.loads(l)["id"].split(":")[1] for l in (tmp_path / "tasks" / "train.jsonl").open()}
    eval_ids = {json.loads(l)["id"].split(":")[1] for l in (tmp_path / "tasks" / "eval.jsonl").open()}
    assert train_ids and eval_ids and not train_ids & eval_ids  # a function's rows stay in one split
    mixed = format_corpus(folder, tmp_path / "mixed", mixture={"output_monologue": 2, "nl2code": 1})
    assert mixed["tasks"]["train"] == {"nl2code": 20, "output_monologue": 40}
    again = format_corpus(folder, tmp_path / "mixed2", mixture={"output_monologue": 1, "nl2code": 1}, max_rows=10)
    assert again["tasks"]["train"] == {"nl2code": 5, "output_monologue": 5}
    with pytest.raises(DataError, match="unknown task"):
        format_corpus(folder, tmp_path / "bad", tasks=("bogus",))


def test_cli_errors_are_one_line_with_named_exit_codes(tmp_path, capsys):
    from semcoder.cli import main

    assert main(["corpus", "stats", str(tmp_path / "missing")]) == CorpusError.exit_code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a corpus folder" in err
    folder = _corpus_dir(tmp_path, 2)
    assert main(["corpus", "format", str(folder), "--out", str(tmp_path / "t"), "--tasks", "bogus"]) == \
        DataError.exit_code
    assert main(["corpus", "format", str(folder), "--out", str(tmp_path / "t"), "--mix", "nl2code=1,output_direct=3"]) == 0
    out = capsys.readouterr().out
    assert "wrote 5 training rows" in out  # 1:3 of (2 nl2code, 4 output_direct) rows


def test_format_makes_the_papers_four_tasks_unless_told_otherwise(tmp_path, capsys):
    from semcoder.cli import main

    folder = _corpus_dir(tmp_path, 2)
    assert main(["corpus", "format", str(folder), "--out", str(tmp_path / "paper")]) == 0
    tasks = {json.loads(line)["task"] for line in (tmp_path / "paper" / "train.jsonl").open()}
    assert tasks == {"nl2code", "output_monologue", "input_monologue", "debug_refine"}
    assert main(["corpus", "format", str(folder), "--out", str(tmp_path / "all"), "--tasks", "all"]) == 0
    assert {json.loads(line)["task"] for line in (tmp_path / "all" / "train.jsonl").open()} == set(TASKS)
    card = (tmp_path / "all" / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\n") and "  - split: train\n    path: train.jsonl" in card
    capsys.readouterr()


def test_overwrite_removes_the_builds_own_card_and_keeps_a_readme_of_yours(tmp_path):
    from semcoder.corpus.hf import corpus_card, write_card
    from semcoder.corpus.pipeline import _clear_previous

    for whose in ("ours", "yours"):
        out = tmp_path / whose
        (out / ".build").mkdir(parents=True)
        (out / ".build" / "plan.json").write_text(json.dumps({"fingerprint": "earlier"}))
        if whose == "ours":
            manifest = {"records": 0, "cases": 0, "bugs": 0, "shards": [], "schema_version": 2}
            assert write_card(out, corpus_card(manifest)) == out / "README.md"
        else:
            (out / "README.md").write_text("# my notes\n")
            assert write_card(out, "---\n---\nnew") is None  # a README of yours is never replaced
        _clear_previous(out, "this build", overwrite=True)
        assert (out / "README.md").exists() == (whose == "yours") and not (out / ".build").exists()


def test_public_names_exist():
    import importlib

    for name in ("semcoder.corpus", "semcoder.corpus.sources", "semcoder.corpus.pipeline", "semcoder.corpus.worker",
                 "semcoder.corpus.dedupe", "semcoder.corpus.decontaminate", "semcoder.corpus.mutate",
                 "semcoder.corpus.executors", "semcoder.corpus.records", "semcoder.corpus.hf", "semcoder._cmd_corpus",
                 "semcoder.tasks"):
        module = importlib.import_module(name)
        assert module.__all__ and all(hasattr(module, attr) for attr in module.__all__), name


def test_parquet_without_pyarrow_is_one_clear_error_before_any_work(tmp_path, monkeypatch):
    import sys

    from semcoder.corpus.pipeline import build_corpus

    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now raises ImportError
    source = tmp_path / "src.jsonl"
    source.write_text(json.dumps({"code": CODE, "input": "[1], 0"}) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="Parquet shards need pyarrow"):
        build_corpus([str(source)], tmp_path / "out", format="parquet")
    assert not (tmp_path / "out").exists()
    with pytest.raises(CorpusError, match="unknown shard format 'csv'"):
        rec.ShardWriter(tmp_path, format="csv")
