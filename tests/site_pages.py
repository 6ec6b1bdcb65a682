"""Reading the static sites' pages back in tests: every element with its attributes and its text.

    page = Page.read(site / "index.html")
    rows = page.select("tr", **{"data-function": None})     # every tr that has the attribute
    page.select("div", cls="l")[0].text

Parsed with the standard library's ``html.parser``: the sites write plain, well-formed HTML.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

VOID = frozenset({"meta", "link", "br", "img", "input", "hr", "col", "source", "wbr"})


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parts: list[str] = field(default_factory=list)
    children: list[Element] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def select(self, tag: str | None = None, *, cls: str | None = None, **attrs: str | None) -> list[Element]:
        """Descendants with the tag, the class and the attributes (None: the attribute is present)."""
        found = []
        for child in self.children:
            wanted = (tag is None or child.tag == tag) and (cls is None or cls in child.classes)
            for name, value in attrs.items():
                name = name.replace("_", "-")
                if name not in child.attrs or (value is not None and child.attrs[name] != value):
                    wanted = False
            if wanted:
                found.append(child)
            found.extend(child.select(tag, cls=cls, **attrs))
        return found


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        for element in self.stack:
            element.parts.append(data)


@dataclass
class Page:
    path: Path
    root: Element

    @classmethod
    def read(cls, path: Path) -> Page:
        parser = _Parser()
        parser.feed(path.read_text("utf-8"))
        parser.close()
        return cls(path, parser.root)

    def select(self, tag: str | None = None, *, cls: str | None = None, **attrs: str | None) -> list[Element]:
        return self.root.select(tag, cls=cls, **attrs)

    def link(self, href: str) -> Path:
        """The file a relative link of this page points to (the #fragment left out)."""
        return (self.path.parent / href.split("#", 1)[0]).resolve()


def viewer_data(path: Path) -> dict[str, Any]:
    """The JSON a trace viewer page embeds (the trace, its title and the linked monologue)."""
    page = Page.read(path)
    (script,) = page.select("script", id="trace-data")
    return json.loads(script.text)
