"""Run untrusted evaluation programs (model answers, model-written code) away from this process.

Every scoring program goes through :func:`run_programs`, the one place that decides
how untrusted code runs. Plain programs (no input files, no reports: CRUXEval's
assertions) run in the project sandbox, :class:`pytrace_sem.sandbox.Sandbox`
(long-lived limited workers with an audit hook). Programs that read input files or
report results, and every program where the sandbox cannot run, get a fresh Python
process each, with a wall-clock timeout, a temporary working directory, memory /
CPU / file-size limits, a fixed hash seed and captured output::

    results = run_programs(["assert 1 + 1 == 2", "while True: pass"], timeout=2)
    [r.status for r in results]   # ['passed', 'timeout']

A program passes when it runs to the end without an exception (exit status 0).
Programs that report data write JSON lines to the file descriptor
:data:`REPORT_FD_ENV` names (see :data:`REPORT_PRELUDE`), so nothing the untrusted
code prints can be mistaken for a result.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any, Mapping, Sequence

__all__ = [
    "ProgramResult",
    "exec_check",
    "run_programs",
    "run_program",
    "call_reprs",
    "REPORT_PRELUDE",
    "REPORT_FD_ENV",
    "DEFAULT_TIMEOUT",
    "DEFAULT_MEMORY_BYTES",
]

DEFAULT_TIMEOUT = 10.0
DEFAULT_MEMORY_BYTES = 4 * 1024**3
_MAX_CAPTURE = 64 * 1024
_FILE_SIZE_LIMIT = 16 * 1024 * 1024

#: Environment variable naming the descriptor a program writes its JSON report lines to.
REPORT_FD_ENV = "SEMCODER_REPORT_FD"

#: Prepend to a program that reports results: defines ``_report(obj)`` and sends the
#: program's own stdout to the captured stream, away from the report descriptor.
REPORT_PRELUDE = (
    "import json as _json, os as _os\n"
    "_report_stream = _os.fdopen(int(_os.environ.pop('SEMCODER_REPORT_FD')), 'w', buffering=1)\n"
    "def _report(obj):\n"
    "    _report_stream.write(_json.dumps(obj) + '\\n')\n"
    "    _report_stream.flush()\n"
)


@dataclass(frozen=True, slots=True)
class ProgramResult:
    """How one program ended: ``passed`` (exit 0), ``failed`` (non-zero exit) or ``timeout``.

    ``reports`` holds the JSON objects the program wrote with ``_report`` (in order);
    ``stderr`` the end of its error output (the exception, for a failed assertion).
    """

    status: str
    returncode: int | None
    stdout: str
    stderr: str
    reports: tuple[Any, ...]
    seconds: float

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def error_line(self) -> str:
        """The last non-empty line of stderr (``AssertionError``, ``NameError: ...``), or the status."""
        for line in reversed(self.stderr.splitlines()):
            if line.strip():
                return line.strip()
        return self.status

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["reports"] = list(self.reports)
        return data


# Limits are set by a small bootstrap in the child itself (no preexec_fn: it is not
# safe beside the threads that run programs in parallel), which then runs the program
# as __main__.
_BOOTSTRAP = (
    "import resource, runpy, sys\n"
    "for _limit, _value in ((resource.RLIMIT_AS, {memory}), (resource.RLIMIT_CPU, {cpu}),\n"
    "                       (resource.RLIMIT_FSIZE, {fsize}), (resource.RLIMIT_CORE, 0)):\n"
    "    try:\n"
    "        resource.setrlimit(_limit, (_value, _value))\n"
    "    except (ValueError, OSError):\n"
    "        pass\n"
    "sys.argv = ['program.py']\n"
    "del resource, _limit, _value\n"
    "runpy.run_path('program.py', run_name='__main__')\n"
)


def _decode(data: bytes) -> str:
    text = data.decode("utf-8", "replace")
    return text if len(text) <= _MAX_CAPTURE else text[-_MAX_CAPTURE:]


def _parse_reports(text: str) -> tuple[Any, ...]:
    out = []
    for line in text.splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return tuple(out)


def run_program(
    source: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    files: Mapping[str, str] | None = None,
    memory_bytes: int = DEFAULT_MEMORY_BYTES,
) -> ProgramResult:
    """Run one program in a fresh interpreter inside a temporary folder; see :func:`run_programs`."""
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="semcoder-run-") as tmp:
        for name, text in (files or {}).items():
            with open(os.path.join(tmp, name), "w", encoding="utf-8") as fh:
                fh.write(text)
        script = os.path.join(tmp, "program.py")
        with open(script, "w", encoding="utf-8") as fh:
            fh.write(source)
        report_read, report_write = os.pipe()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONIOENCODING": "utf-8",
            "HOME": tmp,
            "TMPDIR": tmp,
            "OMP_NUM_THREADS": "1",
            REPORT_FD_ENV: str(report_write),
        }
        bootstrap = _BOOTSTRAP.format(memory=memory_bytes, cpu=max(1, int(timeout) + 1), fsize=_FILE_SIZE_LIMIT)
        proc = subprocess.Popen(
            [sys.executable, "-S", "-c", bootstrap],
            cwd=tmp,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(report_write,),
            start_new_session=True,
        )
        os.close(report_write)
        chunks: list[bytes] = []
        reader = ThreadPoolExecutor(max_workers=1)
        pending = reader.submit(_read_all, report_read, chunks)
        try:
            out, err = proc.communicate(timeout=timeout)
            status = "passed" if proc.returncode == 0 else "failed"
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            out, err = proc.communicate()
            status = "timeout"
        pending.result()
        reader.shutdown()
        return ProgramResult(
            status=status,
            returncode=proc.returncode,
            stdout=_decode(out),
            stderr=_decode(err),
            reports=_parse_reports(b"".join(chunks).decode("utf-8", "replace")),
            seconds=round(time.monotonic() - start, 4),
        )


def _read_all(fd: int, chunks: list[bytes]) -> None:
    # Read the report pipe concurrently: a program that reports a lot must not block on a full pipe.
    try:
        while True:
            data = os.read(fd, 65536)
            if not data:
                return
            chunks.append(data)
    finally:
        os.close(fd)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    # The child leads its own session, so this also ends anything it spawned.
    import signal

    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


def exec_check(source: str) -> bool:
    """Run a program in a fresh namespace as ``__main__``; it passes by not raising (sandbox task)."""
    namespace = {"__name__": "__main__"}
    exec(compile(source, "<program>", "exec"), namespace)
    return True


def _sandbox_class() -> Any:
    try:
        from pytrace_sem.sandbox import Sandbox
    except ImportError:
        return None
    return Sandbox


def _run_in_sandbox(
    sandbox: Any, sources: Sequence[str], timeout: float, workers: int, memory_bytes: int
) -> list[ProgramResult]:
    statuses = {"ok": "passed", "timeout": "timeout"}
    with sandbox(workers=workers, timeout=timeout, memory_mb=max(1, memory_bytes // 2**20)) as box:
        results = box.map(exec_check, [(s,) for s in sources])
    return [
        ProgramResult(
            status=statuses.get(r.status, "failed"),
            returncode=None,
            stdout=r.stdout,
            stderr=r.stderr + (f"\n{r.error}" if r.error else ""),
            reports=(),
            seconds=r.seconds,
        )
        for r in results
    ]


def call_reprs(
    calls: Sequence[tuple[str, str]],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    workers: int = 2,
) -> list[str | None]:
    """``repr`` of each call's result, ``(source, call expression)`` run isolated; None where it fails."""
    sandbox = _sandbox_class()
    if sandbox is not None:
        from pytrace_sem.sandbox import call_source

        with sandbox(workers=max(1, workers), timeout=timeout) as box:
            results = box.map(call_source, list(calls))
        return [r.value_repr if r.status == "ok" else None for r in results]
    programs = [
        REPORT_PRELUDE
        + f"_ns = {{'__name__': '__main__'}}\nexec(compile({source!r}, '<code>', 'exec'), _ns)\n"
        + f"_report(repr(eval({call!r}, _ns)))\n"
        for source, call in calls
    ]
    results = run_programs(programs, timeout=timeout, workers=workers)
    return [r.reports[0] if r.passed and r.reports else None for r in results]


