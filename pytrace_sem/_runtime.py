"""What instrumented code calls while it runs.

Standard library only: this module is the hot path (``_speedups.c``, an optional C
accelerator, takes over its fast paths where it builds; see the end of this module and
docs/performance.md). The rewriter (``rewrite.py``) turns every statement of a
traced function into the original statement plus a call into this module, e.g. ``x = f(y)`` becomes ``x = f(y); R.s(ST, x)`` where
``ST`` is a constant tuple ``(kind, line, names, may_mutate)``.

Recording is cheap on purpose: a step appends one tuple to a log. Immutable
values are logged by reference; mutable ones are copied into a *snapshot*
(``_Seq``, ``_Map``, ``_Obj``) at the moment of the step, so a later mutation
cannot rewrite history. Turning snapshots into JSON, and dropping "changes" that
did not change anything, happens once at the end (``values.py``, ``api.py``).

Frames are kept on an explicit stack rather than in locals of the traced code,
so ``locals()`` and ``dir()`` of traced functions see nothing of ours. Generator
and coroutine frames can be suspended and resumed out of order, so their calls
(the ``g*`` functions) find their record by frame identity instead.
"""

from __future__ import annotations

import gc as _gc
import os as _os
import reprlib as _reprlib
import signal as _signal
import sys
import threading as _threading
import types
from itertools import islice as _islice
from operator import is_ as _is
from threading import get_ident as _get_ident

from pytrace_sem import _reprs
from pytrace_sem._reprs import INT_REPR_BITS
from pytrace_sem.limits import DEFAULT_LIMITS

# Step kinds. The rewriter writes these numbers into the constant tuples.
K_LINE = 0
K_BRANCH = 1
K_ITER = 2
K_DEL = 3
K_EXCEPT = 4
K_CASE = 5
K_WALRUS = 6
K_RETURN = 7
K_COMP = 8
K_YIELD = 9
K_RESUME = 10
K_CALL = 11
K_RAISE = 12
K_DEF = 13
K_WITH = 14
# Iterations of a list/set/dict comprehension: they run in the comprehension's
# own scope, reported one level deeper than the function that contains it.
K_LISTCOMP = 15
K_SETCOMP = 16
K_DICTCOMP = 17
COMP_NAMES = {K_LISTCOMP: "<listcomp>", K_SETCOMP: "<setcomp>", K_DICTCOMP: "<dictcomp>"}
# Kinds whose short log entry (serial, st, x) carries a payload x, not a bound value.
PAYLOAD_KINDS = frozenset({K_BRANCH, K_RETURN})

# The ``may_mutate`` item of a step constant: 0 (runs no code that can change a
# value it does not bind), 1 (may: calls, stores into objects), this (an
# augmented assignment to a plain name: it may mutate that name's old value in
# place, and nothing else), or a tuple of names nested functions rebind.
MUT_AUG = 2

KIND_NAMES = {
    K_LINE: "line",
    K_BRANCH: "branch",
    K_ITER: "iteration",
    K_DEL: "line",
    K_EXCEPT: "except",
    K_CASE: "branch",
    K_WALRUS: "line",
    K_RETURN: "return",
    K_COMP: "comprehension",
    K_YIELD: "yield",
    K_RESUME: "resume",
    K_CALL: "call",
    K_RAISE: "raise",
    K_DEF: "line",
    K_WITH: "line",
    K_LISTCOMP: "iteration",
    K_SETCOMP: "iteration",
    K_DICTCOMP: "iteration",
}

# Values of these types cannot change after creation and their repr does not
# depend on mutable state, so a reference is as good as a copy.
_ATOMS: set[type] = {
    int, float, complex, str, bytes, bool, type(None), range, slice,
    type(Ellipsis), type(NotImplemented), type,
    types.FunctionType, types.BuiltinFunctionType, types.MethodType,
    types.ModuleType, types.CodeType, types.GeneratorType, types.CoroutineType,
    types.AsyncGeneratorType, types.BuiltinMethodType, types.MethodWrapperType,
    types.WrapperDescriptorType, types.MethodDescriptorType,
    type(iter([])), type(iter(())), type(iter("")), type(iter(range(0))),
    type(iter({})), type(iter(set())), type(iter(b"")), type(reversed([])),
    type(iter({}.values())), type(iter({}.items())),
    map, filter, zip, enumerate, reversed,
}
_ATOMS_FROZEN = frozenset(_ATOMS)

# -- the session --------------------------------------------------------------

# Module globals rather than attributes: they are read on every step.
_session: "Session | None" = None
_top: "_Frame | None" = None      # current frame while recording, else None
# The session's step log: a list of entry tuples (the C accelerator replaces
# it by its Log, the same sequence without a tuple object per entry).
_new_log = list
_log: list = _new_log()
_max_steps = 0
_thread = 0


class _Frame:
    """One call of an instrumented function during a session."""

    __slots__ = ("info", "depth", "muts", "objs", "serial")

    def __init__(self, info: tuple, depth: int, serial: int) -> None:
        self.info = info          # (qualname, line, argnames, flags)
        self.depth = depth
        self.muts: dict = {}      # name -> (live object, snapshot) for mutable values
        self.objs = 0             # how many tracked values are arbitrary objects
        self.serial = serial


class Limits:
    """Bounds on one trace, and its snapshot policy. Plain attributes; validated by the public API.

    ``user_repr``: False (the default) never calls the traced program's own code
    to show a value (see ``_reprs``); True calls a user class's ``__repr__``
    (guarded: whatever it raises is recorded as a failed repr), for runs inside
    the sandbox where a richer text is worth it.
    """

    __slots__ = ("max_steps", "max_items", "max_depth", "max_string", "user_repr")

    def __init__(self, max_steps: int = DEFAULT_LIMITS["max_steps"], max_items: int = DEFAULT_LIMITS["max_items"],
                 max_depth: int = DEFAULT_LIMITS["max_depth"], max_string: int = DEFAULT_LIMITS["max_string"],
                 user_repr: bool = False) -> None:
        self.max_steps = max_steps
        self.max_items = max_items
        self.max_depth = max_depth
        self.max_string = max_string
        self.user_repr = user_repr


class Session:
    """The state of one trace being recorded."""

    # Slots: the recorder reads some of these at every call and return.
    __slots__ = ("limits", "log", "stack", "gens", "frames", "recording", "stopped_at",
                 "roots", "root_result", "thread", "on_root_exit", "root", "root_gen", "quiet", "keep")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.log = _new_log()
        self.stack: list[_Frame] = []
        self.gens: dict[int, _Frame] = {}
        # Every frame entered, in order: a frame's serial number (log entries
        # name frames by it) is its index plus one.
        self.frames: list[_Frame] = []
        self.recording = True
        self.stopped_at: tuple | None = None    # (reason, steps, line)
        self.roots = 0
        self.root_result: tuple | None = None   # ("return", snap) or ("raise", exc)
        self.thread = _get_ident()
        self.on_root_exit = None                 # callable(session) or None
        self.root: _Frame | None = None          # the first frame entered
        self.root_gen = 0                        # id of the root's frame when it is a generator
        self.quiet = 0                           # calls inside the root while nothing records
        self.keep = None                         # callable(info): record this nested call? (None: all)

    def frame(self, serial: int) -> "_Frame":
        """The frame that a log entry names by its serial number."""
        return self.frames[serial - 1]


# Autostarted sessions whose root generator is suspended while unrelated code
# runs, by the id of that generator's frame; its next resume re-attaches them.
_parked: dict[int, Session] = {}


def take_parked() -> list[Session]:
    """Remove and return the parked sessions (their root generators never resumed)."""
    out = list(_parked.values())
    _parked.clear()
    return out


