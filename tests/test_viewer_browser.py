"""The HTML viewer in headless Chromium: what it shows at every step matches the Trace.

Pages are written to a temporary folder and opened from disk (file://), stepped through
with the keyboard, and read back from the DOM. The expected state at each step is
worked out here from the Trace alone: each frame holds the accumulated ``changes`` of
its steps (docs/trace-format.md). Screenshots go to build/screenshots/.

Needs Debian's ``chromium`` and ``chromium-driver`` (``apt-get install chromium
chromium-driver``) and ``selenium``; without them every test here is skipped. Selenium
is given both paths, so it never looks for (or downloads) a browser of its own.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

import pytest

import pytrace_sem
from pytrace_sem.trace import Trace
from tests.conftest import CHROMEDRIVER, CHROMIUM, ROOT, SCREENSHOTS

if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    pytest.skip(f"the browser tests need {CHROMIUM} and {CHROMEDRIVER}: apt-get install chromium chromium-driver",
                allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver", reason="the browser tests need selenium: pip install selenium")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

RECURSIVE = """def fact(n):
    if n <= 1:
        return 1
    rest = fact(n - 1)
    return n * rest
"""

METHODS = """class Account:
    def __init__(self, owner):
        self.owner = owner
        self.history = []

    def deposit(self, amount):
        self.history.append(amount)
        return sum(self.history)


def f(amounts):
    acct = Account('ann')
    book = {'ann': acct.history}
    for a in amounts:
        total = acct.deposit(a)
    return total, book
"""

GENERATOR = """def count(n):
    i = 0
    while i < n:
        yield i
        i += 1


def f(n):
    squares = {x: x * x for x in count(n)}
    del n
    return squares
"""

LOOP = """def f(n):
    total = 0
    for i in range(n):
        total += i
    return total
