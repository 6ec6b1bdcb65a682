"""Run untrusted Python callables in long-lived, limited worker processes.

Typical use::

    from pytrace_sem.sandbox import Sandbox

    with Sandbox(workers=2, timeout=2.0) as box:
        result = box.run_source("def f(x):\\n    return x * 2\\n", "f", 21)
        assert result.status == "ok" and result.value == 42

The sandbox knows nothing of traces: it runs picklable callables (pickled with
dill, so lambdas and functions built from source text travel) and answers with
small pickleable :class:`TaskResult` records, in input order (:meth:`Sandbox.map`)
or as they finish (:meth:`Sandbox.imap`). Workers are reused; one that dies,
hangs or runs out of memory is replaced and only its own task says so.

``docs/sandbox.md`` lists what is blocked, how, and what is *not* protected.
"""

from __future__ import annotations

import builtins
import errno
import gc
import io
import logging
import math
import operator
import os
import pickle
import secrets
import select
import shutil
import signal
import struct
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, is_dataclass, replace
from enum import Enum
from typing import Any, Literal

from pytrace_sem.errors import Interrupt, LimitError, SandboxError

__all__ = [
    "TASK_STATUSES",
    "TaskStatus",
    "TaskResult",
    "Sandbox",
    "SandboxViolation",
    "BlockedTally",
    "blocked_event",
    "in_worker",
    "call_source",
]

_log = logging.getLogger(__name__)

TaskStatus = Literal[
    "ok", "raised", "blocked", "exited", "timeout", "memory", "killed", "crashed", "unpicklable"
]

#: Every status a :class:`TaskResult` can carry, in the order docs/sandbox.md explains them.
TASK_STATUSES: tuple[str, ...] = (
    "ok",  # returned; ``value`` (if it could be rebuilt here) and ``value_repr`` are set
    "raised",  # raised an exception; ``error`` is "Type: message"
    "blocked",  # tried something the sandbox forbids (even if it caught the refusal)
    "exited",  # called sys.exit / os._exit (the worker is replaced after os._exit)
    "timeout",  # ran past the wall-clock or CPU time limit
    "memory",  # ran out of memory under the address-space limit
    "killed",  # the worker died from a signal such as SIGKILL
    "crashed",  # the worker died otherwise (segfault, abort, broken protocol)
    "unpicklable",  # the task or its return value could not cross the process boundary
)

RESULT_SCHEMA_VERSION = 1

# Largest pickled return value a worker sends back; bigger values are reported
# as "unpicklable" instead of being shipped through the pipe.
_MAX_VALUE_BYTES = 64 * 1024 * 1024
# A fresh worker gets this long to unpickle its first task (imports included)
# before the parent gives up on it; the task's own timeout starts afterwards.
_LOAD_SECONDS = 60.0
# sys.setrecursionlimit inside a task is clamped to this; the worker's C stack
# is raised to _STACK_BYTES so deep recursion fails with RecursionError, not a segfault.
_RECURSION_CEILING = 100_000
_STACK_BYTES = 64 * 1024 * 1024
# On Python 3.12+ thread starts are audited, so a thread bomb can be refused.
_MAX_THREADS = 64
# Packages whose own code may, inside a task, install trace/profile functions and
# walk the garbage collector's referrers: tools that measure the task (coverage.py,
# Hypothesis, this package) as opposed to the task's code. Judged by the calling
# frame's module, which is a tripwire, not a boundary (see docs/sandbox.md).
_TOOL_MODULES = ("coverage", "hypothesis", "threading", "pytrace_sem")
_FRAME = struct.Struct("!Q")


