"""How fast the HTML viewer opens a long trace: load-to-interactive time in headless Chromium.

Traces a loop of 25,000 iterations (50,000 steps: --steps), writes its page with the
forward monologue, and opens it from disk --repeat times in a fresh tab. Prints the
page's size, the time to build it in Python, and the median over the runs of:

* load to interactive: from navigation start until the viewer has drawn step 0 and
  listens to keys (``document.body.dataset.ready``, set by viewer.js);
* the first End key: the jump to the last step, which replays the whole trace once
  (taking the checkpoints on the way), measured inside the page including layout;
* a step forward, a step back, and a jump to the middle after that.

Needs Debian's chromium and chromium-driver (/usr/bin) and selenium. From the
repository root:

    python benchmarks/viewer_load.py
    python benchmarks/viewer_load.py --steps 100000 --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parent.parent
LOOP = "def f(n):\n    total = 0\n    for i in range(n):\n        total += i\n    return total\n"

# Runs a key press the way the page's own listener gets it, and forces layout, so the time
# covers the redraw the user waits for.
TIME_KEY = """
var t0 = performance.now();
window.dispatchEvent(new KeyboardEvent('keydown', {key: arguments[0], bubbles: true}));
document.body.offsetHeight;
return performance.now() - t0;
"""
TIME_GO = """
var t0 = performance.now();
window.pytraceViewer.go(arguments[0]);
document.body.offsetHeight;
return performance.now() - t0;
"""


def _browser() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,800", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=50_000, help="steps in the trace (default 50000)")
    parser.add_argument("--repeat", type=int, default=5, help="page loads to take the median of (default 5)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "viewer-bench" / "trace.html",
                        help="where to write the page")
    args = parser.parse_args(argv)
    for path in ("/usr/bin/chromium", "/usr/bin/chromedriver"):
        if not Path(path).exists():
            print(f"viewer_load: {path} is missing: apt-get install chromium chromium-driver", file=sys.stderr)
            return 1

    import pytrace_sem
    from pytrace_sem.render.html import trace_page
    from selenium.webdriver.support.ui import WebDriverWait

    t = pytrace_sem.trace_call(LOOP, f"f({args.steps // 2 + 1})", max_steps=args.steps, max_size=10**10)
    started = time.perf_counter()
    page = trace_page(t)
    build_s = time.perf_counter() - started
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(page, encoding="utf-8")
    size = args.out.stat().st_size
    print(f"{len(t.steps)} steps; page {size / 1e6:.1f} MB ({size} bytes), built in {build_s * 1000:.0f} ms "
          f"(trace_page, with the forward monologue): {args.out}")

    runs: dict[str, list[float]] = {"load to interactive": [], "first End (replays every step)": [],
                                    "step back": [], "step forward": [], "jump to the middle": []}
    driver = _browser()
    try:
        for _ in range(args.repeat):
            driver.get("about:blank")
            driver.get(args.out.as_uri())
            ready = WebDriverWait(driver, 120).until(
                lambda d: d.execute_script("return document.body.dataset.ready"))
            runs["load to interactive"].append(float(ready))
            runs["first End (replays every step)"].append(driver.execute_script(TIME_KEY, "End"))
            runs["step back"].append(driver.execute_script(TIME_KEY, "ArrowLeft"))
            runs["step forward"].append(driver.execute_script(TIME_KEY, "ArrowRight"))
            runs["jump to the middle"].append(driver.execute_script(TIME_GO, len(t.steps) // 2))
            shown = driver.execute_script("return document.body.dataset.step")
            assert shown == str(len(t.steps) // 2), shown
        version = driver.capabilities.get("browserVersion", "?")
    finally:
        driver.quit()

    print(f"headless Chromium {version}, median of {args.repeat} loads:")
    for name, values in runs.items():
        print(f"  {name:32} {statistics.median(values):8.1f} ms   (min {min(values):.1f}, max {max(values):.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
