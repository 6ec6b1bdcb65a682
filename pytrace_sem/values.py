"""Safe, bounded, address-free JSON encoding of Python values.

A recorded value becomes a JSON object with at least ``type`` and ``repr``::

    >>> encode([1, 'a'])
    {'type': 'list', 'repr': "[1, 'a']", 'len': 2, 'items': [{'type': 'int', 'repr': '1'}, {'type': 'str', 'repr': "'a'"}]}

For built-in types ``repr`` is exactly Python's own repr, except that sets of
strings, bytes or plain objects list their items sorted, so that every process
(whatever its hash seed) writes the same trace. Containers carry their
length and items (``entries`` for dicts), other objects their attributes. A
value cut by a limit says ``"truncated": true``. Memory addresses never appear:
`` at 0x7f...`` is removed from every repr.

The encoder works on live values and on the snapshots the recorder takes
(``_runtime.snap``), so the same code serves ``trace()`` arguments and steps.
"""

from __future__ import annotations

import json as _json
import re
from typing import Any

from pytrace_sem import _runtime as _rt

__all__ = ["encode", "normalize_repr", "ValueLimits"]

ValueLimits = _rt.Limits

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_ADDRESS_ALONE = re.compile(r"0x[0-9a-fA-F]{6,}")

_BRACKETS = {
    "list": ("[", "]"),
    "tuple": ("(", ")"),
    "set": ("{", "}"),
    "frozenset": ("frozenset({", "})"),
}
_CYCLE_REPR = {"list": "[...]", "dict": "{...}", "tuple": "(...)", "set": "{...}", "frozenset": "frozenset({...})"}


def normalize_repr(text: str) -> str:
    """Remove memory addresses, so equal runs give equal text."""
    if "0x" not in text:
        return text
    text = _ADDRESS.sub("", text)
    return _ADDRESS_ALONE.sub("0x?", text)


def encode(value: Any, limits: _rt.Limits | None = None, encoder: "_Encoder | None" = None) -> dict:
    """Encode a live value (or a recorder snapshot) as a JSON-ready dict."""
    lim = limits or _rt._DEFAULT_LIMITS
    # type(), not isinstance(): isinstance falls back to reading the value's __class__,
    # which a class may compute with its own code.
    if type(value) not in _SNAPSHOTS:
        t = type(value)
        if t not in _rt._ATOMS_FROZEN:
            value = _snap_with(value, lim)
    return (encoder or _Encoder(lim)).enc(value, 0)


_SNAPSHOTS = frozenset({_rt._Seq, _rt._Map, _rt._Obj, _rt._Cycle, _rt._Deep})


def _snap_with(value, lim):
    # snap() reads limits from the active session; outside one, use ours.
    saved = _rt._DEFAULT_LIMITS
    _rt._DEFAULT_LIMITS = lim
    try:
        if _rt._session is not None:
            sess_lim = _rt._session.limits
            _rt._session.limits = lim
            try:
                return _rt.snap(value)
            finally:
                _rt._session.limits = sess_lim
        return _rt.snap(value)
    finally:
        _rt._DEFAULT_LIMITS = saved


_SEED_FREE_TYPES = frozenset({"int", "bool", "float", "complex", "NoneType"})


def _seed_free(e: dict) -> bool:
    """Whether a value's hash, and so its place in a set, is the same in every process."""
    t = e["type"]
    if t in _SEED_FREE_TYPES:
        return True
    if t == "tuple" or t == "frozenset":
        return "items" in e and all(map(_seed_free, e["items"]))
    return False


def _item_key(e: dict) -> tuple:
    # Objects shown alike (``<m.P object>``) are told apart by what they store.
    attrs = e.get("attrs")
    return (e["type"], e["repr"], _json.dumps(attrs, sort_keys=True) if attrs else "")