def begin(limits: Limits) -> Session:
    """Start a session; the next instrumented call becomes its root (depth 0)."""
    global _session, _log, _max_steps, _thread
    global _full_items
    sess = Session(limits)
    _full_items = 0
    _gc_relax()
    _session = sess
    _log = sess.log
    _max_steps = limits.max_steps
    _thread = sess.thread
    _set_top(None)
    _sync_session()
    return sess


def end() -> Session | None:
    """Stop recording and return the session that was active, if any."""
    global _session, _log
    sess = _session
    _session = None
    _set_top(None)
    _log = _new_log()
    _sync_session()
    _gc_restore()
    return sess


# While a session records, the cyclic GC runs less often. Recording allocates
# many small objects that all stay alive (log entries, snapshots, frame
# records), so each collection finds nothing and only costs time: with the
# default first threshold (700) it took a third of the recording time of
# recursive or container-heavy code. Only the timing of collections changes;
# the thresholds are put back when the session ends (unless the traced code
# set its own meanwhile).
_GC_FIRST = 50_000
_gc_saved: tuple | None = None


def _sync_session() -> None:
    """Tell the C accelerator the new ``_session``, ``_log``, ``_max_steps`` and ``_thread`` (see the end)."""


def _gc_relax() -> None:
    global _gc_saved
    if _gc_saved is not None:
        return
    now = _gc.get_threshold()
    if 0 < now[0] < _GC_FIRST:
        _gc_saved = now
        _gc.set_threshold(_GC_FIRST, *now[1:])


def _gc_restore() -> None:
    global _gc_saved
    saved = _gc_saved
    if saved is None:
        return
    _gc_saved = None
    if _gc.get_threshold() == (_GC_FIRST, *saved[1:]):
        _gc.set_threshold(*saved)


def _stop(sess: Session, reason: str, line: int) -> None:
    sess.recording = False
    sess.stopped_at = (reason, len(sess.log), line)
    _set_top(None)


# An optional callback that may start a session when an instrumented function
# is entered with none active (the decorator and the pytest plugin use it).
_autostart = None


def set_autostart(callback) -> None:
    global _autostart
    _autostart = callback


# -- snapshots ----------------------------------------------------------------


class _Seq:
    """A copy of a list, tuple, set or frozenset, taken at one step.

    A container longer than ``max_items`` keeps its first items only (``cut``)
    and a token of its whole content (``fp``), so a change beyond the kept part
    is still seen as a change: a hash of the content, or, for a list or dict that
    a frame tracks, a version (an object that later snapshots share while the
    content stays the same) and, while it is the tracked snapshot, a shallow copy
    of the whole (``full``) to compare the live value against.
    """

    __slots__ = ("kind", "items", "length", "flat", "cut", "fp", "full")

    def __init__(self, kind, items, length, flat, cut, fp=None, full=None):
        self.kind = kind
        self.items = items
        self.length = length
        self.flat = flat
        self.cut = cut
        self.fp = fp
        self.full = full


class _Map:
    """A copy of a dict, taken at one step (cut like ``_Seq``)."""

    __slots__ = ("keys", "values", "length", "flat", "cut", "fp", "full")

    def __init__(self, keys, values, length, flat, cut, fp=None, full=None):
        self.keys = keys
        self.values = values
        self.length = length
        self.flat = flat
        self.cut = cut
        self.fp = fp
        self.full = full


def _fingerprint(value, flat=True):
    """A hash of a long container's whole content, or None; runs none of the program's code.

    ``flat`` (items are atoms): the items' own hashes, which are built in. Otherwise
    (or when an atom is unhashable, a slice before 3.12) the hash of the content's
    repr when the whole content is plain, else of a digest that shows objects by
    their type and stored attributes (``_digest``).
    """
    if len(value) > SAMPLE_ABOVE:
        return _sampled_fingerprint(value, flat)
    if flat:
        try:
            return _hash_content(value)
        except Exception:  # noqa: BLE001 - unhashable atoms
            pass
    try:
        if _reprs.is_plain(value):
            return hash(repr(value))
        return hash(_digest(value, 0, set()))
    except Exception:  # noqa: BLE001 - e.g. an int past the digit limit, recursion
        return None


#: Containers longer than this are fingerprinted from a sample, so that a step costs
#: the same whatever the data's size: the length, SAMPLE items at evenly spaced
#: positions (a dict's or set's first ones) and the last SAMPLE. A change beyond the
#: kept head that touches none of those goes unseen (docs/trace-format.md, Limits).
SAMPLE_ABOVE = 1_000_000
SAMPLE = 1000


