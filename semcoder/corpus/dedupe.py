"""Drop near-identical functions: a normalised source hash, then a token-level near-duplicate check.

Normalising parses the code, drops docstrings and comments, and renames every
identifier that is not a builtin to ``v0``, ``v1``, ... in order of first
appearance, so two functions that differ only in names, layout or comments hash
the same. The near-duplicate check compares sets of token 5-grams of the
normalised code by Jaccard similarity; MinHash with banding (LSH) finds the
candidates, so a large corpus is not compared pair by pair.

    seen = Deduplicator(threshold=0.85)
    for item in items:
        verdict = seen.add(item.id, item.code)
        if verdict is not None:
            print(item.id, verdict.reason, "of", verdict.of)      # "duplicate" / "near_duplicate"

The first function of a group stays; the later ones are dropped.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import io
import tokenize
import warnings
import zlib
from dataclasses import dataclass
from typing import Iterable

__all__ = ["Duplicate", "Deduplicator", "normalize", "source_hash", "code_tokens", "shingles", "jaccard"]

_BUILTINS = frozenset(dir(builtins)) | {"self", "cls"}
_MASK = (1 << 64) - 1
_SKIP_TOKENS = {tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT, tokenize.ENDMARKER, tokenize.ENCODING}


@dataclass(frozen=True, slots=True)
class Duplicate:
    """Why a function was dropped: ``reason`` is ``duplicate`` or ``near_duplicate``; ``of`` the kept key."""

    reason: str
    of: str
    similarity: float


class _Renamer(ast.NodeTransformer):
    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def _new(self, name: str) -> str:
        if name in _BUILTINS:
            return name
        got = self.names.get(name)
        if got is None:
            got = self.names[name] = f"v{len(self.names)}"
        return got

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = self._new(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = self._new(node.arg)
        node.annotation = None
        return node

    def _visit_def(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> ast.AST:
        node.name = self._new(node.name)
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
        if not isinstance(node, ast.ClassDef):
            node.returns = None
        self.generic_visit(node)
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _visit_def

    def visit_Global(self, node: ast.Global) -> ast.AST:
        node.names = [self._new(n) for n in node.names]
        return node

    visit_Nonlocal = visit_Global  # type: ignore[assignment]


def normalize(code: str, entry: str | None = None) -> str:
    """The code with docstrings, comments, annotations and layout removed and identifiers renamed.

    With ``entry``, a last line names the entry point's new name, so one module
    source with two entry points gives two different texts.

    >>> normalize("def add(a, b):\\n    '''Sum.'''\\n    return a + b  # plus\\n")
    'def v0(v1, v2):\\n    return v1 + v2'
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes in user code only warn
            tree = ast.parse(code)
    except (SyntaxError, ValueError):
        text = " ".join(code.split())
        return text if entry is None else f"{text}\n# entry {entry}"
    renamer = _Renamer()
    text = ast.unparse(renamer.visit(tree))
    return text if entry is None else f"{text}\n# entry {renamer.names.get(entry, entry)}"


def source_hash(code: str, entry: str | None = None) -> str:
    """A hex digest of :func:`normalize`'s output: equal for functions that differ only in names and layout."""
    return hashlib.sha256(normalize(code, entry).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def code_tokens(code: str) -> list[str]:
    """Python tokens of ``code`` (comments and line breaks left out); whitespace-split on a tokenizer error."""
    out: list[str] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type in _SKIP_TOKENS:
                continue
            if tok.type == tokenize.INDENT:
                out.append("<indent>")
            elif tok.type == tokenize.DEDENT:
                out.append("<dedent>")
            elif tok.string:
                out.append(tok.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return code.split()
    return out


def _mix(x: int) -> int:
    # splitmix64's finaliser: spreads a 32-bit hash over 64 well-mixed bits.
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def _gram(tokens: list[str]) -> int:
    return _mix(zlib.crc32("\x1f".join(tokens).encode("utf-8", "surrogatepass")))


def shingles(tokens: list[str], n: int = 5) -> frozenset[int]:
    """The set of token n-grams of ``tokens``, each as a stable 64-bit hash (the whole run when shorter)."""
    if not tokens:
        return frozenset()
    if len(tokens) <= n:
        return frozenset({_gram(tokens)})
    return frozenset(_gram(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    """|a & b| / |a | b| (1.0 for two empty sets)."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


class Deduplicator:
    """Remembers kept functions and says whether a new one duplicates one of them.

    ``threshold`` is the Jaccard similarity of token 5-gram sets at or above which
    two functions count as near-duplicates; ``bands`` x ``rows`` MinHash values
    decide which pairs are compared at all (with 16 x 4, a pair at similarity 0.85
    is compared with probability above 0.999).
    """

    def __init__(self, threshold: float = 0.85, *, n: int = 5, bands: int = 16, rows: int = 4) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        self.threshold = threshold
        self.n = n
        self.bands = bands
        self.rows = rows
        self._hashes: dict[str, str] = {}
        self._sets: dict[str, frozenset[int]] = {}
        self._buckets: dict[tuple[int, tuple[int, ...]], list[str]] = {}

    def _signature(self, items: frozenset[int]) -> list[int]:
        # One-permutation MinHash: each hash falls in one of k bins and only the
        # bin's minimum is kept (one pass instead of k); an empty bin borrows the
        # next filled one's value, so equal sets still give equal signatures.
        k = self.bands * self.rows
        empty = -1
        signature = [empty] * k
        for h in items:
            b = h % k
            v = h // k
            if signature[b] == empty or v < signature[b]:
                signature[b] = v
        if all(v == empty for v in signature):
            return [0] * k
        for b in range(k):
            step = 0
            while signature[(b + step) % k] == empty:
                step += 1
            if step:
                signature[b] = signature[(b + step) % k] + (step << 64)
        return signature

    def add(self, key: str, code: str, entry: str | None = None) -> Duplicate | None:
        """Check ``code`` (entry point ``entry``) against everything kept; keep it under ``key`` when new."""
        normalized = normalize(code, entry)
        digest = hashlib.sha256(normalized.encode("utf-8", "surrogatepass")).hexdigest()
        earlier = self._hashes.get(digest)
        if earlier is not None:
            return Duplicate("duplicate", earlier, 1.0)
        grams = shingles(code_tokens(normalized), self.n)
        signature = self._signature(grams)
        bands = [(b, tuple(signature[b * self.rows:(b + 1) * self.rows])) for b in range(self.bands)]
        candidates: dict[str, None] = {}
        for band in bands:
            for other in self._buckets.get(band, ()):
                candidates[other] = None
        best: Duplicate | None = None
        for other in candidates:
            similarity = jaccard(grams, self._sets[other])
            if similarity >= self.threshold and (best is None or similarity > best.similarity):
                best = Duplicate("near_duplicate", other, similarity)
        if best is not None:
            return best
        self._hashes[digest] = key
        self._sets[key] = grams
        for band in bands:
            self._buckets.setdefault(band, []).append(key)
        return None

    def extend(self, triples: Iterable[tuple[str, str, str | None]]) -> dict[str, Duplicate]:
        """:meth:`add` every ``(key, code, entry)``; the dropped keys with their verdicts."""
        dropped: dict[str, Duplicate] = {}
        for key, code, entry in triples:
            verdict = self.add(key, code, entry)
            if verdict is not None:
                dropped[key] = verdict
        return dropped