# --------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaskResult:
    """What one sandboxed call did.

    ``value`` is the return value when ``status == "ok"`` and the value could be rebuilt
    in this process; ``value_repr`` is its ``repr`` computed in the worker, inside the
    task's time limit (``None`` when the repr raised). ``tampered`` names process state
    the task changed and the sandbox put back (e.g. ``"recursion limit"``, ``"threads"``).

    >>> r = TaskResult(id=0, status="ok", value=3, value_repr="3")
    >>> r.ok, r.to_json()["status"]
    (True, 'ok')
    """

    id: Any
    status: str
    value: Any = None
    value_repr: str | None = None
    error: str | None = None
    stdout: str = ""
    stderr: str = ""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    seconds: float = 0.0
    tampered: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the call returned normally."""
        return self.status == "ok"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the value itself is represented by ``value_repr``)."""
        return {
            "schema_version": RESULT_SCHEMA_VERSION,
            "id": self.id,
            "status": self.status,
            "value_repr": self.value_repr,
            "error": self.error,
            "stdout": self.stdout,
            "stderr": self.stderr,
            "stdout_truncated": self.stdout_truncated,
            "stderr_truncated": self.stderr_truncated,
            "seconds": self.seconds,
            "tampered": list(self.tampered),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TaskResult:
        """Rebuild a record written by :meth:`to_json` (``value`` comes back as None)."""
        version = data.get("schema_version")
        if version != RESULT_SCHEMA_VERSION:
            raise SandboxError(
                f"task result has schema_version {version!r}, this library reads "
                f"{RESULT_SCHEMA_VERSION}; regenerate it with this version of pytrace_sem"
            )
        if data.get("status") not in TASK_STATUSES:
            raise SandboxError(
                f"task result has unknown status {data.get('status')!r}; "
                f"expected one of {', '.join(TASK_STATUSES)}"
            )
        return cls(
            id=data.get("id"),
            status=data["status"],
            value_repr=data.get("value_repr"),
            error=data.get("error"),
            stdout=data.get("stdout", ""),
            stderr=data.get("stderr", ""),
            stdout_truncated=bool(data.get("stdout_truncated", False)),
            stderr_truncated=bool(data.get("stderr_truncated", False)),
            seconds=float(data.get("seconds", 0.0)),
            tampered=tuple(data.get("tampered", ())),
        )


class SandboxViolation(SandboxError, PermissionError):
    """Raised *inside* a worker when a task attempts a forbidden operation.

    It subclasses PermissionError so ordinary code paths treat it like "permission
    denied"; the worker records every violation, so a task that catches it is still
    reported with status ``"blocked"``.
    """


_BLOCKED_PREFIX = "blocked: "
_BLOCKED_TAILS = (" (and ", " (the task then ended as ")


def blocked_event(message: str | None) -> str | None:
    """The first refused operation named by a ``blocked`` result's message, else None.

    >>> blocked_event("blocked: subprocess.Popen (and 1 more)")
    'subprocess.Popen'
    """
    if not message:
        return None
    at = message.rfind(_BLOCKED_PREFIX)  # the sandbox's own words, when a caller quotes them
    if at < 0:
        return None
    event = message[at + len(_BLOCKED_PREFIX) :]
    for tail in _BLOCKED_TAILS:
        cut = event.find(tail)
        if cut >= 0:
            event = event[:cut]
    return event.strip() or None


class BlockedTally:
    """Counts a run's functions by the operation the sandbox refused them.

    When most functions of a run are refused the *same* operation, the cause is almost
    always the environment (a package whose import runs a subprocess or writes a cache
    file), not the code; :meth:`warning` then says so.

    >>> tally = BlockedTally()
    >>> for _ in range(3):
    ...     tally.add("blocked", "blocked: subprocess.Popen")
    >>> tally.add("ok", None)
    >>> tally.suspect()
    ('subprocess.Popen', 3)
    """

    def __init__(self) -> None:
        self.total = 0
        self.events: dict[str, int] = {}

    def add(self, status: str, message: str | None) -> None:
        """Count one function's outcome (its status and error message)."""
        self.total += 1
        if status == "blocked":
            event = blocked_event(message) or "(unknown operation)"
            self.events[event] = self.events.get(event, 0) + 1

    def suspect(self) -> tuple[str, int] | None:
        """``(event, count)`` when more than half the functions (two at least) share one refusal."""
        if not self.events:
            return None
        event, count = max(self.events.items(), key=lambda kv: kv[1])
        return (event, count) if count >= 2 and 2 * count > self.total else None

    def warning(self) -> str | None:
        """One line for the user when :meth:`suspect` finds something, else None."""
        found = self.suspect()
        if found is None:
            return None
        event, count = found
        return (
            f"warning: {count} of {self.total} functions were blocked for the same operation "
            f"({event}); that is almost always the environment (an installed package whose "
            f"import does it), not the code: see 'Blocked by the environment' in docs/sandbox.md"
        )


# --------------------------------------------------------------------------------------
# Running source text
# --------------------------------------------------------------------------------------

_CODE_CACHE: dict[str, Any] = {}


def call_source(source: str, call: str, /, *args: Any, **kwargs: Any) -> Any:
    """Exec ``source`` in a fresh namespace, then call a function of it or evaluate a call.

    ``call`` is either a function name (called with ``args`` and ``kwargs``) or a call
    expression such as ``"f([1, 2], 'a')"`` evaluated in the namespace (then ``args``
    must be empty). Meant to run inside a worker::

        box.run(call_source, "def f(x):\\n    return x + 1\\n", "f", 1)   # -> 2
        box.run(call_source, "def f(x):\\n    return x + 1\\n", "f(1)")   # -> 2
    """
    code = _CODE_CACHE.get(source)
    if code is None:
        code = compile(source, "<sandbox>", "exec")
        if len(_CODE_CACHE) > 256:  # tasks usually repeat one source many times
            _CODE_CACHE.clear()
        _CODE_CACHE[source] = code
    namespace: dict[str, Any] = {"__name__": "__sandbox__", "__builtins__": builtins}
    exec(code, namespace)
    if call.isidentifier():
        if call not in namespace:
            raise NameError(f"the source defines no {call!r}")
        return namespace[call](*args, **kwargs)
    if args or kwargs:
        raise TypeError("pass arguments either inside the call expression or as args, not both")
    return eval(compile(call, "<sandbox-call>", "eval"), namespace)


# --------------------------------------------------------------------------------------
# Worker side
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Limits:
    timeout: float
    cpu_seconds: float
    memory_mb: int | None
    file_size_mb: int | None
    max_processes: int | None
    max_output: int
    max_repr: int


# The worker's except clauses name these module globals, not builtins: a task may
# delete or replace builtins, and the worker must still be able to report on it.
_BaseException, _MemoryError, _SystemExit = BaseException, MemoryError, SystemExit


def _call(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[bool, Any]:
    """``(True, value)`` or ``(False, exception)``: the task, and nothing else, in the try."""
    try:
        return True, fn(*args, **kwargs)
    except _BaseException as exc:  # noqa: BLE001
        return False, exc


class _TaskTimeout(Interrupt):
    """Raised in the worker's main thread by SIGALRM/SIGPROF while a task is armed."""


class _Guard:
    """Mutable per-worker state shared by the audit hook, the timer and the task loop."""

    __slots__ = ("active", "armed", "cpu", "workdir", "pid", "violations")

    def __init__(self, workdir: str) -> None:
        self.active = False  # enforce the audit hook
        self.armed = False  # let the timer signal interrupt the task
        self.cpu = False  # the interruption came from the CPU limit
        self.workdir = workdir
        self.pid = os.getpid()
        self.violations: list[str] = []


_GUARD: _Guard | None = None


def in_worker() -> bool:
    """Whether this process is a sandbox worker (where no further sandbox can be started)."""
    return _GUARD is not None


def _on_timer(signum: int, frame: Any) -> None:
    guard = _GUARD
    if guard is not None and guard.armed:
        if signum == signal.SIGPROF:
            guard.cpu = True
        raise _TaskTimeout()


class _BoundedBinary:
    """A write-only binary stream that writes straight to a file descriptor, up to a limit.

    Writing through the descriptor (not to memory) keeps Python-level and C-level
    output in order and lets the parent read what a worker printed before it died.
    """

    def __init__(self, fd: int, limit: int) -> None:
        self._fd = fd
        self._limit = limit
        self.written = 0
        self.truncated = False

    def write(self, data: bytes | bytearray | memoryview) -> int:
        data = bytes(data)
        room = self._limit - self.written
        if room > 0:
            chunk = data[:room]
            try:
                _write_all(self._fd, chunk)
            except OSError:  # the file-size limit; output is best effort
                self.truncated = True
            self.written += len(chunk)
        if len(data) > max(room, 0):
            self.truncated = True
        return len(data)

    def flush(self) -> None:
        pass

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self._fd

    def reset(self) -> None:
        self.written = 0
        self.truncated = False


class _BoundedText:
    """``sys.stdout`` / ``sys.stderr`` inside a worker: text on top of :class:`_BoundedBinary`."""

    encoding = "utf-8"
    errors = "backslashreplace"
    newlines = None
    line_buffering = False

    def __init__(self, binary: _BoundedBinary, name: str) -> None:
        self.buffer = binary
        self.name = name

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self.buffer.write(text.encode("utf-8", "backslashreplace"))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self.buffer.fileno()

    @property
    def closed(self) -> bool:
        return False


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _send_frame(fd: int, payload: bytes) -> None:
    _write_all(fd, _FRAME.pack(len(payload)) + payload)


def _one_line(text: str, limit: int = 500) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(exc: BaseException) -> str:
    """``"Type: message"`` on one line; a hostile ``__str__`` runs inside the task's limits."""
    try:
        message = str(exc)
    except (_TaskTimeout, _MemoryError):
        raise
    except _BaseException:
        message = "<str() of the exception failed>"
    name = type(exc).__name__
    return _one_line(f"{name}: {message}" if message else name)


def _safe_repr(value: Any, limit: int) -> str | None:
    try:
        text = repr(value)
    except (_TaskTimeout, _MemoryError):
        raise
    except _BaseException:
        return None
    if type(text) is not str:
        return None
    return text if len(text) <= limit else text[:limit] + "..."


# --- the audit hook -------------------------------------------------------------------

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_DENIED_EVENTS = frozenset(
    {
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "os.fork",
        "os.forkpty",
        "os.startfile",
        "os.killpg",
        "os.link",
        "os.symlink",
        "subprocess.Popen",
        "pty.spawn",
        "resource.setrlimit",
        "resource.prlimit",
        "sys.addaudithook",
        "webbrowser.open",
        "urllib.Request",
    }
)
_DENIED_PREFIXES = (
    "socket.",
    "ctypes.",
    "http.client.",
    "ftplib.",
    "smtplib.",
    "poplib.",
    "imaplib.",
    "nntplib.",
    "telnetlib.",
    "winreg.",
    "_winapi.",
)
# event -> positions of (path, dir_fd) pairs that must lie inside the sandbox directory
_PATH_EVENTS: dict[str, tuple[tuple[int, int | None], ...]] = {
    "os.remove": ((0, 1),),
    "os.rmdir": ((0, 1),),
    "os.mkdir": ((0, 2),),
    "os.rename": ((0, 2), (1, 3)),
    "os.chmod": ((0, 2),),
    "os.chown": ((0, 3),),
    "os.utime": ((0, 3),),
    "os.truncate": ((0, None),),
    "os.chflags": ((0, None),),
    "os.lchflags": ((0, None),),
    "os.setxattr": ((0, None),),
    "os.removexattr": ((0, None),),
    "shutil.rmtree": ((0, 1),),
}
_TOOL_EVENTS = frozenset(
    {
        "sys.settrace",
        "sys.setprofile",
        "sys.monitoring.register_callback",
        "gc.get_objects",
        "gc.get_referrers",
        "gc.get_referents",
    }
)
_THREAD_EVENTS = frozenset({"_thread.start_new_thread", "_thread.start_joinable_thread"})


def _plain_path(path: Any) -> str | None:
    """The path as str, or None when it is an object whose conversion we cannot trust.

    A custom ``__fspath__`` (or a str subclass) could answer the hook one path and
    the real ``open`` another, so only exact str/bytes and stdlib paths are accepted.
    """
    kind = type(path)
    if kind is str:
        return path
    if kind is bytes:
        return os.fsdecode(path)
    import pathlib

    if kind in (pathlib.PosixPath, pathlib.PurePosixPath):
        return str(path)
    return None


def _make_audit_hook(guard: _Guard) -> Callable[[str, tuple[Any, ...]], None]:
    workdir = os.path.realpath(guard.workdir)
    prefix = workdir + os.sep
    realpath = os.path.realpath
    violations = guard.violations

    def deny(what: str) -> None:
        if len(violations) < 8:
            violations.append(what)
        raise SandboxViolation(f"{what} is not allowed in the sandbox")

    def inside(path: Any, dir_fd: Any = None) -> bool:
        if type(path) is int:  # an already open descriptor
            return True
        text = _plain_path(path)
        if text is None:
            return False
        if dir_fd is not None and not os.path.isabs(text):
            if type(dir_fd) is not int:
                return False
            try:
                text = os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), text)
            except OSError:
                return False
        return realpath(text).startswith(prefix)

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if not guard.active:
            return
        if event == "open":
            path, mode, flags = (tuple(args) + (None, None, 0))[:3]
            if isinstance(mode, str):
                writing = any(c in mode for c in "wax+")
            else:
                writing = bool((flags or 0) & _WRITE_FLAGS)
            if writing:
                if _plain_path(path) == os.devnull or inside(path):
                    return
                deny(f"open({path!r}) for writing outside the sandbox directory")
            elif mode is None and type(path) is not int and not inside(path):
                # os.open of a directory yields a dir_fd that later *at() calls resolve
                # against, which the 'open' event cannot see: refuse it outright.
                text = _plain_path(path)
                if text is None or os.path.isdir(text):
                    deny(f"os.open({path!r}) of a directory outside the sandbox directory")
            return
        if event in _PATH_EVENTS:
            for path_at, fd_at in _PATH_EVENTS[event]:
                path = args[path_at] if len(args) > path_at else None
                dir_fd = args[fd_at] if fd_at is not None and len(args) > fd_at else None
                if not inside(path, dir_fd):
                    deny(f"{event}({path!r}) outside the sandbox directory")
            return
        if event == "sqlite3.connect":
            # SQLite opens its files in C, where the 'open' event cannot see them.
            database = args[0] if args else None
            if database in (":memory:", "", b":memory:", b"") or inside(database):
                return
            deny(f"sqlite3.connect({database!r}) outside the sandbox directory")
        if event in _DENIED_EVENTS:
            deny(event)
        if event == "os.kill":
            if args and type(args[0]) is int and args[0] == guard.pid:
                return
            deny("os.kill of another process")
        if event in _TOOL_EVENTS:
            caller = sys._getframe(1)
            name = caller.f_globals.get("__name__") if caller is not None else None
            if type(name) is str and name.split(".")[0] in _TOOL_MODULES:
                return
            deny(event)
        if event in _THREAD_EVENTS:
            if threading.active_count() >= _MAX_THREADS:
                deny(f"starting more than {_MAX_THREADS} threads")
            return
        if event.startswith(_DENIED_PREFIXES):
            deny(event)

    return hook


