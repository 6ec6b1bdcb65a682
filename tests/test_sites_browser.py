"""The two static sites in headless Chromium: opened from disk, links followed, filters applied, nothing fetched.

The sites are the ``report_site`` and ``corpus_site`` fixtures of conftest.py (a real
pytest-plugin run, a real corpus build); the driver is its ``browser`` fixture, which
skips these tests where chromium, chromedriver or selenium is missing. Screenshots
go to build/screenshots/.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from semcoder.corpus import read_corpus
from tests.conftest import SCREENSHOTS

pytest.importorskip("selenium", reason="the browser tests need selenium: pip install selenium")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def _requests(browser: Any) -> list[str]:
    """URLs the browser asked for since the log was last read."""
    messages = [json.loads(e["message"])["message"] for e in browser.get_log("performance")]
    return [m["params"]["request"]["url"] for m in messages if m["method"] == "Network.requestWillBeSent"]


def _open(browser: Any, path: Path) -> None:
    browser.get_log("performance")  # drop what earlier pages logged
    browser.get(path.as_uri())
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")


def _follow(browser: Any, link: Any) -> None:
    old = browser.current_url
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    link.click()
    WebDriverWait(browser, 30).until(lambda d: d.current_url != old
                                     and d.execute_script("return document.readyState") == "complete")


def _no_errors(browser: Any) -> None:
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def _only_the_site(urls: list[str], site: Path) -> None:
    assert urls, "the page loads were logged"
    for url in urls:
        assert url.startswith(site.resolve().as_uri() + "/"), url
    assert not any(url.startswith(("http:", "https:", "ws:")) for url in urls)


def test_report_site_from_index_to_module_to_viewer(browser, report_site):
    site = report_site.out
    _open(browser, site / "index.html")
    browser.save_screenshot(str(SCREENSHOTS / "report-index.png"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#modules tr[data-module]")
    assert len(rows) == len(report_site.result.report.modules)
    module_link = browser.find_element(By.CSS_SELECTOR, "#modules tr[data-module='shapes.area'] a")
    _follow(browser, module_link)
    assert browser.current_url.endswith("/modules/shapes.area.html")
    assert browser.find_elements(By.CSS_SELECTOR, ".src .l.run") and \
        browser.find_elements(By.CSS_SELECTOR, ".src .l.unrun")
    browser.save_screenshot(str(SCREENSHOTS / "report-module.png"))
    trace_link = browser.find_element(By.CSS_SELECTOR, "table.calls a.trace-link")
    _follow(browser, trace_link)
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.body.dataset.ready"))
    assert "/traces/" in browser.current_url
    assert browser.find_element(By.ID, "title").text.startswith("shapes.area:")
    browser.save_screenshot(str(SCREENSHOTS / "report-trace.png"))
    _no_errors(browser)
    _only_the_site(_requests(browser), site)
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0


def _shown(browser: Any) -> tuple[int, int]:
    """(the count the page says it shows, the rows actually visible)."""
    said = int(browser.find_element(By.ID, "shown").text)
    visible = browser.execute_script(
        "return Array.from(document.querySelectorAll('#functions tbody tr')).filter(r => r.offsetParent).length")
    return said, visible


def _type(browser: Any, element_id: str, text: str) -> None:
    box = browser.find_element(By.ID, element_id)
    box.clear()
    box.send_keys(text)


def test_corpus_index_filters_then_function_page_then_viewer(browser, corpus_site):
    site = corpus_site.out
    records = list(read_corpus(corpus_site.source))
    _open(browser, site / "index.html")
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.body.dataset.ready"))
    assert _shown(browser) == (12, 12)

    status = Select(browser.find_element(By.ID, "f-status"))
    status.select_by_value("dropped")
    assert _shown(browser) == (2, 2)
    status.select_by_value("reason:syntax_error")
    assert _shown(browser) == (1, 1)
    status.select_by_value("kept")
    _type(browser, "f-lines-min", "5")
    long = sum(1 for r in records if len(r.code.rstrip("\n").splitlines()) >= 5)
    assert 0 < long < len(records) and _shown(browser) == (long, long)
    _type(browser, "f-cov-max", "60")
    partial = sum(1 for r in records if len(r.code.rstrip("\n").splitlines()) >= 5 and (r.coverage or 0) <= 0.6)
    assert 0 < partial < long and _shown(browser) == (partial, partial)
    browser.save_screenshot(str(SCREENSHOTS / "corpus-filtered.png"))
    browser.find_element(By.ID, "f-reset").click()
    assert _shown(browser) == (12, 12)

    first = records[0]
    _follow(browser, browser.find_element(By.CSS_SELECTOR, f"tr[data-id='{first.id}'] a"))
    assert browser.find_element(By.TAG_NAME, "h1").text == first.id
    browser.save_screenshot(str(SCREENSHOTS / "corpus-function.png"))
    _follow(browser, browser.find_element(By.CSS_SELECTOR, "a.trace-link"))
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.body.dataset.ready"))
    assert browser.find_elements(By.CSS_SELECTOR, "#monologue .sentence.linked")
    browser.save_screenshot(str(SCREENSHOTS / "corpus-trace.png"))
    _no_errors(browser)
    _only_the_site(_requests(browser), site)