"""

# Reads back what the page shows: the step, the highlighted line and sentence, and every
# frame with its variables as nested value signatures (see _signature below).
READ_PAGE = """
function sig(n) {
  if (!n.classList.contains('box')) { return n.dataset.repr; }
  var o = {repr: n.dataset.repr};
  var cells = n.querySelector(':scope > .cells');
  if (cells) { o.items = Array.from(cells.querySelectorAll(':scope > .cell.item'),
                                    function (c) { return sig(c.lastElementChild); }); }
  var rows = n.querySelector(':scope > .rows:not(.attrs)');
  if (rows) { o.entries = Array.from(rows.querySelectorAll(':scope > .entry'),
                                     function (e) { return [sig(e.children[0]), sig(e.children[2])]; }); }
  var attrs = n.querySelector(':scope > .rows.attrs');
  if (attrs) { o.attrs = {};
    attrs.querySelectorAll(':scope > .entry').forEach(function (e) {
      o.attrs[e.children[0].textContent.slice(1)] = sig(e.children[2]); }); }
  return o;
}
var sentence = document.querySelector('#monologue .sentence.current');
return {
  step: Number(document.body.dataset.step),
  counter: document.getElementById('counter').textContent,
  lines: Array.from(document.querySelectorAll('#source .line.current'), function (n) { return Number(n.dataset.line); }),
  sentence: sentence ? Number(sentence.dataset.step) : null,
  rows: document.querySelectorAll('#steps .row').length,
  currentRows: Array.from(document.querySelectorAll('#steps .row.current'), function (n) { return Number(n.dataset.step); }),
  frames: Array.from(document.querySelectorAll('#frames .frame'), function (f) {
    return {
      function: f.dataset.function,
      depth: Number(f.dataset.depth),
      vars: Array.from(f.querySelectorAll(':scope > .var:not(.deleted)'), function (v) {
        return [v.dataset.name, sig(v.children[1])]; }),
      changed: Array.from(f.querySelectorAll(':scope > .var.changed'), function (v) { return v.dataset.name; }),
      deleted: Array.from(f.querySelectorAll(':scope > .var.deleted'), function (v) { return v.dataset.name; })
    };
  })
};
"""


# -- expected state, from the Trace alone ---------------------------------------------------------


def _signature(value: dict[str, Any]) -> Any:
    """A value as the page draws it: an atom is its repr, a container a box of signatures."""
    if value.get("cycle") or not any(k in value for k in ("items", "entries", "attrs")):
        return value["repr"]
    out: dict[str, Any] = {"repr": value["repr"]}
    if "items" in value:
        out["items"] = [_signature(v) for v in value["items"]]
    if "entries" in value:
        out["entries"] = [[_signature(k), _signature(v)] for k, v in value["entries"]]
    if "attrs" in value:
        out["attrs"] = {k: _signature(v) for k, v in value["attrs"].items()}
    return out


def expected_frames(trace: Trace, upto: int | None = None) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """(step index, frames innermost first) after each step, as docs/trace-format.md defines them.

    A ``call`` opens a frame at its depth; a later step at depth d in the same function
    goes on in the frame there, deeper frames having ended; a generator that yielded is
    set aside and comes back when it resumes. Only ``upto`` is yielded when given.
    """
    stack: list[dict[str, Any]] = []
    parked: dict[str, list[dict[str, Any]]] = {}

    def cut(n: int) -> None:
        while len(stack) > n:
            frame = stack.pop()
            if frame["yielded"]:
                parked.setdefault(frame["function"], []).append(frame)

    for step in trace.steps:
        d = step.depth
        if step.event != "call" and d < len(stack) and stack[d]["function"] == step.function:
            cut(d + 1)
        else:
            cut(d)
            back = parked.get(step.function) if step.event != "call" else None
            stack.append(back.pop() if back else {"function": step.function, "vars": {}})
        frame = stack[d]
        frame["yielded"] = step.event == "yield"
        frame["vars"].update(step.changes)
        for name in step.deleted:
            frame["vars"].pop(name, None)
        if upto is None or step.index == upto:
            yield step.index, [{
                "function": fr["function"],
                "depth": depth,
                "vars": [[name, _signature(v)] for name, v in fr["vars"].items()],
                "changed": [name for name in fr["vars"] if name in step.changes] if depth == d else [],
                "deleted": list(step.deleted) if depth == d else [],
            } for depth, fr in reversed(list(enumerate(stack)))]


# -- the browser -----------------------------------------------------------------------------------


# The driver is the ``browser`` fixture of conftest.py (shared with the site tests).


def open_page(browser: Any, path: Path, page: str) -> None:
    path.write_text(page, encoding="utf-8")
    browser.get_log("performance")  # drop what earlier pages logged
    browser.get(path.as_uri())
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.body.dataset.ready"))
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def press(browser: Any, key: str) -> None:
    browser.find_element(By.TAG_NAME, "body").send_keys(key)


def assert_shows(shown: dict[str, Any], trace: Trace, i: int, frames: list[dict[str, Any]]) -> None:
    assert shown["step"] == i and shown["counter"] == f"step {i} / {len(trace.steps) - 1}"
    assert shown["lines"] == [trace.steps[i].line]
    assert shown["currentRows"] == [i]
    assert shown["frames"] == frames, f"step {i}"


def step_through(browser: Any, trace: Trace, name: str) -> list[dict[str, Any]]:
    """Press the right arrow from the first step to the last, checking each; returns what was shown."""
    seen = []
    for i, frames in expected_frames(trace):
        if i:
            press(browser, Keys.ARROW_RIGHT)
        shown = browser.execute_script(READ_PAGE)
        assert_shows(shown, trace, i, frames)
        seen.append(shown)
    browser.save_screenshot(str(SCREENSHOTS / f"{name}.png"))
    return seen


# -- tests -----------------------------------------------------------------------------------------


def test_sample_function_step_by_step(browser, tmp_path):
    t = pytrace_sem.trace_call((ROOT / "examples" / "sample.py").read_text(encoding="utf-8"),
                               "f([1, 2, 3, 5], '-')")
    open_page(browser, tmp_path / "sample.html", t.to_html())
    seen = step_through(browser, t, "sample")
    assert any(f["changed"] == ["totals"] for s in seen for f in s["frames"]), "a change is highlighted"
    # Every numbered sentence is linked, and the current one is the latest at or before the step.
    assert [s["sentence"] for s in seen] == list(range(len(t.steps)))
    # Past the end stays at the end; back, Home and End move.
    press(browser, Keys.ARROW_RIGHT)
    assert browser.execute_script(READ_PAGE)["step"] == len(t.steps) - 1
    press(browser, Keys.ARROW_LEFT)
    assert browser.execute_script(READ_PAGE)["step"] == len(t.steps) - 2
    press(browser, Keys.HOME)
    assert browser.execute_script(READ_PAGE)["step"] == 0
    press(browser, Keys.END)
    assert browser.execute_script(READ_PAGE)["step"] == len(t.steps) - 1


def test_recursion_shows_one_frame_per_call(browser, tmp_path):
    t = pytrace_sem.trace_call(RECURSIVE, "fact(4)")
    open_page(browser, tmp_path / "fact.html", t.to_html())
    seen = step_through(browser, t, "recursion")
    deepest = max(len(s["frames"]) for s in seen)
    assert deepest == 4
    assert [f["vars"][0] for f in max(seen, key=lambda s: len(s["frames"]))["frames"]] == \
        [["n", "1"], ["n", "2"], ["n", "3"], ["n", "4"]]


def test_methods_draw_objects_lists_and_dicts_as_boxes(browser, tmp_path):
    t = pytrace_sem.trace_call(METHODS, "f([5, 7])")
    open_page(browser, tmp_path / "methods.html", t.to_html())
    seen = step_through(browser, t, "methods")
    assert {f["function"] for s in seen for f in s["frames"]} >= {"f", "Account.__init__", "Account.deposit"}
    last = dict(seen[-1]["frames"][0]["vars"])
    assert last["acct"]["attrs"]["history"] == {"repr": "[5, 7]", "items": ["5", "7"]}
    assert last["book"]["entries"] == [["'ann'", {"repr": "[5, 7]", "items": ["5", "7"]}]]
    boxes = browser.execute_script("return document.querySelectorAll('#frames .box').length")
    assert boxes >= 5


def test_generators_comprehensions_and_del(browser, tmp_path):
    t = pytrace_sem.trace_call(GENERATOR, "f(3)")
    open_page(browser, tmp_path / "generator.html", t.to_html())
    seen = step_through(browser, t, "generator")
    assert any(f["deleted"] == ["n"] for s in seen for f in s["frames"])
    resumed = [s for s, step in zip(seen, t.steps) if step.event == "resume"]
    assert resumed and all(dict(s["frames"][0]["vars"]).get("i") is not None for s in resumed), \
        "a resumed generator keeps its variables"


def test_clicking_a_sentence_goes_to_its_step(browser, tmp_path):
    t = pytrace_sem.trace_call(LOOP, "f(30)")
    open_page(browser, tmp_path / "loop.html", t.to_html())
    sentences = browser.find_elements(By.CSS_SELECTOR, "#monologue .sentence.linked")
    assert len(sentences) > 8
    for node in reversed(sentences):  # backwards, so every click moves
        step = int(node.get_attribute("data-step"))
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", node)
        node.click()
        shown = browser.execute_script(READ_PAGE)
        assert shown["step"] == step and shown["sentence"] == step
        named = re.search(r"\[L(\d+)\]", node.text)
        assert shown["lines"] == [int(named.group(1))] if named else shown["lines"] == [3]
        assert shown["frames"] == next(expected_frames(t, upto=step))[1]
    browser.save_screenshot(str(SCREENSHOTS / "monologue-click.png"))


def test_the_page_requests_nothing(browser, tmp_path):
    t = pytrace_sem.trace_call(METHODS, "f([1])")
    path = tmp_path / "offline.html"
    open_page(browser, path, t.to_html())
    press(browser, Keys.END)
    requests = [json.loads(e["message"])["message"] for e in browser.get_log("performance")]
    urls = [m["params"]["request"]["url"] for m in requests if m["method"] == "Network.requestWillBeSent"]
    assert urls and set(urls) == {path.as_uri()}, urls
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0


def test_a_50000_step_trace_stays_interactive(browser, tmp_path):
    t = pytrace_sem.trace_call(LOOP, "f(25000)", max_steps=50_000, max_size=10**9)
    assert len(t.steps) == 50_000
    open_page(browser, tmp_path / "big.html", t.to_html())
    shown = browser.execute_script(READ_PAGE)
    assert shown["step"] == 0 and shown["rows"] < 100, "only the step rows in view are drawn"
    press(browser, Keys.END)
    last = len(t.steps) - 1
    assert_shows(browser.execute_script(READ_PAGE), t, last, next(expected_frames(t, upto=last))[1])
    for _ in range(3):
        press(browser, Keys.PAGE_UP)
    assert_shows(browser.execute_script(READ_PAGE), t, last - 30, next(expected_frames(t, upto=last - 30))[1])
    middle = 24_999
    browser.execute_script(f"window.pytraceViewer.go({middle})")  # as a drag of the slider would
    assert_shows(browser.execute_script(READ_PAGE), t, middle, next(expected_frames(t, upto=middle))[1])
    browser.save_screenshot(str(SCREENSHOTS / "big.png"))
