"""Views of a Trace for people: the terminal view and the HTML viewer.

Renderers read :class:`pytrace_sem.trace.Trace` objects (or their JSON), never the
recorder. ``terminal`` draws the source with each step's changes beside it;
``html`` writes one self-contained page to step through a trace in a browser.
"""

from pytrace_sem.render.html import trace_page

__all__ = ["trace_page"]