def run_programs(
    sources: Sequence[str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    workers: int = 2,
    files: Sequence[Mapping[str, str] | None] | None = None,
    memory_bytes: int = DEFAULT_MEMORY_BYTES,
    isolation: str = "auto",
) -> list[ProgramResult]:
    """Run each program isolated from this process and from each other; results in input order.

    ``files`` (one mapping per program, or None) are written into the program's
    working folder first, for inputs too large to inline. ``isolation``: ``sandbox``
    (the project sandbox), ``process`` (a fresh interpreter per program) or ``auto``
    (the sandbox for plain programs when it is available, else processes).
    """
    if files is not None and len(files) != len(sources):
        raise ValueError("files must give one mapping (or None) per program")
    if isolation not in ("auto", "sandbox", "process"):
        raise ValueError(f"isolation must be auto, sandbox or process, not {isolation!r}")
    per_file = list(files) if files is not None else [None] * len(sources)
    plain = not any(per_file) and not any(REPORT_FD_ENV in s for s in sources)
    sandbox = _sandbox_class() if isolation != "process" and plain else None
    if isolation == "sandbox" and sandbox is None:
        raise ValueError("the project sandbox cannot run these programs (files, reports, or not installed)")
    if sandbox is not None and sources:
        return _run_in_sandbox(sandbox, sources, timeout, max(1, workers), memory_bytes)

    def one(index: int) -> ProgramResult:
        return run_program(sources[index], timeout=timeout, files=per_file[index], memory_bytes=memory_bytes)

    if workers <= 1 or len(sources) <= 1:
        return [one(i) for i in range(len(sources))]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, range(len(sources))))