def _sampled_fingerprint(value, flat):
    n = len(value)
    t = type(value)
    if t is dict:
        pairs = tuple(_islice(value.items(), SAMPLE)) + tuple(_islice(reversed(value.items()), SAMPLE))
        items = tuple(x for pair in pairs for x in pair)
    elif t is list or t is tuple:
        items = tuple(value[:: max(1, n // SAMPLE)]) + tuple(value[-SAMPLE:])
    else:  # a set keeps no positions: its first items in iteration order
        items = tuple(_islice(value, SAMPLE))
    try:
        if flat:
            return hash((n, items, tuple(map(type, items))))
        return hash((n, tuple([_digest(x, 1, set()) for x in items])))
    except Exception:  # noqa: BLE001 - unhashable atoms (slices before 3.12)
        return hash((n, tuple(map(_reprs.type_name, map(type, items)))))


def _digest(value, depth, path):
    """A hashable picture of a container's content, without calling any of its methods.

    Nested built-in containers are walked (a list changed in place beyond the cut
    must show); other objects count by type and identity, as their default repr
    did. At most _DIGEST_NODES containers are opened, each once.
    """
    budget = [_DIGEST_NODES]

    def walk(v, depth):
        t = type(v)
        if t in _ATOMS_FROZEN:
            return _reprs.builtin_repr(v, 1 << 30) if t is not int else (t, v)
        if t is not list and t is not tuple and t is not set and t is not frozenset and t is not dict:
            return (t, id(v))
        if depth > _DIGEST_DEPTH or id(v) in path or budget[0] <= 0:
            return (t, id(v), len(v))
        budget[0] -= 1
        path.add(id(v))
        try:
            if t is dict:
                return (t, tuple([(walk(k, depth + 1), walk(x, depth + 1)) for k, x in v.items()]))
            return (t, tuple([walk(x, depth + 1) for x in v]))
        finally:
            path.discard(id(v))

    return walk(value, depth)


_DIGEST_NODES = 10_000
_DIGEST_DEPTH = 16


def _hash_content(value):
    # Items' types go in too: equal values of different types (1, True, 1.0; 'a',
    # b'a' share a hash) have different reprs.
    if type(value) is dict:
        return hash((tuple(value.items()), tuple(map(type, value)), tuple(map(type, value.values()))))
    if type(value) in (set, frozenset):
        return hash(frozenset(zip(map(type, value), value)))
    items = tuple(value)
    return hash((items, tuple(map(type, items))))


class _Obj:
    """Any other object: its class, its repr at the time, and its attributes."""

    __slots__ = ("cls", "repr", "attrs", "error")

    def __init__(self, cls, rep, attrs, error):
        self.cls = cls
        self.repr = rep
        self.attrs = attrs
        self.error = error


class _Cycle:
    """A container met again while copying itself (repr shows ``[...]``)."""

    __slots__ = ("kind",)

    def __init__(self, kind):
        self.kind = kind


class _Deep:
    """A value below the depth limit: only its type and a bounded repr are kept."""

    __slots__ = ("cls", "repr")

    def __init__(self, cls, rep):
        self.cls = cls
        self.repr = rep


_SEQ_KINDS = {list: "list", tuple: "tuple", set: "set", frozenset: "frozenset"}


#: Seconds a user-defined ``__repr__``/``__str__`` may run before it is given up on
#: (main thread only: the guard uses SIGALRM). Elsewhere, run traces in the sandbox.
REPR_TIMEOUT = 2.0


class _ReprTimeout(BaseException):
    pass


def _on_alarm(signum, frame):
    raise _ReprTimeout


_MAIN_THREAD = _threading.main_thread().ident


def _call_guarded(fn, value):
    """``fn(value)`` for user code that might never return, bounded by REPR_TIMEOUT."""
    if _get_ident() != _MAIN_THREAD or not hasattr(_signal, "setitimer"):
        return fn(value)
    try:
        old_handler = _signal.signal(_signal.SIGALRM, _on_alarm)
    except (ValueError, OSError):  # not the main interpreter, or signals unavailable
        return fn(value)
    old_delay, old_interval = _signal.setitimer(_signal.ITIMER_REAL, REPR_TIMEOUT)
    try:
        return fn(value)
    finally:
        _signal.setitimer(_signal.ITIMER_REAL, 0)
        _signal.signal(_signal.SIGALRM, old_handler)
        if old_delay > 0:
            # Give back the user's own alarm (less the time spent here, at most).
            _signal.setitimer(_signal.ITIMER_REAL, max(old_delay - REPR_TIMEOUT, 0.001), old_interval)


def _call_guarded_repr(value):
    return _call_guarded(repr, value)


def _call_guarded_str(value):
    return _call_guarded(str, value)


# Types whose repr runs no user code: no need for the alarm guard.
_PLAIN_REPR = frozenset({int, float, complex, str, bytes, bool, type(None), range, slice, type})


# While the recorder itself runs user code (a __repr__, a __hash__ ...), that code
# must not be recorded: it would recurse into the recorder and write steps that
# the traced program never took. _busy counts such sections.
_busy = 0


def _set_top(fr) -> None:
    """Make ``fr`` the recording frame (None: nothing records here).

    Every change of ``_top`` goes through this function (or, on the two hot
    paths of the pure recorder, ``e`` and ``_leave``, assigns it and then calls
    ``_mirror_top`` when it is set), and every change of ``_busy`` through
    ``_set_busy``: the C accelerator keeps copies of both (see the end of the
    module), so that its hot paths need no dict lookup.
    """
    global _top
    _top = fr


_mirror_top = None  # the accelerator's set_top, when it is in use


def _set_busy(n: int) -> None:
    global _busy
    _busy = n


def _quiet(fn, value):
    """Call user code from inside the recorder, with recording switched off."""
    saved = _top
    _set_top(None)
    _set_busy(_busy + 1)
    try:
        return fn(value)
    finally:
        _set_busy(_busy - 1)
        _set_top(saved)


# Below the depth limit a container is kept as text only. Its full repr would
# cost time in the size of everything it holds (a module's globals, a parsed
# config), at every step: a few items of a few levels say enough.
class _ShallowRepr(_reprlib.Repr):
    def repr_dict(self, x, level):
        # reprlib sorts keys; a dict's repr shows them in insertion order.
        if not x:
            return "{}"
        if level <= 0:
            return "{...}"
        parts = []
        for i, (k, v) in enumerate(x.items()):
            if i >= self.maxdict:
                parts.append("...")
                break
            parts.append(f"{self.repr1(k, level - 1)}: {self.repr1(v, level - 1)}")
        return "{" + ", ".join(parts) + "}"


_SHALLOW = _ShallowRepr()
_SHALLOW.maxlevel = 3
_SHALLOW.maxdict = _SHALLOW.maxlist = _SHALLOW.maxtuple = _SHALLOW.maxset = _SHALLOW.maxfrozenset = 10
_SHALLOW.maxdeque = _SHALLOW.maxarray = 10
_SHALLOW.maxstring = _SHALLOW.maxother = _SHALLOW.maxlong = 200


class _BuiltinShallowRepr(_ShallowRepr):
    """The same, calling no program code: only exact built-in types are opened."""

    _OPEN = frozenset({list, tuple, set, frozenset, dict, str, bytes, int})

    def repr1(self, x, level):
        if type(x) in self._OPEN:
            return super().repr1(x, level)
        return _reprs.builtin_repr(x, self.maxother)


_BUILTIN_SHALLOW = _BuiltinShallowRepr()
for _name in ("maxlevel", "maxdict", "maxlist", "maxtuple", "maxset", "maxfrozenset", "maxdeque", "maxarray",
              "maxstring", "maxother", "maxlong"):
    setattr(_BUILTIN_SHALLOW, _name, getattr(_SHALLOW, _name))


def _shallow(value):
    return _call_guarded(_SHALLOW.repr, value)


def shallow_repr(value, limit: int, user: bool = False) -> str:
    """A bounded repr of a container: its first items, a few levels deep (``reprlib``).

    ``user``: the snapshot policy may call user ``__repr__`` methods inside it.
    """
    if not user:
        return _BUILTIN_SHALLOW.repr(value)[:limit]
    try:
        text = _quiet(_shallow, value)
    except BaseException as exc:  # noqa: BLE001 - a __repr__ inside failed or hung: contained
        return f"<{type(value).__name__} object (repr raised {type(exc).__name__})>"
    return text[:limit] if type(text) is str else f"<{type(value).__name__} object>"


def safe_repr(value, limit: int = 10_000, user: bool = False) -> tuple[str, str | None]:
    """``(text, error)``: the value's repr under the snapshot policy, and why it failed (or None).

    ``user`` false (the default policy): :func:`_reprs.builtin_repr`, which runs no
    program code. ``user`` true: ``repr(value)``, or a placeholder when ``__repr__``
    raises anything at all (BaseException included: contained, never propagated),
    returns something else than a str, or does not return.
    """
    if not user or type(value) in _PLAIN_REPR:
        return _reprs.builtin_repr(value, limit), None
    try:
        text = _quiet(_call_guarded_repr, value)
    except _ReprTimeout:
        return f"<{type(value).__name__} object (repr did not return within {REPR_TIMEOUT:g} s)>", "Timeout"
    except BaseException as exc:  # noqa: BLE001 - any failure of user code, contained
        name = type(value).__name__
        return f"<{name} object (repr raised {type(exc).__name__})>", type(exc).__name__
    if type(text) is not str:
        return f"<{type(value).__name__} object (repr returned {type(text).__name__})>", "TypeError"
    if len(text) > limit:
        text = text[:limit]
    return text, None


#: Containers and objects copied into one snapshot. A wide object graph (attrs'
#: class builder holds a class, its module, a config ...) would otherwise cost
#: time exponential in max_depth at every step that looks at it.
SNAP_BUDGET = 1000
_OVER_BUDGET = "..."
_budget = 0


_UNKNOWN = object()


def snap(value, depth: int = 0, _path: tuple = (), _fp=_UNKNOWN, track=False):
    """A snapshot of ``value`` that later mutation cannot change.

    ``_fp``: the fingerprint of ``value`` if the caller has just computed it.
    ``track``: the snapshot becomes a frame's tracked one (``_Frame.muts``): a
    long list or dict of immutable values then gets a version and a shallow copy
    of its whole content instead of a hash of it (see ``_versioned``).
    """
    global _budget, _shared, _object_budget
    t = type(value)
    if t in _ATOMS_FROZEN:
        return value
    if depth == 0:
        _budget = SNAP_BUDGET
        _object_budget = OBJECT_BUDGET
        _shared = {}
    elif _budget <= 0 and depth > 1:  # the value's own items and attributes are always kept
        kind = _SEQ_KINDS.get(t) or ("dict" if t is dict else _reprs.type_name(t))
        return _Deep(kind, _OVER_BUDGET)
    _budget -= 1
    lim = _session.limits if _session is not None else _DEFAULT_LIMITS
    kind = _SEQ_KINDS.get(t)
    if kind is not None:
        if t is tuple or t is frozenset:
            # Immutable containers of immutable atoms are their own snapshot.
            if all(type(e) in _ATOMS_FROZEN for e in value):
                return value
        vid = id(value)
        if vid in _path:
            return _Cycle(kind)
        if depth >= lim.max_depth:
            return _Deep(kind, shallow_repr(value, lim.max_string, lim.user_repr))
        n = len(value)
        # Tuples: once they are found to hold only atoms, the cyclic GC stops
        # scanning them (a long trace holds very many snapshots).
        if n > lim.max_items:
            items = tuple(value[:lim.max_items]) if t is list or t is tuple else tuple(_islice(value, lim.max_items))
            cut = True
        else:
            items = tuple(value)
            cut = False
        flat = _ATOMS_FROZEN.issuperset(map(type, items))
        if cut and flat and track and t is list:
            version = _versioned(value, value)
            if version is not None:
                return _Seq(kind, items, n, True, True, version, value.copy())
        if not flat:
            path = _path + (vid,)
            items = [snap(e, depth + 1, path) for e in items]
        if cut and _fp is _UNKNOWN:
            _fp = _fingerprint(value, flat)
        return _Seq(kind, items, n, flat, cut, _fp if cut else None)
    if t is dict:
        vid = id(value)
        if vid in _path:
            return _Cycle("dict")
        if depth >= lim.max_depth:
            return _Deep("dict", shallow_repr(value, lim.max_string, lim.user_repr))
        n = len(value)
        if n > lim.max_items:
            keys = tuple(_islice(value, lim.max_items))
            vals = tuple(_islice(value.values(), lim.max_items))
            cut = True
        else:
            keys = tuple(value)
            vals = tuple(value.values())
            cut = False
        flat = _ATOMS_FROZEN.issuperset(map(type, vals)) and _ATOMS_FROZEN.issuperset(map(type, keys))
        if cut and flat and track:
            version = _versioned(value, value.values())
            if version is not None:
                return _Map(keys, vals, n, True, True, version, value.copy())
        if not flat:
            path = _path + (vid,)
            keys = [snap(k, depth + 1, path) for k in keys]
            vals = [snap(v, depth + 1, path) for v in vals]
        if cut and _fp is _UNKNOWN:
            _fp = _fingerprint(value, flat)
        return _Map(keys, vals, n, flat, cut, _fp if cut else None)
    return _snap_object(value, t, depth, _path, lim)


# id -> snapshot of the objects the current snapshot has copied so far (reset by each
# top-level snap(), during which they are all alive, so no id is reused): an object
# reached again by another way (a doubly linked list's next and prev) is shared, not
# copied again, so a snapshot costs its distinct objects, not its paths. Only ids
# are kept: holding the objects would keep them alive past their time.
_shared: dict = {}


def _snap_object(value, t, depth, path, lim):
    global _object_budget
    made = _shared.get(id(value))
    if made is None:
        if _object_budget <= 0 and depth > 1:  # the value's own attributes are always kept
            return _Deep(_reprs.type_name(t), _OVER_BUDGET)
        _object_budget -= 1
        made = _shared[id(value)] = _snap_object_new(value, t, depth, path, lim)
    return made


#: Objects (not containers) copied into one snapshot: an object graph (a linked list
#: in slots, a tree of nodes) costs at most this many copies per step.
OBJECT_BUDGET = 100
_object_budget = 0


def _snap_object_new(value, t, depth, path, lim):
    rep, error = safe_repr(value, lim.max_string, lim.user_repr)
    attrs = None
    if depth < lim.max_depth:
        # What the object stores, read through the built-in descriptors only: no
        # property, __getattr__ or overridden __dict__ of its class runs.
        d = _reprs.stored_attrs(value)
        if d:
            vid = id(value)
            if vid in path:
                attrs = None
            else:
                attrs = {}
                p = path + (vid,)
                for i, (k, v) in enumerate(d.items()):
                    if i >= lim.max_items:
                        break
                    attrs[k] = snap(v, depth + 1, p)
    return _Obj(_reprs.type_name(t), rep, attrs, error)


def same(live, s) -> bool:
    """True when ``live`` certainly still looks exactly like snapshot ``s``."""
    if s is live:
        # Only immutable values are stored as themselves.
        return True
    c = s.__class__
    if c is _Seq:
        if _SEQ_KINDS.get(type(live)) != s.kind or len(live) != s.length:
            return False
        if s.cut:
            return _same_cut(live, s, s.items)
        if s.flat:
            return all(map(_is, live, s.items))
        return all(map(same, live, s.items))
    if c is _Map:
        if type(live) is not dict or len(live) != s.length:
            return False
        if s.cut:
            return _same_cut(live, s, s.values)
        if s.flat:
            return all(map(_is, live, s.keys)) and all(map(_is, live.values(), s.values))
        return all(map(same, live, s.keys)) and all(map(same, live.values(), s.values))
    if c is _Obj:
        lim = _session.limits if _session is not None else _DEFAULT_LIMITS
        # A repr that once failed to return is not asked again (attributes still count).
        if s.error != "Timeout" and safe_repr(live, lim.max_string, lim.user_repr)[0] != s.repr:
            return False
        d = _reprs.stored_attrs(live)
        if s.attrs is None:
            return not d
        if d is None or len(d) != len(s.attrs):
            return False
        for k, v in s.attrs.items():
            if k not in d or not same(d[k], v):
                return False
        return True
    if c is _Deep and s.repr is _OVER_BUDGET:
        return True  # beyond the snapshot budget: changes there are not tracked
    if c is _Cycle or c is _Deep:
        return False
    # A tuple/frozenset stored as itself was compared by identity above; an equal
    # but distinct one may still differ in repr (1 vs True), so call it changed.
    return False


_DEFAULT_LIMITS = Limits()


def _same_cut(live, s, kept) -> bool:
    # A long container: unchanged when its kept head is identical and the
    # fingerprint of the whole still matches.
    if not s.flat or s.fp is None:
        return False
    version = s.fp
    if version.__class__ is _Version:
        # The shallow copy holds the head too.
        full = s.full
        return full is not None and type(live) is type(full) and _same_content(live, full)
    global _changed_fp
    # map() stops at the end of the kept head (the live container is longer).
    if s.__class__ is _Seq:
        if not all(map(_is, live, kept)):
            return False
    elif not (all(map(_is, live, s.keys)) and all(map(_is, live.values(), kept))):
        return False  # a dict's shown head changed
    fp = _fingerprint(live)
    if fp == s.fp:
        return True
    _changed_fp = (live, fp)
    return False


def _versioned(value, values):
    """A new version for a long list or dict a frame tracks, or None to hash it instead.

    Comparing items by identity finds every change a hash of them would, as long
    as every item is hashable (so not a list, dict or set that could change in
    place: those are found by the hash of the repr). A budget bounds the items
    that shallow copies hold at once (deep recursion over a long list).
    """
    global _full_items
    n = len(value)
    if _full_items + n > FULL_BUDGET:
        return None
    try:
        _quiet(_hash_all, values)
    except Exception:  # noqa: BLE001 - unhashable items, or a hostile __hash__
        return None
    _full_items += n
    return _Version()


def _hash_all(values):
    return hash(tuple(values))


#: How many items the shallow copies of tracked long containers may hold in all.
FULL_BUDGET = 1_000_000
_full_items = 0


class _Version:
    """The content token of a long tracked list or dict: shared by its snapshots while unchanged."""

    __slots__ = ()


def _same_content(live, full) -> bool:
    """Whether a list or dict looks exactly like ``full``, its earlier shallow copy.

    ``==`` is fast and rejects almost every change; equal items may still differ
    in repr (``1``, ``True``, ``1.0``; ``0.0``, ``-0.0``), so equality is
    confirmed by identity, and items equal but not identical by type and repr.
    """
    if SPEEDUPS and len(live) == len(full) and _same_ids(live, full):
        return True  # the same objects in the same order (checked in C: no == needed)
    try:
        if not _quiet(_equal, (live, full)):
            return False
    except Exception:  # noqa: BLE001 - a hostile __eq__ of an item
        return False
    if type(live) is dict:
        if all(map(_is, live, full)) and all(map(_is, live.values(), full.values())):
            return True
        return _same_atoms(live, full) and _same_atoms(live.values(), full.values())
    return all(map(_is, live, full)) or _same_atoms(live, full)


def _equal(pair):
    return pair[0] == pair[1]


def _same_atoms(live, full) -> bool:
    # Order matters (a dict's repr follows insertion order); non-identical items
    # must be atoms of one type with one repr.
    for a, b in zip(live, full):
        if a is not b and not _same_atom(a, b):
            return False
    return True


def _same_atom(a, b) -> bool:
    """Whether two distinct values are atoms of one type with one repr."""
    t = type(a)
    if t is not type(b) or t not in _ATOMS_FROZEN:
        return False
    if t in _EQ_IS_REPR:
        return a == b
    return safe_repr(a)[0] == safe_repr(b)[0]  # atoms: the default policy runs no program code  # -0.0, range(0) and range(5, 5), bound methods ...


# Atoms whose equal values of one type have one repr.
_EQ_IS_REPR = frozenset({int, str, bytes, bool})


def _release(sn) -> None:
    """Drop a snapshot's shallow copy once it is no longer a frame's tracked one."""
    global _full_items
    if (sn.__class__ is _Seq or sn.__class__ is _Map) and sn.full is not None:
        _full_items = max(0, _full_items - len(sn.full))
        sn.full = None


# (container, fingerprint) when the last _same_cut saw a change there: the
# snapshot that _mutations takes next reuses it instead of hashing all again.
_changed_fp = None


def _is_obj(s) -> bool:
    return s.__class__ is _Obj


# -- the step log ---------------------------------------------------------------
#
# Each log entry is a tuple (serial, st, snaps, extra, payload):
#   serial   the serial number of the frame (``Session.frame`` finds it): an int,
#            so that the cyclic GC can stop scanning entries of immutable values
#   st       the constant tuple the rewriter wrote: (kind, line, names, may_mutate)
#   snaps    snapshots of the values of ``names`` after the step (or None)
#   extra    name, snapshot, name, snapshot... (flat, a list or tuple) for the
#            tracked values that mutated, or None
#   payload  kind-specific: branch outcome, returned/yielded value, exception
# The C accelerator logs a line (K_LINE) that binds no name and changed one
# tracked value as (serial, st, None, name, snapshot): the name alone in the
# extra slot, its snapshot in the payload slot that lines do not use.


def _track(fr: _Frame, names, vals, snaps) -> None:
    muts = fr.muts
    for name, v, sn in zip(names, vals, snaps):
        if sn is v:
            if muts and name in muts:
                old = muts.pop(name)[1]
                if old.__class__ is _Obj:
                    fr.objs -= 1
                else:
                    _release(old)
        else:
            old = muts.get(name)
            if old is not None:
                old = old[1]
                if old.__class__ is _Obj:
                    fr.objs -= 1
                elif old.__class__ is sn.__class__ and old.full is not None:
                    # Bound again to the same long content: the same version.
                    if sn.fp.__class__ is _Version and same(v, old):
                        sn.fp = old.fp
                    _release(old)
            muts[name] = (v, sn)
            if sn.__class__ is _Obj:
                fr.objs += 1


def _mutations(fr: _Frame, skip, patched=None) -> list | None:
    """``[name, new snapshot, name, new snapshot, ...]`` for the tracked values
    that changed, in tracking order (None when none did).

    ``patched``: (name, snapshot) for a value whose new snapshot is already
    known (``_stored``); the snapshot is the tracked one when nothing changed.
    """
    global _changed_fp
    extra = None
    muts = fr.muts
    for name, (obj, sn) in muts.items():
        if name in skip:
            continue
        if patched is not None and name == patched[0]:
            new = patched[1]
            if new is not sn:
                _release(sn)
                muts[name] = (obj, new)
                if extra is None:
                    extra = []
                extra += (name, new)
            continue
        _changed_fp = None
        if not same(obj, sn):
            seen = _changed_fp
            _changed_fp = None  # holds a live value: let it go at once
            new = snap(obj, 0, (), seen[1], True) if seen is not None and seen[0] is obj else snap(obj, track=True)
            _release(sn)
            muts[name] = (obj, new)
            if extra is None:
                extra = []
            extra += (name, new)
    return extra


# -- item stores into long containers ----------------------------------------------
#
# ``a[i] = v`` (or ``a[i] += v``) into a local name, in a statement that calls
# nothing, is rewritten as ``a[R.k(i)] = v; R.s(ST)`` with the name as the step's
# ``may_mutate`` item (a str); ``a.append(x)`` and ``a.pop()`` likewise carry
# ``'a'``, followed by ``'append'`` or ``'pop'`` as a fifth item. When the name
# holds a long list or dict tracked by a shallow copy (``_Version``), the step
# patches that copy at the stored keys (or its end) and confirms the rest
# cheaply (``_confirmed``), instead of comparing, hashing and copying the whole
# container. Anything unexpected takes the general path.

# (frame, [keys]): the keys item stores of the recording frame used since its
# last such step. Keys left by a store that raised are harmless: each key is
# checked, patching an unchanged item changes nothing, and a dict's new keys
# are read from the dict itself.
_key = None
_MAX_KEYS = 8
# Item types a patched long container may take in: its items stay hashable
# atoms, so identity keeps standing for content.
_KEY_ATOMS = _ATOMS_FROZEN - {slice}
_LONG = (_Seq, _Map)


def k(key):
    """An item store's key, passed through on its way to the store (``a[R.k(i)] = v``)."""
    global _key
    if _get_ident() == _thread:
        pending = _key
        if pending is None or pending[0] is not _top:
            _key = (_top, [key])
        elif pending[1] is not None:
            if len(pending[1]) < _MAX_KEYS:
                pending[1].append(key)
            else:
                _key = (_top, None)  # too many to patch: the next step compares in full
    return key


def _stored(fr, st, obj, sn):
    """The mutations of a step that stored into ``obj``, the long container named ``st[3]``.

    ``st[3:]`` is ``('a',)`` for item stores (their keys come from ``k``), or
    ``('a', 'append')``/``('a', 'pop')`` for those calls: on a list they only
    add or remove its last item.
    """
    global _key
    if len(st) > 4:
        new = _patched_end(obj, sn, st[4])
    else:
        pending = _key
        _key = None
        if pending is None or pending[0] is not fr or pending[1] is None:
            return _mutations(fr, st[2])
        new = _patched(obj, sn, pending[1])
    if new is None:
        return _mutations(fr, st[2])
    return _mutations(fr, st[2], (st[3], new))


def _patched_end(live, sn, method):
    """``_patched`` for ``live.append(x)`` or ``live.pop()``."""
    global _full_items
    full = sn.full
    if type(live) is not list:
        return None
    n = len(live)
    if method == "append":
        if n != sn.length + 1 or type(live[-1]) not in _KEY_ATOMS or _full_items >= FULL_BUDGET:
            return None
        full.append(live[-1])
        _full_items += 1
    else:
        if n != sn.length - 1 or n <= len(sn.items):  # (still longer than the part shown)
            return None
        full.pop()
        _full_items -= 1
    return _confirmed(live, sn, _Seq(sn.kind, sn.items, n, True, True, _Version(), full), full)


def _confirmed(live, sn, new, full):
    """``new`` if ``live`` now equals the patched copy ``full``, else a fresh snapshot.

    The step may not have been the only change: code that ran between steps
    (an operator method of the user's, a context manager's ``__exit__``, a
    generator finishing a ``for`` loop) may have changed the container too.
    One ``==`` of the whole, and identity of the shown items, confirm it.
    """
    if SPEEDUPS and len(live) == len(full) and _same_ids(live, full) and (
            new.__class__ is not _Seq or _same_ids(live, new.items)):
        same_now = None  # the same objects throughout: nothing more to check
    else:
        try:
            same_now = _quiet(_equal, (live, full))
        except Exception:  # noqa: BLE001 - a hostile __eq__ of an item
            same_now = False
    # ``==`` takes 1 for True: the shown items of a list must be the very same
    # objects, or atoms of one type with one repr (what a patch keeps in place
    # of an equal item). A dict is checked whole, key order and identity included.
    if same_now is None:
        same_now = True
    elif same_now:
        if new.__class__ is _Seq:
            same_now = all(map(_is, live, new.items)) or _same_atoms(live, new.items)
        else:
            same_now = _same_content(live, full)
    if new is not sn:
        sn.full = None  # the copy belongs to the new snapshot now
    if not same_now:
        _release(new)
        new = snap(live, track=True)
    return new


def _patched(live, sn, keys):
    """The snapshot of a long list or dict after item stores at ``keys``, or None.

    Returns ``sn`` itself when nothing changed. The shallow copy moves to the
    new snapshot (patched in place); None (before anything is patched) means
    the general comparison must decide. ``sn`` has a copy (``full``), so its
    content token is a ``_Version``.
    """
    full = sn.full
    if type(live) is not type(full):
        return None
    n = len(live)
    if type(live) is list:
        if n != sn.length:
            return None
        for i in keys:
            if type(i) is not int or not -n <= i < n or type(live[i]) not in _KEY_ATOMS:
                return None
        items = sn.items
        changed = False
        for i in keys:
            x = live[i]
            old = full[i]
            if x is old or _same_atom(x, old):
                continue
            changed = True
            full[i] = x
            if i < 0:
                i += n
            if i < len(items):
                items = items[:i] + (x,) + items[i + 1:]
        new = _Seq(sn.kind, items, n, True, True, _Version(), full) if changed else sn
    else:
        if n < sn.length or n > sn.length + len(keys):
            return None
        for key in keys:
            if type(key) not in _KEY_ATOMS or key not in live or type(live[key]) not in _KEY_ATOMS:
                return None
        ks, vals = sn.keys, sn.values
        changed = False
        for key in keys:
            if key not in full:
                continue  # a new key: taken from the live dict below
            x = live[key]
            old = full[key]
            if x is old or _same_atom(x, old):
                continue
            try:
                p = ks.index(key)
            except ValueError:
                p = -1
            if p >= 0:
                vals = vals[:p] + (x,) + vals[p + 1:]
            changed = True
            full[key] = x  # (the copy keeps its own key object, as the live dict does)
        if n > sn.length:
            # New keys go at the end, in the order stored: the live dict's own key
            # objects (a key stored as 1.0 may have been looked up as True).
            for key in list(_islice(reversed(live), n - sn.length))[::-1]:
                if key in full or type(live[key]) not in _KEY_ATOMS:
                    return None
                full[key] = live[key]
            changed = True
        global _full_items
        _full_items += len(full) - sn.length
        new = _Map(ks, vals, n, True, True, _Version(), full) if changed else sn
    return _confirmed(live, sn, new, full)


def _rebound(fr, names, skip, extra):
    """Add the current values of variables that nested functions rebind (``nonlocal``).

    They are read from the instrumented frame (it called a recorder function,
    which called ``_record``, which called this); the step builder drops the
    ones that did not change.
    """
    loc = sys._getframe(3).f_locals
    for name in names:
        if name in skip or name not in loc:
            continue
        if extra is None:
            extra = []
        elif name in extra[::2]:
            continue
        v = loc[name]
        sn = v if type(v) in _ATOMS_FROZEN else snap(v, track=True)
        _track(fr, (name,), (v,), (sn,))  # watched from now on, under its new value
        extra += (name, sn)
    return extra


def _snaps(vals):
    for v in vals:
        if type(v) not in _ATOMS_FROZEN:
            return tuple([v if type(v) in _ATOMS_FROZEN else snap(v, track=True) for v in vals])
    return vals


def s(st, *vals):
    """A statement ran; ``vals`` are the current values of ``st[2]``."""
    fr = _top
    if fr is None or _get_ident() != _thread:
        return
    muts = fr.muts
    if st[3].__class__ is not tuple and (
            not muts or (not st[3] and not fr.objs and muts.keys().isdisjoint(st[2]))):
        # The common case: no tracked mutable value can have changed (none is
        # tracked, or the statement runs no code and none is an object), none
        # is rebound here, and no nested function rebinds names of this frame:
        # immutable values are logged as they are.
        for v in vals:
            if type(v) not in _ATOMS_FROZEN:
                break
        else:
            log = _log
            log.append((fr.serial, st, vals, None, None))
            if len(log) >= _max_steps:
                _stop(_session, "max_steps", st[1])
            return
    _record(fr, st, vals, None)


def s1(st, value):
    """``s`` for a statement that binds one name: the most common case, kept lean.

    Log entries come in two shapes: (serial, st, snaps, extra, payload), and this
    short one, (serial, st, value), for an immutable value with nothing to check.
    """
    fr = _top
    if fr is None or _get_ident() != _thread:
        return
    muts = fr.muts
    # (MUT_AUG: the name is untracked, so its old value was immutable and the
    # in-place operator could not mutate anything.)
    if type(value) in _ATOMS_FROZEN and st[3].__class__ is not tuple and (
            not muts or ((not st[3] or st[3] == MUT_AUG) and not fr.objs and st[2][0] not in muts)):
        log = _log
        log.append((fr.serial, st, value))
        if len(log) >= _max_steps:
            _stop(_session, "max_steps", st[1])
        return
    _record(fr, st, (value,), None)


def _record(fr, st, vals, payload):
    global _key
    if vals:
        snaps = _snaps(vals)
        if fr.muts or snaps is not vals:
            _track(fr, st[2], vals, snaps)
    else:
        snaps = None
        if st[0] == K_DEL and fr.muts:
            for name in st[2]:
                old = fr.muts.pop(name, None)
                if old is not None:
                    if old[1].__class__ is _Obj:
                        fr.objs -= 1
                    else:
                        _release(old[1])
    if st[3].__class__ is str:
        # A store into the container named st[3]: patched when it is a long list
        # or dict with a copy (keys left behind otherwise are harmless).
        ent = fr.muts.get(st[3])
        if ent is not None and ent[1].__class__ in _LONG and ent[1].full is not None and not fr.objs:
            extra = _stored(fr, st, ent[0], ent[1])
        else:
            if len(st) == 4:
                _key = None  # this step's keys, unused
            extra = _mutations(fr, st[2]) if fr.muts else None
    else:
        extra = _mutations(fr, st[2]) if (st[3] or fr.objs) and fr.muts else None
    if st[3].__class__ is tuple:
        extra = _rebound(fr, st[3], st[2], extra)
    log = _log
    log.append((fr.serial, st, snaps, extra, payload))
    if len(log) >= _max_steps:
        _stop(_session, "max_steps", st[1])


def ci(st, *vals):
    """A comprehension bound its loop variables; always true (it is a filter)."""
    fr = _top
    if fr is not None and _get_ident() == _thread:
        _record(fr, st, vals, None)
    return True


def b(st, test):
    """A branch condition; returns its truth value (evaluated exactly once)."""
    outcome = True if test else False
    fr = _top
    if fr is not None and _get_ident() == _thread:
        if st[3].__class__ is not tuple and (not fr.muts or not (st[3] or fr.objs)):
            log = _log
            log.append((fr.serial, st, outcome))  # short entry: the third item is the outcome
            if len(log) >= _max_steps:
                _stop(_session, "max_steps", st[1])
        else:
            _record(fr, st, (), outcome)
    return outcome


def w(st, value):
    """A walrus bound ``st[2][0]`` to ``value``; returns the value."""
    fr = _top
    if fr is not None and _get_ident() == _thread:
        _record(fr, st, (value,), None)
    return value


def v(st, value):
    """A comprehension produced ``value``; returns it."""
    fr = _top
    if fr is not None and _get_ident() == _thread:
        _record(fr, st, (), snap(value))
    return value


def r(st, value):
    """A return statement is about to return ``value``; returns it."""
    fr = _top
    if fr is not None and _get_ident() == _thread:
        if type(value) in _ATOMS_FROZEN and st[3].__class__ is not tuple and (
                not fr.muts or not (st[3] or fr.objs)):
            _log.append((fr.serial, st, value))  # short entry: the third item is the returned value
        else:
            _record(fr, st, (), snap(value))
    elif _session is not None and _session.stopped_at is not None:
        _root_outcome(_session, "return", value)
    return value


def _root_outcome(sess, kind, value):
    # Recording stopped, but the root's outcome still belongs in the trace, and
    # a caller of a @traced function has no other way to see it.
    if len(sess.stack) == 1 and not sess.quiet and _get_ident() == sess.thread:
        sess.root_result = (kind, snap(value) if kind == "return" else value)


def c(st, *vals):
    """An exception handler caught the exception being handled."""
    fr = _top
    if fr is not None and _get_ident() == _thread:
        _record(fr, st, vals, _exc_info())
    return None


def _exc_info():
    exc = sys.exc_info()[1]
    if exc is None:
        return None
    lim = _session.limits if _session is not None else _DEFAULT_LIMITS
    msg, _ = safe_repr_str(exc, lim.user_repr)
    return (_reprs.type_qualname(type(exc)), msg)


def safe_repr_str(exc, user: bool = False) -> tuple[str, str | None]:
    """``(str(exc), error)`` under the snapshot policy, guarded like :func:`safe_repr`.

    The default policy calls ``str`` only where it runs no program code, and
    otherwise builds the message from the exception's arguments.
    """
    if not user:
        return _reprs.exception_message(exc) if issubclass(type(exc), BaseException) else safe_repr(exc)[0], None
    try:
        text = _quiet(_call_guarded_str, exc)
    except _ReprTimeout:
        return f"<str() did not return within {REPR_TIMEOUT:g} s>", "Timeout"
    except BaseException as err:  # noqa: BLE001 - contained, whatever it is
        return f"<str() raised {type(err).__name__}>", type(err).__name__
    if type(text) is not str:
        return f"<str() returned {type(text).__name__}>", "TypeError"
    return text, None


def e(info, *args):
    """An instrumented function was entered with these argument values."""
    global _top
    sess = _session
    if _top is not None and sess.keep is None and not _busy and _get_ident() == _thread:
        # The common case: a call made while a frame records (so the session
        # records, nothing is quiet and the stack is not empty), all kept.
        stack = sess.stack
        serial = len(sess.frames) + 1
        fr = _Frame(info, len(stack), serial)
        sess.frames.append(fr)
        stack.append(fr)
        _top = fr
        if _mirror_top is not None:
            _mirror_top(fr)
        st = _call_st.get(info)
        if st is None:
            st = _call_st[info] = (K_CALL, info[1], info[2], 0)
        for v in args:
            if type(v) not in _ATOMS_FROZEN:
                _record(fr, st, args, None)
                return
        log = _log
        log.append((serial, st, args or None, None, None))
        if len(log) >= _max_steps:
            _stop(sess, "max_steps", st[1])
        return
    if _busy:
        return
    if sess is not None and (not sess.recording or sess.quiet) and sess.stack and _get_ident() == sess.thread:
        # Nothing records: only the root's exit matters, so a nested call is
        # counted (its l() uncounts it) instead of getting a frame record.
        sess.quiet += 1
        return
    if sess is not None and sess.root_gen and not sess.stack:
        sess = _park(sess, sys._getframe(1))
    if sess is None:
        if _autostart is None:
            return
        sess = _autostart(info)
        if sess is None:
            return
    if _get_ident() != sess.thread:
        return
    if sess.keep is not None and sess.stack and not sess.keep(info):
        # A call the session leaves out, with everything it calls (the pytest
        # plugin keeps the root's own code only): recording pauses until it returns.
        sess.quiet += 1
        _set_top(None)
        return
    _enter(sess, info, args)


def _enter(sess, info, args):
    stack = sess.stack
    if not stack:
        sess.roots += 1
    fr = _Frame(info, _depth(sess, stack), len(sess.frames) + 1)
    sess.frames.append(fr)
    if sess.root is None:
        sess.root = fr
    stack.append(fr)
    if sess.recording:
        _set_top(fr)
        st = _call_st.get(info)
        if st is None:
            st = _call_st[info] = (K_CALL, info[1], info[2], 0)
        _record(fr, st, args, None)
    return fr


_call_st: dict = {}


def _depth(sess, stack):
    # With an empty stack after the root was entered, a call runs on behalf of
    # the root generator while it is suspended in ``yield from`` or ``await``.
    return len(stack) if stack or sess.root is None else 1


def _park(sess, frame):
    """The session to use for a call made while its root generator is suspended.

    A call made from inside that generator (``yield from``/``await`` delegating)
    belongs to it; any other call is unrelated, so the session is set aside
    until the generator resumes and the call may start a session of its own.
    """
    if sess.on_root_exit is None or sess.thread != _get_ident():
        return sess
    target = sess.root_gen
    f = frame.f_back
    while f is not None:
        if id(f) == target:
            return sess
        f = f.f_back
    _parked[target] = sess
    end()
    return None


def _unpark(fid):
    """Re-attach the parked session of the generator whose frame id is ``fid``."""
    global _session, _log, _max_steps, _thread
    sess = _parked.get(fid)
    if sess is None or _session is not None or sess.thread != _get_ident():
        return None, None
    del _parked[fid]
    _session = sess
    _log = sess.log
    _max_steps = sess.limits.max_steps
    _thread = sess.thread
    _set_top(None)
    _sync_session()
    return sess, sess.gens.get(fid)


def x():
    """An exception is leaving the current function (called from its handler)."""
    sess = _session
    if _busy or sess is None or _get_ident() != sess.thread or not sess.stack or sess.quiet:
        return
    _raise(sess, sess.stack[-1], sys._getframe(1))


def _raise(sess, fr, frame):
    exc = sys.exc_info()[1]
    if exc is None or issubclass(type(exc), GeneratorExit):
        return
    if _top is fr:
        # The line that raised, as seen from this function's own frame.
        tb = exc.__traceback__
        line = fr.info[1]
        while tb is not None:
            if tb.tb_frame is frame:
                line = tb.tb_lineno
                break
            tb = tb.tb_next
        _record(fr, (K_RAISE, line, (), 1), (), _exc_info())
    elif sess.stopped_at is not None:
        _root_outcome(sess, "raise", _exc_info())


def l():  # noqa: E743 - short on purpose: it is called at every function exit
    """The current function is leaving (called from its ``finally``)."""
    if _top is not None and not _busy and _get_ident() == _thread:
        # The common case: the recording frame leaves (``_top`` is the stack's
        # last frame while anything records, so nothing is quiet).
        _leave(_session)
        return
    sess = _session
    if _busy or sess is None or _get_ident() != sess.thread or not sess.stack:
        return
    if sess.quiet:
        sess.quiet -= 1
        if not sess.quiet and sess.recording:
            _set_top(sess.stack[-1])  # back from a call left out
        return
    _leave(sess)


def _leave(sess, fr=None):
    global _top
    stack = sess.stack
    if fr is None:
        fr = stack.pop()
    else:
        if stack and stack[-1] is fr:
            stack.pop()
        elif stack or fr is not sess.root:
            return
    if sess.recording:
        _top = stack[-1] if stack else None
        if _mirror_top is not None:
            _mirror_top(_top)
    muts = fr.muts
    if muts:
        for _, sn in muts.values():
            _release(sn)
        # The frame records no more steps: its live values are let go now, as
        # the function's own frame lets them go (so they are freed, and their
        # finalizers run, when they would be without tracing; not when the
        # session ends).
        fr.objs = 0
        muts.clear()
    # Only the root's exit ends the session: a generator the root delegates to
    # may leave while the root is suspended (and the stack is empty).
    if not stack and fr is sess.root and sess.on_root_exit is not None:
        sess.on_root_exit(sess)


# -- generators and coroutines ---------------------------------------------------
#
# Their frames outlive a single push/pop, so each call finds its record through
# the identity of the caller's frame object (only its id is kept: never the frame).


def ge(info, *args):
    """A generator or coroutine body started running."""
    sess = _session
    if _busy:
        return
    if sess is not None and sess.stack and _get_ident() == sess.thread and (
            sess.quiet or _silent(sess) or (sess.keep is not None and not sess.keep(info))):
        return  # nested where nothing records, or left out: no record needed
    if sess is not None and sess.root_gen and not sess.stack:
        sess = _park(sess, sys._getframe(1))
    if sess is None:
        if _autostart is None:
            return
        sess = _autostart(info)
        if sess is None:
            return
    if _get_ident() != sess.thread:
        return
    fr = _enter(sess, info, args)
    fid = id(sys._getframe(1))
    sess.gens[fid] = fr
    if fr is sess.root:
        sess.root_gen = fid


def _silent(sess):
    """A session that never records (a call the pytest plugin sampled out)."""
    return not sess.recording and sess.stopped_at is None


def _no_generators(sess):
    # In a silent session only a generator root has a record (see ge).
    return sess is not None and not sess.root_gen and not sess.recording and sess.stopped_at is None


def _gframe():
    sess = _session
    if _busy or sess is None or _get_ident() != sess.thread:
        return None, None
    return sess, sess.gens.get(id(sys._getframe(2)))


def gs1(st, value):
    if _top is None:  # no session, or one that does not record
        return
    sess, fr = _gframe()
    if fr is not None and sess.recording:
        _record(fr, st, (value,), None)


def gs(st, *vals):
    if _top is None:  # no session, or one that does not record
        return
    sess, fr = _gframe()
    if fr is not None and sess.recording:
        _record(fr, st, vals, None)


def gci(st, *vals):
    if _top is None:  # no session, or one that does not record
        return True
    sess, fr = _gframe()
    if fr is not None and sess.recording:
        _record(fr, st, vals, None)
    return True


def gb(st, test):
    outcome = True if test else False
    if _top is None:  # no session, or one that does not record
        return outcome
    sess, fr = _gframe()
    if fr is not None and sess.recording:
        _record(fr, st, (), outcome)
    return outcome


def gw(st, value):
    if _top is None:  # no session, or one that does not record
        return value
    sess, fr = _gframe()
    if fr is not None and sess.recording:
        _record(fr, st, (value,), None)
    return value


def gv(st, value):
    if _top is None:  # no session, or one that does not record
        return value
    sess, fr = _gframe()
    if fr is not None and sess.recording:
        _record(fr, st, (), snap(value))
    return value


def gr(st, value):
    if _top is None:  # no session, or one that does not record
        return value
    sess, fr = _gframe()
    if fr is not None and sess.recording:
        _record(fr, st, (), snap(value))
    return value


def gc(st, *vals):
    if _top is None:  # no session, or one that does not record
        return
    sess, fr = _gframe()
    if fr is not None and sess.recording:
        _record(fr, st, vals, _exc_info())


def gy(st, value):
    """A ``yield``/``await`` is about to suspend the generator with ``value``."""
    if _no_generators(_session):
        return value
    sess, fr = _gframe()
    if fr is not None and not sess.quiet:
        if sess.recording:
            _record(fr, st, (), snap(value))
        stack = sess.stack
        if stack and stack[-1] is fr:
            stack.pop()
            if sess.recording:
                _set_top(stack[-1] if stack else None)
    return value


def gz(st, value):
    """The generator resumed; ``value`` was sent in (or awaited)."""
    if _no_generators(_session):
        return value
    sess, fr = _gframe()
    if fr is None and _parked:
        sess, fr = _unpark(id(sys._getframe(1)))
    if fr is not None and not sess.quiet:
        stack = sess.stack
        if not stack or stack[-1] is not fr:
            fr.depth = len(stack) if stack or fr is sess.root else 1
            stack.append(fr)
        if sess.recording:
            _set_top(fr)
            _record(fr, st, (), snap(value))
    return value


def gx():
    sess, fr = _gframe()
    if fr is None and _parked:
        sess, fr = _unpark(id(sys._getframe(1)))
    if fr is not None and sess.recording and not sess.quiet:
        saved = _top
        _set_top(fr)
        try:
            _raise(sess, fr, sys._getframe(1))
        finally:
            _set_top(saved if sess.recording else None)


def gl():
    sess, fr = _gframe()
    if fr is None and _parked:
        sess, fr = _unpark(id(sys._getframe(1)))
    if fr is None:
        return
    sess.gens.pop(id(sys._getframe(1)), None)
    _leave(sess, fr)


# -- the C accelerator ------------------------------------------------------------
#
# ``_speedups`` (optional, built from ``_speedups.c``) replaces the fast paths of
# s, s1, b, r, e, l, k, same and snap with C functions that read the same
# globals and hand every other case to the Python functions above. The frame
# record and the container snapshots (_Seq, _Map) become C types.
# ``PYTRACE_SEM_PURE=1`` in the environment keeps the pure Python recorder.

def _same_ids_py(a, b) -> bool:
    if type(a) is dict:
        return all(map(_is, a, b)) and all(map(_is, a.values(), b.values()))
    return all(map(_is, a, b))


_same_ids = _same_ids_py
SPEEDUPS = False

if not _os.environ.get("PYTRACE_SEM_PURE"):
    try:
        from pytrace_sem import _speedups
    except ImportError:
        _speedups = None
    if _speedups is not None:
        _speedups.bind(globals(), s, s1, b, r, e, l)
        # The step log: entries stored without their tuples (read back as tuples).
        _new_log = _speedups.Log  # noqa: F811
        _log = _new_log()
        _Frame = _speedups.Frame  # noqa: F811 - the same record, in C
        s, s1, b, r, e, l, k = (  # noqa: F811
            _speedups.s, _speedups.s1, _speedups.b, _speedups.r, _speedups.e, _speedups.l, _speedups.k)
        _same_ids = _speedups.same_ids
        # Snapshots: the same classes in C, and same()/snap() for flat containers
        # that were not cut (everything else is the Python functions').
        _same_py, _snap_py = same, snap
        _speedups.bind_snapshots(same, snap)
        _Seq, _Map = _speedups.Seq, _speedups.Map  # noqa: F811
        _LONG = (_Seq, _Map)
        same, snap = _speedups.same, _speedups.snap  # noqa: F811
        SPEEDUPS = True

        def _sync_session() -> None:  # noqa: F811
            _speedups.session(_log, _max_steps, _thread, _session)

        _set_top = _mirror_top = _speedups.set_top  # noqa: F811
        _set_busy = _speedups.set_busy  # noqa: F811
        _set_top(_top)
        _set_busy(_busy)

        _sync_session()

        # The hooks written in Python get the C hooks' stack room ("stack room"
        # in _speedups.c): no frame of the recorder spends the program's
        # recursion limit. (The pure recorder's frames do: docs/trace-format.md.)
        ci, w, v, c, x, ge, gs1, gs, gci, gb, gw, gv, gr, gc, gy, gz, gx, gl = map(  # noqa: F811
            _speedups.Roomy, (ci, w, v, c, x, ge, gs1, gs, gci, gb, gw, gv, gr, gc, gy, gz, gx, gl))