# --- seccomp: the kernel-level backstop for what an audit hook cannot see --------------

# x86_64 syscall numbers refused outright: sockets, process creation and exec,
# ptrace and cross-process memory access, tkill, pidfd signals, mounts, chroot,
# namespaces, reboot, kernel modules and kexec, swap, bpf, perf events,
# open_by_handle_at, and mknod/mknodat (FIFOs and device nodes, which no audit
# event announces).
_X86_64_DENY = (41, 53, 57, 58, 59, 101, 133, 155, 161, 165, 166, 167, 168, 169, 175, 176, 200,
                246, 259, 272, 298, 304, 308, 310, 311, 313, 320, 321, 322, 424)  # fmt: skip
_X86_64_CLONE, _X86_64_CLONE3, _X86_64_KILL, _X86_64_TGKILL = 56, 435, 62, 234


def _seccomp_program(pid: int) -> list[tuple[int, int, int, int]]:
    """A classic-BPF seccomp filter for x86_64 (see docs/sandbox.md for the rules)."""
    ld, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    allow, eperm, enosys = 0x7FFF0000, 0x00050000 | errno.EPERM, 0x00050000 | errno.ENOSYS
    prog = [
        (ld, 0, 0, 4),  # seccomp_data.arch
        (jeq, 1, 0, 0xC000003E),  # AUDIT_ARCH_X86_64; any other ABI (int 0x80) is refused
        (ret, 0, 0, eperm),
        (ld, 0, 0, 0),  # seccomp_data.nr
        (jge, 0, 1, 0x40000000),  # x32 ABI
        (ret, 0, 0, eperm),
    ]
    for nr in _X86_64_DENY:
        prog += [(jeq, 0, 1, nr), (ret, 0, 0, eperm)]
    # clone3 cannot be inspected (its flags live in memory): ENOSYS makes glibc fall
    # back to clone, whose flags we can check.
    prog += [(jeq, 0, 1, _X86_64_CLONE3), (ret, 0, 0, enosys)]
    # clone is allowed only for threads (CLONE_THREAD); processes are refused.
    prog += [(jeq, 0, 4, _X86_64_CLONE), (ld, 0, 0, 16), (jset, 0, 1, 0x10000),
             (ret, 0, 0, allow), (ret, 0, 0, eperm)]  # fmt: skip
    # kill/tgkill only towards the worker itself.
    for nr in (_X86_64_KILL, _X86_64_TGKILL):
        prog += [(jeq, 0, 4, nr), (ld, 0, 0, 16), (jeq, 0, 1, pid),
                 (ret, 0, 0, allow), (ret, 0, 0, eperm)]  # fmt: skip
    prog.append((ret, 0, 0, allow))
    return prog


def _install_seccomp() -> bool:
    """Install the filter in this process; False where unsupported (never raises)."""
    import platform

    if not sys.platform.startswith("linux") or platform.machine() != "x86_64":
        return False
    try:
        import ctypes

        class _SockFilter(ctypes.Structure):
            _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte),
                        ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]  # fmt: skip

        class _SockFprog(ctypes.Structure):
            _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]

        program = _seccomp_program(os.getpid())
        table = (_SockFilter * len(program))(*(_SockFilter(*ins) for ins in program))
        fprog = _SockFprog(len(program), table)
        libc = ctypes.CDLL(None, use_errno=True)
        ulong = ctypes.c_ulong
        pr_set_no_new_privs, pr_set_seccomp, seccomp_mode_filter = 38, 22, 2
        if libc.prctl(ctypes.c_int(pr_set_no_new_privs), ulong(1), ulong(0), ulong(0), ulong(0)):
            return False
        return (
            libc.prctl(ctypes.c_int(pr_set_seccomp), ulong(seccomp_mode_filter),
                       ctypes.byref(fprog), ulong(0), ulong(0)) == 0
        )  # fmt: skip
    except Exception:  # no ctypes, no libc, an old kernel: the other layers remain
        return False


# --- worker setup ---------------------------------------------------------------------


def _die_with_parent() -> bool:
    """Ask the kernel to SIGKILL this worker when its parent (the fork server) exits.

    The fork server exits when the process that owns the sandbox does, so a worker
    never outlives it, whatever signals its task blocks. False where unsupported.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        if libc.prctl(ctypes.c_int(pr_set_pdeathsig), ctypes.c_ulong(signal.SIGKILL), ctypes.c_ulong(0),
                      ctypes.c_ulong(0), ctypes.c_ulong(0)):
            return False
    except Exception:  # noqa: BLE001 - no ctypes or libc: the parent still kills workers it knows
        return False
    return True


def _isolate_descriptors(keep: set[int]) -> None:
    """Point every inherited descriptor but ``keep`` at /dev/null.

    A worker inherits the fork server's and the resource tracker's pipes; a task that
    wrote into them could take every other worker down. Re-pointing rather than closing
    keeps the numbers taken, so no object that still holds one closes a reused number.
    """
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for name in os.listdir("/proc/self/fd"):
            fd = int(name)
            if fd in keep or fd == null:
                continue
            try:
                os.get_inheritable(fd)  # raises for listdir's own descriptor, closed by now
            except OSError:
                continue
            os.dup2(null, fd)
    finally:
        os.close(null)


def _user_task_count() -> int | None:
    """Processes and threads the current user owns (what RLIMIT_NPROC counts)."""
    uid = os.getuid()
    total = 0
    try:
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    if os.stat(f"/proc/{name}").st_uid == uid:
                        total += len(os.listdir(f"/proc/{name}/task"))
                except OSError:
                    continue
    except OSError:
        return None
    return total


def _threads_settle(baseline: int) -> bool:
    """A thread the task joined may take a moment to leave the kernel's list."""
    for _ in range(3):
        time.sleep(0.001)
        if _thread_count() <= baseline:
            return True
    return False


def _thread_count() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def _set_limit(which: int, soft: int) -> None:
    import resource

    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(which, (soft, hard))


