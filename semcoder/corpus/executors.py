"""Where the per-function work runs: a local pool, any ``concurrent.futures`` executor, or Dask.

The build submits :func:`semcoder.corpus.pipeline.process_item` (plain JSON in and
out) to a ``concurrent.futures.Executor``. Whatever thread or process runs it
keeps its own :class:`pytrace_sem.sandbox.Sandbox` workers (made on first use,
reused afterwards), and every line of the function's code runs inside them, never
in the executor's own process. So any executor works:

* ``local`` (the default): a thread pool in this process, one sandbox worker per thread;
* an executor object you made (``ThreadPoolExecutor``, ``ProcessPoolExecutor``, ...);
* ``dask`` (a ``dask.distributed.LocalCluster`` on this machine) or ``dask://HOST:PORT``
  (a running Dask scheduler): needs the ``dask`` extra (``pip install -e '.[dask]'`` in the clone).

    with open_executor("local", workers=2) as handle:
        future = handle.executor.submit(process_item, item.to_json(), config.to_json())

No cluster code lives here: Dask does the distributing.
"""

from __future__ import annotations

import concurrent.futures
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

from semcoder.errors import CorpusError, MissingDependencyError

__all__ = ["ExecutorHandle", "open_executor", "as_completed_bounded", "sandboxes", "close_sandboxes", "SandboxSettings"]


@dataclass(frozen=True, slots=True)
class SandboxSettings:
    """How the sandbox workers of one build are made (part of the build's configuration)."""

    timeout: float
    memory_mb: int | None
    recheck_seeds: tuple[int, ...]
    recheck_timeout: float


class _Sandboxes:
    """One thread's sandbox for the main work, and this process's shared ones for re-checks."""

    def __init__(self, main: Any, recheck: list[tuple[Any, threading.Lock]]) -> None:
        self.main = main
        self.recheck = recheck

    def run_recheck(self, index: int, fn: Callable[..., Any], *args: Any) -> Any:
        box, lock = self.recheck[index]
        with lock:  # a Sandbox runs one call at a time; re-checks are short
            return box.run(fn, *args)


_local = threading.local()
_lock = threading.Lock()
_all_boxes: list[Any] = []
_recheck_boxes: dict[tuple[int, float, int | None], tuple[Any, threading.Lock]] = {}


def sandboxes(settings: SandboxSettings) -> _Sandboxes:
    """This thread's sandboxes for ``settings`` (started on first use, then reused)."""
    from pytrace_sem.inputs import WORKER_PRELOAD
    from pytrace_sem.sandbox import Sandbox

    # What the per-function work imports, imported before each worker arms its policy.
    preload = (*WORKER_PRELOAD, "pytrace_sem.narrate", "semcoder.corpus.worker", "semcoder.corpus.mutate")
    cache: dict[SandboxSettings, _Sandboxes] | None = getattr(_local, "boxes", None)
    if cache is None:
        cache = _local.boxes = {}
    got = cache.get(settings)
    if got is not None:
        return got
    # Output printed by the code under test is not needed; keep little of it.
    main = Sandbox(workers=1, timeout=settings.timeout, memory_mb=settings.memory_mb, hash_seed=0,
                   max_output=4096, preload=preload)
    recheck = []
    with _lock:
        _all_boxes.append(main)
        for seed in settings.recheck_seeds:
            key = (seed, settings.recheck_timeout, settings.memory_mb)
            if key not in _recheck_boxes:
                box = Sandbox(workers=1, timeout=settings.recheck_timeout, memory_mb=settings.memory_mb,
                              hash_seed=seed, max_output=4096, preload=preload)
                _recheck_boxes[key] = (box, threading.Lock())
                _all_boxes.append(box)
            recheck.append(_recheck_boxes[key])
    got = cache[settings] = _Sandboxes(main, recheck)
    return got