class _Encoder:
    __slots__ = ("lim", "atoms", "shown", "value")

    def __init__(self, lim: _rt.Limits) -> None:
        self.lim = lim
        # Equal ints and strs encode to equal dicts: share them (long traces repeat them a lot).
        self.atoms: dict = {}
        # Objects already encoded within the value being encoded (id -> value number): an
        # object met again (a linked list's next and prev) is written as a stub.
        self.shown: dict = {}
        self.value = 0

    def enc(self, v, depth: int) -> dict:
        if depth == 0:
            self.value += 1
        c = v.__class__
        if c is _rt._Seq:
            return self.seq(v.kind, v.items, v.length, v.cut, depth)
        if c is _rt._Map:
            return self.mapping(v.keys, v.values, v.length, v.cut, depth)
        if c is _rt._Obj:
            out: dict = {"type": v.cls, "repr": normalize_repr(v.repr)}
            if v.attrs and self.shown.get(id(v)) == self.value:
                out["shared"] = True  # its attributes are shown where it first appears
                return out
            self.shown[id(v)] = self.value
            if v.attrs:
                out["attrs"] = {k: self.enc(a, depth + 1) for k, a in v.attrs.items()}
            if len(v.repr) >= self.lim.max_string:
                out["truncated"] = True
            return out
        if c is _rt._Cycle:
            return {"type": v.kind, "repr": _CYCLE_REPR[v.kind], "cycle": True}
        if c is _rt._Deep:
            return {"type": v.cls, "repr": normalize_repr(v.repr), "truncated": True}
        if c is tuple or c is frozenset:
            kind = "tuple" if c is tuple else "frozenset"
            items = list(v)
            cut = len(items) > self.lim.max_items
            if cut:
                items = items[: self.lim.max_items]
            return self.seq(kind, items, len(v), cut, depth)
        if c is int or c is str or c is bool or v is None:
            key = (c, v)
            got = self.atoms.get(key)
            if got is None:
                got = self.atoms[key] = self.atom(v, c)
            return got
        return self.atom(v, c)

    def atom(self, v, c) -> dict:
        if c is int:
            # Past Python's default digit limit the repr is not made even when the limit is
            # off: converting a huge int to decimal costs time quadratic in its size.
            if v.bit_length() <= _rt.INT_REPR_BITS:
                try:
                    return {"type": "int", "repr": repr(v)}
                except ValueError:  # more digits than sys.get_int_max_str_digits() allows
                    pass
            return {"type": "int", "repr": f"<int with {v.bit_length()} bits>", "truncated": True}
        name = c.__name__ if c.__module__ == "builtins" else f"{c.__module__}.{c.__qualname__}"
        if c is str or c is bytes:
            # A string may hold an object's repr (str(func)): its address goes too.
            if len(v) > self.lim.max_string:
                return {"type": name, "repr": normalize_repr(repr(v[: self.lim.max_string])), "len": len(v),
                        "truncated": True}
            return {"type": name, "repr": normalize_repr(repr(v))}
        if c is bool or c is float or v is None:
            return {"type": name, "repr": repr(v)}
        text, _ = _rt.safe_repr(v, self.lim.max_string, self.lim.user_repr)
        out = {"type": name, "repr": normalize_repr(text)}
        if len(text) >= self.lim.max_string:
            out["truncated"] = True
        return out

    def seq(self, kind, items, length, cut, depth) -> dict:
        atoms = self.atoms
        enc = []
        for e in items:
            c = type(e)
            if c is int or c is str or c is bool or e is None:
                got = atoms.get((c, e))
                if got is None:
                    got = atoms[(c, e)] = self.atom(e, c)
            else:
                got = self.enc(e, depth + 1)
            enc.append(got)
        if (kind == "set" or kind == "frozenset") and not all(map(_seed_free, enc)):
            # Iteration order follows hashes that change with PYTHONHASHSEED (str,
            # bytes) or with addresses (plain objects): sort so every run agrees.
            enc.sort(key=_item_key)
        reprs = [e["repr"] for e in enc]
        if cut:
            reprs.append("...")
        if kind == "tuple":
            body = ", ".join(reprs)
            text = f"({body},)" if length == 1 and not cut else f"({body})"
        elif kind == "set" and length == 0:
            text = "set()"
        elif kind == "frozenset" and length == 0:
            text = "frozenset()"
        else:
            left, right = _BRACKETS[kind]
            text = left + ", ".join(reprs) + right
        out: dict = {"type": kind, "repr": text, "len": length, "items": enc}
        if cut or any(e.get("truncated") for e in enc):
            out["truncated"] = True
        return out

    def mapping(self, keys, values, length, cut, depth) -> dict:
        ks = [self.enc(k, depth + 1) for k in keys]
        vs = [self.enc(v, depth + 1) for v in values]
        parts = [f"{k['repr']}: {v['repr']}" for k, v in zip(ks, vs)]
        if cut:
            parts.append("...")
        out: dict = {
            "type": "dict",
            "repr": "{" + ", ".join(parts) + "}",
            "len": length,
            "entries": [[k, v] for k, v in zip(ks, vs)],
        }
        if cut or any(e.get("truncated") for e in ks) or any(e.get("truncated") for e in vs):
            out["truncated"] = True
        return out
