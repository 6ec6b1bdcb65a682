"""Write the HTML viewer's page for the bundled sample function, and print where it is.

    python examples/view_trace.py

It writes build/view_trace.html (or the path given as its argument). Open the page in a browser (it needs no server and no network): step with the arrow
keys, watch the current line, the frames and their values, and click a sentence of
the monologue to jump to its step. The same from the command line:

    pytrace-sem view examples/sample.py --call "f([1, 2, 3, 4], ', ')" -o trace.html
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytrace_sem

SAMPLE = Path(__file__).resolve().parent / "sample.py"
CALL = "f([1, 2, 3, 4], ', ')"


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else Path("build") / "view_trace.html"
    trace = pytrace_sem.trace_call(SAMPLE.read_text(encoding="utf-8"), CALL)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(trace.to_html(title="examples/sample.py"), encoding="utf-8")
    print(out.resolve())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