def close_sandboxes() -> None:
    """Stop every sandbox worker this process started for builds."""
    with _lock:
        boxes = list(_all_boxes)
        _all_boxes.clear()
        _recheck_boxes.clear()
    for box in boxes:
        box.close()
    _local.__dict__.clear()


@dataclass
class ExecutorHandle:
    """An executor, how many calls to keep in flight on it, a name for the manifest, and its clean-up."""

    executor: concurrent.futures.Executor
    slots: int
    name: str
    _closers: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def close(self) -> None:
        while self._closers:
            closer = self._closers.pop()
            try:
                closer()
            except Exception:  # noqa: BLE001 - clean-up must go on
                pass

    def __enter__(self) -> ExecutorHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _dask(address: str | None, workers: int) -> ExecutorHandle:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise MissingDependencyError(
            "the dask executor needs dask.distributed: pip install -e '.[dask]' in the clone (or use --executor local)"
        ) from None
    closers: list[Callable[[], None]] = []
    if address is None:
        # One single-threaded worker process per slot: each holds its own sandbox workers.
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        closers.append(cluster.close)
        client = Client(cluster)
        name = f"dask LocalCluster ({workers} workers)"
    else:
        try:
            client = Client(address, timeout=30)
        except (OSError, TimeoutError) as exc:
            raise CorpusError(f"cannot reach the Dask scheduler at {address}: {exc}; start one with "
                              "`dask scheduler` and `dask worker`, or use --executor local") from None
        name = f"dask scheduler {address}"
    closers.append(client.close)
    threads = sum(client.nthreads().values()) or workers
    return ExecutorHandle(client.get_executor(pure=False), max(1, threads) * 2, name, closers)


def open_executor(spec: str | concurrent.futures.Executor | None = None, workers: int = 2) -> ExecutorHandle:
    """An executor for a build from a spec: ``local``, ``dask``, ``dask://HOST:PORT`` or an executor object.

    An executor object you pass stays yours (it is not shut down); the others are
    closed with the handle, and ``local`` also stops its sandbox workers.
    """
    if workers < 1:
        raise CorpusError(f"workers must be at least 1, got {workers}")
    if isinstance(spec, concurrent.futures.Executor):
        slots = getattr(spec, "_max_workers", workers)
        return ExecutorHandle(spec, max(1, int(slots)) * 2, type(spec).__name__)
    text = (spec or "local").strip()
    if text == "local":
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="corpus")
        return ExecutorHandle(pool, workers * 2, f"local ({workers} sandbox workers)",
                              [close_sandboxes, lambda: pool.shutdown(wait=True)])
    if text == "dask":
        return _dask(None, workers)
    for prefix in ("dask://", "tcp://"):
        if text.startswith(prefix):
            return _dask("tcp://" + text[len(prefix):], workers)
    raise CorpusError(f"unknown executor {text!r}; use local, dask (a LocalCluster) or dask://HOST:PORT")


def as_completed_bounded(handle: ExecutorHandle, fn: Callable[..., Any],
                         jobs: Iterator[tuple[Any, Sequence[Any]]]) -> Iterator[tuple[Any, Any]]:
    """Submit ``fn(*args)`` for each ``(key, args)`` with at most ``handle.slots`` in flight; yield ``(key, result)``.

    Results come as they finish. A call that raises yields ``(key, exception)``.
    """
    pending: dict[concurrent.futures.Future[Any], Any] = {}
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) < handle.slots:
                try:
                    key, args = next(jobs)
                except StopIteration:
                    exhausted = True
                    break
                pending[handle.executor.submit(fn, *args)] = key
            if not pending:
                return
            done, _ = concurrent.futures.wait(list(pending), return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                key = pending.pop(future)
                try:
                    result = future.result()
                except Exception as exc:  # noqa: BLE001 - reported to the caller per call
                    result = exc
                yield key, result
    finally:
        for future in pending:  # interrupted: what has not started need not start
            future.cancel()
