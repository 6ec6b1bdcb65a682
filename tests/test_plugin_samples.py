"""Regression samples (tests/samples/) found by running real suites under the pytest plugin."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytrace_sem
from pytrace_sem.trace import validate

SAMPLES = Path(__file__).parent / "samples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"sample_{name}", SAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_address_inside_a_string_is_removed():
    mod = _load("address_in_string")

    class Thing:
        pass

    t = pytrace_sem.trace(mod.describe, Thing())
    assert "0x" not in t.return_value["repr"]
    assert t.return_value["repr"].startswith("'<") and "Thing object" in t.return_value["repr"]
    validate(t.to_json())