class _Worker:
    """Everything a worker process keeps between tasks (lives only in the worker)."""

    def __init__(self, limits: _Limits, base: str, res_fd: int, preload: tuple[str, ...] = (),
                 task_fd: int = -1) -> None:
        self.limits = limits
        self.res_fd = res_fd
        self.protections: list[str] = []
        if _die_with_parent():
            self.protections.append("parent-death-signal")
        _isolate_descriptors({0, 1, 2, res_fd, task_fd})
        self.protections.append("own-descriptors")
        workdir = os.path.join(base, "work")
        os.makedirs(workdir, exist_ok=True)
        _clear_directory(workdir)  # left over by the worker this one replaces
        self.workdir = workdir

        # A session of its own: no terminal signals, and nothing to share with the parent.
        try:
            os.setsid()
            self.protections.append("own-session")
        except OSError:
            pass

        # Environment that later imports and tempfile read; then the working directory.
        os.environ.update(
            {
                "TMPDIR": workdir,
                "HOME": workdir,
                "PYTHONDONTWRITEBYTECODE": "1",
                "OMP_NUM_THREADS": "1",
                "OPENBLAS_NUM_THREADS": "1",
                "MKL_NUM_THREADS": "1",
            }
        )
        tempfile.tempdir = workdir
        sys.dont_write_bytecode = True  # a .pyc write would count as a violation
        os.chdir(workdir)

        # Standard streams: stdin empty; stdout/stderr go to files in the base directory
        # (outside the task's reach), read back and emptied after every task.
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - lives as long as the worker
        self.out_bin = _BoundedBinary(1, limits.max_output)
        self.err_bin = _BoundedBinary(2, limits.max_output)
        for fd, name in ((1, "stdout"), (2, "stderr")):
            target = os.open(os.path.join(base, name), os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, fd)
            os.close(target)
        self.out = _BoundedText(self.out_bin, "<stdout>")
        self.err = _BoundedText(self.err_bin, "<stderr>")
        sys.stdout = sys.__stdout__ = self.out  # type: ignore[misc]
        sys.stderr = sys.__stderr__ = self.err  # type: ignore[misc]
        import faulthandler

        faulthandler.enable(file=self.err)  # a crash leaves its traceback for the parent

        # Resource limits.
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if limits.memory_mb is not None:
            _set_limit(resource.RLIMIT_AS, limits.memory_mb * 1024 * 1024)
        if limits.file_size_mb is not None:
            _set_limit(resource.RLIMIT_FSIZE, limits.file_size_mb * 1024 * 1024)
        try:
            _set_limit(resource.RLIMIT_STACK, _STACK_BYTES)
        except (ValueError, OSError):
            pass
        if limits.max_processes is not None and os.geteuid() != 0:
            # RLIMIT_NPROC counts every process and thread of the user, so the limit
            # is what the user owns now plus the allowance. Root ignores it entirely.
            owned = _user_task_count()
            if owned is not None:
                _set_limit(resource.RLIMIT_NPROC, owned + limits.max_processes)
                self.protections.append("nproc")
        self.protections.append("rlimits")

        # Signals: the timer interrupts tasks; an oversized write fails instead of killing.
        signal.signal(signal.SIGALRM, _on_timer)
        signal.signal(signal.SIGPROF, _on_timer)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

        # Recursion: clamp what tasks may ask for.
        self.real_setrecursionlimit = sys.setrecursionlimit

        def setrecursionlimit(limit: int, /) -> None:
            import operator

            self.real_setrecursionlimit(min(operator.index(limit), _RECURSION_CEILING))

        setrecursionlimit.__doc__ = sys.setrecursionlimit.__doc__
        sys.setrecursionlimit = setrecursionlimit

        # The libraries the tasks use are imported now, before the policy is armed: what
        # an import does (Hypothesis loading its plugins, a plugin's ctypes.util running
        # ldconfig, a cache file written under HOME) belongs to the environment, and must
        # not be blamed on the first function that happens to trigger it.
        import importlib

        for name in preload:
            importlib.import_module(name)

        # Snapshots of process state to put back after each task.
        self.baseline_threads = _thread_count()
        self.umask = os.umask(0o022)
        os.umask(self.umask)
        self.builtins = dict(builtins.__dict__)
        self.builtins_tampered = False
        self.environ_object = os.environ
        self.environ = dict(os.environ._data)  # type: ignore[attr-defined]
        self.sys_path = list(sys.path)
        self.signals = {s: signal.getsignal(s) for s in self._watched_signals()}
        self.settings = self._settings()

        if _install_seccomp():
            self.protections.append("seccomp")
        global _GUARD
        _GUARD = self.guard = _Guard(workdir)
        sys.addaudithook(_make_audit_hook(self.guard))
        self.guard.active = True  # from here to the worker's last breath
        self.protections.append("audit-hook")

    @staticmethod
    def _watched_signals() -> list[int]:
        names = ("SIGALRM", "SIGPROF", "SIGXFSZ", "SIGINT", "SIGTERM", "SIGCHLD", "SIGPIPE",
                 "SIGUSR1", "SIGUSR2", "SIGHUP")  # fmt: skip
        return [getattr(signal, n) for n in names if hasattr(signal, n)]

    def _settings(self) -> list[tuple[str, Any, Callable[[], Any], Callable[[Any], Any]]]:
        """(name, value now, getter, setter) for interpreter settings a task might change."""
        items: list[tuple[str, Callable[[], Any], Callable[[Any], Any]]] = [
            ("recursion limit", sys.getrecursionlimit, self.real_setrecursionlimit),
            ("switch interval", sys.getswitchinterval, sys.setswitchinterval),
            ("garbage collector", gc.isenabled, lambda on: gc.enable() if on else gc.disable()),
            ("gc thresholds", gc.get_threshold, lambda t: gc.set_threshold(*t)),
            ("trace function", sys.gettrace, sys.settrace),
            ("profile function", sys.getprofile, sys.setprofile),
        ]
        if hasattr(sys, "get_int_max_str_digits"):
            items.append(("int digits limit", sys.get_int_max_str_digits,
                          sys.set_int_max_str_digits))  # fmt: skip
        items.append(("thread trace hook", lambda: getattr(threading, "_trace_hook", None),
                      lambda h: setattr(threading, "_trace_hook", h)))  # fmt: skip
        items.append(("thread profile hook", lambda: getattr(threading, "_profile_hook", None),
                      lambda h: setattr(threading, "_profile_hook", h)))  # fmt: skip
        return [(name, get(), get, put) for name, get, put in items]

    # --- one task ---------------------------------------------------------------------

    def run(self, payload: bytes, started: Callable[[], None]) -> tuple[bytes, bool]:
        """Run one task; returns the pickled result envelope and whether to retire."""
        from multiprocess.reduction import ForkingPickler

        try:
            # Layout: function size, dill-pickled function, b"P"/b"D", pickled (args, kwargs).
            (fn_size,) = _FRAME.unpack_from(payload)
            split = _FRAME.size + fn_size
            fn_bytes, kind, data = payload[_FRAME.size : split], payload[split : split + 1], payload[split + 1 :]
            args, kwargs = (pickle.loads if kind == b"P" else ForkingPickler.loads)(data)
            # Unpickled afresh for every task: a closure's state must not carry over.
            fn = ForkingPickler.loads(fn_bytes)
        except _BaseException as exc:  # noqa: BLE001 - reported, the worker stays usable
            started()
            error = f"the task could not be unpickled in the worker: {_describe(exc)}"
            return self._envelope("unpicklable", None, None, error, 0.0, ()), False
        started()

        import decimal

        decimal.setcontext(decimal.Context())  # a task's precision must not leak into the next
        guard = self.guard
        limits = self.limits
        guard.violations.clear()
        guard.cpu = False
        self.builtins_tampered = False
        self.out_bin.reset()
        self.err_bin.reset()

        status, value_bytes, value_repr, error = "ok", None, None, None
        t0 = time.perf_counter()
        seconds = 0.0
        guard.armed = True
        # Wall clock and CPU time (ITIMER_PROF counts the whole process's CPU time);
        # both repeat every 50 ms in case the task swallows the first interruption.
        signal.setitimer(signal.ITIMER_REAL, limits.timeout, 0.05)
        signal.setitimer(signal.ITIMER_PROF, limits.cpu_seconds, 0.05)
        try:
            returned, outcome = _call(fn, args, kwargs)
            seconds = time.perf_counter() - t0
            # Before anything of ours runs: a task may have replaced or deleted builtins.
            self.builtins_tampered = self._restore_builtins()
            if returned:
                value_repr = _safe_repr(outcome, limits.max_repr)
                try:
                    value_bytes = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
                except (_TaskTimeout, _MemoryError):
                    raise
                except _BaseException as exc:  # noqa: BLE001
                    status = "unpicklable"
                    error = f"the return value cannot be pickled: {_describe(exc)}"
                else:
                    if len(value_bytes) > _MAX_VALUE_BYTES:
                        status, value_bytes = "unpicklable", None
                        error = f"the pickled return value is larger than {_MAX_VALUE_BYTES} bytes"
            elif isinstance(outcome, _TaskTimeout):
                status, error = "timeout", self._timeout_message()
            elif isinstance(outcome, _MemoryError):
                status = "memory"
                error = f"MemoryError under the {limits.memory_mb} MiB address-space limit"
            elif isinstance(outcome, _SystemExit):
                status, error = "exited", _one_line(f"the task raised SystemExit({outcome.code!r})")
            else:
                status, error = "raised", _describe(outcome)
            outcome = None
            # Finalizers of the task's fresh garbage cycles run now, under its limits and
            # in its name, rather than in the middle of a later task (young generations
            # only: a full collection of the worker's heap would cost milliseconds).
            gc.collect(1)
        except _TaskTimeout:  # the timer fired while the outcome above was being formatted
            status, error = "timeout", self._timeout_message()
        except _MemoryError:
            status, error = "memory", "MemoryError while reporting the task's outcome"
        except _BaseException:  # noqa: BLE001 - e.g. a repr that broke what _describe relies on
            status, error = "raised", "the task's exception could not be described"
        finally:
            guard.armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.setitimer(signal.ITIMER_PROF, 0)
            # First of all, since everything below looks names up in builtins.
            self.builtins_tampered = self._restore_builtins() or self.builtins_tampered
        if not seconds:
            seconds = time.perf_counter() - t0
        if status not in ("ok", "unpicklable"):
            value_bytes, value_repr = None, None

        # The audit hook stays on after the task too: finalizers of the task's garbage
        # run whenever the collector gets to them, and are refused like the task itself.
        tampered, retire = self._restore()
        violations = list(guard.violations)
        if violations:
            more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
            # The task's own outcome, unless it is just our refusal propagating.
            own = status not in ("ok", "raised") or not (error or "").startswith("SandboxViolation")
            then = f" (the task then ended as {status!r}: {error})" if own and status != "ok" else ""
            error = f"{_BLOCKED_PREFIX}{violations[0]}{more}{then}"
            status, value_bytes, value_repr = "blocked", None, None

        if status == "memory":
            retire = True  # the heap may be fragmented or half-built objects linger
        envelope = self._envelope(status, value_bytes, value_repr, error, seconds, tampered)
        return envelope, retire

    def _timeout_message(self) -> str:
        if self.guard.cpu:
            return f"the call ran past its CPU time limit of {self.limits.cpu_seconds:g} s"
        return f"the call ran past its time limit of {self.limits.timeout:g} s"

    def _envelope(
        self,
        status: str,
        value_bytes: bytes | None,
        value_repr: str | None,
        error: str | None,
        seconds: float,
        tampered: tuple[str, ...],
    ) -> bytes:
        out, out_trunc = _drain(1, self.limits.max_output)
        err, err_trunc = _drain(2, self.limits.max_output)
        return pickle.dumps(
            (
                status,
                value_bytes,
                value_repr,
                error,
                out,
                err,
                out_trunc or self.out_bin.truncated,
                err_trunc or self.err_bin.truncated,
                seconds,
                tampered,
            ),
            protocol=pickle.HIGHEST_PROTOCOL,
        )

    def _restore_builtins(self) -> bool:
        """Put back the builtins namespace without needing any builtin on the way."""
        current = builtins.__dict__
        saved = self.builtins
        changed = current.__len__() != saved.__len__()
        if not changed:
            for name, obj in saved.items():
                if current.get(name, _MISSING) is not obj:
                    changed = True
                    break
        if not changed:
            return False
        current.update(saved)  # first, so that the names used below exist again
        for name in [name for name in current if name not in saved]:
            del current[name]
        return True

    def _restore(self) -> tuple[tuple[str, ...], bool]:
        """Put back process state a task changed; name what changed; say if unfixable."""
        tampered: list[str] = []
        retire = False
        for name, value, get, put in self.settings:
            try:
                if not _same(get(), value):
                    put(value)
                    tampered.append(name)
            except Exception:  # noqa: BLE001 - could not compare or restore
                tampered.append(name)
                retire = True
        if sys.stdout is not self.out or sys.stderr is not self.err or sys.__stdout__ is not self.out:
            sys.stdout = sys.__stdout__ = self.out  # type: ignore[misc]
            sys.stderr = sys.__stderr__ = self.err  # type: ignore[misc]
            tampered.append("standard streams")
        for sig, handler in self.signals.items():
            if signal.getsignal(sig) is not handler:
                signal.signal(sig, handler)
                tampered.append("signal handlers")
        if signal.pthread_sigmask(signal.SIG_SETMASK, []):  # a blocked SIGALRM would disarm us
            tampered.append("signal mask")
        if os.umask(self.umask) != self.umask:
            tampered.append("umask")
        if self.builtins_tampered:
            tampered.append("builtins")
        # Identity comparisons only: == could call a method the task planted.
        data = getattr(os.environ, "_data", None)
        if os.environ is not self.environ_object or type(data) is not dict or data != self.environ:
            # os.environ's own store holds only bytes, so == is safe there.
            os.environ = self.environ_object
            for key in list(data) if type(data) is dict else ():
                if key not in self.environ:
                    try:
                        os.unsetenv(key)
                    except (TypeError, ValueError, OSError):
                        pass
            self.environ_object._data.clear()  # type: ignore[attr-defined]
            self.environ_object._data.update(self.environ)  # type: ignore[attr-defined]
            for key, value in self.environ.items():
                os.putenv(key, value)
            tampered.append("environment")
        if (
            type(sys.path) is not list
            or len(sys.path) != len(self.sys_path)
            or any(map(operator.is_not, sys.path, self.sys_path))
        ):
            sys.path = list(self.sys_path)
            tampered.append("sys.path")
        try:
            if os.getcwd() != self.workdir:
                os.chdir(self.workdir)
                tampered.append("working directory")
            _clear_directory(self.workdir)
        except OSError:
            tampered.append("working directory")
            retire = True
        if _thread_count() > self.baseline_threads and not _threads_settle(self.baseline_threads):
            # Threads cannot be stopped from outside; a fresh worker is the only cure.
            tampered.append("threads")
            retire = True
        return tuple(dict.fromkeys(tampered)), retire


