"""Drop functions that overlap the evaluation sets, by token n-gram overlap.

The evaluation sets are files given as paths (CRUXEval JSONL, HumanEval(+) and
MBPP(+) JSONL or ``.jsonl.gz``, folders of ``.py`` files: anything
:func:`semcoder.corpus.sources.open_source` reads). Every function's code is
normalised (docstrings, comments and layout dropped, identifiers renamed in order
of appearance, see :mod:`semcoder.corpus.dedupe`) and cut into token n-grams; a
candidate is contaminated when at least ``threshold`` of its own n-grams occur in
some evaluation function. Renaming first means a copy with new names is caught too.
A short candidate (fewer than ``min_grams`` n-grams, a line or two of code) must
overlap entirely: after renaming, two-line functions share most n-grams by chance.

    guard = Decontaminator(["tests/data/cruxeval-dev", "tests/data/humaneval/HumanEval.jsonl.gz"])
    hit = guard.check(code)
    if hit is not None:
        print(f"overlaps {hit.eval_set} ({hit.overlap:.0%} of its 10-grams)")
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from semcoder.corpus.dedupe import code_tokens, normalize, shingles
from semcoder.errors import CorpusError

__all__ = ["Contamination", "Decontaminator", "DEFAULT_NGRAM", "DEFAULT_THRESHOLD", "DEFAULT_MIN_GRAMS"]

#: Token n-gram length (after normalisation).
DEFAULT_NGRAM = 10

#: Fraction of a candidate's n-grams that must occur in an evaluation set to drop it.
DEFAULT_THRESHOLD = 0.5

#: Candidates with fewer n-grams than this are dropped only when all of them occur.
DEFAULT_MIN_GRAMS = 10


@dataclass(frozen=True, slots=True)
class Contamination:
    """Why a function was dropped: which evaluation set it overlaps and by how much."""

    eval_set: str
    overlap: float

    def to_json(self) -> dict[str, Any]:
        return {"eval_set": self.eval_set, "overlap": round(self.overlap, 4)}


class Decontaminator:
    """An n-gram index of evaluation functions that candidates are checked against.

    ``paths`` are evaluation files or folders; ``n`` the n-gram length in tokens;
    ``threshold`` the overlap fraction at or above which a candidate is dropped
    (1.0 for candidates with fewer than ``min_grams`` n-grams).
    """

    def __init__(self, paths: Sequence[str | Path], *, n: int = DEFAULT_NGRAM,
                 threshold: float = DEFAULT_THRESHOLD, min_grams: int = DEFAULT_MIN_GRAMS) -> None:
        from semcoder.corpus.sources import open_source

        if n < 1:
            raise CorpusError(f"the n-gram length must be at least 1, got {n}")
        if not 0.0 < threshold <= 1.0:
            raise CorpusError(f"the contamination threshold must be in (0, 1], got {threshold}")
        self.n = n
        self.threshold = threshold
        self.min_grams = min_grams
        self.eval_sets: list[dict[str, Any]] = []
        self._index: dict[int, int] = {}
        for path in paths:
            if not Path(path).exists():
                raise CorpusError(f"evaluation set {path} does not exist; give a file or folder of evaluation functions")
            source = open_source(str(path))
            number = len(self.eval_sets)
            count = 0
            for item in source.items():
                if not item.code.strip():
                    continue
                count += 1
                for gram in self._grams(item.code):
                    self._index.setdefault(gram, number)
            if count == 0:
                raise CorpusError(f"evaluation set {path} holds no functions")
            self.eval_sets.append({"path": str(path), "name": source.name, "functions": count})

    def _grams(self, code: str) -> frozenset[int]:
        return shingles(code_tokens(normalize(code)), self.n)

    def check(self, code: str) -> Contamination | None:
        """The overlap of ``code`` with the evaluation sets when it reaches the threshold, else None."""
        grams = self._grams(code)
        if not grams:
            return None
        hits: dict[int, int] = {}
        for gram in grams:
            where = self._index.get(gram)
            if where is not None:
                hits[where] = hits.get(where, 0) + 1
        if not hits:
            return None
        overlap = sum(hits.values()) / len(grams)
        if overlap < (self.threshold if len(grams) >= self.min_grams else 1.0):
            return None
        top = max(sorted(hits), key=lambda k: hits[k])
        return Contamination(self.eval_sets[top]["name"], overlap)

    def describe(self) -> dict[str, Any]:
        """For the manifest: the evaluation sets, the n-gram length and the threshold."""
        return {"eval_sets": list(self.eval_sets), "ngram": self.n, "threshold": self.threshold,
                "min_grams": self.min_grams}
