"""Run every behaviour program once in one mode and print what each did, as JSON.

    python tests/behaviour/run.py plain|trace_call|trace|traced [NAME ...]

Each program (a sibling file) defines ``main()`` and writes its side effects to
``behaviour_log.LOG``, a module this script provides. A program's outcome is what
``main()`` returned (its repr: programs return plain values) or the name of what
it raised, and the log as it stands after a garbage collection. tests/test_behaviour.py
runs this once per mode, each in its own process, and compares.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import sys
import types
from pathlib import Path

HERE = Path(__file__).resolve().parent
LOG_MODULE = types.ModuleType("behaviour_log")
LOG_MODULE.LOG = []  # type: ignore[attr-defined]
sys.modules["behaviour_log"] = LOG_MODULE


def programs(names: list[str]) -> list[Path]:
    found = sorted(p for p in HERE.glob("*.py") if p.name != "run.py")
    return [p for p in found if not names or p.stem in names]


def _load(path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(f"behave_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def outcome(mode: str, path: Path) -> dict[str, str]:
    log: list = LOG_MODULE.LOG  # type: ignore[attr-defined]
    log.clear()
    result: dict[str, str]
    if mode in ("trace_call", "trace"):
        import pytrace_sem

        if mode == "trace_call":
            t = pytrace_sem.trace_call(path.read_text(encoding="utf-8"), "main()")
        else:
            t = pytrace_sem.trace(_load(path).main)
        result = {"return": t.return_value["repr"]} if t.exception is None else {"raise": t.exception.type}
    else:
        main = _load(path).main
        if mode == "traced":
            import pytrace_sem

            main = pytrace_sem.traced(main)
        try:
            result = {"return": repr(main())}
        except BaseException as exc:  # noqa: BLE001 - SystemExit and friends are outcomes here
            result = {"raise": type(exc).__name__}
    gc.collect()
    result["log"] = repr(log)
    return result


def main(argv: list[str]) -> int:
    mode, names = argv[0], argv[1:]
    print(json.dumps({p.stem: outcome(mode, p) for p in programs(names)}, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