_MISSING = object()


def _same(now: Any, then: Any) -> bool:
    """Equal without running code a task planted: identity, or == on plain values."""
    if now is then:
        return True
    plain = (int, float, bool, str)
    if type(now) is type(then) and type(now) in plain:
        return bool(now == then)
    if type(now) is tuple and type(then) is tuple and len(now) == len(then):
        return all(type(a) in plain and type(a) is type(b) and a == b for a, b in zip(now, then))
    return False


def _drain(fd: int, limit: int) -> tuple[str, bool]:
    """Read what a task wrote to a capture file, then empty it for the next task."""
    size = os.fstat(fd).st_size
    if not size:
        return "", False
    data = os.pread(fd, min(size, limit), 0)
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    return data.decode("utf-8", "replace"), size > limit


def _clear_directory(path: str) -> None:
    with os.scandir(path) as entries:
        found = list(entries)
    for entry in found:
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)


def _worker_main(
    task_conn: Any, result_conn: Any, limits: _Limits, base: str, preload: tuple[str, ...] = ()
) -> None:
    """Entry point of a worker process: set up, then answer tasks until told to stop."""
    res_fd = result_conn.fileno()
    try:
        worker = _Worker(limits, base, res_fd, preload, task_conn.fileno())
    except BaseException as exc:  # noqa: BLE001 - tell the parent why, then die
        _send_frame(res_fd, b"E" + _describe(exc).encode("utf-8", "replace"))
        os._exit(70)
    _send_frame(res_fd, b"R" + pickle.dumps((os.getpid(), tuple(worker.protections))))
    while True:
        try:
            data = task_conn.recv_bytes()
        except (EOFError, OSError):
            os._exit(0)
        key = data[:8]
        try:
            envelope, retire = worker.run(data[8:], lambda: _send_frame(res_fd, b"S" + key))
        except _BaseException as exc:  # the timer beat our bookkeeping, or worse
            worker.guard.armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.setitimer(signal.ITIMER_PROF, 0)
            worker._restore_builtins()
            if isinstance(exc, _TaskTimeout):
                status, error = "timeout", worker._timeout_message()
            else:
                status, error = "crashed", f"the worker failed while reporting: {_describe(exc)}"
            envelope = worker._envelope(status, None, None, error, 0.0, ())
            retire = True
        _send_frame(res_fd, b"D" + key + envelope)
        if retire:
            os._exit(0)


# --------------------------------------------------------------------------------------
# Parent side
# --------------------------------------------------------------------------------------


class _EnvelopeUnpickler(pickle.Unpickler):
    """Envelopes hold only str/bytes/float/bool/None/tuples: no class is ever needed."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"worker message refers to {module}.{name}")


_SAFE_BUILTINS = frozenset(
    {"set", "frozenset", "complex", "bytearray", "slice", "range", "list", "dict", "tuple",
     "int", "float", "str", "bytes", "bool"}  # fmt: skip
)
_SAFE_CLASSES = frozenset(
    {
        ("collections", "OrderedDict"),
        ("collections", "defaultdict"),
        ("collections", "deque"),
        ("collections", "Counter"),
        ("datetime", "date"),
        ("datetime", "time"),
        ("datetime", "datetime"),
        ("datetime", "timedelta"),
        ("datetime", "timezone"),
        ("decimal", "Decimal"),
        ("fractions", "Fraction"),
    }
)


def _allowed_class(module: str, name: str, trusted: tuple[str, ...]) -> Any:
    """The global a return value may name, or UnpicklingError (see :class:`_ValueUnpickler`)."""
    if module == "builtins":
        obj = getattr(builtins, name, None)
        if name in _SAFE_BUILTINS or (isinstance(obj, type) and issubclass(obj, BaseException)):
            return obj
    elif (module, name) in _SAFE_CLASSES:
        return getattr(sys.modules.get(module) or __import__(module), name)
    elif module.split(".")[0] in trusted and module in sys.modules and "." not in name:
        obj = getattr(sys.modules[module], name, None)
        # Only classes *defined* in a trusted module (not ones it merely imports),
        # and only kinds whose construction is plain data.
        if (
            isinstance(obj, type)
            and getattr(obj, "__module__", "").split(".")[0] in trusted
            and (is_dataclass(obj) or issubclass(obj, Enum) or issubclass(obj, tuple))
        ):
            return obj
    raise pickle.UnpicklingError(
        f"the return value refers to {module}.{name}, which the sandbox does not rebuild "
        "outside the worker; return plain data, or add its module to trusted_modules"
    )


# What a pickled value may make the parent build. The stream itself is at most
# _MAX_VALUE_BYTES, but a constructor called on a lazy argument is not: (list,
# (range(10**9),)) or (bytes, (10**10,)) would build gigabytes here, and
# Fraction('1e-30000000') would compute a 30-million-digit power. Streams that name
# such a constructor are rebuilt by the checked (pure Python, slower) unpickler.
_MAX_BUILT_ITEMS = 10_000_000
_MAX_NUMBER_TEXT = 10_000
_NUMBER_PARSERS = frozenset({int, float, complex})
_INFLATING = frozenset(
    {("builtins", n) for n in ("list", "set", "frozenset", "tuple", "dict", "bytes", "bytearray", "int",
                               "float", "complex", "str", "range")}
    | {("collections", "deque"), ("collections", "Counter"), ("collections", "OrderedDict"),
       ("collections", "defaultdict"), ("decimal", "Decimal"), ("fractions", "Fraction")}
)


class _Oversize(pickle.UnpicklingError):
    """The return value would make the parent build far more than the worker sent."""


class _NeedsChecks(pickle.UnpicklingError):
    """The stream names a constructor whose arguments must be checked before it runs."""


def _check_call(func: Any, args: tuple[Any, ...]) -> None:
    name = getattr(func, "__name__", "")
    for arg in args:
        kind = type(arg)
        if kind is range and len(arg) > _MAX_BUILT_ITEMS:
            raise _Oversize(f"it asks for {len(arg)} items built from a range")
        if kind is int and func in (bytes, bytearray) and arg > _MAX_VALUE_BYTES:
            raise _Oversize(f"it asks for a {name} of {arg} bytes")
        if kind in (str, bytes) and (func in _NUMBER_PARSERS or name in ("Decimal", "Fraction")):
            if len(arg) > _MAX_NUMBER_TEXT:
                raise _Oversize(f"it asks to parse a {name} of {len(arg)} characters")
            if name == "Fraction" and ("e" in arg or "E" in arg):  # type: ignore[operator]
                raise _Oversize("it asks to parse a Fraction with an exponent")


class _ValueUnpickler(pickle.Unpickler):
    """Rebuilds a return value without letting the worker choose code to run here.

    Unpickling can call any global the stream names, so a hostile ``__reduce__`` could
    run ``os.system`` in the parent. Only plain data types, builtin exceptions, a few
    stdlib value classes, and dataclasses / enums / named tuples from ``trusted``
    modules are allowed. This fast (C) pass stops at the first constructor that could
    inflate its arguments; :class:`_CheckedValueUnpickler` then does the work.
    """

    def __init__(self, data: io.BytesIO, trusted: tuple[str, ...]) -> None:
        super().__init__(data)
        self._trusted = trusted

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _INFLATING:
            raise _NeedsChecks(f"{module}.{name}")
        return _allowed_class(module, name, self._trusted)


class _CheckedValueUnpickler(pickle._Unpickler):  # type: ignore[name-defined, misc]
    """The same rules, with every constructor call's arguments checked before it runs."""

    def __init__(self, data: io.BytesIO, trusted: tuple[str, ...]) -> None:
        super().__init__(data)
        self._trusted = trusted

    def find_class(self, module: str, name: str) -> Any:
        return _allowed_class(module, name, self._trusted)

    def _load_reduce(self) -> None:
        args = self.stack.pop()
        func = self.stack[-1]
        _check_call(func, args)
        self.stack[-1] = func(*args)

    def _load_newobj(self) -> None:
        args = self.stack.pop()
        cls = self.stack.pop()
        _check_call(cls, args)
        self.append(cls.__new__(cls, *args))

    dispatch = dict(pickle._Unpickler.dispatch)  # type: ignore[attr-defined]
    dispatch[pickle.REDUCE[0]] = _load_reduce
    dispatch[pickle.NEWOBJ[0]] = _load_newobj


def _rebuild_value(data: bytes, trusted: tuple[str, ...]) -> Any:
    try:
        return _ValueUnpickler(io.BytesIO(data), trusted).load()
    except _NeedsChecks:
        return _CheckedValueUnpickler(io.BytesIO(data), trusted).load()


_SERVERS: dict[Any, Any] = {}
_SERVERS_LOCK = threading.Lock()
_ENV_LOCK = threading.Lock()


def _forkserver(hash_seed: int | None) -> Any:
    """A private multiprocess fork server whose interpreter has the wanted hash seed.

    Workers forked from it start in milliseconds with this module already imported,
    and a fixed PYTHONHASHSEED can only be set when an interpreter starts. (A sandbox's
    ``preload`` is imported by each worker, not here: libraries such as Hypothesis fix
    paths from the working directory at import, which must be the worker's own.)
    """
    with _SERVERS_LOCK:
        server = _SERVERS.get(hash_seed)
        if server is None:
            from multiprocess import forkserver

            class _SeededForkServer(forkserver.ForkServer):  # type: ignore[misc, name-defined]
                def ensure_running(self) -> None:
                    with _ENV_LOCK:
                        saved = os.environ.get("PYTHONHASHSEED")
                        if hash_seed is not None:
                            os.environ["PYTHONHASHSEED"] = str(hash_seed)
                        try:
                            super().ensure_running()
                        finally:
                            if hash_seed is not None:
                                if saved is None:
                                    os.environ.pop("PYTHONHASHSEED", None)
                                else:
                                    os.environ["PYTHONHASHSEED"] = saved

            server = _SeededForkServer()
            # Whatever a worker imports while setting up is imported once, in the server.
            server.set_forkserver_preload(
                ["__main__", __name__, "ctypes", "decimal", "faulthandler", "pathlib",
                 "platform", "resource", "multiprocess.reduction"]
            )  # fmt: skip
            _SERVERS[hash_seed] = server
        return server


def _build_process_classes() -> None:
    """Define the Process/Popen pair that starts workers through a private fork server.

    They are built on first use (so importing this module does not import multiprocess)
    and published as module globals, which is where pickle looks for them: the process
    object travels to the child by reference, and the module-level ``__getattr__``
    below rebuilds them there.
    """
    from multiprocess import context, popen_forkserver, spawn, util
    from multiprocess import forkserver as fs_module

    class _SeededPopen(popen_forkserver.Popen):  # type: ignore[misc, name-defined]
        # The stock forkserver Popen, except that it talks to our seeded server.
        def _launch(self, process_obj: Any) -> None:
            server = _forkserver(process_obj._hash_seed)
            prep_data = spawn.get_preparation_data(process_obj._name)
            buf = io.BytesIO()
            context.set_spawning_popen(self)
            try:
                context.reduction.dump(prep_data, buf)
                context.reduction.dump(process_obj, buf)
            finally:
                context.set_spawning_popen(None)
            self.sentinel, w = server.connect_to_new_process(self._fds)
            _parent_w = os.dup(w)
            self.finalizer = util.Finalize(self, util.close_fds, (_parent_w, self.sentinel))
            with open(w, "wb", closefd=True) as f:
                f.write(buf.getbuffer())
            self.pid = fs_module.read_signed(self.sentinel)

    class _SandboxProcess(context.ForkServerProcess):  # type: ignore[misc, name-defined]
        _hash_seed: int | None = 0

        @staticmethod
        def _Popen(process_obj: Any) -> Any:
            return _SeededPopen(process_obj)

    for cls in (_SeededPopen, _SandboxProcess):
        cls.__qualname__ = cls.__name__
        cls.__module__ = __name__
        globals()[cls.__name__] = cls


_BUILD_LOCK = threading.Lock()


def __getattr__(name: str) -> Any:
    if name in ("_SeededPopen", "_SandboxProcess"):
        # Once per process, under a lock: pickle finds a process object's class by
        # name, so threads starting their first workers together must share one class
        # (a second copy is not "the" class, and pickling it fails).
        with _BUILD_LOCK:
            if name not in globals():
                _build_process_classes()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Handle:
    """The parent's view of one worker process."""

    __slots__ = ("process", "task_conn", "res_conn", "res_fd", "base", "buf", "key", "task_id",
                 "sent", "started", "deadline", "tasks", "pid", "protections", "setup_error")  # fmt: skip

    def __init__(self, process: Any, task_conn: Any, res_conn: Any, base: str) -> None:
        self.process = process
        self.task_conn = task_conn
        self.res_conn = res_conn
        self.res_fd: int = res_conn.fileno()
        self.base = base
        self.buf = bytearray()
        self.key: bytes | None = None
        self.task_id: Any = None
        self.sent = 0.0
        self.started: float | None = None
        self.deadline = math.inf
        self.tasks = 0
        self.pid: int | None = None
        self.protections: tuple[str, ...] = ()
        self.setup_error: str | None = None


_BASE_PREFIX = "pytrace-sem-sandbox-"


def _sweep_orphaned_bases() -> None:
    """Remove worker directories whose owning process is gone (it was killed with -9).

    A directory is named after the pid of the process that made it; its workers died
    with that process's fork server, but nothing was left to remove the directory.
    """
    root = tempfile.gettempdir()
    try:
        names = os.listdir(root)
    except OSError:
        return
    for name in names:
        if not name.startswith(_BASE_PREFIX):
            continue
        owner = name[len(_BASE_PREFIX):].split("-", 1)[0]
        if not owner.isdigit() or int(owner) == os.getpid():
            continue
        try:
            os.kill(int(owner), 0)
        except ProcessLookupError:
            _log.info("removing %s, left by a sandbox whose process is gone", os.path.join(root, name))
            shutil.rmtree(os.path.join(root, name), ignore_errors=True)
        except OSError:  # alive, owned by someone else
            pass


def _kill_and_clean(handles: list[_Handle], spare_bases: list[str]) -> None:
    """Finalizer: no worker outlives its Sandbox, and no temporary directory either."""
    for h in handles:
        _dispose(h, kill=True)
        spare_bases.append(h.base)
    handles.clear()
    for base in spare_bases:
        shutil.rmtree(base, ignore_errors=True)
    spare_bases.clear()


def _dispose(h: _Handle, kill: bool) -> None:
    """Stop a worker process (its directory is left for the caller to reuse or remove)."""
    for conn in (h.task_conn, h.res_conn):
        try:
            conn.close()
        except OSError:
            pass
    try:
        if kill and h.process.is_alive():
            h.process.kill()
        h.process.join(5.0)
    except (OSError, ValueError, AssertionError):
        pass


_SIGNAL_STATUS = {
    signal.SIGKILL: "killed",
    signal.SIGTERM: "killed",
    getattr(signal, "SIGXCPU", -1): "timeout",
}


class Sandbox:
    """A pool of long-lived worker processes that run untrusted callables under limits.

    >>> with Sandbox(timeout=1.0) as box:                     # doctest: +SKIP
    ...     [r.status for r in box.map(divmod, [(7, 2), (1, 0)])]
    ['ok', 'raised']

    Parameters: ``workers`` processes; ``timeout`` wall-clock seconds per call (a worker
    that does not stop within ``kill_grace`` more seconds is killed and replaced);
    ``memory_mb`` address-space limit (RLIMIT_AS); ``cpu_seconds`` CPU seconds per call,
    measured by ITIMER_PROF (default: the timeout plus one); ``max_output`` bytes kept of each of
    stdout/stderr; ``file_size_mb`` largest file a task may write; ``max_processes``
    how many more processes *or threads* the worker's user may own (RLIMIT_NPROC, which
    counts both per user; the kernel ignores it for root, and child processes are refused
    anyway by the audit hook and, on Linux x86_64, by a seccomp filter); ``hash_seed`` the
    workers' PYTHONHASHSEED (None: random); ``max_repr`` characters of ``value_repr``;
    ``trusted_modules`` top-level packages whose dataclasses, enums and named tuples may
    be rebuilt from return values; ``tasks_per_worker`` recycles a worker after that
    many tasks (None: never, unless a task leaves it unfit); ``preload`` modules every
    worker imports while it sets up, before its policy is armed: the libraries the tasks
    call (Hypothesis, coverage.py, ...), so that what their imports do (load plugins, run
    ``ldconfig``, write caches) is never blamed on the function under test.
    """

    def __init__(
        self,
        workers: int = 1,
        timeout: float = 5.0,
        *,
        memory_mb: int | None = 2048,
        cpu_seconds: float | None = None,
        max_output: int = 64 * 1024,
        file_size_mb: int | None = 64,
        max_processes: int | None = 64,
        hash_seed: int | None = 0,
        max_repr: int = 100_000,
        trusted_modules: Sequence[str] = ("pytrace_sem",),
        tasks_per_worker: int | None = None,
        kill_grace: float = 1.0,
        preload: Sequence[str] = (),
    ) -> None:
        if not sys.platform.startswith("linux"):
            raise SandboxError(
                f"the sandbox runs on Linux only (it relies on /proc, resource limits and "
                f"seccomp), not on {sys.platform}; run this step on a Linux machine"
            )
        if workers < 1:
            raise LimitError(f"workers must be at least 1, got {workers}")
        if not timeout > 0:
            raise LimitError(f"timeout must be a positive number of seconds, got {timeout}")
        for name, value in (("memory_mb", memory_mb), ("file_size_mb", file_size_mb),
                            ("tasks_per_worker", tasks_per_worker)):  # fmt: skip
            if value is not None and value < 1:
                raise LimitError(f"{name} must be at least 1 (or None for no limit), got {value}")
        if cpu_seconds is not None and not cpu_seconds > 0:
            raise LimitError(f"cpu_seconds must be positive (or None: timeout + 1), got {cpu_seconds}")
        if max_processes is not None and max_processes < 0:
            raise LimitError(f"max_processes must be 0 or more, got {max_processes}")
        if max_output < 0 or max_repr < 1 or kill_grace < 0:
            raise LimitError("max_output and kill_grace must be >= 0 and max_repr >= 1")
        self._n = workers
        self.timeout = float(timeout)
        self.kill_grace = float(kill_grace)
        self.tasks_per_worker = tasks_per_worker
        self._limits = _Limits(
            timeout=self.timeout,
            cpu_seconds=float(cpu_seconds if cpu_seconds is not None else self.timeout + 1.0),
            memory_mb=memory_mb,
            file_size_mb=file_size_mb,
            max_processes=max_processes,
            max_output=max_output,
            max_repr=max_repr,
        )
        self._trusted = tuple(trusted_modules)
        self._preload = tuple(preload)
        self._swept = False
        self._hash_seed = hash_seed
        self._idle: list[_Handle] = []
        self._all: list[_Handle] = []
        # Directories of dead workers, reused by their replacements: creating and
        # removing directories costs more than starting a worker on some filesystems.
        self._spare_bases: list[str] = []
        self._protections: tuple[str, ...] | None = None
        self._running = False
        self._closed = False
        self._finalizer = weakref.finalize(self, _kill_and_clean, self._all, self._spare_bases)

    # --- public API -------------------------------------------------------------------

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every worker and remove their temporary directories."""
        self._closed = True
        for h in self._all:
            try:
                h.task_conn.close()  # a worker reading its next task exits on EOF
            except OSError:
                pass
        end = time.monotonic() + 1.0
        for h in self._all:
            try:
                h.process.join(max(0.0, end - time.monotonic()))
            except (OSError, ValueError, AssertionError):
                pass
        self._finalizer()
        self._idle.clear()

    @property
    def protections(self) -> tuple[str, ...]:
        """Which protection layers a worker reported active (starts one if none ran yet).

        Some of ``"own-session"``, ``"rlimits"``, ``"nproc"``, ``"seccomp"``, ``"audit-hook"``.
        """
        if self._protections is None:
            self.run(int, 0)
        return self._protections or ()

    def run(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> TaskResult:
        """Call ``fn(*args, **kwargs)`` in a worker; the result's id is 0."""
        return next(self._drive(fn, iter([(0, args, kwargs)])))

    def run_source(self, source: str, call: str, /, *args: Any, **kwargs: Any) -> TaskResult:
        """Exec ``source`` in a worker and call ``call`` (a name, or a call expression).

        >>> box.run_source("def f(a, b):\\n    return a + b\\n", "f", 1, 2).value   # doctest: +SKIP
        3
        """
        return self.run(call_source, source, call, *args, **kwargs)

    def map(
        self,
        fn: Callable[..., Any],
        arguments: Iterable[tuple[Any, ...]],
        ids: Iterable[Any] | None = None,
    ) -> list[TaskResult]:
        """Call ``fn(*args)`` for every tuple in ``arguments``; results in input order.

        ``ids`` label the results (default: the position, 0, 1, ...).
        """
        arguments = list(arguments)
        labels = list(ids) if ids is not None else None
        if labels is not None and len(labels) != len(arguments):
            raise SandboxError(
                f"got {len(labels)} ids for {len(arguments)} argument tuples; give one id each"
            )
        results: list[TaskResult | None] = [None] * len(arguments)
        for result in self.imap(fn, arguments):
            results[result.id] = result
        if labels is None:
            return results  # type: ignore[return-value]
        return [replace(r, id=label) for r, label in zip(results, labels)]  # type: ignore[arg-type]

    def imap(
        self,
        fn: Callable[..., Any],
        arguments: Iterable[tuple[Any, ...]],
        ids: Iterable[Any] | None = None,
    ) -> Iterator[TaskResult]:
        """Like :meth:`map`, but yields each result as soon as it finishes.

        ``ids`` label the results (default: the position, 0, 1, ...). ``arguments`` is
        consumed lazily, so a generator of 100k calls never sits in memory at once.
        """
        id_iter = iter(ids) if ids is not None else None

        def tasks() -> Iterator[tuple[Any, tuple[Any, ...], dict[str, Any]]]:
            for position, args in enumerate(arguments):
                if not isinstance(args, tuple):
                    raise SandboxError(
                        f"argument {position} is a {type(args).__name__}, not a tuple of "
                        "positional arguments; wrap a single argument as (x,)"
                    )
                if id_iter is None:
                    task_id: Any = position
                else:
                    try:
                        task_id = next(id_iter)
                    except StopIteration:
                        raise SandboxError(
                            f"ids ran out after {position} items; give one id per argument tuple"
                        ) from None
                yield task_id, args, {}

        return self._drive(fn, tasks())

    # --- the scheduler ----------------------------------------------------------------

    def _drive(
        self, fn: Callable[..., Any], tasks: Iterator[tuple[Any, tuple[Any, ...], dict[str, Any]]]
    ) -> Iterator[TaskResult]:
        if self._closed:
            raise SandboxError("this Sandbox is closed; create a new one")
        if self._running:
            raise SandboxError(
                "this Sandbox is already running a map/imap; finish it first or use a second Sandbox"
            )
        from multiprocess.reduction import ForkingPickler

        self._running = True
        busy: list[_Handle] = []
        pending: list[TaskResult] = []
        try:
            fn_bytes = bytes(ForkingPickler.dumps(fn))
        except Exception as exc:  # noqa: BLE001
            fn_bytes = None
            fn_error = f"the function could not be pickled: {_describe(exc)}"
        exhausted = False
        try:
            while True:
                while not exhausted and len(busy) < self._n:
                    try:
                        task_id, args, kwargs = next(tasks)
                    except StopIteration:
                        exhausted = True
                        break
                    if fn_bytes is None:
                        yield TaskResult(id=task_id, status="unpicklable", error=fn_error)
                        continue
                    try:
                        payload = _FRAME.pack(len(fn_bytes)) + fn_bytes + _pickle_arguments(args, kwargs)
                    except Exception as exc:  # noqa: BLE001
                        yield TaskResult(
                            id=task_id,
                            status="unpicklable",
                            error=f"the arguments could not be pickled: {_describe(exc)}",
                        )
                        continue
                    h = self._take_worker()
                    h.key = secrets.token_bytes(8)
                    h.task_id = task_id
                    h.sent = time.monotonic()
                    h.started = None
                    h.deadline = h.sent + _LOAD_SECONDS + self.timeout
                    try:
                        h.task_conn.send_bytes(h.key + payload)
                    except OSError:
                        pass  # the worker is already gone; its death is reported below
                    busy.append(h)
                if not busy:
                    return
                self._wait(busy)
                for h in list(busy):
                    result = self._collect(h)
                    if result is not None:
                        busy.remove(h)
                        pending.append(result)
                while pending:
                    yield pending.pop(0)
        finally:
            self._running = False
            for h in busy:  # abandoned mid-flight (exception or generator closed)
                self._retire(h, kill=True)

    def _wait(self, busy: list[_Handle]) -> None:
        poller = select.poll()
        for h in busy:
            poller.register(h.res_fd, select.POLLIN)
            poller.register(h.process.sentinel, select.POLLIN)
        until = min(h.deadline for h in busy)
        delay = max(0.0, until - time.monotonic())
        poller.poll(min(delay, 3600.0) * 1000.0 + 1.0)

    def _collect(self, h: _Handle) -> TaskResult | None:
        """Read what worker ``h`` sent; return its task's result once there is one."""
        eof = self._read(h)
        frame_limit = _MAX_VALUE_BYTES + 4 * self._limits.max_output + 4 * self._limits.max_repr
        frame_limit += 1 << 20
        while len(h.buf) >= _FRAME.size:
            (length,) = _FRAME.unpack_from(h.buf)
            if length > frame_limit:
                return self._dead(h, "crashed", "the worker sent an oversized message")
            if len(h.buf) < _FRAME.size + length:
                break
            frame = bytes(h.buf[_FRAME.size : _FRAME.size + length])
            del h.buf[: _FRAME.size + length]
            kind, body = frame[:1], frame[1:]
            if kind == b"R":
                try:
                    h.pid, h.protections = _EnvelopeUnpickler(io.BytesIO(body)).load()
                except Exception:  # noqa: BLE001
                    return self._dead(h, "crashed", "the worker sent a malformed message")
                if self._protections is None:
                    self._protections = tuple(h.protections)
            elif kind == b"E":
                h.setup_error = body.decode("utf-8", "replace")
            elif kind == b"S" and body == h.key:
                h.started = time.monotonic()
                h.deadline = h.started + self.timeout + self.kill_grace
            elif kind == b"D" and body[:8] == h.key:
                return self._finish(h, body[8:])
            else:
                return self._dead(h, "crashed", "the worker sent a message out of turn")
        if eof or h.process.sentinel in _readable([h.process.sentinel]):
            if h.buf:
                return self._dead(h, "crashed", "the worker died in the middle of a message")
            return self._dead(h, None, None)
        if time.monotonic() >= h.deadline:
            if h.started is None:
                return self._dead(
                    h, "timeout", f"the worker did not start the task within {_LOAD_SECONDS:g} s"
                )
            return self._dead(
                h,
                "timeout",
                f"the call ran past its time limit of {self.timeout:g} s and the worker was killed",
            )
        return None

    def _read(self, h: _Handle) -> bool:
        """Append available bytes to ``h.buf`` without blocking; True at end of file."""
        while True:
            try:
                chunk = os.read(h.res_fd, 1 << 20)
            except BlockingIOError:
                return False
            except OSError:
                return True
            if not chunk:
                return True
            h.buf += chunk
            if len(chunk) < (1 << 20):
                return False

    def _finish(self, h: _Handle, body: bytes) -> TaskResult:
        try:
            (status, value_bytes, value_repr, error, out, err, out_trunc, err_trunc, seconds,
             tampered) = _EnvelopeUnpickler(io.BytesIO(body)).load()  # fmt: skip
            if status not in TASK_STATUSES:
                raise ValueError(status)
        except Exception:  # noqa: BLE001
            return self._dead(h, "crashed", "the worker sent a malformed result")
        value = None
        if status == "ok" and value_bytes is not None:
            try:
                value = _rebuild_value(value_bytes, self._trusted)
            except _Oversize as exc:
                status, error = "unpicklable", _one_line(f"the return value is too large to rebuild here: {exc}")
            except Exception as exc:  # noqa: BLE001
                status, error = "unpicklable", _one_line(str(exc))
        result = TaskResult(
            id=h.task_id,
            status=status,
            value=value,
            value_repr=value_repr,
            error=error,
            stdout=out,
            stderr=err,
            stdout_truncated=bool(out_trunc),
            stderr_truncated=bool(err_trunc),
            seconds=float(seconds),
            tampered=tuple(tampered),
        )
        h.tasks += 1
        h.key = None
        retiring = status == "memory" or "threads" in result.tampered
        if self.tasks_per_worker is not None and h.tasks >= self.tasks_per_worker:
            retiring = True
        if retiring or _readable([h.res_fd, h.process.sentinel]):
            # It is exiting, or it sent something after its result: either way, replace it.
            self._retire(h, kill=True)
        else:
            self._idle.append(h)
        return result

    def _dead(self, h: _Handle, status: str | None, error: str | None) -> TaskResult:
        """The worker is gone or must go: kill it, and report its task."""
        try:
            if h.process.is_alive():
                h.process.kill()
            h.process.join(5.0)
        except (OSError, ValueError, AssertionError):
            pass
        code = h.process.exitcode
        if status is None:
            if h.setup_error is not None:
                status, error = "crashed", f"the worker could not start: {h.setup_error}"
            elif code is not None and code < 0:
                sig = -code
                status = _SIGNAL_STATUS.get(sig, "crashed")
                try:
                    name = signal.Signals(sig).name
                except ValueError:
                    name = f"signal {sig}"
                if status == "timeout":
                    error = f"the call ran past its CPU time limit of {self._limits.cpu_seconds} s"
                else:
                    error = f"the worker died from {name} during the task"
            elif code is None:
                status, error = "crashed", "the worker stopped answering and was killed"
            else:
                status = "exited"
                error = f"the task ended the worker process with exit code {code} (os._exit?)"
        _log.info("task %s: %s (%s); its worker is replaced", h.task_id, status, error)
        out, out_trunc = _read_capture(os.path.join(h.base, "stdout"), self._limits.max_output)
        err, err_trunc = _read_capture(os.path.join(h.base, "stderr"), self._limits.max_output)
        started = h.started if h.started is not None else h.sent
        result = TaskResult(
            id=h.task_id,
            status=status,
            error=error,
            stdout=out,
            stderr=err,
            stdout_truncated=out_trunc,
            stderr_truncated=err_trunc,
            seconds=max(0.0, time.monotonic() - started),
        )
        self._retire(h, kill=True)
        return result

    # --- workers ----------------------------------------------------------------------

    def _take_worker(self) -> _Handle:
        while self._idle:
            h = self._idle.pop()
            if _readable([h.res_fd, h.process.sentinel]):
                # An idle worker must be silent; one that is not is dead or misbehaving.
                self._retire(h, kill=True)
                continue
            return h
        return self._start_worker()

    def _start_worker(self) -> _Handle:
        import multiprocess

        try:
            process_cls = __getattr__("_SandboxProcess")
        except (ImportError, AttributeError) as exc:
            raise SandboxError(
                f"cannot start sandbox workers: the multiprocess fork server is unavailable ({exc})"
            ) from exc
        if not self._spare_bases and not self._swept:
            self._swept = True
            _sweep_orphaned_bases()
        base = self._spare_bases.pop() if self._spare_bases else tempfile.mkdtemp(
            prefix=f"{_BASE_PREFIX}{os.getpid()}-"
        )
        task_r, task_w = multiprocess.Pipe(duplex=False)
        res_r, res_w = multiprocess.Pipe(duplex=False)
        process = process_cls(
            target=_worker_main,
            args=(task_r, res_w, self._limits, base, self._preload),
            name="pytrace-sem-sandbox",
            daemon=True,
        )
        process._hash_seed = self._hash_seed
        try:
            process.start()
        except Exception as exc:
            self._spare_bases.append(base)
            raise SandboxError(f"cannot start a sandbox worker: {_describe(exc)}") from exc
        finally:
            task_r.close()
            res_w.close()
        os.set_blocking(res_r.fileno(), False)
        h = _Handle(process, task_w, res_r, base)
        self._all.append(h)
        return h

    def _retire(self, h: _Handle, kill: bool) -> None:
        if h in self._idle:
            self._idle.remove(h)
        if h in self._all:
            self._all.remove(h)
        _dispose(h, kill=kill)
        if self._closed or h.process.exitcode is None:
            shutil.rmtree(h.base, ignore_errors=True)
        else:
            self._spare_bases.append(h.base)


def _pickle_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bytes:
    """Arguments for the wire: the C pickler when it can, dill (50x slower) when it must.

    Anything naming ``__main__`` goes through dill, which sends such objects by value
    (the worker's ``__main__`` is not the caller's).
    """
    try:
        data = pickle.dumps((args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        if b"__main__" not in data:
            return b"P" + data
    except Exception:  # noqa: BLE001 - lambdas, closures, local classes: dill's job
        pass
    from multiprocess.reduction import ForkingPickler

    return b"D" + bytes(ForkingPickler.dumps((args, kwargs)))


def _readable(fds: list[int]) -> list[int]:
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN)
    return [fd for fd, _ in poller.poll(0)]


def _read_capture(path: str, limit: int) -> tuple[str, bool]:
    """What a dead worker's task wrote, read from its capture file."""
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError:
        return "", False
    return data[:limit].decode("utf-8", "replace"), len(data) > limit
